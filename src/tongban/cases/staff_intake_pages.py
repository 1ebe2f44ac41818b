"""Staff workbench: window intake of walk-in applicants, and case look-up for hotline staff and terminals (CASE-05, CASE-18, CASE-21)."""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session
from starlette.datastructures import FormData, UploadFile

from tongban.accounts import identity, organisations
from tongban.accounts.access import Permission, StaffActor, region_prefix
from tongban.cases import applicants, forms, presenters
from tongban.cases import service as cases
from tongban.cases.enums import CaseChannel
from tongban.cases.files import Upload
from tongban.catalog import service as catalog
from tongban.catalog.schemas import ItemContent
from tongban.core.errors import DomainError, Forbidden, InvalidInput, NotFound
from tongban.web.actions import form_action, see_other
from tongban.web.deps import Csrf, Db, Library, Now, Posted, Staff, Text
from tongban.web.rendering import render

router = APIRouter(prefix="/staff", include_in_schema=False)

ITEM_PAGE = 20
LOOKUP_LIMIT = 50
LOOKUP_PERMISSIONS = (Permission.consult_answer, Permission.case_accept, Permission.supervise)
USCC_KIND = "uscc"
APPLICANT_FIELDS = {"name": 100, "id_kind": 30, "id_number": 40, "phone": 20, "uscc": 20, "org_name": 200}  # longest accepted




def _ctx(request: Request, actor: StaffActor) -> dict:
    return {"actor": actor, "msg": request.query_params.get("msg", "")}


# --- window intake ---------------------------------------------------------------------------------

def _scope_filter(actor: StaffActor, q: str) -> catalog.ItemFilter:
    """Published items the window may take in: the staff's agency, or every agency of their region."""
    if actor.agency_id is not None:
        return catalog.ItemFilter(q=q or None, agency_id=actor.agency_id, status="active")
    return catalog.ItemFilter(q=q or None, region_code=actor.region_code, status="active")


def _item_in_scope(db: Session, actor: StaffActor, item_id: int) -> tuple:
    """The item as `catalog.service.get_item` gives it (the page shows its agency), and its live content."""
    item = catalog.get_item(db_session=db, item_id=item_id)
    actor.require(Permission.case_accept, agency_id=item.agency_id, region_code=item.region_code)
    if item.live_version_id is None:
        raise InvalidInput("ITEM_NOT_AVAILABLE", "该事项尚未发布，不能申报")
    return item, catalog.live_content(db_session=db, item=item)


def _intake_page(request: Request, db: Session, actor: StaffActor, *, q: str = "", item_id: int | None = None,
                 values: dict | None = None, key: str = "", error: str = "", status_code: int = 200) -> HTMLResponse:
    actor.require(Permission.case_accept)
    context: dict = {"q": q, "error": error, "values": values or {}, "kinds": identity.KINDS_FOR_FORM, "item": None}
    if item_id is not None:
        item, content = _item_in_scope(db, actor, item_id)
        context.update(item=item, content=content, fields=forms.form_for(content), key=key or secrets.token_urlsafe(18),
                       materials=[m for m in content.materials if not m.e_form], e_forms=[m for m in content.materials if m.e_form])
    else:
        found, total = catalog.list_items(db_session=db, filters=_scope_filter(actor, q), limit=ITEM_PAGE)
        context.update(found=found, total=total)
    return render(request, "cases/staff_case_new.html", status_code=status_code, **context, **_ctx(request, actor))


@router.get("/cases/new", response_class=HTMLResponse)
def intake_form(request: Request, db: Db, actor: Staff, q: Annotated[str, Query(max_length=100)] = "",
                item_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None) -> HTMLResponse:
    return _intake_page(request, db, actor, q=q.strip(), item_id=item_id)


def _text(data: FormData, name: str, limit: int = 4000) -> str:
    value = data.get(name)
    if value is None or isinstance(value, UploadFile):
        return ""
    if len(value) > limit:
        raise InvalidInput("TOO_LONG", "填写的内容过长，请精简后重新提交")
    return value


def _uploads(data: FormData, content: ItemContent) -> list[Upload]:
    """One file input per material; an input left empty means the material was not handed in (allowed at a window)."""
    found: list[Upload] = []
    for material in content.materials:
        part = data.get(f"file_{material.key}")
        if isinstance(part, UploadFile) and part.filename:
            payload = part.file.read()
            if payload:
                found.append(Upload(material.key, part.filename, payload))
    return found


def _submission(data: FormData, item_id: int, content: ItemContent) -> cases.Submission:
    fields = forms.form_for(content)
    exemptions = {m.key: _text(data, f"exempt_{m.key}", 20) for m in content.materials if _text(data, f"exempt_{m.key}", 20)}
    return cases.Submission(
        item_id=item_id, form={f.key: _text(data, f"f_{f.key}") for f in fields}, exemptions=exemptions,
        uploads=_uploads(data, content), pledge=bool(_text(data, "pledge", 10)),
        delivery_method=_text(data, "delivery_method", 30) or None,
    )


@router.post("/cases/new", response_class=HTMLResponse)
def intake(request: Request, db: Db, clock: Now, library: Library, actor: Staff, _csrf: Csrf, data: Posted,
           item_id: Annotated[int, Form(ge=1, le=2**31 - 1)], key: Annotated[str, Form(max_length=80)] = "") -> Response:
    """窗口代为申报: the walk-in need not have an account; the case is the same as one filed online (CASE-18, CASE-21)."""
    # What was typed goes back into the form if something is wrong; the files must be chosen again.
    values = {k: v for k, v in data.items()
              if isinstance(v, str) and (k in APPLICANT_FIELDS or k.startswith(("f_", "exempt_", "pledge", "delivery_method")))}

    def submit():
        actor.require(Permission.case_accept)
        values.update({name: _text(data, name, limit) for name, limit in APPLICANT_FIELDS.items()})
        values.update(pledge=_text(data, "pledge", 10), delivery_method=_text(data, "delivery_method", 30))
        _, content = _item_in_scope(db, actor, item_id)
        applicant = applicants.walk_in(db_session=db, name=values["name"], id_kind=values["id_kind"] or "resident_id",
                                       id_number=values["id_number"], phone=values["phone"], uscc=values["uscc"],
                                       org_name=values["org_name"])
        return cases.submit(db_session=db, clock=clock, library=library, applicant=applicant,
                            submission=_submission(data, item_id, content), channel=CaseChannel.window,
                            submitter_ref=actor.ref, idempotency_key=key, staff=actor)

    def failed(exc: DomainError) -> Response:
        if isinstance(exc, Forbidden):
            raise exc
        return _intake_page(request, db, actor, item_id=item_id, values=values, key=key, error=exc.message,
                            status_code=exc.status_code)

    return form_action(db, submit, failed=failed, done=lambda case: see_other(
        f"/staff/cases/{case.id}",
        msg=f"窗口申报已提交，办件编号 {case.case_number}。请将编号告知申请人，并按材料情况受理、一次性告知补正或容缺受理"))


# --- look-up for hotline staff and terminals ---------------------------------------------------------

def _require_lookup(actor: StaffActor) -> None:
    if not any(actor.has(p) for p in LOOKUP_PERMISSIONS):
        raise Forbidden("NOT_PERMITTED", "您的岗位不能查询办件")


def _lookup_page(request: Request, db: Session, actor: StaffActor, *, found: list | None = None, number: str = "",
                 id_kind: str = "resident_id", error: str = "", status_code: int = 200) -> HTMLResponse:
    prefix = region_prefix(actor.region_code)
    results = None
    if found is not None:
        results = [presenters.progress(db_session=db, case=c) for c in found if c.region_code.startswith(prefix)]
    kinds = [*identity.KINDS_FOR_FORM, (USCC_KIND, "统一社会信用代码")]
    return render(request, "cases/staff_case_lookup.html", status_code=status_code, results=results, number=number,
                  id_kind=id_kind, kinds=kinds, error=error, **_ctx(request, actor))


@router.get("/case-lookup", response_class=HTMLResponse)
def lookup(request: Request, db: Db, clock: Now, actor: Staff, number: Annotated[str, Query(max_length=40)] = "") -> HTMLResponse:
    """By case number (CASE-05): number, item, state and progress only, within the staff's region."""
    _require_lookup(actor)
    if not number.strip():
        return _lookup_page(request, db, actor)
    try:
        found = cases.staff_lookup(db_session=db, clock=clock, actor=actor, number=number)
        db.commit()
    except NotFound:
        found = []
    return _lookup_page(request, db, actor, found=found, number=number.strip())


@router.post("/case-lookup", response_class=HTMLResponse)
def lookup_by_id(request: Request, db: Db, clock: Now, actor: Staff, _csrf: Csrf, id_kind: Text = "resident_id",
                 id_number: Text = "") -> HTMLResponse:
    """By the applicant's ID number or credit code; a POST keeps the number out of URLs and access logs."""
    _require_lookup(actor)
    try:
        if id_kind == USCC_KIND:
            identifier = organisations.normalize_uscc(id_number)
        else:
            identifier = identity.validate(id_kind, id_number, nationality="XXX").number
    except DomainError as exc:
        return _lookup_page(request, db, actor, id_kind=id_kind, error=exc.message, status_code=exc.status_code)
    found = cases.staff_lookup(db_session=db, clock=clock, actor=actor, identifier=identifier, limit=LOOKUP_LIMIT)
    db.commit()
    return _lookup_page(request, db, actor, found=found, id_kind=id_kind)
