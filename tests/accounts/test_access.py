"""Staff roles and scope, account disabling and approval, application policies, QR login (ACC-05, 08, 09, 12)."""

from __future__ import annotations

import pytest

from tests.factories import last_code, make_actor, make_agency, make_person, make_staff
from tongban.accounts import policies, sessions, status
from tongban.accounts.access import Permission, PersonActor, StaffActor, StaffRole, region_prefix
from tongban.core.errors import Forbidden, Unauthorized


def _staff(roles, *, agency_id=None, region="511600") -> StaffActor:
    return StaffActor(staff_id=1, name="甲", roles=frozenset(StaffRole(r) for r in roles), agency_id=agency_id, region_code=region)


@pytest.mark.req("ACC-12")
def test_each_post_has_its_own_permissions():
    acceptor, decider = _staff(["acceptor"], agency_id=7), _staff(["decider"], agency_id=7)
    assert acceptor.has(Permission.case_accept) and not acceptor.has(Permission.case_decide)
    assert decider.has(Permission.case_decide) and not decider.has(Permission.case_accept)
    assert _staff(["consultant"]).has(Permission.consult_answer)
    assert _staff(["supervisor"]).has(Permission.supervise) and not _staff(["operator"]).has(Permission.supervise)
    assert _staff(["dispatcher"]).has(Permission.case_dispatch) and _staff(["reviewer"]).has(Permission.case_review)
    assert not _staff(["admin"]).has(Permission.account_approve)  # approval stays with a manager
    with pytest.raises(Forbidden):
        acceptor.require(Permission.case_decide, agency_id=7)


@pytest.mark.req("ACC-12")
def test_scope_is_the_agency_and_the_region():
    city_acceptor = _staff(["acceptor"], agency_id=7, region="511600")
    city_acceptor.require(Permission.case_accept, agency_id=7, region_code="511602")
    with pytest.raises(Forbidden) as other_agency:
        city_acceptor.require(Permission.case_accept, agency_id=8, region_code="511602")
    assert other_agency.value.code == "OUT_OF_SCOPE"
    with pytest.raises(Forbidden):
        city_acceptor.require(Permission.case_accept, agency_id=7, region_code="510104")
    province_supervisor = _staff(["supervisor"], region="510000")
    province_supervisor.require(Permission.supervise, agency_id=99, region_code="511602")
    assert region_prefix("510000") == "51" and region_prefix("511600") == "5116" and region_prefix("511602") == "511602"


def _code(call) -> str:
    with pytest.raises(Forbidden) as caught:
        call()
    return caught.value.code


@pytest.mark.req("ACC-12")
@pytest.mark.req("CAT-11")
def test_catalog_review_is_the_same_level_management_agency_only():
    """003 事项管理动态化: an agency's change goes to the management agency of the same level (同级政务服务管理机构)."""
    guangan = _staff(["catalog_reviewer"], agency_id=3, region="511600")
    review = Permission.catalog_review
    guangan.require_management(review, region_code="511602", manages="511600", responsible="511600")
    # another city's management agency: outside the region, and not the one responsible
    mianyang = _staff(["catalog_reviewer"], agency_id=4, region="510700")
    assert _code(lambda: mianyang.require_management(review, region_code="511600", manages="510700", responsible="511600")) == "OUT_OF_SCOPE"
    # the province does not review over the head of a city that has its own management agency
    province = _staff(["catalog_reviewer"], region="510000")
    assert _code(lambda: province.require_management(review, region_code="511600", manages="510000", responsible="511600")) == "OUT_OF_SCOPE"
    province.require_management(review, region_code="511600", manages="510000", responsible="510000")
    # an ordinary department holding the reviewer's role is not a management agency
    department = _staff(["catalog_editor", "catalog_reviewer"], agency_id=9, region="511600")
    assert _code(lambda: department.require_management(review, region_code="511600", manages=None, responsible="511600")) == "NOT_MANAGEMENT"
    assert _code(lambda: _staff(["catalog_editor"], agency_id=3).require_management(
        review, region_code="511600", manages="511600", responsible="511600")) == "NOT_PERMITTED"
    # a text for the whole portal is the province's
    province.require_management(review, region_code=None, manages="510000", responsible=None)
    assert _code(lambda: guangan.require_management(review, region_code=None, manages="511600", responsible=None)) == "OUT_OF_SCOPE"


@pytest.mark.req("ACC-12")
@pytest.mark.req("CAT-11")
def test_four_eyes_and_editing_stays_in_the_agency_and_the_region():
    both = _staff(["catalog_editor", "catalog_reviewer"], agency_id=3)
    assert _code(lambda: both.require_not_proposer({both.ref, "staff:2"})) == "OWN_CHANGE"
    both.require_not_proposer({"staff:2"})
    admin_of_mianyang = _staff(["admin"], region="510700")  # every catalog permission, another city
    assert _code(lambda: admin_of_mianyang.require_edit(7, region_code="511602")) == "OUT_OF_SCOPE"
    assert not admin_of_mianyang.may_edit(7, region_code="511602")
    admin_of_mianyang.require_edit(7, region_code="510703")
    assert _code(lambda: both.require_edit(4, region_code="511600")) == "NOT_YOUR_AGENCY"


@pytest.mark.req("ACC-12")
def test_staff_accounts_of_another_agency_are_invisible_through_the_api(client, db_session, clock):
    agency_a, agency_b = make_agency(db_session), make_agency(db_session)
    _, admin_a = make_actor(db_session, clock, role="admin", agency=agency_a)
    b_staff, _ = make_staff(db_session, clock, roles=["acceptor"], agency=agency_b)
    a_staff, _ = make_staff(db_session, clock, roles=["acceptor"], agency=agency_a)
    db_session.commit()
    headers = {"Authorization": f"Bearer {admin_a}"}
    assert client.get(f"/api/v1/staff/staff-accounts/{a_staff.id}", headers=headers).status_code == 200
    assert client.get(f"/api/v1/staff/staff-accounts/{b_staff.id}", headers=headers).status_code == 403
    listed = {row["id"] for row in client.get("/api/v1/staff/staff-accounts", headers=headers).json()}
    assert a_staff.id in listed and b_staff.id not in listed
    new = {"username": "intruder", "name": "外人", "roles": ["acceptor"], "region_code": agency_b.region_code, "agency_id": agency_b.id}
    assert client.post("/api/v1/staff/staff-accounts", json=new, headers=headers).status_code == 403


@pytest.mark.req("ACC-08")
def test_disable_with_reason_and_re_enable_only_after_a_manager_approves_with_sms(client, sms, db_session, clock):
    person = make_person(db_session, clock, phone="13500000001")
    _, operator = make_actor(db_session, clock, role="operator")
    _, manager = make_actor(db_session, clock, role="manager")
    db_session.commit()
    op_headers, mgr_headers = {"Authorization": f"Bearer {operator}"}, {"Authorization": f"Bearer {manager}"}
    path = f"/api/v1/staff/accounts/person/{person.id}"
    assert client.post(f"{path}/disable", json={"reason": " "}, headers=op_headers).status_code == 422
    assert client.post(f"{path}/disable", json={"reason": "冒用他人身份办理业务"}, headers=op_headers).status_code == 204
    login = client.post("/api/v1/auth/login", json={"identifier": "13500000001", "password": "Passw0rd!x"})
    assert login.status_code == 401 and login.json()["error"]["code"] == "ACCOUNT_DISABLED"
    request = client.post(f"{path}/enable-requests", json={"reason": "核实为本人操作"}, headers=op_headers).json()
    assert client.post(f"/api/v1/staff/enable-requests/{request['id']}/decision", json={"approve": True}, headers=op_headers).status_code == 403
    decided = client.post(f"/api/v1/staff/enable-requests/{request['id']}/decision", json={"approve": True}, headers=mgr_headers)
    assert decided.status_code == 200 and decided.json()["status"] == "approved"
    assert any("解除禁用" in m["text"] for m in sms.messages("13500000001"))
    assert client.post("/api/v1/auth/login", json={"identifier": "13500000001", "password": "Passw0rd!x"}).status_code == 200
    actions = [row["action"] for row in client.get("/api/v1/staff/audit?object_kind=person", headers=mgr_headers).json()]
    assert {"person.disable", "person.enable_request", "person.enable_approved"} <= set(actions)


@pytest.mark.req("ACC-08")
def test_the_requester_cannot_approve_their_own_request(db_session, clock, sms):
    person = make_person(db_session, clock)
    account, _ = make_staff(db_session, clock, roles=["operator", "manager"])
    from tongban.accounts.staff import actor_for

    actor = actor_for(account)
    ref = status.AccountRef("person", person.id)
    status.disable(db_session=db_session, clock=clock, actor=actor, ref=ref, reason="违规")
    row = status.request_enable(db_session=db_session, clock=clock, actor=actor, ref=ref, reason="复核")
    with pytest.raises(Forbidden) as same:
        status.decide_enable(db_session=db_session, clock=clock, gateway=sms, actor=actor, request_id=row.id, approve=True)
    assert same.value.code == "SAME_PERSON"


@pytest.mark.req("ACC-09")
def test_changing_one_applications_policy_leaves_the_others_alone(client, db_session, clock):
    policies.ensure_defaults(db_session=db_session, clock=clock)
    person = make_person(db_session, clock)
    _, admin = make_actor(db_session, clock, role="admin")
    db_session.commit()
    actor = PersonActor(person.id, person.name, "resident_id")
    for application in ("apply", "consult", "appointments"):
        policies.check(db_session=db_session, application=application, actor=actor)
    closed = {"enabled": True, "allow_anonymous": False, "subject_kinds": ["org_agent"], "staff_roles": [], "id_kinds": []}
    response = client.put("/api/v1/staff/policies/consult", json=closed, headers={"Authorization": f"Bearer {admin}"})
    assert response.status_code == 200 and response.json()["subject_kinds"] == ["org_agent"]
    db_session.expire_all()
    with pytest.raises(Forbidden):
        policies.check(db_session=db_session, application="consult", actor=actor)
    policies.check(db_session=db_session, application="consult", actor=actor, as_org_agent=True)
    policies.check(db_session=db_session, application="apply", actor=actor)
    policies.check(db_session=db_session, application="appointments", actor=actor)
    policies.check(db_session=db_session, application="portal", actor=None)
    with pytest.raises(Unauthorized):
        policies.check(db_session=db_session, application="apply", actor=None)
    bad = {**closed, "subject_kinds": ["robot"]}
    assert client.put("/api/v1/staff/policies/apply", json=bad, headers={"Authorization": f"Bearer {admin}"}).status_code == 422


@pytest.mark.req("ACC-09")
def test_a_policy_can_limit_an_application_to_some_documents_and_staff_roles(db_session, clock):
    policies.ensure_defaults(db_session=db_session, clock=clock)
    admin = _staff(["admin"], region="510000")
    policies.update_policy(db_session=db_session, clock=clock, actor=admin, application="apply",
                           policy_in=policies.PolicyIn(True, False, ["person"], [], ["resident_id"]))
    with pytest.raises(Forbidden):
        policies.check(db_session=db_session, application="apply", actor=PersonActor(1, "林", "tw_residence_permit"))
    policies.check(db_session=db_session, application="apply", actor=PersonActor(1, "李", "resident_id"))
    with pytest.raises(Forbidden):
        policies.check(db_session=db_session, application="exchange", actor=_staff(["acceptor"], agency_id=3))
    policies.check(db_session=db_session, application="exchange", actor=_staff(["operator"]))


@pytest.mark.req("ACC-05")
def test_qr_login_is_confirmed_from_a_signed_in_phone(client, sms, db_session, clock):
    make_person(db_session, clock, phone="13300000001")
    db_session.commit()
    login = client.post("/api/v1/auth/login", json={"identifier": "13300000001", "password": "Passw0rd!x"}).json()
    phone_token = client.post("/api/v1/auth/login/verify", json={"challenge": login["challenge"], "code": last_code(sms, "13300000001")}).json()["token"]
    started = client.post("/api/v1/auth/qr").json()
    assert "/login/qr/confirm?code=" in started["confirm_url"]
    assert client.post("/api/v1/auth/qr/poll", json={"poll_secret": started["poll_secret"]}).json() == {"status": "pending", "token": None}
    assert client.post("/api/v1/auth/qr/confirm", json={"code": started["code"]}).status_code == 401
    assert client.post("/api/v1/auth/qr/confirm", json={"code": started["code"]},
                       headers={"Authorization": f"Bearer {phone_token}"}).status_code == 204
    polled = client.post("/api/v1/auth/qr/poll", json={"poll_secret": started["poll_secret"]}).json()
    assert polled["status"] == "confirmed"
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {polled['token']}"}).json()["phone_masked"] == "133****0001"
    assert client.post("/api/v1/auth/qr/poll", json={"poll_secret": started["poll_secret"]}).status_code == 404  # used once


@pytest.mark.req("ACC-05")
def test_a_qr_code_expires(db_session, clock):
    started = sessions.qr_start(db_session=db_session, clock=clock)
    clock.advance(minutes=3)
    person = make_person(db_session, clock)
    with pytest.raises(Exception) as expired:
        sessions.qr_confirm(db_session=db_session, clock=clock, actor=PersonActor(person.id, person.name, "resident_id"),
                            code=started.code)
    assert getattr(expired.value, "code", "") == "QR_EXPIRED"


@pytest.mark.req("ACC-03")
def test_linked_identity_opens_or_binds_one_account(db_session, clock):
    from tongban.accounts import persons

    existing = make_person(db_session, clock, name="王建国")
    linked = persons.register_linked(db_session=db_session, clock=clock, issuer="https://idp.example", subject="u-1",
                                     name="王建国", id_number=existing.id_number)
    assert linked.id == existing.id
    again = persons.register_linked(db_session=db_session, clock=clock, issuer="https://idp.example", subject="u-1",
                                    name="王建国", id_number=existing.id_number)
    assert again.id == existing.id
    from tests.factories import resident_id

    fresh = persons.register_linked(db_session=db_session, clock=clock, issuer="https://idp.example", subject="u-2",
                                    name="新用户", id_number=resident_id())
    assert fresh.registered_via == "linked" and persons.agreement_pending(db_session=db_session, person_id=fresh.id)
