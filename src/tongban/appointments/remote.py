"""Remote help desks (远程帮办): a hall's window group marked `remote_help` whose slots are booked for video or voice
help, on working days in working hours only (000 §6.5; CONS-12). The seats are ordinary bookings (`bookings.book`):
the same capacity, per-person limits and no-show rules; the help desk (helpdesk) links them to a ticket."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from tongban.accounts.access import PersonActor
from tongban.appointments import bookings, halls, slots
from tongban.appointments.enums import AppointmentStatus
from tongban.appointments.models import Appointment, Hall, WindowGroup, WindowGroupItem
from tongban.appointments.schemas import GroupIn, WindowIn
from tongban.catalog import reads as catalog_reads
from tongban.core.clock import Clock
from tongban.core.errors import Conflict, InvalidInput, NotFound
from tongban.workdays.service import WorkingCalendar

CHANNEL = bookings.REMOTE_CHANNEL  # Appointment.channel of a remote help booking
S = AppointmentStatus


@dataclass(frozen=True)
class RemoteDesk:
    hall_id: int
    hall_name: str
    group_id: int
    group_name: str
    region_code: str


@dataclass(frozen=True)
class OpenSlot:
    id: int
    day: date
    start_minute: int
    end_minute: int
    free: int

    @property
    def label(self) -> str:
        return f"{self.day.isoformat()} {halls.hhmm(self.start_minute)}–{halls.hhmm(self.end_minute)}"


@dataclass(frozen=True)
class RemoteBooking:
    appointment_id: int
    hall_id: int
    hall_name: str
    day: date
    start_minute: int
    end_minute: int


def desks_for_item(*, db_session: Session, item_id: int) -> list[RemoteDesk]:
    """The remote help desks of active, bookable halls that help with this item."""
    query = (select(Hall, WindowGroup).join(WindowGroup, WindowGroup.hall_id == Hall.id)
             .join(WindowGroupItem, WindowGroupItem.group_id == WindowGroup.id)
             .where(WindowGroupItem.item_id == item_id, WindowGroup.remote_help.is_(True), Hall.active.is_(True),
                    Hall.bookable.is_(True))
             .order_by(Hall.name, WindowGroup.sort))
    return [RemoteDesk(h.id, h.name, g.id, g.name, h.region_code) for h, g in db_session.execute(query)]


def open_slots(*, db_session: Session, clock: Clock, group_id: int) -> list[OpenSlot]:
    """The desk's slots with a free seat, from tomorrow in the hall's booking window: working days only, in the
    hall's regular workday sessions (no weekend or extended session; the working-day calendar decides)."""
    group = halls.get_group(db_session=db_session, group_id=group_id)
    if not group.remote_help:
        raise NotFound("REMOTE_DESK_NOT_FOUND", "没有找到这个远程帮办服务")
    hall = halls.get(db_session=db_session, hall_id=group.hall_id)
    slots.open_slots(db_session=db_session, clock=clock, hall=hall)
    calendar = WorkingCalendar(db_session)
    return [OpenSlot(s.id, s.day, s.start_minute, s.end_minute, s.capacity - s.booked)
            for s in slots.list_slots(db_session=db_session, clock=clock, hall=hall, group_id=group.id)
            if s.booked < s.capacity and not s.extended and calendar.status(s.day).working]


def book(*, db_session: Session, clock: Clock, actor: PersonActor, slot_id: int, item_id: int) -> RemoteBooking:
    """A seat of a remote help desk, through the hall booking service; a slot outside working hours is refused."""
    slot = slots.get(db_session=db_session, slot_id=slot_id)
    group = halls.get_group(db_session=db_session, group_id=slot.group_id)
    if not group.remote_help:
        raise InvalidInput("NOT_REMOTE_DESK", "所选时段不是远程帮办时段，请从远程帮办的时段中选择")
    if slot.extended or not WorkingCalendar(db_session).status(slot.day).working:
        raise InvalidInput("OUTSIDE_WORKING_HOURS", "视频、语音帮办只在工作日的工作时间提供，请选择其他时段")
    row = bookings.book(db_session=db_session, clock=clock, actor=actor, slot_id=slot_id, item_id=item_id,
                        channel=CHANNEL)
    hall = halls.get(db_session=db_session, hall_id=row.hall_id)
    return RemoteBooking(row.id, hall.id, hall.name, row.day, row.start_minute, row.end_minute)


def cancel(*, db_session: Session, clock: Clock, actor: PersonActor, appointment_id: int) -> None:
    bookings.cancel(db_session=db_session, clock=clock, actor=actor, appointment_id=appointment_id)


def mark_held(*, db_session: Session, clock: Clock, appointment_id: int, by: str) -> None:
    """The session took place: the booking is handled (so the day's close counts no no-show). Only once its slot
    has begun; only a booking still active."""
    row = bookings.get(db_session=db_session, appointment_id=appointment_id)
    if row.channel != CHANNEL:
        raise InvalidInput("NOT_REMOTE_BOOKING", "这不是远程帮办的预约")
    if not bookings.starts_at_passed(clock, row):
        raise Conflict("SESSION_NOT_STARTED", "预约的帮办时段还没有开始，开始后再记录")
    active = (S.booked.value, S.checked_in.value)
    moved = db_session.execute(update(Appointment).where(Appointment.id == row.id, Appointment.status.in_(active))
                               .values(status=S.handled.value, marked_by=by[:40], updated_at=clock.now())
                               .execution_options(synchronize_session=False)).rowcount
    db_session.refresh(row)
    if moved != 1:
        raise Conflict("STATUS_CHANGED", f"该预约{S(row.status).label}，不能再记录为已完成")


DEMO_HALL = "GAQ-ZWFW"
DEMO_GROUP = ("远程帮办", "R", 30, 7)  # name, ticket prefix, minutes per session, desk (window) number


def ensure_demo_desk(*, db_session: Session, clock: Clock) -> str:
    """Demo: the 广安区政务服务中心 gets a 远程帮办 desk helping with every item its windows handle (idempotent)."""
    hall = halls.by_code(db_session=db_session, code=DEMO_HALL)
    if hall is None:
        return ""
    groups = halls.groups_of(db_session=db_session, hall_id=hall.id)
    if any(g.remote_help for g in groups):
        return ""
    name, prefix, minutes, number = DEMO_GROUP
    handled = halls.items_of_groups(db_session=db_session, group_ids=[g.id for g in groups])
    item_ids = sorted({item.id for items in handled.values() for item in items})
    group = halls.save_group(db_session=db_session, clock=clock, actor=None, hall=hall, group_in=GroupIn(
        name=name, ticket_prefix=prefix, avg_minutes=minutes, booking_share=100, item_ids=item_ids, sort=len(groups)))
    group.remote_help = True
    agency = catalog_reads.agency_by_code(db_session=db_session, code="11511602697417411B")
    halls.save_window(db_session=db_session, clock=clock, actor=None, hall=hall, window_in=WindowIn(
        number=number, group_id=group.id, agency_id=agency.id if agency else None))
    slots.rebuild(db_session=db_session, clock=clock, hall=hall)
    return "演示远程帮办：广安区政务服务中心的“远程帮办”可在工作日工作时间预约视频或语音帮办（咨询工单页“预约视频或语音帮办”）"
