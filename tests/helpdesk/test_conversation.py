"""转人工 carries the assistant's conversation to the ticket: the questions asked, the answers as /ask shows them with
their source links, attached as an entry staff read; the same through the page and the API (CONS-07)."""

from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import func, select

from tests.helpdesk.conftest import page_csrf
from tests.signin import sign_in_person, sign_in_staff
from tongban.helpdesk.models import HelpTicket, HelpTicketEntry

CHINESE = re.compile(r"[\u4e00-\u9fff]")


def _conversation(db_session) -> list[dict]:
    entry = db_session.scalars(select(HelpTicketEntry).where(HelpTicketEntry.kind == "assistant")).one()
    return entry.data["turns"]


def _check(turns: list[dict], item_id: int) -> None:
    assert [t["question"] for t in turns] == ["开饭馆要多久", "要带什么"]
    assert turns[1]["kind"] == "answer" and turns[1]["item_id"] == item_id
    assert any("食品经营许可申请书" in line for line in turns[1]["lines"])
    assert {"label": f"{turns[1]['links'][0]['label']}", "url": f"/items/{item_id}#materials"} == turns[1]["links"][0]
    assert turns[0]["links"][0]["url"].startswith(f"/items/{item_id}#")


@pytest.mark.req("CONS-07")
def test_the_page_hands_the_conversation_to_a_person_and_staff_read_it(client, db_session, clock, desk):
    csrf = sign_in_person(client, db_session, clock, desk.person)
    first = client.post("/ask", data={"question": "开饭馆要多久", "csrf": csrf})
    turns = re.findall(r'name="turn" value="([^"]*)"', first.text)
    assert turns == ["|开饭馆要多久"]
    second = client.post("/ask", data={"question": "要带什么", "context": str(desk.item.id), "turn": turns, "csrf": csrf})
    link = html.unescape(re.search(r'href="(/help/new\?[^"]+)"', second.text).group(1))
    form = client.get(link)
    carried = re.findall(r'name="turn" value="([^"]*)"', form.text)
    assert carried == ["|开饭馆要多久", f"{desk.item.id}|要带什么"]
    made = client.post("/help/tickets", data={"question": "要带什么", "item_id": str(desk.item.id),
                                              "assistant_question": "要带什么", "turn": carried, "csrf": csrf})
    assert made.status_code == 201
    _check(_conversation(db_session), desk.item.id)
    ticket = db_session.scalars(select(HelpTicket)).one()
    sign_in_staff(client, db_session, clock, desk.agent.staff_id)
    staff = client.get(f"/staff/help/{ticket.id}")
    assert staff.status_code == 200 and "智能问答记录" in staff.text and "食品经营许可申请书" in staff.text
    assert f'href="/items/{desk.item.id}#materials"' in staff.text


@pytest.mark.req("CONS-07")
def test_the_api_hands_the_same_conversation_over(client, db_session, desk):
    made = client.post("/api/v1/help/tickets", json={
        "question": "要带什么", "contact_phone": "13912345678", "item_id": desk.item.id,
        "conversation": [{"question": "开饭馆要多久"}, {"question": "要带什么", "context": desk.item.id}]})
    assert made.status_code == 201
    _check(_conversation(db_session), desk.item.id)
    assert db_session.scalars(select(HelpTicket)).one().assistant_question == "要带什么"


@pytest.mark.req("CONS-07")
def test_a_conversation_is_bounded_and_checked_and_a_bad_one_writes_nothing(client, db_session, desk):
    api = client.post("/api/v1/help/tickets", json={
        "question": "开饭馆", "contact_phone": "13912345678",
        "conversation": [{"question": "开饭馆<script>alert(1)</script>"}]})
    assert 400 <= api.status_code < 500 and CHINESE.search(api.json()["error"]["message"])
    too_many = client.post("/api/v1/help/tickets", json={
        "question": "开饭馆", "contact_phone": "13912345678", "conversation": [{"question": "开饭馆"}] * 6})
    assert too_many.status_code == 422
    page = client.post("/help/tickets", data={"question": "开饭馆", "contact_phone": "13912345678",
                                              "turn": ["x|开饭馆"], "csrf": page_csrf(client, "/help/new")})
    assert 400 <= page.status_code < 500 and 'id="help-error"' in page.text
    assert db_session.scalar(select(func.count()).select_from(HelpTicket)) == 0
    # the page keeps only the last five questions
    kept = client.post("/help/tickets", data={"question": "开饭馆", "contact_phone": "13912345678",
                                              "turn": [f"|开饭馆要多久{i}" for i in range(8)],
                                              "csrf": page_csrf(client, "/help/new")})
    assert kept.status_code == 201 and len(_conversation(db_session)) == 5
