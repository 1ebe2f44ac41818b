"""Staff book on a person's behalf, at the window or on the phone: the booking is the person's (their rules, their
confirmation), recorded as made by that member of staff and audited; staff of another department or region cannot
(issue 19 §7; APPT-01, APPT-07, APPT-10)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from tongban.accounts import sessions, staff as staff_actor
from tongban.accounts.access import PersonActor
from tongban.appointments import bookings, halls, slots, presenters
from tongban.appointments.models import Appointment
from tongban.appointments.schemas import GroupIn, WindowIn
from tongban.core.models import AuditEntry
from tongban.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from tongban.notify.service import deliveries_for
from tests.appointments.test_bookings import _run_jobs
from tests.factories import make_actor, make_agency, make_hall, make_staff


def _first_slot(db_session, clock, hall):
    slots.open_slots(db_session=db_session, clock=clock, hall=hall)
    return slots.list_slots(db_session=db_session, clock=clock, hall=hall)[0]


@pytest.mark.req("APPT-01")
@pytest.mark.req("APPT-10")
def test_window_staff_book_for_a_person_who_is_told_as_for_their_own_booking(db_session, clock, hall_setup, item, person, actor, sms):
    hall, _, _ = hall_setup
    slot = _first_slot(db_session, clock, hall)
    staff, _ = make_actor(db_session, clock, role="consultant", region_code="511602")
    row = bookings.book_for(db_session=db_session, clock=clock, actor=staff, id_kind="resident_id", id_number=person.id_number.lower(),
                            slot_id=slot.id, item_id=item.id, channel="phone")
    db_session.commit()
    assert (row.person_id, row.channel, row.booked_by, row.status) == (person.id, "phone", staff.ref, "booked")
    entry = db_session.scalar(select(AuditEntry).where(AuditEntry.action == "appointment.book_for"))
    assert entry is not None and entry.actor == staff.ref and str(entry.object_id) == str(row.id)
    mine = bookings.list_mine(db_session=db_session, actor=actor)
    assert [r.id for r in mine] == [row.id]  # the person sees it among their own bookings, and may cancel it
    out = presenters.appointment_out(db_session=db_session, clock=clock, row=row)
    assert out.booked_by_staff and out.channel == "phone" and out.may_cancel
    _run_jobs(clock, sms)
    db_session.expire_all()
    sent = [d for d in deliveries_for(db_session=db_session, person_id=person.id) if d.kind == "appointment_booked"]
    assert {d.channel for d in sent} == {"inbox", "sms"} and all(row.number in d.body and "工作人员" in d.body for d in sent)

    with pytest.raises(Conflict) as err:  # the person's own rules hold
        bookings.book_for(db_session=db_session, clock=clock, actor=staff, id_kind="resident_id", id_number=person.id_number,
                          slot_id=slot.id, item_id=item.id, channel="window")
    assert err.value.code == "DUPLICATE_BOOKING"
    db_session.rollback()
    with pytest.raises(NotFound) as err:
        bookings.book_for(db_session=db_session, clock=clock, actor=staff, id_kind="resident_id", id_number="11010519491231002X",
                          slot_id=slot.id, item_id=item.id, channel="window")
    assert err.value.code == "PERSON_NOT_FOUND"
    for bad in ({"id_number": "123"}, {"channel": "email"}):
        with pytest.raises(InvalidInput):
            bookings.book_for(db_session=db_session, clock=clock, actor=staff, **{"id_kind": "resident_id", "id_number": person.id_number,
                                                                                  "slot_id": slot.id, "item_id": item.id,
                                                                                  "channel": "window", **bad})


@pytest.mark.req("APPT-01")
def test_only_staff_serving_the_slots_group_book_for_a_person(db_session, clock, item, person):
    managing, civil = make_agency(db_session, region_code="511602", level="county"), make_agency(db_session, region_code="511602", level="county")
    hall, group, _ = make_hall(db_session, clock, items=[item], windows=0, agency_id=managing.id)
    halls.save_window(db_session=db_session, clock=clock, actor=None, hall=hall, window_in=WindowIn(number=1, group_id=group.id))
    marriage = halls.save_group(db_session=db_session, clock=clock, actor=None, hall=hall,
                                group_in=GroupIn(name="婚姻登记", ticket_prefix="C", item_ids=[]))
    halls.save_window(db_session=db_session, clock=clock, actor=None, hall=hall,
                      window_in=WindowIn(number=9, group_id=marriage.id, agency_id=civil.id))
    slot = _first_slot(db_session, clock, hall)
    for outsider in (make_actor(db_session, clock, role="acceptor", agency=civil)[0],  # another department at this hall
                     make_actor(db_session, clock, role="consultant", region_code="511621")[0],  # another county
                     make_actor(db_session, clock, role="catalog_reviewer", region_code="511602")[0]):  # no hall duties
        with pytest.raises(Forbidden):
            bookings.book_for(db_session=db_session, clock=clock, actor=outsider, id_kind="resident_id", id_number=person.id_number,
                              slot_id=slot.id, item_id=item.id, channel="window")
    assert db_session.scalar(select(Appointment.id)) is None
    own = make_actor(db_session, clock, role="acceptor", agency=managing)[0]
    assert bookings.book_for(db_session=db_session, clock=clock, actor=own, id_kind="resident_id", id_number=person.id_number,
                             slot_id=slot.id, item_id=item.id, channel="window").booked_by == own.ref


@pytest.mark.req("APPT-01")
def test_staff_book_for_a_person_on_the_page_and_over_the_api(client, db_session, clock, hall_setup, item, person):
    hall, _, _ = hall_setup
    slots.open_slots(db_session=db_session, clock=clock, hall=hall)
    slot_ids = [s.id for s in slots.list_slots(db_session=db_session, clock=clock, hall=hall)[:2]]
    staff, token = make_actor(db_session, clock, role="consultant", region_code="511602")
    db_session.commit()
    headers = {"Authorization": f"Bearer {token}"}
    body = {"id_kind": "resident_id", "id_number": person.id_number, "slot_id": slot_ids[0], "item_id": item.id, "channel": "phone"}
    made = client.post("/api/v1/staff/appointments", json=body, headers=headers)
    assert made.status_code == 201 and made.json()["name"] == "王小明" and made.json()["booked_by_staff"] is True
    again = client.post("/api/v1/staff/appointments", json=body, headers=headers)
    assert again.status_code == 409 and again.json()["error"]["code"] == "DUPLICATE_BOOKING"
    assert client.post("/api/v1/staff/appointments", json={**body, "channel": "fax"}, headers=headers).status_code == 422
    assert client.post("/api/v1/staff/appointments", json=body).status_code == 401

    account, _ = make_staff(db_session, clock, roles=["consultant"], region_code="511602")
    signed = sessions.open_session(db_session=db_session, clock=clock, subject_kind="staff", subject_id=account.id)
    db_session.commit()
    client.cookies.update({"tb_staff": signed.token, "tb_csrf": signed.csrf_token})
    assert 'href="/staff/halls/{}/book-for"'.format(hall.id) in client.get(f"/staff/halls/{hall.id}/calling").text
    page = client.get(f"/staff/halls/{hall.id}/book-for")
    assert page.status_code == 200 and f'value="{slot_ids[1]}"' in page.text and item.name in page.text
    wrong = client.post(f"/staff/halls/{hall.id}/book-for", data={"csrf": signed.csrf_token, "id_number": "123", "slot_id": slot_ids[1],
                                                                 "item_id": item.id, "channel": "window"})
    assert wrong.status_code == 422 and "证件号码不正确" in wrong.text
    booked = client.post(f"/staff/halls/{hall.id}/book-for", data={"csrf": signed.csrf_token, "id_number": person.id_number,
                                                                  "slot_id": slot_ids[1], "item_id": item.id, "channel": "window"})
    assert booked.status_code == 409 and "您已预约过该事项" in booked.text  # one active booking per item: the API's booking stands
    db_session.expire_all()
    row = db_session.scalar(select(Appointment).where(Appointment.person_id == person.id))
    assert row.channel == "phone" and row.booked_by == staff.ref
    bookings.cancel(db_session=db_session, clock=clock, actor=PersonActor(person.id, person.name, person.id_kind), appointment_id=row.id)
    db_session.commit()
    done = client.post(f"/staff/halls/{hall.id}/book-for", data={"csrf": signed.csrf_token, "id_number": person.id_number,
                                                                "slot_id": slot_ids[1], "item_id": item.id, "channel": "window"},
                       follow_redirects=False)
    assert done.status_code == 303
    shown = client.get(done.headers["location"])
    number = re.search(r"预约号 (Y\d+)", shown.text).group(1)
    latest = db_session.scalar(select(Appointment).where(Appointment.id == int(number[-6:])))
    assert "已代为预约" in shown.text and latest.channel == "window" and latest.booked_by == staff_actor.actor_for(account).ref
