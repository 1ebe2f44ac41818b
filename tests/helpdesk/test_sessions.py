"""Video and voice help booked in working hours on a hall's remote help desk, held by staff, then the rating hook
(CONS-12): through the service, the person's page and API (twins) and the staff queue."""

from __future__ import annotations

import re
from datetime import datetime, timezone

import pytest
from sqlalchemy import func, select

from tests.factories import make_hall
from tests.signin import auth, sign_in_person, sign_in_staff
from tongban.accounts.access import PersonActor
from tongban.appointments import slots as hall_slots
from tongban.appointments.models import Appointment
from tongban.core.errors import Conflict, DomainError, InvalidInput
from tongban.helpdesk import closing, directory, handling, hooks, service, sessions
from tongban.helpdesk.models import HelpSession

CHINESE = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture
def remote_desk(db_session, clock, desk):
    """A hall whose ordinary group (with Saturday and extended sessions) and remote help group both handle the item."""
    hall, counter, _ = make_hall(db_session, clock, items=[desk.item], saturday=True, extended=True)
    hall2, group, _ = make_hall(db_session, clock, items=[desk.item], saturday=True, extended=True, windows=1)
    group.remote_help = True
    hall_slots.rebuild(db_session=db_session, clock=clock, hall=hall2)
    hall_slots.open_slots(db_session=db_session, clock=clock, hall=hall)
    db_session.commit()
    return {"hall": hall2, "group": group, "counter": counter, "counter_hall": hall}


@pytest.fixture
def heard():
    calls = []

    def callback(**kwargs):
        calls.append(kwargs)

    hooks.register_after_service(callback)
    yield calls
    hooks.unregister_after_service(callback)


def _me(desk) -> PersonActor:
    return PersonActor(desk.person.id, desk.person.name, "resident_id")


def _ticket(db_session, clock, desk):
    ticket = service.open_ticket(db_session=db_session, clock=clock, person=_me(desk), ticket_in=service.TicketIn(
        question="不会在网上填开饭馆的申请，想请人视频指导", item_id=desk.item.id))
    db_session.commit()
    return ticket


def _slot_ids(db_session, clock, ticket) -> list:
    return [s for option in sessions.options(db_session=db_session, clock=clock, ticket=ticket) for s in option.slots]


@pytest.mark.req("CONS-12")
def test_only_working_hours_on_working_days_are_offered(db_session, clock, desk, remote_desk):
    ticket = _ticket(db_session, clock, desk)
    offered = _slot_ids(db_session, clock, ticket)
    assert offered and {s.day.isoformat() for s in offered} == {"2026-11-23", "2026-11-24", "2026-11-25", "2026-11-26",
                                                                 "2026-11-27"}
    assert max(s.end_minute for s in offered) <= 1050  # no 延时 session
    # the hall's ordinary windows open on Saturday and in extended hours: the working-day calendar, not the hall, decides
    counter = hall_slots.list_slots(db_session=db_session, clock=clock, hall=remote_desk["counter_hall"])
    assert any(s.day.weekday() == 5 for s in counter) and any(s.end_minute > 1050 for s in counter)
    ordinary = next(s for s in counter if s.day.weekday() == 5)
    with pytest.raises(InvalidInput) as err:
        sessions.book(db_session=db_session, clock=clock, person=_me(desk), ticket=ticket, slot_id=ordinary.id,
                      mode="video", contact_note="13912345678")
    assert err.value.code == "NOT_REMOTE_DESK"


@pytest.mark.req("CONS-12")
@pytest.mark.parametrize("through", ["page", "api"])
def test_book_hold_and_the_rating_hook_twin(client, db_session, clock, desk, remote_desk, heard, through):
    ticket = _ticket(db_session, clock, desk)
    csrf = sign_in_person(client, db_session, clock, desk.person)
    if through == "page":
        form = client.get(f"/help/tickets/{ticket.number}/session")
        assert form.status_code == 200
        slot_id = re.search(r'name="slot_id" value="(\d+)"', form.text).group(1)
        bad = client.post(f"/help/tickets/{ticket.number}/sessions",
                          data={"csrf": csrf, "slot_id": slot_id, "mode": "fax", "contact_note": "13912345678"})
        assert 400 <= bad.status_code < 500 and 'id="help-error"' in bad.text
        made = client.post(f"/help/tickets/{ticket.number}/sessions", follow_redirects=False,
                           data={"csrf": csrf, "slot_id": slot_id, "mode": "voice", "contact_note": "13912345678"})
        assert made.status_code == 303
        assert "语音帮办" in client.get(f"/help/tickets/{ticket.number}").text
    else:
        desks = client.get(f"/api/v1/help/tickets/{ticket.number}/session-slots").json()["items"]
        slot_id = desks[0]["slots"][0]["id"]
        bad = client.post(f"/api/v1/help/tickets/{ticket.number}/sessions",
                          json={"slot_id": slot_id, "mode": "fax", "contact_note": "13912345678"})
        assert 400 <= bad.status_code < 500 and CHINESE.search(bad.json()["error"]["message"])
        made = client.post(f"/api/v1/help/tickets/{ticket.number}/sessions",
                           json={"slot_id": slot_id, "mode": "voice", "contact_note": "13912345678"})
        assert made.status_code == 201 and made.json()["sessions"][0]["mode"] == "voice"
    session = db_session.scalars(select(HelpSession)).one()
    raw = db_session.connection().exec_driver_sql("SELECT contact_note FROM help_session").scalar_one()
    assert "13912345678" not in raw
    appointment = db_session.get(Appointment, session.appointment_id)
    assert appointment.status == "booked" and appointment.channel == "remote" and appointment.item_id == desk.item.id
    # staff see it in their queue, and record it as held once its time has come
    listed = client.get("/api/v1/staff/help/sessions", headers=auth(desk.agent_token)).json()["items"]
    assert [s["ticket_number"] for s in listed] == [ticket.number]
    assert client.get("/api/v1/staff/help/sessions", headers=auth(desk.police_token)).json()["items"] == []
    early = client.post(f"/api/v1/staff/help/sessions/{session.id}/held", json={}, headers=auth(desk.agent_token))
    assert early.status_code == 409 and heard == []
    clock.set(datetime.combine(session.day, datetime.min.time(), tzinfo=timezone.utc).replace(hour=6))  # 14:00 there
    if through == "page":
        staff_csrf = sign_in_staff(client, db_session, clock, desk.agent.staff_id)
        assert ticket.number in client.get("/staff/help").text
        held = client.post(f"/staff/help/sessions/{session.id}/held", follow_redirects=False,
                           data={"csrf": staff_csrf, "ticket": str(ticket.id), "note": "已指导填写申请表"})
        assert held.status_code == 303
    else:
        held = client.post(f"/api/v1/staff/help/sessions/{session.id}/held", json={"note": "已指导填写申请表"},
                           headers=auth(desk.agent_token))
        assert held.status_code == 200 and held.json()["owner_name"]
    db_session.expire_all()
    assert db_session.get(HelpSession, session.id).state == "held"
    assert db_session.get(Appointment, session.appointment_id).status == "handled"
    assert heard == [{"db_session": heard[0]["db_session"], "clock": heard[0]["clock"], "subject_kind": "help_session",
                      "subject_id": session.id, "person_id": desk.person.id, "agency_id": desk.market.id,
                      "staff_id": desk.agent.staff_id}]


@pytest.mark.req("CONS-12")
def test_cancel_refusals_and_the_ticket_closing_hook(db_session, clock, desk, remote_desk, heard):
    ticket = _ticket(db_session, clock, desk)
    slot = _slot_ids(db_session, clock, ticket)[0]
    for mode, note in (("fax", "13912345678"), ("video", ""), ("video", "<script>x</script>")):
        with pytest.raises(InvalidInput):
            sessions.book(db_session=db_session, clock=clock, person=_me(desk), ticket=ticket, slot_id=slot.id,
                          mode=mode, contact_note=note)
    assert db_session.scalar(select(func.count()).select_from(HelpSession)) == 0
    made = sessions.book(db_session=db_session, clock=clock, person=_me(desk), ticket=ticket, slot_id=slot.id,
                         mode="video", contact_note="腾讯会议 123 456 789")
    with pytest.raises(Conflict):
        sessions.book(db_session=db_session, clock=clock, person=_me(desk), ticket=ticket, slot_id=slot.id,
                      mode="video", contact_note="13912345678")
    sessions.cancel(db_session=db_session, clock=clock, person=_me(desk), ticket=ticket, session_id=made.id)
    assert made.state == "cancelled" and db_session.get(Appointment, made.appointment_id).status == "cancelled"
    handling.take(db_session=db_session, clock=clock, actor=desk.agent, ticket_id=ticket.id)
    handling.reply(db_session=db_session, clock=clock, actor=desk.agent, ticket_id=ticket.id, body="已答复")
    closing.close(db_session=db_session, clock=clock, actor=desk.agent, ticket_id=ticket.id, outcome="got_result")
    assert [(h["subject_kind"], h["subject_id"], h["staff_id"]) for h in heard] == [
        ("help_ticket", ticket.id, desk.agent.staff_id)]


@pytest.mark.req("CONS-14")
def test_the_published_service_list_names_video_and_voice_help_where_a_hall_offers_it(client, remote_desk):
    places = {p["id"]: p for p in client.get("/api/v1/help/services").json()["items"] if p["kind"] == "hall"}
    assert directory.REMOTE in places[remote_desk["hall"].id]["channels"]
    assert directory.REMOTE not in places[remote_desk["counter_hall"].id]["channels"]
    assert directory.REMOTE in client.get("/help/services").text


@pytest.mark.req("CONS-12")
def test_a_remote_help_desk_is_not_offered_as_a_hall_visit(db_session, clock, desk, remote_desk):
    from tongban.appointments import halls, presenters

    visits = halls.halls_for_item(db_session=db_session, item_id=desk.item.id)
    assert [g.id for _, g in visits] == [remote_desk["counter"].id]
    shown = presenters.hall_out(db_session=db_session, clock=clock, hall=remote_desk["hall"])
    assert shown.groups == [] and shown.items == []


@pytest.mark.req("CONS-12")
def test_a_remote_help_slot_is_no_hall_visit_and_its_desk_gives_no_hall_ticket(db_session, clock, desk, remote_desk):
    """The appointments' own booking (page and API) cannot take a remote help seat as a hall visit, and no ticket
    machine, online ticket or green channel issues a hall ticket for the remote desk."""
    from tongban.appointments import bookings, queue

    ticket = _ticket(db_session, clock, desk)
    slot = _slot_ids(db_session, clock, ticket)[0]
    with pytest.raises(InvalidInput) as refused:
        bookings.book(db_session=db_session, clock=clock, actor=_me(desk), slot_id=slot.id, item_id=desk.item.id)
    assert refused.value.code == "REMOTE_HELP_SLOT" and CHINESE.search(refused.value.message)
    db_session.rollback()
    assert db_session.scalar(select(func.count(Appointment.id))) == 0
    with pytest.raises(InvalidInput) as no_ticket:
        queue.walk_in(db_session=db_session, clock=clock, hall=remote_desk["hall"], group_id=remote_desk["group"].id)
    assert no_ticket.value.code == "REMOTE_HELP_NO_TICKET"
    with pytest.raises(InvalidInput):
        queue.online(db_session=db_session, clock=clock, actor=_me(desk), hall=remote_desk["hall"],
                     group_id=remote_desk["group"].id)


@pytest.mark.req("RATE-01")
@pytest.mark.req("CONS-12")
def test_a_held_video_help_session_is_rated_once_by_the_person_served(db_session, clock, desk, remote_desk):
    """CONS-12 'rated after': the session can be rated only once it was held, only by its person, and only once."""
    from tongban.ratings import service as ratings
    from tongban.ratings.models import Rating

    ticket = _ticket(db_session, clock, desk)
    slot = _slot_ids(db_session, clock, ticket)[0]
    made = sessions.book(db_session=db_session, clock=clock, person=_me(desk), ticket=ticket, slot_id=slot.id,
                         mode="video", contact_note="腾讯会议 123 456 789")
    db_session.commit()
    good = ratings.RatingIn(level=1, dimensions=[], comment="视频里一步步教我填好了")
    with pytest.raises(DomainError):  # not held yet: nothing to rate
        ratings.rate(db_session=db_session, clock=clock, person=_me(desk), kind="help_session", subject_id=made.id,
                     rating_in=good)
    db_session.rollback()
    clock.set(datetime.combine(made.day, datetime.min.time(), tzinfo=timezone.utc).replace(hour=6))  # 14:00 there
    sessions.record_held(db_session=db_session, clock=clock, actor=desk.agent, session_id=made.id, note="已指导")
    db_session.commit()
    from tests.factories import make_person

    other = make_person(db_session, clock, name="赵六")
    db_session.commit()
    stranger = PersonActor(other.id, other.name, "resident_id")
    with pytest.raises(DomainError):  # only the person served rates
        ratings.rate(db_session=db_session, clock=clock, person=stranger, kind="help_session", subject_id=made.id,
                     rating_in=good)
    db_session.rollback()
    rating = ratings.rate(db_session=db_session, clock=clock, person=_me(desk), kind="help_session",
                          subject_id=made.id, rating_in=good)
    db_session.commit()
    assert (rating.subject_kind, rating.subject_id, rating.agency_id) == ("help_session", made.id, desk.market.id)
    with pytest.raises(Conflict):
        ratings.rate(db_session=db_session, clock=clock, person=_me(desk), kind="help_session", subject_id=made.id,
                     rating_in=good)
    db_session.rollback()
    assert db_session.scalar(select(func.count(Rating.id))) == 1
