"""Credit-based approval: the credit library, the lists, the grade applied at submission, pledge checks, exclusion and
repair (CRED-01 … 06)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from tongban.accounts.access import PersonActor
from tongban.baselib.service import CreditGrade, TableBaseLibrary
from tongban.baselib.models import CreditRecord
from tongban.cases.files import Upload
from tongban.cases.models import Case
from tongban.core import audit
from tongban.core.errors import Conflict, Forbidden, InvalidInput
from tongban.credit import desk, lists, pledges
from tongban.credit.approval import treatment_of
from tongban.credit.enums import ListKind
from tongban.notify import inbox

from tests.cases.caseflow import PDF, Staff, case_item, submit
from tests.factories import make_actor, make_person, make_uscc, resident_id
from tests.signin import auth, person_headers


def _cases(db_session) -> int:
    return db_session.scalar(select(func.count()).select_from(Case))


def _listed(db_session, clock, item, *kinds: ListKind, days: int = 20):
    for kind in kinds:
        lists.seed_entry(db_session=db_session, clock=clock, item_id=item.id, list_kind=kind, check_days=days)


# --- the credit library (CRED-05) --------------------------------------------------------------------------------

@pytest.mark.req("CRED-05")
def test_credit_library_loads_grades_keyed_by_hash_and_ignores_expired_records(db_session, clock, load_credit):
    person, org, old = resident_id(), make_uscc(), resident_id()
    result = load_credit([
        {"subject": person, "grade": "红名单"},
        {"subject": org, "grade": "orange"},
        {"subject": old, "grade": "red", "valid_until": "2025-12-31"},
        {"subject": "12345", "grade": "red"},
        {"subject": resident_id(), "grade": "绿名单"},
        {"subject": resident_id(), "grade": "red", "valid_until": "明年"},
    ])
    assert (result.added, len(result.errors)) == (3, 3)
    assert "第 5 行" in result.errors[0] and "居民身份证号码或统一社会信用代码" in result.errors[0]
    assert "信用等级只能是" in result.errors[1] and "YYYY-MM-DD" in result.errors[2]
    library = TableBaseLibrary(db_session)
    today = clock.today()
    assert library.credit_of("resident_id", person, today=today).grade is CreditGrade.red
    assert library.credit_of("uscc", org, today=today).grade is CreditGrade.orange
    assert library.credit_of("resident_id", old, today=today) is None  # expired: ignored
    stored = db_session.scalars(select(CreditRecord.subject_masked)).all()
    assert person not in " ".join(stored) and all("*" in s for s in stored)


@pytest.mark.req("CRED-05")
def test_the_stricter_of_two_sources_governs(db_session, clock, load_credit):
    person = resident_id()
    load_credit([{"subject": person, "grade": "red", "source": "税务"}, {"subject": person, "grade": "black", "source": "法院"}])
    assert TableBaseLibrary(db_session).credit_of("resident_id", person, today=clock.today()).grade is CreditGrade.black


# --- the lists (CRED-01) -----------------------------------------------------------------------------------------

@pytest.mark.req("CRED-01")
def test_catalog_editors_keep_the_lists_and_everyone_reads_them(db_session, clock, client):
    item, agency = case_item(db_session, clock)
    editor, token = make_actor(db_session, clock, role="catalog_editor", agency=agency)
    acceptor, acceptor_token = make_actor(db_session, clock, role="acceptor", agency=agency)
    with pytest.raises(Forbidden):
        lists.add(db_session=db_session, clock=clock, actor=acceptor, item_id=item.id, list_kind="instant")
    with pytest.raises(InvalidInput) as bad:
        lists.add(db_session=db_session, clock=clock, actor=editor, item_id=item.id, list_kind="fast")
    assert "即审即批" in bad.value.message
    lists.add(db_session=db_session, clock=clock, actor=editor, item_id=item.id, list_kind="instant")
    with pytest.raises(Conflict):
        lists.add(db_session=db_session, clock=clock, actor=editor, item_id=item.id, list_kind="instant")
    db_session.commit()

    answer = client.post("/api/v1/staff/credit/lists", headers=auth(token),
                         json={"item_id": item.id, "list_kind": "pledge", "check_days": 15})
    assert answer.status_code == 201, answer.text
    assert answer.json()["list_label"] == "告知承诺" and answer.json()["check_days"] == 15
    refused = client.post("/api/v1/staff/credit/lists", headers=auth(acceptor_token),
                          json={"item_id": item.id, "list_kind": "tolerant"})
    assert refused.status_code == 403 and "事项编辑" in refused.json()["error"]["message"]
    public = client.get("/api/v1/credit/lists").json()["items"]
    assert {(e["item_id"], e["list_kind"]) for e in public} == {(item.id, "instant"), (item.id, "pledge")}
    page = client.get("/credit/lists")
    assert page.status_code == 200 and item.name in page.text and "即审即批" in page.text


@pytest.mark.req("CRED-01")
def test_an_item_without_pledge_terms_cannot_go_on_the_pledge_list(db_session, clock):
    from tests.cases.caseflow import CASE_CONTENT

    materials = [{**m, "exemptions": [e for e in m.get("exemptions", []) if e != "pledge"]} for m in CASE_CONTENT["materials"]]
    item, agency = case_item(db_session, clock, pledge=None, materials=materials)
    editor, _ = make_actor(db_session, clock, role="catalog_editor", agency=agency)
    with pytest.raises(InvalidInput) as refused:
        lists.add(db_session=db_session, clock=clock, actor=editor, item_id=item.id, list_kind="pledge")
    assert "承诺" in refused.value.message


# --- at submission (CRED-02, 04, 06) -----------------------------------------------------------------------------

@pytest.mark.req("CRED-02")
def test_a_black_listed_applicant_is_refused_with_the_reason_and_the_way_to_repair(db_session, clock, load_credit):
    item, _ = case_item(db_session, clock)
    number = resident_id()
    person = make_person(db_session, clock, id_number=number)
    load_credit([{"subject": number, "grade": "black", "source": "广安市中级人民法院", "reason": "失信被执行人"}])
    before = _cases(db_session)
    for opted in (False, True):  # black blocks whether or not the applicant opted in
        with pytest.raises(InvalidInput) as refused:
            submit(db_session, clock, item, person, credit_opt_in=opted)
        assert refused.value.code == "CREDIT_BLACKLISTED"
        assert "失信被执行人" in refused.value.message and "信用修复" in refused.value.message
    assert _cases(db_session) == before


@pytest.mark.req("CRED-04")
def test_a_red_applicant_who_opts_in_gets_instant_approval_decided_the_same_day(db_session, clock, load_credit):
    item, agency = case_item(db_session, clock)
    _listed(db_session, clock, item, ListKind.instant, ListKind.exempt_review)
    number = resident_id()
    person = make_person(db_session, clock, id_number=number)
    load_credit([{"subject": number, "grade": "red"}])
    case = submit(db_session, clock, item, person, credit_opt_in=True)
    row = treatment_of(db_session=db_session, case_id=case.id)
    assert row.grade == "red" and row.treatments == "instant,exempt_review"
    assert row.decide_by == clock.today()  # a Friday, a working day
    message = inbox.messages_of(db_session=db_session, person_id=person.id)[0]
    assert "即审即批" in message.body and "当日作出决定" in message.body
    assert audit.entries_for(db_session=db_session, object_kind="case", object_id=case.id)[0].action == "credit.applied"
    staff = Staff(db_session, clock, agency)
    views = desk.treatments(db_session=db_session, clock=clock, actor=staff.acceptor)
    assert views[0].case_id == case.id and views[0].instant and views[0].warning == "yellow"


@pytest.mark.req("CRED-06")
def test_credit_approval_is_voluntary(db_session, clock, load_credit):
    item, _ = case_item(db_session, clock)
    _listed(db_session, clock, item, ListKind.instant)
    number = resident_id()
    person = make_person(db_session, clock, id_number=number)
    load_credit([{"subject": number, "grade": "red"}])
    case = submit(db_session, clock, item, person)
    assert treatment_of(db_session=db_session, case_id=case.id) is None


@pytest.mark.req("CRED-04")
@pytest.mark.parametrize("grade", ["blue", None])
def test_blue_or_no_record_goes_the_ordinary_way(db_session, clock, load_credit, grade):
    item, _ = case_item(db_session, clock)
    _listed(db_session, clock, item, ListKind.instant)
    number = resident_id()
    person = make_person(db_session, clock, id_number=number)
    if grade:
        load_credit([{"subject": number, "grade": grade}])
    case = submit(db_session, clock, item, person, credit_opt_in=True)
    row = treatment_of(db_session=db_session, case_id=case.id)
    assert row.treatments == "" and row.decide_by is None and "一般程序" in row.note


# --- pledge, check, exclusion, repair (CRED-03, 06) ----------------------------------------------------------------

def _pledged(db_session, clock, item, person):
    return submit(db_session, clock, item, person, pledge=True, exemptions={"m3": "pledge"},
                  uploads=[Upload("m2", "平面图.pdf", PDF)])


@pytest.mark.req("CRED-03")
def test_a_pledged_case_is_processed_first_and_checked_by_a_working_day_due_date(db_session, clock):
    item, agency = case_item(db_session, clock)
    _listed(db_session, clock, item, ListKind.pledge, days=5)
    person = make_person(db_session, clock)
    case = _pledged(db_session, clock, item, person)
    staff = Staff(db_session, clock, agency)
    from tongban.cases import handling

    handling.accept(db_session=db_session, clock=clock, actor=staff.acceptor, case=case)  # processed without the proof
    check = pledges.check_of_case(db_session=db_session, case_id=case.id)
    assert check.state == "pending" and check.due_on == date(2026, 11, 27)  # Fri 20 Nov + 5 working days
    assert [c.id for c in pledges.checks(db_session=db_session, actor=staff.reviewer)] == [check.id]


@pytest.mark.req("CRED-06")
def test_a_false_pledge_excludes_until_a_repair_is_approved(db_session, clock):
    item, agency = case_item(db_session, clock)
    _listed(db_session, clock, item, ListKind.pledge)
    person = make_person(db_session, clock)
    case = _pledged(db_session, clock, item, person)
    staff = Staff(db_session, clock, agency)
    check = pledges.check_of_case(db_session=db_session, case_id=case.id)
    with pytest.raises(InvalidInput):  # false needs the reason
        pledges.record_check(db_session=db_session, clock=clock, actor=staff.reviewer, check_id=check.id, truthful=False,
                             finding=" ")
    pledges.record_check(db_session=db_session, clock=clock, actor=staff.reviewer, check_id=check.id, truthful=False,
                         finding="两名从业人员无有效健康证明")
    with pytest.raises(Conflict):
        pledges.record_check(db_session=db_session, clock=clock, actor=staff.reviewer, check_id=check.id, truthful=True,
                             finding="")
    before = _cases(db_session)
    for overrides in ({"credit_opt_in": True}, {}):
        with pytest.raises(InvalidInput) as refused:
            if overrides:
                submit(db_session, clock, item, person, **overrides)
            else:
                _pledged(db_session, clock, item, person)
        assert refused.value.code == "CREDIT_EXCLUDED" and "信用修复" in refused.value.message
    assert _cases(db_session) == before
    submit(db_session, clock, item, person)  # the ordinary way stays open

    me = PersonActor(person_id=person.id, name=person.name, id_kind="resident_id")
    [exclusion] = pledges.mine(db_session=db_session, actor=me)
    with pytest.raises(InvalidInput):
        pledges.apply_repair(db_session=db_session, clock=clock, exclusion_id=exclusion.id, evidence="",
                             subject_hash=pledges.person_key(db_session=db_session, actor=me), person=me)
    repair = pledges.apply_repair(db_session=db_session, clock=clock, exclusion_id=exclusion.id,
                                  evidence="已为两名从业人员办理健康证明（附体检报告）",
                                  subject_hash=pledges.person_key(db_session=db_session, actor=me), person=me)
    supervisor, _ = make_actor(db_session, clock, role="supervisor", agency=agency)
    with pytest.raises(Forbidden):
        pledges.review_repair(db_session=db_session, clock=clock, actor=staff.acceptor, repair_id=repair.id, approve=True,
                              note="")
    with pytest.raises(InvalidInput):  # still excluded while repairing
        _pledged(db_session, clock, item, person)
    pledges.review_repair(db_session=db_session, clock=clock, actor=supervisor, repair_id=repair.id, approve=True, note="整改到位")
    assert exclusion.state == "lifted"
    assert _pledged(db_session, clock, item, person).pledge_signed
    actions = [e.action for e in audit.entries_for(db_session=db_session, object_kind="credit_exclusion", object_id=exclusion.id)]
    assert actions == ["credit.repair_reviewed", "credit.repair_applied", "credit.excluded"]


@pytest.mark.req("CRED-06")
def test_somebody_else_cannot_apply_to_repair_an_exclusion(db_session, clock):
    item, agency = case_item(db_session, clock)
    person, other = make_person(db_session, clock), make_person(db_session, clock)
    case = _pledged(db_session, clock, item, person)
    staff = Staff(db_session, clock, agency)
    check = pledges.check_of_case(db_session=db_session, case_id=case.id)
    pledges.record_check(db_session=db_session, clock=clock, actor=staff.reviewer, check_id=check.id, truthful=False,
                         finding="承诺不实")
    exclusion = pledges.exclusions_of(db_session=db_session, subject_hash=check.subject_hash)[0]
    them = PersonActor(person_id=other.id, name=other.name, id_kind="resident_id")
    with pytest.raises(Exception) as refused:
        pledges.apply_repair(db_session=db_session, clock=clock, exclusion_id=exclusion.id, evidence="整改",
                             subject_hash=pledges.person_key(db_session=db_session, actor=them), person=them)
    assert refused.value.code == "EXCLUSION_NOT_FOUND"


# --- through HTTP ------------------------------------------------------------------------------------------------

@pytest.mark.req("CRED-04")
def test_applying_through_the_api_with_credit_opt_in_and_the_staff_view(db_session, clock, client, load_credit):
    item, agency = case_item(db_session, clock)
    _listed(db_session, clock, item, ListKind.instant)
    number, black = resident_id(), resident_id()
    person = make_person(db_session, clock, id_number=number)
    blocked = make_person(db_session, clock, id_number=black)
    load_credit([{"subject": number, "grade": "orange"}, {"subject": black, "grade": "黑名单", "reason": "失信被执行人"}])
    _, token = make_actor(db_session, clock, role="acceptor", agency=agency)
    body = {"item_id": item.id, "credit_opt_in": True,
            "form": {"applicant_name": "张三", "contact_phone": "13900000001", "address": "广安区建设路1号", "copies": "1"},
            "files": [{"material_key": "m2", "filename": "a.pdf", "content_base64": "JVBERi0xLjQKMSAwIG9iajw8Pj5lbmRvYmoKdHJhaWxlcjw8Pj4KJSVFT0YK"},
                      {"material_key": "m3", "filename": "b.pdf", "content_base64": "JVBERi0xLjQKMSAwIG9iajw8Pj5lbmRvYmoKdHJhaWxlcjw8Pj4KJSVFT0YK"}]}
    db_session.commit()
    made = client.post("/api/v1/cases", json=body, headers={**person_headers(db_session, clock, person), "Idempotency-Key": "credit-api-0001"})
    assert made.status_code == 201, made.text
    case_id = made.json()["id"]
    seen = client.get(f"/api/v1/staff/credit/cases/{case_id}", headers=auth(token))
    assert seen.status_code == 200 and seen.json()["grade"] == "orange" and seen.json()["treatments"] == ["instant"]
    assert client.get("/api/v1/staff/credit/cases", headers=auth(token)).json()["items"][0]["case_id"] == case_id
    refused = client.post("/api/v1/cases", json=body,
                          headers={**person_headers(db_session, clock, blocked), "Idempotency-Key": "credit-api-0002"})
    assert refused.status_code == 422 and "黑名单" in refused.json()["error"]["message"]
    page = client.get("/staff/credit", headers=auth(token))
    assert page.status_code == 200 and "即审即批" in page.text


# --- review exemption and instant approval act on the case (CRED-04) ---------------------------------------------

@pytest.mark.req("CRED-04")
def test_review_exemption_sends_the_accepted_case_to_the_decider_and_an_instant_one_first(client, db_session, clock,
                                                                                          load_credit):
    from tests.cases.test_queues import Screen
    from tests.factories import make_agency
    from tongban.cases import decisions, handling

    lead, fire = make_agency(db_session, name="广安区民政局"), make_agency(db_session, name="广安区消防救援大队")
    plain_item, _ = case_item(db_session, clock, agency=lead)
    exempt_item, _ = case_item(db_session, clock, agency=lead)
    instant_item, _ = case_item(db_session, clock, agency=lead)
    parallel_item, _ = case_item(db_session, clock, agency=lead, parallel_agencies=[fire.code])
    for item in (plain_item, exempt_item, parallel_item):
        _listed(db_session, clock, item, ListKind.exempt_review)
    _listed(db_session, clock, instant_item, ListKind.instant)
    number = resident_id()
    person = make_person(db_session, clock, id_number=number)
    load_credit([{"subject": number, "grade": "orange"}])
    plain = submit(db_session, clock, plain_item, person)  # did not opt in: the ordinary way
    exempt, instant, parallel = (submit(db_session, clock, item, person, credit_opt_in=True)
                                 for item in (exempt_item, instant_item, parallel_item))
    assert (plain.review_exemption, plain.decide_by) == ("", None)
    assert "免审" in exempt.review_exemption and "橙名单" in exempt.review_exemption and exempt.decide_by is None
    assert "即审即批" in instant.review_exemption and instant.decide_by == clock.today()
    staff = Staff(db_session, clock, lead)
    for case in (plain, exempt, instant, parallel):
        handling.accept(db_session=db_session, clock=clock, actor=staff.acceptor, case=case)
    reviewer = Screen(client, *make_actor(db_session, clock, role="reviewer", agency=lead))
    decider = Screen(client, *make_actor(db_session, clock, role="decider", agency=lead))
    db_session.commit()

    # page and API agree: the exempt cases wait for the decider, the others (a parallel one too) for review
    assert decider.queues()["decide"] == {exempt.id, instant.id}
    assert reviewer.queues()["review"] == {plain.id, parallel.id}
    listed = client.get("/api/v1/staff/cases?queue=decide", headers=decider.headers).json()["cases"]
    assert [c["id"] for c in listed] == [instant.id, exempt.id]  # the one to decide today first

    with pytest.raises(Forbidden):  # the window cannot decide an exempt case: a decider signs
        decisions.decide(db_session=db_session, clock=clock, actor=staff.acceptor, case=exempt, approve=True)
    with pytest.raises(Conflict) as plain_refused:  # without the exemption the review cannot be skipped
        decisions.decide(db_session=db_session, clock=clock, actor=staff.decider, case=plain, approve=True)
    assert plain_refused.value.code == "REVIEW_REQUIRED"
    with pytest.raises(Conflict) as parallel_refused:  # the exemption does not skip a co-agency's opinion
        decisions.decide(db_session=db_session, clock=clock, actor=staff.decider, case=parallel, approve=True)
    assert parallel_refused.value.code == "OPINIONS_PENDING"
    db_session.rollback()

    page = client.get(f"/staff/cases/{instant.id}", headers=decider.headers).text
    assert "免审决定" in page and "即审即批" in page
    response = client.post(f"/api/v1/staff/cases/{exempt.id}/decide", headers=decider.headers,
                           json={"version": exempt.version, "approve": True, "reasons": ""})
    assert response.status_code == 200, response.text
    assert response.json()["state"] == "approved" and "免审" in response.json()["review_exemption"]
    signed = [e for e in response.json()["events"] if e["state"] == "approved"][0]
    assert signed["reason"].startswith("签署：决定人")
