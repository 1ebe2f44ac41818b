"""Staff suggestions: adopt (a draft item version), reject with a reason, deliberate; answered within a month (RATE-10)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from tests.signin import sign_in_staff
from tests.factories import make_actor
from tongban.catalog import service as catalog
from tongban.complaints import suggestions
from tongban.complaints.models import StaffSuggestion
from tongban.core.errors import Conflict, Forbidden, InvalidInput


def _propose(db_session, clock, world, actor=None, **over):
    data = dict(title="材料名称与表格不一致", body="申请表名称应改为《设立登记申请书》，窗口常被问到", topic="guide",
                item_id=world.item.id)
    data.update(over)
    row = suggestions.propose(db_session=db_session, clock=clock, actor=actor or world.consultant,
                              suggestion_in=suggestions.SuggestionIn(**data))
    db_session.commit()
    return row


@pytest.mark.req("RATE-10")
def test_an_adopted_guide_suggestion_opens_a_draft_version_linked_to_it(client, db_session, clock, world):
    row = _propose(db_session, clock, world)
    assert row.agency_id == world.market.id and row.due == date(2026, 12, 20)
    csrf = sign_in_staff(client, db_session, clock, world.market_staff.staff_id)
    assert row.number in client.get("/staff/suggestions").text
    done = client.post(f"/staff/suggestions/{row.id}/adopt", data={"csrf": csrf, "note": "同意，已按建议修改"},
                       follow_redirects=False)
    assert done.status_code == 303
    db_session.expire_all()
    row = db_session.get(StaffSuggestion, row.id)
    draft = catalog.open_version(db_session=db_session, item_id=world.item.id)
    assert row.state == "adopted" and row.draft_version_id == draft.id and draft.state == "draft"
    assert row.number in draft.change_note
    assert "已生成修改草稿" in client.get(f"/staff/suggestions/{row.id}").text
    with pytest.raises(Conflict):
        suggestions.reject(db_session=db_session, clock=clock, actor=world.market_staff, suggestion_id=row.id, reason="x")


@pytest.mark.req("RATE-10")
def test_rejection_needs_a_reason_deliberation_keeps_the_month_running_and_warnings_follow(db_session, clock, world):
    row = _propose(db_session, clock, world)
    with pytest.raises(InvalidInput):
        suggestions.reject(db_session=db_session, clock=clock, actor=world.market_staff, suggestion_id=row.id, reason="")
    suggestions.deliberate(db_session=db_session, clock=clock, actor=world.market_staff, suggestion_id=row.id,
                           note="涉及上级表格，需要审议")
    assert row.state == "deliberating"
    assert suggestions.suggestion_warning(db_session=db_session, clock=clock, row=row) is None
    clock.advance(days=27)  # 17 Dec: three working days before the 20th (a Sunday)
    assert suggestions.suggestion_warning(db_session=db_session, clock=clock, row=row).value == "yellow"
    clock.advance(days=4)
    assert suggestions.suggestion_warning(db_session=db_session, clock=clock, row=row).value == "red"
    suggestions.reject(db_session=db_session, clock=clock, actor=world.market_staff, suggestion_id=row.id,
                       reason="表格样式由省级统一制定，本级不能修改")
    assert row.state == "rejected" and row.answer.startswith("表格样式")
    assert suggestions.suggestion_warning(db_session=db_session, clock=clock, row=row) is None


@pytest.mark.req("RATE-10")
def test_only_the_owner_answers_and_never_the_proposer(db_session, clock, world):
    row = _propose(db_session, clock, world)
    for actor in (world.consultant, world.police_staff):
        with pytest.raises(Forbidden):
            suggestions.adopt(db_session=db_session, clock=clock, actor=actor, suggestion_id=row.id)
    system = _propose(db_session, clock, world, actor=world.market_staff, topic="system", item_id=None,
                      title="预约页面太慢", body="高峰期预约页面加载超过十秒")
    reviewer, _ = make_actor(db_session, clock, role="catalog_reviewer", region_code="511600")
    suggestions.adopt(db_session=db_session, clock=clock, actor=reviewer, suggestion_id=system.id, note="已转运维优化")
    assert system.state == "adopted" and system.draft_version_id is None


@pytest.mark.req("RATE-10")
def test_bad_suggestions_get_a_chinese_4xx_and_write_nothing(client, db_session, clock, world):
    csrf = sign_in_staff(client, db_session, clock, world.consultant.staff_id)
    for data, words in (({"title": "t", "body": "b" * 10_000}, "太长"), ({"title": "<script>", "body": "b"}, "网页代码"),
                        ({"title": "t", "body": "b", "item_id": ""}, "请选择事项"),
                        ({"title": "t", "body": "b", "topic": "money"}, "建议类别")):
        answer = client.post("/staff/suggestions", data={"csrf": csrf, "topic": "guide", "item_id": str(world.item.id), **data})
        assert answer.status_code == 422 and words in answer.text, (data, answer.status_code)
    assert db_session.scalar(select(func.count(StaffSuggestion.id))) == 0
