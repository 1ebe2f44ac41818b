"""叫号 at a window: call the next ticket (helping busier groups when idle), recall, handled, no-show; tell the
holder the window number and warn those whose turn is near (004 叫号服务; 002 8.2.2c)."""

from __future__ import annotations

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from tongban.accounts.access import Permission, StaffActor
from tongban.appointments import bookings, halls, messages, queue
from tongban.appointments.enums import AppointmentStatus, TicketStatus
from tongban.appointments.models import Appointment, Hall, QueueTicket, Window
from tongban.core.clock import Clock
from tongban.core.errors import Conflict, InvalidInput

T = TicketStatus


def station(*, db_session: Session, actor: StaffActor, window_id: int) -> tuple[Window, Hall]:
    """The window and its hall, when this member of staff may call there (the window's agency, the hall's region)."""
    window = halls.get_window(db_session=db_session, window_id=window_id)
    hall = halls.get(db_session=db_session, hall_id=window.hall_id)
    actor.require(Permission.queue_call, agency_id=window.agency_id, region_code=hall.region_code)
    return window, hall


def current(*, db_session: Session, clock: Clock, window: Window) -> QueueTicket | None:
    return db_session.scalar(select(QueueTicket).where(QueueTicket.window_id == window.id, QueueTicket.day == clock.today(),
                                                       QueueTicket.status == T.called.value).order_by(QueueTicket.called_at.desc()))


def _candidates(db_session: Session, clock: Clock, window: Window) -> list[QueueTicket]:
    """The window's own queue first; when it is empty, the helped group whose first ticket has waited longest."""
    own = queue.waiting(db_session=db_session, clock=clock, group_ids=[window.group_id])
    if own or not window.helps:
        return own
    lines = [queue.waiting(db_session=db_session, clock=clock, group_ids=[g]) for g in window.helps]
    lines = [line for line in lines if line]
    lines.sort(key=lambda line: (-len(line), line[0].taken_at))
    return lines[0] if lines else []


def _tell_called(db_session: Session, clock: Clock, hall: Hall, window: Window, ticket: QueueTicket) -> None:
    group = halls.get_group(db_session=db_session, group_id=ticket.group_id)
    messages.to_ticket_holder(
        db_session=db_session, clock=clock, kind="queue_called", person_id=ticket.person_id, phone=ticket.phone,
        link=f"/tickets/{ticket.id}",
        fields={"ticket": ticket.number, "hall_name": hall.name, "window": f"{window.number}号窗口", "group_name": group.name},
    )


def _warn_near(db_session: Session, clock: Clock, hall: Hall, group_id: int) -> None:
    """“您的号快到了” once per ticket, when no more than `near_notice` are ahead."""
    if hall.near_notice <= 0:
        return
    group = halls.get_group(db_session=db_session, group_id=group_id)
    for ahead, ticket in enumerate(queue.waiting(db_session=db_session, clock=clock, group_ids=[group_id])[: hall.near_notice]):
        if ticket.near_notified:
            continue
        ticket.near_notified = True
        messages.to_ticket_holder(db_session=db_session, clock=clock, kind="queue_near", person_id=ticket.person_id,
                                  phone=ticket.phone, link=f"/tickets/{ticket.id}",
                                  fields={"ticket": ticket.number, "waiting": ahead, "hall_name": hall.name, "group_name": group.name})


def call_next(*, db_session: Session, clock: Clock, actor: StaffActor, window_id: int) -> QueueTicket | None:
    """The next ticket in (priority, arrival) order for this window; two windows calling at once never get the same
    ticket, because each claims it with a conditional UPDATE. None when nobody is waiting."""
    window, hall = station(db_session=db_session, actor=actor, window_id=window_id)
    if not window.active:
        raise Conflict("WINDOW_CLOSED", "该窗口已停用")
    busy = current(db_session=db_session, clock=clock, window=window)
    if busy is not None:
        raise Conflict("WINDOW_BUSY", f"请先将 {busy.number} 标记为已办理或过号，再叫下一位")
    for ticket in _candidates(db_session, clock, window):
        claimed = db_session.execute(
            update(QueueTicket).where(QueueTicket.id == ticket.id, QueueTicket.status == T.waiting.value)
            .values(status=T.called.value, window_id=window.id, called_at=clock.now(), call_count=QueueTicket.call_count + 1,
                    handled_by=actor.ref)
            .execution_options(synchronize_session=False)
        ).rowcount
        if claimed != 1:
            continue  # another window took it a moment ago
        db_session.refresh(ticket)
        _tell_called(db_session, clock, hall, window, ticket)
        _warn_near(db_session, clock, hall, ticket.group_id)
        db_session.flush()
        return ticket
    return None


def _at_window(db_session: Session, actor: StaffActor, ticket_id: int) -> tuple[QueueTicket, Window, Hall]:
    ticket = queue.get(db_session=db_session, ticket_id=ticket_id)
    if ticket.window_id is None:
        raise Conflict("TICKET_NOT_CALLED", f"{ticket.number} 还没有被叫号")
    window, hall = station(db_session=db_session, actor=actor, window_id=ticket.window_id)
    return ticket, window, hall


def recall(*, db_session: Session, clock: Clock, actor: StaffActor, ticket_id: int) -> QueueTicket:
    """重呼: call the same number again, also a ticket marked no-show who has come back today."""
    ticket, window, hall = _at_window(db_session, actor, ticket_id)
    if ticket.status not in (T.called.value, T.no_show.value) or ticket.day != clock.today():
        raise Conflict("NOT_RECALLABLE", f"{ticket.number} {T(ticket.status).label}，不能重呼")
    if ticket.status == T.no_show.value:
        busy = current(db_session=db_session, clock=clock, window=window)
        if busy is not None:
            raise Conflict("WINDOW_BUSY", f"请先将 {busy.number} 标记为已办理或过号")
        _restore_booking(db_session, clock, hall, ticket)
    ticket.status, ticket.called_at, ticket.call_count = T.called.value, clock.now(), ticket.call_count + 1
    _tell_called(db_session, clock, hall, window, ticket)
    db_session.flush()
    return ticket


def _restore_booking(db_session: Session, clock: Clock, hall: Hall, ticket: QueueTicket) -> None:
    """The booked person came back after all: the no-show is withdrawn, and so is a suspension it caused."""
    if ticket.appointment_id is None:
        return
    row = db_session.get(Appointment, ticket.appointment_id)
    if row is not None and row.status == AppointmentStatus.no_show.value:
        row.status, row.updated_at = AppointmentStatus.checked_in.value, clock.now()
        bookings.lift_if_cleared(db_session=db_session, clock=clock, hall=hall, person_id=row.person_id)


def finish(*, db_session: Session, clock: Clock, actor: StaffActor, ticket_id: int, outcome: str) -> QueueTicket:
    """办结 (`handled`) or 过号 (`no_show`: called and did not come). A booked ticket not handled is a no-show of
    the booking (002 8.2.2e)."""
    if outcome not in (T.handled.value, T.no_show.value):
        raise InvalidInput("OUTCOME_UNKNOWN", "请选择“已办理”或“过号”")
    ticket, _, _ = _at_window(db_session, actor, ticket_id)
    marked = db_session.execute(  # conditional, so “handled” and “no-show” from two screens never both count
        update(QueueTicket).where(QueueTicket.id == ticket.id, QueueTicket.status == T.called.value)
        .values(status=outcome, finished_at=clock.now(), handled_by=actor.ref).execution_options(synchronize_session=False)
    ).rowcount
    db_session.refresh(ticket)
    if marked != 1:
        raise Conflict("TICKET_NOT_CALLED", f"{ticket.number} {T(ticket.status).label}，不能再标记")
    if ticket.appointment_id is not None:
        row = db_session.get(Appointment, ticket.appointment_id)
        if outcome == T.handled.value:
            row.status, row.updated_at = AppointmentStatus.handled.value, clock.now()
        else:
            bookings.record_no_show(db_session=db_session, clock=clock, row=row, by=actor.ref)
    db_session.flush()
    return ticket


def handled_today(*, db_session: Session, clock: Clock, hall_id: int) -> dict[int, int]:
    """Tickets handled per window today: the load the balancing evens out."""
    query = (select(QueueTicket.window_id, func.count(QueueTicket.id))
             .where(QueueTicket.hall_id == hall_id, QueueTicket.day == clock.today(), QueueTicket.status == T.handled.value)
             .group_by(QueueTicket.window_id))
    return {w: n for w, n in db_session.execute(query) if w is not None}


def close_day(*, db_session: Session, clock: Clock) -> dict[str, int]:
    """After a booking day ends: bookings with no ticket, and booked tickets never handled, are no-shows; other
    tickets left waiting are closed. Idempotent; run by the hourly job and `tongban appointments close-day`."""
    today = clock.today()
    late = list(db_session.scalars(select(Appointment).where(
        Appointment.day < today, Appointment.status.in_((AppointmentStatus.booked.value, AppointmentStatus.checked_in.value)))))
    for row in late:
        bookings.record_no_show(db_session=db_session, clock=clock, row=row, by="system")
    closed = db_session.execute(update(QueueTicket).where(QueueTicket.day < today,
                                                          QueueTicket.status.in_((T.waiting.value, T.called.value)))
                                .values(status=T.no_show.value, finished_at=clock.now())
                                .execution_options(synchronize_session=False)).rowcount
    db_session.flush()
    return {"no_shows": len(late), "tickets_closed": closed}
