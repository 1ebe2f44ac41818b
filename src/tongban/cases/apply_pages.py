"""Applying online from the guide: the pre-filled form, materials or their exemptions, the pledge, delivery (CASE-01, CASE-02, CASE-04, CASE-08)."""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session
from starlette.datastructures import FormData, UploadFile

from tongban.accounts import delegation
from tongban.accounts.access import PersonActor
from tongban.baselib.service import BaseLibrary
from tongban.cases import applicants, drafts, files, presenters
from tongban.cases import service as cases
from tongban.cases.enums import CaseChannel
from tongban.cases.schemas import ApplicationFormOut
from tongban.catalog import service as catalog
from tongban.catalog.enums import FeeRule
from tongban.core.clock import Clock
from tongban.core.errors import DomainError, Forbidden, NotFound
from tongban.web.actions import form_action, see_other
from tongban.web.deps import Csrf, Db, Id, Library, Me, Now, Posted
from tongban.web.filters import yuan
from tongban.web.rendering import render

router = APIRouter(include_in_schema=False)

UPLOAD = "upload"  # the "I will upload a file" choice next to a material's exemptions




def _text(data: FormData, name: str, limit: int | None = None) -> str:
    """A text value; form fields are passed whole so that the service reports one that is too long."""
    value = data.get(name)
    if value is None or isinstance(value, UploadFile):
        return ""
    return value[:limit] if limit else value


def _fee_lines(fees: list[dict]) -> list[dict]:
    """Each fee as a person reads it, in yuan."""
    lines = []
    for fee in fees:
        rule, unit = fee.get("rule", FeeRule.fixed.value), fee.get("unit") or "件"
        if rule == FeeRule.per_unit.value:
            amount = f"每{unit} {yuan(fee['amount_fen'])}"
        elif rule == FeeRule.tiered.value:
            parts, lower = [], 0
            for tier in fee.get("tiers", []):
                upper = tier.get("up_to")
                span = f"{lower + 1}–{upper}{unit}" if upper else f"{lower + 1}{unit}以上"
                parts.append(f"{span}每{unit} {yuan(tier['amount_fen'])}")
                lower = upper or lower
            amount = "分档收费：" + "；".join(parts)
        else:
            amount = yuan(fee.get("amount_fen", 0))
        lines.append({"name": fee["name"], "amount": amount, "basis": fee.get("basis", ""), "note": fee.get("note", "")})
    return lines


def _default_way(material) -> str:
    """Preselect an exemption that needs nothing more from the applicant; the pledge needs the box ticked first."""
    for exemption in material.exemptions:
        if exemption.kind != "pledge":
            return exemption.kind
    return UPLOAD


def _form_page(
    request: Request, db: Session, clock: Clock, library: BaseLibrary, actor: PersonActor, item_id: int, org: int | None, *,
    form: ApplicationFormOut | None = None, values: dict | None = None, key: str = "", error: str = "",
    field_errors: dict | None = None, material_errors: dict | None = None, files_lost: bool = False, status_code: int = 200,
    draft: drafts.DraftFacts | None = None,
) -> HTMLResponse:
    item = catalog.get_item(db_session=db, item_id=item_id)
    if form is None:
        form = _application_form(db, clock, library, actor, item, org)
    if values is None:
        values = presenters.prefilled_values(form, draft.values if draft else None)
        values.update({f"way_{m.key}": _default_way(m) for m in form.materials if m.exemptions})
        values["delivery_method"] = form.delivery_methods[0]["value"] if form.delivery_methods else ""
    unavailable = ""
    if item.status != "active":
        unavailable = "该事项目前暂停或已停止办理，不能网上申请。"
    elif not form.online:
        unavailable = "该事项需到政务服务大厅窗口办理，不能网上申请。"
    orgs = delegation.organisations_for(db_session=db, clock=clock, person_id=actor.person_id)
    from_licence = any(f.prefill.startswith("licence:") and f.key in form.prefill for f in form.fields)
    return render(
        request, "cases/apply.html", status_code=status_code, form=form, item=item, org=org, orgs=orgs, v=values,
        key=key or secrets.token_urlsafe(16), error=error, field_errors=field_errors or {},
        material_errors=material_errors or {}, files_lost=files_lost, fees=_fee_lines(form.fees), unavailable=unavailable,
        accept=files.ACCEPT_ATTRIBUTE, UPLOAD=UPLOAD, from_licence=from_licence, draft=draft,
    )


def _application_form(db: Session, clock: Clock, library: BaseLibrary, actor: PersonActor, item, org: int | None) -> ApplicationFormOut:
    applicant = applicants.for_person(db_session=db, clock=clock, actor=actor, organisation_id=org,
                                      item_code=item.implementation_code)
    return presenters.application_form(db_session=db, clock=clock, library=library, applicant=applicant, item_id=item.id)


@router.get("/items/{item_id}/apply", response_class=HTMLResponse)
def apply_page(request: Request, item_id: Id, db: Db, clock: Now, library: Library, me: Me,
               org: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
               draft: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None) -> HTMLResponse:
    """The application form, pre-filled from the account and linked licences (and from a draft filled together with
    a consultant, CONS-08: only its person opens it); one idempotency key per rendering."""
    prepared = drafts.open_draft(db_session=db, clock=clock, actor=me, draft_id=draft, item_id=item_id) if draft else None
    return _form_page(request, db, clock, library, me, item_id, org, draft=prepared)


def _uploads(data: FormData, form: ApplicationFormOut, chosen: dict[str, str]) -> tuple[list[files.Upload], dict, bool]:
    """Files for the materials the applicant chose to upload; each bad file is reported next to its material."""
    found: list[files.Upload] = []
    problems: dict[str, str] = {}
    any_file = False
    for material in form.materials:
        part = data.get(f"file_{material.key}")
        if not isinstance(part, UploadFile) or not part.filename:
            continue  # an empty file input is no upload
        any_file = True
        if material.key in chosen:
            continue  # the applicant chose an exemption instead; the file is not needed
        upload = files.Upload(material.key, part.filename, part.file.read(files.MAX_FILE_BYTES + 1))
        try:
            files.check(upload, material.name)
        except DomainError as exc:
            problems[material.key] = exc.message
            continue
        found.append(upload)
    return found, problems, any_file


def _material_errors(exc: DomainError, form: ApplicationFormOut) -> dict[str, str]:
    """Put a material's problem next to that material: the service names it in the message or lists it in details."""
    errors: dict[str, str] = {}
    missing = exc.details if exc.code == "MATERIALS_MISSING" and isinstance(exc.details, list) else []
    for material in form.materials:
        if material.name in missing:
            errors[material.key] = "请上传这份材料，或选择免提交的方式"
        elif f"“{material.name}”" in exc.message:
            errors[material.key] = exc.message
    return errors


@router.post("/items/{item_id}/apply", response_class=HTMLResponse)
def apply(request: Request, item_id: Id, db: Db, clock: Now, library: Library, me: Me, _csrf: Csrf, data: Posted,
          key: Annotated[str, Form(max_length=80)] = "", org: Annotated[int | None, Form(ge=1, le=2**31 - 1)] = None,
          draft: Annotated[int | None, Form(ge=1, le=2**31 - 1)] = None) -> Response:
    """Submit once: the case number is shown only after the case is committed; the same key gives the same case. A
    draft submitted is marked used with the case, in the same transaction."""
    prepared = drafts.find_own(db_session=db, actor=me, draft_id=draft, item_id=item_id) if draft else None
    item = catalog.get_item(db_session=db, item_id=item_id)
    applicant = applicants.for_person(db_session=db, clock=clock, actor=me, organisation_id=org, item_code=item.implementation_code)
    form = presenters.application_form(db_session=db, clock=clock, library=library, applicant=applicant, item_id=item.id)
    values = {k: v for k, v in data.items() if isinstance(v, str) and k.startswith(("f_", "way_"))}
    values.update(pledge=_text(data, "pledge", 10), delivery_method=_text(data, "delivery_method", 30),
                  credit_opt_in=_text(data, "credit_opt_in", 10))
    chosen = {m.key: values[f"way_{m.key}"] for m in form.materials
              if values.get(f"way_{m.key}", UPLOAD) != UPLOAD and not m.e_form}
    uploads, file_problems, any_file = _uploads(data, form, chosen)
    page = {"form": form, "values": values, "key": key, "files_lost": any_file, "draft": prepared}
    if file_problems:
        first = next(iter(file_problems.values()))
        return _form_page(request, db, clock, library, me, item_id, org, error=f"有 {len(file_problems)} 个文件需要重新选择：{first}",
                          material_errors=file_problems, status_code=422, **page)
    submission = cases.Submission(
        item_id=item_id, form={f.key: _text(data, f"f_{f.key}") for f in form.fields}, exemptions=chosen, uploads=uploads,
        pledge=bool(values["pledge"]), delivery_method=values["delivery_method"] or None,
        credit_opt_in=bool(values["credit_opt_in"]),
    )

    def failed(exc: DomainError) -> Response:
        if isinstance(exc, (Forbidden, NotFound)):
            raise exc
        field_errors = exc.details if exc.code == "FORM_INVALID" and isinstance(exc.details, dict) else {}
        if exc.code.startswith("IDEMPOTENCY_KEY"):
            page["key"] = ""  # a fresh key: this one is unusable or belongs to another application
        return _form_page(request, db, clock, library, me, item_id, org, error=exc.message, field_errors=field_errors,
                          material_errors=_material_errors(exc, form), status_code=exc.status_code, **page)

    def change():
        case = cases.submit(db_session=db, clock=clock, library=library, applicant=applicant, submission=submission,
                            channel=CaseChannel.web, submitter_ref=me.ref, idempotency_key=key)
        if prepared is not None:
            drafts.mark_used(db_session=db, clock=clock, actor=me, draft_id=prepared.id, case_id=case.id)
        return case

    return form_action(db, change, done=lambda case: see_other(f"/cases/{case.id}", submitted=1), failed=failed)
