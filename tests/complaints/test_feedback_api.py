"""The JSON API of problem reports, staff suggestions and the 办不成事 desk: the same service functions as the pages,
so the same scenario gives the same outcome through both (RATE-09, RATE-10, RATE-11)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests.signin import auth, person_headers, sign_in_person, sign_in_staff
from tongban.complaints.models import ProblemReport, StaffSuggestion, UnresolvedMatter


@pytest.mark.req("RATE-09")
def test_a_content_error_reported_through_the_api_is_answered_through_the_api(client, db_session, clock, world):
    me = person_headers(db_session, clock, world.person)
    sent = client.post("/api/v1/feedback", headers=me, json={"kind": "content", "item_id": world.item.id,
                                                               "page": f"/items/{world.item.id}", "body": "收费标准写的是旧标准"})
    assert sent.status_code == 201, sent.text
    report = sent.json()
    assert report["number"] and report["state"] == "open" and report["kind_label"]
    # the police editors do not see it; the market's editor does, and answers
    assert client.get("/api/v1/staff/feedback", headers=auth(world.police_token)).json()["items"] == []
    queue = client.get("/api/v1/staff/feedback", headers=auth(world.market_token)).json()["items"]
    assert [r["id"] for r in queue] == [report["id"]]
    refused = client.post(f"/api/v1/staff/feedback/{report['id']}/reply", headers=auth(world.police_token),
                          json={"text": "好的"})
    assert refused.status_code == 403 and refused.json()["error"]["message"]
    done = client.post(f"/api/v1/staff/feedback/{report['id']}/reply", headers=auth(world.market_token),
                       json={"text": "已更正"})
    assert done.status_code == 200 and done.json()["state"] == "answered"
    mine = client.get("/api/v1/feedback", headers=me).json()["items"]
    assert [(r["number"], r["reply"]) for r in mine] == [(report["number"], "已更正")]


@pytest.mark.req("RATE-09")
def test_the_page_and_the_api_refuse_the_same_bad_report_and_write_nothing(client, db_session, clock, world):
    bad = {"kind": "content", "item_id": world.item.id, "body": "<script>alert(1)</script>"}
    api = client.post("/api/v1/feedback", json=bad)
    csrf = sign_in_person(client, db_session, clock, world.person)
    page = client.post("/feedback", data={"csrf": csrf, **{k: str(v) for k, v in bad.items()}})
    assert api.status_code == page.status_code == 422
    assert api.json()["error"]["message"] in page.text
    unknown = client.post("/api/v1/feedback", json={"kind": "rumour", "body": "页面打不开"})
    assert unknown.status_code == 422 and unknown.json()["error"]["message"]
    assert db_session.scalar(select(func.count(ProblemReport.id))) == 0


@pytest.mark.req("RATE-10")
def test_a_suggestion_through_the_api_is_answered_by_its_owner_within_the_month(client, db_session, clock, world):
    made = client.post("/api/v1/staff/suggestions", headers=auth(world.police_token),
                       json={"title": "营业执照变更可免交公章", "body": "电子签章已普及，建议不再要求加盖实物公章",
                             "topic": "guide", "item_id": world.item.id})
    assert made.status_code == 201, made.text
    row = made.json()
    assert row["state"] == "open" and row["due"] == "2026-12-20" and row["warning"] is None
    mine = client.get("/api/v1/staff/suggestions?view=mine", headers=auth(world.police_token)).json()["items"]
    assert [s["id"] for s in mine] == [row["id"]]
    # the proposer cannot answer their own suggestion; the item's agency can
    own = client.post(f"/api/v1/staff/suggestions/{row['id']}/reject", headers=auth(world.police_token),
                      json={"reason": "不"})
    assert own.status_code == 403
    no_reason = client.post(f"/api/v1/staff/suggestions/{row['id']}/reject", headers=auth(world.market_token),
                            json={"reason": ""})
    assert no_reason.status_code == 422 and no_reason.json()["error"]["message"]
    done = client.post(f"/api/v1/staff/suggestions/{row['id']}/reject", headers=auth(world.market_token),
                       json={"reason": "法规要求加盖公章"})
    assert done.status_code == 200 and done.json()["state"] == "rejected" and done.json()["answer"] == "法规要求加盖公章"
    assert db_session.scalar(select(func.count(StaffSuggestion.id))) == 1


@pytest.mark.req("RATE-11")
def test_the_desk_through_the_api_matches_the_pages(client, db_session, clock, world):
    me = person_headers(db_session, clock, world.person)
    online = client.post("/api/v1/desk", headers=me, json={"matter": "网上办理一直提示系统错误", "agency_id": world.market.id})
    assert online.status_code == 201, online.text
    assert (online.json()["kind"], online.json()["due"]) == ("general", "2026-11-24")  # as the page's 2 working days
    assert client.post("/api/v1/desk", json={"matter": "没登录"}).status_code == 401
    spot = client.post("/api/v1/staff/desk", headers=auth(world.consultant_token),
                       json={"matter": "社保卡补办说要回户籍地", "kind": "on_spot", "contact_phone": "13700005555",
                             "resolution": "已通过全省通办当场补办"})
    assert spot.status_code == 201 and spot.json()["outcome"] == "solved" and spot.json()["on_time"] is True
    assert spot.json()["contact_phone"] != "13700005555"  # masked
    # the same on-the-spot entry through the page closes the same way
    csrf = sign_in_staff(client, db_session, clock, world.consultant.staff_id)
    client.post("/staff/desk", data={"csrf": csrf, "channel": "desk", "kind": "on_spot", "matter": "窗口说要回户籍地",
                                     "contact_phone": "13700006666", "resolution": "已当场补办"}, follow_redirects=False)
    outcomes = db_session.scalars(select(UnresolvedMatter.outcome).where(UnresolvedMatter.kind == "on_spot")).all()
    assert outcomes == ["solved", "solved"]
    ledger = client.get("/api/v1/staff/desk?status=open", headers=auth(world.consultant_token)).json()["items"]
    assert [m["id"] for m in ledger] == [online.json()["id"]]
    resolved = client.post(f"/api/v1/staff/desk/{online.json()['id']}/resolve", headers=auth(world.consultant_token),
                           json={"outcome": "replied", "resolution": "系统故障已修复，请重新提交"})
    assert resolved.status_code == 200 and resolved.json()["outcome_label"]
    again = client.post(f"/api/v1/staff/desk/{online.json()['id']}/resolve", headers=auth(world.consultant_token),
                        json={"outcome": "solved", "resolution": "again"})
    assert again.status_code == 409
    assert client.get("/api/v1/desk", headers=me).json()["items"][0]["resolution"] == "系统故障已修复，请重新提交"
    assert client.get("/api/v1/staff/desk?month=2026-13", headers=auth(world.consultant_token)).status_code == 422
