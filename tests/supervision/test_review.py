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


@pytest.mark.req("SUP-06")
def test_faults_of_other_regions_never_crowd_out_the_actors_own(db_session, clock):
    from datetime import datetime, timedelta

    from tongban.core.clock import SHANGHAI
    from tongban.supervision import faults

    from tests.factories import make_agency

    me, _, _ = supervisor(db_session, clock)
    city, _, _ = supervisor(db_session, clock, region_code="511602")
    stranger, _, _ = supervisor(db_session, clock, region_code="510700")
    province, _, _ = supervisor(db_session, clock, region_code="510000")
    mine_agency, other_agency = make_agency(db_session), make_agency(db_session)
    in_agency, _, _ = supervisor(db_session, clock, agency=mine_agency)
    start = datetime(2026, 11, 2, 9, tzinfo=SHANGHAI)

    def record(actor, hours, **kw):
        return faults.record_fault(db_session=db_session, clock=clock, actor=actor, started_at=start + timedelta(hours=hours),
                                   ended_at=start + timedelta(hours=hours + 1), cause="fault", description="故障", **kw)

    own = record(me, 0)
    wide = record(province, 1)
    other = record(me, 2, agency_id=other_agency.id)
    for hours in range(3, 9):
        record(stranger, hours)
    assert faults.list_faults(db_session=db_session, actor=me, limit=1) == [other]
    assert faults.list_faults(db_session=db_session, actor=me, limit=3) == [other, wide, own]
    assert faults.list_faults(db_session=db_session, actor=city, limit=5) == [other, wide, own]
    assert faults.list_faults(db_session=db_session, actor=in_agency) == [wide, own]
    assert own not in faults.list_faults(db_session=db_session, actor=stranger)


@pytest.mark.req("SUP-03")
def test_item_rules_are_listed_for_the_actors_scope_in_two_queries(db_session, clock):
    from sqlalchemy import event

    from tongban.supervision import rules

    from tests.factories import make_agency, make_item

    me, _, _ = supervisor(db_session, clock)
    stranger, _, _ = supervisor(db_session, clock, region_code="510700")
    agency = make_agency(db_session)
    far = make_agency(db_session, region_code="510700")
    in_agency, _, _ = supervisor(db_session, clock, agency=agency)
    items = [make_item(db_session, clock, agency=agency) for _ in range(3)]
    mine_other = make_item(db_session, clock, agency=make_agency(db_session))
    far_item = make_item(db_session, clock, agency=far)
    for item in [*items, mine_other]:
        rules.set_rule(db_session=db_session, clock=clock, actor=me, item_id=item.id, share=0.3, days=1)
    rules.set_rule(db_session=db_session, clock=clock, actor=stranger, item_id=far_item.id, share=0.3, days=1)
    db_session.flush()
    db_session.expunge_all()  # nothing cached: every item read shows as a statement
    statements = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(db_session.get_bind(), "before_cursor_execute", listener)
    try:
        found = rules.rules_in_scope(db_session=db_session, actor=me)
    finally:
        event.remove(db_session.get_bind(), "before_cursor_execute", listener)
    assert len(statements) == 2  # the rules, then their items in scope through catalog.reads, however many
    assert {item.id for _, item in found} == {i.id for i in [*items, mine_other]}
    assert {item.id for _, item in rules.rules_in_scope(db_session=db_session, actor=in_agency)} == {i.id for i in items}
    assert [item.id for _, item in rules.rules_in_scope(db_session=db_session, actor=stranger)] == [far_item.id]


@pytest.mark.req("SUP-04")
def test_csv_keeps_names_that_look_like_formulas_as_text(clock):
    import csv
    import io

    from tongban.supervision import stats

    period = stats.period_of(clock=clock)
    report = stats.Report(dimension=stats.Dimension.item, period=period,
                          rows=[stats.Row("1", '=HYPERLINK("http://x","点我")', received=1), stats.Row("2", "@SUM(A1)"),
                                stats.Row("3", "食品经营许可")])
    lines = list(csv.reader(io.StringIO(stats.to_csv(report).decode("utf-8-sig"))))
    assert [line[0] for line in lines[1:]] == ['\'=HYPERLINK("http://x","点我")', "'@SUM(A1)", "食品经营许可", "合计"]


@pytest.mark.req("SUP-05")
def test_recording_an_error_on_another_regions_case_answers_like_an_unknown_number(client, db_session, clock, history):
    _, stranger, _ = supervisor(db_session, clock, region_code="510700")
    db_session.commit()
    answers = [client.post("/api/v1/supervision/errors", headers=staff_headers(stranger),
                           json={"case_number": number, "kind": "decision_revoked", "note": "撤销"})
               for number in (history.late.case_number, "NOPE-0001")]
    assert [a.status_code for a in answers] == [404, 404]
    assert answers[0].json() == answers[1].json()
    from tongban.supervision.models import CaseError

    assert db_session.query(CaseError).count() == 0


@pytest.mark.req("SUP-04")
def test_scans_monitoring_and_statistics_never_decrypt_applicants_data(db_session, clock, history, monkeypatch):
    from tongban.core.crypto import Keyring
    from tongban.supervision import monitor, stats, warnings
    from tongban.supervision.scope import Scope

    db_session.commit()
    db_session.expunge_all()  # a fresh request's session: nothing of the cases is loaded yet
    decrypted = []
    real = Keyring.decrypt
    monkeypatch.setattr(Keyring, "decrypt", lambda self, stored: decrypted.append(1) or real(self, stored))
    scope = Scope("5116")
    period = stats.period_of(clock=clock, start="2026-10-01", end="2026-11-20")
    report = stats.report(db_session=db_session, clock=clock, scope=scope, period=period, dimension="staff")
    live = monitor.monitor(db_session=db_session, clock=clock, scope=scope, level="all")
    warnings.scan(db_session=db_session, clock=clock)
    assert report.total.received == 5 and live.rows and decrypted == []


@pytest.mark.req("SUP-06")
def test_a_fault_after_the_due_date_does_not_excuse_the_delay(db_session, clock, history):
    from datetime import date, datetime

    from tongban.core.clock import SHANGHAI
    from tongban.supervision import faults, monitor, stats
    from tongban.supervision.scope import Scope

    from tests.supervision.conftest import TODAY
    from tests.supervision.supflow import set_day

    overdue = history.a.accepted(date(2026, 11, 10))  # promised due 17 November, still open
    set_day(clock, TODAY)
    actor, _, _ = supervisor(db_session, clock)
    scope, period = Scope("5116"), stats.period_of(clock=clock, start="2026-10-01", end="2026-11-20")

    def record(start, end):
        return faults.record_fault(db_session=db_session, clock=clock, actor=actor, agency_id=history.a.agency.id,
                                   started_at=datetime(*start, tzinfo=SHANGHAI), ended_at=datetime(*end, tzinfo=SHANGHAI),
                                   cause="fault", description="审批系统故障")

    def excused():
        report = stats.report(db_session=db_session, clock=clock, scope=scope, period=period, dimension="agency")
        live = monitor.monitor(db_session=db_session, clock=clock, scope=scope, level="red")
        return [c.id for c, _ in report.excluded_cases], [m.case.id for m in live.rows if m.excused]

    record((2026, 10, 21, 9), (2026, 10, 22, 17))  # the late case (due 19 October) was already overdue
    record((2026, 11, 18, 9), (2026, 11, 18, 17))  # the open one (due 17 November) too
    assert excused() == ([], [])
    record((2026, 10, 19, 16), (2026, 10, 19, 17))  # on the due days themselves: they count
    record((2026, 11, 17, 16), (2026, 11, 17, 17))
    assert excused() == ([history.late.id], [overdue.id])


@pytest.mark.req("SUP-06")
def test_fault_times_and_period_bounds_keep_beijing_time_on_every_database(db_session, clock):
    from datetime import date, datetime, timezone

    from tongban.core.clock import SHANGHAI
    from tongban.supervision import faults, stats
    from tongban.supervision.models import PlatformFault
    from tongban.supervision.scope import Scope

    from tests.cases.caseflow import submit
    from tests.supervision.supflow import Desk, set_day

    actor, _, _ = supervisor(db_session, clock)
    fault = faults.record_fault(db_session=db_session, clock=clock, actor=actor, cause="fault", description="故障",
                                started_at=datetime(2026, 11, 2, 9, tzinfo=SHANGHAI),
                                ended_at=datetime(2026, 11, 2, 10, tzinfo=SHANGHAI))
    db_session.commit()
    db_session.expire_all()
    stored = db_session.get(PlatformFault, fault.id)
    assert stored.started_at == datetime(2026, 11, 2, 1, tzinfo=timezone.utc)
    args = {"agency_id": 1, "item_id": 1, "region_code": "511602"}
    assert faults.fault_at(db_session=db_session, at=datetime(2026, 11, 2, 9, 30, tzinfo=SHANGHAI), **args) is not None
    assert faults.fault_at(db_session=db_session, at=datetime(2026, 11, 2, 17, 30, tzinfo=SHANGHAI), **args) is None

    desk = Desk(db_session, clock)
    set_day(clock, date(2026, 11, 1), hour=2)  # 02:00 in Beijing on the first day: still 31 October in UTC
    submit(db_session, clock, desk.item, desk.person)
    set_day(clock, date(2026, 11, 20))
    period = stats.period_of(clock=clock, start="2026-11-01", end="2026-11-20")
    report = stats.report(db_session=db_session, clock=clock, scope=Scope("51"), period=period, dimension="agency")
    assert report.total.received == 1


@pytest.mark.req("SUP-06")
def test_a_fault_long_before_the_period_still_excuses_a_case_accepted_then(db_session, clock):
    from datetime import date, datetime

    from tongban.core.clock import SHANGHAI
    from tongban.supervision import faults, stats
    from tongban.supervision.scope import Scope

    from tests.supervision.supflow import Desk, set_day

    desk = Desk(db_session, clock)
    slow = desk.decide(desk.accepted(date(2025, 7, 1)), date(2026, 11, 2))  # promised due 8 July 2025
    set_day(clock, date(2026, 11, 20))
    actor, _, _ = supervisor(db_session, clock)
    faults.record_fault(db_session=db_session, clock=clock, actor=actor, cause="fault", description="受理系统宕机",
                        started_at=datetime(2025, 7, 3, 9, tzinfo=SHANGHAI), ended_at=datetime(2025, 7, 4, 17, tzinfo=SHANGHAI))
    period = stats.period_of(clock=clock, start="2026-11-01", end="2026-11-20")
    report = stats.report(db_session=db_session, clock=clock, scope=Scope("51"), period=period, dimension="agency")
    assert [c.id for c, _ in report.excluded_cases] == [slow.id]


@pytest.mark.req("SUP-03")
def test_only_the_dispatches_shown_on_the_page_count_as_read(client, db_session, clock, monkeypatch):
    import functools
    from datetime import date

    from tongban.accounts import staff as staff_service
    from tongban.supervision import warnings

    from tests.factories import make_staff
    from tests.supervision.supflow import Desk, set_day

    desk = Desk(db_session, clock)
    desk.accepted(date(2026, 11, 10))  # red on its promised limit, yellow on its legal one
    set_day(clock, date(2026, 11, 20))
    account, _ = make_staff(db_session, clock, roles=["reviewer"], agency=desk.agency)
    _, token = staff_service.create_token(db_session=db_session, clock=clock, staff_id=account.id, label="t")
    assert len(warnings.scan(db_session=db_session, clock=clock).raised) == 2
    db_session.commit()
    monkeypatch.setattr(warnings, "dispatches_for", functools.partial(warnings.dispatches_for, limit=1))
    assert client.get("/staff/supervision/dispatches", headers=staff_headers(token)).status_code == 200
    monkeypatch.undo()
    read = [d["read_at"] is not None for d in client.get("/api/v1/supervision/dispatches", headers=staff_headers(token)).json()]
    assert sorted(read) == [False, True]


@pytest.mark.req("SUP-04")
def test_statistics_dates_far_outside_any_calendar_get_the_period_message(client, db_session, clock):
    from tongban.core.errors import InvalidInput
    from tongban.supervision import stats

    _, token, _ = supervisor(db_session, clock)
    db_session.commit()
    for params in ({"start": "0001-01-01", "end": "0001-01-01"}, {"end": "0001-03-01"}, {"start": "9999-12-01", "end": "9999-12-31"}):
        answer = client.get("/api/v1/supervision/stats", params=params, headers=staff_headers(token))
        assert answer.status_code == 422 and answer.json()["error"]["code"] == "DATE_OUT_OF_RANGE", params
        page = client.get("/staff/supervision/stats", params=params, headers=staff_headers(token))
        assert page.status_code == 422 and "统计日期应在 2000 年至 2099 年之间" in page.text
    with pytest.raises(InvalidInput):  # the command line gets a message too, not an OverflowError
        stats.period_of(clock=clock, end="0001-02-01")


@pytest.mark.req("SUP-05")
def test_the_errors_list_shows_case_numbers_without_reading_applicants_data(db_session, clock, history, monkeypatch):
    from tongban.core.crypto import Keyring
    from tongban.supervision import faults

    actor, _, _ = supervisor(db_session, clock)
    faults.record_error(db_session=db_session, clock=clock, actor=actor, case_number=history.late.case_number,
                        kind="document_reissued", note="决定书日期有误")
    db_session.commit()
    db_session.expunge_all()
    decrypted = []
    real = Keyring.decrypt
    monkeypatch.setattr(Keyring, "decrypt", lambda self, stored: decrypted.append(1) or real(self, stored))
    found = faults.errors_in_scope(db_session=db_session, actor=actor)
    assert [c.case_number for _, c in found] == [history.late.case_number] and decrypted == []


@pytest.mark.req("SUP-03")
def test_the_rules_form_finds_the_item_of_the_actors_region_when_another_uses_the_same_code(client, db_session, clock):
    from tongban.supervision.models import WarningRule

    from tests.factories import make_agency, make_item

    far = make_item(db_session, clock, agency=make_agency(db_session, region_code="510700"))
    mine = make_item(db_session, clock, agency=make_agency(db_session))
    far.code_scheme, far.implementation_code = "其他编码", mine.implementation_code  # unique per scheme only
    db_session.flush()
    mine_id = mine.id
    _, token, _ = supervisor(db_session, clock)
    db_session.commit()
    client.cookies.set("tb_csrf", "t-csrf")
    saved = client.post("/staff/supervision/rules", headers=staff_headers(token), follow_redirects=False,
                        data={"csrf": "t-csrf", "code": mine.implementation_code, "share": "0.3", "days": "1"})
    assert saved.status_code == 303  # the other region's item, with the lower id, is not picked up and refused
    db_session.expire_all()
    assert [r.item_id for r in db_session.query(WarningRule)] == [mine_id]
    unknown = client.post("/staff/supervision/rules", headers=staff_headers(token),
                          data={"csrf": "t-csrf", "code": "NO-SUCH-CODE", "share": "0.3", "days": "1"})
    assert unknown.status_code == 404 and "没有实施编码为 NO-SUCH-CODE 的事项" in unknown.text


@pytest.mark.req("SUP-04")
def test_every_route_keeps_to_the_actors_region_and_agency(client, db_session, clock, history):
    from tests.factories import make_actor
    from tests.supervision.supflow import citizen_headers

    _, stranger, _ = supervisor(db_session, clock, region_code="510700")
    _, of_b, _ = supervisor(db_session, clock, agency=history.b.agency)
    _, reviewer = make_actor(db_session, clock, role="reviewer", agency=history.b.agency)
    db_session.commit()
    a, late = history.a.agency.id, history.late
    reads = ["/api/v1/supervision/monitor?level=all", "/api/v1/supervision/stats?start=2026-10-01",
             "/api/v1/supervision/stats.csv?start=2026-10-01", "/api/v1/supervision/flags?start=2026-10-01"]
    for token in (stranger, of_b):
        me = staff_headers(token)
        for path in reads:
            answer = client.get(path, headers=me)
            assert answer.status_code == 200 and late.case_number not in answer.text and "市场监督管理局" not in answer.text
        for path in (f"/api/v1/supervision/monitor?agency_id={a}", f"/api/v1/supervision/stats?agency_id={a}",
                     f"/api/v1/supervision/cases/{late.id}/clock", f"/staff/supervision/monitor?agency={a}"):
            assert client.get(path, headers=me).status_code == 403, path
        assert client.put(f"/api/v1/supervision/items/{history.a.item.id}/warning-rule", json={"days": 3},
                          headers=me).status_code == 403
    assert client.get("/api/v1/supervision/stats?region=511600", headers=staff_headers(stranger)).status_code == 403
    for headers, status in ((staff_headers(reviewer), 403), (citizen_headers(db_session, clock), 401), ({}, 401)):
        for path in reads:
            assert client.get(path, headers=headers).status_code == status, (path, status)
        assert client.post("/api/v1/supervision/faults", headers=headers, json={
            "started_at": "2026-11-01T09:00:00", "ended_at": "2026-11-01T10:00:00", "cause": "fault",
            "description": "x"}).status_code == status


@pytest.mark.req("SUP-06")
def test_a_fault_while_the_clock_stood_in_a_special_procedure_excuses_nothing(db_session, clock):
    from datetime import date, datetime

    from tongban.cases import handling
    from tongban.core.clock import SHANGHAI
    from tongban.supervision import faults, stats
    from tongban.supervision.scope import Scope

    from tests.supervision.supflow import Desk, set_day

    desk = Desk(db_session, clock)
    case = desk.accepted(date(2026, 11, 2))
    set_day(clock, date(2026, 11, 3))
    handling.start_special_procedure(db_session=db_session, clock=clock, actor=desk.staff.reviewer, case=case, name="现场核查")
    set_day(clock, date(2026, 11, 10))
    handling.end_special_procedure(db_session=db_session, clock=clock, actor=desk.staff.reviewer, case=case, outcome="符合")
    assert case.promised_due == date(2026, 11, 16)
    desk.decide(case, date(2026, 11, 18))  # two working days late
    set_day(clock, date(2026, 11, 20))
    actor, _, _ = supervisor(db_session, clock)

    def record(day):
        faults.record_fault(db_session=db_session, clock=clock, actor=actor, cause="fault", description="审批系统故障",
                            started_at=datetime(2026, 11, day, 9, tzinfo=SHANGHAI),
                            ended_at=datetime(2026, 11, day, 17, tzinfo=SHANGHAI))
        period = stats.period_of(clock=clock, start="2026-11-01", end="2026-11-20")
        return stats.report(db_session=db_session, clock=clock, scope=Scope("51"), period=period, dimension="agency")

    assert record(5).excluded_cases == []  # inside the special procedure
    assert [c.id for c, _ in record(12).excluded_cases] == [case.id]  # while the clock ran
