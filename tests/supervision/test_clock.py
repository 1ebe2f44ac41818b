"""Due dates on the working-day calendar, both limits, pauses, and how every case page explains them (SUP-01, SUP-02)."""

from __future__ import annotations

from datetime import date, timedelta

import chinese_calendar
import pytest

from tongban.cases import handling
from tongban.supervision import status
from tongban.supervision.enums import ClockStatus

from tests.cases.caseflow import person_headers, staff_headers, submit
from tests.supervision.supflow import Desk, set_day, supervisor


def nth_workday(start: date, n: int) -> date:
    """The oracle: chinesecalendar's own workdays, counted after ``start``."""
    day = start
    while n:
        day += timedelta(days=1)
        n -= chinese_calendar.is_workday(day)
    return day


@pytest.mark.req("SUP-01")
def test_both_limits_are_counted_on_the_holiday_calendar_and_explained(db_session, clock):
    desk = Desk(db_session, clock)
    case = desk.accepted(date(2026, 9, 24))  # Thursday before 中秋节 and 国庆节
    assert case.promised_due == nth_workday(date(2026, 9, 24), 5) == date(2026, 10, 9)
    assert case.legal_due == nth_workday(date(2026, 9, 24), 10) == date(2026, 10, 15)
    explained = status.evaluate(db_session=db_session, clock=clock, case=case)
    promised, legal = explained.limit("promised"), explained.limit("legal")
    assert explained.start == date(2026, 9, 24) and (promised.due, legal.due) == (case.promised_due, case.legal_due)
    names = {name for _, name in legal.holidays_skipped}
    assert {"中秋节", "国庆节"} <= names and len(legal.holidays_skipped) == 10
    assert legal.makeup_workdays == [(date(2026, 10, 10), "国庆节")]  # the Saturday make-up workday counts
    assert legal.weekend_days_skipped == 1 and not explained.flagged


@pytest.mark.req("SUP-01")
def test_a_limit_reaching_a_year_without_calendar_data_is_flagged(db_session, clock):
    desk = Desk(db_session, clock)
    case = desk.accepted(date(2026, 12, 21))
    explained = status.evaluate(db_session=db_session, clock=clock, case=case)
    assert explained.flagged and explained.unknown_years == [2027]
    assert explained.limit("promised").unknown_years == []  # 5 working days stay inside 2026
    assert explained.limit("legal").unknown_years == [2027]


@pytest.mark.req("SUP-01")
def test_natural_day_limits_end_on_the_next_working_day_after_a_holiday(db_session, clock):
    desk = Desk(db_session, clock, limit_unit="natural_day", legal_limit_days=7, promised_limit_days=3)
    case = desk.accepted(date(2026, 9, 30))
    assert case.promised_due == date(2026, 10, 8)  # 3 October is in the National Day holiday: rolled to the 8th
    assert case.legal_due == date(2026, 10, 8)
    explained = status.evaluate(db_session=db_session, clock=clock, case=case)
    assert explained.unit.value == "natural_day" and explained.limit("promised").holidays_skipped


@pytest.mark.req("SUP-02")
def test_special_procedures_pause_both_clocks_and_the_explanation_lists_the_pause(db_session, clock):
    desk = Desk(db_session, clock)
    case = desk.accepted(date(2026, 11, 2))  # Monday
    before = (case.promised_due, case.legal_due)
    assert before == (date(2026, 11, 9), date(2026, 11, 16))
    set_day(clock, date(2026, 11, 3))
    handling.start_special_procedure(db_session=db_session, clock=clock, actor=desk.staff.reviewer, case=case, name="现场核查")
    set_day(clock, date(2026, 11, 5))
    paused = status.evaluate(db_session=db_session, clock=clock, case=case)
    assert paused.status is ClockStatus.paused and paused.pauses[0].open and paused.pauses[0].days == 2
    set_day(clock, date(2026, 11, 10))  # a week later: five working days stood still
    handling.end_special_procedure(db_session=db_session, clock=clock, actor=desk.staff.reviewer, case=case, outcome="符合")
    assert (case.promised_due, case.legal_due) == (date(2026, 11, 16), date(2026, 11, 23))
    explained = status.evaluate(db_session=db_session, clock=clock, case=case)
    (pause,) = explained.pauses
    assert (pause.kind, pause.start, pause.end, pause.days, pause.open) == ("special_procedure", date(2026, 11, 3),
                                                                            date(2026, 11, 10), 5, False)
    assert explained.limit("promised").paused_days == 5 and explained.limit("promised").due == case.promised_due


@pytest.mark.req("SUP-02")
def test_a_supplement_before_acceptance_stops_no_running_clock(db_session, clock):
    desk = Desk(db_session, clock)
    set_day(clock, date(2026, 11, 2))
    case = submit(db_session, clock, desk.item, desk.person)
    handling.request_supplement(db_session=db_session, clock=clock, actor=desk.staff.acceptor, case=case,
                                missing=[handling.Missing("m2", "平面图不清晰")])
    assert status.evaluate(db_session=db_session, clock=clock, case=case).status is ClockStatus.not_started
    set_day(clock, date(2026, 11, 9))
    from tongban.cases import service as cases
    from tests.cases.caseflow import PDF
    from tongban.cases.files import Upload

    cases.supplement(db_session=db_session, clock=clock, case=case, uploads=[Upload("m2", "平面图.pdf", PDF)],
                     actor_ref=f"person:{desk.person.id}", actor_name=desk.person.name)
    handling.accept(db_session=db_session, clock=clock, actor=desk.staff.acceptor, case=case)
    assert case.promised_due == date(2026, 11, 16)  # five working days from acceptance, nothing added
    explained = status.evaluate(db_session=db_session, clock=clock, case=case)
    assert [(p.kind, p.days) for p in explained.pauses] == [("supplement", 0)]


@pytest.mark.req("SUP-01")
@pytest.mark.req("SUP-02")
def test_applicant_and_staff_case_pages_show_how_the_due_date_was_computed(client, db_session, clock):
    desk = Desk(db_session, clock)
    case = desk.accepted(date(2026, 9, 24))
    db_session.commit()
    page = client.get(f"/cases/{case.id}", headers=person_headers(db_session, clock, desk.person))
    assert page.status_code == 200 and "办理时限如何计算" in page.text
    assert "2026-09-24" in page.text and "国庆节" in page.text and "2026-10-15" in page.text
    staff_page = client.get(f"/staff/cases/{case.id}", headers=staff_headers(_token(db_session, clock, desk)))
    assert staff_page.status_code == 200 and "办理时限如何计算" in staff_page.text and "调休上班日计入" in staff_page.text


def _token(db_session, clock, desk):
    from tests.factories import make_actor

    _, token = make_actor(db_session, clock, role="reviewer", agency=desk.agency)
    db_session.commit()
    return token


@pytest.mark.req("SUP-01")
def test_clock_api_for_staff_in_scope_only(client, db_session, clock):
    desk = Desk(db_session, clock)
    case = desk.accepted(date(2026, 9, 24))
    _, mine, _ = supervisor(db_session, clock, region_code="511600")
    _, other, _ = supervisor(db_session, clock, region_code="510700")  # 绵阳市
    db_session.commit()
    response = client.get(f"/api/v1/supervision/cases/{case.id}/clock", headers=staff_headers(mine))
    body = response.json()
    assert response.status_code == 200 and body["start"] == "2026-09-24" and not body["calendar_flagged"]
    legal = next(line for line in body["limits"] if line["kind"] == "legal")
    assert legal["due"] == "2026-10-15" and legal["makeup_workdays"] == [{"date": "2026-10-10", "name": "国庆节"}]
    denied = client.get(f"/api/v1/supervision/cases/{case.id}/clock", headers=staff_headers(other))
    assert denied.status_code == 403 and "本地区" in denied.json()["error"]["message"]
    assert client.get("/api/v1/supervision/cases/999999/clock", headers=staff_headers(mine)).status_code == 404
    assert client.get("/api/v1/supervision/cases/abc/clock", headers=staff_headers(mine)).status_code == 422
    citizen = person_headers(db_session, clock, desk.person)
    assert client.get(f"/api/v1/supervision/cases/{case.id}/clock", headers=citizen).status_code in (401, 403)
