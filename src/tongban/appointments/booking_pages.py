"""A signed-in person's pages: book a slot, the confirmation, my bookings, cancel, online ticket with live position,
home-visit requests (APPT-01, 04, 05, 07, 10, 12)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from tongban.accounts.access import PersonActor
from tongban.appointments import bookings, halls, homevisits, messages, queue, slots, presenters
from tongban.appointments.enums import HomeVisitReason
from tongban.appointments.schemas import HomeVisitIn
from tongban.core.clock import Clock
from tongban.core.errors import DomainError, NotFound
from tongban.core.validation import humanize
from tongban.web.actions import form_action, see_other
from tongban.web.deps import Csrf, Db, Id, Me, Now
from tongban.web.rendering import render

router = APIRouter(include_in_schema=False)
FormId = Annotated[int, Form(ge=1, le=2**31 - 1)]
QueryId = Annotated[int | None, Query(ge=1, le=2**31 - 1)]


@router.get("/items/{item_id}/book")
def book_item(item_id: Id, db: Db) -> Response:
    """“预约到大厅办理” from a guide: straight to the hall when one handles the item, else the choice of halls."""
    places = halls.halls_for_item(db_session=db, item_id=item_id)
    if not places:
        raise NotFound("NO_HALL_FOR_ITEM", "暂无可预约办理该事项的大厅，请查看办事指南中的办理地点")
    if len(places) == 1:
        hall, group = places[0]
        return RedirectResponse(f"/halls/{hall.id}/book?group={group.id}&item={item_id}", status_code=303)
    return RedirectResponse(f"/halls?item={item_id}", status_code=303)


def _book_page(request: Request, db: Session, clock: Clock, me: PersonActor, hall_id: int, group_id: int | None,
               item_id: int | None, day: date | None, *, error: str = "", status_code: int = 200) -> HTMLResponse:
    hall_row = halls.get(db_session=db, hall_id=hall_id)
    hall = presenters.hall_out(db_session=db, clock=clock, hall=hall_row)
    group = next((g for g in hall.groups if g.id == group_id), None)
    if group is None and item_id is not None:
        group = next((g for g in hall.groups if any(i["id"] == item_id for i in g.items)), None)
    if group is not None and len(group.items) == 1 and item_id is None:
        item_id = group.items[0]["id"]
    item = next((i for i in group.items if i["id"] == item_id), None) if group else None
    by_day: dict[date, list] = {}
    if group is not None and item is not None:
        slots.open_slots(db_session=db, clock=clock, hall=hall_row)
        db.commit()
        for s in slots.list_slots(db_session=db, clock=clock, hall=hall_row, group_id=group.id):
            by_day.setdefault(s.day, []).append(s)
    days = list(by_day)
    chosen = day if day in by_day else (days[0] if days else None)
    return render(
        request, "appointments/book.html", status_code=status_code, h=hall, group=group, item=item, days=days, day=chosen,
        day_slots=by_day.get(chosen, []), error=error, hhmm=halls.hhmm, when=messages.when,
        suspended=bookings.suspended_until(db_session=db, clock=clock, person_id=me.person_id),
        first_last=slots.booking_days(clock, hall_row), weekdays=messages.WEEKDAYS,
    )


@router.get("/halls/{hall_id}/book", response_class=HTMLResponse)
def book_page(request: Request, hall_id: Id, db: Db, clock: Now, me: Me, group: QueryId = None, item: QueryId = None,
              day: Annotated[date | None, Query()] = None) -> HTMLResponse:
    return _book_page(request, db, clock, me, hall_id, group, item, day)


@router.post("/appointments", response_class=HTMLResponse)
def book(request: Request, db: Db, clock: Now, me: Me, _csrf: Csrf, slot_id: FormId, item_id: FormId) -> Response:
    """Book, then show the confirmation at once (002 8.2.1); a refusal comes back on the same page with its reason."""
    def failed(exc: DomainError) -> Response:
        slot = slots.get(db_session=db, slot_id=slot_id)
        return _book_page(request, db, clock, me, slot.hall_id, slot.group_id, item_id, slot.day, error=exc.message,
                          status_code=exc.status_code)

    return form_action(db, lambda: bookings.book(db_session=db, clock=clock, actor=me, slot_id=slot_id, item_id=item_id),
                       done=lambda row: see_other(f"/appointments/{row.id}", booked=1), failed=failed)


@router.get("/appointments", response_class=HTMLResponse)
def my_appointments(request: Request, db: Db, clock: Now, me: Me) -> HTMLResponse:
    rows = [presenters.appointment_out(db_session=db, clock=clock, row=r) for r in bookings.list_mine(db_session=db, actor=me)]
    tickets = [presenters.ticket_out(db_session=db, clock=clock, ticket=t) for t in queue.my_today(db_session=db, clock=clock, actor=me)]
    visits = [presenters.home_visit_out(v) for v in homevisits.mine(db_session=db, actor=me)]
    return render(request, "appointments/mine.html", rows=rows, tickets=tickets, visits=visits,
                  suspended=bookings.suspended_until(db_session=db, clock=clock, person_id=me.person_id),
                  msg={"cancelled": "预约已取消。", "visit": "上门服务申请已提交，大厅将电话联系您确认。"}.get(request.query_params.get("msg", ""), ""))


@router.get("/appointments/{appointment_id}", response_class=HTMLResponse)
def confirmation(request: Request, appointment_id: Id, db: Db, clock: Now, me: Me) -> HTMLResponse:
    row = bookings.mine(db_session=db, actor=me, appointment_id=appointment_id)
    return render(request, "appointments/appointment.html", a=presenters.appointment_out(db_session=db, clock=clock, row=row),
                  booked=request.query_params.get("booked") == "1", error="")


@router.post("/appointments/{appointment_id}/cancel", response_class=HTMLResponse)
def cancel(request: Request, appointment_id: Id, db: Db, clock: Now, me: Me, _csrf: Csrf) -> Response:
    def failed(exc: DomainError) -> Response:
        if isinstance(exc, NotFound):
            raise exc
        row = bookings.mine(db_session=db, actor=me, appointment_id=appointment_id)
        return render(request, "appointments/appointment.html", status_code=exc.status_code,
                      a=presenters.appointment_out(db_session=db, clock=clock, row=row), booked=False, error=exc.message)

    return form_action(db, lambda: bookings.cancel(db_session=db, clock=clock, actor=me, appointment_id=appointment_id),
                       done=lambda _: see_other("/appointments", msg="cancelled"), failed=failed)


@router.post("/halls/{hall_id}/ticket", response_class=HTMLResponse)
def online_ticket(request: Request, hall_id: Id, db: Db, clock: Now, me: Me, _csrf: Csrf, group_id: FormId) -> Response:
    """线上取号: today's booking becomes its ticket; otherwise a same-day ticket."""
    hall = halls.get(db_session=db, hall_id=hall_id)
    return form_action(
        db, lambda: queue.online(db_session=db, clock=clock, actor=me, hall=hall, group_id=group_id),
        done=lambda ticket: see_other(f"/tickets/{ticket.id}"),
        failed=lambda exc: render(request, "appointments/hall.html", status_code=exc.status_code,
                                  h=presenters.hall_out(db_session=db, clock=clock, hall=hall), me=me, error=exc.message),
    )


@router.get("/tickets/{ticket_id}", response_class=HTMLResponse)
def my_ticket(request: Request, ticket_id: Id, db: Db, clock: Now, me: Me) -> HTMLResponse:
    """Live position; the page refreshes itself while the ticket waits."""
    ticket = queue.mine(db_session=db, actor=me, ticket_id=ticket_id)
    return render(request, "appointments/ticket.html", tk=presenters.ticket_out(db_session=db, clock=clock, ticket=ticket))


def _visit_page(request: Request, db: Session, me: PersonActor, *, values: dict | None = None, error: str = "",
                status_code: int = 200) -> HTMLResponse:
    return render(request, "appointments/home_visit.html", status_code=status_code, halls=halls.list_halls(db_session=db),
                  reasons=list(HomeVisitReason), v=values or {}, error=error)


@router.get("/appointments/home-visit/new", response_class=HTMLResponse)
def home_visit_page(request: Request, db: Db, me: Me) -> HTMLResponse:
    return _visit_page(request, db, me, values={"hall_id": request.query_params.get("hall", "")})


@router.post("/appointments/home-visit/new", response_class=HTMLResponse)
def home_visit(request: Request, db: Db, clock: Now, me: Me, _csrf: Csrf,
               hall_id: Annotated[str, Form(max_length=12)] = "", item_name: Annotated[str, Form(max_length=400)] = "",
               visitee_name: Annotated[str, Form(max_length=200)] = "", visitee_phone: Annotated[str, Form(max_length=40)] = "",
               address: Annotated[str, Form(max_length=400)] = "", reason: Annotated[str, Form(max_length=20)] = "",
               preferred_day: Annotated[str, Form(max_length=20)] = "", note: Annotated[str, Form(max_length=1000)] = "") -> Response:
    values = {"hall_id": hall_id, "item_name": item_name, "visitee_name": visitee_name, "visitee_phone": visitee_phone,
              "address": address, "reason": reason, "preferred_day": preferred_day, "note": note}
    from pydantic import ValidationError

    try:
        visit_in = HomeVisitIn.model_validate({**values, "hall_id": hall_id or None})
    except ValidationError as exc:
        message, _ = humanize(exc.errors())
        return _visit_page(request, db, me, values=values, error=message, status_code=422)
    return form_action(
        db, lambda: homevisits.request(db_session=db, clock=clock, actor=me, visit_in=visit_in),
        done=lambda _: see_other("/appointments", msg="visit"),
        failed=lambda exc: _visit_page(request, db, me, values=values, error=exc.message, status_code=exc.status_code),
    )
