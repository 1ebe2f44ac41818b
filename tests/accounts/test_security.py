"""Account security: lockout, masking, IDOR between citizens and agencies, CSRF, session fixation,
encryption at rest, SMS rate limits and log masking (ACC-05, ACC-11, ACC-12)."""

from __future__ import annotations

import csv
import io
import logging
import re
from datetime import timedelta

import pytest
from sqlalchemy import select, text
from stdnum.cn import uscc as stdnum_uscc

from tests.factories import (
    add_population, last_code, make_actor, make_agency, make_item, make_content, make_person, make_staff, resident_id,
)
from tongban.accounts import agreements, sessions
from tongban.accounts.models import Person, StaffAccount
from tongban.baselib.service import LEGAL_PERSON_COLUMNS, import_legal_persons
from tongban.catalog import service as catalog_service
from tongban.core.audit import AuditEntry
from tongban.core.errors import Forbidden
from tongban.core.pii import MaskingFilter

PASSWORD = "Passw0rd!x"
LOGIN, VERIFY, ME, SMS = "/api/v1/auth/login", "/api/v1/auth/login/verify", "/api/v1/me", "/api/v1/accounts/sms-codes"


def auth(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def error_code(response) -> str:
    return response.json()["error"]["code"]


def person(db_session, clock, **fields) -> Person:
    """A person committed so the app's own request sessions see it."""
    row = make_person(db_session, clock, **fields)
    db_session.commit()
    return row


def api_login(client, sms, identifier: str, phone: str, password: str = PASSWORD) -> str:
    first = client.post(LOGIN, json={"identifier": identifier, "password": password})
    assert first.status_code == 200, first.text
    second = client.post(VERIFY, json={"challenge": first.json()["challenge"], "code": last_code(sms, phone)})
    assert second.status_code == 200, second.text
    return second.json()["token"]


def wrong_code(sms, phone: str) -> str:
    return f"{(int(last_code(sms, phone)) + 1) % 1_000_000:06d}"


def org_uscc(n: int) -> str:
    body = f"91511600MA{n:07d}"  # 9: enterprise registration; 511600: Guang'an
    return body + stdnum_uscc.calc_check_digit(body)


def load_legal_persons(db_session, clock, tmp_path, rows: list[dict]) -> None:
    path = tmp_path / "legal-persons.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=LEGAL_PERSON_COLUMNS)
        writer.writeheader()
        for row in rows:
            writer.writerow({"org_kind": "enterprise", "legal_rep_id_kind": "resident_id", "status": "active", **row})
    assert not import_legal_persons(db_session=db_session, clock=clock, path=path).errors


# --- login lockout and the full API login (ACC-05, ACC-11) ---------------------------------------

@pytest.mark.req("ACC-05")
def test_five_wrong_passwords_lock_the_account_for_thirty_minutes(client, db_session, clock, sms):
    p = person(db_session, clock, phone="13900000101")
    for _ in range(5):
        r = client.post(LOGIN, json={"identifier": p.phone, "password": "Wrong0ne!"})
        assert (r.status_code, error_code(r)) == (401, "LOGIN_FAILED")
    right = {"identifier": p.phone, "password": PASSWORD}
    r = client.post(LOGIN, json=right)
    assert (r.status_code, error_code(r)) == (401, "ACCOUNT_LOCKED")
    assert sms.messages(p.phone) == []  # a locked account gets no code either
    clock.advance(minutes=29)
    assert error_code(client.post(LOGIN, json=right)) == "ACCOUNT_LOCKED"
    clock.advance(minutes=2)
    r = client.post(LOGIN, json=right)
    assert r.status_code == 200 and r.json()["challenge"]
    locks = db_session.scalars(select(AuditEntry).where(AuditEntry.action == "person.lock")).all()
    assert [(e.object_id, e.actor) for e in locks] == [(str(p.id), "system")]


@pytest.mark.req("ACC-05")
def test_wrong_sms_codes_count_toward_the_lock(client, db_session, clock, sms):
    p = person(db_session, clock, phone="13900000102")
    for _ in range(3):
        assert client.post(LOGIN, json={"identifier": p.phone, "password": "Wrong0ne!"}).status_code == 401
    challenge = client.post(LOGIN, json={"identifier": p.phone, "password": PASSWORD}).json()["challenge"]
    for _ in range(2):  # failures four and five
        r = client.post(VERIFY, json={"challenge": challenge, "code": wrong_code(sms, p.phone)})
        assert (r.status_code, error_code(r)) == (422, "SMS_CODE_WRONG")
    r = client.post(VERIFY, json={"challenge": challenge, "code": last_code(sms, p.phone)})
    assert (r.status_code, error_code(r)) == (401, "ACCOUNT_LOCKED")
    assert error_code(client.post(LOGIN, json={"identifier": p.phone, "password": PASSWORD})) == "ACCOUNT_LOCKED"


@pytest.mark.req("ACC-05")
@pytest.mark.req("ACC-11")
def test_api_login_then_me_shows_masked_data_only(client, db_session, clock, sms):
    number = resident_id(birth="19870923", region="511602", serial="314")
    p = person(db_session, clock, name="赵六", id_number=number, phone="13900000103")
    first = client.post(LOGIN, json={"identifier": number, "password": PASSWORD})
    assert first.json()["phone_masked"] == "139****0103"
    token = client.post(VERIFY, json={"challenge": first.json()["challenge"], "code": last_code(sms, p.phone)}).json()["token"]
    me = client.get(ME, headers=auth(token))
    assert me.status_code == 200
    body = me.json()
    assert (body["id"], body["name"]) == (p.id, "赵六")
    assert body["id_number_masked"] == number[:6] + "********" + number[-4:]
    assert body["phone_masked"] == "139****0103"
    for clear in (number, "19870923", "13900000103"):
        assert clear not in me.text
    assert client.get(ME).status_code == 401
    clock.advance(seconds=61)  # the next code to this phone may go out after a minute
    assert client.get(ME, headers=auth(api_login(client, sms, p.phone, p.phone))).json()["id"] == p.id  # by phone too
    assert client.post("/api/v1/auth/logout", headers=auth(token)).status_code == 204
    assert client.get(ME, headers=auth(token)).status_code == 401


# --- IDOR between two citizens -----------------------------------------------------------------

@pytest.fixture
def org_world(client, db_session, clock, sms, tmp_path):
    """Person A, legal rep of an organisation that delegated to C; B is a stranger with his own token."""
    a = person(db_session, clock, name="法人甲", id_number=resident_id(birth="19750101", region="511602", serial="401"),
               phone="13900000201")
    c = person(db_session, clock, name="经办乙", phone="13900000202")
    b = person(db_session, clock, name="路人丙", phone="13900000203")
    uscc = org_uscc(401)
    load_legal_persons(db_session, clock, tmp_path, [{"uscc": uscc, "name": "广安甲有限公司", "legal_rep_name": "法人甲",
                                                     "legal_rep_id_number": a.id_number}])
    db_session.commit()
    a_token = api_login(client, sms, a.phone, a.phone)
    r = client.post("/api/v1/organisations", json={"uscc": uscc, "agreement_version": agreements.CURRENT["org"]},
                    headers=auth(a_token))
    assert r.status_code == 201, r.text
    org_id = r.json()["id"]
    r = client.post(f"/api/v1/organisations/{org_id}/delegations", headers=auth(a_token), json={
        "grantee_id_number": c.id_number, "grantee_name": "经办乙", "item_scope": ["A1"],
        "valid_until": (clock.now() + timedelta(days=30)).isoformat()})
    assert r.status_code == 201, r.text
    return {"a": a, "b": b, "c": c, "org_id": org_id, "delegation_id": r.json()["id"], "a_token": a_token,
            "b_token": api_login(client, sms, b.phone, b.phone), "c_token": api_login(client, sms, c.phone, c.phone)}


@pytest.mark.req("ACC-07")
@pytest.mark.req("ACC-11")
def test_stranger_cannot_see_or_touch_anothers_delegations(client, org_world):
    w = org_world
    org, d, b = w["org_id"], w["delegation_id"], auth(w["b_token"])
    assert client.get(f"/api/v1/organisations/{org}/delegations", headers=auth(w["c_token"])).status_code == 200  # control
    r = client.get(f"/api/v1/organisations/{org}/delegations", headers=b)
    assert (r.status_code, error_code(r)) == (403, "NOT_YOUR_ORGANISATION")
    assert client.post(f"/api/v1/delegations/{d}/revoke", json={"reason": "越权"}, headers=b).status_code == 403
    assert client.patch(f"/api/v1/delegations/{d}", json={"may_redelegate": True, "item_scope": []}, headers=b).status_code == 403
    assert client.post(f"/api/v1/delegations/{d}/decision", json={"approve": True}, headers=b).status_code == 403
    r = client.post(f"/api/v1/organisations/{org}/delegations", headers=b, json={
        "grantee_id_number": w["c"].id_number, "grantee_name": "经办乙", "valid_until": "2027-01-01T00:00:00+08:00"})
    assert r.status_code == 403
    assert client.get("/api/v1/organisations", headers=b).json() == []
    me = client.get(ME, headers=b)
    assert me.json()["id"] == w["b"].id
    for foreign in ("法人甲", "经办乙", w["a"].id_number, w["a"].id_number[:6] + "********", "0201", "0202"):
        assert foreign not in me.text
    # Nothing B tried changed the delegation.
    rows = client.get(f"/api/v1/organisations/{org}/delegations", headers=auth(w["a_token"])).json()
    assert [(x["id"], x["status"], x["item_scope"], x["may_redelegate"]) for x in rows] == [(d, "active", ["A1"], False)]


# --- IDOR between two agencies (ACC-12) -----------------------------------------------------------

@pytest.mark.req("ACC-12")
def test_admin_of_one_agency_cannot_reach_another_agencys_staff(client, db_session, clock):
    agency_a, agency_b = make_agency(db_session), make_agency(db_session)
    _, token = make_actor(db_session, clock, role="admin", agency=agency_a)
    colleague, _ = make_staff(db_session, clock, roles=["acceptor"], agency=agency_a)
    other, _ = make_staff(db_session, clock, roles=["acceptor"], agency=agency_b)
    db_session.commit()
    h = auth(token)
    assert client.get(f"/api/v1/staff/staff-accounts/{colleague.id}", headers=h).status_code == 200  # control
    r = client.get(f"/api/v1/staff/staff-accounts/{other.id}", headers=h)
    assert (r.status_code, error_code(r)) == (403, "OUT_OF_SCOPE")
    r = client.post(f"/api/v1/staff/accounts/staff/{other.id}/disable", json={"reason": "越权测试"}, headers=h)
    assert (r.status_code, error_code(r)) == (403, "OUT_OF_SCOPE")
    r = client.post("/api/v1/staff/staff-accounts", headers=h, json={
        "username": "intruder1", "name": "冒名", "roles": ["acceptor"], "region_code": "511600", "agency_id": agency_b.id})
    assert r.status_code == 403
    assert other.id not in {row["id"] for row in client.get("/api/v1/staff/staff-accounts", headers=h).json()}
    db_session.expire_all()
    assert db_session.get(StaffAccount, other.id).status == "active"


@pytest.mark.req("ACC-12")
def test_catalog_editor_cannot_edit_another_agencys_item(db_session, clock):
    agency_a, agency_b = make_agency(db_session), make_agency(db_session)
    editor, _ = make_actor(db_session, clock, role="catalog_editor", agency=agency_a)
    item = make_item(db_session, clock, agency=agency_b)
    with pytest.raises(Forbidden) as info:
        catalog_service.save_draft(db_session=db_session, clock=clock, actor=editor, item_id=item.id, content=make_content())
    assert info.value.code == "NOT_YOUR_AGENCY"


# --- CSRF and session handling -------------------------------------------------------------------

def cookie_session(client, db_session, clock, kind: str, subject_id: int) -> sessions.NewSession:
    new = sessions.open_session(db_session=db_session, clock=clock, subject_kind=kind, subject_id=subject_id, transport="cookie")
    db_session.commit()
    client.cookies.set("tb_staff" if kind == "staff" else "tb_session", new.token)
    client.cookies.set("tb_csrf", new.csrf_token)
    return new


def test_staff_page_posts_need_the_session_csrf_token(client, db_session, clock):
    admin, _ = make_staff(db_session, clock, roles=["admin"], agency=make_agency(db_session))
    target = person(db_session, clock, phone="13900000301")
    new = cookie_session(client, db_session, clock, "staff", admin.id)
    url = f"/staff/accounts/person/{target.id}/disable"
    for form in ({"reason": "测试"}, {"reason": "测试", "csrf": "forged-token"}):
        assert client.post(url, data=form, follow_redirects=False).status_code == 403
    db_session.expire_all()
    assert db_session.get(Person, target.id).status == "active"
    assert client.post(url, data={"reason": "测试", "csrf": new.csrf_token}, follow_redirects=False).status_code == 303
    db_session.expire_all()
    assert db_session.get(Person, target.id).status == "disabled"

    assert client.post("/staff/logout", data={"csrf": "forged-token"}, follow_redirects=False).status_code == 403
    assert client.get("/staff/home", follow_redirects=False).status_code == 200  # still signed in
    assert client.post("/staff/logout", data={"csrf": new.csrf_token}, follow_redirects=False).status_code == 303
    client.cookies.set("tb_staff", new.token)
    assert client.get("/staff/home", follow_redirects=False).status_code == 303  # the ended session is refused


def test_person_logout_needs_csrf(client, db_session, clock):
    p = person(db_session, clock, phone="13900000302")
    new = cookie_session(client, db_session, clock, "person", p.id)
    assert client.post("/logout", data={}, follow_redirects=False).status_code == 403
    assert client.post("/logout", data={"csrf": "x" * 32}, follow_redirects=False).status_code == 403
    assert client.get(ME).status_code == 200
    assert client.post("/logout", data={"csrf": new.csrf_token}, follow_redirects=False).status_code == 303
    client.cookies.set("tb_session", new.token)
    assert client.get(ME).status_code == 401


def page_login(client, sms, phone: str, csrf: str):
    r = client.post("/login", data={"identifier": phone, "password": PASSWORD, "csrf": csrf})
    assert r.status_code == 200, r.text
    challenge = re.search(r'name="challenge" value="([^"]+)"', r.text).group(1)
    return client.post("/login/verify", data={"challenge": challenge, "code": last_code(sms, phone), "csrf": csrf},
                       follow_redirects=False)


def test_planted_session_cookie_is_never_promoted(client, db_session, clock, sms, app):
    from fastapi.testclient import TestClient

    p = person(db_session, clock, phone="13900000303")
    planted = "attacker-chosen-value-" + "a" * 24
    client.cookies.set("tb_session", planted)
    client.cookies.set("tb_csrf", "c" * 32)
    assert client.get(ME).status_code == 401
    r = page_login(client, sms, p.phone, "c" * 32)
    assert r.status_code == 303
    issued = r.cookies.get("tb_session")
    assert issued and issued != planted
    assert client.get(ME).json()["id"] == p.id  # the browser now holds the server-issued token
    with TestClient(app) as other:
        other.cookies.set("tb_session", planted)
        assert other.get(ME).status_code == 401
        assert other.get(ME, headers=auth(planted)).status_code == 401


def test_signing_in_again_ends_the_previous_session(client, db_session, clock, sms, app):
    from fastapi.testclient import TestClient

    p = person(db_session, clock, phone="13900000304")
    old = cookie_session(client, db_session, clock, "person", p.id)
    r = page_login(client, sms, p.phone, old.csrf_token)
    assert r.status_code == 303 and r.cookies.get("tb_session") not in (None, old.token)
    with TestClient(app) as other:
        other.cookies.set("tb_session", old.token)
        assert other.get(ME).status_code == 401


def test_person_session_is_refused_on_staff_routes(client, db_session, clock):
    p = person(db_session, clock, phone="13900000305")
    cookie = sessions.open_session(db_session=db_session, clock=clock, subject_kind="person", subject_id=p.id, transport="cookie")
    bearer = sessions.open_session(db_session=db_session, clock=clock, subject_kind="person", subject_id=p.id, transport="bearer")
    admin, _ = make_staff(db_session, clock, roles=["admin"], agency=make_agency(db_session))
    staff_cookie = sessions.open_session(db_session=db_session, clock=clock, subject_kind="staff", subject_id=admin.id)
    db_session.commit()
    r = client.get("/api/v1/staff/staff-accounts", headers=auth(bearer.token))
    assert (r.status_code, error_code(r)) == (401, "STAFF_LOGIN_REQUIRED")
    client.cookies.set("tb_staff", cookie.token)
    assert client.get("/api/v1/staff/staff-accounts").status_code == 401
    home = client.get("/staff/home", follow_redirects=False)
    assert (home.status_code, home.headers["location"]) == (303, "/staff/")
    client.cookies.clear()
    client.cookies.set("tb_session", staff_cookie.token)  # and the other way round
    assert client.get(ME).status_code == 401
