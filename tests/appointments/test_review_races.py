"""Review regressions: a booking's seat goes back exactly once, whoever ends the booking first (APPT-03, APPT-07)."""

from __future__ import annotations

import pytest

from tongban.accounts.access import PersonActor
from tongban.appointments import bookings, slots
from tongban.appointments.models import Appointment, Slot
from tongban.core import db as core_db
from tongban.core.errors import Conflict
from tests.factories import make_actor, make_person


def _two_bookings(db_session, clock, hall, item):
    slots.open_slots(db_session=db_session, clock=clock, hall=hall)
    slot = slots.list_slots(db_session=db_session, clock=clock, hall=hall)[0]
    people = [make_person(db_session, clock) for _ in range(2)]
    actors = [PersonActor(p.id, p.name, p.id_kind) for p in people]
    rows = [bookings.book(db_session=db_session, clock=clock, actor=a, slot_id=slot.id, item_id=item.id) for a in actors]
    db_session.commit()
    db_session.expire_all()
    assert db_session.get(Slot, slot.id).booked == 2
    return slot, actors, rows


@pytest.mark.req("APPT-03")
@pytest.mark.parametrize("second", ["cancel", "refuse"])
def test_a_booking_read_before_another_request_cancelled_it_returns_its_seat_once(db_session, clock, hall_setup, item, second):
    hall, _, _ = hall_setup
    slot, actors, rows = _two_bookings(db_session, clock, hall, item)
    staff, _ = make_actor(db_session, clock, role="consultant", region_code="511602")
    db_session.commit()
    stale = core_db.session_factory()()
    try:
        # a request read the booking while it was still booked (the reference keeps it in that session) …
        held = stale.get(Appointment, rows[0].id)  # noqa: F841
        other = core_db.session_factory()()
        try:  # … and meanwhile the person cancelled it
            bookings.cancel(db_session=other, clock=clock, actor=actors[0], appointment_id=rows[0].id)
            other.commit()
        finally:
            other.close()
        with pytest.raises(Conflict):
            if second == "cancel":
                bookings.cancel(db_session=stale, clock=clock, actor=actors[0], appointment_id=rows[0].id)
            else:
                bookings.refuse(db_session=stale, clock=clock, actor=staff, appointment_id=rows[0].id, reason="窗口临时关闭")
        stale.commit()
    finally:
        stale.close()
    db_session.expire_all()
    assert db_session.get(Slot, slot.id).booked == 1  # the other person's seat is still held
    assert db_session.get(Appointment, rows[0].id).status == "cancelled"


@pytest.mark.req("APPT-08")
def test_staff_of_another_department_cannot_refuse_excuse_or_give_green_tickets_at_a_hall_they_do_not_staff(
        db_session, clock, hall_setup, item):
    from tongban.appointments import halls, homevisits, queue
    from tongban.appointments.schemas import WindowIn
    from tongban.core.errors import Forbidden
    from tests.factories import make_agency

    hall, group, _ = hall_setup
    owner, other = make_agency(db_session, name="区政务服务管理局"), make_agency(db_session, name="区公安分局")
    hall.agency_id = owner.id
    slot, actors, rows = _two_bookings(db_session, clock, hall, item)
    outsider, _ = make_actor(db_session, clock, role="consultant", agency=other)
    db_session.commit()
    with pytest.raises(Forbidden):
        bookings.refuse(db_session=db_session, clock=clock, actor=outsider, appointment_id=rows[0].id, reason="不办")
    db_session.rollback()
    with pytest.raises(Forbidden):
        queue.green_channel(db_session=db_session, clock=clock, actor=outsider, hall=hall, group_id=group.id, reason="elderly")
    db_session.rollback()
    with pytest.raises(Forbidden):
        homevisits.for_hall(db_session=db_session, actor=outsider, hall_id=hall.id)
    db_session.rollback()
    # once the department staffs a window of the group, its staff act there
    halls.save_window(db_session=db_session, clock=clock, actor=None, hall=hall,
                      window_in=WindowIn(number=9, group_id=group.id, agency_id=other.id))
    bookings.refuse(db_session=db_session, clock=clock, actor=outsider, appointment_id=rows[0].id, reason="窗口调整")
    db_session.commit()
    assert db_session.get(Appointment, rows[0].id).status == "refused"


@pytest.mark.req("APPT-02")
def test_changing_the_hours_after_a_cancelled_booking_closes_its_slot_instead_of_failing(db_session, clock, hall_setup, item, actor):
    from tongban.appointments import halls
    from tongban.appointments.schemas import SessionIn

    hall, _, _ = hall_setup
    slots.open_slots(db_session=db_session, clock=clock, hall=hall)
    slot = slots.list_slots(db_session=db_session, clock=clock, hall=hall)[0]  # 09:00 tomorrow
    row = bookings.book(db_session=db_session, clock=clock, actor=actor, slot_id=slot.id, item_id=item.id)
    bookings.cancel(db_session=db_session, clock=clock, actor=actor, appointment_id=row.id)
    db_session.commit()
    halls.set_sessions(db_session=db_session, clock=clock, actor=None, hall=hall,
                       sessions=[SessionIn(days="workday", start_minute=600, end_minute=720)])  # now from 10:00
    slots.rebuild(db_session=db_session, clock=clock, hall=hall)
    db_session.commit()
    db_session.expire_all()
    assert db_session.get(Slot, slot.id).capacity == 0  # kept for the cancelled booking's record, no longer offered
    assert all(s.start_minute >= 600 for s in slots.list_slots(db_session=db_session, clock=clock, hall=hall))


@pytest.mark.req("APPT-10")
def test_a_ticket_marked_handled_on_one_screen_cannot_also_become_a_no_show_on_another(db_session, clock, hall_setup, item):
    from tongban.appointments import calling, queue
    from tongban.appointments.models import QueueTicket

    hall, group, windows = hall_setup
    staff, _ = make_actor(db_session, clock, role="consultant", region_code="511602")
    ticket = queue.walk_in(db_session=db_session, clock=clock, hall=hall, group_id=group.id)
    calling.call_next(db_session=db_session, clock=clock, actor=staff, window_id=windows[0].id)
    db_session.commit()
    stale = core_db.session_factory()()
    try:
        held = stale.get(QueueTicket, ticket.id)  # noqa: F841 (a reference keeps it in the session)
        other = core_db.session_factory()()
        try:
            calling.finish(db_session=other, clock=clock, actor=staff, ticket_id=ticket.id, outcome="handled")
            other.commit()
        finally:
            other.close()
        with pytest.raises(Conflict):
            calling.finish(db_session=stale, clock=clock, actor=staff, ticket_id=ticket.id, outcome="no_show")
        stale.commit()
    finally:
        stale.close()
    db_session.expire_all()
    assert db_session.get(QueueTicket, ticket.id).status == "handled"


@pytest.mark.req("APPT-10")
def test_two_simultaneous_online_ticket_requests_of_one_person_give_one_ticket(db_session, clock, hall_setup, actor):
    import threading

    from sqlalchemy import func, select

    from tongban.appointments import halls, queue
    from tongban.appointments.models import QueueTicket

    hall, group, _ = hall_setup
    start, got, lock = threading.Barrier(6), [], threading.Lock()

    def take():
        session = core_db.session_factory()()
        try:
            start.wait()
            ticket = queue.online(db_session=session, clock=clock, actor=actor,
                                  hall=halls.get(db_session=session, hall_id=hall.id), group_id=group.id)
            session.commit()
            with lock:
                got.append(ticket.id)
        finally:
            session.close()

    threads = [threading.Thread(target=take) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert len(set(got)) == 1 and len(got) == 6
    assert db_session.scalar(select(func.count(QueueTicket.id)).where(QueueTicket.person_id == actor.person_id)) == 1


@pytest.mark.req("MAP-01")
def test_a_departments_hall_admin_cannot_hand_a_hall_to_another_department(db_session, clock, hall_setup):
    from tongban.appointments import halls
    from tongban.appointments.schemas import HallIn
    from tongban.core.errors import Forbidden
    from tests.factories import make_agency

    hall, _, _ = hall_setup
    mine, theirs = make_agency(db_session, name="区政务服务管理局"), make_agency(db_session, name="区公安分局")
    hall.agency_id = mine.id
    admin, _ = make_actor(db_session, clock, role="admin", agency=mine)
    db_session.commit()
    values = {"code": hall.code, "name": hall.name, "level": hall.level, "region_code": hall.region_code}
    with pytest.raises(Forbidden):
        halls.save_hall(db_session=db_session, clock=clock, actor=admin, hall_in=HallIn(**values, agency_id=theirs.id), hall_id=hall.id)
    db_session.rollback()
    with pytest.raises(Forbidden):
        halls.save_hall(db_session=db_session, clock=clock, actor=admin, hall_in=HallIn(**{**values, "code": "NEW-1"}, agency_id=theirs.id))
    db_session.rollback()
    saved = halls.save_hall(db_session=db_session, clock=clock, actor=admin, hall_in=HallIn(**values, agency_id=mine.id), hall_id=hall.id)
    assert saved.agency_id == mine.id


@pytest.mark.req("MAP-01")
@pytest.mark.req("MAP-03")
def test_hall_lists_nearest_and_directory_take_the_same_number_of_queries_for_three_halls_or_nine(client, db_session, clock, item):
    from sqlalchemy import event

    from tests.factories import make_hall

    urls = ["/api/v1/halls", "/api/v1/halls/nearest?lat=30.45&lng=106.63&limit=50", "/api/v1/halls/directory", "/halls",
            "/halls/directory", "/halls?lat=30.45&lng=106.63"]
    engine = db_session.get_bind()

    def queries() -> list[int]:
        counts = []
        for url in urls:
            seen = []
            listener = lambda *args: seen.append(1)  # noqa: E731
            event.listen(engine, "before_cursor_execute", listener)
            try:
                assert client.get(url).status_code == 200
            finally:
                event.remove(engine, "before_cursor_execute", listener)
            counts.append(len(seen))
        return counts

    for _ in range(3):
        make_hall(db_session, clock, items=[item])
    db_session.commit()
    few = queries()
    for _ in range(6):
        make_hall(db_session, clock, items=[item])
    db_session.commit()
    assert queries() == few


@pytest.mark.req("APPT-06")
def test_a_booked_person_recalled_after_a_no_show_gets_the_suspension_it_caused_lifted(db_session, clock, hall_setup, item, actor):
    from tongban.appointments import calling, queue
    from tests.appointments.test_bookings import _no_show, _slots

    hall, _, windows = hall_setup
    for _ in range(3):
        _no_show(db_session, clock, hall, item, actor)
    staff, _ = make_actor(db_session, clock, role="consultant", region_code="511602")
    slots.open_slots(db_session=db_session, clock=clock, hall=hall)
    slot = _slots(db_session, clock, hall)[0]
    row = bookings.book(db_session=db_session, clock=clock, actor=actor, slot_id=slot.id, item_id=item.id)
    clock.advance(days=(slot.day - clock.today()).days)
    ticket = queue.for_booking(db_session=db_session, clock=clock, appointment=row)
    calling.call_next(db_session=db_session, clock=clock, actor=staff, window_id=windows[0].id)
    calling.finish(db_session=db_session, clock=clock, actor=staff, ticket_id=ticket.id, outcome="no_show")
    assert bookings.suspended_until(db_session=db_session, clock=clock, person_id=actor.person_id) is not None
    calling.recall(db_session=db_session, clock=clock, actor=staff, ticket_id=ticket.id)  # they were at the toilet
    assert row.status == "checked_in"
    assert bookings.suspended_until(db_session=db_session, clock=clock, person_id=actor.person_id) is None


@pytest.mark.req("APPT-06")
def test_force_majeure_recorded_while_the_day_is_closed_is_not_overwritten_by_the_no_show(db_session, clock, hall_setup, item):
    hall, _, _ = hall_setup
    slot, actors, rows = _two_bookings(db_session, clock, hall, item)
    staff, _ = make_actor(db_session, clock, role="consultant", region_code="511602")
    db_session.commit()
    clock.advance(days=9)  # the booked day is past: the hourly close would record a no-show
    stale = core_db.session_factory()()
    try:
        row = stale.get(Appointment, rows[0].id)  # the close read it while it was still booked …
        stale.commit()
        other = core_db.session_factory()()
        try:  # … and meanwhile staff recorded force majeure for it
            bookings.force_majeure(db_session=other, clock=clock, actor=staff, appointment_id=rows[0].id, reason="暴雨封路")
            other.commit()
        finally:
            other.close()
        bookings.record_no_show(db_session=stale, clock=clock, row=row, by="system")
        stale.commit()
    finally:
        stale.close()
    db_session.expire_all()
    assert db_session.get(Appointment, rows[0].id).status == "excused"
    assert bookings.no_show_count(db_session=db_session, clock=clock, person_id=actors[0].person_id) == 0
