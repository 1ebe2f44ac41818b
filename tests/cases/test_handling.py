"""Acceptance, review, decisions and clocks (002 8.4-8.6; 004; CASE-06 … CASE-14, CASE-17, CASE-20)."""

from __future__ import annotations

import threading
from datetime import date, datetime, timezone

import pytest
from sqlalchemy import select

from tongban.cases import decisions, handling, lifecycle, licences, notices, seals
from tongban.cases import service as cases
from tongban.cases.documents import Document
from tongban.cases.enums import CaseState, Opinion
from tongban.cases.files import Upload
from tongban.cases.models import CaseEvent
from tongban.catalog.models import ServiceItem
from tongban.core import db as core_db
from tongban.core.clock import FixedClock
from tongban.core.errors import Conflict, Forbidden, InvalidInput

from tests.cases.caseflow import PDF, Staff, approved_case, case_item, pdf_text, sealed, submit
from tests.factories import make_actor, make_agency, make_person


def notice(db_session, event_kind: str, case, clock=None) -> Document:
    """The notice of the case's `event_kind` event, sealed as its rendering job would (clock: the tests' own)."""
    event = db_session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id, CaseEvent.kind == event_kind)).one()
    document = db_session.get(Document, event.document_id)
    return sealed(db_session, clock or FixedClock(datetime(2026, 11, 20, 1, 30, tzinfo=timezone.utc)), document)


@pytest.mark.req("CASE-06")
@pytest.mark.req("CASE-09")
def test_acceptance_notice_names_item_acceptor_materials_date_and_is_sealed(db_session, clock):
    from tongban.cases import documents

    item, agency = case_item(db_session, clock)
    staff = Staff(db_session, clock, agency)
    case = submit(db_session, clock, item, make_person(db_session, clock))
    handling.accept(db_session=db_session, clock=clock, actor=staff.acceptor, case=case)
    assert case.state == CaseState.accepted.value and case.accepted_at is not None
    doc = notice(db_session, "accepted", case)
    text = pdf_text(doc.pdf)
    for expected in ("受理通知书", item.name, staff.acceptor.name, case.case_number, "经营场所平面图", "2026年11月20日", agency.name):
        assert expected in text, expected
    assert documents.verify(db_session=db_session, document=doc)


@pytest.mark.req("CASE-06")
def test_refusal_carries_reasons(db_session, clock):
    item, agency = case_item(db_session, clock)
    staff = Staff(db_session, clock, agency)
    case = submit(db_session, clock, item, make_person(db_session, clock))
    with pytest.raises(InvalidInput):
        handling.refuse(db_session=db_session, clock=clock, actor=staff.acceptor, case=case, reasons="  ")
    handling.refuse(db_session=db_session, clock=clock, actor=staff.acceptor, case=case, reasons="申请事项不属于本机关职权范围")
    assert case.state == "refused"
    assert "申请事项不属于本机关职权范围" in pdf_text(notice(db_session, "refused", case).pdf)
    with pytest.raises(Conflict):
        handling.accept(db_session=db_session, clock=clock, actor=staff.acceptor, case=case)


@pytest.mark.req("CASE-06")
@pytest.mark.req("CASE-09")
def test_one_supplement_notice_lists_everything_missing_with_standards_and_deadline(db_session, clock):
    item, agency = case_item(db_session, clock)
    staff = Staff(db_session, clock, agency)
    person = make_person(db_session, clock)
    case = submit(db_session, clock, item, person)
    handling.request_supplement(
        db_session=db_session, clock=clock, actor=staff.acceptor, case=case,
        missing=[handling.Missing("m2", "平面图未标明面积"), handling.Missing("m3", "")],
    )
    assert case.state == "supplement_requested" and case.supplement_deadline == date(2026, 11, 27)
    text = pdf_text(notice(db_session, "supplement_requested", case).pdf)
    for expected in ("一次性告知", "经营场所平面图", "平面图未标明面积", "健康证明", "在有效期内", "2026年11月27日"):
        assert expected in text, expected
    cases.supplement(db_session=db_session, clock=clock, case=case, uploads=[Upload("m2", "新平面图.pdf", PDF)],
                     actor_ref="person", actor_name=person.name)
    assert case.state == "supplement_requested"  # one of two is still missing
    cases.supplement(db_session=db_session, clock=clock, case=case, uploads=[Upload("m3", "健康证.pdf", PDF)],
                     actor_ref="person", actor_name=person.name)
    assert case.state == "submitted"
    handling.accept(db_session=db_session, clock=clock, actor=staff.acceptor, case=case)


@pytest.mark.req("CASE-07")
def test_tolerant_acceptance_unfixed_by_the_deadline_becomes_a_denial(db_session, clock):
    item, agency = case_item(db_session, clock)
    staff = Staff(db_session, clock, agency)
    fixed = submit(db_session, clock, item, make_person(db_session, clock))
    left = submit(db_session, clock, item, make_person(db_session, clock))
    for case in (fixed, left):
        handling.accept_with_deficiency(db_session=db_session, clock=clock, actor=staff.acceptor, case=case,
                                        missing=[handling.Missing("m3", "健康证明过期")])
        assert case.state == "accepted_with_deficiency" and case.legal_due is not None
    text = pdf_text(notice(db_session, "accepted_with_deficiency", left).pdf)
    assert "容缺受理通知书" in text and "容缺材料及标准" in text
    assert "1.健康证明：健康证明过期" in text  # each missing item with what is wrong with it
    assert left.deficiency_deadline == date(2026, 12, 4) and "补齐期限2026年12月4日" in text  # 10 working days
    assert "逾期未补齐" in text and "不予许可" in text
    cases.supplement(db_session=db_session, clock=clock, case=fixed, uploads=[Upload("m3", "健康证.pdf", PDF)],
                     actor_ref="person", actor_name="申请人")
    assert fixed.state == "accepted"
    clock.advance(days=15)
    denied = decisions.deny_unfixed_deficiencies(db_session=db_session, clock=clock)
    assert denied == [left] and left.state == "denied"
    assert left.decision_reasons == "容缺受理后未在2026年12月4日前补齐材料：健康证明"
    denial = pdf_text(notice(db_session, "denied", left).pdf)
    assert "不予许可" in denial and "未在2026年12月4日前补齐材料：健康证明" in denial
    assert fixed.state == "accepted"


@pytest.mark.req("CASE-08")
def test_the_pledge_is_given_in_writing_and_is_optional(db_session, clock):
    item, agency = case_item(db_session, clock)
    person = make_person(db_session, clock)
    pledged = submit(db_session, clock, item, person, pledge=True, exemptions={"m3": "pledge"},
                     uploads=[Upload("m2", "平面图.pdf", PDF)])
    assert pledged.pledge_signed
    text = pdf_text(notice(db_session, "pledge_signed", pledged).pdf)
    for expected in ("告知承诺书", "如实提交材料", "从业人员均持有效健康证明", "承诺不实的，撤销许可", "自主选择"):
        assert expected in text, expected
    with pytest.raises(InvalidInput) as error:  # choosing the pledge exemption needs the signed pledge
        submit(db_session, clock, item, person, exemptions={"m3": "pledge"}, uploads=[Upload("m2", "平面图.pdf", PDF)])
    assert error.value.code == "PLEDGE_NOT_SIGNED"
    ordinary = submit(db_session, clock, item, person)  # the ordinary way: every proof handed in
    assert not ordinary.pledge_signed


@pytest.mark.req("CASE-10")
def test_the_applicant_is_told_when_and_where_originals_are_checked(db_session, clock):
    from tongban.notify import inbox

    item, agency = case_item(db_session, clock, on_site_verification=True)
    staff = Staff(db_session, clock, agency)
    person = make_person(db_session, clock)
    case = submit(db_session, clock, item, person)
    place = "广安区政务服务中心3号窗口"
    for at, code in ((None, "ON_SITE_TIME_REQUIRED"), (datetime(2026, 11, 19, 9, 0), "ON_SITE_TIME_RANGE"),
                     (datetime(2027, 6, 1, 9, 0), "ON_SITE_TIME_RANGE")):  # the clock stands at 20 November 2026
        with pytest.raises(InvalidInput) as error:
            handling.accept(db_session=db_session, clock=clock, actor=staff.acceptor, case=case, on_site=place, on_site_at=at)
        assert error.value.code == code
    with pytest.raises(InvalidInput):  # the place too
        handling.accept(db_session=db_session, clock=clock, actor=staff.acceptor, case=case, on_site_at=datetime(2026, 11, 25, 9))
    handling.accept(db_session=db_session, clock=clock, actor=staff.acceptor, case=case, on_site=place,
                    on_site_at=datetime(2026, 11, 25, 9, 30))  # Beijing time
    text = pdf_text(notice(db_session, "on_site_check_scheduled", case).pdf)
    assert "现场核验原件通知书" in text and "2026年11月25日09:30" in text and place in text
    event = _event(db_session, case, "on_site_check_scheduled")
    assert event.data == {"at": "2026-11-25T09:30:00+08:00", "place": place}
    (accepted,) = [m for m in inbox.messages_of(db_session=db_session, person_id=person.id) if "已受理" in m.title]
    assert "请于2026年11月25日 09:30到广安区政务服务中心3号窗口核验原件" in accepted.body


@pytest.mark.req("CASE-10")
def test_originals_checked_is_a_step_with_who_and_when_and_an_approval_waits_for_it(db_session, clock):
    from tongban.notify import inbox
    from tongban.notify.service import deliveries_for

    item, agency = case_item(db_session, clock, on_site_verification=True)
    staff = Staff(db_session, clock, agency)
    person = make_person(db_session, clock)
    case = submit(db_session, clock, item, person)
    handling.accept(db_session=db_session, clock=clock, actor=staff.acceptor, case=case, on_site="广安区政务服务中心3号窗口",
                    on_site_at=datetime(2026, 11, 25, 9, 30))
    sms = [d for d in deliveries_for(db_session=db_session, case_id=case.id) if d.channel == "sms"]
    assert len(sms) == 1 and "2026年11月25日 09:30" in sms[0].body and "3号窗口" in sms[0].body  # told by SMS
    handling.start_review(db_session=db_session, clock=clock, actor=staff.reviewer, case=case)
    handling.record_opinion(db_session=db_session, clock=clock, actor=staff.reviewer, case=case, opinion=Opinion.approve,
                            reasons="符合审查标准")
    with pytest.raises(Conflict) as error:
        decisions.decide(db_session=db_session, clock=clock, actor=staff.decider, case=case, approve=True)
    assert error.value.code == "ORIGINALS_NOT_CHECKED" and "原件尚未核验" in error.value.message
    assert "2026年11月25日 09:30" in error.value.message and case.state == CaseState.under_review.value

    clock.advance(days=5)
    handling.record_originals_checked(db_session=db_session, clock=clock, actor=staff.acceptor, case=case)
    event = _event(db_session, case, "originals_checked")
    assert (event.actor_ref, event.actor_name, event.at) == (staff.acceptor.ref, staff.acceptor.name, clock.now())
    assert event.to_state == CaseState.under_review.value  # a step, not a move
    check = handling.originals_check(db_session=db_session, case=case)
    assert check.done and check.checked_by == staff.acceptor.name
    assert any("原件已核验" in m.title for m in inbox.messages_of(db_session=db_session, person_id=person.id))
    with pytest.raises(Conflict) as twice:
        handling.record_originals_checked(db_session=db_session, clock=clock, actor=staff.reviewer, case=case)
    assert twice.value.code == "ORIGINALS_ALREADY_CHECKED" and staff.acceptor.name in twice.value.message
    decisions.decide(db_session=db_session, clock=clock, actor=staff.decider, case=case, approve=True)
    assert case.state == CaseState.approved.value

    plain_item, _ = case_item(db_session, clock, agency=agency)
    plain = submit(db_session, clock, plain_item, person)
    handling.accept(db_session=db_session, clock=clock, actor=staff.acceptor, case=plain)
    with pytest.raises(Conflict) as not_asked:
        handling.record_originals_checked(db_session=db_session, clock=clock, actor=staff.acceptor, case=plain)
    assert not_asked.value.code == "ORIGINALS_CHECK_NOT_SET"

    absent = submit(db_session, clock, item, person)  # never comes with the originals: a denial need not wait
    handling.accept(db_session=db_session, clock=clock, actor=staff.acceptor, case=absent, on_site="3号窗口",
                    on_site_at=datetime(2026, 12, 1, 9, 30))
    handling.start_review(db_session=db_session, clock=clock, actor=staff.reviewer, case=absent)
    handling.record_opinion(db_session=db_session, clock=clock, actor=staff.reviewer, case=absent, opinion=Opinion.deny,
                            reasons="申请人未按约定到场核验原件")
    decisions.decide(db_session=db_session, clock=clock, actor=staff.decider, case=absent, approve=False,
                     reasons="申请人未按约定时间到场核验申请材料原件")
    assert absent.state == CaseState.denied.value


@pytest.mark.req("CASE-11")
def test_special_procedures_are_notified_and_their_time_excluded(db_session, clock):
    item, agency = case_item(db_session, clock)
    staff = Staff(db_session, clock, agency)
    case = submit(db_session, clock, item, make_person(db_session, clock))
    handling.accept(db_session=db_session, clock=clock, actor=staff.acceptor, case=case)
    handling.start_review(db_session=db_session, clock=clock, actor=staff.reviewer, case=case)
    before = case.promised_due
    assert before == date(2026, 12, 4)  # 10 working days from Friday 20 November
    with pytest.raises(InvalidInput):
        handling.start_special_procedure(db_session=db_session, clock=clock, actor=staff.reviewer, case=case, name="听证")
    handling.start_special_procedure(db_session=db_session, clock=clock, actor=staff.reviewer, case=case, name="现场核查",
                                     note="核查经营场所")
    assert "特别程序告知书" in pdf_text(notice(db_session, "special_procedure_started", case).pdf)
    with pytest.raises(Conflict):  # no decision while the procedure runs
        decisions.decide(db_session=db_session, clock=clock, actor=staff.decider, case=case, approve=True)
    clock.advance(days=7)  # Friday 27 November: five working days later
    handling.end_special_procedure(db_session=db_session, clock=clock, actor=staff.reviewer, case=case, outcome="场所符合要求")
    assert case.promised_due == date(2026, 12, 11) and case.state == "under_review"


@pytest.mark.req("CASE-12")
def test_reviewer_then_a_different_decider_or_on_the_spot_where_allowed(db_session, clock):
    item, agency = case_item(db_session, clock)  # its review rules: a reviewer's post and a decider's post
    staff = Staff(db_session, clock, agency)
    case = submit(db_session, clock, item, make_person(db_session, clock))
    handling.accept(db_session=db_session, clock=clock, actor=staff.acceptor, case=case)
    with pytest.raises(Conflict) as error:
        decisions.decide(db_session=db_session, clock=clock, actor=staff.decider, case=case, approve=True)
    assert error.value.code == "REVIEW_REQUIRED"
    handling.start_review(db_session=db_session, clock=clock, actor=staff.reviewer, case=case)
    with pytest.raises(Conflict) as error:
        decisions.decide(db_session=db_session, clock=clock, actor=staff.decider, case=case, approve=True)
    assert error.value.code == "OPINIONS_PENDING"
    both = _both(db_session, clock, agency)
    handling.record_opinion(db_session=db_session, clock=clock, actor=both, case=case, opinion=Opinion.approve, reasons="符合")
    with pytest.raises(Forbidden) as error:
        decisions.decide(db_session=db_session, clock=clock, actor=both, case=case, approve=True)
    assert error.value.code == "SAME_PERSON" and "两个岗位" in error.value.message
    decisions.decide(db_session=db_session, clock=clock, actor=staff.decider, case=case, approve=True)
    assert case.state == "approved"
    decided = _event(db_session, case, "approved")
    assert decided.data == {"on_the_spot": False, "signatures": [
        {"capacity": "reviewer", "capacity_label": "审查人", "name": both.name},
        {"capacity": "decider", "capacity_label": "决定人", "name": staff.decider.name}]}
    assert decided.reason.startswith(f"签署：审查人 {both.name}；决定人 {staff.decider.name}")
    quick_item, _ = case_item(db_session, clock, agency=agency, review_rules={"on_the_spot": True})
    quick = submit(db_session, clock, quick_item, make_person(db_session, clock))
    handling.accept(db_session=db_session, clock=clock, actor=staff.acceptor, case=quick)
    decisions.decide(db_session=db_session, clock=clock, actor=staff.acceptor, case=quick, approve=True)
    assert quick.state == "approved" and _event(db_session, quick, "approved").data == {
        "on_the_spot": True, "signatures": [{"capacity": "acceptor", "capacity_label": "受理人", "name": staff.acceptor.name}]}


def _both(db_session, clock, agency, roles=("reviewer", "decider")):
    """One member of staff holding the given posts."""
    actor, _ = make_actor(db_session, clock, role="reviewer", agency=agency)
    return type(actor)(staff_id=actor.staff_id, name=actor.name, roles=frozenset(roles), agency_id=agency.id,
                       region_code=agency.region_code)


def _event(db_session, case, kind: str) -> CaseEvent:
    return db_session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id, CaseEvent.kind == kind)).one()


@pytest.mark.req("CASE-12")
def test_the_reviewer_decides_on_the_spot_after_the_written_review_where_the_rules_allow(db_session, clock):
    """003 决定: where the reviewer can decide on the spot after the written review, the reviewer decides; the
    rule comes from the item's review rules, and the timeline says who signed in which capacity."""
    rules = {"posts": [{"post": "acceptor", "time_limit_days": 0}, {"post": "reviewer", "time_limit_days": 0},
                       {"post": "decider", "time_limit_days": 0}], "methods": ["书面审查"], "on_the_spot": True}
    item, agency = case_item(db_session, clock, review_rules=rules)
    staff = Staff(db_session, clock, agency)
    case = submit(db_session, clock, item, make_person(db_session, clock))
    handling.accept(db_session=db_session, clock=clock, actor=staff.acceptor, case=case)
    handling.start_review(db_session=db_session, clock=clock, actor=staff.reviewer, case=case)
    handling.record_opinion(db_session=db_session, clock=clock, actor=staff.reviewer, case=case, opinion=Opinion.approve,
                            reasons="书面审查符合")
    other = _both(db_session, clock, agency, roles=("reviewer",))
    with pytest.raises(Forbidden) as error:  # a reviewer who did not review this case has no say in it
        decisions.decide(db_session=db_session, clock=clock, actor=other, case=case, approve=True)
    assert error.value.code == "NOT_PERMITTED"
    decisions.decide(db_session=db_session, clock=clock, actor=staff.reviewer, case=case, approve=True)  # a reviewer only
    assert case.state == "approved" and case.licence_id is not None
    decided = _event(db_session, case, "approved")
    assert decided.actor_name == staff.reviewer.name
    assert decided.data == {"on_the_spot": True, "signatures": [
        {"capacity": "reviewer_decider", "capacity_label": "审查人（兼决定人）", "name": staff.reviewer.name}]}
    assert f"审查人（兼决定人） {staff.reviewer.name}（当场决定）" in decided.reason


@pytest.mark.req("CASE-12")
def test_one_review_post_signs_alone_but_not_after_a_special_procedure(db_session, clock):
    """Rules with a single review-and-decide post let that person decide; a site check or hearing on the case
    needs the reviewer's opinion and a decider's decision (003 决定)."""
    rules = {"posts": [{"post": "acceptor", "time_limit_days": 1}, {"post": "reviewer", "time_limit_days": 3}],
             "on_the_spot": False}
    item, agency = case_item(db_session, clock, review_rules=rules)
    staff = Staff(db_session, clock, agency)
    both = _both(db_session, clock, agency)
    written, surveyed = (submit(db_session, clock, item, make_person(db_session, clock)) for _ in range(2))
    for case in (written, surveyed):
        handling.accept(db_session=db_session, clock=clock, actor=staff.acceptor, case=case)
        handling.start_review(db_session=db_session, clock=clock, actor=both, case=case)
    handling.start_special_procedure(db_session=db_session, clock=clock, actor=both, case=surveyed, name="现场核查")
    handling.end_special_procedure(db_session=db_session, clock=clock, actor=both, case=surveyed, outcome="符合要求")
    for case in (written, surveyed):
        handling.record_opinion(db_session=db_session, clock=clock, actor=both, case=case, opinion=Opinion.deny,
                                reasons="场所面积不足")
    decisions.decide(db_session=db_session, clock=clock, actor=both, case=written, approve=False, reasons="场所面积不足")
    assert written.state == "denied"
    assert _event(db_session, written, "denied").data["signatures"] == [
        {"capacity": "reviewer_decider", "capacity_label": "审查人（兼决定人）", "name": both.name}]
    with pytest.raises(Forbidden) as error:
        decisions.decide(db_session=db_session, clock=clock, actor=both, case=surveyed, approve=False, reasons="面积不足")
    assert error.value.code == "SAME_PERSON" and "现场核查" in error.value.message
    decisions.decide(db_session=db_session, clock=clock, actor=staff.decider, case=surveyed, approve=False, reasons="面积不足")
    assert [s["capacity"] for s in _event(db_session, surveyed, "denied").data["signatures"]] == ["reviewer", "decider"]


@pytest.mark.req("CASE-19")
def test_supplement_special_procedure_and_delivery_are_pushed_to_the_applicant(db_session, clock):
    from tongban.cases import delivery
    from tongban.notify import inbox
    from tongban.notify.service import deliveries_for

    item, agency = case_item(db_session, clock, fees=[])
    staff = Staff(db_session, clock, agency)
    person = make_person(db_session, clock, phone="13900006666")
    case = submit(db_session, clock, item, person, delivery_method="post")
    handling.request_supplement(db_session=db_session, clock=clock, actor=staff.acceptor, case=case,
                                missing=[handling.Missing("m2", "平面图未标明面积"), handling.Missing("m3", "")])
    cases.supplement(db_session=db_session, clock=clock, case=case, uploads=[Upload("m2", "平面图.pdf", PDF)],
                     actor_ref="person", actor_name=person.name)
    cases.supplement(db_session=db_session, clock=clock, case=case, uploads=[Upload("m3", "健康证.pdf", PDF)],
                     actor_ref="person", actor_name=person.name)
    handling.accept(db_session=db_session, clock=clock, actor=staff.acceptor, case=case)
    handling.start_review(db_session=db_session, clock=clock, actor=staff.reviewer, case=case)
    handling.start_special_procedure(db_session=db_session, clock=clock, actor=staff.reviewer, case=case, name="现场核查")
    handling.end_special_procedure(db_session=db_session, clock=clock, actor=staff.reviewer, case=case, outcome="符合要求")
    handling.record_opinion(db_session=db_session, clock=clock, actor=staff.reviewer, case=case, opinion=Opinion.approve,
                            reasons="符合审查标准")
    decisions.decide(db_session=db_session, clock=clock, actor=staff.decider, case=case, approve=True)
    delivery.post(db_session=db_session, clock=clock, actor=staff.dispatcher, case=case, carrier="中国邮政EMS",
                  tracking_number="1190012345678", address="广安区建设路1号")

    messages = {m.title.split("：", 1)[1]: m.body for m in inbox.messages_of(db_session=db_session, person_id=person.id)}
    assert list(messages) == list(reversed([
        "已提交", "需要补正材料", "已收到部分补正材料", "补正材料已收到", "已受理", "进入审查", "进入特别程序（现场核查）",
        "特别程序结束", "已办结（准予）", "已送达"]))
    assert "平面图未标明面积" in messages["需要补正材料"] and "2026年11月27日" in messages["需要补正材料"]
    assert "仍缺：健康证明" in messages["已收到部分补正材料"]
    assert "不超过 10 日" in messages["进入特别程序（现场核查）"] and "不计入办理时限" in messages["进入特别程序（现场核查）"]
    assert "送达方式：邮寄送达" in messages["已办结（准予）"]
    assert "1190012345678" in messages["已送达"]
    texts = [d.body for d in deliveries_for(db_session=db_session, case_id=case.id) if d.channel == "sms"]
    for step in ("需要补正材料", "进入特别程序（现场核查）", "已办结（准予）", "已送达"):  # those that need the applicant
        assert any(step in text for text in texts), step
    assert any("1190012345678" in text for text in texts)


@pytest.mark.req("CASE-14")
def test_approval_issues_the_licence_and_denial_gives_reasons_and_contact(db_session, clock):
    case, person, staff = approved_case(db_session, clock)
    licence = db_session.get(licences.License, case.licence_id)
    assert licence.type_code == "food_licence" and licence.valid_until == date(2031, 11, 20)
    assert case.decided_at.date() <= case.legal_due
    text = pdf_text(notice(db_session, "approved", case).pdf)
    assert "准予许可决定书" in text and licence.number in text
    item = db_session.get(ServiceItem, case.item_id)
    refused = submit(db_session, clock, item, make_person(db_session, clock))
    handling.accept(db_session=db_session, clock=clock, actor=staff.acceptor, case=refused)
    handling.start_review(db_session=db_session, clock=clock, actor=staff.reviewer, case=refused)
    handling.record_opinion(db_session=db_session, clock=clock, actor=staff.reviewer, case=refused, opinion=Opinion.deny,
                            reasons="经营场所与住所不一致")
    with pytest.raises(Conflict):
        decisions.decide(db_session=db_session, clock=clock, actor=staff.decider, case=refused, approve=True)
    with pytest.raises(InvalidInput):
        decisions.decide(db_session=db_session, clock=clock, actor=staff.decider, case=refused, approve=False)
    decisions.decide(db_session=db_session, clock=clock, actor=staff.decider, case=refused, approve=False,
                     reasons="经营场所与营业执照登记住所不一致")
    text = pdf_text(notice(db_session, "denied", refused).pdf)
    assert "经营场所与营业执照登记住所不一致" in text and "联系方式" in text and "行政复议" in text
    assert refused.licence_id is None and refused.state == "denied"


@pytest.mark.req("CASE-17")
def test_a_renewal_undecided_at_expiry_counts_as_renewed(db_session, clock):
    item, agency = case_item(db_session, clock)
    person = make_person(db_session, clock)
    first, _, staff = approved_case(db_session, clock, item=item, agency=agency, person=person)
    old = db_session.get(licences.License, first.licence_id)
    old.valid_until = date(2026, 12, 31)
    renewal_item, _ = case_item(db_session, clock, agency=agency, name="食品经营许可（延续）", renewal=True)
    stranger = make_person(db_session, clock)
    with pytest.raises(InvalidInput):
        submit(db_session, clock, renewal_item, stranger)
    renewal = submit(db_session, clock, renewal_item, person)
    assert renewal.renews_licence_id == old.id
    handling.accept(db_session=db_session, clock=clock, actor=staff.acceptor, case=renewal)
    assert decisions.deem_renewals(db_session=db_session, clock=clock) == []
    clock.set(clock.now().replace(year=2027, month=1, day=4))
    assert decisions.deem_renewals(db_session=db_session, clock=clock) == [renewal]
    assert renewal.state == "approved" and "视为准予延续" in renewal.decision_reasons
    new = db_session.get(licences.License, renewal.licence_id)
    assert new.id != old.id and new.valid_until > old.valid_until


@pytest.mark.req("CASE-20")
def test_parallel_approval_lead_and_co_agencies_one_decision(db_session, clock):
    lead = make_agency(db_session, name="广安区市场监督管理局")
    fire = make_agency(db_session, name="广安区消防救援大队")
    item, _ = case_item(db_session, clock, agency=lead, parallel_agencies=[fire.code])
    staff = Staff(db_session, clock, lead)
    fire_reviewer, _ = make_actor(db_session, clock, role="reviewer", agency=fire)
    fire_decider, _ = make_actor(db_session, clock, role="decider", agency=fire)
    case = submit(db_session, clock, item, make_person(db_session, clock))
    handling.accept(db_session=db_session, clock=clock, actor=staff.acceptor, case=case)
    handling.start_review(db_session=db_session, clock=clock, actor=staff.reviewer, case=case)
    handling.record_opinion(db_session=db_session, clock=clock, actor=staff.reviewer, case=case, opinion=Opinion.approve, reasons="符合")
    with pytest.raises(Conflict) as error:
        decisions.decide(db_session=db_session, clock=clock, actor=staff.decider, case=case, approve=True)
    assert "消防救援大队" in error.value.message
    with pytest.raises(Forbidden):  # a co-agency gives its opinion, it does not decide
        decisions.decide(db_session=db_session, clock=clock, actor=fire_decider, case=case, approve=True)
    handling.record_opinion(db_session=db_session, clock=clock, actor=fire_reviewer, case=case, opinion=Opinion.approve,
                            reasons="消防设施符合要求")
    decisions.decide(db_session=db_session, clock=clock, actor=staff.decider, case=case, approve=True)
    assert case.state == "approved"
    docs = notices.for_case(db_session=db_session, case_id=case.id)
    assert {d.agency_id for d in docs} == {lead.id}  # one window, one set of notices


def test_two_staff_acting_at_once_one_wins(db_session, clock):
    item, agency = case_item(db_session, clock)
    first, _ = make_actor(db_session, clock, role="acceptor", agency=agency)
    second, _ = make_actor(db_session, clock, role="acceptor", agency=agency)
    case = submit(db_session, clock, item, make_person(db_session, clock))
    seals.seal_for(db_session=db_session, clock=clock, agency_id=agency.id)  # so the race is over the case alone
    db_session.commit()
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def act(actor, refuse: bool) -> None:
        session = core_db.session_factory()()
        try:
            row = cases.get(db_session=session, case_id=case.id)
            assert row.state == "submitted"
            barrier.wait()
            if refuse:
                handling.refuse(db_session=session, clock=clock, actor=actor, case=row, reasons="不属于受理范围")
            else:
                handling.accept(db_session=session, clock=clock, actor=actor, case=row)
            session.commit()
            outcomes.append("won")
        except Exception as error:  # noqa: BLE001 - classified below
            session.rollback()
            outcomes.append(error.code if isinstance(error, Conflict) else type(error).__name__)
        finally:
            session.close()

    threads = [threading.Thread(target=act, args=(first, False)), threading.Thread(target=act, args=(second, True))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) in (["CASE_CHANGED", "won"], ["OperationalError", "won"]), outcomes
    db_session.expire_all()
    events = lifecycle.events_of(db_session=db_session, case_id=case.id)
    assert [e.kind for e in events].count("accepted") + [e.kind for e in events].count("refused") == 1


def test_the_history_replays_to_the_state_and_tampering_shows(db_session, clock):
    case, _, _ = approved_case(db_session, clock)
    events = lifecycle.events_of(db_session=db_session, case_id=case.id)
    assert lifecycle.replay(events).value == case.state
    assert lifecycle.verify_chain(events) is None
    events[2].reason = "改过的理由"
    assert lifecycle.verify_chain(events) == 3


def test_a_step_finds_the_content_the_case_was_filed_under_without_reading_the_item(db_session, clock):
    """The case keeps the digest of its item's content: once a process has parsed that content, acceptance and
    decision read no item version at all (and a case is never handled under content it was not filed under)."""
    from sqlalchemy import event

    from tongban.catalog.models import ItemVersion

    item, agency = case_item(db_session, clock)
    staff = Staff(db_session, clock, agency)
    case = submit(db_session, clock, item, make_person(db_session, clock))
    assert case.item_content_sha256 == db_session.get(ItemVersion, case.item_version_id).content_sha256
    db_session.commit()
    statements: list[str] = []
    bind = db_session.get_bind()

    def seen(_conn, _cursor, statement, *_args) -> None:
        statements.append(statement)

    event.listen(bind, "before_cursor_execute", seen)
    try:
        handling.accept(db_session=db_session, clock=clock, actor=staff.acceptor, case=case)
        handling.start_review(db_session=db_session, clock=clock, actor=staff.reviewer, case=case)
        handling.record_opinion(db_session=db_session, clock=clock, actor=staff.reviewer, case=case, opinion=Opinion.approve,
                                reasons="符合审查标准")
        decisions.decide(db_session=db_session, clock=clock, actor=staff.decider, case=case, approve=True)
        db_session.commit()
    finally:
        event.remove(bind, "before_cursor_execute", seen)
    assert case.state == "approved" and statements
    assert [s for s in statements if "item_version" in s] == []
    assert [s for s in statements if "case_pause" in s] == []  # at acceptance no earlier pause can count


def test_a_post_already_loaded_shows_the_opinion_just_recorded(db_session, clock):
    from tongban.cases.models import CasePost

    item, agency = case_item(db_session, clock)
    staff = Staff(db_session, clock, agency)
    case = submit(db_session, clock, item, make_person(db_session, clock))
    handling.accept(db_session=db_session, clock=clock, actor=staff.acceptor, case=case)
    handling.start_review(db_session=db_session, clock=clock, actor=staff.reviewer, case=case)
    (post,) = db_session.scalars(select(CasePost).where(CasePost.case_id == case.id)).all()  # as a page would hold it
    assert post.opinion is None
    handling.record_opinion(db_session=db_session, clock=clock, actor=staff.reviewer, case=case, opinion=Opinion.approve,
                            reasons="符合审查标准")
    assert (post.opinion, post.reasons, post.staff_id) == ("approve", "符合审查标准", staff.reviewer.staff_id)
    db_session.commit()
    db_session.expire_all()
    assert db_session.get(CasePost, post.id).opinion == "approve"


@pytest.mark.req("CASE-06")
def test_a_conditional_material_that_did_not_apply_shows_as_not_applicable_with_its_condition(client, db_session, clock):
    from tests.cases.caseflow import CASE_CONTENT, person_headers

    from tongban.cases import presenters

    materials = [*CASE_CONTENT["materials"],
                 {"key": "m4", "name": "授权委托书", "forms": ["electronic"], "necessity": "conditional",
                  "condition": "委托他人代为办理的", "basis": ["b1"]},
                 {"key": "m5", "name": "店面照片", "forms": ["electronic"], "necessity": "optional", "basis": ["b1"]}]
    item, agency = case_item(db_session, clock, materials=materials)
    case, person, _ = approved_case(db_session, clock, item=item, agency=agency)
    headers = person_headers(db_session, clock, person)

    shown = {m.key: m for m in presenters.detail(db_session=db_session, clock=clock, case=case, for_applicant=True).materials}
    assert (shown["m4"].status, shown["m4"].status_label, shown["m4"].condition) == ("not_required", "不适用", "委托他人代为办理的")
    assert (shown["m5"].status, shown["m5"].status_label) == ("not_required", "未提交（非必要材料）")
    assert shown["m3"].status_label == "已提交"
    api = {m["key"]: m for m in client.get(f"/api/v1/cases/{case.id}", headers=headers).json()["materials"]}
    assert api["m4"]["status_label"] == "不适用" and api["m4"]["condition"] == "委托他人代为办理的"
    page = client.get(f"/cases/{case.id}", headers=headers)
    assert page.status_code == 200 and "缺少" not in page.text
    assert "不适用" in page.text and "适用情形：委托他人代为办理的" in page.text
    details = presenters.progress(db_session=db_session, case=case, details=True).details
    labels = {m.name: m.status_label for m in details.materials}
    assert labels["授权委托书"] == "不适用（适用情形：委托他人代为办理的）" and "缺少" not in labels.values()
