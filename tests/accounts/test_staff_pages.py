"""Staff workbench pages for accounts: SMS sign-in, window registration, disabling and re-enabling, scope, audit."""

import re

import pytest

from tests.factories import last_code, make_agency, make_person, make_staff, make_uscc, resident_id
from tongban.accounts import persons, policies
from tongban.accounts.models import Delegation, StaffAccount
from tongban.baselib.service import import_legal_persons

NEW_PASSWORD = "Workbench2026"


def _sign_in(client, sms, username: str, password: str, phone: str) -> str:
    """Both login steps through the pages; returns where the browser is sent next."""
    client.cookies.clear()
    assert "工作人员登录" in client.get("/staff/").text
    csrf = client.cookies.get("tb_csrf")
    step = client.post("/staff/login", data={"csrf": csrf, "username": username, "password": password})
    assert step.status_code == 200 and "验证码已发送" in step.text, step.text
    challenge = re.search(r'name="challenge" value="([^"]+)"', step.text).group(1)
    done = client.post("/staff/login/verify", data={"csrf": csrf, "challenge": challenge, "code": last_code(sms, phone)},
                       follow_redirects=False)
    assert done.status_code == 303, done.text
    return done.headers["location"]


def _staff_session(client, sms, db_session, clock, *, roles, phone, agency=None) -> tuple[StaffAccount, str]:
    """A staff member signed in through the pages with the initial password changed; returns the account and form token."""
    account, initial = make_staff(db_session, clock, roles=roles, agency=agency, phone=phone)
    db_session.commit()
    assert _sign_in(client, sms, account.username, initial, phone) == "/staff/password"
    csrf = client.cookies.get("tb_csrf")
    changed = client.post("/staff/password", data={"csrf": csrf, "current": initial, "new": NEW_PASSWORD, "repeat": NEW_PASSWORD},
                          follow_redirects=False)
    assert changed.status_code == 303 and changed.headers["location"].startswith("/staff/home")
    return account, csrf


def test_staff_login_two_steps_and_initial_password_change(client, sms, db_session, clock):
    account, initial = make_staff(db_session, clock, roles=["operator"], phone="13800000001")
    no_phone, no_phone_password = make_staff(db_session, clock, roles=["operator"])
    db_session.commit()

    page = client.get("/staff/")
    assert page.status_code == 200 and 'name="password"' in page.text
    csrf = client.cookies.get("tb_csrf")
    wrong = client.post("/staff/login", data={"csrf": csrf, "username": account.username, "password": "nope-1234"})
    assert wrong.status_code == 401 and "账号或密码错误" in wrong.text
    assert client.post("/staff/login", data={"csrf": "forged", "username": account.username, "password": initial}).status_code == 403
    missing = client.post("/staff/login", data={"csrf": csrf, "username": no_phone.username, "password": no_phone_password})
    assert missing.status_code == 422 and "未绑定手机号" in missing.text

    step = client.post("/staff/login", data={"csrf": csrf, "username": account.username, "password": initial})
    assert "138****0001" in step.text and initial not in step.text
    challenge = re.search(r'name="challenge" value="([^"]+)"', step.text).group(1)
    bad = client.post("/staff/login/verify", data={"csrf": csrf, "challenge": challenge, "code": "000000"})
    assert bad.status_code == 422 and 'name="code"' in bad.text
    done = client.post("/staff/login/verify", data={"csrf": csrf, "challenge": challenge, "code": last_code(sms, "13800000001")},
                       follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == "/staff/password"
    session_csrf = client.cookies.get("tb_csrf")
    assert session_csrf != csrf  # the signed-in session has its own form token

    # The initial password must be changed before anything else works.
    assert client.get("/staff/home", follow_redirects=False).headers["location"] == "/staff/password"
    assert client.get("/staff/", follow_redirects=False).headers["location"] == "/staff/password"
    forced = client.get("/staff/people", follow_redirects=False)
    assert forced.status_code == 303 and forced.headers["location"] == "/staff/password"
    form = {"csrf": session_csrf, "current": initial, "new": NEW_PASSWORD, "repeat": "Different2026"}
    assert client.post("/staff/password", data=form).status_code == 422
    assert client.post("/staff/password", data={**form, "repeat": NEW_PASSWORD, "csrf": "forged"}).status_code == 403
    changed = client.post("/staff/password", data={**form, "repeat": NEW_PASSWORD}, follow_redirects=False)
    assert changed.status_code == 303 and changed.headers["location"].startswith("/staff/home")
    home = client.get("/staff/home")
    assert home.status_code == 200 and 'href="/staff/people"' in home.text and 'href="/staff/approvals"' not in home.text

    out = client.post("/staff/logout", data={"csrf": session_csrf}, follow_redirects=False)
    assert out.status_code == 303 and out.headers["location"] == "/staff/"
    assert client.get("/staff/home", follow_redirects=False).headers["location"] == "/staff/"


@pytest.mark.req("ACC-02")
def test_window_registration_shows_initial_password_to_change_at_first_login(client, sms, db_session, clock):
    _, csrf = _staff_session(client, sms, db_session, clock, roles=["acceptor"], phone="13800000002",
                             agency=make_agency(db_session))
    number, phone = resident_id(), "13900000077"
    form = {"csrf": csrf, "name": "李四", "id_kind": "resident_id", "id_number": number, "nationality": "", "phone": phone}
    sent = client.post("/staff/people/code", data=form)
    assert sent.status_code == 200 and "139****0077" in sent.text and 'name="code"' in sent.text
    wrong = client.post("/staff/people/new", data={**form, "code": "000000"})
    assert wrong.status_code == 422 and number in wrong.text  # the form keeps what was typed

    done = client.post("/staff/people/new", data={**form, "code": last_code(sms, phone)})
    assert done.status_code == 200, done.text
    assert "请申请人首次登录后修改密码" in done.text and "data-print" in done.text and "实名注册服务协议" in done.text
    assert number not in done.text and number[:6] + "********" + number[-4:] in done.text
    password = re.search(r'aria-label="初始密码">([^<]+)<', done.text).group(1)
    person = persons.find_by_document(db_session=db_session, kind="resident_id", number=number)
    assert person.registered_via == "window" and person.must_change_password

    # The applicant's first login opens a session that must change the password first.
    clock.advance(seconds=61)
    client.cookies.clear()
    challenge = client.post("/api/v1/auth/login", json={"identifier": number, "password": password}).json()["challenge"]
    token = client.post("/api/v1/auth/login/verify", json={"challenge": challenge, "code": last_code(sms, phone)}).json()
    assert token["setup_required"] is True
    bearer = {"Authorization": f"Bearer {token['token']}"}
    assert client.get("/api/v1/organisations", headers=bearer).json()["error"]["code"] == "ACCOUNT_SETUP_REQUIRED"
    assert client.post("/api/v1/me/password", headers=bearer, json={"current": password, "new": "Mine2026abc"}).status_code == 204


@pytest.mark.req("ACC-08")
def test_disable_with_reason_manager_approves_with_sms_and_audit_chain(client, sms, db_session, clock):
    person = make_person(db_session, clock, name="王五", phone="13900000088")
    number = person.id_number
    _, csrf = _staff_session(client, sms, db_session, clock, roles=["operator"], phone="13800000003")
    assert client.post("/staff/people/find", data={"csrf": "forged", "id_kind": "resident_id", "id_number": number}).status_code == 403
    found = client.post("/staff/people/find", data={"csrf": csrf, "id_kind": "resident_id", "id_number": number}, follow_redirects=False)
    assert found.headers["location"] == f"/staff/people/{person.id}"
    page = client.get(found.headers["location"]).text
    assert "王五" in page and number not in page and "139****0088" in page

    url = f"/staff/accounts/person/{person.id}"
    assert client.post(f"{url}/disable", data={"csrf": csrf, "reason": " "}).status_code == 422
    assert client.post(f"{url}/disable", data={"csrf": csrf, "reason": "冒用他人身份办理业务"}, follow_redirects=False).status_code == 303
    assert "已禁用" in client.get(f"/staff/people/{person.id}").text
    asked = client.post(f"{url}/enable-request", data={"csrf": csrf, "reason": "本人持证件到大厅说明情况"}, follow_redirects=False)
    assert asked.status_code == 303
    assert client.get("/staff/approvals").status_code == 403  # an operator cannot approve

    _, csrf = _staff_session(client, sms, db_session, clock, roles=["manager"], phone="13800000004")
    queue = client.get("/staff/approvals").text
    assert "王五" in queue and "本人持证件到大厅说明情况" in queue
    request_id = re.search(r'action="/staff/approvals/(\d+)"', queue).group(1)
    decided = client.post(f"/staff/approvals/{request_id}", data={"csrf": csrf, "decision": "approve"}, follow_redirects=False)
    assert decided.status_code == 303
    db_session.expire_all()
    assert persons.get(db_session=db_session, person_id=person.id).status == "active"
    assert any("解除禁用" in m["text"] and m["kind"] == "notice" for m in sms.messages("13900000088"))
    again = client.post(f"/staff/approvals/{request_id}", data={"csrf": csrf, "decision": "approve"})
    assert again.status_code == 409 and "已处理" in again.text

    audit_page = client.get("/staff/audit").text
    for action in ("person.disable", "person.enable_request", "person.enable_approved", "staff.password_change"):
        assert action in audit_page
    assert "冒用他人身份办理业务" in audit_page and "2026-11-20 09:30:00" in audit_page  # Beijing time
    checked = client.post("/staff/audit/verify", data={"csrf": csrf})
    assert checked.status_code == 200 and "审计链完整" in checked.text


@pytest.mark.req("ACC-12")
def test_staff_admin_cannot_reach_another_agencys_staff(client, sms, db_session, clock):
    agency_a, agency_b = make_agency(db_session, name="甲局"), make_agency(db_session, name="乙局")
    other, _ = make_staff(db_session, clock, roles=["acceptor"], agency=agency_b)
    colleague, _ = make_staff(db_session, clock, roles=["acceptor"], agency=agency_a)
    _, csrf = _staff_session(client, sms, db_session, clock, roles=["admin"], phone="13800000005", agency=agency_a)

    assert client.get(f"/api/v1/staff/staff-accounts/{colleague.id}").status_code == 200
    peek = client.get(f"/api/v1/staff/staff-accounts/{other.id}")
    assert peek.status_code == 403 and peek.json()["error"]["code"] == "OUT_OF_SCOPE"
    listing = client.get("/staff/accounts").text
    assert colleague.username in listing and other.username not in listing
    refused = client.post(f"/staff/accounts/staff/{other.id}/disable", data={"csrf": csrf, "reason": "越权尝试"})
    assert refused.status_code == 403 and "只能处理本机构" in refused.text
    db_session.expire_all()
    assert db_session.get(StaffAccount, other.id).status == "active"
    mine = client.post(f"/staff/accounts/staff/{colleague.id}/disable", data={"csrf": csrf, "reason": "调离岗位"}, follow_redirects=False)
    assert mine.status_code == 303
    forged = client.post(f"/staff/accounts/staff/{colleague.id}/enable-request", data={"csrf": "forged", "reason": "回岗"})
    assert forged.status_code == 403


@pytest.mark.req("ACC-09")
def test_admin_opens_staff_accounts_and_tunes_one_policy(client, sms, db_session, clock):
    agency = make_agency(db_session, name="丙局")
    policies.ensure_defaults(db_session=db_session, clock=clock)
    _, csrf = _staff_session(client, sms, db_session, clock, roles=["admin"], phone="13800000006", agency=agency)
    form = {"csrf": csrf, "username": "zhao.liu", "name": "赵六", "roles": ["acceptor", "consultant"],
            "region_code": agency.region_code, "agency_id": str(agency.id), "phone": "13800000007"}
    created = client.post("/staff/accounts/new", data=form)
    assert created.status_code == 200 and "已开通工作人员账号 zhao.liu" in created.text and "受理人" in created.text
    password = re.search(r'letter-spacing:0.15em;font-weight:bold">([^<]+)<', created.text).group(1)
    duplicate = client.post("/staff/accounts/new", data=form)
    assert duplicate.status_code == 409 and "已被使用" in duplicate.text
    assert client.post("/staff/accounts/new", data={**form, "username": "x", "roles": []}).status_code == 422

    page = client.get("/staff/policies").text
    assert "网上预约" in page and "工作人员工作台" in page
    saved = client.post("/staff/policies/appointments", data={"csrf": csrf, "enabled": "1", "subject_kinds": ["person"],
                                                              "id_kinds": ["resident_id"]}, follow_redirects=False)
    assert saved.status_code == 303
    db_session.expire_all()
    assert policies.get(db_session=db_session, application="appointments").id_kinds == ["resident_id"]
    assert policies.get(db_session=db_session, application="apply").subject_kinds == ["person", "org_agent"]

    clock.advance(seconds=61)
    assert _sign_in(client, sms, "zhao.liu", password, "13800000007") == "/staff/password"


@pytest.mark.req("ACC-04")
def test_agent_registers_an_organisation_at_the_window_with_a_letter(client, sms, db_session, clock, tmp_path):
    uscc, rep_number = make_uscc(), resident_id()
    (tmp_path / "legal.csv").write_text(
        "uscc,name,org_kind,legal_rep_name,legal_rep_id_kind,legal_rep_id_number\n"
        f"{uscc},广安市示例食品有限公司,enterprise,周七,resident_id,{rep_number}\n", encoding="utf-8")
    assert not import_legal_persons(db_session=db_session, clock=clock, path=tmp_path / "legal.csv").errors
    agent = make_person(db_session, clock, name="孙八", phone="13900000099")
    _, csrf = _staff_session(client, sms, db_session, clock, roles=["acceptor"], phone="13800000008",
                             agency=make_agency(db_session))
    assert "经办人持授权委托书代为注册" in client.get("/staff/orgs/new").text
    form = {"csrf": csrf, "uscc": uscc, "legal_rep_id_kind": "resident_id", "legal_rep_id_number": rep_number,
            "agent_id_kind": "resident_id", "agent_id_number": agent.id_number, "agent_name": "孙九",
            "letter_reference": "WT-2026-001", "valid_until": "2027-12-31", "item_codes": "TEST-1\n\nTEST-2\n"}
    mismatch = client.post("/staff/orgs/proxy", data=form)
    assert mismatch.status_code == 422 and "姓名" in mismatch.text and "WT-2026-001" in mismatch.text
    done = client.post("/staff/orgs/proxy", data={**form, "agent_name": "孙八"})
    assert done.status_code == 200 and "广安市示例食品有限公司" in done.text and "经办人代为注册" in done.text
    grant = db_session.query(Delegation).one()
    assert grant.grantee_person_id == agent.id and grant.item_scope == ["TEST-1", "TEST-2"]
    assert client.post("/staff/orgs/window", data=form).status_code == 409  # already registered


def test_typing_the_sign_in_address_leads_to_the_sign_in_form(client):
    for address in ("/staff/login", "/staff/login/verify"):
        response = client.get(address, follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"] == "/staff/"
