"""Frequent question analysis (CONS-10): questions asked are grouped by meaning; unanswered groups become drafts."""

from __future__ import annotations

import re
from datetime import date

import pytest
from typer.testing import CliRunner

from tests.factories import make_item
from tests.knowledge.conftest import faq_in, published
from tongban.core.errors import InvalidInput
from tongban.knowledge import analysis, service
from tongban.knowledge.enums import FaqState

pytestmark = pytest.mark.req("CONS-10")

FOOD = ["开饭馆要什么材料", "开餐馆需要带啥材料", "开个饭店要准备哪些材料", "开饭馆要什么材料"]
CARD = ["社保卡丢了怎么补办", "社保卡掉了咋补", "社保卡不见了去哪补"]
HOURS = ["大厅几点上班", "政务大厅几点上班"]


def _ask(db_session, clock, texts, channel="web", source="assistant"):
    for text in texts:
        service.record_question(db_session=db_session, clock=clock, text=text, channel=channel, source=source)


def test_questions_are_logged_with_personal_data_masked(db_session, clock):
    row = service.record_question(db_session=db_session, clock=clock, text="我的身份证 511602198507261174，电话 13900000002，社保卡丢了",
                                  channel="hotline", source="ticket")
    assert "198507261174" not in row.text and "13900000002" not in row.text and "社保卡丢了" in row.text
    with pytest.raises(InvalidInput):
        service.record_question(db_session=db_session, clock=clock, text=" ", channel="web", source="assistant")
    with pytest.raises(InvalidInput) as caught:
        service.record_question(db_session=db_session, clock=clock, text="社保卡丢了", channel="pigeon", source="assistant")
    assert "渠道" in caught.value.message


def test_paraphrases_are_grouped_and_other_questions_are_not():
    texts = FOOD + CARD + HOURS + ["今天天气怎么样"]
    groups = [sorted(texts[i] for i in g) for g in analysis.group_texts(texts)]
    assert sorted(FOOD) in groups and sorted(CARD) in groups
    assert ["今天天气怎么样"] in groups


def test_unanswered_groups_are_proposed_to_their_owners_with_counts_and_examples(db_session, clock, desk):
    food = make_item(db_session, clock, agency=desk.agency_a, name="食品经营许可")
    published(db_session, clock, desk, question="社保卡丢了怎么补办？", variants=["社保卡掉了怎么办"],
              answer="携带身份证到社保经办机构或合作银行网点补领社会保障卡。")
    since = clock.now()
    _ask(db_session, clock, FOOD + CARD + HOURS + ["今天天气怎么样"])
    report = analysis.analyse(db_session=db_session, clock=clock, since=since, region_code="511600")
    by_text = {g.representative: g for g in report.groups}
    assert by_text["开饭馆要什么材料"].count == 4 and by_text["开饭馆要什么材料"].answered_by is None
    card = next(g for g in report.groups if "社保卡丢了怎么补办" in g.examples)
    assert card.answered_by is not None and card.proposal_entry_id is None  # answered well already: nothing proposed
    assert report.proposed == 2 and all(g.count >= 2 for g in report.groups)

    food_group = by_text["开饭馆要什么材料"]
    entry = service.get_entry(db_session=db_session, entry_id=food_group.proposal_entry_id)
    draft = service.open_version(db_session=db_session, entry_id=entry.id)
    assert entry.owner_agency_id == desk.agency_a.id and draft.item_ids == [food.id]  # the item's agency writes it
    assert draft.state == FaqState.draft and draft.origin == "analysis"
    assert draft.evidence["count"] == 4 and "开餐馆需要带啥材料" in draft.evidence["examples"]
    hours = service.get_entry(db_session=db_session, entry_id=by_text["大厅几点上班"].proposal_entry_id)
    assert hours.owner_agency_id is None and hours.region_code == "511600"  # the hall's management agency
    assert any(e.id == entry.id for e, _ in service.list_for_staff(db_session=db_session, actor=desk.editor_a))

    with pytest.raises(InvalidInput):  # a proposal is submitted only once someone wrote the answer
        service.submit(db_session=db_session, clock=clock, actor=desk.editor_a, version_id=draft.id)
    _ask(db_session, clock, ["开饭馆要什么材料"])
    again = analysis.analyse(db_session=db_session, clock=clock, since=since, region_code="511600")
    assert again.proposed == 0 and again.updated == 2  # the same groups update their drafts, no duplicates
    assert service.open_version(db_session=db_session, entry_id=entry.id).evidence["count"] == 5

    service.save_draft(db_session=db_session, clock=clock, actor=desk.editor_a, entry_id=entry.id,
                       faq_in=faq_in(question="开饭馆要准备什么材料？", item_ids=[food.id]))
    service.submit(db_session=db_session, clock=clock, actor=desk.editor_a, version_id=draft.id)
    service.publish(db_session=db_session, clock=clock, actor=desk.reviewer, version_id=draft.id)
    third = analysis.analyse(db_session=db_session, clock=clock, since=since, region_code="511600")
    assert next(g for g in third.groups if g.representative == "开饭馆要什么材料").answered_by == entry.id


def test_analysis_refuses_a_future_start(db_session, clock):
    with pytest.raises(InvalidInput):
        analysis.analyse(db_session=db_session, clock=clock, since=service.since_start(date(2099, 1, 1)), region_code="511600")


def test_consult_analyse_command(db_session, clock, desk):
    _ask(db_session, clock, HOURS + HOURS)
    db_session.commit()
    from tongban.cli import app

    result = CliRunner().invoke(app, ["consult", "analyse", "--since", "2000-01-01", "--region", "511600", "--dry-run", "--json"])
    assert result.exit_code == 0, result.output
    assert '"count": 4' in result.output and '"proposed": 0' in result.output
    bad = CliRunner().invoke(app, ["consult", "analyse", "--since", "yesterday"])
    assert bad.exit_code == 2


def test_staff_analysis_page(client, db_session, clock, desk):
    _ask(db_session, clock, HOURS)
    db_session.commit()
    from tests.knowledge.conftest import auth

    page = client.get("/staff/faq/analysis", params={"since": "2026-11-01"}, headers=auth(desk.token_reviewer))
    assert page.status_code == 200 and "大厅几点上班" in page.text and "无合适答复" in page.text
    assert client.get("/staff/faq/analysis", params={"since": "昨天"}, headers=auth(desk.token_reviewer)).status_code == 422
    client.cookies.set("tb_csrf", "t" * 32)
    made = client.post("/staff/faq/analysis", data={"csrf": "t" * 32, "since": "2026-11-01"}, headers=auth(desk.token_reviewer),
                       follow_redirects=False)
    assert made.status_code == 303 and "%E6%96%B0%E5%BB%BA%E8%8D%89%E7%A8%BF+1" in made.headers["location"]  # 新建草稿 1
    refused = client.post("/staff/faq/analysis", data={"csrf": "t" * 32, "since": "2026-11-01"}, headers=auth(desk.token_a))
    assert refused.status_code == 403


@pytest.mark.req("CONS-01")
def test_questions_asked_through_ask_are_the_analysis_input(client, db_session, clock):
    csrf = re.search(r'name="csrf" value="([^"]+)"', client.get("/ask").text).group(1)
    assert client.post("/ask", data={"question": "政务大厅几点上班", "csrf": csrf}).status_code == 200
    assert client.post("/api/v1/assistant/ask", json={"question": "大厅几点上班", "channel": "mobile"}).status_code == 200
    since = service.since_start(date(2000, 1, 1))
    asked = service.asked_questions(db_session, since)
    assert [(q.text, q.channel, q.source) for q in asked] == [("政务大厅几点上班", "web", "assistant"),
                                                              ("大厅几点上班", "mobile", "assistant")]
    report = analysis.analyse(db_session=db_session, clock=clock, since=since, region_code="511600", propose=False)
    assert report.questions == 2 and [g.count for g in report.groups] == [2]
