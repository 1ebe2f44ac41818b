"""Staff pages of cross-region service (/staff/crossregion): the hand-over lists of both sides, the remote-window
intake form, one hand-over with its feedback and the hand-over to the person (XREG-03), the liaison directory
(XREG-04)."""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import FormData, UploadFile

from tongban.accounts import identity
from tongban.accounts.access import StaffActor, region_prefix
from tongban.cases import forms
from tongban.cases.files import Upload
from tongban.catalog import regions
from tongban.core.errors import DomainError, Forbidden, InvalidInput
from tongban.crossregion import liaisons, presenters, records, window, zone
from tongban.crossregion.enums import DeliveryChoice, HandoverState, Side
from tongban.web.actions import form_action, see_other
from tongban.web.deps import Csrf, Db, Id, Library, Now, Posted, Short, Staff, Text
from tongban.web.rendering import render

router = APIRouter(prefix="/staff/crossregion", include_in_schema=False)
APPLICANT_FIELDS = {"name": 100, "id_kind": 30, "id_number": 40, "phone": 20, "delivery_choice": 20,
                    "delivery_address": 300}
Big = Annotated[str, Form(max_length=12_000)]


def _refused(request: Request, exc: DomainError) -> HTMLResponse:
    return render(request, "error.html", status_code=exc.status_code, message=exc.message, code=exc.code,
                  status=exc.status_code)


# --- the lists and one hand-over ---------------------------------------------------------------------------------

@router.get("", response_class=HTMLResponse)
def handover_list(request: Request, db: Db, actor: Staff, view: Annotated[str, Query(max_length=20)] = "awaiting") -> HTMLResponse:
    try:
        rows = records.listing(db_session=db, actor=actor, view=view)
    except DomainError as exc:
        return _refused(request, exc)
    return render(request, "crossregion/crossregion_staff_list.html", actor=actor, view=view, views=records.VIEWS,
                  rows=[presenters.handover(r) for r in rows], msg=request.query_params.get("msg", ""))


def _detail(request: Request, db, actor: StaffActor, handover_id: int, *, error: str = "", status_code: int = 200):
    row = records.get(db_session=db, actor=actor, handover_id=handover_id)
    return render(request, "crossregion/crossregion_staff_handover.html", status_code=status_code, actor=actor,
                  h=presenters.handover(row), full_name=row.applicant_name, address=row.delivery_address or "",
                  may_hand_over=row.side == Side.sent.value and row.state == HandoverState.at_window.value,
                  kinds=identity.KINDS_FOR_FORM, error=error, msg=request.query_params.get("msg", ""))


@router.get("/handovers/{handover_id}", response_class=HTMLResponse)
def handover_page(request: Request, handover_id: Id, db: Db, actor: Staff) -> HTMLResponse:
    try:
        return _detail(request, db, actor, handover_id)
    except DomainError as exc:
        return _refused(request, exc)


@router.post("/handovers/{handover_id}/hand-over", response_class=HTMLResponse)
def hand_over(request: Request, handover_id: Id, db: Db, clock: Now, actor: Staff, _: Csrf, id_kind: Short = "resident_id",
              id_number: Short = "") -> Response:
    return form_action(
        db, lambda: window.hand_over(db_session=db, clock=clock, actor=actor, handover_id=handover_id, id_kind=id_kind,
                                     id_number=id_number),
        done=lambda row: see_other(f"/staff/crossregion/handovers/{row.id}", msg="已向申请人交付办理结果，并反馈属地"),
        failed=lambda exc: _detail(request, db, actor, handover_id, error=exc.message, status_code=exc.status_code))


# --- remote-window intake ----------------------------------------------------------------------------------------

def _pick(db, actor: StaffActor, q: str) -> list:
    """Cross-region items of other regions matching the words, both scopes."""
    found = []
    for scope in zone.SCOPES:
        rows, _ = zone.items(db_session=db, scope=scope.value, q=q or None, limit=50)
        found += [r for r in rows if not r.region_code.startswith(region_prefix(actor.region_code))]
    return found[:40]


def _intake_page(request: Request, db, actor: StaffActor, *, q: str = "", item_id: int | None = None,
                 values: dict | None = None, key: str = "", error: str = "", status_code: int = 200) -> HTMLResponse:
    window.require_window(actor)
    context: dict = {"q": q, "error": error, "values": values or {}, "kinds": identity.KINDS_FOR_FORM, "item": None,
                     "choices": list(DeliveryChoice), "actor": actor}
    if item_id is not None:
        item, content = window.remote_item(db_session=db, actor=actor, item_id=item_id)
        context.update(item=item, content=content, fields=forms.form_for(content), key=key or secrets.token_urlsafe(18),
                       region_name=regions.region_full_name(db_session=db, code=item.region_code),
                       materials=[m for m in content.materials if not m.e_form])
    else:
        context.update(found=_pick(db, actor, q))
    return render(request, "crossregion/crossregion_staff_new.html", status_code=status_code, **context)


@router.get("/new", response_class=HTMLResponse)
def intake_form(request: Request, db: Db, actor: Staff, q: Annotated[str, Query(max_length=100)] = "",
                item_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None) -> HTMLResponse:
    try:
        return _intake_page(request, db, actor, q=q.strip(), item_id=item_id)
    except DomainError as exc:
        return _refused(request, exc)


def _text(data: FormData, name: str, limit: int = 4000) -> str:
    value = data.get(name)
    if value is None or isinstance(value, UploadFile):
        return ""
    if len(value) > limit:
        raise InvalidInput("TOO_LONG", "填写的内容过长，请精简后重新提交")
    return value


def _uploads(data: FormData) -> list[Upload]:
    found = []
    for name, part in data.multi_items():
        if name.startswith("file_") and isinstance(part, UploadFile) and part.filename:
            payload = part.file.read()
            if payload:
                found.append(Upload(name[5:], part.filename, payload))
    return found


@router.post("/new", response_class=HTMLResponse)
def intake(request: Request, db: Db, clock: Now, library: Library, actor: Staff, _: Csrf, data: Posted,
           item_id: Annotated[int, Form(ge=1, le=2**31 - 1)], key: Annotated[str, Form(max_length=80)] = "") -> Response:
    values = {k: v for k, v in data.items() if isinstance(v, str) and (k in APPLICANT_FIELDS or k.startswith("f_"))}

    def submit():
        texts = {name: _text(data, name, limit) for name, limit in APPLICANT_FIELDS.items()}
        form = {k[2:]: _text(data, k) for k in data.keys() if k.startswith("f_")}
        remote = window.RemoteIntake(item_id=item_id, name=texts["name"], id_kind=texts["id_kind"] or "resident_id",
                                     id_number=texts["id_number"], phone=texts["phone"], form=form,
                                     uploads=_uploads(data), delivery_choice=texts["delivery_choice"],
                                     delivery_address=texts["delivery_address"])
        return window.intake(db_session=db, clock=clock, library=library, actor=actor, intake=remote, key=key)

    def failed(exc: DomainError) -> Response:
        try:
            return _intake_page(request, db, actor, item_id=item_id, values=values, key=key, error=exc.message,
                                status_code=exc.status_code)
        except DomainError as again:
            return _refused(request, again)

    return form_action(db, submit, failed=failed, done=lambda row: see_other(
        f"/staff/crossregion/handovers/{row.id}",
        msg=f"已流转至属地，属地办件编号 {row.case_number or '待回传'}。请将编号告知申请人"))


# --- liaison directory -------------------------------------------------------------------------------------------

def _liaison_page(request: Request, db, actor: StaffActor, *, region_code: str = "", item: str = "", values=None,
                  error: str = "", status_code: int = 200) -> HTMLResponse:
    try:
        rows = liaisons.search(db_session=db, region_code=region_code, item=item)
    except DomainError as exc:
        rows, error, status_code = [], exc.message, exc.status_code
    own = [a for a in regions.list_agencies(db_session=db) if actor.covers(agency_id=a.id, region_code=a.region_code)]
    return render(request, "crossregion/crossregion_staff_liaisons.html", status_code=status_code, actor=actor,
                  rows=presenters.liaison_list(db, actor, rows), region_code=region_code, item=item, agencies=own,
                  values=values or {}, error=error, msg=request.query_params.get("msg", ""))


@router.get("/liaisons", response_class=HTMLResponse)
def liaison_list(request: Request, db: Db, actor: Staff, region_code: Annotated[str, Query(max_length=12)] = "",
                 item: Annotated[str, Query(max_length=100)] = "") -> HTMLResponse:
    return _liaison_page(request, db, actor, region_code=region_code, item=item)


def _liaison_in(agency_id: str, contact_name: str, phone: str, post: str, items: str, note: str) -> liaisons.LiaisonIn:
    if not agency_id.strip().isdigit() or not 0 < int(agency_id) < 2**31:
        raise InvalidInput("AGENCY_REQUIRED", "请选择联络员所在机构")
    return liaisons.LiaisonIn(agency_id=int(agency_id), contact_name=contact_name, phone=phone, post=post,
                              items=items.splitlines(), note=note)


@router.post("/liaisons", response_class=HTMLResponse)
def liaison_create(request: Request, db: Db, clock: Now, actor: Staff, _: Csrf, agency_id: Short = "",
                   contact_name: Short = "", phone: Short = "", post: Short = "", items: Big = "", note: Text = "") -> Response:
    values = {"agency_id": agency_id, "contact_name": contact_name, "phone": phone, "post": post, "items": items, "note": note}
    return form_action(
        db, lambda: liaisons.create(db_session=db, clock=clock, actor=actor,
                                    liaison_in=_liaison_in(agency_id, contact_name, phone, post, items, note)),
        done=lambda row: see_other("/staff/crossregion/liaisons", msg="已登记联络员"),
        failed=lambda exc: _liaison_page(request, db, actor, values=values, error=exc.message, status_code=exc.status_code))


def _edit_page(request: Request, db, actor: StaffActor, liaison_id: int, *, values=None, error: str = "",
               status_code: int = 200) -> HTMLResponse:
    row = liaisons.get(db_session=db, liaison_id=liaison_id)
    if not liaisons.may_edit(actor, row):
        raise Forbidden("OUT_OF_SCOPE", "只能维护本机构、本地区的跨域通办联络员")
    own = [a for a in regions.list_agencies(db_session=db) if actor.covers(agency_id=a.id, region_code=a.region_code)]
    values = values or {"agency_id": str(row.agency_id), "contact_name": row.contact_name, "phone": row.phone,
                        "post": row.post, "items": "\n".join(row.items or []), "note": row.note}
    return render(request, "crossregion/crossregion_staff_liaison.html", status_code=status_code, actor=actor,
                  liaison_id=row.id, values=values, agencies=own, error=error)


@router.get("/liaisons/{liaison_id}", response_class=HTMLResponse)
def liaison_edit_form(request: Request, liaison_id: Id, db: Db, actor: Staff) -> HTMLResponse:
    try:
        return _edit_page(request, db, actor, liaison_id)
    except DomainError as exc:
        return _refused(request, exc)


@router.post("/liaisons/{liaison_id}", response_class=HTMLResponse)
def liaison_update(request: Request, liaison_id: Id, db: Db, clock: Now, actor: Staff, _: Csrf, agency_id: Short = "",
                   contact_name: Short = "", phone: Short = "", post: Short = "", items: Big = "",
                   note: Text = "") -> Response:
    values = {"agency_id": agency_id, "contact_name": contact_name, "phone": phone, "post": post, "items": items, "note": note}

    def failed(exc: DomainError) -> Response:
        try:
            return _edit_page(request, db, actor, liaison_id, values=values, error=exc.message, status_code=exc.status_code)
        except DomainError as again:
            return _refused(request, again)

    return form_action(
        db, lambda: liaisons.update(db_session=db, clock=clock, actor=actor, liaison_id=liaison_id,
                                    liaison_in=_liaison_in(agency_id, contact_name, phone, post, items, note)),
        done=lambda row: see_other("/staff/crossregion/liaisons", msg="已保存联络员"), failed=failed)


@router.post("/liaisons/{liaison_id}/delete", response_class=HTMLResponse)
def liaison_delete(request: Request, liaison_id: Id, db: Db, clock: Now, actor: Staff, _: Csrf) -> Response:
    return form_action(
        db, lambda: liaisons.delete(db_session=db, clock=clock, actor=actor, liaison_id=liaison_id),
        done=lambda _: see_other("/staff/crossregion/liaisons", msg="已删除联络员"),
        failed=lambda exc: _refused(request, exc))
