"""Queue tickets: at the ticket machine by ID document, online, walk-in and green channel; queue order and live
position (002 8.2.2c, 8.2.3, 8.2.4; 004 叫号服务)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import case, func, select, update
from sqlalchemy.orm import Session

from tongban.accounts import identity, persons
from tongban.accounts.access import PersonActor, StaffActor
from tongban.appointments import bookings, halls, messages
from tongban.appointments.enums import AppointmentStatus, GreenReason, TicketSource, TicketStatus
from tongban.appointments.models import Appointment, Hall, QueueTicket, WindowGroup
from tongban.core.clock import SHANGHAI, Clock
from tongban.core.errors import Conflict, InvalidInput, NotFound

T = TicketStatus


def minute_of(moment: datetime) -> int:
    local = moment.astimezone(SHANGHAI)
    return local.hour * 60 + local.minute


def order_key(ticket: QueueTicket, now_minute: int) -> tuple:
    """(priority, arrival): green channel first; then booked tickets whose slot has begun and who came in time,
    in slot order; then everyone else by arrival. A booked ticket taken early waits like a walk-in until its slot."""
    if ticket.source == TicketSource.green_channel.value:
        return (0, 0, ticket.taken_at, ticket.id)
    if (ticket.source == TicketSource.booking.value and ticket.slot_start_minute is not None
            and ticket.slot_start_minute <= now_minute and minute_of(ticket.taken_at) < (ticket.slot_end_minute or 0)):
        return (1, ticket.slot_start_minute, ticket.taken_at, ticket.id)
    return (2, 0, ticket.taken_at, ticket.id)


def waiting(*, db_session: Session, clock: Clock, group_ids: list[int]) -> list[QueueTicket]:
    """Today's waiting tickets of these groups in calling order."""
    if not group_ids:
        return []
    query = select(QueueTicket).where(QueueTicket.group_id.in_(group_ids), QueueTicket.day == clock.today(),
                                      QueueTicket.status == T.waiting.value)
    now_minute = minute_of(clock.now())
    return sorted(db_session.scalars(query), key=lambda t: order_key(t, now_minute))


def ahead_of(*, db_session: Session, clock: Clock, ticket: QueueTicket) -> int | None:
    """How many are called before this ticket; None once it is no longer waiting."""
    if ticket.status != T.waiting.value:
        return None
    line = waiting(db_session=db_session, clock=clock, group_ids=[ticket.group_id])
    return next((i for i, t in enumerate(line) if t.id == ticket.id), len(line))


def expected_wait(*, ahead: int | None, avg_minutes: int, windows: int) -> int | None:
    """预计等候 in minutes: the people ahead, shared by the group's open windows at its average handling time."""
    if ahead is None:
        return None
    return -(-ahead * avg_minutes // max(1, windows))


def waiting_counts(*, db_session: Session, clock: Clock, hall_ids: list[int]) -> dict[int, int]:
    if not hall_ids:
        return {}
    query = (select(QueueTicket.hall_id, func.count(QueueTicket.id))
             .where(QueueTicket.hall_id.in_(hall_ids), QueueTicket.day == clock.today(), QueueTicket.status == T.waiting.value)
             .group_by(QueueTicket.hall_id))
    return {h: n for h, n in db_session.execute(query)}


def group_waiting_counts(*, db_session: Session, clock: Clock, hall_id: int) -> dict[int, int]:
    return group_waiting_counts_of(db_session=db_session, clock=clock, hall_ids=[hall_id])


def group_waiting_counts_of(*, db_session: Session, clock: Clock, hall_ids: list[int]) -> dict[int, int]:
    """Waiting tickets per window group of these halls, in one query."""
    query = (select(QueueTicket.group_id, func.count(QueueTicket.id))
             .where(QueueTicket.hall_id.in_(hall_ids), QueueTicket.day == clock.today(), QueueTicket.status == T.waiting.value)
             .group_by(QueueTicket.group_id))
    return {g: n for g, n in db_session.execute(query)}


def _next_number(db_session: Session, clock: Clock, group: WindowGroup) -> tuple[int, str]:
    """One atomic UPDATE numbers the group's tickets per day, so two machines never print the same number; it also
    reads the prefix under the row's lock, so a prefix changed a moment ago is the one printed."""
    today = clock.today()
    statement = (update(WindowGroup).where(WindowGroup.id == group.id)
                 .values(ticket_seq=case((WindowGroup.ticket_day == today, WindowGroup.ticket_seq + 1), else_=1), ticket_day=today)
                 .returning(WindowGroup.ticket_seq, WindowGroup.ticket_prefix).execution_options(synchronize_session=False))
    seq, prefix = db_session.execute(statement).one()
    return seq, prefix


def _issue(db_session: Session, clock: Clock, hall: Hall, group: WindowGroup, source: TicketSource, *,
           person_id: int | None = None, phone: str | None = None, appointment: Appointment | None = None,
           green_reason: str = "", kiosk_id: int | None = None) -> QueueTicket:
    if group.remote_help:  # video and voice help happen at a screen, by booking from a help ticket
        raise InvalidInput("REMOTE_HELP_NO_TICKET", f"“{group.name}”是视频、语音帮办，不在大厅取号；请在帮办工单里预约")
    seq, prefix = _next_number(db_session, clock, group)
    ticket = QueueTicket(
        hall_id=hall.id, group_id=group.id, day=clock.today(), seq=seq, number=f"{prefix}{seq:03d}",
        source=source.value, appointment_id=appointment.id if appointment else None, person_id=person_id, phone=phone or None,
        green_reason=green_reason, slot_start_minute=appointment.start_minute if appointment else None,
        slot_end_minute=appointment.end_minute if appointment else None, status=T.waiting.value, call_count=0,
        near_notified=False, taken_at=clock.now(), handled_by="", kiosk_id=kiosk_id,
    )
    db_session.add(ticket)
    db_session.flush()
    ahead = ahead_of(db_session=db_session, clock=clock, ticket=ticket) or 0
    windows = halls.window_numbers(halls.windows_of(db_session=db_session, hall_id=hall.id), group.id)
    messages.to_ticket_holder(
        db_session=db_session, clock=clock, kind="queue_ticket", person_id=person_id, phone=phone, link=f"/tickets/{ticket.id}",
        fields={"hall_name": hall.name, "ticket": ticket.number, "group_name": group.name, "waiting": ahead,
                "windows": "、".join(f"{n}号窗口" for n in windows) or "大厅屏幕"},
    )
    return ticket


def _phone(phone: str) -> str | None:
    return identity.normalize_phone(phone) if phone.strip() else None


def for_booking(*, db_session: Session, clock: Clock, appointment: Appointment, kiosk_id: int | None = None) -> QueueTicket:
    """A booked person takes their ticket on the day; taking it again reprints the same ticket."""
    existing = db_session.scalar(select(QueueTicket).where(QueueTicket.appointment_id == appointment.id))
    if existing is not None:
        return existing
    if appointment.status != AppointmentStatus.booked.value:
        raise Conflict("APPOINTMENT_NOT_ACTIVE", f"该预约{AppointmentStatus(appointment.status).label}，不能取号")
    if appointment.day != clock.today():
        raise InvalidInput("NOT_BOOKING_DAY", f"您预约的是 {appointment.day.isoformat()}，请于预约当天取号")
    hall = halls.get(db_session=db_session, hall_id=appointment.hall_id)
    group = halls.get_group(db_session=db_session, group_id=appointment.group_id)
    taken = db_session.execute(update(Appointment).where(Appointment.id == appointment.id,
                                                         Appointment.status == AppointmentStatus.booked.value)
                               .values(status=AppointmentStatus.checked_in.value, updated_at=clock.now())
                               .execution_options(synchronize_session=False)).rowcount
    if taken != 1:  # a second machine printed it a moment ago
        db_session.refresh(appointment)
        return for_booking(db_session=db_session, clock=clock, appointment=appointment, kiosk_id=kiosk_id)
    db_session.refresh(appointment)
    return _issue(db_session, clock, hall, group, TicketSource.booking, person_id=appointment.person_id, appointment=appointment,
                  kiosk_id=kiosk_id)


def kiosk_lookup(*, db_session: Session, clock: Clock, hall: Hall, id_kind: str, id_number: str) -> list[Appointment]:
    """取号机: the ID document read at the machine finds today's bookings at this hall (002 8.2.4). Only the keyed
    hash of the number is used; it is never stored or logged."""
    try:
        kind = identity.parse_kind(id_kind)
        number = identity.validate(kind, id_number, nationality="XXX").number
    except InvalidInput:
        raise InvalidInput("ID_NUMBER_INVALID", "证件号码不正确，请重新放置证件或核对后输入") from None
    person = persons.find_by_document(db_session=db_session, kind=kind.value, number=number)
    found = bookings.today_for_person(db_session=db_session, clock=clock, person_id=person.id, hall_id=hall.id) if person else []
    if found:
        return found
    later = bookings.upcoming_for_person(db_session=db_session, clock=clock, person_id=person.id, hall_id=hall.id) if person else []
    if later:
        first = later[0]
        raise NotFound("NOT_BOOKING_DAY", f"您预约的是 {messages.when(first.day, first.start_minute, first.end_minute)}，请于预约当天取号；"
                                          "今天办理请现场取号")
    raise NotFound("NO_BOOKING_TODAY", "没有查到您今天在本场所的预约，可以现场取号")


def kiosk_ticket(*, db_session: Session, clock: Clock, hall: Hall, id_kind: str, id_number: str,
                 appointment_id: int | None = None, kiosk_id: int | None = None) -> QueueTicket:
    found = kiosk_lookup(db_session=db_session, clock=clock, hall=hall, id_kind=id_kind, id_number=id_number)
    chosen = next((a for a in found if a.id == appointment_id), found[0])
    return for_booking(db_session=db_session, clock=clock, appointment=chosen, kiosk_id=kiosk_id)


def walk_in(*, db_session: Session, clock: Clock, hall: Hall, group_id: int, phone: str = "",
            kiosk_id: int | None = None) -> QueueTicket:
    """现场取号: everyone who comes gets a ticket, also where the group asks people to book (004: 不得强制要求其先到
    线上预约); booked people go first only within their slot."""
    group = halls.get_group(db_session=db_session, group_id=group_id, hall_id=hall.id)
    return _issue(db_session, clock, hall, group, TicketSource.walk_in, phone=_phone(phone), kiosk_id=kiosk_id)


def online(*, db_session: Session, clock: Clock, actor: PersonActor, hall: Hall, group_id: int) -> QueueTicket:
    """线上取号: today's booking in this group becomes its booked ticket; otherwise a same-day ticket in arrival
    order. A person holds one waiting online ticket per group."""
    group = halls.get_group(db_session=db_session, group_id=group_id, hall_id=hall.id)
    for row in bookings.today_for_person(db_session=db_session, clock=clock, person_id=actor.person_id, hall_id=hall.id):
        if row.group_id == group.id:
            return for_booking(db_session=db_session, clock=clock, appointment=row)
    bookings.lock_account(db_session=db_session, clock=clock, person_id=actor.person_id)  # two taps, one ticket
    existing = db_session.scalar(select(QueueTicket).where(
        QueueTicket.person_id == actor.person_id, QueueTicket.group_id == group.id, QueueTicket.day == clock.today(),
        QueueTicket.status == T.waiting.value))
    if existing is not None:
        return existing
    return _issue(db_session, clock, hall, group, TicketSource.online, person_id=actor.person_id)


def green_channel(*, db_session: Session, clock: Clock, actor: StaffActor, hall: Hall, group_id: int,
                  reason: GreenReason | str, phone: str = "") -> QueueTicket:
    """绿色通道 (002 8.2.3): staff at the guidance desk give a ticket without booking, called first."""
    halls.require_queue_staff(db_session=db_session, actor=actor, hall=hall, group_id=group_id)
    try:
        reason = GreenReason(reason)
    except ValueError:
        raise InvalidInput("GREEN_REASON", "请选择绿色通道的适用情形") from None
    group = halls.get_group(db_session=db_session, group_id=group_id, hall_id=hall.id)
    return _issue(db_session, clock, hall, group, TicketSource.green_channel, phone=_phone(phone), green_reason=reason.value)


def get(*, db_session: Session, ticket_id: int) -> QueueTicket:
    ticket = db_session.get(QueueTicket, ticket_id)
    if ticket is None:
        raise NotFound("TICKET_NOT_FOUND", "没有找到这个排队号")
    return ticket


def mine(*, db_session: Session, actor: PersonActor, ticket_id: int) -> QueueTicket:
    ticket = db_session.get(QueueTicket, ticket_id)
    if ticket is None or ticket.person_id != actor.person_id:
        raise NotFound("TICKET_NOT_FOUND", "没有找到这个排队号")
    return ticket


def my_today(*, db_session: Session, clock: Clock, actor: PersonActor) -> list[QueueTicket]:
    query = (select(QueueTicket).where(QueueTicket.person_id == actor.person_id, QueueTicket.day == clock.today())
             .order_by(QueueTicket.id.desc()))
    return list(db_session.scalars(query))


def recent_calls(*, db_session: Session, clock: Clock, hall_id: int, limit: int = 8) -> list[QueueTicket]:
    query = (select(QueueTicket).where(QueueTicket.hall_id == hall_id, QueueTicket.day == clock.today(),
                                       QueueTicket.called_at.is_not(None))
             .order_by(QueueTicket.called_at.desc(), QueueTicket.id.desc()).limit(limit))
    return list(db_session.scalars(query))
