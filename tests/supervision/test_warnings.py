"""Yellow before due, red after; each warning recorded once and dispatched to handlers, supervisors and, when red,
the agency head; the scan is a periodic job run once per period however many workers there are (SUP-03)."""

from __future__ import annotations

import importlib
from datetime import date

import pytest
from sqlalchemy import func, select

from tongban.core import db as core_db
from tongban.notify.models import Job, NotificationDelivery
from tongban.notify.outbox import run_once, schedule_periodic
from tongban.supervision import status, warnings
from tongban.supervision.enums import ClockStatus
from tongban.supervision.models import CaseWarning, WarningDispatch

from tests.cases.caseflow import person_headers, staff_headers
from tests.factories import make_staff
from tests.supervision.supflow import Desk, manager, set_day, supervisor

TODAY = date(2026, 11, 20)  # Friday


def three_cases(db_session, clock):
    desk = Desk(db_session, clock)
    overdue = desk.accepted(date(2026, 11, 10))  # promised due 17 Nov (red), legal due 24 Nov (2 days left: yellow)
    warned = desk.accepted(date(2026, 11, 16))  # promised due 23 Nov: one working day left
    running = desk.accepted(date(2026, 11, 19))  # promised due 26 Nov: four left
    set_day(clock, TODAY)
    return desk, overdue, warned, running


@pytest.mark.req("SUP-03")
def test_status_is_yellow_within_the_threshold_and_red_after_the_due_date(db_session, clock, monkeypatch):
    _, overdue, warned, running = three_cases(db_session, clock)
    level = {c.id: status.evaluate(db_session=db_session, clock=clock, case=c) for c in (overdue, warned, running)}
    assert level[overdue.id].status is ClockStatus.red and level[overdue.id].limit("promised").remaining == -3
    assert level[overdue.id].limit("legal").status is ClockStatus.yellow
    assert level[warned.id].status is ClockStatus.yellow and level[warned.id].limit("promised").remaining == 1
    assert level[running.id].status is ClockStatus.normal
    monkeypatch.setenv("TONGBAN_WARN_DAYS", "0")
    monkeypatch.setenv("TONGBAN_WARN_SHARE", "0.9")  # an installation that warns early: 4 of 5 days left is yellow
    assert status.evaluate(db_session=db_session, clock=clock, case=running).status is ClockStatus.yellow
    monkeypatch.setenv("TONGBAN_WARN_SHARE", "0")
    assert status.evaluate(db_session=db_session, clock=clock, case=warned).status is ClockStatus.normal


@pytest.mark.req("SUP-03")
def test_scan_records_each_warning_once_and_dispatches_it(db_session, clock, sms):
    desk, overdue, warned, running = three_cases(db_session, clock)
    reviewer, _ = make_staff(db_session, clock, roles=["reviewer"], agency=desk.agency, phone="13700000011")
    _, _, watcher = supervisor(db_session, clock, region_code="511600", phone="13700000012")
    _, _, stranger = supervisor(db_session, clock, region_code="510700", phone="13700000013")
    head = manager(db_session, clock, desk.agency, phone="13700000014")
    result = warnings.scan(db_session=db_session, clock=clock)
    raised = {(w.case_id, w.limit_kind, w.level) for w in result.raised}
    assert raised == {(overdue.id, "promised", "red"), (overdue.id, "legal", "yellow"), (warned.id, "promised", "yellow")}
    assert warnings.scan(db_session=db_session, clock=clock).raised == []  # nothing is raised twice
    rows = db_session.execute(select(WarningDispatch.staff_id, WarningDispatch.role, CaseWarning.level, CaseWarning.case_id)
                              .join(CaseWarning, CaseWarning.id == WarningDispatch.warning_id)).all()
    to = {(r.staff_id, r.level, r.case_id): r.role for r in rows}
    assert to[(reviewer.id, "red", overdue.id)] == "handler" and to[(watcher.id, "yellow", warned.id)] == "supervisor"
    assert to[(head.id, "red", overdue.id)] == "head"
    assert not [k for k in to if k[0] == head.id and k[1] == "yellow"]  # only red goes to the head
    assert not [k for k in to if k[0] == stranger.id]  # a supervisor of another region is not told
    escalations = db_session.scalars(select(NotificationDelivery).where(NotificationDelivery.kind == "supervision_escalation")).all()
    assert [d.recipient_masked for d in escalations] == ["137****0014"]
    db_session.commit()
    while run_once(session_factory=core_db.session_factory(), clock=clock, worker_id="t", deps={"sms_gateway": sms}):
        pass
    assert not db_session.scalars(select(Job.last_error).where(Job.status != "done", Job.kind == "notify.sms")).all()
    [text] = [m["text"] for m in sms.messages("13700000014")]
    assert "超期" in text and overdue.case_number in text and "2026-11-17" in text
    assert any(overdue.case_number in m["text"] for m in sms.messages("13700000011"))
    set_day(clock, date(2026, 11, 24))  # the warned case passes its promised date, the running one nears its own
    later = warnings.scan(db_session=db_session, clock=clock).raised
    assert [(w.case_id, w.limit_kind, w.level) for w in later] == [(warned.id, "promised", "red"), (running.id, "promised", "yellow")]


@pytest.mark.req("SUP-03")
def test_the_scan_is_scheduled_once_per_period_by_many_workers_and_runs_as_a_job(db_session, clock):
    _, overdue, _, _ = three_cases(db_session, clock)
    db_session.commit()
    importlib.import_module("tongban.supervision.jobs")  # registers the periodic scan, as the worker's load_handlers does

    factory = core_db.session_factory()
    for _ in range(3):  # three workers ticking in the same period
        with factory() as session, session.begin():
            schedule_periodic(db_session=session, clock=clock)
    assert db_session.scalar(select(func.count(Job.id)).where(Job.kind == "supervision.scan")) == 1
    while run_once(session_factory=factory, clock=clock, worker_id="w"):
        pass
    db_session.expire_all()
    assert db_session.scalar(select(func.count(CaseWarning.id)).where(CaseWarning.case_id == overdue.id)) == 2


@pytest.mark.req("SUP-03")
def test_supervisors_see_warned_and_overdue_cases_of_their_scope_only(client, db_session, clock):
    _, overdue, warned, running = three_cases(db_session, clock)
    _, mine, _ = supervisor(db_session, clock, region_code="511600")
    _, other, _ = supervisor(db_session, clock, region_code="510700")
    warnings.scan(db_session=db_session, clock=clock)
    db_session.commit()
    body = client.get("/api/v1/supervision/monitor", headers=staff_headers(mine)).json()
    assert [c["case_id"] for c in body["cases"]] == [overdue.id, warned.id]  # red first
    assert body["cases"][0]["status"] == "red" and body["cases"][0]["dispatched"] and body["counts"]["normal"] == 1
    everything = client.get("/api/v1/supervision/monitor?level=all", headers=staff_headers(mine)).json()
    assert running.id in [c["case_id"] for c in everything["cases"]]
    assert client.get("/api/v1/supervision/monitor", headers=staff_headers(other)).json()["cases"] == []
    out = client.get("/api/v1/supervision/monitor?region=511600", headers=staff_headers(other))
    assert out.status_code == 403 and out.json()["error"]["message"] == "只能查看本地区的办件"
    bad = client.get("/api/v1/supervision/monitor?level=purple", headers=staff_headers(mine))
    assert bad.status_code == 422 and "状态应为" in bad.json()["error"]["message"]
    assert client.get("/api/v1/supervision/monitor?region=51x", headers=staff_headers(mine)).status_code == 422
    page = client.get("/staff/supervision/monitor", headers=staff_headers(mine))
    assert page.status_code == 200 and overdue.case_number in page.text and "超期（红灯）" in page.text
    assert running.case_number not in page.text
    assert client.get("/staff/supervision/monitor", headers=staff_headers(other)).text.count("/staff/cases/") == 0
    citizen = client.get("/staff/supervision/monitor", headers=person_headers(db_session, clock, overdue_person(db_session, overdue)),
                         follow_redirects=False)
    assert citizen.status_code in (303, 401, 403)
    assert client.get("/staff/supervision/monitor", follow_redirects=False).status_code in (303, 401)


def overdue_person(db_session, case):
    from tongban.accounts.models import Person

    return db_session.get(Person, case.person_id)


@pytest.mark.req("SUP-03")
def test_handling_staff_read_their_dispatches_in_the_workbench(client, db_session, clock):
    desk, overdue, _, _ = three_cases(db_session, clock)
    from tongban.accounts import staff as staff_service

    account, _ = make_staff(db_session, clock, roles=["reviewer"], agency=desk.agency)
    _, token = staff_service.create_token(db_session=db_session, clock=clock, staff_id=account.id, label="t")
    warnings.scan(db_session=db_session, clock=clock)
    db_session.commit()
    mine = client.get("/api/v1/supervision/dispatches", headers=staff_headers(token)).json()
    assert {d["level"] for d in mine} == {"red", "yellow"} and all(d["read_at"] is None for d in mine)
    page = client.get("/staff/supervision", headers=staff_headers(token), follow_redirects=True)
    assert page.status_code == 200 and "我的督办消息" in page.text and overdue.case_number in page.text
    assert all(d["read_at"] for d in client.get("/api/v1/supervision/dispatches", headers=staff_headers(token)).json())
    monitor = client.get("/api/v1/supervision/monitor", headers=staff_headers(token))
    assert monitor.status_code == 403 and "管理专员" in monitor.json()["error"]["message"]


@pytest.mark.req("SUP-03")
def test_an_item_may_have_its_own_warning_threshold(client, db_session, clock):
    desk, _, warned, running = three_cases(db_session, clock)
    elsewhere = Desk(db_session, clock)
    far = elsewhere.accepted(date(2026, 11, 19))  # the same four days left, but another item
    set_day(clock, TODAY)
    _, mine, _ = supervisor(db_session, clock)
    _, other, _ = supervisor(db_session, clock, region_code="510700")
    db_session.commit()
    url = f"/api/v1/supervision/items/{desk.item.id}/warning-rule"
    assert client.put(url, json={"share": 0, "days": 4}, headers=staff_headers(other)).status_code == 403
    for body, word in (({"share": 1.5, "days": 0}, "比例"), ({"share": 0, "days": 0}, "永远不会预警"), ({"days": 99}, "天数")):
        wrong = client.put(url, json=body, headers=staff_headers(mine))
        assert wrong.status_code == 422 and word in wrong.json()["error"]["message"]
    assert client.put(url, json={"share": 0, "days": 4}, headers=staff_headers(mine)).status_code == 200
    db_session.expire_all()
    assert status.evaluate(db_session=db_session, clock=clock, case=running).status is ClockStatus.yellow
    assert status.evaluate(db_session=db_session, clock=clock, case=far).status is ClockStatus.normal
    raised = {(w.case_id, w.level) for w in warnings.scan(db_session=db_session, clock=clock).raised}
    assert (running.id, "yellow") in raised and far.id not in {case_id for case_id, _ in raised}
    db_session.commit()
    assert client.delete(url, headers=staff_headers(mine)).status_code == 204
    assert client.delete(url, headers=staff_headers(mine)).status_code == 404
    db_session.expire_all()
    assert status.evaluate(db_session=db_session, clock=clock, case=running).status is ClockStatus.normal
    _ = warned
