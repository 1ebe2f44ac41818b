"""Staff pages: the complaint queue, hotline and letter entry, and a complaint's handling (verify, assign, dispose,
answer, archive) (/staff/complaints)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, Response

from tongban.accounts.access import StaffActor
from tongban.catalog import regions
from tongban.catalog import reads as catalog_reads
from tongban.complaints import desk, feedback, presenters, service, suggestions
from tongban.complaints.enums import (SELF_SERVICE_CHANNELS, Channel, MatterChannel, MatterKind, MatterOutcome, ReportKind,
                                      SuggestionState, SuggestionTopic)
from tongban.core.errors import DomainError
from tongban.core.pii import mask_phone
from tongban.web.actions import form_action, see_other
from tongban.web.deps import Csrf, Db, Id, Now, Short, Staff
from tongban.web.rendering import render

router = APIRouter(prefix="/staff", include_in_schema=False)
Big = Annotated[str, Form(max_length=20_000)]


def _int(value: str) -> int | None:
    value = (value or "").strip()
    return int(value) if value.isdigit() and 0 < int(value) < 2**31 else None


def _refused(request: Request, exc: DomainError) -> HTMLResponse:
    return render(request, "error.html", status_code=exc.status_code, message=exc.message, code=exc.code,
                  status=exc.status_code)


# --- complaints ---------------------------------------------------------------------------------------------------

@router.get("/complaints", response_class=HTMLResponse)
def complaint_queue(request: Request, db: Db, clock: Now, actor: Staff,
                    view: Annotated[str, Query(max_length=20)] = "open") -> HTMLResponse:
    rows = service.queue(db_session=db, clock=clock, actor=actor, view=view)
    return render(request, "complaints/staff_queue.html", actor=actor, view=view, views=service.QUEUE_VIEWS,
                  complaints=[presenters.staff_view(db, clock, actor, c) for c in rows],
                  msg=request.query_params.get("msg", ""))


def _entry_form(request: Request, db, actor: StaffActor, *, values: dict, error: str = "",
                status_code: int = 200) -> HTMLResponse:
    return render(request, "complaints/staff_new.html", actor=actor, values=values, error=error,
                  status_code=status_code, agencies=regions.list_agencies(db_session=db),
                  channels=[c for c in Channel if c not in SELF_SERVICE_CHANNELS])


@router.get("/complaints/new", response_class=HTMLResponse)
def complaint_entry_form(request: Request, db: Db, actor: Staff) -> HTMLResponse:
    return _entry_form(request, db, actor, values={"channel": "hotline"})


@router.post("/complaints", response_class=HTMLResponse)
def complaint_entry(request: Request, db: Db, clock: Now, actor: Staff, _: Csrf, content: Big = "",
                    channel: Short = "hotline", agency_id: Short = "", item_id: Short = "", case_number: Short = "",
                    contact_name: Short = "", contact_phone: Short = "", disclose: Short = "") -> Response:
    values = {"content": content[:service.TEXT_MAX], "channel": channel, "agency_id": agency_id, "item_id": item_id,
              "case_number": case_number, "contact_name": contact_name, "contact_phone": contact_phone,
              "disclose": disclose}
    complaint_in = service.ComplaintIn(
        content=content, agency_id=_int(agency_id), channel=channel, item_id=_int(item_id), case_number=case_number,
        contact_name=contact_name, contact_phone=contact_phone, disclose_identity=disclose == "1")
    return form_action(
        db, lambda: service.file_complaint(db_session=db, clock=clock, complaint_in=complaint_in, staff=actor),
        done=lambda c: see_other(f"/staff/complaints/{c.id}",
                                 msg=f"已登记投诉 {c.number}，请告知投诉人查询码 {c.check_code}"),
        failed=lambda exc: _entry_form(request, db, actor, values=values, error=exc.message, status_code=exc.status_code),
    )


def _complaint_page(request: Request, db, clock, actor: StaffActor, complaint_id: int, *, error: str = "",
                    status_code: int = 200) -> HTMLResponse:
    complaint = service.for_staff(db_session=db, actor=actor, complaint_id=complaint_id)
    return render(request, "complaints/staff_complaint.html", actor=actor,
                  complaint=presenters.staff_view(db, clock, actor, complaint), handler=service.handles(actor, complaint),
                  agencies=regions.list_agencies(db_session=db), error=error, status_code=status_code,
                  msg=request.query_params.get("msg", ""))


@router.get("/complaints/{complaint_id}", response_class=HTMLResponse)
def complaint_page(complaint_id: Id, request: Request, db: Db, clock: Now, actor: Staff) -> HTMLResponse:
    return _complaint_page(request, db, clock, actor, complaint_id)


def _act(request: Request, db, clock, actor: StaffActor, complaint_id: int, change: Callable, msg: str) -> Response:
    def failed(exc: DomainError) -> HTMLResponse:
        try:
            return _complaint_page(request, db, clock, actor, complaint_id, error=exc.message, status_code=exc.status_code)
        except DomainError:
            return _refused(request, exc)

    return form_action(db, change, done=lambda c: see_other(f"/staff/complaints/{complaint_id}", msg=msg), failed=failed)


@router.post("/complaints/{complaint_id}/verify", response_class=HTMLResponse)
def verify(complaint_id: Id, request: Request, db: Db, clock: Now, actor: Staff, _: Csrf, valid: Short = "1",
           reason: Big = "") -> Response:
    return _act(request, db, clock, actor, complaint_id,
                lambda: service.verify(db_session=db, clock=clock, actor=actor, complaint_id=complaint_id,
                                       valid=valid != "0", reason=reason), "已记录核实结果")


@router.post("/complaints/{complaint_id}/assign", response_class=HTMLResponse)
def assign(complaint_id: Id, request: Request, db: Db, clock: Now, actor: Staff, _: Csrf, agency_id: Short = "") -> Response:
    return _act(request, db, clock, actor, complaint_id,
                lambda: service.assign(db_session=db, clock=clock, actor=actor, complaint_id=complaint_id,
                                       agency_id=_int(agency_id)), "已分办")


@router.post("/complaints/{complaint_id}/dispose", response_class=HTMLResponse)
def dispose(complaint_id: Id, request: Request, db: Db, clock: Now, actor: Staff, _: Csrf, finding: Big = "",
            action: Big = "") -> Response:
    return _act(request, db, clock, actor, complaint_id,
                lambda: service.dispose(db_session=db, clock=clock, actor=actor, complaint_id=complaint_id,
                                        finding=finding, action=action), "已记录处置结果")


@router.post("/complaints/{complaint_id}/answer", response_class=HTMLResponse)
def answer(complaint_id: Id, request: Request, db: Db, clock: Now, actor: Staff, _: Csrf, to_complainant: Big = "",
           to_agency: Big = "") -> Response:
    return _act(request, db, clock, actor, complaint_id,
                lambda: service.answer(db_session=db, clock=clock, actor=actor, complaint_id=complaint_id,
                                       to_complainant=to_complainant, to_agency=to_agency), "已向投诉人和被投诉单位反馈")


@router.post("/complaints/{complaint_id}/archive", response_class=HTMLResponse)
def archive(complaint_id: Id, request: Request, db: Db, clock: Now, actor: Staff, _: Csrf) -> Response:
    return _act(request, db, clock, actor, complaint_id,
                lambda: service.archive(db_session=db, clock=clock, actor=actor, complaint_id=complaint_id), "已归档")


# --- problem reports (RATE-09) --------------------------------------------------------------------------------------

def _reports(request: Request, db, actor: StaffActor, view: str, *, error: str = "", status_code: int = 200) -> HTMLResponse:
    rows = feedback.queue(db_session=db, actor=actor, view=view)
    items = catalog_reads.items_by_id(db_session=db, item_ids=[r.item_id for r in rows if r.item_id])
    return render(request, "complaints/staff_feedback.html", actor=actor, view=view, views=feedback.QUEUE_VIEWS,
                  reports=rows, items={i: f.name for i, f in items.items()}, kinds={k.value: k.label for k in ReportKind},
                  error=error, status_code=status_code, msg=request.query_params.get("msg", ""))


@router.get("/feedback", response_class=HTMLResponse)
def report_queue(request: Request, db: Db, actor: Staff, view: Annotated[str, Query(max_length=20)] = "open") -> HTMLResponse:
    return _reports(request, db, actor, view)


@router.post("/feedback/{report_id}/reply", response_class=HTMLResponse)
def report_reply(report_id: Id, request: Request, db: Db, clock: Now, actor: Staff, _: Csrf, text: Big = "") -> Response:
    def failed(exc: DomainError) -> HTMLResponse:
        try:
            return _reports(request, db, actor, "open", error=exc.message, status_code=exc.status_code)
        except DomainError:
            return _refused(request, exc)

    return form_action(db, lambda: feedback.reply(db_session=db, clock=clock, actor=actor, report_id=report_id, text=text),
                       done=lambda r: see_other("/staff/feedback", msg=f"已答复 {r.number}"), failed=failed)


# --- staff suggestions (RATE-10) ------------------------------------------------------------------------------------

def _suggestion_rows(db, clock, rows) -> list[dict]:
    return [{"row": r, "warning": suggestions.suggestion_warning(db_session=db, clock=clock, row=r),
             "state_label": SuggestionState(r.state).label, "topic_label": SuggestionTopic(r.topic).label} for r in rows]


def _suggestion_list(request: Request, db, clock, actor: StaffActor, view: str, *, values: dict | None = None,
                     error: str = "", status_code: int = 200) -> HTMLResponse:
    rows = suggestions.listing(db_session=db, actor=actor, view=view)
    return render(request, "complaints/staff_suggestions.html", actor=actor, view=view, views=suggestions.VIEWS,
                  rows=_suggestion_rows(db, clock, rows), topics=list(SuggestionTopic), values=values or {},
                  error=error, status_code=status_code, msg=request.query_params.get("msg", ""))


@router.get("/suggestions", response_class=HTMLResponse)
def suggestion_list(request: Request, db: Db, clock: Now, actor: Staff,
                    view: Annotated[str, Query(max_length=20)] = "to_answer",
                    item: Annotated[str, Query(max_length=12)] = "") -> HTMLResponse:
    return _suggestion_list(request, db, clock, actor, view, values={"item_id": item, "topic": "guide"})


@router.post("/suggestions", response_class=HTMLResponse)
def propose(request: Request, db: Db, clock: Now, actor: Staff, _: Csrf, title: Annotated[str, Form(max_length=1000)] = "",
            body: Big = "", topic: Short = "guide", item_id: Short = "") -> Response:
    values = {"title": title[:100], "body": body[:service.TEXT_MAX], "topic": topic, "item_id": item_id}
    suggestion_in = suggestions.SuggestionIn(title=title, body=body, topic=topic, item_id=_int(item_id))
    return form_action(
        db, lambda: suggestions.propose(db_session=db, clock=clock, actor=actor, suggestion_in=suggestion_in),
        done=lambda r: see_other(f"/staff/suggestions/{r.id}", msg=f"已提出建议 {r.number}，一个月内答复"),
        failed=lambda exc: _suggestion_list(request, db, clock, actor, "mine", values=values, error=exc.message,
                                            status_code=exc.status_code),
    )


def _suggestion_page(request: Request, db, clock, actor: StaffActor, suggestion_id: int, *, error: str = "",
                     status_code: int = 200) -> HTMLResponse:
    row = suggestions.get(db_session=db, actor=actor, suggestion_id=suggestion_id)
    item = catalog_reads.find_item(db_session=db, item_id=row.item_id) if row.item_id else None
    return render(request, "complaints/staff_suggestion.html", actor=actor, s=_suggestion_rows(db, clock, [row])[0],
                  item=item, owner=suggestions.may_answer(actor, row), open=row.state in suggestions.OPEN, error=error,
                  status_code=status_code, msg=request.query_params.get("msg", ""))


@router.get("/suggestions/{suggestion_id}", response_class=HTMLResponse)
def suggestion_page(suggestion_id: Id, request: Request, db: Db, clock: Now, actor: Staff) -> HTMLResponse:
    return _suggestion_page(request, db, clock, actor, suggestion_id)


def _answer_suggestion(request: Request, db, clock, actor: StaffActor, suggestion_id: int, change: Callable,
                       msg: str) -> Response:
    def failed(exc: DomainError) -> HTMLResponse:
        try:
            return _suggestion_page(request, db, clock, actor, suggestion_id, error=exc.message,
                                    status_code=exc.status_code)
        except DomainError:
            return _refused(request, exc)

    return form_action(db, change, done=lambda r: see_other(f"/staff/suggestions/{suggestion_id}", msg=msg),
                       failed=failed)


@router.post("/suggestions/{suggestion_id}/adopt", response_class=HTMLResponse)
def adopt(suggestion_id: Id, request: Request, db: Db, clock: Now, actor: Staff, _: Csrf, note: Big = "") -> Response:
    return _answer_suggestion(request, db, clock, actor, suggestion_id,
                              lambda: suggestions.adopt(db_session=db, clock=clock, actor=actor,
                                                        suggestion_id=suggestion_id, note=note), "已采纳")


@router.post("/suggestions/{suggestion_id}/reject", response_class=HTMLResponse)
def reject(suggestion_id: Id, request: Request, db: Db, clock: Now, actor: Staff, _: Csrf, reason: Big = "") -> Response:
    return _answer_suggestion(request, db, clock, actor, suggestion_id,
                              lambda: suggestions.reject(db_session=db, clock=clock, actor=actor,
                                                         suggestion_id=suggestion_id, reason=reason), "已答复不采纳")


@router.post("/suggestions/{suggestion_id}/deliberate", response_class=HTMLResponse)
def deliberate(suggestion_id: Id, request: Request, db: Db, clock: Now, actor: Staff, _: Csrf, note: Big = "") -> Response:
    return _answer_suggestion(request, db, clock, actor, suggestion_id,
                              lambda: suggestions.deliberate(db_session=db, clock=clock, actor=actor,
                                                             suggestion_id=suggestion_id, note=note), "已提交审议")


# --- the 办不成事 desk and its ledger (RATE-11) ---------------------------------------------------------------------

Filter = Annotated[str, Query(max_length=20)]


def _labels() -> dict:
    return {"kinds": {k.value: k.label for k in MatterKind}, "outcomes": {o.value: o.label for o in MatterOutcome},
            "channels": {c.value: c.label for c in MatterChannel}}


@router.get("/desk", response_class=HTMLResponse)
def matter_ledger(request: Request, db: Db, clock: Now, actor: Staff, month: Filter = "", status: Filter = "",
                  outcome: Filter = "", kind: Filter = "") -> HTMLResponse:
    filters = desk.LedgerFilter(month=month, status=status, outcome=outcome, kind=kind)
    rows = desk.ledger(db_session=db, actor=actor, filters=filters)
    warnings = {r.id: desk.matter_warning(db_session=db, clock=clock, row=r) for r in rows}
    return render(request, "complaints/staff_desk.html", actor=actor, rows=rows, warnings=warnings, filters=filters,
                  months=desk.figures(rows=rows, today=clock.today()), msg=request.query_params.get("msg", ""),
                  query=request.url.query, **_labels())


@router.get("/desk.csv")
def matter_ledger_csv(db: Db, actor: Staff, month: Filter = "", status: Filter = "", outcome: Filter = "",
                      kind: Filter = "") -> Response:
    rows = desk.ledger(db_session=db, actor=actor, filters=desk.LedgerFilter(month=month, status=status, outcome=outcome,
                                                                             kind=kind))
    return Response(desk.to_csv(rows), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": 'attachment; filename="unresolved-matters.csv"'})


def _matter_form(request: Request, db, actor: StaffActor, *, values: dict, error: str = "",
                 status_code: int = 200) -> HTMLResponse:
    return render(request, "complaints/staff_desk_new.html", actor=actor, values=values, error=error,
                  status_code=status_code, agencies=regions.list_agencies(db_session=db), **_labels())


@router.get("/desk/new", response_class=HTMLResponse)
def matter_form(request: Request, db: Db, actor: Staff) -> HTMLResponse:
    desk.require_desk(actor)
    return _matter_form(request, db, actor, values={"kind": "general", "channel": "desk"})


@router.post("/desk", response_class=HTMLResponse)
def register_matter(request: Request, db: Db, clock: Now, actor: Staff, _: Csrf, matter: Big = "", kind: Short = "general",
                    channel: Short = "desk", contact_name: Short = "", contact_phone: Short = "", agency_id: Short = "",
                    item_id: Short = "", resolution: Big = "") -> Response:
    values = {"matter": matter[:service.TEXT_MAX], "kind": kind, "channel": channel, "contact_name": contact_name,
              "contact_phone": contact_phone, "agency_id": agency_id, "item_id": item_id}

    def change():
        return desk.register(db_session=db, clock=clock, staff=actor, resolution=resolution, matter_in=desk.MatterIn(
            matter=matter, kind=kind, channel=channel, contact_name=contact_name, contact_phone=contact_phone,
            agency_id=_int(agency_id), item_id=_int(item_id)))

    return form_action(db, change, done=lambda row: see_other(f"/staff/desk/{row.id}", msg=f"已登记 {row.number}"),
                       failed=lambda exc: _matter_form(request, db, actor, values=values, error=exc.message,
                                                       status_code=exc.status_code))


def _matter_page(request: Request, db, clock, actor: StaffActor, matter_id: int, *, error: str = "",
                 status_code: int = 200) -> HTMLResponse:
    row = desk.get(db_session=db, actor=actor, matter_id=matter_id)
    return render(request, "complaints/staff_matter.html", actor=actor, row=row, error=error, status_code=status_code,
                  warning=desk.matter_warning(db_session=db, clock=clock, row=row),
                  msg=request.query_params.get("msg", ""), mask_phone=mask_phone, **_labels())


@router.get("/desk/{matter_id}", response_class=HTMLResponse)
def matter_page(matter_id: Id, request: Request, db: Db, clock: Now, actor: Staff) -> HTMLResponse:
    return _matter_page(request, db, clock, actor, matter_id)


def _matter_act(request: Request, db, clock, actor: StaffActor, matter_id: int, change: Callable, msg: str) -> Response:
    def failed(exc: DomainError) -> HTMLResponse:
        try:
            return _matter_page(request, db, clock, actor, matter_id, error=exc.message, status_code=exc.status_code)
        except DomainError:
            return _refused(request, exc)

    return form_action(db, change, done=lambda r: see_other(f"/staff/desk/{matter_id}", msg=msg), failed=failed)


@router.post("/desk/{matter_id}/classify", response_class=HTMLResponse)
def classify(matter_id: Id, request: Request, db: Db, clock: Now, actor: Staff, _: Csrf, kind: Short = "") -> Response:
    return _matter_act(request, db, clock, actor, matter_id,
                       lambda: desk.classify(db_session=db, clock=clock, actor=actor, matter_id=matter_id, kind=kind),
                       "已调整类别和期限")


@router.post("/desk/{matter_id}/resolve", response_class=HTMLResponse)
def resolve(matter_id: Id, request: Request, db: Db, clock: Now, actor: Staff, _: Csrf, outcome: Short = "",
            resolution: Big = "") -> Response:
    return _matter_act(request, db, clock, actor, matter_id,
                       lambda: desk.resolve(db_session=db, clock=clock, actor=actor, matter_id=matter_id,
                                            outcome=outcome, resolution=resolution), "已办结")
