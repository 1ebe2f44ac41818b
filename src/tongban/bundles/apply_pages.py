"""Applying for a bundle and following it (BND-07): the merged form and uploads, pre-filled from the account; my
bundle cases; one bundle case with each part's agency, state and what holds it, and taking all results at once."""

from __future__ import annotations

import re
import secrets
from typing import Annotated

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session
from starlette.datastructures import FormData, UploadFile

from tongban.accounts import delegation
from tongban.accounts.access import PersonActor
from tongban.baselib.service import BaseLibrary
from tongban.bundles import apply_form, case_presenters, handling, submission, together
from tongban.cases import applicants, files
from tongban.cases.enums import CaseChannel
from tongban.core.clock import Clock
from tongban.core.errors import DomainError, Forbidden, NotFound
from tongban.web.actions import form_action, see_other
from tongban.web.deps import Csrf, Db, Id, Library, Me, Now, Posted
from tongban.web.rendering import render

router = APIRouter(include_in_schema=False)

UPLOAD = "upload"
ANSWER = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
NOT_ANSWERS = {"org", "msg", "submitted", "key"}
NUMBER_PATH = Path(min_length=1, max_length=40)


def answers_of(items) -> dict[str, str]:
    """The question flow's answers carried in a query string or as `a_<question>` form fields."""
    found: dict[str, str] = {}
    for name, value in items:
        if not isinstance(value, str):
            continue
        key = name[2:] if name.startswith("a_") else name
        if ANSWER.fullmatch(key) and key not in NOT_ANSWERS:
            found[key] = value[:40]
    return found


def _text(data: FormData, name: str, limit: int = 4000) -> str:
    value = data.get(name)
    return value[:limit] if isinstance(value, str) else ""


def _page(request: Request, db: Session, clock: Clock, library: BaseLibrary, me: PersonActor, bundle_id: int,
          answers: dict[str, str], org: int | None, *, values: dict | None = None, key: str = "", error: str = "",
          field_errors: dict | None = None, material_errors: dict | None = None, files_lost: bool = False,
          status_code: int = 200) -> HTMLResponse:
    bundle = submission.active_bundle(db_session=db, bundle_id=bundle_id)
    orgs = delegation.organisations_for(db_session=db, clock=clock, person_id=me.person_id) if bundle.audience == "org" else []
    try:
        plan = submission.make_plan(db_session=db, clock=clock, bundle_id=bundle_id, answers=answers)
        applicant = applicants.for_person(db_session=db, clock=clock, actor=me, organisation_id=org)
        form = apply_form.application_form(db_session=db, clock=clock, library=library, applicant=applicant, plan=plan)
    except (Forbidden, NotFound):
        raise
    except DomainError as exc:
        return render(request, "bundles/bundles_apply.html", status_code=exc.status_code, bundle=bundle, form=None,
                      unavailable=exc.message, answers=answers, orgs=orgs, org=org)
    if values is None:
        values = {f"f_{k}": v for k, v in form.prefill.items()}
        values.update({f"way_{line.material.key}": line.exemptions[0].kind for line in form.materials if line.exemptions})
        values["delivery_method"] = form.delivery_methods[0]["value"] if form.delivery_methods else ""
    return render(request, "bundles/bundles_apply.html", status_code=status_code, bundle=bundle, form=form, answers=answers,
                  orgs=orgs, org=org, v=values, key=key or secrets.token_urlsafe(16), error=error,
                  field_errors=field_errors or {}, material_errors=material_errors or {}, files_lost=files_lost,
                  accept=files.ACCEPT_ATTRIBUTE, UPLOAD=UPLOAD, unavailable="")


@router.get("/bundles/mine", response_class=HTMLResponse)
def my_bundle_cases(request: Request, db: Db, clock: Now, me: Me) -> HTMLResponse:
    rows = handling.mine(db_session=db, clock=clock, actor=me)
    return render(request, "bundles/bundles_case_list.html", rows=[case_presenters.detail(db, r) for r in rows])


@router.get("/bundles/{bundle_id}/apply", response_class=HTMLResponse)
def apply_page(request: Request, bundle_id: Id, db: Db, clock: Now, library: Library, me: Me,
               org: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None) -> HTMLResponse:
    """The merged form of the plan the answers (in the query, as the plan page links them) lead to."""
    return _page(request, db, clock, library, me, bundle_id, answers_of(request.query_params.multi_items()), org)


def _uploads(data: FormData, form: apply_form.BundleForm, chosen: dict[str, str]):
    found: list[files.Upload] = []
    problems: dict[str, str] = {}
    any_file = False
    for line in form.materials:
        key = line.material.key
        part = data.get(f"file_{key}")
        if not isinstance(part, UploadFile) or not part.filename:
            continue
        any_file = True
        if key in chosen:
            continue
        upload = files.Upload(key, part.filename, part.file.read(files.MAX_FILE_BYTES + 1))
        try:
            files.check(upload, line.material.name)
        except DomainError as exc:
            problems[key] = exc.message
            continue
        found.append(upload)
    return found, problems, any_file


def _material_errors(exc: DomainError, form: apply_form.BundleForm) -> dict[str, str]:
    errors: dict[str, str] = {}
    missing = exc.details if exc.code == "MATERIALS_MISSING" and isinstance(exc.details, list) else []
    for line in form.materials:
        material = line.material
        if material.name in missing or f"“{material.name}”" in exc.message or (missing and any(n in material.name for n in missing)):
            errors[material.key] = "请上传这份材料，或选择免提交的方式"
    return errors


@router.post("/bundles/{bundle_id}/apply", response_class=HTMLResponse)
def apply(request: Request, bundle_id: Id, db: Db, clock: Now, library: Library, me: Me, _csrf: Csrf, data: Posted,
          key: Annotated[str, Form(max_length=80)] = "", org: Annotated[int | None, Form(ge=1, le=2**31 - 1)] = None) -> Response:
    """Submit once: one bundle case and every sub-case, or nothing; the same key gives the same bundle case."""
    answers = answers_of((k, v) for k, v in data.multi_items() if k.startswith("a_"))
    try:
        plan = submission.make_plan(db_session=db, clock=clock, bundle_id=bundle_id, answers=answers)
        applicant = applicants.for_person(db_session=db, clock=clock, actor=me, organisation_id=org)
        form = apply_form.application_form(db_session=db, clock=clock, library=library, applicant=applicant, plan=plan)
    except (Forbidden, NotFound):
        raise
    except DomainError:
        return _page(request, db, clock, library, me, bundle_id, answers, org)  # shows why it cannot be applied for now
    values = {k: v for k, v in data.items() if isinstance(v, str) and k.startswith(("f_", "way_"))}
    values["delivery_method"] = _text(data, "delivery_method", 30)
    chosen = {line.material.key: values[f"way_{line.material.key}"] for line in form.materials
              if values.get(f"way_{line.material.key}", UPLOAD) != UPLOAD and not line.material.e_form}
    uploads, problems, any_file = _uploads(data, form, chosen)
    page = {"values": values, "key": key, "files_lost": any_file}
    if problems:
        first = next(iter(problems.values()))
        return _page(request, db, clock, library, me, bundle_id, answers, org, error=f"有 {len(problems)} 个文件需要重新选择：{first}",
                     material_errors=problems, status_code=422, **page)
    sub = submission.BundleSubmission(
        bundle_id=bundle_id, answers=answers, form={m.field.key: _text(data, f"f_{m.field.key}") for m in form.fields},
        uploads=uploads, exemptions=chosen, delivery_method=values["delivery_method"] or None)

    def failed(exc: DomainError) -> Response:
        if isinstance(exc, (Forbidden, NotFound)):
            raise exc
        field_errors = exc.details if exc.code == "FORM_INVALID" and isinstance(exc.details, dict) else {}
        if exc.code.startswith("IDEMPOTENCY_KEY"):
            page["key"] = ""
        return _page(request, db, clock, library, me, bundle_id, answers, org, error=exc.message, field_errors=field_errors,
                     material_errors=_material_errors(exc, form), status_code=exc.status_code, **page)

    def change():
        return submission.submit(db_session=db, clock=clock, library=library, applicant=applicant, submission=sub,
                                 channel=CaseChannel.web, submitter_ref=me.ref, idempotency_key=key, plan=plan)

    return form_action(db, change, done=lambda row: see_other(f"/bundles/cases/{row.number}", submitted=1), failed=failed)


@router.get("/bundles/cases/{number}", response_class=HTMLResponse)
def bundle_case_page(request: Request, number: Annotated[str, NUMBER_PATH], db: Db, clock: Now, me: Me,
                     submitted: Annotated[int, Query(ge=0, le=1)] = 0,
                     msg: Annotated[str, Query(max_length=100)] = "") -> HTMLResponse:
    row = handling.for_person(db_session=db, clock=clock, actor=me, number=number)
    return _case_page(request, db, row, submitted=bool(submitted), msg=msg)


def _case_page(request: Request, db: Session, row, *, submitted: bool = False, msg: str = "", error: str = "",
               status_code: int = 200) -> HTMLResponse:
    view = case_presenters.detail(db, row)
    approved = [v.case for v in handling.views(db_session=db, bundle_case=row) if v.case.state == "approved"]
    downloads = [c for c in approved if together.method_of(c) == together.DOWNLOAD]
    return render(request, "bundles/bundles_case.html", status_code=status_code, b=view, submitted=submitted, msg=msg,
                  error=error, may_take=row.state == "ready" and bool(downloads), paper=len(approved) - len(downloads))


@router.post("/bundles/cases/{number}/take", response_class=HTMLResponse)
def take_all(request: Request, number: Annotated[str, NUMBER_PATH], db: Db, clock: Now, me: Me, _csrf: Csrf) -> Response:
    """Take every result at once (the bundle was to be delivered by download)."""
    row = handling.for_person(db_session=db, clock=clock, actor=me, number=number)
    return form_action(db, lambda: together.take_all(db_session=db, clock=clock, actor=me, bundle_case=row),
                       done=lambda r: see_other(f"/bundles/cases/{r.number}", msg="已领取全部办理结果"),
                       failed=lambda exc: _case_page(request, db, row, error=exc.message, status_code=exc.status_code))


@router.post("/bundles/cases/{number}/withdraw", response_class=HTMLResponse)
def withdraw(request: Request, number: Annotated[str, NUMBER_PATH], db: Db, clock: Now, me: Me, _csrf: Csrf,
             reason: Annotated[str, Form(max_length=500)] = "") -> Response:
    """Withdraw the whole bundle: every part not yet decided (results already decided are still delivered together)."""
    row = handling.for_person(db_session=db, clock=clock, actor=me, number=number)
    return form_action(db, lambda: handling.withdraw(db_session=db, clock=clock, actor=me, bundle_case=row, reason=reason),
                       done=lambda r: see_other(f"/bundles/cases/{r.number}", msg="已撤回尚未作出决定的事项"),
                       failed=lambda exc: _case_page(request, db, row, error=exc.message, status_code=exc.status_code))
