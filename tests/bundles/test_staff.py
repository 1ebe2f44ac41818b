"""Bundles are versioned and reviewed like items: staff draft a definition (checked), submit it, and another member of
the region's management agency publishes it; bad definitions are refused in Chinese and write nothing."""

from __future__ import annotations

import copy
import json

import pytest
from sqlalchemy import func, select

from tests.factories import make_actor
from tests.signin import auth, sign_in_staff
from tongban.bundles.models import Bundle, BundleVersion


def _count(db_session) -> tuple[int, int]:
    return db_session.scalar(select(func.count(Bundle.id))), db_session.scalar(select(func.count(BundleVersion.id)))


def _new_definition(world) -> dict:
    data = copy.deepcopy(world.definition)
    data["code"], data["name"] = "TEST-BIRTH-2", "新生儿出生一件事（试点）"
    return data


@pytest.mark.req("BND-01")
def test_draft_submit_and_publish_with_four_eyes(world, client, db_session):
    editor, reviewer = auth(world.editor_token), auth(world.reviewer_token)
    made = client.post("/api/v1/staff/bundles", json={"definition": _new_definition(world), "note": "新建"}, headers=editor)
    assert made.status_code == 201, made.text
    version = made.json()
    assert version["state"] == "draft"
    assert client.get("/api/v1/bundles").json()["total"] == 1  # a draft is not public
    submitted = client.post(f"/api/v1/staff/bundles/versions/{version['id']}/submit", headers=editor)
    assert submitted.status_code == 200 and submitted.json()["state"] == "in_review"
    own = client.post(f"/api/v1/staff/bundles/versions/{version['id']}/publish", headers=editor)
    assert own.status_code == 403
    published = client.post(f"/api/v1/staff/bundles/versions/{version['id']}/publish", headers=reviewer)
    assert published.status_code == 200 and published.json()["state"] == "published"
    names = {b["name"] for b in client.get("/api/v1/bundles").json()["bundles"]}
    assert "新生儿出生一件事（试点）" in names
    again = client.put(f"/api/v1/staff/bundles/{version['bundle_id']}/draft",
                       json={"definition": {**_new_definition(world), "summary": "第二版"}}, headers=editor)
    assert again.status_code == 200 and again.json()["number"] == 2
    rejected = client.post(f"/api/v1/staff/bundles/versions/{again.json()['id']}/reject", json={"reasons": "x"},
                           headers=reviewer)
    assert rejected.status_code == 409  # not in review yet


@pytest.mark.req("BND-02")
def test_bad_definitions_are_refused_in_chinese_and_write_nothing(world, client, db_session):
    editor = auth(world.editor_token)
    before = _count(db_session)
    bad = _new_definition(world)
    bad["rules"][0]["when"] = {"ghost": ["yes"]}
    refused = client.post("/api/v1/staff/bundles", json={"definition": bad}, headers=editor)
    assert refused.status_code == 422 and "不存在的问题“ghost”" in refused.json()["error"]["message"]
    unsound = _new_definition(world)
    unsound["rules"].append({"when": {"card": ["yes"]}, "exclude": ["T-INSURE"], "why": "测试排除"})
    made = client.post("/api/v1/staff/bundles", json={"definition": unsound}, headers=editor).json()
    after_draft = _count(db_session)
    failed = client.post(f"/api/v1/staff/bundles/versions/{made['id']}/submit", headers=editor)
    assert failed.status_code == 422 and "规则矛盾" in failed.json()["error"]["message"]
    db_session.expire_all()
    assert after_draft == (before[0] + 1, before[1] + 1) and _count(db_session) == after_draft
    assert db_session.get(BundleVersion, made["id"]).state == "draft"


def test_people_without_the_post_cannot_edit(world, client, db_session, clock):
    _actor, token = make_actor(db_session, clock, role="consultant", agency=world.health)
    db_session.commit()
    refused = client.post("/api/v1/staff/bundles", json={"definition": _new_definition(world)}, headers=auth(token))
    assert refused.status_code == 403
    assert client.get("/api/v1/staff/bundles", headers=auth(token)).status_code == 200  # reading is open to staff
    draft = client.put(f"/api/v1/staff/bundles/{world.bundle_id}/draft", json={"definition": world.definition},
                       headers=auth(token))
    assert draft.status_code == 403


def test_the_staff_pages_edit_check_and_publish(world, client, db_session, clock):
    csrf = sign_in_staff(client, db_session, clock, world.editor.staff_id)
    listing = client.get("/staff/bundles")
    assert listing.status_code == 200 and "TEST-BIRTH" in listing.text
    page = client.get(f"/staff/bundles/{world.bundle_id}")
    assert page.status_code == 200 and 'id="staff-bundle-ok"' in page.text and "<svg" in page.text
    broken = client.post(f"/staff/bundles/{world.bundle_id}/draft", data={"csrf": csrf, "definition": "{not json"})
    assert broken.status_code == 422 and "不是有效的 JSON" in broken.text
    data = copy.deepcopy(world.definition)
    data["summary"] = "第二版"
    saved = client.post(f"/staff/bundles/{world.bundle_id}/draft",
                        data={"csrf": csrf, "definition": json.dumps(data, ensure_ascii=False)}, follow_redirects=False)
    assert saved.status_code == 303
    version_id = db_session.scalar(select(BundleVersion.id).where(BundleVersion.number == 2))
    submitted = client.post(f"/staff/bundles/{world.bundle_id}/versions/{version_id}/submit", data={"csrf": csrf},
                            follow_redirects=False)
    assert submitted.status_code == 303
    csrf = sign_in_staff(client, db_session, clock, world.reviewer.staff_id)
    page = client.get(f"/staff/bundles/{world.bundle_id}")
    assert 'id="staff-bundle-publish"' in page.text
    published = client.post(f"/staff/bundles/{world.bundle_id}/versions/{version_id}/publish", data={"csrf": csrf},
                            follow_redirects=False)
    assert published.status_code == 303
    assert client.get(f"/api/v1/bundles/{world.bundle_id}").json()["summary"] == "第二版"


@pytest.mark.req("BND-01")
def test_a_rejected_version_goes_back_to_the_editors_and_a_withdrawn_bundle_leaves_the_list(world, client):
    editor, reviewer = auth(world.editor_token), auth(world.reviewer_token)
    data = {**copy.deepcopy(world.definition), "summary": "第二版"}
    version = client.put(f"/api/v1/staff/bundles/{world.bundle_id}/draft", json={"definition": data}, headers=editor).json()
    assert client.post(f"/api/v1/staff/bundles/versions/{version['id']}/submit", headers=editor).status_code == 200
    no_reason = client.post(f"/api/v1/staff/bundles/versions/{version['id']}/reject", json={"reasons": " "}, headers=reviewer)
    assert no_reason.status_code == 422 and "退回理由" in no_reason.json()["error"]["message"]
    rejected = client.post(f"/api/v1/staff/bundles/versions/{version['id']}/reject", json={"reasons": "请补充说明"},
                           headers=reviewer)
    assert rejected.json()["state"] == "rejected" and rejected.json()["note"] == "请补充说明"
    assert client.get(f"/api/v1/bundles/{world.bundle_id}").json()["summary"] == "测试用"  # the live one stays
    again = client.put(f"/api/v1/staff/bundles/{world.bundle_id}/draft", json={"definition": data}, headers=editor)
    assert again.json()["id"] == version["id"] and again.json()["state"] == "draft"
    assert client.post(f"/api/v1/staff/bundles/{world.bundle_id}/status", json={"status": "withdrawn"},
                       headers=editor).status_code == 403
    withdrawn = client.post(f"/api/v1/staff/bundles/{world.bundle_id}/status", json={"status": "withdrawn"},
                            headers=reviewer)
    assert withdrawn.status_code == 200 and withdrawn.json()["status"] == "withdrawn"
    assert client.get("/api/v1/bundles").json() == {"bundles": [], "total": 0}
    gone = client.post(f"/api/v1/bundles/{world.bundle_id}/plan", json={"answers": {"local": "yes", "insure": "no"}})
    assert gone.status_code == 404 and "已停止办理" in gone.json()["error"]["message"]
