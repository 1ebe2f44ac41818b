"""/ask and POST /api/v1/assistant/ask: the same rule through the page and the API, Chinese 4xx on bad input (CONS-01, CONS-07)."""

from __future__ import annotations

import re

import pytest
from datetime import datetime, timezone

from tongban.knowledge import service as kb_service

API = "/api/v1/assistant/ask"


def _csrf(client) -> str:
    page = client.get("/ask")
    assert page.status_code == 200
    return re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)


@pytest.mark.req("CONS-01")
@pytest.mark.req("CONS-02")
def test_page_and_api_give_the_same_item_and_fact(client, catalog):
    body = client.post(API, json={"question": "开饭馆要带什么材料", "channel": "web"}).json()
    assert body["kind"] == "answer" and body["fact"] == "materials"
    item_id = catalog["food"].id
    assert body["items"][0]["item_id"] == item_id and body["source"]["url"] == f"/items/{item_id}#materials"
    page = client.post("/ask", data={"question": "开饭馆要带什么材料", "csrf": _csrf(client)})
    assert page.status_code == 200
    assert 'data-kind="answer"' in page.text and 'data-fact="materials"' in page.text
    assert f'href="/items/{item_id}#materials"' in page.text and "食品经营许可申请书" in page.text
    assert f'name="context" value="{item_id}"' in page.text  # the follow-up continues this item


@pytest.mark.req("CONS-01")
def test_a_follow_up_through_the_api_and_the_page(client, catalog):
    first = client.post(API, json={"question": "开饭馆要多久", "channel": "api"}).json()
    follow = client.post(API, json={"question": "要带什么", "channel": "api", "context": first["context"]}).json()
    assert follow["kind"] == "answer" and follow["items"][0]["item_id"] == catalog["food"].id and follow["fact"] == "materials"
    page = client.post("/ask", data={"question": "要带什么", "context": str(first["context"]), "csrf": _csrf(client)})
    assert 'data-fact="materials"' in page.text and "营业执照" in page.text


@pytest.mark.req("CONS-07")
def test_a_hand_off_offers_a_person(client, catalog):
    body = client.post(API, json={"question": "我的申请办到哪一步了", "channel": "web"}).json()
    assert body["kind"] == "handoff" and body["handoff"]["kind"] == "progress" and body["items"] == []
    assert {"label": "转人工咨询", "url": "/ask/person"} in body["links"]
    person = client.get("/ask/person")
    assert person.status_code == 200 and "12345" in person.text and "/halls" in person.text


@pytest.mark.req("CONS-01")
@pytest.mark.parametrize("question", ["", "办" * 10_000, "<script>alert(1)</script>", "开饭馆<img src=x onerror=alert(1)>"])
def test_bad_input_is_a_chinese_4xx_on_page_and_api_and_logs_nothing(client, db_session, catalog, question):
    api = client.post(API, json={"question": question, "channel": "web"})
    assert 400 <= api.status_code < 500
    assert re.search(r"[\u4e00-\u9fff]", api.json()["error"]["message"])
    page = client.post("/ask", data={"question": question, "csrf": _csrf(client)})
    assert 400 <= page.status_code < 500 and 'id="ask-error"' in page.text
    assert "<script>alert" not in page.text
    assert kb_service.asked_questions(db_session, datetime(2000, 1, 1, tzinfo=timezone.utc)) == []


def test_a_bad_channel_or_region_is_refused(client, catalog):
    assert client.post(API, json={"question": "开饭馆要带什么", "channel": "fax"}).status_code == 422
    assert client.post(API, json={"question": "开饭馆要带什么", "channel": "web", "region": "abc"}).status_code == 422


def test_the_page_is_linked_from_the_header_the_guide_and_an_empty_search(client, catalog):
    assert 'href="/ask"' in client.get("/").text
    assert 'id="ask-link"' in client.get(f"/items/{catalog['food'].id}").text
    empty = client.get("/search", params={"q": "火星移民签证"})
    assert 'id="ask-assistant"' in empty.text
