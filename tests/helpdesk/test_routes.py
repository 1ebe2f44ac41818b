"""The help ticket pages and API: the same rules through both (twins), Chinese 4xx on bad input, nobody reads
someone else's ticket (CONS-06, 07, 09, 11, 14)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from tests.helpdesk.conftest import page_csrf
from tests.signin import auth, sign_in_person, sign_in_staff
from tongban.helpdesk.models import HelpTicket

API = "/api/v1/help/tickets"
STAFF_API = "/api/v1/staff/help/tickets"
CHINESE = re.compile(r"[\u4e00-\u9fff]")


def _count(db_session) -> int:
    return db_session.scalar(select(func.count()).select_from(HelpTicket))


@pytest.mark.req("CONS-06")
@pytest.mark.parametrize("question", ["", "问" * 10_000, "<script>alert(1)</script>"])
def test_bad_input_is_a_chinese_4xx_on_page_and_api_and_changes_nothing(client, db_session, desk, question):
    api = client.post(API, json={"question": question, "contact_phone": "13912345678"})
    assert 400 <= api.status_code < 500 and CHINESE.search(api.json()["error"]["message"])
    page = client.post("/help/tickets", data={"question": question, "contact_phone": "13912345678",
                                              "csrf": page_csrf(client, "/help/new")})
    assert 400 <= page.status_code < 500 and 'id="help-error"' in page.text and "<script>alert" not in page.text
    assert _count(db_session) == 0


@pytest.mark.req("CONS-07")
@pytest.mark.req("CONS-06")
def test_ask_a_person_from_the_assistant_opens_the_prefilled_form(client, db_session, clock, desk):
    page = client.get("/ask/person", params={"q": "开饭馆要带什么材料", "item": str(desk.item.id)})
    assert page.status_code == 200 and "开饭馆要带什么材料" in page.text and f'value="{desk.item.id}"' in page.text
    csrf = sign_in_person(client, db_session, clock, desk.person)
    made = client.post("/help/tickets", data={"question": "开饭馆要带什么材料", "item_id": str(desk.item.id),
                                              "assistant_question": "开饭馆要带什么材料", "csrf": csrf})
    assert made.status_code == 201
    ticket = db_session.scalars(select(HelpTicket)).one()
    assert ticket.person_id == desk.person.id and ticket.assistant_question == "开饭馆要带什么材料"
    assert ticket.agency_id == desk.market.id and ticket.number in made.text


@pytest.mark.req("CONS-11")
def test_first_ask_twin_take_and_reply_through_the_api_and_the_page(client, db_session, clock, desk):
    about = {"contact_phone": "13912345678", "item_id": desk.item.id}  # the item's agency (market) answers
    first = client.post(API, json={"question": "开饭馆要带什么", **about}).json()
    second = client.post(API, json={"question": "办营业执照", **about}).json()
    ids = {t["number"]: t["id"] for t in client.get(STAFF_API, headers=auth(desk.agent_token)).json()["items"]}
    assert set(ids) == {first["number"], second["number"]}
    assert client.get(STAFF_API, headers=auth(desk.police_token)).json()["items"] == []
    # API: the agent takes the first; the colleague is refused
    assert client.post(f"{STAFF_API}/{ids[first['number']]}/take", headers=auth(desk.agent_token)).status_code == 200
    refused = client.post(f"{STAFF_API}/{ids[first['number']]}/take", headers=auth(desk.other_token))
    assert refused.status_code == 409 and CHINESE.search(refused.json()["error"]["message"])
    # page: the colleague takes the second; the agent is refused there
    csrf = sign_in_staff(client, db_session, clock, desk.other.staff_id)
    assert client.post(f"/staff/help/{ids[second['number']]}/take", data={"csrf": csrf}, follow_redirects=False).status_code == 303
    csrf = sign_in_staff(client, db_session, clock, desk.agent.staff_id)
    page = client.post(f"/staff/help/{ids[second['number']]}/take", data={"csrf": csrf})
    assert page.status_code == 409 and 'id="help-error"' in page.text
    page = client.post(f"/staff/help/{ids[second['number']]}/reply", data={"csrf": csrf, "body": "答复"})
    assert page.status_code == 403
    ok = client.post(f"/staff/help/{ids[first['number']]}/reply", data={"csrf": csrf, "body": "请带营业执照"},
                     follow_redirects=False)
    assert ok.status_code == 303
    client.cookies.clear()
    api = client.post(f"{STAFF_API}/{ids[second['number']]}/reply", json={"body": "答复"}, headers=auth(desk.agent_token))
    assert api.status_code == 403
    # police cannot even read the market's ticket
    assert client.get(f"{STAFF_API}/{ids[first['number']]}", headers=auth(desk.police_token)).status_code == 403
    assert client.get(f"{STAFF_API}/999999", headers=auth(desk.agent_token)).status_code == 404


@pytest.mark.req("CONS-09")
def test_the_person_sees_the_reply_and_closes_and_nobody_else_sees_it(client, db_session, clock, desk):
    from tests.factories import make_person

    csrf = sign_in_person(client, db_session, clock, desk.person)
    number = client.post(API, json={"question": "开饭馆要带什么", "item_id": desk.item.id}).json()["number"]
    ticket_id = db_session.scalars(select(HelpTicket.id)).one()
    headers = auth(desk.agent_token)
    client.post(f"{STAFF_API}/{ticket_id}/take", headers=headers)
    client.post(f"{STAFF_API}/{ticket_id}/reply", json={"body": "请带营业执照和申请书"}, headers=headers)
    sign_in_person(client, db_session, clock, desk.person)
    page = client.get(f"/help/tickets/{number}")
    assert "请带营业执照和申请书" in page.text and 'id="close-submit"' in page.text
    assert client.get(API).json()["items"][0]["state"] == "answered"
    stranger = make_person(db_session, clock, name="王五")
    db_session.commit()
    sign_in_person(client, db_session, clock, stranger)
    assert client.get(f"/help/tickets/{number}").status_code == 404
    assert client.get(f"{API}/{number}").status_code == 404
    assert client.post(f"{API}/{number}/close", json={}).status_code == 404
    csrf = sign_in_person(client, db_session, clock, desk.person)
    done = client.post(f"/help/tickets/{number}/close", data={"csrf": csrf, "outcome": "pending"}, follow_redirects=False)
    assert done.status_code == 303
    assert client.get(f"{API}/{number}").json()["state"] == "closed"
    bad = client.post(f"{API}/{number}/follow-up", json={"answer": "maybe"})
    assert bad.status_code == 422 and CHINESE.search(bad.json()["error"]["message"])
    assert client.post(f"{API}/{number}/follow-up", json={"answer": "got_result"}).json()["state"] == "followed_up"


@pytest.mark.req("CONS-06")
def test_hotline_entry_page_and_api_and_the_callers_look_up(client, db_session, clock, desk):
    api = client.post(STAFF_API, json={"question": "来电咨询", "channel": "hotline", "contact_phone": "13912345678"},
                      headers=auth(desk.agent_token))
    assert api.status_code == 201 and len(api.json()["check_code"]) == 4
    assert api.json()["contact_phone"] == "139****5678"
    assert client.post(API, json={"question": "来电咨询", "channel": "hotline", "contact_phone": "13912345678"}).status_code == 403
    csrf = sign_in_staff(client, db_session, clock, desk.agent.staff_id)
    form = client.get("/staff/help/hotline", params={"item_q": "食品"})
    assert form.status_code == 200 and f"item_id={desk.item.id}" in form.text
    made = client.post("/staff/help/hotline", data={"csrf": csrf, "question": "来电：开饭馆", "channel": "hotline",
                                                    "contact_phone": "13900001111", "answer": "需要营业执照"},
                       follow_redirects=False)
    assert made.status_code == 303 and made.headers["location"].startswith("/staff/help/")
    ticket = db_session.scalars(select(HelpTicket).where(HelpTicket.question == "来电：开饭馆")).one()
    assert ticket.state == "answered" and ticket.owner_staff_id == desk.agent.staff_id
    client.cookies.clear()
    found = client.post("/api/v1/help/lookup", json={"number": ticket.number, "code": ticket.check_code})
    assert found.status_code == 200 and found.json()["entries"][-1]["body"] == "需要营业执照"
    wrong = client.post("/api/v1/help/lookup", json={"number": ticket.number, "code": "x"})
    assert wrong.status_code == 403 and CHINESE.search(wrong.json()["error"]["message"])
    page = client.post("/help/lookup", data={"csrf": page_csrf(client), "number": ticket.number, "code": "x"})
    assert page.status_code == 403 and 'id="help-error"' in page.text
    page = client.post("/help/lookup", data={"csrf": page_csrf(client), "number": ticket.number, "code": ticket.check_code})
    assert page.status_code == 200 and "需要营业执照" in page.text and "13900001111" not in page.text


@pytest.mark.req("CONS-14")
def test_the_service_list_page_and_json(client, desk):
    body = client.get("/api/v1/help/services").json()
    names = {p["name"]: p for p in body["items"]}
    assert names[desk.market.name]["service_labels"] == ["咨询", "导办", "帮办"]
    page = client.get("/help/services")
    assert page.status_code == 200 and desk.market.name in page.text and desk.police.name in page.text


@pytest.mark.req("CONS-13")
def test_the_staff_queue_page_shows_views(client, db_session, clock, desk):
    client.post(API, json={"question": "开饭馆要带什么", "contact_phone": "13912345678"})
    sign_in_staff(client, db_session, clock, desk.agent.staff_id)
    for view in ("agency", "mine", "overdue", "follow_up"):
        assert client.get("/staff/help", params={"view": view}).status_code == 200
    assert client.get("/staff/help", params={"view": "nope"}).status_code == 422
    assert client.get(f"{STAFF_API}?view=nope", headers=auth(desk.agent_token)).status_code == 422
