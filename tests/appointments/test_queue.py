"""Queue tickets and calling: online tickets with live position, booked tickets first in their slot, the ticket
machine by ID document, green channel, window balancing and notices (APPT-04, APPT-08, APPT-09, APPT-11)."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from tongban.accounts.access import PersonActor
from tongban.appointments import bookings, calling, halls, queue, slots, presenters
from tongban.appointments.schemas import GroupIn, WindowIn
from tongban.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from tongban.notify.service import deliveries_for
from tests.factories import make_actor, make_agency, make_hall, make_person


def _person_actor(db_session, clock, **kw):
    p = make_person(db_session, clock, **kw)
    return p, PersonActor(p.id, p.name, p.id_kind)


def _book_for_today(db_session, clock, hall, item, actor, index=0):
    """Book a slot (from tomorrow, as the rules require), then move the clock to that day, 08:50."""
    slots.open_slots(db_session=db_session, clock=clock, hall=hall)
    slot = slots.list_slots(db_session=db_session, clock=clock, hall=hall)[index]
    row = bookings.book(db_session=db_session, clock=clock, actor=actor, slot_id=slot.id, item_id=item.id)
    clock.set(datetime(slot.day.year, slot.day.month, slot.day.day, 0, 50, tzinfo=timezone.utc))
    return row


@pytest.fixture
def window_staff(db_session, clock):
    actor, _ = make_actor(db_session, clock, role="consultant", region_code="511602")
    return actor


@pytest.mark.req("APPT-04")
def test_online_ticket_shows_live_position_and_booked_tickets_are_called_first_in_their_slot(db_session, clock, hall_setup, item, actor, window_staff):
    hall, group, windows = hall_setup
    row = _book_for_today(db_session, clock, hall, item, actor)  # the 09:00 slot, clock at 08:50
    walkers = [_person_actor(db_session, clock)[1] for _ in range(2)]
    early = [queue.online(db_session=db_session, clock=clock, actor=w, hall=hall, group_id=group.id) for w in walkers]
    assert [queue.ahead_of(db_session=db_session, clock=clock, ticket=t) for t in early] == [0, 1]
    assert queue.online(db_session=db_session, clock=clock, actor=walkers[0], hall=hall, group_id=group.id).id == early[0].id
    clock.advance(minutes=2)
    booked = queue.online(db_session=db_session, clock=clock, actor=actor, hall=hall, group_id=group.id)  # 线上取号 for the booking
    assert booked.source == "booking" and booked.appointment_id == row.id and row.status == "checked_in"
    assert queue.ahead_of(db_session=db_session, clock=clock, ticket=booked) == 2  # before its slot it waits like anyone
    clock.advance(minutes=10)  # 09:02: the slot has begun
    assert queue.ahead_of(db_session=db_session, clock=clock, ticket=booked) == 0
    assert queue.ahead_of(db_session=db_session, clock=clock, ticket=early[0]) == 1
    called = calling.call_next(db_session=db_session, clock=clock, actor=window_staff, window_id=windows[0].id)
    assert called.id == booked.id
    out = presenters.ticket_out(db_session=db_session, clock=clock, ticket=booked)
    assert out.status == "called" and out.window == 1 and out.waiting_ahead is None


@pytest.mark.req("APPT-04")
def test_a_booked_person_arriving_after_their_slot_loses_the_priority(db_session, clock, hall_setup, item, actor):
    hall, group, _ = hall_setup
    row = _book_for_today(db_session, clock, hall, item, actor)
    walker = _person_actor(db_session, clock)[1]
    clock.advance(minutes=30)  # 09:20
    first = queue.online(db_session=db_session, clock=clock, actor=walker, hall=hall, group_id=group.id)
    clock.advance(minutes=20)  # 09:40: the 09:00–09:30 slot is over
    late = queue.for_booking(db_session=db_session, clock=clock, appointment=row)
    assert queue.ahead_of(db_session=db_session, clock=clock, ticket=late) == 1
    assert queue.ahead_of(db_session=db_session, clock=clock, ticket=first) == 0


@pytest.mark.req("APPT-09")
def test_ticket_machine_finds_todays_booking_by_id_number_and_prints_the_same_ticket_again(db_session, clock, hall_setup, item):
    hall, group, _ = hall_setup
    person, actor = _person_actor(db_session, clock)
    number = person.id_number
    row = _book_for_today(db_session, clock, hall, item, actor)
    ticket = queue.kiosk_ticket(db_session=db_session, clock=clock, hall=hall, id_kind="resident_id", id_number=number.lower())
    assert ticket.appointment_id == row.id and ticket.number == "A001" and ticket.source == "booking"
    again = queue.kiosk_ticket(db_session=db_session, clock=clock, hall=hall, id_kind="resident_id", id_number=number)
    assert again.id == ticket.id
    stranger, _ = _person_actor(db_session, clock)
    with pytest.raises(NotFound) as err:
        queue.kiosk_ticket(db_session=db_session, clock=clock, hall=hall, id_kind="resident_id", id_number=stranger.id_number)
    assert err.value.code == "NO_BOOKING_TODAY"
    with pytest.raises(InvalidInput) as err:
        queue.kiosk_ticket(db_session=db_session, clock=clock, hall=hall, id_kind="resident_id", id_number="123")
    assert err.value.code == "ID_NUMBER_INVALID"


@pytest.mark.req("APPT-09")
def test_ticket_machine_tells_a_person_who_comes_on_the_wrong_day(db_session, clock, hall_setup, item, actor, person):
    hall, _, _ = hall_setup
    slots.open_slots(db_session=db_session, clock=clock, hall=hall)
    slot = slots.list_slots(db_session=db_session, clock=clock, hall=hall)[0]
    bookings.book(db_session=db_session, clock=clock, actor=actor, slot_id=slot.id, item_id=item.id)
    with pytest.raises(NotFound) as err:
        queue.kiosk_ticket(db_session=db_session, clock=clock, hall=hall, id_kind="resident_id", id_number=person.id_number)
    assert err.value.code == "NOT_BOOKING_DAY" and f"{slot.day.month}月{slot.day.day}日" in err.value.message


@pytest.mark.req("APPT-08")
def test_green_channel_needs_no_booking_and_is_called_first(db_session, clock, item, window_staff):
    hall, group, windows = make_hall(db_session, clock, items=[item], booking_required=True)
    first = queue.walk_in(db_session=db_session, clock=clock, hall=hall, group_id=group.id)
    assert first.number == "A001"  # a group that asks for booking still serves walk-ins
    open_group = halls.save_group(db_session=db_session, clock=clock, actor=None, hall=hall,
                                  group_in=GroupIn(name="综合受理", ticket_prefix="B", item_ids=[item.id]))
    walk = queue.walk_in(db_session=db_session, clock=clock, hall=hall, group_id=open_group.id)
    assert walk.number == "B001"
    green = queue.green_channel(db_session=db_session, clock=clock, actor=window_staff, hall=hall, group_id=group.id,
                                reason="elderly", phone="13700001111")
    assert green.source == "green_channel" and green.number == "A002"
    assert [t.id for t in queue.waiting(db_session=db_session, clock=clock, group_ids=[group.id])] == [green.id, first.id]
    clock.advance(minutes=1)
    halls.save_window(db_session=db_session, clock=clock, actor=None, hall=hall, window_in=WindowIn(number=5, group_id=open_group.id))
    later = queue.walk_in(db_session=db_session, clock=clock, hall=hall, group_id=open_group.id)
    green2 = queue.green_channel(db_session=db_session, clock=clock, actor=window_staff, hall=hall, group_id=open_group.id, reason="disabled")
    assert [t.id for t in queue.waiting(db_session=db_session, clock=clock, group_ids=[open_group.id])] == [green2.id, walk.id, later.id]
    with pytest.raises(InvalidInput):
        queue.green_channel(db_session=db_session, clock=clock, actor=window_staff, hall=hall, group_id=group.id, reason="vip")
    citizen_staff, _ = make_actor(db_session, clock, role="catalog_reviewer", region_code="511602")
    with pytest.raises(Forbidden):
        queue.green_channel(db_session=db_session, clock=clock, actor=citizen_staff, hall=hall, group_id=group.id, reason="elderly")


@pytest.mark.req("APPT-11")
def test_calling_tells_waiting_count_and_window_by_message_and_idle_windows_help_busy_groups(db_session, clock, item, window_staff):
    hall, group_a, windows = make_hall(db_session, clock, items=[item], windows=1)
    group_b = halls.save_group(db_session=db_session, clock=clock, actor=None, hall=hall,
                               group_in=GroupIn(name="社保医保", ticket_prefix="B", item_ids=[]))
    helper = halls.save_window(db_session=db_session, clock=clock, actor=None, hall=hall,
                               window_in=WindowIn(number=2, group_id=group_b.id, helps=[group_a.id]))
    holders = [_person_actor(db_session, clock)[1] for _ in range(5)]
    tickets = []
    for h in holders:
        tickets.append(queue.online(db_session=db_session, clock=clock, actor=h, hall=hall, group_id=group_a.id))
        clock.advance(seconds=30)
    first_notice = [d for d in deliveries_for(db_session=db_session, person_id=holders[3].person_id) if d.kind == "queue_ticket"]
    assert first_notice and "前面还有3人" in first_notice[0].body and "1号窗口" in first_notice[0].body
    one = calling.call_next(db_session=db_session, clock=clock, actor=window_staff, window_id=windows[0].id)
    with pytest.raises(Conflict) as err:
        calling.call_next(db_session=db_session, clock=clock, actor=window_staff, window_id=windows[0].id)
    assert err.value.code == "WINDOW_BUSY"
    two = calling.call_next(db_session=db_session, clock=clock, actor=window_staff, window_id=helper.id)  # B is empty: helps A
    assert (one.id, two.id) == (tickets[0].id, tickets[1].id) and two.window_id == helper.id
    called = [d for d in deliveries_for(db_session=db_session, person_id=holders[1].person_id) if d.kind == "queue_called"]
    assert {d.channel for d in called} == {"inbox", "sms"} and "2号窗口" in called[0].body
    near = [d for d in deliveries_for(db_session=db_session, person_id=holders[4].person_id) if d.kind == "queue_near"]
    assert near and "前面还有2人" in near[0].body  # hall.near_notice = 3
    calling.finish(db_session=db_session, clock=clock, actor=window_staff, ticket_id=one.id, outcome="handled")
    assert calling.handled_today(db_session=db_session, clock=clock, hall_id=hall.id) == {windows[0].id: 1}
    screen = presenters.queue_out(db_session=db_session, clock=clock, hall=hall)
    assert screen.waiting == 3 and {c["ticket"]: c["window"] for c in screen.recent_calls} == {"A001": 1, "A002": 2}


@pytest.mark.req("APPT-11")
def test_window_staff_of_another_agency_cannot_call_at_this_window(db_session, clock, item):
    agency = make_agency(db_session, region_code="511602", level="county")
    hall, group, _ = make_hall(db_session, clock, items=[item], windows=0)
    window = halls.save_window(db_session=db_session, clock=clock, actor=None, hall=hall,
                               window_in=WindowIn(number=1, group_id=group.id, agency_id=agency.id))
    other = make_agency(db_session, region_code="511602", level="county")
    stranger, _ = make_actor(db_session, clock, role="acceptor", agency=other)
    with pytest.raises(Forbidden):
        calling.call_next(db_session=db_session, clock=clock, actor=stranger, window_id=window.id)
    mine, _ = make_actor(db_session, clock, role="acceptor", agency=agency)
    assert calling.call_next(db_session=db_session, clock=clock, actor=mine, window_id=window.id) is None


@pytest.mark.req("APPT-06")
def test_a_booked_ticket_marked_no_show_counts_and_a_recall_handled_undoes_it(db_session, clock, hall_setup, item, actor, window_staff):
    hall, group, windows = hall_setup
    row = _book_for_today(db_session, clock, hall, item, actor)
    ticket = queue.for_booking(db_session=db_session, clock=clock, appointment=row)
    calling.call_next(db_session=db_session, clock=clock, actor=window_staff, window_id=windows[0].id)
    calling.finish(db_session=db_session, clock=clock, actor=window_staff, ticket_id=ticket.id, outcome="no_show")
    assert row.status == "no_show"
    calling.recall(db_session=db_session, clock=clock, actor=window_staff, ticket_id=ticket.id)
    calling.finish(db_session=db_session, clock=clock, actor=window_staff, ticket_id=ticket.id, outcome="handled")
    assert row.status == "handled"


@pytest.mark.req("CASE-21")
@pytest.mark.req("APPT-04")
def test_nobody_is_forced_to_book_a_walk_in_always_gets_a_ticket_and_booked_people_go_first_in_their_slot(
        db_session, clock, item, actor, window_staff):
    """004 基本要求: 不得强制要求其先到线上预约. The group asks people to book; walk-ins are served all the same."""
    hall, group, windows = make_hall(db_session, clock, items=[item], booking_required=True, avg_minutes=20)
    row = _book_for_today(db_session, clock, hall, item, actor)  # the 09:00 slot, clock at 08:50
    walk = queue.walk_in(db_session=db_session, clock=clock, hall=hall, group_id=group.id, phone="13700001111")
    online = queue.online(db_session=db_session, clock=clock, actor=_person_actor(db_session, clock)[1], hall=hall, group_id=group.id)
    assert (walk.source, online.source) == ("walk_in", "online") and (walk.number, online.number) == ("A001", "A002")
    out = presenters.ticket_out(db_session=db_session, clock=clock, ticket=online)
    assert out.waiting_ahead == 1 and out.expected_wait_minutes == 10  # 1 ahead × 20 minutes ÷ 2 windows
    clock.advance(minutes=12)  # 09:02: the booked person's slot has begun
    booked = queue.for_booking(db_session=db_session, clock=clock, appointment=row)
    assert [t.id for t in queue.waiting(db_session=db_session, clock=clock, group_ids=[group.id])] == [booked.id, walk.id, online.id]
    assert calling.call_next(db_session=db_session, clock=clock, actor=window_staff, window_id=windows[0].id).id == booked.id
    assert calling.call_next(db_session=db_session, clock=clock, actor=window_staff, window_id=windows[1].id).id == walk.id
    shown = presenters.hall_out(db_session=db_session, clock=clock, hall=hall).groups[0]
    assert shown.booking_required is True and shown.waiting == 1 and shown.expected_wait_minutes == 10


@pytest.mark.req("APPT-11")
def test_a_prefix_another_group_printed_today_cannot_be_taken_so_numbers_never_repeat(db_session, clock, item):
    hall, group_a, _ = make_hall(db_session, clock, items=[item])
    group_b = halls.save_group(db_session=db_session, clock=clock, actor=None, hall=hall,
                               group_in=GroupIn(name="社保医保", ticket_prefix="B", item_ids=[]))
    first = queue.walk_in(db_session=db_session, clock=clock, hall=hall, group_id=group_a.id)
    assert first.number == "A001"
    halls.save_group(db_session=db_session, clock=clock, actor=None, hall=hall,  # A becomes D mid-day: numbering goes on
                     group_in=GroupIn(name="综合窗口", ticket_prefix="D", item_ids=[item.id]), group_id=group_a.id)
    assert queue.walk_in(db_session=db_session, clock=clock, hall=hall, group_id=group_a.id).number == "D002"
    db_session.commit()
    with pytest.raises(Conflict) as err:  # B taking A now would print a second A001
        halls.save_group(db_session=db_session, clock=clock, actor=None, hall=hall,
                         group_in=GroupIn(name="社保医保", ticket_prefix="A", item_ids=[]), group_id=group_b.id)
    assert err.value.code == "TICKET_PREFIX_USED_TODAY" and "重号" in err.value.message
    db_session.rollback()
    halls.save_group(db_session=db_session, clock=clock, actor=None, hall=hall,  # its own old prefix back is harmless
                     group_in=GroupIn(name="综合窗口", ticket_prefix="A", item_ids=[item.id]), group_id=group_a.id)
    assert queue.walk_in(db_session=db_session, clock=clock, hall=hall, group_id=group_a.id).number == "A003"
    clock.advance(days=1)  # a new day numbers afresh: any free prefix may be taken
    halls.save_group(db_session=db_session, clock=clock, actor=None, hall=hall,
                     group_in=GroupIn(name="综合窗口", ticket_prefix="E", item_ids=[item.id]), group_id=group_a.id)
    halls.save_group(db_session=db_session, clock=clock, actor=None, hall=hall,
                     group_in=GroupIn(name="社保医保", ticket_prefix="A", item_ids=[]), group_id=group_b.id)
    assert queue.walk_in(db_session=db_session, clock=clock, hall=hall, group_id=group_b.id).number == "A001"
