"""The assistant: item and fact from the live version, hand-offs, ask-back, follow-ups, bad input (CONS-01/02/05/07)."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from tests.assistant.conftest import FOOD_CODE
from tests.factories import make_item
from tongban.assistant import service
from tongban.core.errors import InvalidInput
from tongban.knowledge import service as kb_service
from tongban.search.service import SearchHub

SINCE = datetime(2000, 1, 1, tzinfo=timezone.utc)


def ask(db_session, clock, question, hub=None, **kw):
    return service.ask(db_session=db_session, clock=clock, hub=hub or SearchHub(), question=question,
                       channel=kw.pop("channel", "web"), **kw)


@pytest.mark.req("CONS-01")
@pytest.mark.req("CONS-02")
def test_a_question_in_plain_words_gets_the_items_materials_from_its_guide(db_session, clock, catalog):
    answer = ask(db_session, clock, "开饭馆要带什么材料")
    assert answer.kind == "answer" and answer.fact == "materials"
    assert answer.items[0].item_id == catalog["food"].id
    assert any("食品经营许可申请书" in line for line in answer.lines) and any("营业执照" in line for line in answer.lines)
    assert answer.source.url == f"/items/{catalog['food'].id}#materials" and answer.source.section == "申请材料"
    assert answer.context == catalog["food"].id


@pytest.mark.req("CONS-02")
@pytest.mark.parametrize("question, fact, said", [
    ("开饭馆要多久能办好", "time_limit", "承诺办结时限：10个工作日"),
    ("开饭馆在哪里办", "location", "金安大道二段2号市政务服务中心"),
    ("开饭馆要什么条件", "conditions", "经营场所"),
    ("开饭馆打什么电话咨询", "contact", "0826-2600315"),
    ("开饭馆能在网上办吗", "online", "可以在网上办理"),
    ("开饭馆发什么证", "result", "食品经营许可证"),
    ("开饭馆怎么办理", "process", "审查"),
    ("办身份证要多少钱", "fee", "证件工本费：20元"),
])
def test_each_fact_comes_from_the_live_version(db_session, clock, catalog, question, fact, said):
    answer = ask(db_session, clock, question)
    assert answer.kind == "answer" and answer.fact == fact, (answer.kind, answer.fact, answer.items)
    assert said in answer.text + "\n".join(answer.lines)


@pytest.mark.req("CONS-02")
def test_publishing_a_new_version_changes_the_answer(db_session, clock, catalog):
    hub = SearchHub()
    before = ask(db_session, clock, "开饭馆要带什么材料", hub=hub)
    assert not any("卫生许可" in line for line in before.lines)
    make_item(db_session, clock, agency=catalog["food"].agency, code=FOOD_CODE, materials=[
        {"key": "m9", "name": "从业人员健康证明", "forms": ["copy"], "source": "卫生健康部门", "original_count": 0, "copy_count": 1},
    ])
    db_session.commit()
    after = ask(db_session, clock, "开饭馆要带什么材料", hub=hub)
    assert after.items[0].item_id == catalog["food"].id
    assert [line for line in after.lines if "健康证明" in line] and not [line for line in after.lines if "营业执照" in line]
    assert after.source.version_number == before.source.version_number + 1


@pytest.mark.req("CONS-07")
def test_close_items_are_asked_back_not_guessed(db_session, clock, catalog):
    answer = ask(db_session, clock, "城乡居民参保登记要带什么")
    assert answer.kind == "choose" and answer.item_id is None and answer.fact == "materials"
    assert {i.item_id for i in answer.items} == {catalog["medical"].id, catalog["pension"].id}
    chosen = ask(db_session, clock, "城乡居民参保登记要带什么", context=catalog["pension"].id)  # the choice pressed
    assert chosen.kind == "answer" and chosen.items[0].item_id == catalog["pension"].id and chosen.fact == "materials"
    exact = ask(db_session, clock, "城乡居民基本养老保险参保登记要带什么")
    assert exact.kind == "answer" and exact.items[0].item_id == catalog["pension"].id


@pytest.mark.req("CONS-01")
def test_a_follow_up_continues_the_item_of_the_last_answer(db_session, clock, catalog):
    first = ask(db_session, clock, "开饭馆要多久")
    follow = ask(db_session, clock, "要带什么", context=first.context)
    assert follow.kind == "answer" and follow.fact == "materials" and follow.items[0].item_id == catalog["food"].id
    other = ask(db_session, clock, "办身份证要多少钱", context=first.context)  # a new item named: the context yields
    assert other.items[0].item_id == catalog["id"].id
    alone = ask(db_session, clock, "要带什么")
    assert alone.kind == "handoff" and not alone.items


@pytest.mark.req("CONS-07")
def test_where_is_my_application_goes_to_the_progress_lookup(db_session, clock, catalog):
    answer = ask(db_session, clock, "我的申请办到哪一步了")
    assert answer.kind == "handoff" and answer.handoff.kind == "progress" and not answer.items
    assert ("办件进度查询", "/progress") in [(link.label, link.url) for link in answer.links]
    assert answer.links[-1].url == "/ask/person"


@pytest.mark.req("CONS-07")
def test_a_complaint_gets_the_agencys_complaint_phone(db_session, clock, catalog):
    answer = ask(db_session, clock, "我要投诉办身份证的窗口态度差")
    assert answer.kind == "handoff" and answer.handoff.kind == "complaint"
    assert answer.handoff.phone == "0826-2202119" and "广安市公安局广安区分局" in answer.text
    general = ask(db_session, clock, "我要投诉")
    assert general.handoff.kind == "complaint" and general.handoff.phone == "12345"


@pytest.mark.req("CONS-05")
def test_a_question_outside_services_gets_the_departments_phone_and_address(db_session, clock, catalog):
    answer = ask(db_session, clock, "我家水管爆了物业不管", region="511602")
    assert answer.kind == "handoff" and not answer.items and answer.item_id is None
    assert answer.handoff.kind == "department" and answer.handoff.department == "广安市广安区住房和城乡建设局"
    assert answer.handoff.phone == "0826-2333500" and answer.handoff.address == "广安区中桥街道2号"
    assert answer.links[-1].url == "/ask/person"


@pytest.mark.req("CONS-01")
@pytest.mark.parametrize("question, code", [
    ("", "QUESTION_REQUIRED"), ("   ", "QUESTION_REQUIRED"), ("办" * 10_000, "QUESTION_TOO_LONG"),
    ("<script>alert(1)</script>开饭馆", "QUESTION_MARKUP"),
])
def test_bad_questions_are_refused_in_chinese_and_nothing_is_logged(db_session, clock, catalog, question, code):
    with pytest.raises(InvalidInput) as refused:
        ask(db_session, clock, question)
    assert refused.value.code == code and any("\u4e00" <= ch <= "\u9fff" for ch in refused.value.message)
    assert kb_service.asked_questions(db_session, SINCE) == []


@pytest.mark.req("CONS-01")
def test_logged_questions_hold_no_id_or_phone_numbers(db_session, clock, catalog):
    ask(db_session, clock, "身份证号511602199001011234丢了怎么补办，电话13912341234")
    db_session.commit()
    [row] = kb_service.asked_questions(db_session, SINCE)
    assert "511602199001011234" not in row.text and "13912341234" not in row.text
    assert "1990" not in row.text and row.channel == "web" and row.source == "assistant"


@pytest.mark.req("CONS-10")
def test_questions_go_to_the_knowledge_log_by_channel_and_an_evaluation_logs_nothing(db_session, clock, catalog):
    ask(db_session, clock, "开饭馆要带什么材料", channel="kiosk")
    ask(db_session, clock, "开饭馆要多久", channel="api")
    ask(db_session, clock, "开饭馆在哪里办", channel="eval")
    ask(db_session, clock, "办", channel="web")  # one character: no question to group
    assert [(q.text, q.channel) for q in kb_service.asked_questions(db_session, SINCE)] == [
        ("开饭馆要带什么材料", "terminal"), ("开饭馆要多久", "api")]
