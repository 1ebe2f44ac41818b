"""Ratings through the API and the pages (twins), rectification end to end, the window rater, aggregates with CSV,
reminders, return visits and the supervision rate source (RATE-01, 02, 03, 06, 07, 08)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from tests.signin import auth, person_headers, sign_in_person
from tongban.appointments import kiosks
from tongban.notify.models import NotificationDelivery
from tongban.ratings import aggregates, links, reminders, service, sources, visits
from tongban.ratings.enums import SubjectKind
from tongban.ratings.models import Rating, RectificationTask, ReturnVisit

BAD = {"level": 4, "dimensions": ["efficiency"], "comment": "排队太久"}


def _csrf(client, path: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', client.get(path).text).group(1)


def _count(db_session, model=Rating) -> int:
    db_session.expire_all()
    return db_session.scalar(select(func.count()).select_from(model))


@pytest.mark.req("RATE-01")
@pytest.mark.req("RATE-02")
def test_twin_api_rates_once_and_refuses_the_second_with_409(client, world, db_session, clock):
    case = world.closed_case()
    headers = person_headers(db_session, clock, world.person)
    body = {"subject_kind": "case", "subject_id": case.id, **BAD}
    first = client.post("/api/v1/ratings", json=body, headers=headers)
    assert first.status_code == 201 and first.json()["level_label"] == "不满意" and first.json()["task"]["state"] == "open"
    again = client.post("/api/v1/ratings", json=body, headers=headers)
    assert again.status_code == 409 and "只能评价一次" in again.json()["error"]["message"]
    bad = client.post("/api/v1/ratings", json={**body, "level": 4, "dimensions": []}, headers=headers)
    assert bad.status_code in (409, 422)
    other = world.closed_case()
    db_session.commit()
    for wrong in ({"level": 9}, {"level": 5, "dimensions": ["staff"], "comment": ""}, {"level": 2, "comment": "长" * 10_000}):
        answer = client.post("/api/v1/ratings", json={"subject_kind": "case", "subject_id": other.id, **wrong}, headers=headers)
        assert answer.status_code == 422 and answer.json()["error"]["message"]
    anonymous = client.post("/api/v1/ratings", json={"subject_kind": "case", "subject_id": other.id, "level": 1})
    assert anonymous.status_code == 401
    staff = client.post("/api/v1/ratings", json={"subject_kind": "case", "subject_id": other.id, "level": 1},
                        headers=auth(world.clerk_token))
    assert staff.status_code == 401  # staff credentials are not a person: staff never rate
    assert _count(db_session) == 1


@pytest.mark.req("RATE-01")
@pytest.mark.req("RATE-02")
def test_twin_page_rates_once_and_refuses_the_second_in_chinese(client, world, db_session, clock):
    case = world.closed_case()
    sign_in_person(client, db_session, clock, world.person)
    csrf = _csrf(client, f"/ratings/new?kind=case&id={case.id}")
    form = {"csrf": csrf, "subject_kind": "case", "subject_id": str(case.id), "level": "4", "dimensions": "efficiency",
            "comment": "排队太久"}
    first = client.post("/ratings", data=form)
    assert first.status_code == 201 and "不满意" in first.text and "整改" in first.text
    again = client.post("/ratings", data=form)
    assert again.status_code == 409 and "只能评价一次" in again.text
    other = world.closed_case()
    db_session.commit()
    missing = client.post("/ratings", data={**form, "subject_id": str(other.id), "dimensions": ""})
    assert missing.status_code == 422 and "至少选择一个" in missing.text
    assert _count(db_session) == 1


@pytest.mark.req("RATE-01")
def test_a_signed_link_works_without_signing_in_once(client, world, db_session, clock):
    ticket = world.closed_ticket()
    db_session.commit()
    token = links.make(SubjectKind.help_ticket, ticket.id, today=clock.today())
    assert client.post("/api/v1/ratings", json={"token": token, "level": 2}).status_code == 201
    reused = client.post("/api/v1/ratings", json={"token": token, "level": 1})
    assert reused.status_code == 409
    forged = client.post("/api/v1/ratings", json={"token": token[:-2] + "00", "level": 1})
    assert forged.status_code == 403 and "无效" in forged.json()["error"]["message"]


@pytest.mark.req("RATE-03")
def test_a_bad_rating_is_rectified_fed_back_and_answered(client, world, db_session, clock):
    case = world.closed_case()
    headers = person_headers(db_session, clock, world.person)
    rating = client.post("/api/v1/ratings", json={"subject_kind": "case", "subject_id": case.id, **BAD}, headers=headers).json()
    task = db_session.scalar(select(RectificationTask))
    assert task.agency_id == world.agency.id and task.due.isoformat() == "2026-11-27"  # 5 working days
    clerk_view = client.get("/api/v1/staff/ratings?bad=true", headers=auth(world.clerk_token)).json()["items"]
    assert clerk_view[0]["rater"] == "（已隐藏）"
    assert client.get("/api/v1/staff/ratings/ledger", headers=auth(world.clerk_token)).status_code == 403
    ledger = client.get("/api/v1/staff/ratings/ledger", headers=auth(world.rectifier_token)).json()["items"]
    assert ledger[0]["rating"]["rater"] == f"个人用户 #{world.person.id}" and ledger[0]["task"]["state"] == "open"
    base = f"/api/v1/staff/ratings/tasks/{task.id}"
    assert client.post(f"{base}/rectify", json={"text": "x"}, headers=auth(world.rectifier_token)).status_code == 409
    assert client.post(f"{base}/verify", json={"true": True, "note": "核实属实"}, headers=auth(world.rectifier_token)).status_code == 200
    assert client.post(f"{base}/rectify", json={"text": "增开窗口"}, headers=auth(world.rectifier_token)).status_code == 200
    fed = client.post(f"{base}/feedback", json={"text": "已增开两个窗口"}, headers=auth(world.rectifier_token))
    assert fed.status_code == 200 and fed.json()["task"]["state"] == "fed_back"
    db_session.expire_all()
    channels = set(db_session.scalars(select(NotificationDelivery.channel).where(
        NotificationDelivery.person_id == world.person.id, NotificationDelivery.title.like("差评整改反馈%"))))
    assert channels == {"inbox", "sms"}
    mine = client.get("/api/v1/ratings/mine", headers=headers).json()["items"][0]
    assert mine["task"]["feedback"] == "已增开两个窗口"
    answered = client.post(f"/api/v1/ratings/{rating['id']}/satisfied", json={"satisfied": True}, headers=headers)
    assert answered.json()["task"]["state"] == "closed" and answered.json()["task"]["person_satisfied"] is True


@pytest.mark.req("RATE-03")
@pytest.mark.req("RATE-07")
def test_an_invalid_bad_rating_needs_a_reason_and_leaves_performance(client, world, db_session, clock):
    me = world.person_actor()
    bad = service.rate(db_session=db_session, clock=clock, person=me, kind="case", subject_id=world.closed_case().id,
                       rating_in=service.RatingIn(**BAD))
    service.rate(db_session=db_session, clock=clock, person=me, kind="case", subject_id=world.closed_case().id,
                 rating_in=service.RatingIn(level=1))
    db_session.commit()
    task = db_session.scalar(select(RectificationTask).where(RectificationTask.rating_id == bad.id))
    base = f"/api/v1/staff/ratings/tasks/{task.id}/verify"
    no_reason = client.post(base, json={"true": False, "invalid_kind": "malicious"}, headers=auth(world.rectifier_token))
    assert no_reason.status_code == 422
    before = aggregates.performance(db_session=db_session, by="agency", month_from="2026-11", month_to="2026-11")
    assert (before[0].count, before[0].bad) == (2, 1)
    ok = client.post(base, json={"true": False, "invalid_kind": "malicious", "note": "监控显示当时无人排队"},
                     headers=auth(world.rectifier_token))
    assert ok.status_code == 200 and ok.json()["valid"] is False and ok.json()["task"]["state"] == "invalid"
    db_session.expire_all()
    after = aggregates.performance(db_session=db_session, by="agency", month_from="2026-11", month_to="2026-11")
    assert (after[0].count, after[0].bad, after[0].satisfaction_rate) == (1, 0, 1.0)


@pytest.mark.req("RATE-03")
def test_the_ledger_warns_yellow_then_red(client, world, db_session, clock):
    service.rate(db_session=db_session, clock=clock, person=world.person_actor(), kind="case",
                 subject_id=world.closed_case().id, rating_in=service.RatingIn(**BAD))
    db_session.commit()
    clock.set(datetime(2026, 11, 26, 2, 0, tzinfo=timezone.utc))
    assert client.get("/api/v1/staff/ratings/ledger", headers=auth(world.rectifier_token)).json()["items"][0]["task"]["warning"] == "yellow"
    clock.set(datetime(2026, 12, 1, 2, 0, tzinfo=timezone.utc))
    row = client.get("/api/v1/staff/ratings/ledger?view=late", headers=auth(world.rectifier_token)).json()["items"][0]
    assert row["task"]["warning"] == "red" and row["task"]["late_days"] == 2
    from tests.signin import sign_in_staff

    sign_in_staff(client, db_session, clock, world.rectifier.staff_id)
    page = client.get("/staff/ratings?view=late")
    assert page.status_code == 200 and "整改台账" in page.text and "warning-red" in page.text


@pytest.mark.req("RATE-01")
def test_the_window_rater_rates_only_the_ticket_just_handled(client, world, db_session, clock):
    hall, window, ticket = world.handled_visit()
    from tests.factories import make_actor

    admin, _ = make_actor(db_session, clock, role="admin", region_code=hall.region_code)
    pairing = kiosks.start_pairing(db_session=db_session, clock=clock, actor=admin, hall=hall, name="1号窗口评价器")
    db_session.commit()
    path = f"/halls/{hall.id}/windows/{window.number}/rater"
    page = client.get(path)
    assert "登记码" in page.text
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    enrolled = client.post(f"{path}/enroll", data={"csrf": csrf, "code": pairing.code}, follow_redirects=False)
    assert enrolled.status_code == 303
    client.cookies.set("tb_rater", enrolled.cookies["tb_rater"], path=path)
    screen = client.get(path)
    assert ticket.number in screen.text
    wrong = client.post(path, data={"csrf": csrf, "ticket_id": str(ticket.id + 1000), "level": "1"})
    assert wrong.status_code == 409
    tapped = client.post(path, data={"csrf": csrf, "ticket_id": str(ticket.id), "level": "2"}, follow_redirects=False)
    assert tapped.status_code == 303
    again = client.post(path, data={"csrf": csrf, "ticket_id": str(ticket.id), "level": "1"})
    assert again.status_code == 409
    row = db_session.scalar(select(Rating))
    assert (row.channel, row.subject_kind, row.subject_id, row.window_number) == ("window", "visit", ticket.id, window.number)
    client.cookies.clear()
    assert client.post(path, data={"csrf": csrf, "ticket_id": str(ticket.id), "level": "1"}).status_code == 403


@pytest.mark.req("RATE-06")
@pytest.mark.req("RATE-07")
def test_aggregates_by_agency_and_channel_with_csv_and_fault_exclusion(client, world, db_session, clock):
    from tongban.supervision import faults

    me = world.person_actor()
    for level in (1, 2, 4):
        rating_in = service.RatingIn(**BAD) if level == 4 else service.RatingIn(level=level)
        service.rate(db_session=db_session, clock=clock, person=me, kind="case", subject_id=world.closed_case().id,
                     rating_in=rating_in)
    db_session.commit()
    query = "month_from=2026-11&month_to=2026-11"
    by_agency = client.get(f"/api/v1/staff/ratings/stats?by=agency&{query}", headers=auth(world.supervisor_token)).json()
    row = by_agency["rows"][0]
    assert (row["count"], row["bad"], row["dimensions"], round(row["satisfaction_rate"], 3)) == (3, 1, {"efficiency": 1}, 0.667)
    assert row["label"] == world.agency.name
    assert client.get(f"/api/v1/staff/ratings/stats?by=agency&{query}", headers=auth(world.clerk_token)).status_code == 403
    csv = client.get(f"/api/v1/staff/ratings/stats.csv?by=channel&{query}", headers=auth(world.supervisor_token))
    assert csv.status_code == 200 and "差评率" in csv.content.decode("utf-8-sig") and "政务服务网" in csv.content.decode("utf-8-sig")
    faults.record_fault(db_session=db_session, clock=clock, actor=world.supervisor, started_at=clock.now() - timedelta(hours=1),
                        ended_at=clock.now() + timedelta(minutes=1), cause="fault", description="统一身份认证故障",
                        agency_id=world.agency.id)
    db_session.commit()
    after = client.get(f"/api/v1/staff/ratings/stats?by=agency&{query}", headers=auth(world.supervisor_token)).json()["rows"][0]
    assert (after["count"], after["bad"]) == (2, 0)
    from tests.signin import sign_in_staff

    sign_in_staff(client, db_session, clock, world.supervisor.staff_id)
    page = client.get(f"/staff/ratings/stats?by=agency&{query}")
    assert page.status_code == 200 and "<svg" in page.text


@pytest.mark.req("RATE-06")
def test_the_bad_rating_rate_is_a_supervision_rate_source(world, db_session, clock):
    from tongban.supervision.flags import rate_sources

    assert any(s.kind == "bad_rating" for s in rate_sources())
    me = world.person_actor()
    service.rate(db_session=db_session, clock=clock, person=me, kind="case", subject_id=world.closed_case().id,
                 rating_in=service.RatingIn(**BAD))
    service.rate(db_session=db_session, clock=clock, person=me, kind="case", subject_id=world.closed_case().id,
                 rating_in=service.RatingIn(level=1))
    rates = sources.BadRatingSource().item_rates(db_session=db_session, item_ids=[world.item.id],
                                                 start=clock.now() - timedelta(days=1), end=clock.now() + timedelta(days=1))
    assert rates == {world.item.id: (1, 2)}


@pytest.mark.req("RATE-01")
def test_the_reminder_job_sends_one_sms_and_inbox_message_per_completed_service(world, db_session, clock):
    case = world.closed_case()
    clock.set(clock.now() + timedelta(minutes=5))
    assert reminders.run(db_session=db_session, clock=clock) == 1
    assert reminders.run(db_session=db_session, clock=clock) == 0
    sent = db_session.scalars(select(NotificationDelivery).where(NotificationDelivery.title.like("请评价%"))).all()
    assert sorted(d.channel for d in sent) == ["inbox", "sms"] and "/ratings/new?token=case." in sent[0].body
    assert str(case.id) in sent[0].link


@pytest.mark.req("RATE-08")
def test_return_visits_draw_a_reproducible_sample_and_record_the_answer(client, world, db_session, clock):
    cases = [world.closed_case() for _ in range(4)]
    service.rate(db_session=db_session, clock=clock, person=world.person_actor(), kind="case", subject_id=cases[0].id,
                 rating_in=service.RatingIn(level=2))
    db_session.commit()
    services = visits.completed(db_session, "2026-11")
    first = visits.sample(services, month="2026-11", agency_id=world.agency.id, share=0.5)
    assert first == visits.sample(list(reversed(services)), month="2026-11", agency_id=world.agency.id, share=0.5)
    assert len(first) == 2
    drawn = client.post("/api/v1/staff/ratings/visits/draw", json={"month": "2026-11"}, headers=auth(world.supervisor_token))
    assert drawn.status_code == 200 and drawn.json()["drawn"] == 1  # 5 % of four, at least one
    assert client.post("/api/v1/staff/ratings/visits/draw", json={"month": "2026-11"},
                       headers=auth(world.supervisor_token)).json()["drawn"] == 0
    listed = client.get("/api/v1/staff/ratings/visits?month=2026-11", headers=auth(world.rectifier_token)).json()["items"]
    visit_id = listed[0]["id"]
    refused = client.post(f"/api/v1/staff/ratings/visits/{visit_id}", json={"method": "phone", "reached": True},
                          headers=auth(world.rectifier_token))
    assert refused.status_code == 422
    done = client.post(f"/api/v1/staff/ratings/visits/{visit_id}", json={"method": "phone", "reached": True,
                                                                        "answer_level": 2, "note": "满意"},
                       headers=auth(world.rectifier_token))
    assert done.status_code == 200 and done.json()["state"] == "done"
    assert _count(db_session, ReturnVisit) == 1


@pytest.mark.req("RATE-06")
def test_the_hall_page_shows_its_rating_instead_of_none(client, world, db_session, clock):
    hall, window, ticket = world.handled_visit()
    db_session.commit()
    assert "暂无评价" in client.get(f"/halls/{hall.id}").text
    token = links.make(SubjectKind.visit, ticket.id, today=clock.today())
    assert client.post("/api/v1/ratings", json={"token": token, "level": 1}).status_code == 201
    page = client.get(f"/halls/{hall.id}").text
    assert "满意率 100.0%（1 条评价）" in page and "暂无评价" not in page


@pytest.mark.req("RATE-01")
def test_closing_a_help_ticket_reminds_at_once_through_the_helpdesk_hook(world, db_session, clock):
    from tongban import ratings as loaded  # importing the package registers the hook, as the app and the worker do

    assert loaded.reminders
    ticket = world.closed_ticket()
    sent = db_session.scalars(select(NotificationDelivery).where(NotificationDelivery.title.like("请评价：咨询工单%"))).all()
    assert sorted(d.channel for d in sent) == ["inbox", "sms"] and f"help_ticket.{ticket.id}." in sent[0].link
    assert reminders.run(db_session=db_session, clock=clock) == 0  # the job does not remind it a second time
