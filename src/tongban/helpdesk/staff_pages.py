"""Staff pages of help tickets: the queue (agency, mine, overdue, follow-up), the hotline entry form (keyboard only,
item search by GET) and a ticket page to take, reply, transfer, guide, assist, close and follow up (/staff/help)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, Response

from tongban.accounts.access import Permission, StaffActor
from tongban.catalog import regions
from tongban.catalog.service import ItemFilter, list_items
from tongban.core.errors import DomainError, InvalidInput
from tongban.helpdesk import closing, handling, presenters, service, sessions
from tongban.helpdesk.enums import FOLLOW_UP_ANSWERS, Outcome, TicketChannel
from tongban.web.actions import form_action, see_other
from tongban.web.deps import Csrf, Db, Id, LongText, Now, Posted, Short, Staff, staff_with
from tongban.web.rendering import render

router = APIRouter(prefix="/staff/help", include_in_schema=False)
Consultant = staff_with(Permission.consult_answer)
Big = Annotated[str, Form(max_length=20_000)]


def _int(value: str) -> int | None:
    return int(value) if value.strip().isdigit() and 0 < int(value) < 2**31 else None


@router.get("", response_class=HTMLResponse)
def queue(request: Request, db: Db, clock: Now, actor: Staff, view: Annotated[str, Query(max_length=20)] = "agency") -> HTMLResponse:
    rows = service.queue(db_session=db, clock=clock, actor=actor, view=view)
    return render(request, "helpdesk/staff_queue.html", actor=actor, view=view, views=service.QUEUE_VIEWS,
                  tickets=[presenters.staff_view(db, clock, t, entries=False) for t in rows],
                  sessions=presenters.staff_sessions(sessions.upcoming(db_session=db, clock=clock, actor=actor)),
                  msg=request.query_params.get("msg", ""))


def _hotline(request: Request, db, actor: StaffActor, *, values: dict, item_q: str = "", error: str = "",
             status_code: int = 200) -> HTMLResponse:
    found = []
    if item_q.strip():
        found, _ = list_items(db_session=db, filters=ItemFilter(q=item_q.strip()[:50]), limit=15)
    return render(request, "helpdesk/staff_hotline.html", actor=actor, values=values, item_q=item_q, found=found,
                  error=error, status_code=status_code, agencies=regions.list_agencies(db_session=db),
                  channels=[c for c in TicketChannel if c in (TicketChannel.hotline, TicketChannel.letter, TicketChannel.email)])


@router.get("/hotline", response_class=HTMLResponse)
def hotline_form(request: Request, db: Db, actor: Consultant, item_q: Annotated[str, Query(max_length=50)] = "",
                 item_id: Annotated[str, Query(max_length=12)] = "") -> HTMLResponse:
    return _hotline(request, db, actor, values={"channel": "hotline", "item_id": item_id}, item_q=item_q)


@router.post("/hotline", response_class=HTMLResponse)
def hotline_register(request: Request, db: Db, clock: Now, actor: Consultant, _: Csrf, question: Big = "",
                     channel: Short = "hotline", contact_name: Short = "", contact_phone: Short = "",
                     contact_email: Short = "", item_id: Short = "", agency_id: Short = "", answer: Big = "") -> Response:
    values = {"question": question[:service.QUESTION_MAX], "channel": channel, "contact_name": contact_name,
              "contact_phone": contact_phone, "contact_email": contact_email, "item_id": item_id, "agency_id": agency_id,
              "answer": answer[:service.BODY_MAX]}

    def change():
        ticket = service.open_ticket(db_session=db, clock=clock, staff=actor, ticket_in=service.TicketIn(
            question=question, channel=channel, contact_name=contact_name, contact_phone=contact_phone,
            contact_email=contact_email, item_id=_int(item_id), agency_id=_int(agency_id)))
        if answer.strip():  # answered on the spot (简单咨询直接答复): taken and answered by the agent at once
            handling.take(db_session=db, clock=clock, actor=actor, ticket_id=ticket.id)
            handling.reply(db_session=db, clock=clock, actor=actor, ticket_id=ticket.id, body=answer)
        return ticket

    return form_action(
        db, change,
        done=lambda t: see_other(f"/staff/help/{t.id}", msg=f"已登记工单 {t.number}，请告知来电人查询码 {t.check_code}"),
        failed=lambda exc: _hotline(request, db, actor, values=values, error=exc.message, status_code=exc.status_code),
    )


def _page(request: Request, db, clock, actor: StaffActor, ticket_id: int, *, error: str = "",
          status_code: int = 200) -> HTMLResponse:
    ticket = service.for_staff(db_session=db, actor=actor, ticket_id=ticket_id)
    owner = ticket.owner_staff_id == actor.staff_id
    return render(request, "helpdesk/staff_ticket.html", actor=actor, ticket=presenters.staff_view(db, clock, ticket),
                  owner=owner, full_phone=ticket.contact_phone if owner else "", error=error, status_code=status_code,
                  notes={x.id: x.contact_note for x in sessions.of_ticket(db_session=db, ticket=ticket)} if owner else {},
                  msg=request.query_params.get("msg", ""), agencies=regions.list_agencies(db_session=db),
                  sections=handling.GUIDE_SECTIONS, outcomes=list(Outcome), answers=FOLLOW_UP_ANSWERS)


@router.post("/sessions/{session_id}/held", response_class=HTMLResponse)
def session_held(session_id: Id, request: Request, db: Db, clock: Now, actor: Consultant, _: Csrf, ticket: Short = "",
                 note: Big = "") -> Response:
    """After a video or voice session: recorded as held, then offered for rating (CONS-12)."""
    back = _int(ticket) or 0
    return form_action(
        db, lambda: sessions.record_held(db_session=db, clock=clock, actor=actor, session_id=session_id, note=note),
        done=lambda s: see_other(f"/staff/help/{s.ticket_id}", msg="已记录远程帮办完成"),
        failed=lambda exc: _refused(request, db, clock, actor, back, exc),
    )


@router.get("/{ticket_id}", response_class=HTMLResponse)
def ticket_page(ticket_id: Id, request: Request, db: Db, clock: Now, actor: Staff) -> HTMLResponse:
    return _page(request, db, clock, actor, ticket_id)


def _act(request: Request, db, clock, actor: StaffActor, ticket_id: int, change: Callable, msg: str) -> Response:
    return form_action(db, change, done=lambda t: see_other(f"/staff/help/{ticket_id}", msg=msg),
                       failed=lambda exc: _refused(request, db, clock, actor, ticket_id, exc))


def _refused(request: Request, db, clock, actor: StaffActor, ticket_id: int, exc: DomainError) -> HTMLResponse:
    try:
        return _page(request, db, clock, actor, ticket_id, error=exc.message, status_code=exc.status_code)
    except DomainError:  # the ticket itself is out of reach: say why the action was refused
        return render(request, "error.html", status_code=exc.status_code, message=exc.message, code=exc.code,
                      status=exc.status_code)


@router.post("/{ticket_id}/take", response_class=HTMLResponse)
def take(ticket_id: Id, request: Request, db: Db, clock: Now, actor: Consultant, _: Csrf) -> Response:
    return _act(request, db, clock, actor, ticket_id,
                lambda: handling.take(db_session=db, clock=clock, actor=actor, ticket_id=ticket_id), "已接单，由您首问负责")


@router.post("/{ticket_id}/reply", response_class=HTMLResponse)
def reply(ticket_id: Id, request: Request, db: Db, clock: Now, actor: Consultant, _: Csrf, body: Big = "",
          complete: Short = "1") -> Response:
    return _act(request, db, clock, actor, ticket_id,
                lambda: handling.reply(db_session=db, clock=clock, actor=actor, ticket_id=ticket_id, body=body,
                                       complete=complete != "0"), "已答复")


@router.post("/{ticket_id}/transfer", response_class=HTMLResponse)
def transfer(ticket_id: Id, request: Request, db: Db, clock: Now, actor: Consultant, _: Csrf, agency_id: Short = "",
             reason: Big = "") -> Response:
    def change():
        target = _int(agency_id)
        if target is None:
            raise InvalidInput("AGENCY_REQUIRED", "请选择要转交的部门")
        return handling.transfer(db_session=db, clock=clock, actor=actor, ticket_id=ticket_id, agency_id=target, reason=reason)

    return _act(request, db, clock, actor, ticket_id, change, "已转办")


def _item(value: str) -> int:
    item = _int(value)
    if item is None:
        raise InvalidInput("ITEM_REQUIRED", "请填写事项编号")
    return item


@router.post("/{ticket_id}/guide", response_class=HTMLResponse)
def guide(ticket_id: Id, request: Request, db: Db, clock: Now, actor: Consultant, _: Csrf, item_id: Short = "",
          section: Short = "materials", note: Big = "") -> Response:
    return _act(request, db, clock, actor, ticket_id,
                lambda: handling.send_guide_link(db_session=db, clock=clock, actor=actor, ticket_id=ticket_id,
                                                 item_id=_item(item_id), section=section, note=note), "已发送指南章节")


@router.post("/{ticket_id}/checklist", response_class=HTMLResponse)
def checklist(ticket_id: Id, request: Request, db: Db, clock: Now, actor: Consultant, _: Csrf, item_id: Short = "",
              conditional: LongText = "", note: Big = "") -> Response:
    keys = [k for k in conditional.replace("，", ",").replace(" ", ",").split(",") if k]
    return _act(request, db, clock, actor, ticket_id,
                lambda: handling.send_checklist(db_session=db, clock=clock, actor=actor, ticket_id=ticket_id,
                                                item_id=_item(item_id), conditional=keys, note=note), "已发送材料清单")


@router.post("/{ticket_id}/precheck", response_class=HTMLResponse)
def precheck(ticket_id: Id, request: Request, db: Db, clock: Now, actor: Consultant, _: Csrf, checks: Big = "",
             note: Big = "") -> Response:
    return _act(request, db, clock, actor, ticket_id,
                lambda: handling.precheck(db_session=db, clock=clock, actor=actor, ticket_id=ticket_id,
                                          checks=handling.parse_checks(checks), note=note), "已记录预审结果")


@router.post("/{ticket_id}/close", response_class=HTMLResponse)
def close(ticket_id: Id, request: Request, db: Db, clock: Now, actor: Consultant, _: Csrf, outcome: Short = "pending",
          note: Big = "", expected: Short = "") -> Response:
    def change():
        try:
            day = date.fromisoformat(expected) if expected.strip() else None
        except ValueError:
            raise InvalidInput("BAD_DATE", "预计取得结果的日期格式应为 YYYY-MM-DD") from None
        return closing.close(db_session=db, clock=clock, actor=actor, ticket_id=ticket_id, outcome=outcome, note=note,
                             expected=day)

    return _act(request, db, clock, actor, ticket_id, change, "已结案")


def _draft_page(request: Request, db, actor: StaffActor, ticket_id: int, *, values: dict | None = None, error: str = "",
                field_errors: dict | None = None, status_code: int = 200) -> HTMLResponse:
    ticket, fields = handling.draft_form(db_session=db, actor=actor, ticket_id=ticket_id)
    return render(request, "helpdesk/staff_draft.html", status_code=status_code, actor=actor, ticket=ticket, fields=fields,
                  v={f"f_{k}": value for k, value in (values or {}).items()}, error=error, field_errors=field_errors or {})


@router.get("/{ticket_id}/draft", response_class=HTMLResponse)
def draft_form(ticket_id: Id, request: Request, db: Db, actor: Consultant) -> HTMLResponse:
    """Filling together (共同填报): the ticket item's application form, saved as a draft for the person (CONS-08)."""
    return _draft_page(request, db, actor, ticket_id)


@router.post("/{ticket_id}/draft", response_class=HTMLResponse)
def draft_save(ticket_id: Id, request: Request, db: Db, clock: Now, actor: Consultant, _: Csrf, data: Posted) -> Response:
    values = {k[2:]: v[:20_000] for k, v in data.items() if k.startswith("f_") and isinstance(v, str)}

    def failed(exc: DomainError) -> HTMLResponse:
        fields = exc.details if exc.code == "FORM_INVALID" and isinstance(exc.details, dict) else {}
        try:
            return _draft_page(request, db, actor, ticket_id, values=values, error=exc.message, field_errors=fields,
                               status_code=exc.status_code)
        except DomainError:
            return _refused(request, db, clock, actor, ticket_id, exc)

    return form_action(
        db, lambda: handling.prepare_draft(db_session=db, clock=clock, actor=actor, ticket_id=ticket_id, values=values),
        done=lambda t: see_other(f"/staff/help/{ticket_id}", msg="已保存预填的申请表，申请人可在工单中打开并提交"),
        failed=failed,
    )


@router.post("/{ticket_id}/follow-up", response_class=HTMLResponse)
def follow_up(ticket_id: Id, request: Request, db: Db, clock: Now, actor: Consultant, _: Csrf, answer: Short = "",
              note: Big = "") -> Response:
    return _act(request, db, clock, actor, ticket_id,
                lambda: closing.staff_follow_up(db_session=db, clock=clock, actor=actor, ticket_id=ticket_id,
                                                answer=answer, note=note), "已记录回访结果")
