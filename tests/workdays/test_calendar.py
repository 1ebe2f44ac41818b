"""Working-day calendar: agreement with chinesecalendar, unentered years flagged, import, CLI, API and page (SUP-01)."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta, timezone

import chinese_calendar
import pytest
from sqlalchemy import delete, event, func, select
from typer.testing import CliRunner

from tests.factories import make_actor
from tongban.cli import app as cli_app
from tongban.core import db as core_db
from tongban.core.clock import FixedClock
from tongban.core.errors import InvalidInput, NotFound
from tongban.workdays import service as workdays
from tongban.workdays.models import CalendarDay, CalendarYear
from tongban.workdays.service import DayKind, WorkingCalendar

FIRST, LAST = date(2004, 1, 1), date(2026, 12, 31)
# A made-up arrangement for 2027, standing in for the one the State Council has not announced yet.
CSV_2027 = """date,kind,name
2027-01-01,holiday,元旦
# 春节
2027-02-06,holiday,春节
2027-02-07,holiday,春节
2027-02-08,holiday,春节
2027-02-09,holiday,春节
2027-02-10,holiday,春节
2027-02-11,holiday,春节
2027-02-12,holiday,春节
2027-02-20,workday,春节
"""


@pytest.fixture(autouse=True)
def seeded_calendar(engine):
    """The session seeds the calendar once and keeps it; put it back after each test here changes it."""
    yield
    with core_db.session_scope() as session:
        session.execute(delete(CalendarDay))
        session.execute(delete(CalendarYear))
        workdays.seed_from_chinesecalendar(db_session=session, clock=FixedClock(datetime(2026, 1, 1, tzinfo=timezone.utc)))


def expected_due(start: date, days: int) -> date:
    """The answer computed from chinesecalendar alone (raises NotImplementedError past its last year)."""
    day, counted = start, 0
    while counted < days:
        day += timedelta(days=1)
        counted += chinese_calendar.is_workday(day)
    return day


def cli(*args: str):
    return CliRunner().invoke(cli_app, ["calendar", *args])


# --- agreement with chinesecalendar -------------------------------------------------------------------

@pytest.mark.req("SUP-01")
def test_every_day_2004_to_2026_agrees_with_chinesecalendar(db_session):
    cal = WorkingCalendar(db_session)
    day = FIRST
    while day <= LAST:
        assert cal.is_working_day(day) == chinese_calendar.is_workday(day), day
        day += timedelta(days=1)
    assert sorted(db_session.scalars(select(CalendarYear.year))) == list(range(2004, 2027))


def _samples(rng: random.Random, count: int) -> list[tuple[date, int]]:
    """Random starts, plus starts just before every holiday and make-up workday, with N in 1..30."""
    span = (LAST - FIRST).days
    picks = [(FIRST + timedelta(days=rng.randrange(span)), rng.randint(1, 30)) for _ in range(count)]
    specials = [*chinese_calendar.constants.holidays, *chinese_calendar.constants.workdays]
    picks += [(d - timedelta(days=rng.randint(0, 4)), rng.randint(1, 30)) for d in specials]
    return picks


@pytest.mark.req("SUP-01")
def test_add_working_days_agrees_with_chinesecalendar_on_sampled_dates(db_session):
    checked = 0
    for start, days in _samples(random.Random(2026), 800):
        try:
            expected = expected_due(start, days)
        except NotImplementedError:  # chinesecalendar itself stops at 2026
            continue
        result = workdays.add_working_days(db_session=db_session, start=start, days=days)
        assert (result.due, result.unknown_years) == (expected, []), (start, days)
        assert len(result.counted) == days and all(chinese_calendar.is_workday(d) for d in result.counted)
        checked += 1
    assert checked > 1400


@pytest.mark.req("SUP-01")
def test_cli_due_agrees_with_chinesecalendar(db_session):
    rng = random.Random(11)
    for start, days in rng.sample(_samples(rng, 100), 100):
        try:
            expected = expected_due(start, days)
        except NotImplementedError:
            continue
        result = cli("due", start.isoformat(), str(days))
        assert result.exit_code == 0, result.output
        assert result.stdout.strip() == expected.isoformat(), (start, days)


@pytest.mark.req("SUP-01")
def test_working_days_between_counts_like_chinesecalendar(db_session):
    rng = random.Random(5)
    for _ in range(200):
        start = FIRST + timedelta(days=rng.randrange(8000))
        end = start + timedelta(days=rng.randint(0, 60))
        expected = len(chinese_calendar.get_workdays(start + timedelta(days=1), end)) if end > start else 0
        assert workdays.working_days_between(db_session=db_session, start=start, end=end) == expected
        assert workdays.working_days_between(db_session=db_session, start=end, end=start) == -expected


# --- holidays and make-up workdays --------------------------------------------------------------------

@pytest.mark.req("SUP-01")
def test_national_day_and_spring_festival_make_up_workdays_are_counted(db_session):
    national = workdays.add_working_days(db_session=db_session, start=date(2026, 9, 30), days=3)
    assert national.due == date(2026, 10, 10)  # 8th, 9th, then Saturday the 10th, a make-up workday
    assert [d for d, _ in national.holidays_skipped] == [date(2026, 10, n) for n in range(1, 8)]
    assert national.makeup_workdays == [(date(2026, 10, 10), "国庆节")] and national.weekend_days_skipped == 0
    assert "国庆节" in national.explanation and "调休上班日 1 天" in national.explanation

    spring = workdays.add_working_days(db_session=db_session, start=date(2026, 2, 13), days=2)
    assert spring.due == date(2026, 2, 24)  # Saturday 14th counts, 15th–23rd off
    assert spring.counted == [date(2026, 2, 14), date(2026, 2, 24)] and len(spring.holidays_skipped) == 9
    assert workdays.add_working_days(db_session=db_session, start=date(2026, 9, 18), days=1).due == date(2026, 9, 20)
    assert workdays.add_working_days(db_session=db_session, start=date(2026, 9, 18), days=0).due == date(2026, 9, 18)
    status = workdays.describe_day(db_session=db_session, day=date(2026, 2, 28))
    assert status.working and status.kind is DayKind.workday and status.known


def test_twenty_working_days_take_two_queries_not_one_per_day(db_session):
    statements = []
    engine = db_session.get_bind()  # the session's own engine: a test before may have rebound the process's
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        result = workdays.add_working_days(db_session=db_session, start=date(2026, 9, 15), days=20)
        first = list(statements)
        statements.clear()
        # The days read are kept under their years' revisions: from now on one small query of the years.
        again = workdays.add_working_days(db_session=db_session, start=date(2026, 9, 16), days=20)
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    assert result.due == expected_due(date(2026, 9, 15), 20)
    assert len(first) <= 2, first
    assert again.due == expected_due(date(2026, 9, 16), 20)
    assert len(statements) == 1 and "calendar_year" in statements[0], statements


def test_a_day_changed_elsewhere_is_seen_at_once_and_a_change_rolled_back_is_not(db_session, clock):
    """The days a process keeps are tied to the year's revision, which every change replaces."""
    start = date(2026, 12, 29)
    assert workdays.add_working_days(db_session=db_session, start=start, days=1).due == date(2026, 12, 30)
    db_session.commit()
    with core_db.session_scope() as other:  # another request, or another process
        workdays.set_day(db_session=other, clock=clock, day="2026-12-30", kind="holiday", name="临时调整", by="test")
    assert workdays.add_working_days(db_session=db_session, start=start, days=1).due == date(2026, 12, 31)
    db_session.commit()
    with core_db.session_factory()() as other:
        workdays.delete_day(db_session=other, clock=clock, day="2026-12-30", by="test")
        assert workdays.add_working_days(db_session=other, start=start, days=1).due == date(2026, 12, 30)
        other.rollback()
    assert workdays.add_working_days(db_session=db_session, start=start, days=1).due == date(2026, 12, 31)


# --- years not entered ----------------------------------------------------------------------------------

@pytest.mark.req("SUP-01")
def test_a_year_not_entered_is_flagged_until_imported(db_session, clock):
    guessed = workdays.add_working_days(db_session=db_session, start=date(2026, 12, 31), days=1)
    assert guessed.due == date(2027, 1, 1) and guessed.unknown_years == [2027] and guessed.flagged
    assert "2027 年的节假日安排尚未录入" in guessed.explanation
    assert workdays.missing_years(db_session=db_session, clock=clock) == [2027]
    assert not workdays.describe_day(db_session=db_session, day=date(2027, 3, 1)).known
    inside = workdays.add_working_days(db_session=db_session, start=date(2026, 12, 1), days=5)
    assert inside.unknown_years == []  # nothing examined in 2027

    count = workdays.import_year(db_session=db_session, clock=clock, year=2027, rows=workdays.parse_csv(CSV_2027), by="test")
    assert count == 9
    known = workdays.add_working_days(db_session=db_session, start=date(2026, 12, 31), days=1)
    assert known.due == date(2027, 1, 4) and known.unknown_years == [] and known.holidays_skipped == [(date(2027, 1, 1), "元旦")]
    assert workdays.add_working_days(db_session=db_session, start=date(2027, 2, 19), days=1).due == date(2027, 2, 20)
    assert workdays.missing_years(db_session=db_session, clock=clock) == []
    assert workdays.missing_years(db_session=db_session, clock=clock, ahead=2) == [2028]


def test_days_entered_one_by_one_stay_flagged_until_the_year_is_confirmed(db_session, clock):
    workdays.set_day(db_session=db_session, clock=clock, day="2027-01-01", kind="holiday", name="元旦", by="test")
    result = workdays.add_working_days(db_session=db_session, start=date(2026, 12, 31), days=1)
    assert result.due == date(2027, 1, 4) and result.unknown_years == [2027]
    assert workdays.get_year(db_session=db_session, year=2027).complete is False
    workdays.set_year_complete(db_session=db_session, clock=clock, year=2027, complete=True, by="test")
    assert workdays.add_working_days(db_session=db_session, start=date(2026, 12, 31), days=1).unknown_years == []
    with pytest.raises(InvalidInput):
        workdays.set_year_complete(db_session=db_session, clock=clock, year=2028, complete=True, by="test")


# --- editing ----------------------------------------------------------------------------------------

def _count(db_session, year: int) -> int:
    return db_session.scalar(select(func.count()).select_from(CalendarDay)
                             .where(CalendarDay.day.between(date(year, 1, 1), date(year, 12, 31))))


@pytest.mark.req("SUP-01")
def test_bad_csv_rows_are_rejected_and_nothing_is_written(db_session, clock):
    before = _count(db_session, 2026)
    bad = "2026-01-01,holiday,元旦\n2026-02-30,holiday,x\n2026-03-02,workday,周一不能调休\n2025-12-31,holiday,去年\n" \
          "2026-05-01,vacation,劳动节\n2026-01-01,holiday,重复\n"
    with pytest.raises(InvalidInput) as err:
        workdays.import_year(db_session=db_session, clock=clock, year=2026, rows=workdays.parse_csv(bad), by="test")
    assert err.value.code == "CALENDAR_ROWS_INVALID" and err.value.message.startswith("第 2 行")
    assert [line[:6] for line in err.value.details] == ["第 2 行：", "第 3 行：", "第 4 行：", "第 5 行：", "第 6 行："]
    assert "不在 2026 年内" in err.value.details[2] and "与第 1 行重复" in err.value.details[4]
    assert _count(db_session, 2026) == before
    with pytest.raises(InvalidInput):
        workdays.import_year(db_session=db_session, clock=clock, year=2027, rows=[["# 只有注释"]], by="test")
    assert workdays.get_year(db_session=db_session, year=2027) is None and _count(db_session, 2027) == 0


def test_import_replaces_the_year_and_seeding_keeps_entered_years(db_session, clock):
    rows = [{"date": "2026-10-01", "kind": "法定节假日", "name": "国庆节"}, ["2026/10/10", "班", ""]]
    assert workdays.import_year(db_session=db_session, clock=clock, year=2026, rows=rows, by="test") == 2
    assert [(d.day, d.kind, d.source) for d in workdays.list_days(db_session=db_session, year=2026)] == [
        (date(2026, 10, 1), "holiday", "admin"), (date(2026, 10, 10), "workday", "admin")]
    assert workdays.seed_from_chinesecalendar(db_session=db_session, clock=clock) == []
    assert _count(db_session, 2026) == 2 and _count(db_session, 2025) > 20


def test_set_and_delete_one_day(db_session, clock):
    workdays.set_day(db_session=db_session, clock=clock, day=date(2026, 12, 31), kind=DayKind.holiday, name="测试", by="test")
    assert workdays.add_working_days(db_session=db_session, start=date(2026, 12, 30), days=1).due == date(2027, 1, 1)
    workdays.set_day(db_session=db_session, clock=clock, day="2026-12-31", kind="holiday", name="改名", by="t")
    assert workdays.list_days(db_session=db_session, year=2026)[-1].name == "改名"
    workdays.delete_day(db_session=db_session, clock=clock, day="2026-12-31", by="test")
    assert workdays.is_working_day(db_session=db_session, day=date(2026, 12, 31))
    with pytest.raises(NotFound):
        workdays.delete_day(db_session=db_session, clock=clock, day="2026-12-31", by="test")
    for day, kind in (("2026-13-01", "holiday"), ("2026-12-30", "workday"), ("2026-12-26", "vacation")):
        with pytest.raises(InvalidInput):
            workdays.set_day(db_session=db_session, clock=clock, day=day, kind=kind, by="test")


# --- natural days and the dispatcher ---------------------------------------------------------------------

def test_natural_days(db_session):
    plain = workdays.add_days(db_session=db_session, start=date(2026, 9, 30), days=7, unit="natural_day")
    assert plain.due == date(2026, 10, 7) and plain.holidays_skipped == [] and plain.unknown_years == []
    assert "第 7 个自然日" in plain.explanation
    rolled = workdays.add_natural_days(db_session=db_session, start=date(2026, 9, 30), days=7, roll_to_working_day=True)
    assert rolled.due == date(2026, 10, 8) and rolled.holidays_skipped == [(date(2026, 10, 7), "国庆节")]
    assert "顺延至 2026-10-08" in rolled.explanation
    assert workdays.add_natural_days(db_session=db_session, start=date(2026, 12, 1), days=365).due == date(2027, 12, 1)
    with pytest.raises(InvalidInput):
        workdays.add_days(db_session=db_session, start=date(2026, 1, 1), days=1, unit="month")
    with pytest.raises(InvalidInput):
        workdays.add_working_days(db_session=db_session, start=date(2026, 1, 1), days=-1)
    with pytest.raises(InvalidInput):
        workdays.add_working_days(db_session=db_session, start=date(9999, 12, 20), days=30)


# --- command line ---------------------------------------------------------------------------------------

@pytest.mark.req("SUP-01")
def test_cli_due_warns_about_an_unentered_year_then_import_and_show(db_session, tmp_path):
    flagged = cli("due", "2026-12-31", "1")
    assert flagged.exit_code == 0 and flagged.stdout.strip() == "2027-01-01"
    assert "2027 年的节假日安排尚未录入" in flagged.stderr
    assert cli("due", "2026-12-31", "1", "--strict").exit_code == 3
    assert cli("due", "2026-09-30", "7", "--natural").stdout.strip() == "2026-10-07"
    assert cli("due", "2026-09-30", "3", "--explain").stderr.count("国庆节") >= 1
    bad_date = cli("due", "2026-02-30", "3")
    assert bad_date.exit_code == 2 and "日期“2026-02-30”无效" in bad_date.stderr

    bad = tmp_path / "bad.csv"
    bad.write_text("2027-01-01,holiday,元旦\n2027-01-04,workday,周一\n", encoding="utf-8")
    rejected = cli("import", "2027", str(bad))
    assert rejected.exit_code == 2 and "第 2 行" in rejected.stderr
    good = tmp_path / "2027.csv"
    good.write_text(CSV_2027, encoding="utf-8")
    assert cli("import", "2027", str(good)).exit_code == 0
    fixed = cli("due", "2026-12-31", "1")
    assert fixed.stdout.strip() == "2027-01-04" and "警告" not in fixed.stderr
    shown = cli("show", "2027")
    assert shown.stdout.splitlines()[0] == "2027-01-01,holiday,元旦" and "已完整录入" in shown.stderr
    assert cli("seed").exit_code == 0 and "没有变化" in cli("seed").stderr
    assert "2027\t已完整录入" in cli("years").stdout


# --- API and page ---------------------------------------------------------------------------------------

@pytest.fixture
def cal_client(app, client):
    return client


@pytest.mark.req("SUP-01")
def test_public_due_api_explains_and_rejects_bad_input(cal_client):
    body = cal_client.get("/api/v1/calendar/due", params={"start": "2026-09-30", "days": 3}).json()
    assert body["due"] == "2026-10-10" and body["flagged"] is False and len(body["holidays_skipped"]) == 7
    assert body["makeup_workdays"] == [{"date": "2026-10-10", "name": "国庆节"}] and "国庆节" in body["explanation"]
    flagged = cal_client.get("/api/v1/calendar/due", params={"start": "2026-12-31", "days": 1}).json()
    assert flagged["flagged"] and flagged["unknown_years"] == [2027]
    natural = cal_client.get("/api/v1/calendar/due", params={"start": "2026-09-30", "days": 7, "unit": "natural_day"})
    assert natural.json()["due"] == "2026-10-07"
    for params in ({"start": "2026-02-30", "days": 1}, {"start": "x", "days": 1}, {"start": "2026-01-01", "days": -1},
                   {"start": "2026-01-01", "days": 1, "unit": "month"}, {"start": "9999-12-31", "days": 5}):
        r = cal_client.get("/api/v1/calendar/due", params=params)
        assert r.status_code == 422 and r.json()["error"]["message"], params


@pytest.mark.req("SUP-01")
def test_staff_calendar_api_needs_an_administrator(cal_client, db_session, clock):
    _, admin = make_actor(db_session, clock, role="admin")
    _, operator = make_actor(db_session, clock, role="operator")
    db_session.commit()
    assert cal_client.get("/api/v1/staff/calendar/2026").status_code == 401
    auth = {"Authorization": f"Bearer {admin}"}
    assert cal_client.get("/api/v1/staff/calendar/2026", headers={"Authorization": f"Bearer {operator}"}).status_code == 200
    for method, url in (("put", "/api/v1/staff/calendar/days/2027-01-01"),
                        ("delete", "/api/v1/staff/calendar/days/2026-10-01"), ("post", "/api/v1/staff/calendar/2027/import")):
        r = cal_client.request(method, url, headers={"Authorization": f"Bearer {operator}"}, json={"kind": "holiday"})
        assert r.status_code == 403 and r.json()["error"]["code"] == "NOT_PERMITTED", (method, url)
        assert cal_client.request(method, url, json={"kind": "holiday"}).status_code == 401

    year = cal_client.get("/api/v1/staff/calendar/2026", headers=auth).json()
    assert year["complete"] and year["missing_years"] == [2027] and year["days"][0]["name"] == "元旦"
    put = cal_client.put("/api/v1/staff/calendar/days/2027-01-01", headers=auth, json={"kind": "holiday", "name": "元旦"})
    assert put.status_code == 200 and put.json()["source"] == "admin"
    for url, body in (("2027-02-30", {"kind": "holiday"}), ("2027-01-04", {"kind": "workday"}), ("2027-01-02", {"kind": "x"})):
        r = cal_client.put(f"/api/v1/staff/calendar/days/{url}", headers=auth, json=body)
        assert r.status_code == 422 and r.json()["error"]["message"], url
    assert cal_client.delete("/api/v1/staff/calendar/days/2027-01-01", headers=auth).status_code == 204
    assert cal_client.delete("/api/v1/staff/calendar/days/2027-01-01", headers=auth).status_code == 404

    bad = cal_client.post("/api/v1/staff/calendar/2027/import", headers={**auth, "content-type": "text/csv"},
                          content="2027-01-01,holiday,元旦\n2026-12-31,holiday,错年\n".encode())
    assert bad.status_code == 422 and "第 2 行" in bad.json()["error"]["message"]
    assert cal_client.get("/api/v1/staff/calendar/2027", headers=auth).json()["days"] == []
    assert cal_client.post("/api/v1/staff/calendar/2027/import", headers=auth, json={"rows": "nope"}).status_code == 422
    ok = cal_client.post("/api/v1/staff/calendar/2027/import", headers={**auth, "content-type": "text/csv"}, content=CSV_2027.encode())
    assert ok.json() == {"year": 2027, "imported": 9}
    rows = cal_client.post("/api/v1/staff/calendar/2027/import", headers=auth,
                           json={"rows": [{"date": "2027-01-01", "kind": "holiday", "name": "元旦"}]})
    assert rows.json()["imported"] == 1
    assert cal_client.get("/api/v1/staff/calendar/2027", headers=auth).json()["missing_years"] == []
    assert cal_client.get("/api/v1/staff/calendar/99999", headers=auth).status_code == 422


def test_staff_calendar_page(cal_client, db_session, clock):
    _, admin = make_actor(db_session, clock, role="admin")
    _, operator = make_actor(db_session, clock, role="operator")
    db_session.commit()
    assert cal_client.get("/staff/calendar", follow_redirects=False).status_code == 303
    read_only = cal_client.get("/staff/calendar", headers={"Authorization": f"Bearer {operator}"})
    assert read_only.status_code == 200 and 'action="/staff/calendar/import"' not in read_only.text
    auth = {"Authorization": f"Bearer {admin}"}
    page = cal_client.get("/staff/calendar?year=2026", headers=auth)
    assert page.status_code == 200 and "2026-10-10" in page.text and "调休上班日" in page.text
    assert "2027 年</a>的节假日安排尚未完整录入" in page.text
    cal_client.cookies.set("tb_csrf", "form-token")
    form = {"csrf": "form-token", "year": "2027"}
    assert cal_client.post("/staff/calendar/import", headers=auth, data={**form, "csv_text": "2027-01-01,holiday\n2027-01-05,x\n"}
                           ).status_code == 422
    done = cal_client.post("/staff/calendar/import", headers=auth, files={"file": ("2027.csv", CSV_2027.encode())},
                           data=form, follow_redirects=False)
    assert done.status_code == 303 and "year=2027" in done.headers["location"]
    page = cal_client.get("/staff/calendar?year=2027", headers=auth)
    assert "已完整录入" in page.text and "尚未完整录入" not in page.text
    saved = cal_client.post("/staff/calendar/days", headers=auth, data={**form, "day": "2027-10-01", "kind": "holiday", "name": "国庆节"},
                            follow_redirects=False)
    assert saved.status_code == 303
    assert cal_client.post("/staff/calendar/days", headers=auth, data={**form, "day": "2027-10-04", "kind": "workday"}).status_code == 422
    assert cal_client.post("/staff/calendar/days/delete", headers=auth, data={**form, "day": "2027-10-01"},
                           follow_redirects=False).status_code == 303
    assert cal_client.post("/staff/calendar/days", headers=auth, data={"csrf": "forged", "day": "2027-10-01", "kind": "holiday"}
                           ).status_code == 403


@pytest.mark.req("SUP-01")
def test_a_supervisor_reads_the_calendar_the_dashboard_links_to_but_cannot_change_it(cal_client, db_session, clock):
    """The supervision banner links to /staff/calendar?year=2027; it answered 403 for the supervisor."""
    _, supervisor = make_actor(db_session, clock, role="supervisor")
    db_session.commit()
    auth = {"Authorization": f"Bearer {supervisor}"}
    page = cal_client.get("/staff/calendar?year=2027", headers=auth)
    assert page.status_code == 200 and "工作日历：2027 年" in page.text
    assert 'method="post"' not in page.text.split("<main", 1)[1].replace('action="/staff/logout"', "").split("工作日历：", 1)[1]
    assert cal_client.get("/api/v1/staff/calendar/2027", headers=auth).status_code == 200
    cal_client.cookies.set("tb_csrf", "form-token")
    refused = cal_client.post("/staff/calendar/days", headers=auth,
                              data={"csrf": "form-token", "year": "2027", "day": "2027-01-01", "kind": "holiday", "name": "元旦"})
    assert refused.status_code == 403 and "NOT_PERMITTED" in refused.text
    assert cal_client.put("/api/v1/staff/calendar/days/2027-01-01", headers=auth, json={"kind": "holiday"}).status_code == 403
