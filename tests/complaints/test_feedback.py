"""Problem reports from every page and every guide, routed and answered (RATE-09)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests.complaints.conftest import page_csrf
from tests.signin import sign_in_person, sign_in_staff
from tests.factories import make_actor
from tongban.complaints import feedback
from tongban.complaints.models import ProblemReport
from tongban.core.errors import Forbidden
from tongban.notify import service as notify


@pytest.mark.req("RATE-09")
def test_every_page_and_every_guide_links_to_a_problem_report(client, db_session, clock, world):
    home = client.get("/")
    assert 'id="report-problem" href="/feedback/new?page=/' in home.text
    guide = client.get(f"/items/{world.item.id}")
    assert guide.status_code == 200 and f'href="/feedback/new?item={world.item.id}&amp;page=/items/{world.item.id}"' in guide.text
    assert "报告内容错误" in guide.text
    form = client.get(f"/feedback/new?item={world.item.id}&page=/items/{world.item.id}")
    assert form.status_code == 200 and world.item.name in form.text


@pytest.mark.req("RATE-09")
def test_a_content_error_goes_to_the_items_agency_editors_and_the_reply_reaches_the_reporter(client, db_session, clock, world):
    csrf = sign_in_person(client, db_session, clock, world.person)
    sent = client.post("/feedback", data={"csrf": csrf, "kind": "content", "item_id": str(world.item.id),
                                          "page": f"/items/{world.item.id}", "body": "申请材料里的表格名称写错了"})
    assert sent.status_code == 201 and "感谢反馈" in sent.text
    report = db_session.scalar(select(ProblemReport))
    assert report.agency_id == world.market.id and report.person_id == world.person.id
    # the police editors and an operator do not see it; the market's editor does
    assert feedback.queue(db_session=db_session, actor=world.police_staff) == []
    operator, _ = make_actor(db_session, clock, role="operator")
    assert feedback.queue(db_session=db_session, actor=operator) == []
    with pytest.raises(Forbidden):
        feedback.reply(db_session=db_session, clock=clock, actor=operator, report_id=report.id, text="好的")
    csrf = sign_in_staff(client, db_session, clock, world.market_staff.staff_id)
    queue = client.get("/staff/feedback")
    assert "申请材料里的表格名称写错了" in queue.text
    done = client.post(f"/staff/feedback/{report.id}/reply", data={"csrf": csrf, "text": "已更正，新版指南待审核发布"},
                       follow_redirects=False)
    assert done.status_code == 303
    db_session.expire_all()
    assert db_session.get(ProblemReport, report.id).state == "answered"
    assert any("已答复" in d.title for d in notify.deliveries_for(db_session=db_session, person_id=world.person.id))
    sign_in_person(client, db_session, clock, world.person)
    assert "已更正，新版指南待审核发布" in client.get("/feedback").text


@pytest.mark.req("RATE-09")
def test_a_platform_fault_goes_to_the_operators_and_an_anonymous_reporter_gets_an_sms(client, db_session, clock, world):
    csrf = page_csrf(client, "/feedback/new")
    sent = client.post("/feedback", data={"csrf": csrf, "kind": "fault", "page": "/search", "body": "搜索页面打不开",
                                          "contact_phone": "13700003333"})
    assert sent.status_code == 201
    report = db_session.scalar(select(ProblemReport))
    assert report.agency_id is None and report.contact_phone == "13700003333"
    assert feedback.queue(db_session=db_session, actor=world.market_staff) == []
    operator, _ = make_actor(db_session, clock, role="operator")
    assert [r.id for r in feedback.queue(db_session=db_session, actor=operator)] == [report.id]
    feedback.reply(db_session=db_session, clock=clock, actor=operator, report_id=report.id, text="已修复")
    db_session.commit()
    assert [d.channel for d in notify.deliveries_for(db_session=db_session)] == ["sms"]


@pytest.mark.req("RATE-09")
def test_bad_reports_get_a_chinese_4xx_and_write_nothing(client, db_session, clock, world):
    csrf = page_csrf(client, "/feedback/new")
    for data, words in (({"body": "x" * 10_000}, "太长"), ({"body": "<script>x</script>"}, "网页代码"),
                        ({"body": "有错", "item_id": "99999"}, "没有找到这个事项"), ({"body": "有错", "kind": "spam"}, "问题类型"),
                        ({"body": "有错", "contact_phone": "12"}, "手机号码")):
        answer = client.post("/feedback", data={"csrf": csrf, "kind": "fault", **data})
        assert 400 <= answer.status_code < 500 and words in answer.text, (data, answer.status_code)
    assert db_session.scalar(select(func.count(ProblemReport.id))) == 0
