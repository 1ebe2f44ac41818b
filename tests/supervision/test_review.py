"""Regressions found in review: page markup, statistics per period, faults and rules in scope, CSV cells (SUP-03 … SUP-06)."""

from __future__ import annotations

import re

import pytest

from tests.cases.caseflow import staff_headers
from tests.supervision.supflow import supervisor


@pytest.mark.req("SUP-06")
def test_the_faults_page_title_holds_only_its_title(client, db_session, clock):
    _, token, _ = supervisor(db_session, clock)
    db_session.commit()
    page = client.get("/staff/supervision/faults", headers=staff_headers(token))
    assert page.status_code == 200
    title = re.search(r"<title>(.*?)</title>", page.text, re.S).group(1)
    assert "<" not in title and title.startswith("故障与差错")
    assert page.text.count('id="rule-h"') == 1


@pytest.mark.req("SUP-04")
def test_by_month_a_case_counts_as_accepted_in_the_month_it_was_accepted(db_session, clock):
    from datetime import date

    from tongban.cases import handling
    from tongban.supervision import stats
    from tongban.supervision.scope import Scope

    from tests.cases.caseflow import submit
    from tests.supervision.supflow import Desk, set_day

    desk = Desk(db_session, clock)
    set_day(clock, date(2026, 9, 30))
    case = submit(db_session, clock, desk.item, desk.person)
    set_day(clock, date(2026, 10, 8))
    handling.accept(db_session=db_session, clock=clock, actor=desk.staff.acceptor, case=case)
    set_day(clock, date(2026, 11, 20))
    period = stats.period_of(clock=clock, start="2026-10-01", end="2026-10-31")
    report = stats.report(db_session=db_session, clock=clock, scope=Scope("51"), period=period, dimension="period")
    assert [(r.key, r.received, r.accepted) for r in report.rows] == [("2026-10", 0, 1)]
    wider = stats.report(db_session=db_session, clock=clock, scope=Scope("51"), dimension="period",
                         period=stats.period_of(clock=clock, start="2026-09-01", end="2026-10-31"))
    assert [(r.key, r.received, r.accepted) for r in wider.rows] == [("2026-09", 1, 0), ("2026-10", 0, 1)]
    assert (wider.total.received, wider.total.accepted) == (1, 1)


@pytest.mark.req("SUP-04")
def test_dashboard_and_stats_page_read_the_cases_of_the_period_once(client, db_session, clock, history, monkeypatch):
    from tongban.supervision import stats

    _, token, _ = supervisor(db_session, clock)
    db_session.commit()
    calls = []
    real = stats.collect
    monkeypatch.setattr(stats, "collect", lambda **kw: calls.append(1) or real(**kw))
    assert client.get("/staff/supervision", headers=staff_headers(token)).status_code == 200
    assert len(calls) == 1
    assert client.get("/staff/supervision/stats", headers=staff_headers(token)).status_code == 200
    assert len(calls) == 2
