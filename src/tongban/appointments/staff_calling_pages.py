"""The calling station for window staff: call next, recall, handled, no-show; green channel tickets; today's
bookings with force majeure and refusal; booking on a person's behalf; home-visit requests (APPT-01, 04, 06, 08, 10, 11, 12)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from tongban.accounts.access import StaffActor
from tongban.accounts.identity import KINDS_FOR_FORM
from tongban.appointments import bookings, calling, halls, homevisits, messages, queue, slots, presenters
from tongban.appointments.enums import AppointmentStatus, GreenReason, HomeVisitStatus
from tongban.appointments.models import Appointment
from tongban.core.clock import Clock
from tongban.core.errors import DomainError, Forbidden, NotFound
from tongban.web.actions import form_action, see_other
from tongban.web.deps import Csrf, Db, Id, Now, Staff
from tongban.web.rendering import render

router = APIRouter(include_in_schema=False)
Reason = Annotated[str, Form(max_length=1000)]
MESSAGES = {"called": "已叫号。", "empty": "当前没有等候的号。", "handled": "已办结。", "no_show": "已标记过号。", "recalled": "已重呼。",
            "green": "已出绿色通道号。", "excused": "已登记不可抗力，不计失约。", "refused": "已告知不同意预约的理由。", "visit": "已更新上门服务。"}


def _station(request: Request, db: Session, clock: Clock, actor: StaffActor, hall_id: int, window_id: int | None, *,
             error: str = "", status_code: int = 200) -> HTMLResponse:
    hall = halls.get(db_session=db, hall_id=hall_id)
    halls.require_queue_staff(db_session=db, actor=actor, hall=hall)
    windows = [w for w in halls.windows_of(db_session=db, hall_id=hall.id, active_only=True)
               if actor.covers(agency_id=w.agency_id, region_code=hall.region_code)]
    window = next((w for w in windows if w.id == window_id), windows[0] if windows else None)
    groups = halls.groups_of(db_session=db, hall_id=hall.id)
    names = {g.id: g.name for g in groups}
    current = calling.current(db_session=db, clock=clock, window=window) if window else None
    line = queue.waiting(db_session=db, clock=clock, group_ids=[window.group_id, *window.helps]) if window else []
    today = bookings.for_hall_day(db_session=db, hall_id=hall.id, day=clock.today())
    past = bookings.recent_no_shows(db_session=db, clock=clock, hall_id=hall.id)
    return render(
        request, "appointments/calling.html", status_code=status_code, actor=actor, hall=hall, windows=windows, window=window,
        current=presenters.ticket_out(db_session=db, clock=clock, ticket=current) if current else None, line=line, names=names,
        groups=groups, today=today, past=past, S=AppointmentStatus, reasons=list(GreenReason),
        visits=[(v, presenters.home_visit_out(v)) for v in homevisits.for_hall(db_session=db, actor=actor, hall_id=hall.id)
                if v.status in (HomeVisitStatus.requested.value, HomeVisitStatus.scheduled.value)],
        handled=calling.handled_today(db_session=db, clock=clock, hall_id=hall.id), error=error,
        msg=MESSAGES.get(request.query_params.get("msg", ""), ""), starts_passed=lambda r: bookings.starts_at_passed(clock, r),
        hhmm=halls.hhmm,
    )


@router.get("/staff/halls/{hall_id}/calling", response_class=HTMLResponse)
def station(request: Request, hall_id: Id, db: Db, clock: Now, actor: Staff,
            window: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None) -> HTMLResponse:
    return _station(request, db, clock, actor, hall_id, window)


def _act(request: Request, db: Session, clock: Clock, actor: StaffActor, hall_id: int, window_id: int | None, action, msg: str) -> Response:
    def failed(exc: DomainError) -> Response:
        if isinstance(exc, (Forbidden, NotFound)):
            raise exc
        return _station(request, db, clock, actor, hall_id, window_id, error=exc.message, status_code=exc.status_code)

    return form_action(db, action, failed=failed, done=lambda outcome: see_other(
        f"/staff/halls/{hall_id}/calling", msg=msg if outcome is not False else "empty", window=window_id))


@router.post("/staff/windows/{window_id}/call-next", response_class=HTMLResponse)
def call_next(request: Request, window_id: Id, db: Db, clock: Now, actor: Staff, _csrf: Csrf) -> Response:
    window, hall = calling.station(db_session=db, actor=actor, window_id=window_id)

    def action():
        return calling.call_next(db_session=db, clock=clock, actor=actor, window_id=window_id) is not None
    return _act(request, db, clock, actor, hall.id, window.id, action, "called")


def _ticket_action(request: Request, db: Session, clock: Clock, actor: StaffActor, ticket_id: int, fn, msg: str) -> Response:
    ticket = queue.get(db_session=db, ticket_id=ticket_id)
    return _act(request, db, clock, actor, ticket.hall_id, ticket.window_id, fn, msg)


@router.post("/staff/tickets/{ticket_id}/recall", response_class=HTMLResponse)
def recall(request: Request, ticket_id: Id, db: Db, clock: Now, actor: Staff, _csrf: Csrf) -> Response:
    return _ticket_action(request, db, clock, actor, ticket_id,
                          lambda: calling.recall(db_session=db, clock=clock, actor=actor, ticket_id=ticket_id), "recalled")


@router.post("/staff/tickets/{ticket_id}/handled", response_class=HTMLResponse)
def handled(request: Request, ticket_id: Id, db: Db, clock: Now, actor: Staff, _csrf: Csrf) -> Response:
    return _ticket_action(request, db, clock, actor, ticket_id,
                          lambda: calling.finish(db_session=db, clock=clock, actor=actor, ticket_id=ticket_id, outcome="handled"), "handled")


@router.post("/staff/tickets/{ticket_id}/no-show", response_class=HTMLResponse)
def no_show(request: Request, ticket_id: Id, db: Db, clock: Now, actor: Staff, _csrf: Csrf) -> Response:
    return _ticket_action(request, db, clock, actor, ticket_id,
                          lambda: calling.finish(db_session=db, clock=clock, actor=actor, ticket_id=ticket_id, outcome="no_show"), "no_show")


@router.post("/staff/halls/{hall_id}/green-channel", response_class=HTMLResponse)
def green(request: Request, hall_id: Id, db: Db, clock: Now, actor: Staff, _csrf: Csrf,
          group_id: Annotated[int, Form(ge=1, le=2**31 - 1)], reason: Annotated[str, Form(max_length=20)],
          phone: Annotated[str, Form(max_length=20)] = "") -> Response:
    hall = halls.get(db_session=db, hall_id=hall_id)
    return _act(request, db, clock, actor, hall_id, None, lambda: queue.green_channel(
        db_session=db, clock=clock, actor=actor, hall=hall, group_id=group_id, reason=reason, phone=phone), "green")


@router.post("/staff/appointments/{appointment_id}/force-majeure", response_class=HTMLResponse)
def force_majeure(request: Request, appointment_id: Id, db: Db, clock: Now, actor: Staff, _csrf: Csrf, reason: Reason = "") -> Response:
    row = bookings.get(db_session=db, appointment_id=appointment_id)
    return _act(request, db, clock, actor, row.hall_id, None, lambda: bookings.force_majeure(
        db_session=db, clock=clock, actor=actor, appointment_id=appointment_id, reason=reason), "excused")


@router.post("/staff/appointments/{appointment_id}/refuse", response_class=HTMLResponse)
def refuse(request: Request, appointment_id: Id, db: Db, clock: Now, actor: Staff, _csrf: Csrf, reason: Reason = "") -> Response:
    row = bookings.get(db_session=db, appointment_id=appointment_id)
    return _act(request, db, clock, actor, row.hall_id, None, lambda: bookings.refuse(
        db_session=db, clock=clock, actor=actor, appointment_id=appointment_id, reason=reason), "refused")


@router.post("/staff/home-visits/{visit_id}", response_class=HTMLResponse)
def decide_visit(request: Request, visit_id: Id, db: Db, clock: Now, actor: Staff, _csrf: Csrf,
                 hall_id: Annotated[int, Form(ge=1, le=2**31 - 1)], status: Annotated[str, Form(max_length=20)],
                 day: Annotated[date | None, Form()] = None, note: Reason = "") -> Response:
    return _act(request, db, clock, actor, hall_id, None, lambda: homevisits.decide(
        db_session=db, clock=clock, actor=actor, visit_id=visit_id, status=status, day=day, note=note), "visit")


def _book_for_page(request: Request, db: Session, clock: Clock, actor: StaffActor, hall_id: int, *, values: dict | None = None,
                   done: Appointment | None = None, error: str = "", status_code: int = 200) -> HTMLResponse:
    """代为预约 at the window or on the phone: the open slots and items of the groups this member of staff serves."""
    hall = halls.get(db_session=db, hall_id=hall_id)
    served = halls.served_groups(db_session=db, actor=actor, hall=hall)
    groups = [g for g in halls.groups_of(db_session=db, hall_id=hall.id) if served is None or g.id in served]
    names = {g.id: g.name for g in groups}
    slots.open_slots(db_session=db, clock=clock, hall=hall)
    db.commit()
    open_slots = [s for s in slots.list_slots(db_session=db, clock=clock, hall=hall) if s.group_id in names and s.booked < s.capacity]
    items = halls.items_of_groups(db_session=db, group_ids=list(names))
    return render(request, "appointments/staff_book.html", status_code=status_code, actor=actor, hall=hall, names=names,
                  slots=open_slots, items=items, id_kinds=KINDS_FOR_FORM, v=values or {}, done=done, error=error,
                  when=messages.when, channels=bookings.STAFF_CHANNELS)


@router.get("/staff/halls/{hall_id}/book-for", response_class=HTMLResponse)
def book_for_page(request: Request, hall_id: Id, db: Db, clock: Now, actor: Staff,
                  booked: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None) -> HTMLResponse:
    done = None
    if booked is not None:
        row = bookings.get(db_session=db, appointment_id=booked)
        done = row if row.hall_id == hall_id and row.booked_by == actor.ref else None
    return _book_for_page(request, db, clock, actor, hall_id, done=done)


@router.post("/staff/halls/{hall_id}/book-for", response_class=HTMLResponse)
def book_for(request: Request, hall_id: Id, db: Db, clock: Now, actor: Staff, _csrf: Csrf,
             slot_id: Annotated[int, Form(ge=1, le=2**31 - 1)], item_id: Annotated[int, Form(ge=1, le=2**31 - 1)],
             id_number: Annotated[str, Form(max_length=40)] = "", id_kind: Annotated[str, Form(max_length=30)] = "resident_id",
             channel: Annotated[str, Form(max_length=10)] = "window") -> Response:
    values = {"slot_id": slot_id, "item_id": item_id, "id_kind": id_kind, "channel": channel}  # the ID number is not echoed

    def book() -> Appointment:
        if slots.get(db_session=db, slot_id=slot_id).hall_id != hall_id:
            raise NotFound("SLOT_NOT_FOUND", "没有找到这个预约时段")
        return bookings.book_for(db_session=db, clock=clock, actor=actor, id_kind=id_kind, id_number=id_number, slot_id=slot_id,
                                 item_id=item_id, channel=channel)

    def failed(exc: DomainError) -> Response:
        if isinstance(exc, Forbidden):
            raise exc
        return _book_for_page(request, db, clock, actor, hall_id, values=values, error=exc.message, status_code=exc.status_code)

    return form_action(db, book, done=lambda row: see_other(f"/staff/halls/{hall_id}/book-for", booked=row.id), failed=failed)
