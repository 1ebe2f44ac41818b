"""Statistics by agency, item, staff and period with charts and CSV; real-time monitoring; items flagged for high
return, error, bad-rating or complaint rates (SUP-04, SUP-05)."""

from __future__ import annotations

import csv
import io
import re

import pytest

from tongban.supervision import faults, flags, stats
from tongban.supervision.scope import Scope

from tests.cases.caseflow import staff_headers
from tests.supervision.supflow import supervisor

PERIOD = {"start": "2026-10-01", "end": "2026-11-20"}


def by(db_session, clock, dimension: str) -> dict[str, stats.Row]:
    report = stats.report(db_session=db_session, clock=clock, scope=Scope("51"), dimension=dimension,
                          period=stats.period_of(clock=clock, **PERIOD))
    return {row.label: row for row in [*report.rows, report.total]}


@pytest.mark.req("SUP-04")
def test_volumes_on_time_rate_handling_days_returns_and_errors_by_agency_and_item(db_session, clock, history):
    a, b = by(db_session, clock, "agency")["广安市市场监督管理局"], by(db_session, clock, "agency")["广安市卫生健康委员会"]
    assert (a.received, a.accepted, a.decided, a.on_time, a.late) == (4, 3, 2, 1, 1)
    assert a.on_time_rate == 0.5 and a.average_days == 6.0  # 2 and 10 working days from acceptance to decision
    assert (a.returned, a.return_rate) == (1, 0.25)
    assert (b.received, b.decided, b.on_time_rate, b.average_days, b.return_rate) == (1, 1, 1.0, 2.0, 0.0)
    total = by(db_session, clock, "agency")["合计"]
    assert (total.received, total.decided, total.on_time) == (5, 3, 2)
    assert a.error_rate == 0.0
    _, _, account = supervisor(db_session, clock)
    from tongban.accounts.staff import actor_for

    faults.record_error(db_session=db_session, clock=clock, actor=actor_for(account), case_number=history.on_time.case_number,
                        kind="decision_corrected", note="证照经营项目录入有误，已更正")
    items = stats.report(db_session=db_session, clock=clock, scope=Scope("51"), dimension="item",
                         period=stats.period_of(clock=clock, **PERIOD))
    item_a = next(r for r in items.rows if r.key == str(history.a.item.id))
    assert (item_a.errors, item_a.error_rate) == (1, 0.5)


@pytest.mark.req("SUP-04")
def test_performance_by_staff_and_by_month(db_session, clock, history):
    staff = by(db_session, clock, "staff")
    acceptor, decider = staff[history.a.staff.acceptor.name], staff[history.a.staff.decider.name]
    assert (acceptor.received, acceptor.accepted, acceptor.returned, acceptor.decided) == (4, 3, 1, 0)
    assert (decider.decided, decider.on_time, decider.late, decider.received) == (2, 1, 1, 0)
    months = by(db_session, clock, "period")
    assert (months["2026-10"].received, months["2026-10"].decided) == (3, 2)
    assert (months["2026-11"].received, months["2026-11"].decided) == (2, 1)


@pytest.mark.req("SUP-05")
def test_items_with_high_return_error_or_plugged_in_rates_are_flagged(db_session, clock, history, monkeypatch):
    monkeypatch.setenv("TONGBAN_FLAG_MIN_CASES", "2")
    monkeypatch.setenv("TONGBAN_FLAG_RETURN_RATE", "0.2")
    period = stats.period_of(clock=clock, **PERIOD)
    found = flags.flagged_items(db_session=db_session, clock=clock, scope=Scope("51"), period=period)
    assert [(f.item_id, [r.kind for r in f.reasons]) for f in found] == [(history.a.item.id, ["return"])]
    assert "退件率 25.0%（1/4" in found[0].reasons[0].text
    monkeypatch.setenv("TONGBAN_FLAG_RETURN_RATE", "0.3")
    assert flags.flagged_items(db_session=db_session, clock=clock, scope=Scope("51"), period=period) == []

    class BadRatings:  # what the ratings domain will register
        kind, label, threshold, min_total = "bad_rating", "差评率", 0.2, 1

        def item_rates(self, *, db_session, item_ids, start, end):
            assert history.b.item.id in item_ids and start < end
            return {history.b.item.id: (1, 3)}

    flags.register_rate_source(BadRatings())
    try:
        found = flags.flagged_items(db_session=db_session, clock=clock, scope=Scope("51"), period=period)
    finally:
        flags.unregister_rate_source("bad_rating")
    assert [(f.item_id, [r.label for r in f.reasons]) for f in found] == [(history.b.item.id, ["差评率"])]


@pytest.mark.req("SUP-04")
@pytest.mark.req("SUP-05")
def test_stats_api_csv_and_pages_with_charts_in_scope(client, db_session, clock, history, monkeypatch):
    monkeypatch.setenv("TONGBAN_FLAG_MIN_CASES", "2")
    monkeypatch.setenv("TONGBAN_FLAG_RETURN_RATE", "0.2")
    _, mine, _ = supervisor(db_session, clock)
    _, other, _ = supervisor(db_session, clock, region_code="510700")
    db_session.commit()
    me = staff_headers(mine)
    body = client.get("/api/v1/supervision/stats", params={**PERIOD, "dimension": "agency"}, headers=me).json()
    assert body["total"]["received"] == 5 and body["rows"][0]["label"] == "广安市市场监督管理局"
    assert client.get("/api/v1/supervision/stats", params=PERIOD, headers=staff_headers(other)).json()["total"]["received"] == 0
    outside = client.get("/api/v1/supervision/stats", params={"agency_id": history.a.agency.id}, headers=staff_headers(other))
    assert outside.status_code == 403
    for params, word in (({"dimension": "colour"}, "统计维度"), ({"start": "2026-13-01"}, "日期"),
                         ({"start": "2026-11-01", "end": "2026-10-01"}, "开始日期"), ({"start": "2020-01-01"}, "两年")):
        wrong = client.get("/api/v1/supervision/stats", params=params, headers=me)
        assert wrong.status_code == 422 and word in wrong.json()["error"]["message"]
    assert client.get("/api/v1/supervision/stats", params={"agency_id": "x"}, headers=me).status_code == 422
    flagged = client.get("/api/v1/supervision/flags", params=PERIOD, headers=me).json()
    assert flagged[0]["item_id"] == history.a.item.id and flagged[0]["reasons"][0]["kind"] == "return"
    exported = client.get("/staff/supervision/stats.csv", params={**PERIOD, "dimension": "agency"}, headers=me)
    assert exported.status_code == 200 and exported.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert rows[0][:4] == ["部门", "收件量", "受理量", "办结量"] and rows[1][0] == "广安市市场监督管理局" and rows[1][7] == "50.0%"
    assert client.get("/api/v1/supervision/stats.csv", params=PERIOD, headers=me).content.startswith(b"\xef\xbb\xbf")
    page = client.get("/staff/supervision/stats", params={**PERIOD, "dimension": "item"}, headers=me)
    assert page.status_code == 200 and page.text.count("<svg") == 3 and "需整改的事项" in page.text
    assert history.a.item.name in page.text and "退件率 25.0%" in page.text
    wrong_page = client.get("/staff/supervision/stats", params={"dimension": "colour"}, headers=me)
    assert wrong_page.status_code == 422 and "统计维度应为" in wrong_page.text
    dashboard = client.get("/staff/supervision", headers=me)
    assert dashboard.status_code == 200 and dashboard.text.count("<svg") == 3
    assert history.open.case_number in dashboard.text and "预警（黄灯）" in dashboard.text  # due 23 Nov: one day left
    assert re.search(r"缺少 2027 年", dashboard.text)  # next year has no holiday data yet


@pytest.mark.req("SUP-04")
def test_monitoring_counts_open_cases_by_stage_and_warns_about_the_calendar(client, db_session, clock, history):
    _, mine, _ = supervisor(db_session, clock)
    db_session.commit()
    body = client.get("/api/v1/supervision/monitor?level=all", headers=staff_headers(mine)).json()
    stages = {s["state"]: s["counts"] for s in body["stages"]}
    assert stages["under_review"] == {"yellow": 1} and stages["approved"] == {"on_time": 2, "late": 1}
    assert body["calendar_missing_years"] == [2027]
    page = client.get("/staff/supervision/monitor?level=all", headers=staff_headers(mine))
    assert page.status_code == 200 and history.open.case_number in page.text and "2027" in page.text
