"""Filling together on a ticket (共同填报, CONS-08): the owner fills the item's form with the person and saves it as a
draft for the ticket's signed-in person, through the staff page and the staff API (twins); the person sees it."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from tests.signin import auth, sign_in_person, sign_in_staff
from tongban.accounts.access import PersonActor
from tongban.cases.models import ApplicationDraft
from tongban.helpdesk import handling, service
from tongban.notify.models import NotificationDelivery

STAFF_API = "/api/v1/staff/help/tickets"
CHINESE = re.compile(r"[\u4e00-\u9fff]")


def _ticket(db_session, clock, desk, *, signed_in: bool = True):
    person = PersonActor(desk.person.id, desk.person.name, "resident_id") if signed_in else None
    ticket = service.open_ticket(db_session=db_session, clock=clock, person=person, ticket_in=service.TicketIn(
        question="想开个小饭馆，申请表不会填", item_id=desk.item.id, contact_phone="" if signed_in else "13912345678"))
    handling.take(db_session=db_session, clock=clock, actor=desk.agent, ticket_id=ticket.id)
    db_session.commit()
    return ticket


def _drafts(db_session) -> int:
    return db_session.scalar(select(func.count()).select_from(ApplicationDraft))


@pytest.mark.req("CONS-08")
@pytest.mark.parametrize("through", ["page", "api"])
def test_the_owner_saves_a_draft_the_person_then_opens(client, db_session, clock, desk, through):
    ticket = _ticket(db_session, clock, desk)
    if through == "page":
        csrf = sign_in_staff(client, db_session, clock, desk.agent.staff_id)
        form = client.get(f"/staff/help/{ticket.id}/draft")
        assert form.status_code == 200 and 'name="f_address"' in form.text
        bad = client.post(f"/staff/help/{ticket.id}/draft", data={"csrf": csrf, "f_contact_phone": "12"})
        assert 400 <= bad.status_code < 500 and 'id="help-error"' in bad.text
        done = client.post(f"/staff/help/{ticket.id}/draft", data={"csrf": csrf, "f_address": "广安区建设路88号"},
                           follow_redirects=False)
        assert done.status_code == 303
    else:
        bad = client.post(f"{STAFF_API}/{ticket.id}/draft", json={"values": {"contact_phone": "12"}},
                          headers=auth(desk.agent_token))
        assert 400 <= bad.status_code < 500 and CHINESE.search(bad.json()["error"]["message"])
        done = client.post(f"{STAFF_API}/{ticket.id}/draft", json={"values": {"address": "广安区建设路88号"}},
                           headers=auth(desk.agent_token))
        assert done.status_code == 200 and done.json()["state"] == "guiding"
    draft = db_session.scalars(select(ApplicationDraft)).one()
    assert draft.person_id == desk.person.id and draft.ticket_number == ticket.number and draft.prepared_by_name
    message = db_session.scalars(select(NotificationDelivery)).all()
    assert any("工作人员已为您预填申请表" in (m.title + m.body) for m in message)
    sign_in_person(client, db_session, clock, desk.person)
    page = client.get(f"/help/tickets/{ticket.number}")
    assert f'href="/items/{desk.item.id}/apply?draft={draft.id}"' in page.text and "工作人员已为您预填申请表" in page.text
    apply = client.get(f"/items/{desk.item.id}/apply", params={"draft": draft.id})
    assert apply.status_code == 200 and 'value="广安区建设路88号"' in apply.text


@pytest.mark.req("CONS-08")
def test_no_draft_for_a_ticket_without_a_signed_in_person_or_by_someone_not_owning_it(client, db_session, clock, desk):
    anonymous = _ticket(db_session, clock, desk, signed_in=False)
    refused = client.post(f"{STAFF_API}/{anonymous.id}/draft", json={"values": {"address": "建设路"}},
                          headers=auth(desk.agent_token))
    assert refused.status_code == 422 and "登录" in refused.json()["error"]["message"]
    csrf = sign_in_staff(client, db_session, clock, desk.agent.staff_id)
    page = client.post(f"/staff/help/{anonymous.id}/draft", data={"csrf": csrf, "f_address": "建设路"})
    assert page.status_code == 422 and "登录" in page.text
    mine = _ticket(db_session, clock, desk)
    colleague = client.post(f"{STAFF_API}/{mine.id}/draft", json={"values": {"address": "建设路"}},
                            headers=auth(desk.other_token))
    assert colleague.status_code == 403
    assert _drafts(db_session) == 0
