"""The assistant answers from the knowledge base: a published, valid FAQ entry that fits the question, with its page
as the source; never one that only shares words with it (CONS-01, CONS-03)."""

from __future__ import annotations

import re

import pytest

from tests.factories import make_actor, make_agency
from tongban.assistant import service
from tongban.knowledge import service as kb_service
from tongban.knowledge.schemas import FaqIn
from tongban.search.service import SearchHub

API = "/api/v1/assistant/ask"
HOURS = {"question": "政务服务大厅几点上班？", "variants": ["办事大厅什么时候上班", "大厅周末开门吗"],
         "answer": "工作日上午9:00至12:00，下午13:30至17:00。\n周六上午9:00至12:00。"}
FOOD_MATERIALS = {"question": "开饭馆要准备哪些材料？", "variants": ["开餐馆需要带啥材料"],
                  "answer": "请准备营业执照、食品经营许可申请书和经营场所平面图。"}


@pytest.fixture
def faq(db_session, clock):
    """Write an entry as agency staff; `publish=True` has the management agency's reviewer publish it."""
    management = make_agency(db_session, name="广安市政务服务中心", is_management=True)
    agency = make_agency(db_session, name="广安市市场监督管理局")
    editor, _ = make_actor(db_session, clock, role="catalog_editor", agency=agency)
    reviewer, _ = make_actor(db_session, clock, role="catalog_reviewer", agency=management)

    def write(fields: dict, *, publish: bool = True, item_ids: tuple[int, ...] = ()):
        version = kb_service.create_entry(db_session=db_session, clock=clock, actor=editor, faq_in=FaqIn.model_validate(
            {**fields, "owner_agency_id": agency.id, "item_ids": list(item_ids)}))
        if publish:
            kb_service.submit(db_session=db_session, clock=clock, actor=editor, version_id=version.id)
            kb_service.publish(db_session=db_session, clock=clock, actor=reviewer, version_id=version.id)
        db_session.commit()
        return version.entry_id

    return write


def ask(db_session, clock, question, **kw):
    return service.ask(db_session=db_session, clock=clock, hub=SearchHub(), question=question, channel="web", **kw)


@pytest.mark.req("CONS-01")
@pytest.mark.req("CONS-03")
def test_a_question_no_item_fits_is_answered_from_the_published_faq_with_its_source(db_session, clock, catalog, faq):
    faq(HOURS, publish=False)
    draft = ask(db_session, clock, "政务大厅几点上班")
    assert draft.kind == "handoff" and draft.faqs == []  # a draft is nobody's answer yet

    entry_id = faq(HOURS)
    answer = ask(db_session, clock, "政务大厅几点上班")
    assert answer.kind == "faq" and answer.items == [] and answer.item_id is None and answer.handoff is None
    assert answer.faqs[0].entry_id == entry_id and answer.faqs[0].url == f"/faq/{entry_id}"
    assert answer.lines == ["工作日上午9:00至12:00，下午13:30至17:00。", "周六上午9:00至12:00。"]
    assert "政务服务大厅几点上班" in answer.text
    assert answer.links[0].url == f"/faq/{entry_id}" and answer.links[-1].url == service.ASK_PERSON_URL


@pytest.mark.req("CONS-01")
def test_the_api_and_the_page_give_the_faq_answer_and_link_its_entry(client, catalog, faq):
    entry_id = faq(HOURS)
    body = client.post(API, json={"question": "政务大厅几点上班", "channel": "web"}).json()
    assert body["kind"] == "faq" and body["faqs"][0]["url"] == f"/faq/{entry_id}" and body["items"] == []
    csrf = re.search(r'name="csrf" value="([^"]+)"', client.get("/ask").text).group(1)
    page = client.post("/ask", data={"question": "政务大厅几点上班", "csrf": csrf})
    assert page.status_code == 200 and 'data-kind="faq"' in page.text
    assert f'href="/faq/{entry_id}"' in page.text and "周六上午9:00至12:00。" in page.text
    assert client.get(f"/faq/{entry_id}").status_code == 200  # the source opens


@pytest.mark.req("CONS-01")
@pytest.mark.parametrize("question", ["大厅在哪里", "几点了"])
def test_an_entry_that_only_shares_words_is_not_an_answer(db_session, clock, catalog, faq, question):
    faq(HOURS)
    answer = ask(db_session, clock, question)
    assert answer.kind == "handoff" and answer.faqs == []


@pytest.mark.req("CONS-03")
def test_an_item_answer_shows_the_entries_of_that_item_or_of_none_that_ask_the_same_fact(db_session, clock, catalog, faq):
    food = faq(FOOD_MATERIALS, item_ids=(catalog["food"].id,))
    faq({**FOOD_MATERIALS, "variants": []}, item_ids=(catalog["id"].id,))  # the same words, another item's entry
    answer = ask(db_session, clock, "开饭馆要带什么材料")
    assert answer.kind == "answer" and answer.items[0].item_id == catalog["food"].id  # the guide still answers
    assert [f.entry_id for f in answer.faqs] == [food]
    other_fact = ask(db_session, clock, "开饭馆要多久")  # the item's words, another fact: not this entry
    assert other_fact.kind == "answer" and other_fact.fact == "time_limit" and other_fact.faqs == []
