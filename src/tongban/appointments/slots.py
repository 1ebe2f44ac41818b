"""Half-hour slots from tomorrow for the hall's booking window, sized from windows and handling time, none on
holidays (002 8.2.2 a–b; 004 周末不打烊、延时服务)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import case, delete, exists, select, update
from sqlalchemy.orm import Session

from tongban.appointments import halls
from tongban.appointments.enums import SessionDays
from tongban.appointments.models import Appointment, Hall, HallSession, Slot
from tongban.core.clock import Clock
from tongban.core.db import dialect_insert
from tongban.core.errors import NotFound
from tongban.workdays.service import DayKind, WorkingCalendar


@dataclass(frozen=True)
class Wanted:
    group_id: int
    day: date
    start_minute: int
    end_minute: int
    capacity: int
    extended: bool


def booking_days(clock: Clock, hall: Hall) -> tuple[date, date]:
    """Bookable from tomorrow for `days_ahead` days (a week by default)."""
    first = clock.today() + timedelta(days=1)
    return first, first + timedelta(days=hall.days_ahead - 1)


def sessions_on(calendar: WorkingCalendar, sessions: list[HallSession], day: date) -> list[HallSession]:
    """A holiday has none; a working day (also a make-up Saturday) has the workday sessions; weekends their own."""
    status = calendar.status(day)
    if status.kind is DayKind.holiday:
        return []
    if status.working:
        days = SessionDays.workday
    else:
        days = SessionDays.saturday if day.weekday() == 5 else SessionDays.sunday
    return [s for s in sessions if s.days == days.value]


def _wanted(db_session: Session, clock: Clock, hall: Hall, first: date, last: date) -> list[Wanted]:
    sessions = halls.sessions_of(db_session=db_session, hall_id=hall.id)
    groups = halls.groups_of(db_session=db_session, hall_id=hall.id)
    counts = halls.active_window_counts(db_session=db_session, hall_id=hall.id)
    calendar = WorkingCalendar(db_session)
    wanted: list[Wanted] = []
    day = first
    while day <= last:
        weekend = day.weekday() >= 5
        working = calendar.status(day).working
        for session in sessions_on(calendar, sessions, day):
            start = session.start_minute
            while start + hall.slot_minutes <= session.end_minute:
                for group in groups:
                    if group.remote_help and (session.extended or not working):
                        continue  # remote help (远程帮办) is booked in working hours only (000 §6.5)
                    cap = halls.capacity(windows=counts.get(group.id, 0), slot_minutes=hall.slot_minutes,
                                         avg_minutes=group.avg_minutes, booking_share=group.booking_share)
                    if cap > 0:
                        wanted.append(Wanted(group.id, day, start, start + hall.slot_minutes, cap,
                                             session.extended or weekend))
                start += hall.slot_minutes
        day += timedelta(days=1)
    return wanted


def _insert_missing(db_session: Session, hall: Hall, wanted: list[Wanted]) -> None:
    if not wanted:
        return
    rows = [{"hall_id": hall.id, "group_id": w.group_id, "day": w.day, "start_minute": w.start_minute,
             "end_minute": w.end_minute, "capacity": w.capacity, "booked": 0, "extended": w.extended, "closed": False}
            for w in wanted]
    statement = dialect_insert(db_session.get_bind().dialect.name)(Slot).on_conflict_do_nothing(index_elements=["group_id", "day", "start_minute"])
    db_session.execute(statement, rows)


def open_slots(*, db_session: Session, clock: Clock, hall: Hall) -> int:
    """Make sure every slot of the booking window exists (as days roll forward); concurrent callers are harmless."""
    if not hall.bookable or not hall.active:
        return 0
    first, last = booking_days(clock, hall)
    existing = set(db_session.execute(
        select(Slot.group_id, Slot.day, Slot.start_minute).where(Slot.hall_id == hall.id, Slot.day >= first, Slot.day <= last)
    ).all())
    missing = [w for w in _wanted(db_session, clock, hall, first, last) if (w.group_id, w.day, w.start_minute) not in existing]
    _insert_missing(db_session, hall, missing)
    return len(missing)


def rebuild(*, db_session: Session, clock: Clock, hall: Hall) -> None:
    """After settings change: resize future slots (never below what is booked), drop unbooked ones that no longer
    fit the hours, and open the new ones. Bookings already made are kept."""
    first, last = booking_days(clock, hall)
    wanted = {(w.group_id, w.day, w.start_minute): w for w in _wanted(db_session, clock, hall, first, max(first, last))}
    future = db_session.execute(select(Slot.id, Slot.group_id, Slot.day, Slot.start_minute, Slot.capacity, Slot.closed)
                                .where(Slot.hall_id == hall.id, Slot.day >= first)).all()
    stale = []
    for slot_id, group_id, day, start, cap, closed in future:
        want = wanted.pop((group_id, day, start), None)
        if want is None or not hall.bookable:
            stale.append(slot_id)
        elif want.capacity != cap or closed:  # resized, or reopened by the hours coming back
            db_session.execute(update(Slot).where(Slot.id == slot_id).values(
                capacity=case((Slot.booked > want.capacity, Slot.booked), else_=want.capacity), closed=False))
    if stale:
        referenced = exists().where(Appointment.slot_id == Slot.id)  # also cancelled ones: they keep their record
        db_session.execute(delete(Slot).where(Slot.id.in_(stale), Slot.booked == 0, ~referenced)
                           .execution_options(synchronize_session=False))
        # The rest close: their bookings stand, and a cancellation in them frees no seat (closed, not merely full).
        db_session.execute(update(Slot).where(Slot.id.in_(stale)).values(capacity=Slot.booked, closed=True)
                           .execution_options(synchronize_session=False))
    if hall.bookable:
        _insert_missing(db_session, hall, [w for w in wanted.values() if w.day <= last])
    db_session.flush()


def list_slots(*, db_session: Session, clock: Clock, hall: Hall, group_id: int | None = None) -> list[Slot]:
    first, last = booking_days(clock, hall)
    query = (select(Slot).where(Slot.hall_id == hall.id, Slot.day >= first, Slot.day <= last, Slot.capacity > 0,
                                Slot.closed.is_(False))
             .order_by(Slot.day, Slot.start_minute, Slot.group_id))
    if group_id is not None:
        query = query.where(Slot.group_id == group_id)
    return list(db_session.scalars(query))


def get(*, db_session: Session, slot_id: int) -> Slot:
    slot = db_session.get(Slot, slot_id)
    if slot is None:
        raise NotFound("SLOT_NOT_FOUND", "没有找到这个预约时段")
    return slot
