"""Overdue cases and bad ratings caused by a recorded platform fault are kept out of performance (SUP-06; 002 8.8.7d)."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from tongban.core.clock import SHANGHAI
from tongban.core.errors import Forbidden, InvalidInput, NotFound
from tongban.supervision import faults, stats
from tongban.supervision.scope import Scope

from tests.cases.caseflow import person_headers, staff_headers
from tests.factories import make_actor, make_agency, make_item
from tests.supervision.supflow import supervisor

PERIOD = {"start": "2026-10-01", "end": "2026-11-20"}
CSRF = "test-csrf-token"


def local(*args) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)


def agency_row(db_session, clock, name: str) -> stats.Row:
    report = stats.report(db_session=db_session, clock=clock, scope=Scope("51"), dimension="agency",
                          period=stats.period_of(clock=clock, **PERIOD))
    return next(r for r in report.rows if r.label == name), report


@pytest.mark.req("SUP-06")
def test_a_late_case_overlapping_a_recorded_fault_is_excluded_with_its_reason(db_session, clock, history):
    actor, _, _ = supervisor(db_session, clock)
    row, _ = agency_row(db_session, clock, "广安市市场监督管理局")
    assert (row.on_time, row.late, row.excluded, row.on_time_rate) == (1, 1, 0, 0.5)
    faults.record_fault(db_session=db_session, clock=clock, actor=actor, started_at=local(2026, 9, 1, 9), ended_at=local(2026, 9, 2, 9),
                        cause="fault", description="审批系统数据库故障")  # before the case was accepted: no excuse
    faults.record_fault(db_session=db_session, clock=clock, actor=actor, started_at=local(2026, 10, 15, 9),
                        ended_at=local(2026, 10, 16, 17), cause="upgrade", description="审批系统升级，暂停办理",
                        agency_id=history.b.agency.id)  # another agency's fault: no excuse either
    row, _ = agency_row(db_session, clock, "广安市市场监督管理局")
    assert row.excluded == 0
    faults.record_fault(db_session=db_session, clock=clock, actor=actor, started_at=local(2026, 10, 15, 9),
                        ended_at=local(2026, 10, 16, 17), cause="fault", description="电子证照系统故障，无法制证",
                        agency_id=history.a.agency.id)
    row, report = agency_row(db_session, clock, "广安市市场监督管理局")
    assert (row.on_time, row.late, row.excluded, row.on_time_rate) == (1, 0, 1, 1.0)  # the on-time case still counts
    assert [(c.id, reason[:4]) for c, reason in report.excluded_cases] == [(history.late.id, "系统故障")]
    assert "电子证照系统故障" in report.excluded_cases[0][1]


@pytest.mark.req("SUP-06")
def test_ratings_hook_tells_whether_a_fault_caused_a_bad_rating(db_session, clock):
    agency = make_agency(db_session)
    item, other_item = make_item(db_session, clock, agency=agency), make_item(db_session, clock, agency=agency)
    actor, _, _ = supervisor(db_session, clock)
    faults.record_fault(db_session=db_session, clock=clock, actor=actor, started_at=local(2026, 11, 2, 9),
                        ended_at=local(2026, 11, 2, 12), cause="change", description="统一身份认证调整",
                        agency_id=agency.id, item_id=item.id)
    args = {"agency_id": agency.id, "item_id": item.id, "region_code": agency.region_code}
    assert faults.fault_at(db_session=db_session, at=local(2026, 11, 2, 10), **args).description == "统一身份认证调整"
    assert faults.fault_at(db_session=db_session, at=local(2026, 11, 2, 13), **args) is None
    assert faults.fault_at(db_session=db_session, at=local(2026, 11, 2, 10), **{**args, "item_id": other_item.id}) is None


@pytest.mark.req("SUP-06")
def test_recording_faults_and_errors_is_checked(db_session, clock, history):
    actor, _, _ = supervisor(db_session, clock)
    stranger, _, _ = supervisor(db_session, clock, region_code="510700")
    reviewer, _ = make_actor(db_session, clock, role="reviewer", agency=history.a.agency)
    good = {"started_at": local(2026, 11, 1, 9), "ended_at": local(2026, 11, 1, 10), "cause": "fault", "description": "故障"}
    for change, code in (({"ended_at": local(2026, 11, 1, 8)}, "FAULT_PERIOD_INVALID"),
                         ({"ended_at": local(2026, 12, 15, 8)}, "FAULT_TOO_LONG"),
                         ({"started_at": local(2026, 11, 30, 9), "ended_at": local(2026, 12, 1, 9)}, "FAULT_IN_FUTURE"),
                         ({"cause": "rain"}, "CHOICE_INVALID"), ({"description": "  "}, "TEXT_REQUIRED")):
        with pytest.raises(InvalidInput) as error:
            faults.record_fault(db_session=db_session, clock=clock, actor=actor, **{**good, **change})
        assert error.value.code == code
    with pytest.raises(Forbidden):
        faults.record_fault(db_session=db_session, clock=clock, actor=reviewer, **good)
    with pytest.raises(Forbidden):
        faults.record_fault(db_session=db_session, clock=clock, actor=stranger, agency_id=history.a.agency.id, **good)
    with pytest.raises(NotFound):  # another region's case number is not confirmed to exist
        faults.record_error(db_session=db_session, clock=clock, actor=stranger, case_number=history.late.case_number,
                            kind="document_reissued", note="决定书日期有误")
    faults.record_error(db_session=db_session, clock=clock, actor=actor, case_number=history.late.case_number,
                        kind="document_reissued", note="决定书日期有误")
    from tongban.core.errors import Conflict

    with pytest.raises(Conflict):
        faults.record_error(db_session=db_session, clock=clock, actor=actor, case_number=history.late.case_number,
                            kind="document_reissued", note="再次登记")


@pytest.mark.req("SUP-06")
def test_fault_pages_and_api(client, db_session, clock, history):
    _, token, _ = supervisor(db_session, clock)
    _, stranger, _ = supervisor(db_session, clock, region_code="510700")
    db_session.commit()
    me = staff_headers(token)
    bad = client.post("/api/v1/supervision/faults", headers=me, json={
        "started_at": "2026-10-16T17:00:00", "ended_at": "2026-10-15T09:00:00", "cause": "fault", "description": "x"})
    assert bad.status_code == 422 and bad.json()["error"]["message"] == "故障结束时间应晚于开始时间"
    assert client.post("/api/v1/supervision/faults", headers=me, json={"cause": "fault"}).status_code == 422
    denied = client.post("/api/v1/supervision/faults", headers=staff_headers(stranger), json={
        "started_at": "2026-10-15T09:00:00", "ended_at": "2026-10-16T17:00:00", "cause": "fault", "description": "x",
        "agency_id": history.a.agency.id})
    assert denied.status_code == 403
    client.cookies.set("tb_csrf", CSRF)
    form = {"csrf": CSRF, "started_at": "2026-10-15T09:00", "ended_at": "2026-10-16T17:00", "cause": "fault",
            "description": "电子证照系统故障", "agency": str(history.a.agency.id)}
    done = client.post("/staff/supervision/faults", data=form, headers=me, follow_redirects=False)
    assert done.status_code == 303
    wrong = client.post("/staff/supervision/faults", data={**form, "ended_at": "昨天"}, headers=me)
    assert wrong.status_code == 422 and "结束时间应写成" in wrong.text
    assert client.post("/staff/supervision/faults", data={**form, "csrf": "forged"}, headers=me).status_code == 403
    listed = client.get("/api/v1/supervision/faults", headers=me).json()
    assert [f["description"] for f in listed] == ["电子证照系统故障"] and listed[0]["cause_label"] == "系统故障"
    assert client.get("/api/v1/supervision/faults", headers=staff_headers(stranger)).json() == []
    body = client.get("/api/v1/supervision/stats", params=PERIOD, headers=me).json()
    assert body["total"]["excluded"] == 1 and body["excluded"][0]["case_number"] == history.late.case_number
    page = client.get("/staff/supervision/stats", params=PERIOD, headers=me)
    assert "因平台故障不计入绩效的办件" in page.text and history.late.case_number in page.text
    error = client.post("/staff/supervision/errors", headers=me, follow_redirects=False,
                        data={"csrf": CSRF, "case_number": history.on_time.case_number, "kind": "decision_corrected", "note": "更正"})
    assert error.status_code == 303
    unknown = client.post("/api/v1/supervision/errors", headers=me, json={"case_number": "NOPE", "kind": "decision_corrected",
                                                                          "note": "x"})
    assert unknown.status_code == 404 and "办件编号" in unknown.json()["error"]["message"]
    citizen = person_headers(db_session, clock, history.a.person)
    assert client.get("/api/v1/supervision/faults", headers=citizen).status_code in (401, 403)
    assert client.get("/staff/supervision/faults", headers=citizen, follow_redirects=False).status_code in (303, 401, 403)


@pytest.mark.req("SUP-03")
def test_warning_thresholds_are_set_per_item_on_the_page(client, db_session, clock):
    item = make_item(db_session, clock, agency=make_agency(db_session))
    _, token, _ = supervisor(db_session, clock)
    db_session.commit()
    me = staff_headers(token)
    client.cookies.set("tb_csrf", CSRF)
    code = item.implementation_code
    wrong = client.post("/staff/supervision/rules", headers=me, data={"csrf": CSRF, "code": code, "share": "三成", "days": ""})
    assert wrong.status_code == 422 and "剩余比例应为数字" in wrong.text
    missing = client.post("/staff/supervision/rules", headers=me, data={"csrf": CSRF, "code": "NO-SUCH", "days": "3"})
    assert missing.status_code == 404
    saved = client.post("/staff/supervision/rules", headers=me, data={"csrf": CSRF, "code": code, "share": "", "days": "3"},
                        follow_redirects=True)
    assert saved.status_code == 200 and "单独设置预警阈值" in saved.text and code in saved.text
    reset = client.post("/staff/supervision/rules", headers=me, data={"csrf": CSRF, "code": code, "delete": "1"},
                        follow_redirects=True)
    assert reset.status_code == 200 and "已恢复全局预警阈值" in reset.text


@pytest.mark.req("SUP-06")
def test_an_open_overdue_case_hit_by_a_fault_is_marked_in_monitoring(client, db_session, clock, history):
    from tests.supervision.supflow import set_day
    from tests.supervision.conftest import TODAY

    overdue = history.a.accepted(date(2026, 11, 10))  # promised due 17 November
    set_day(clock, TODAY)
    actor, token, _ = supervisor(db_session, clock)
    faults.record_fault(db_session=db_session, clock=clock, actor=actor, started_at=local(2026, 11, 12, 9),
                        ended_at=local(2026, 11, 12, 17), cause="fault", description="受理系统宕机",
                        agency_id=history.a.agency.id)
    db_session.commit()
    rows = {c["case_id"]: c for c in client.get("/api/v1/supervision/monitor", headers=staff_headers(token)).json()["cases"]}
    assert rows[overdue.id]["status"] == "red" and "受理系统宕机" in rows[overdue.id]["excused"]
    assert rows[history.open.id]["excused"] == ""  # yellow: nothing to excuse
    page = client.get("/staff/supervision/monitor", headers=staff_headers(token))
    assert "不计入绩效：系统故障" in page.text


def test_the_faults_page_speaks_to_people_not_in_setting_names_or_clause_numbers(client, db_session, clock):
    """Issue 21: the page showed TONGBAN_WARN_SHARE and "(002 8.8.7d)"; people read what the rule does."""
    item = make_item(db_session, clock, agency=make_agency(db_session))
    actor, token, _ = supervisor(db_session, clock)
    from tongban.supervision import rules

    rules.set_rule(db_session=db_session, clock=clock, actor=actor, item_id=item.id, share=0.3, days=0)
    db_session.commit()
    page = client.get("/staff/supervision/faults", headers=staff_headers(token))
    assert page.status_code == 200
    assert "TONGBAN_" not in page.text and "8.8.7" not in page.text and "002 " not in page.text
    assert "剩余时限不超过总时限的 20%或剩余不超过 2 天（工作日时限按工作日计）时黄色预警" in page.text
    assert "剩余时限不超过总时限的 30%时黄色预警" in page.text  # the item's own rule, in words, not "0.3"
    assert "不计入单位和个人的绩效考核" in page.text
