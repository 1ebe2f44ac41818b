"""XREG-04: the liaison directory: each region keeps its own entries, everyone searches all, phones masked in lists."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, text

from tongban.core.errors import Forbidden, InvalidInput
from tongban.crossregion import liaisons
from tongban.crossregion.models import Liaison

from tests.signin import auth, sign_in_staff


def _entry(agency, **overrides) -> liaisons.LiaisonIn:
    values = dict(agency_id=agency.id, contact_name="周敏", phone="13812345678", post="跨区域通办窗口",
                  items=["食品经营许可（新办）", "社会保障卡申领"])
    values.update(overrides)
    return liaisons.LiaisonIn(**values)


@pytest.mark.req("XREG-04")
def test_a_window_keeps_its_own_liaisons_and_everyone_searches_them(db_session, clock, world):
    mine = liaisons.create(db_session=db_session, clock=clock, actor=world.gaq_window, liaison_in=_entry(world.gaq))
    theirs = liaisons.create(db_session=db_session, clock=clock, actor=world.jjq_window,
                             liaison_in=_entry(world.jjq, contact_name="陈红", phone="028-86610000", items=["户口迁移"]))
    assert [r.id for r in liaisons.search(db_session=db_session, region_code="510104")] == [theirs.id]
    assert [r.id for r in liaisons.search(db_session=db_session, region_code="51")] == [theirs.id, mine.id]
    assert [r.id for r in liaisons.search(db_session=db_session, item="社会保障")] == [mine.id]
    stored = db_session.execute(text("SELECT phone, contact_name FROM xreg_liaison WHERE id = :i"), {"i": mine.id}).one()
    assert "13812345678" not in stored.phone and "周敏" not in stored.contact_name  # encrypted at rest


@pytest.mark.req("XREG-04")
def test_a_guangan_window_cannot_edit_chengdu_liaisons(db_session, clock, world):
    theirs = liaisons.create(db_session=db_session, clock=clock, actor=world.jjq_window, liaison_in=_entry(world.jjq))
    with pytest.raises(Forbidden):
        liaisons.update(db_session=db_session, clock=clock, actor=world.gaq_window, liaison_id=theirs.id,
                        liaison_in=_entry(world.jjq, contact_name="冒名"))
    with pytest.raises(Forbidden):
        liaisons.delete(db_session=db_session, clock=clock, actor=world.gaq_window, liaison_id=theirs.id)
    with pytest.raises(Forbidden):
        liaisons.create(db_session=db_session, clock=clock, actor=world.gaq_window, liaison_in=_entry(world.jjq))
    with pytest.raises(Forbidden):  # a reviewer's post keeps no directory
        liaisons.create(db_session=db_session, clock=clock, actor=world.jjq_staff.reviewer, liaison_in=_entry(world.jjq))


@pytest.mark.parametrize("overrides, code", [
    ({"phone": "12345"}, "PHONE_FORMAT"),
    ({"phone": ""}, "PHONE_REQUIRED"),
    ({"contact_name": "  "}, None),
    ({"items": []}, "ITEMS_REQUIRED"),
    ({"agency_id": 999999}, "AGENCY_NOT_FOUND"),
])
def test_bad_liaison_input_writes_nothing(db_session, clock, world, overrides, code):
    with pytest.raises(InvalidInput) as refused:
        liaisons.create(db_session=db_session, clock=clock, actor=world.gaq_window, liaison_in=_entry(world.gaq, **overrides))
    db_session.rollback()
    assert code is None or refused.value.code == code
    assert db_session.scalar(select(func.count(Liaison.id))) == 0


@pytest.mark.req("XREG-04")
def test_the_directory_through_the_api(db_session, clock, client, world):
    body = {"agency_id": world.gaq.id, "contact_name": "周敏", "phone": "13812345678", "items": ["食品经营许可（新办）"]}
    created = client.post("/api/v1/staff/crossregion/liaisons", json=body, headers=auth(world.gaq_window_token))
    assert created.status_code == 201, created.text
    liaison_id = created.json()["id"]
    listed = client.get("/api/v1/staff/crossregion/liaisons", params={"region_code": "511602"},
                        headers=auth(world.jjq_window_token)).json()
    assert listed["total"] == 1 and listed["items"][0]["phone"] == "138****5678"
    assert listed["items"][0]["editable"] is False
    one = client.get(f"/api/v1/staff/crossregion/liaisons/{liaison_id}", headers=auth(world.jjq_window_token))
    assert one.json()["phone"] == "13812345678"
    forbidden = client.put(f"/api/v1/staff/crossregion/liaisons/{liaison_id}", json={**body, "contact_name": "冒名"},
                           headers=auth(world.jjq_window_token))
    assert forbidden.status_code == 403 and "本地区" in forbidden.json()["error"]["message"]
    bad = client.post("/api/v1/staff/crossregion/liaisons", json={**body, "phone": "abc"},
                      headers=auth(world.gaq_window_token))
    assert bad.status_code == 422 and "联络员电话" in bad.json()["error"]["message"]
    assert client.delete(f"/api/v1/staff/crossregion/liaisons/{liaison_id}",
                         headers=auth(world.gaq_window_token)).status_code == 204
    assert db_session.scalar(select(func.count(Liaison.id))) == 0


@pytest.mark.req("XREG-04")
def test_the_directory_pages(db_session, clock, client, world):
    theirs = liaisons.create(db_session=db_session, clock=clock, actor=world.jjq_window, liaison_in=_entry(world.jjq))
    db_session.commit()
    csrf = sign_in_staff(client, db_session, clock, world.gaq_window.staff_id)
    page = client.get("/staff/crossregion/liaisons")
    assert page.status_code == 200 and "138****5678" in page.text and "13812345678" not in page.text
    assert f"/staff/crossregion/liaisons/{theirs.id}" not in page.text
    assert client.get(f"/staff/crossregion/liaisons/{theirs.id}").status_code == 403
    assert client.post(f"/staff/crossregion/liaisons/{theirs.id}", data={
        "csrf": csrf, "agency_id": str(world.jjq.id), "contact_name": "冒名", "phone": "13812345678",
        "items": "户口迁移"}).status_code == 403
    refused = client.post("/staff/crossregion/liaisons", data={"csrf": csrf, "agency_id": str(world.gaq.id),
                                                               "contact_name": "周敏", "phone": "1", "items": "户口迁移"})
    assert refused.status_code == 422 and "联络员电话" in refused.text
    done = client.post("/staff/crossregion/liaisons", data={"csrf": csrf, "agency_id": str(world.gaq.id),
                                                            "contact_name": "周敏", "phone": "13812345679",
                                                            "items": "户口迁移\n社保卡"}, follow_redirects=False)
    assert done.status_code == 303
    assert db_session.scalar(select(func.count(Liaison.id))) == 2
