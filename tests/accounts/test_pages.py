"""People's account pages end to end: register, log in, session safety, reset, QR and linked registration (ACC-01…11)."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import urlsplit

import httpx
import pytest
from fastapi.testclient import TestClient
from stdnum.cn import ric

from tongban.accounts import agreements, sessions
from tongban.accounts.models import Organisation, Person
from tongban.baselib.service import import_population
from tongban.notify.sms import FileSmsGateway
from .oidc_idp import TestIdP

PASSWORD = "Tongban2026x"


def resident_id(base: str) -> str:
    """A valid 18-digit number from its first 17 (calc_check_digit ignores the last character it is given)."""
    return base + ric.calc_check_digit(base + "0")


def sms_code(sms: FileSmsGateway, phone: str) -> str:
    """The code in the latest message to the phone (conftest's `sms` is the app's file gateway)."""
    texts = [m["text"] for m in sms.messages(phone)]
    assert texts, f"no SMS sent to {phone}"
    return re.search(r"验证码 (\d{6})", texts[-1]).group(1)


@pytest.fixture
def someone(db_session, clock, tmp_path) -> dict:
    """A person the population library knows, with a social security card to verify."""
    person = {"name": "王小明", "id_number": resident_id("11010519900307123"), "phone": "13812345678", "card": "SSC1234567"}
    csv = tmp_path / "population.csv"
    csv.write_text(
        "id_kind,id_number,name,status,social_security_card,bank_card,housing_fund,driving_licence\n"
        f"resident_id,{person['id_number']},{person['name']},normal,{person['card']},,,\n",
        encoding="utf-8",
    )
    result = import_population(db_session=db_session, clock=clock, path=csv)
    assert result.added == 1, result.errors
    db_session.commit()
    return person


def csrf(client: TestClient, path: str = "/login") -> str:
    client.get(path)
    return client.cookies.get("tb_csrf")


def register(client: TestClient, sms: FileSmsGateway, p: dict, *, password: str = PASSWORD) -> httpx.Response:
    token = csrf(client, "/register")
    identity = {"name": p["name"], "id_kind": "resident_id", "id_number": p["id_number"], "nationality": "", "phone": p["phone"]}
    step1 = client.post("/register/code", data={"csrf": token, **identity})
    assert step1.status_code == 200, step1.text
    assert "验证码已发送" in step1.text and 'name="agreement_version"' in step1.text
    return client.post("/register", follow_redirects=False, data={
        "csrf": token, **identity, "sms_code": sms_code(sms, p["phone"]), "factor_kind": ["social_security_card", "bank_card"],
        "factor_number": [p["card"], ""], "password": password, "password2": password, "agree": "1",
        "agreement_version": agreements.current("person").version,
    })


def login(client: TestClient, sms: FileSmsGateway, identifier: str, phone: str, *, password: str = PASSWORD, next: str = "") -> httpx.Response:
    token = csrf(client)
    step1 = client.post("/login", data={"csrf": token, "identifier": identifier, "password": password, "next": next})
    assert step1.status_code == 200, step1.text
    assert "验证码已发送至 138****5678" in step1.text
    challenge = re.search(r'name="challenge" value="([^"]+)"', step1.text).group(1)
    return client.post("/login/verify", follow_redirects=False,
                       data={"csrf": token, "challenge": challenge, "code": sms_code(sms, phone), "next": next})


def session_cookie(client: TestClient) -> str | None:
    return next((c.value for c in client.cookies.jar if c.name == "tb_session"), None)


@pytest.mark.req("ACC-11")
@pytest.mark.req("ACC-01")
def test_register_through_the_pages_shows_only_a_masked_identity(client, sms, someone):
    done = register(client, sms, someone)
    assert done.status_code == 303 and done.headers["location"] == "/account?msg=registered"
    page = client.get(done.headers["location"])
    assert page.status_code == 200
    assert "注册成功" in page.text and someone["name"] in page.text
    assert "110105********" + someone["id_number"][-4:] in page.text
    assert "19900307" not in page.text and someone["id_number"] not in page.text
    assert someone["phone"] not in page.text and "138****5678" in page.text
    assert "我的空间" in page.text and 'action="/logout"' in page.text


def test_register_errors_keep_the_values_but_never_the_password(client, sms, someone, clock):
    token = csrf(client, "/register")
    bad = client.post("/register/code", data={"csrf": token, "name": "王小明", "id_kind": "resident_id",
                                              "id_number": someone["id_number"][:-1] + "0", "phone": someone["phone"]})
    assert bad.status_code == 422 and "校验码" in bad.text and 'value="王小明"' in bad.text
    identity = {"name": someone["name"], "id_kind": "resident_id", "id_number": someone["id_number"], "phone": someone["phone"]}
    assert client.post("/register/code", data={"csrf": token, **identity}).status_code == 200
    mismatch = client.post("/register", data={
        "csrf": token, **identity, "sms_code": sms_code(sms, someone["phone"]), "factor_kind": "social_security_card",
        "factor_number": someone["card"], "password": PASSWORD, "password2": PASSWORD + "y", "agree": "1",
        "agreement_version": agreements.current("person").version,
    })
    assert mismatch.status_code == 422 and "两次输入的密码不一致" in mismatch.text
    assert PASSWORD not in mismatch.text and someone["card"] in mismatch.text


@pytest.mark.req("ACC-05")
def test_login_takes_a_password_then_an_sms_code_and_refuses_a_forged_form(client, sms, someone, clock):
    assert register(client, sms, someone).status_code == 303
    client.cookies.clear()
    clock.advance(seconds=61)
    forged = client.post("/login", data={"csrf": "forged", "identifier": someone["phone"], "password": PASSWORD})
    assert forged.status_code == 403
    token = csrf(client)
    wrong = client.post("/login", data={"csrf": token, "identifier": someone["phone"], "password": "Wrong2026x"})
    assert wrong.status_code == 401 and "账号或密码错误" in wrong.text and 'value="' + someone["phone"] + '"' in wrong.text
    done = login(client, sms, someone["id_number"], someone["phone"], next="/items?x=1")
    assert done.status_code == 303 and done.headers["location"] == "/items?x=1"
    assert client.get("/account").status_code == 200


def test_login_next_only_goes_to_this_site(client, sms, someone, clock):
    register(client, sms, someone)
    client.cookies.clear()
    clock.advance(seconds=61)
    done = login(client, sms, someone["phone"], someone["phone"], next="//evil.example/x")
    assert done.headers["location"] == "/account"


@pytest.mark.req("ACC-05")
def test_a_planted_session_cookie_is_never_promoted(client, app, sms, someone, clock):
    register(client, sms, someone)
    client.cookies.clear()
    clock.advance(seconds=61)
    client.cookies.set("tb_session", "attacker-value", domain="testserver.local")
    done = login(client, sms, someone["phone"], someone["phone"])
    assert done.status_code == 303
    assert session_cookie(client) not in (None, "attacker-value")
    with TestClient(app, raise_server_exceptions=False) as attacker:
        attacker.cookies.set("tb_session", "attacker-value", domain="testserver.local")
        refused = attacker.get("/account", follow_redirects=False)
        assert refused.status_code == 303 and refused.headers["location"].startswith("/login")


@pytest.mark.req("ACC-10")
def test_anonymous_people_search_freely_but_sign_in_for_their_account(client):
    away = client.get("/account", follow_redirects=False)
    assert away.status_code == 303 and away.headers["location"] == "/login?next=%2Faccount"
    assert client.get("/search", params={"q": "户口"}).status_code == 200
    page = client.get("/login?next=%2Faccount")
    assert 'name="next" value="/account"' in page.text and 'href="/register"' in page.text


def test_logout_ends_the_session(client, sms, someone):
    register(client, sms, someone)
    token = client.cookies.get("tb_csrf")
    assert client.post("/logout", data={"csrf": "nope"}).status_code == 403
    old = session_cookie(client)
    out = client.post("/logout", data={"csrf": token}, follow_redirects=False)
    assert out.status_code == 303 and session_cookie(client) is None
    client.cookies.set("tb_session", old, domain="testserver.local")
    assert client.get("/account", follow_redirects=False).status_code == 303


@pytest.mark.req("ACC-06")
def test_password_reset_through_the_pages(client, sms, someone, clock):
    register(client, sms, someone)
    client.cookies.clear()
    clock.advance(seconds=61)
    token = csrf(client, "/password/reset")
    unknown = client.post("/password/reset/code", data={"csrf": token, "phone": "13900001111"})
    assert unknown.status_code == 200 and "如果该手机号已绑定账号" in unknown.text and not sms.messages("13900001111")
    step2 = client.post("/password/reset/code", data={"csrf": token, "phone": someone["phone"]})
    assert "如果该手机号已绑定账号" in step2.text and "138****5678" in step2.text
    new = "Renewed2026y"
    done = client.post("/password/reset", follow_redirects=False, data={
        "csrf": token, "phone": someone["phone"], "code": sms_code(sms, someone["phone"]), "password": new, "password2": new})
    assert done.status_code == 303 and done.headers["location"] == "/login?msg=reset"
    assert "密码已重置" in client.get(done.headers["location"]).text
    clock.advance(seconds=61)
    assert login(client, sms, someone["phone"], someone["phone"], password=new).status_code == 303


def test_qr_login_confirmed_on_the_phone(client, app, sms, someone):
    register(client, sms, someone)  # `client` is the phone, signed in
    with TestClient(app, raise_server_exceptions=False) as computer:
        page = computer.get("/login/qr")
        assert page.status_code == 200 and "<svg" in page.text
        token = computer.cookies.get("tb_csrf")
        pending = computer.post("/login/qr/poll", data={"csrf": token}, headers={"Accept": "application/json"})
        assert pending.json() == {"status": "pending"}
        confirm = re.search(r'href="(http://testserver/login/qr/confirm\?code=[^"]+)"', page.text).group(1)
        ask = client.get(urlsplit(confirm).path + "?" + urlsplit(confirm).query)
        assert "确认在电脑上登录" in ask.text
        code = re.search(r'name="code" value="([^"]+)"', ask.text).group(1)
        assert "已确认" in client.post("/login/qr/confirm", data={"csrf": client.cookies.get("tb_csrf"), "code": code}).text
        done = computer.post("/login/qr/poll", data={"csrf": token}, headers={"Accept": "application/json"})
        assert done.json() == {"status": "confirmed", "next": "/account"}
        assert computer.get("/account").status_code == 200


@pytest.mark.req("ACC-02")
def test_window_account_must_change_its_initial_password_first(client, sms, someone, db_session, clock):
    from tongban.accounts import persons
    from tongban.baselib.service import TableBaseLibrary

    _, initial = persons.register_at_window(db_session=db_session, clock=clock, library=TableBaseLibrary(db_session), actor=None,
                                            name=someone["name"], id_kind="resident_id", id_number=someone["id_number"],
                                            phone=someone["phone"])
    db_session.commit()
    done = login(client, sms, someone["phone"], someone["phone"], password=initial, next="/items")
    assert done.headers["location"] == "/account/setup"
    assert client.get("/account", follow_redirects=False).headers["location"] == "/account/setup"
    assert client.get("/orgs", follow_redirects=False).headers["location"] == "/account/setup"
    setup = client.get("/account/setup")
    assert "修改初始密码" in setup.text
    token = client.cookies.get("tb_csrf")
    weak = client.post("/account/password", data={"csrf": token, "new": "short", "new2": "short", "back": "setup"})
    assert weak.status_code == 422 and "修改初始密码" in weak.text
    changed = client.post("/account/password", follow_redirects=False,
                          data={"csrf": token, "new": PASSWORD, "new2": PASSWORD, "back": "setup"})
    assert changed.status_code == 303 and changed.headers["location"] == "/account?msg=password"
    assert client.get("/orgs").status_code == 200


@pytest.mark.req("ACC-06")
def test_phone_change_needs_codes_from_both_phones(client, sms, someone, clock):
    register(client, sms, someone)
    clock.advance(seconds=61)
    token = client.cookies.get("tb_csrf")
    old = client.post("/account/phone/code", data={"csrf": token, "which": "old"})
    assert "验证码已发送至 138****5678" in old.text
    new = client.post("/account/phone/code", data={"csrf": token, "which": "new", "new_phone": "13698765432"})
    assert "验证码已发送至 136****5432" in new.text
    done = client.post("/account/phone", follow_redirects=False, data={
        "csrf": token, "old_code": sms_code(sms, someone["phone"]), "new_phone": "13698765432",
        "new_code": sms_code(sms, "13698765432")})
    assert done.status_code == 303
    assert "136****5432" in client.get("/account").text


def _signed_in(app, db_session, clock, person: Person) -> TestClient:
    new = sessions.open_session(db_session=db_session, clock=clock, subject_kind="person", subject_id=person.id)
    db_session.commit()
    browser = TestClient(app, raise_server_exceptions=False)
    browser.cookies.set("tb_session", new.token, domain="testserver.local")
    browser.cookies.set("tb_csrf", new.csrf_token, domain="testserver.local")
    return browser


@pytest.fixture
def org_world(client, sms, someone, db_session, clock) -> dict:
    """`someone`, registered through the pages and signed in on `client`, is the legal rep of an organisation."""
    from tongban.baselib.service import id_hash

    register(client, sms, someone)
    rep = db_session.query(Person).filter_by(name=someone["name"]).one()
    org = Organisation(uscc="91510100MA6123456W", name="通办测试有限公司", org_kind="enterprise", legal_rep_name=rep.name,
                       legal_rep_id_hash=rep.id_number_hash, legal_rep_person_id=rep.id, registered_via="online",
                       created_at=clock.now())
    people = {}
    for name, base in (("赵六", "51160219850101002"), ("钱七", "51160219850101003")):
        number = resident_id(base)
        people[name] = Person(name=name, id_kind="resident_id", id_number=number, id_number_hash=id_hash("resident_id", number),
                              registered_via="online", status="active", created_at=clock.now())
    db_session.add_all([org, *people.values()])
    db_session.commit()
    return {"org": org, "agent": people["赵六"], "stranger": people["钱七"]}


@pytest.mark.req("ACC-07")
def test_organisation_page_grants_and_hides_from_strangers(client, app, org_world, db_session, clock):
    org, agent = org_world["org"], org_world["agent"]
    form = {"csrf": client.cookies.get("tb_csrf"), "grantee_id_kind": "resident_id", "grantee_id_number": agent.id_number,
            "grantee_name": "赵五", "item_scope": "", "valid_until": (clock.now() + timedelta(days=30)).date().isoformat()}
    wrong = client.post(f"/orgs/{org.id}/delegations", data=form)
    assert wrong.status_code == 404 and "被授权人须先完成个人实名注册" in wrong.text and 'value="赵五"' in wrong.text
    done = client.post(f"/orgs/{org.id}/delegations", data={**form, "grantee_name": "赵六"}, follow_redirects=False)
    assert done.status_code == 303, done.text
    page = client.get(done.headers["location"])
    assert "赵六" in page.text and "全部事项" in page.text and "生效中" in page.text
    assert agent.id_number not in page.text
    with _signed_in(app, db_session, clock, org_world["stranger"]) as other:
        assert other.get(f"/orgs/{org.id}").status_code == 403
    with _signed_in(app, db_session, clock, agent) as mine:
        assert "通办测试有限公司" in mine.get("/account").text


@pytest.mark.req("ACC-07")
def test_a_person_requests_a_delegation_and_the_legal_rep_approves(client, app, org_world, db_session, clock):
    org = org_world["org"]
    with _signed_in(app, db_session, clock, org_world["stranger"]) as asker:
        found = asker.get("/orgs", params={"uscc": org.uscc})
        assert f'href="/orgs/{org.id}/request"' in found.text
        asked = asker.post(f"/orgs/{org.id}/request", follow_redirects=False, data={
            "csrf": asker.cookies.get("tb_csrf"), "item_scope": "A001\nB002\n", "valid_until": "2027-06-30"})
        assert asked.status_code == 303, asked.text
        assert "待审批" in asker.get(asked.headers["location"]).text
        page = client.get(f"/orgs/{org.id}")
        row = re.search(r'action="(/orgs/\d+/delegations/\d+/decision)"', page.text).group(1)
        assert "A001、B002" in page.text and "2026-11-20 至 2027-06-30" in page.text
        approved = client.post(row, data={"csrf": client.cookies.get("tb_csrf"), "approve": "1"}, follow_redirects=False)
        assert approved.status_code == 303
        assert "通办测试有限公司" in asker.get("/account").text


@pytest.mark.req("ACC-03")
def test_linked_registration_through_the_identity_provider(client, db_session, clock, monkeypatch):
    number = resident_id("44030419851212002")
    with TestIdP(now=clock.now) as idp:
        redirect_uri = "http://testserver/auth/oidc/callback"
        idp.register_client("tongban", "client-secret", redirect_uri)
        idp.add_user("u-1", {"name": "李四", "id_number": number})
        idp.login_as("u-1")
        for key, value in {"ISSUER": idp.issuer, "CLIENT_ID": "tongban", "CLIENT_SECRET": "client-secret",
                           "REDIRECT_URI": redirect_uri}.items():
            monkeypatch.setenv(f"TONGBAN_OIDC_{key}", value)
        start = client.get("/auth/oidc/start", follow_redirects=False)
        assert start.status_code in (302, 303) and start.headers["location"].startswith(idp.issuer)
        with httpx.Client(trust_env=False) as browser:
            back = browser.get(start.headers["location"], follow_redirects=False)
        assert back.status_code == 302
        target = urlsplit(back.headers["location"])
        landed = client.get(f"{target.path}?{target.query}", follow_redirects=False)
    assert landed.status_code == 303 and landed.headers["location"] == "/account/setup"
    setup = client.get("/account/setup")
    assert "李四" in setup.text and "19851212" not in setup.text
    assert client.get("/account", follow_redirects=False).headers["location"] == "/account/setup"
    signed = client.post("/account/agreement", follow_redirects=False, data={
        "csrf": client.cookies.get("tb_csrf"), "agree": "1", "agreement_version": agreements.current("person").version})
    assert signed.status_code == 303 and signed.headers["location"].startswith("/account")
    account = client.get("/account")
    assert account.status_code == 200 and "统一身份认证平台关联注册" in account.text and number not in account.text


def test_oidc_not_configured_is_a_plain_404(client, monkeypatch):
    monkeypatch.delenv("TONGBAN_OIDC_ISSUER", raising=False)
    page = client.get("/auth/oidc/start")
    assert page.status_code == 404 and "未配置统一身份认证平台" in page.text
