"""Registration of people and organisations through the API and the services (ACC-01, 02, 04, 06, 10, 13)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.factories import add_population, last_code, make_actor, make_agency, make_person, resident_id
from tongban.accounts import agreements, organisations, persons
from tongban.accounts.access import PersonActor
from tongban.accounts.models import AgreementSignature, Person, VerifiedFactor
from tongban.baselib.service import TableBaseLibrary, import_legal_persons
from tongban.core.errors import Forbidden, InvalidInput
from tongban.core.models import AuditEntry
from sqlalchemy import select

PHONE = "13912340001"


def _body(number: str, **overrides) -> dict:
    body = {
        "name": "赵敏", "id_kind": "resident_id", "id_number": number, "phone": PHONE, "sms_code": "",
        "password": "Zhaomin2026", "agreement_version": agreements.current("person").version,
        "factors": {"social_security_card": "8100000009990001"},
    }
    return {**body, **overrides}


def _code(client, sms, phone=PHONE, purpose="register") -> str:
    assert client.post("/api/v1/accounts/sms-codes", json={"purpose": purpose, "phone": phone}).status_code == 202
    return last_code(sms, phone)


@pytest.fixture
def zhao(db_session, clock, tmp_path) -> str:
    number = resident_id(birth="19880214", region="511602")
    add_population(db_session, clock, tmp_path, [
        {"id_number": number, "name": "赵敏", "social_security_card": "8100000009990001", "bank_card": "6222000011112222"},
    ])
    db_session.commit()
    return number


@pytest.mark.req("ACC-01")
def test_online_registration_needs_id_plus_two_checked_factors_and_the_agreement(client, sms, db_session, zhao):
    code = _code(client, sms)
    response = client.post("/api/v1/accounts/persons", json=_body(zhao, sms_code=code))
    assert response.status_code == 201, response.text
    out = response.json()
    assert out["id_number_masked"] == zhao[:6] + "********" + zhao[-4:] and out["phone_masked"] == "139****0001"
    person = db_session.get(Person, out["id"])
    kinds = {f.kind for f in db_session.scalars(select(VerifiedFactor).where(VerifiedFactor.person_id == person.id))}
    assert kinds == {"id_document", "phone", "social_security_card"}
    signature = db_session.scalar(select(AgreementSignature).where(AgreementSignature.subject_id == person.id))
    assert signature.version == agreements.current("person").version and signature.text_sm3 == agreements.current("person").fingerprint
    assert db_session.scalar(select(AuditEntry).where(AuditEntry.action == "person.register")) is not None


@pytest.mark.req("ACC-01")
@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"factors": {}}, "FACTORS_REQUIRED"),
        ({"factors": {"social_security_card": "8100000000000000"}}, "IDENTITY_NOT_VERIFIED"),
        ({"factors": {"housing_fund": "GA1"}}, "IDENTITY_NOT_VERIFIED"),
        ({"name": "赵明"}, "IDENTITY_NOT_VERIFIED"),
        ({"agreement_version": "person-2020.1"}, "AGREEMENT_REQUIRED"),
        ({"sms_code": "000000"}, "SMS_CODE_WRONG"),
        ({"password": "short"}, "PASSWORD_WEAK"),
    ],
)
def test_every_factor_is_checked_and_nothing_is_half_written(client, sms, db_session, zhao, change, code):
    body = {**_body(zhao, sms_code=_code(client, sms)), **change}
    response = client.post("/api/v1/accounts/persons", json=body)
    assert response.status_code in (409, 422) and response.json()["error"]["code"] == code
    assert db_session.scalar(select(Person)) is None


@pytest.mark.req("ACC-01")
def test_a_person_missing_from_the_population_library_cannot_register_online(client, sms, db_session):
    response = client.post("/api/v1/accounts/persons", json=_body(resident_id(), sms_code=_code(client, sms)))
    assert response.status_code == 422 and response.json()["error"]["code"] == "IDENTITY_NOT_VERIFIED"


def test_a_document_registers_once(client, sms, db_session, clock, zhao):
    assert client.post("/api/v1/accounts/persons", json=_body(zhao, sms_code=_code(client, sms))).status_code == 201
    clock.advance(seconds=61)
    second = client.post("/api/v1/accounts/persons", json=_body(zhao, phone="13912340002", sms_code=_code(client, sms, "13912340002")))
    assert second.status_code == 409 and second.json()["error"]["code"] == "ALREADY_REGISTERED"


def _answer(response) -> tuple[int, str, str]:
    error = response.json()["error"]
    return response.status_code, error["code"], error["message"]


@pytest.mark.req("ACC-01")
def test_without_a_proven_phone_registration_reveals_nothing_about_the_library_or_accounts(client, sms, db_session, clock, zhao):
    registered = make_person(db_session, clock, name="钱多", phone="13912349999")
    db_session.commit()
    probes = [
        _body(zhao, sms_code="123456"),  # everything matches the library
        _body(zhao, sms_code="123456", factors={"social_security_card": "8100000000000000"}),  # wrong card
        _body(zhao, sms_code="123456", name="赵明"),  # wrong name
        _body(resident_id(birth="19900101"), sms_code="123456"),  # not in the library
        _body(registered.id_number, sms_code="123456", name="钱多"),  # already has an account
    ]
    # Old code: SMS_CODE_EXPIRED, FACTOR_MISMATCH, NAME_MISMATCH, PERSON_NOT_IN_LIBRARY, ALREADY_REGISTERED.
    answers = {_answer(client.post("/api/v1/accounts/persons", json=body)) for body in probes}
    assert len(answers) == 1 and next(iter(answers))[1] == "SMS_CODE_EXPIRED"
    other = "13912340002"  # a phone with a real code, guessed wrong (the first phone used up its five tries)
    wrong = f"{(int(_code(client, sms, other)) + 1) % 10**6:06d}"
    answers = {_answer(client.post("/api/v1/accounts/persons", json={**body, "phone": other, "sms_code": wrong}))
               for body in probes[:4]}
    assert len(answers) == 1 and next(iter(answers))[1] == "SMS_CODE_WRONG"


@pytest.mark.req("ACC-01")
def test_after_the_code_every_mismatch_gets_one_answer_and_costs_the_code(client, sms, db_session, clock, zhao):
    answers = set()
    for change in ({"factors": {"social_security_card": "8100000000000000"}}, {"name": "赵明"},
                   {"id_number": resident_id(birth="19900101")}):
        clock.advance(seconds=61)
        code = _code(client, sms)
        answers.add(_answer(client.post("/api/v1/accounts/persons", json={**_body(zhao, sms_code=code), **change})))
        # The code is used up: testing another pair needs another code (one a minute, ten a day per phone).
        again = client.post("/api/v1/accounts/persons", json=_body(zhao, sms_code=code))
        assert again.json()["error"]["code"] == "SMS_CODE_EXPIRED"
    assert len(answers) == 1 and next(iter(answers))[:2] == (422, "IDENTITY_NOT_VERIFIED")
    clock.advance(seconds=61)
    assert client.post("/api/v1/accounts/persons", json=_body(zhao, sms_code=_code(client, sms))).status_code == 201
    assert db_session.scalar(select(Person)) is not None


@pytest.mark.req("ACC-01")
def test_registration_attempts_are_limited_per_phone(client, sms, db_session, zhao):
    for _ in range(persons.REGISTER_PHONE.max):
        assert client.post("/api/v1/accounts/persons", json=_body(zhao, sms_code="123456")).status_code == 422
    refused = client.post("/api/v1/accounts/persons", json=_body(zhao, sms_code="123456"))
    assert _answer(refused)[:2] == (429, "REGISTER_TOO_MANY") and refused.json()["error"]["details"]["retry_after"] > 0


@pytest.mark.req("ACC-01")
def test_registration_attempts_are_limited_per_id_number(client, sms, db_session, zhao):
    wrong_card = {"factors": {"social_security_card": "8100000000000000"}}
    for n in range(5):  # five people's phones, each with a valid code, try the same ID number
        phone = f"1391234010{n}"
        assert client.post("/api/v1/accounts/persons", json=_body(zhao, phone=phone, sms_code=_code(client, sms, phone), **wrong_card)).status_code == 422
    phone = "13912340109"
    right = client.post("/api/v1/accounts/persons", json=_body(zhao, phone=phone, sms_code=_code(client, sms, phone)))
    assert _answer(right)[:2] == (429, "REGISTER_TOO_MANY")


@pytest.mark.req("ACC-01")
def test_registration_attempts_are_limited_per_address(client, sms, db_session, zhao):
    for n in range(20):  # TestClient's address is always "testclient"
        body = _body(resident_id(serial=f"{n:03d}"), phone=f"139123402{n:02d}", sms_code="123456")
        assert client.post("/api/v1/accounts/persons", json=body).status_code == 422
    last = client.post("/api/v1/accounts/persons", json=_body(zhao, phone="13912340299", sms_code="123456"))
    assert _answer(last)[:2] == (429, "REGISTER_TOO_MANY")


@pytest.mark.req("ACC-01")
def test_the_registration_page_gives_the_api_answers(client, sms, db_session, clock, zhao):
    """Twin of the API tests above through the pages: no code, a wrong card after the code, then the code is spent."""
    client.get("/register")
    token = client.cookies.get("tb_csrf")
    identity = {"name": "赵敏", "id_kind": "resident_id", "id_number": zhao, "nationality": "", "phone": PHONE}
    form = {"csrf": token, **identity, "factor_kind": ["social_security_card"], "factor_number": ["8100000000000000"],
            "password": "Zhaomin2026", "password2": "Zhaomin2026", "agree": "1",
            "agreement_version": agreements.current("person").version}
    no_code = client.post("/register", data={**form, "sms_code": "123456"})
    assert no_code.status_code == 422 and "短信验证码已失效" in no_code.text and "身份信息核验未通过" not in no_code.text
    assert client.post("/register/code", data={"csrf": token, **identity}).status_code == 200
    code = last_code(sms, PHONE)
    mismatch = client.post("/register", data={**form, "sms_code": code})
    assert mismatch.status_code == 422 and persons.NOT_VERIFIED[1] in mismatch.text
    spent = client.post("/register", data={**form, "factor_number": ["8100000009990001"], "sms_code": code})
    assert spent.status_code == 422 and "短信验证码已失效" in spent.text
    assert db_session.scalar(select(Person)) is None


@pytest.mark.req("ACC-13")
@pytest.mark.parametrize("kind, number", [
    ("hkmo_residence_permit", "810000198802140310"),
    ("tw_residence_permit", "83000019760801052X"),
    ("foreign_permanent_id", "93158619800521006X"),
])
def test_hong_kong_macao_taiwan_and_foreign_residents_register(client, sms, db_session, clock, tmp_path, kind, number):
    add_population(db_session, clock, tmp_path, [{"id_kind": kind, "id_number": number, "name": "黄嘉欣", "bank_card": "6222600110012345678"}])
    db_session.commit()
    body = _body(number, id_kind=kind, name="黄嘉欣", sms_code=_code(client, sms), factors={"bank_card": "6222 6001 1001 2345 678"})
    response = client.post("/api/v1/accounts/persons", json=body)
    assert response.status_code == 201, response.text
    assert response.json()["id_kind"] == kind and "19880214" not in response.text and "19760801" not in response.text


@pytest.mark.req("ACC-02")
def test_window_registration_confirms_the_phone_and_forces_a_new_password(client, sms, db_session, clock):
    agency = make_agency(db_session)
    _, token = make_actor(db_session, clock, role="acceptor", agency=agency)
    db_session.commit()
    headers = {"Authorization": f"Bearer {token}"}
    number = resident_id(birth="19450101")
    assert client.post("/api/v1/staff/window-codes", json={"phone": "13700000009"}, headers=headers).status_code == 202
    body = {"name": "周大爷", "id_number": number, "phone": "13700000009", "sms_code": last_code(sms, "13700000009")}
    response = client.post("/api/v1/staff/persons", json=body, headers=headers)
    assert response.status_code == 201, response.text
    initial = response.json()["initial_password"]
    assert len(initial) == 10 and response.json()["person"]["must_change_password"]
    clock.advance(seconds=61)  # one code per phone per minute
    login = client.post("/api/v1/auth/login", json={"identifier": number, "password": initial}).json()
    clock.advance(seconds=1)
    token_out = client.post("/api/v1/auth/login/verify", json={"challenge": login["challenge"], "code": last_code(sms, "13700000009")}).json()
    assert token_out["setup_required"] is True
    me = {"Authorization": f"Bearer {token_out['token']}"}
    assert client.get("/api/v1/organisations", headers=me).json()["error"]["code"] == "ACCOUNT_SETUP_REQUIRED"
    assert client.post("/api/v1/me/password", json={"new": "Zhou2026new"}, headers=me).status_code == 204
    assert client.get("/api/v1/organisations", headers=me).status_code == 200


@pytest.mark.req("ACC-02")
def test_only_window_posts_may_register_people(client, db_session, clock):
    _, token = make_actor(db_session, clock, role="decider", agency=make_agency(db_session))
    db_session.commit()
    body = {"name": "周大爷", "id_number": resident_id(), "phone": "13700000009", "sms_code": "123456"}
    response = client.post("/api/v1/staff/persons", json=body, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 403


@pytest.mark.req("ACC-06")
def test_password_reset_by_sms_and_phone_change_confirmed_by_both_phones(client, sms, db_session, clock):
    person = make_person(db_session, clock, phone="13600000001")
    db_session.commit()
    code = _code(client, sms, "13600000001", "reset")
    assert client.post("/api/v1/auth/password-reset", json={"phone": "13600000001", "code": code, "new_password": "NewPass2026"}).status_code == 204
    clock.advance(seconds=61)
    login = client.post("/api/v1/auth/login", json={"identifier": "13600000001", "password": "NewPass2026"})
    assert login.status_code == 200
    clock.advance(seconds=61)
    token = client.post("/api/v1/auth/login/verify", json={"challenge": login.json()["challenge"], "code": last_code(sms, "13600000001")}).json()["token"]
    me = {"Authorization": f"Bearer {token}"}
    clock.advance(seconds=61)
    assert client.post("/api/v1/accounts/sms-codes", json={"purpose": "phone_old"}, headers=me).status_code == 202
    old_code = last_code(sms, "13600000001")
    assert client.post("/api/v1/accounts/sms-codes", json={"purpose": "phone_new", "phone": "13600000002"}, headers=me).status_code == 202
    wrong = client.post("/api/v1/me/phone", json={"old_code": old_code, "new_phone": "13600000002", "new_code": "999999"}, headers=me)
    assert wrong.status_code == 422
    db_session.expire_all()
    assert db_session.get(Person, person.id).phone == "13600000001"
    clock.advance(seconds=61)
    client.post("/api/v1/accounts/sms-codes", json={"purpose": "phone_old"}, headers=me)
    client.post("/api/v1/accounts/sms-codes", json={"purpose": "phone_new", "phone": "13600000002"}, headers=me)
    body = {"old_code": last_code(sms, "13600000001"), "new_phone": "13600000002", "new_code": last_code(sms, "13600000002")}
    changed = client.post("/api/v1/me/phone", json=body, headers=me)
    assert changed.status_code == 200 and changed.json()["phone_masked"] == "136****0002"


def _reset_code_answers(client, phone: str) -> list[int]:
    return [client.post("/api/v1/accounts/sms-codes", json={"purpose": "reset", "phone": phone}).status_code for _ in range(2)]


@pytest.mark.req("ACC-06")
def test_a_reset_code_request_does_not_reveal_whether_a_phone_is_registered(client, sms, db_session, clock):
    make_person(db_session, clock, phone="13600000001")
    db_session.commit()
    # Old code: [202, 429] for the registered phone (a second code within the minute), [202, 202] for the unknown one.
    assert _reset_code_answers(client, "13600000001") == _reset_code_answers(client, "13600000999") == [202, 429]
    assert len(sms.messages("13600000001")) == 1 and sms.messages("13600000999") == []
    clock.advance(seconds=61)
    # A code asked for another purpose counts the same whether or not the phone has an account.
    for phone in ("13600000001", "13600000999"):
        assert client.post("/api/v1/accounts/sms-codes", json={"purpose": "register", "phone": phone}).status_code == 202
    assert _reset_code_answers(client, "13600000001") == _reset_code_answers(client, "13600000999") == [429, 429]


@pytest.mark.req("ACC-06")
def test_the_reset_page_answers_the_same_for_registered_and_unknown_phones(client, sms, db_session, clock):
    make_person(db_session, clock, phone="13600000001")
    db_session.commit()
    client.get("/password/reset")
    token = client.cookies.get("tb_csrf")

    def answers(phone: str) -> list[tuple[int, str]]:
        pages = [client.post("/password/reset/code", data={"csrf": token, "phone": phone}) for _ in range(2)]
        return [(page.status_code, "请 1 分钟后再试" in page.text) for page in pages]

    assert answers("13600000001") == answers("13600000999") == [(200, False), (429, True)]
    assert sms.messages("13600000999") == []


@pytest.mark.req("ACC-10")
def test_anonymous_users_read_and_search_but_need_an_account_for_their_space(client):
    assert client.get("/search?q=户口").status_code == 200
    assert client.get("/api/v1/search?q=户口").status_code == 200
    assert client.get("/api/v1/me").status_code == 401
    assert client.get("/api/v1/organisations").status_code == 401
    page = client.get("/account", follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"].startswith("/login?next=")


def _legal_library(db_session, clock, tmp_path, rep_number: str) -> str:
    from stdnum.cn import uscc

    code = "91511602MA6CK3Y21" + uscc.calc_check_digit("91511602MA6CK3Y21")
    path = tmp_path / "legal.csv"
    path.write_text(
        "uscc,name,org_kind,legal_rep_name,legal_rep_id_kind,legal_rep_id_number,status\n"
        f"{code},广安市秀英餐饮有限公司,enterprise,张秀英,resident_id,{rep_number},active\n", encoding="utf-8")
    assert not import_legal_persons(db_session=db_session, clock=clock, path=path).errors
    return code


@pytest.mark.req("ACC-04")
def test_organisation_registers_by_uscc_bound_to_its_legal_representative(db_session, clock, tmp_path):
    rep = make_person(db_session, clock, name="张秀英")
    other = make_person(db_session, clock, name="路人")
    code = _legal_library(db_session, clock, tmp_path, rep.id_number)
    library = TableBaseLibrary(db_session)
    version = agreements.current("org").version
    with pytest.raises(Forbidden):
        organisations.register_online(db_session=db_session, clock=clock, library=library,
                                      actor=PersonActor(other.id, other.name, "resident_id"), uscc=code, agreement_version=version)
    with pytest.raises(InvalidInput) as bad:
        organisations.register_online(db_session=db_session, clock=clock, library=library,
                                      actor=PersonActor(rep.id, rep.name, "resident_id"), uscc=code[:-1] + "0", agreement_version=version)
    assert bad.value.code in {"USCC_CHECKSUM", "ORG_NOT_IN_LIBRARY"}
    org = organisations.register_online(db_session=db_session, clock=clock, library=library,
                                        actor=PersonActor(rep.id, rep.name, "resident_id"), uscc=code.lower(), agreement_version=version)
    assert org.legal_rep_person_id == rep.id and org.uscc == code


@pytest.mark.req("ACC-04")
def test_window_and_proxy_registration_with_authorisation_letter(db_session, clock, tmp_path):
    from tongban.accounts import delegation

    rep_number = resident_id(birth="19700918")
    code = _legal_library(db_session, clock, tmp_path, rep_number)
    agent = make_person(db_session, clock, name="经办人小王")
    actor, _ = make_actor(db_session, clock, role="acceptor", agency=make_agency(db_session))
    org = organisations.register_by_proxy(
        db_session=db_session, clock=clock, library=TableBaseLibrary(db_session), actor=actor, uscc=code,
        legal_rep_id_kind="resident_id", legal_rep_id_number=rep_number, agent_person_id=agent.id,
        letter_reference="授委字〔2026〕18号", valid_until=clock.now() + timedelta(days=365),
    )
    assert org.registered_via == "proxy" and org.legal_rep_person_id is None
    assert delegation.may_act_for(db_session=db_session, clock=clock, person_id=agent.id, organisation_id=org.id)
    # The legal representative's account, opened later, binds to the organisation.
    rep = make_person(db_session, clock, name="张秀英", id_number=rep_number)
    db_session.refresh(org)
    assert org.legal_rep_person_id == rep.id


def test_window_registration_of_an_organisation_checks_the_legal_representative(db_session, clock, tmp_path):
    code = _legal_library(db_session, clock, tmp_path, resident_id(birth="19700918"))
    actor, _ = make_actor(db_session, clock, role="acceptor", agency=make_agency(db_session))
    with pytest.raises(InvalidInput) as wrong:
        organisations.register_at_window(db_session=db_session, clock=clock, library=TableBaseLibrary(db_session), actor=actor,
                                         uscc=code, legal_rep_id_kind="resident_id", legal_rep_id_number=resident_id(birth="19600101"))
    assert wrong.value.code == "NOT_LEGAL_REP"
    assert persons.find_by_document(db_session=db_session, kind="resident_id", number="x") is None
