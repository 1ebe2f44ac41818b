"""Booking: success at once with the confirmation, cancel in advance, per-person limits and duplicates, suspension
after no-shows with force majeure excepted, refusal with reason (APPT-01, APPT-05, APPT-06, APPT-07, APPT-10)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tongban.accounts.access import PersonActor
from tongban.appointments import bookings, calling, queue, slots, presenters
from tongban.appointments.enums import AppointmentStatus
from tongban.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from tongban.notify.service import deliveries_for
from tests.factories import make_actor, make_item, make_person


def _run_jobs(clock, sms) -> None:
    import tongban.appointments.jobs  # noqa: F401  (registers the confirmation handler)
    from tongban.core import db as core_db
    from tongban.notify import outbox

    while outbox.run_once(session_factory=core_db.session_factory(), clock=clock, worker_id="test", deps={"sms_gateway": sms}):
        pass


def _booked(db_session, slot) -> int:
    db_session.refresh(slot)
    return slot.booked


def _slots(db_session, clock, hall):
    slots.open_slots(db_session=db_session, clock=clock, hall=hall)
    return slots.list_slots(db_session=db_session, clock=clock, hall=hall)


@pytest.mark.req("APPT-01")
@pytest.mark.req("APPT-10")
def test_booking_succeeds_at_once_with_number_name_time_place_item_conditions_and_materials(db_session, clock, hall_setup, item, actor, sms):
    hall, group, _ = hall_setup
    slot = _slots(db_session, clock, hall)[0]
    row = bookings.book(db_session=db_session, clock=clock, actor=actor, slot_id=slot.id, item_id=item.id)
    db_session.commit()
    assert row.status == AppointmentStatus.booked.value and row.number.startswith(f"Y{slot.day:%Y%m%d}")
    assert _booked(db_session, slot) == 1
    out = presenters.appointment_out(db_session=db_session, clock=clock, row=row)
    assert (out.name, out.hall_name, out.address, out.item_name) == ("王小明", hall.name, hall.address, "食品经营许可（新办）")
    assert out.time == "09:00–09:30" and out.day == slot.day
    assert out.conditions == ["具有与经营的食品品种、数量相适应的经营场所"]
    assert [m.name for m in out.materials] == ["食品经营许可申请书", "营业执照"]
    assert "复印件1份" in out.materials[1].detail
    assert deliveries_for(db_session=db_session, person_id=actor.person_id) == []  # the outbox sends it, after the commit
    _run_jobs(clock, sms)
    db_session.expire_all()
    sent = deliveries_for(db_session=db_session, person_id=actor.person_id)
    assert {d.channel for d in sent} == {"inbox", "sms"} and all(row.number in d.body for d in sent)
    assert all("预约" in d.title for d in sent) and all(d.status == "sent" for d in sent)
    assert row.number in sms.messages()[-1]["text"]


@pytest.mark.req("APPT-10")
def test_refusal_tells_the_reason(db_session, clock, hall_setup, item, actor):
    hall, _, _ = hall_setup
    slot = _slots(db_session, clock, hall)[0]
    row = bookings.book(db_session=db_session, clock=clock, actor=actor, slot_id=slot.id, item_id=item.id)
    staff, _ = make_actor(db_session, clock, role="consultant", region_code="511602")
    with pytest.raises(InvalidInput) as err:
        bookings.refuse(db_session=db_session, clock=clock, actor=staff, appointment_id=row.id, reason=" ")
    assert err.value.code == "REASON_REQUIRED"
    bookings.refuse(db_session=db_session, clock=clock, actor=staff, appointment_id=row.id, reason="该时段窗口设备检修")
    assert row.status == "refused" and _booked(db_session, slot) == 0
    refused = [d for d in deliveries_for(db_session=db_session, person_id=actor.person_id) if d.kind == "appointment_refused"]
    assert refused and "该时段窗口设备检修" in refused[0].body
    outsider, _ = make_actor(db_session, clock, role="consultant", region_code="510100")
    with pytest.raises(Forbidden):
        bookings.refuse(db_session=db_session, clock=clock, actor=outsider, appointment_id=row.id, reason="x")


@pytest.mark.req("APPT-01")
def test_a_full_slot_and_a_slot_outside_the_week_are_refused_with_stable_codes(db_session, clock, hall_setup, item):
    hall, _, _ = hall_setup
    slot = _slots(db_session, clock, hall)[0]
    people = [make_person(db_session, clock) for _ in range(3)]
    for p in people[:2]:
        bookings.book(db_session=db_session, clock=clock, actor=PersonActor(p.id, p.name, p.id_kind), slot_id=slot.id, item_id=item.id)
    with pytest.raises(Conflict) as err:
        bookings.book(db_session=db_session, clock=clock, actor=PersonActor(people[2].id, "c", "resident_id"), slot_id=slot.id, item_id=item.id)
    assert err.value.code == "SLOT_FULL"
    clock.advance(days=10)
    with pytest.raises(InvalidInput) as err:
        bookings.book(db_session=db_session, clock=clock, actor=PersonActor(people[2].id, "c", "resident_id"), slot_id=slot.id, item_id=item.id)
    assert err.value.code == "OUTSIDE_BOOKING_WINDOW"


@pytest.mark.req("APPT-05")
def test_cancel_in_advance_frees_the_seat_but_not_once_the_slot_has_begun(db_session, clock, hall_setup, item, actor):
    hall, _, _ = hall_setup
    first, second = _slots(db_session, clock, hall)[:2]
    row = bookings.book(db_session=db_session, clock=clock, actor=actor, slot_id=first.id, item_id=item.id)
    bookings.cancel(db_session=db_session, clock=clock, actor=actor, appointment_id=row.id)
    assert row.status == "cancelled" and _booked(db_session, first) == 0
    with pytest.raises(Conflict) as err:
        bookings.cancel(db_session=db_session, clock=clock, actor=actor, appointment_id=row.id)
    assert err.value.code == "NOT_CANCELLABLE"
    again = bookings.book(db_session=db_session, clock=clock, actor=actor, slot_id=second.id, item_id=item.id)
    days = (second.day - clock.today()).days
    clock.advance(days=days, hours=1, minutes=1)  # 09:31 on the day: the 09:30 slot has begun
    with pytest.raises(Conflict) as err:
        bookings.cancel(db_session=db_session, clock=clock, actor=actor, appointment_id=again.id)
    assert err.value.code == "CANCEL_TOO_LATE"


@pytest.mark.req("APPT-05")
def test_nobody_cancels_another_persons_booking(db_session, clock, hall_setup, item, actor):
    hall, _, _ = hall_setup
    row = bookings.book(db_session=db_session, clock=clock, actor=actor, slot_id=_slots(db_session, clock, hall)[0].id, item_id=item.id)
    other = make_person(db_session, clock)
    with pytest.raises(NotFound):
        bookings.cancel(db_session=db_session, clock=clock, actor=PersonActor(other.id, other.name, other.id_kind), appointment_id=row.id)
    assert row.status == "booked"


@pytest.mark.req("APPT-07")
def test_same_item_twice_two_at_one_time_and_the_per_person_limit(db_session, clock, hall_setup, item, actor):
    hall, group, _ = hall_setup
    others = [make_item(db_session, clock, name=f"事项{i}") for i in range(3)]
    from tongban.appointments import halls
    from tongban.appointments.schemas import GroupIn

    halls.save_group(db_session=db_session, clock=clock, actor=None, hall=hall, group_id=group.id,
                     group_in=GroupIn(name=group.name, ticket_prefix="A", item_ids=[item.id] + [o.id for o in others]))
    rows = _slots(db_session, clock, hall)
    bookings.book(db_session=db_session, clock=clock, actor=actor, slot_id=rows[0].id, item_id=item.id)
    with pytest.raises(Conflict) as err:
        bookings.book(db_session=db_session, clock=clock, actor=actor, slot_id=rows[3].id, item_id=item.id)
    assert err.value.code == "DUPLICATE_BOOKING"
    with pytest.raises(Conflict) as err:
        bookings.book(db_session=db_session, clock=clock, actor=actor, slot_id=rows[0].id, item_id=others[0].id)
    assert err.value.code == "TIME_CONFLICT"
    bookings.book(db_session=db_session, clock=clock, actor=actor, slot_id=rows[1].id, item_id=others[0].id)
    bookings.book(db_session=db_session, clock=clock, actor=actor, slot_id=rows[2].id, item_id=others[1].id)
    with pytest.raises(Conflict) as err:
        bookings.book(db_session=db_session, clock=clock, actor=actor, slot_id=rows[4].id, item_id=others[2].id)
    assert err.value.code == "MAX_BOOKINGS_REACHED"
    assert "3" in err.value.message


def _no_show(db_session, clock, hall, item, actor, *, by_ticket: bool = False):
    """Book tomorrow-ish, then let the day pass: no ticket (or a ticket never handled) is a no-show."""
    slot = _slots(db_session, clock, hall)[0]
    row = bookings.book(db_session=db_session, clock=clock, actor=actor, slot_id=slot.id, item_id=item.id)
    clock.advance(days=(slot.day - clock.today()).days)
    if by_ticket:
        queue.for_booking(db_session=db_session, clock=clock, appointment=row)
    clock.advance(days=1)
    calling.close_day(db_session=db_session, clock=clock)
    assert row.status == "no_show"
    return row


@pytest.mark.req("APPT-06")
def test_more_than_three_no_shows_in_a_month_suspend_booking_and_force_majeure_does_not_count(db_session, clock, hall_setup, item, actor):
    hall, _, _ = hall_setup
    rows = [_no_show(db_session, clock, hall, item, actor, by_ticket=(i == 1)) for i in range(3)]
    assert bookings.suspended_until(db_session=db_session, clock=clock, person_id=actor.person_id) is None  # 3 is not more than 3
    fourth = _no_show(db_session, clock, hall, item, actor)
    until = bookings.suspended_until(db_session=db_session, clock=clock, person_id=actor.person_id)
    assert until == clock.today() + timedelta(days=hall.suspension_days)
    assert any(d.kind == "booking_suspended" for d in deliveries_for(db_session=db_session, person_id=actor.person_id))
    slots.open_slots(db_session=db_session, clock=clock, hall=hall)
    with pytest.raises(Forbidden) as err:
        bookings.book(db_session=db_session, clock=clock, actor=actor, slot_id=_slots(db_session, clock, hall)[0].id, item_id=item.id)
    assert err.value.code == "BOOKING_SUSPENDED"
    staff, _ = make_actor(db_session, clock, role="consultant", region_code="511602")
    bookings.force_majeure(db_session=db_session, clock=clock, actor=staff, appointment_id=fourth.id, reason="暴雨道路封闭")
    assert fourth.status == "excused"
    assert bookings.suspended_until(db_session=db_session, clock=clock, person_id=actor.person_id) is None
    assert bookings.book(db_session=db_session, clock=clock, actor=actor, slot_id=_slots(db_session, clock, hall)[0].id,
                         item_id=item.id).status == "booked"
    assert rows[0].status == "no_show"


@pytest.mark.req("APPT-06")
def test_no_shows_older_than_a_month_do_not_count_and_the_suspension_period_is_configurable(db_session, clock, hall_setup, item, actor):
    hall, _, _ = hall_setup
    hall.suspension_days = 7
    for _ in range(3):
        _no_show(db_session, clock, hall, item, actor)
    clock.advance(days=31)
    _no_show(db_session, clock, hall, item, actor)
    assert bookings.suspended_until(db_session=db_session, clock=clock, person_id=actor.person_id) is None
    for _ in range(3):
        _no_show(db_session, clock, hall, item, actor)
    assert bookings.suspended_until(db_session=db_session, clock=clock, person_id=actor.person_id) == clock.today() + timedelta(days=7)
