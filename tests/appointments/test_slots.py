"""Slots: from tomorrow for a week, capacity from windows and handling time, none on holidays, weekend and
extended sessions (APPT-02, APPT-03, APPT-12)."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from tongban.appointments import halls, slots
from tongban.appointments.schemas import WindowIn
from tongban.core.clock import FixedClock
from tests.factories import make_hall


@pytest.mark.req("APPT-02")
def test_slots_run_from_tomorrow_for_one_week_and_the_week_is_configurable(db_session, clock, hall_setup):
    hall, group, _ = hall_setup
    slots.open_slots(db_session=db_session, clock=clock, hall=hall)
    days = sorted({s.day for s in slots.list_slots(db_session=db_session, clock=clock, hall=hall)})
    today = clock.today()  # Friday 2026-11-20
    assert today not in days
    assert days[0] == today + timedelta(days=3)  # Saturday and Sunday have no sessions in this hall
    assert days[-1] == today + timedelta(days=7)  # Friday a week later is the last bookable day
    assert days == [today + timedelta(days=d) for d in range(3, 8)]
    hall.days_ahead = 14
    slots.rebuild(db_session=db_session, clock=clock, hall=hall)
    days = sorted({s.day for s in slots.list_slots(db_session=db_session, clock=clock, hall=hall)})
    assert days[-1] == today + timedelta(days=14)


@pytest.mark.req("APPT-02")
def test_no_slots_on_holidays_and_make_up_workdays_open(db_session, item):
    clock = FixedClock(datetime(2026, 9, 28, 2, 0, tzinfo=timezone.utc))  # Monday before National Day
    hall, _, _ = make_hall(db_session, clock, items=[item])
    hall.days_ahead = 14
    slots.open_slots(db_session=db_session, clock=clock, hall=hall)
    days = {s.day for s in slots.list_slots(db_session=db_session, clock=clock, hall=hall)}
    assert date(2026, 9, 30) in days
    assert not any(date(2026, 10, 1) <= d <= date(2026, 10, 7) for d in days)  # 国庆节, from the calendar table
    assert date(2026, 10, 10) in days  # a Saturday worked in lieu opens with workday hours
    assert date(2026, 10, 11) not in days  # an ordinary Sunday


@pytest.mark.req("APPT-02")
def test_half_hour_slots_follow_the_sessions(db_session, clock, hall_setup):
    hall, _, _ = hall_setup
    slots.open_slots(db_session=db_session, clock=clock, hall=hall)
    monday = clock.today() + timedelta(days=3)
    starts = [halls.hhmm(s.start_minute) for s in slots.list_slots(db_session=db_session, clock=clock, hall=hall) if s.day == monday]
    assert starts == ["09:00", "09:30", "10:00", "10:30", "11:00", "11:30", "13:30", "14:00", "14:30", "15:00",
                      "15:30", "16:00", "16:30", "17:00"]


@pytest.mark.req("APPT-03")
def test_capacity_comes_from_windows_and_average_handling_time(db_session, clock, item):
    assert halls.capacity(windows=3, slot_minutes=30, avg_minutes=15, booking_share=50) == 3
    assert halls.capacity(windows=0, slot_minutes=30, avg_minutes=15, booking_share=50) == 0
    hall, group, _ = make_hall(db_session, clock, items=[item], windows=2, avg_minutes=10, booking_share=50)
    slots.open_slots(db_session=db_session, clock=clock, hall=hall)
    assert {s.capacity for s in slots.list_slots(db_session=db_session, clock=clock, hall=hall)} == {3}  # 2×30/10×50%
    halls.save_window(db_session=db_session, clock=clock, actor=None, hall=hall, window_in=WindowIn(number=9, group_id=group.id))
    slots.rebuild(db_session=db_session, clock=clock, hall=hall)
    assert {s.capacity for s in slots.list_slots(db_session=db_session, clock=clock, hall=hall)} == {4}  # 3 windows: 4.5 → 4


@pytest.mark.req("APPT-12")
def test_saturday_and_extended_sessions_give_marked_slots(db_session, clock, item):
    hall, _, _ = make_hall(db_session, clock, items=[item], saturday=True, extended=True)
    slots.open_slots(db_session=db_session, clock=clock, hall=hall)
    rows = slots.list_slots(db_session=db_session, clock=clock, hall=hall)
    saturday = clock.today() + timedelta(days=1)
    sat = [s for s in rows if s.day == saturday]
    assert [halls.hhmm(s.start_minute) for s in sat] == ["09:00", "09:30", "10:00", "10:30", "11:00", "11:30"]
    assert all(s.extended for s in sat)
    evening = [s for s in rows if s.day == saturday + timedelta(days=2) and s.start_minute >= 1050]
    assert [halls.hhmm(s.start_minute) for s in evening] == ["17:30", "18:00", "18:30"]
    assert all(s.extended for s in evening)
    assert "周六 09:00–12:00（周末不打烊）" in halls.hours_lines(halls.sessions_of(db_session=db_session, hall_id=hall.id))


@pytest.mark.req("APPT-03")
def test_a_slot_closed_by_an_hours_change_keeps_its_booking_and_a_cancellation_frees_no_seat(db_session, clock, hall_setup, item, actor):
    from tongban.appointments import bookings
    from tongban.appointments.schemas import SessionIn
    from tongban.core.errors import Conflict

    hall, group, _ = hall_setup
    slots.open_slots(db_session=db_session, clock=clock, hall=hall)
    late = next(s for s in slots.list_slots(db_session=db_session, clock=clock, hall=hall) if s.start_minute == 17 * 60)
    row = bookings.book(db_session=db_session, clock=clock, actor=actor, slot_id=late.id, item_id=item.id)
    halls.set_sessions(db_session=db_session, clock=clock, actor=None, hall=hall, sessions=[  # afternoons now end at 17:00
        SessionIn(days="workday", start_minute=540, end_minute=720), SessionIn(days="workday", start_minute=810, end_minute=1020)])
    slots.rebuild(db_session=db_session, clock=clock, hall=hall)
    db_session.commit()
    db_session.refresh(late)
    assert late.closed and (late.booked, late.capacity) == (1, 1) and row.status == "booked"
    bookings.cancel(db_session=db_session, clock=clock, actor=actor, appointment_id=row.id)
    db_session.commit()
    db_session.refresh(late)
    assert (late.booked, late.capacity) == (0, 0)
    assert late.id not in {s.id for s in slots.list_slots(db_session=db_session, clock=clock, hall=hall)}
    with pytest.raises(Conflict) as err:
        bookings.book(db_session=db_session, clock=clock, actor=actor, slot_id=late.id, item_id=item.id)
    assert err.value.code == "SLOT_CLOSED"
    db_session.rollback()
    halls.set_sessions(db_session=db_session, clock=clock, actor=None, hall=hall, sessions=[  # the hours come back
        SessionIn(days="workday", start_minute=540, end_minute=720), SessionIn(days="workday", start_minute=810, end_minute=1050)])
    slots.rebuild(db_session=db_session, clock=clock, hall=hall)
    db_session.commit()
    db_session.refresh(late)
    assert not late.closed and late.capacity == 2
    assert bookings.book(db_session=db_session, clock=clock, actor=actor, slot_id=late.id, item_id=item.id).slot_id == late.id
