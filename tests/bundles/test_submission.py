"""One bundle submission across agencies (BND-07): all or nothing, idempotent, one sub-case per item in each agency's
queue, one acceptance by the lead window, holds that name the part, delivery only together."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from tests.bundles import submission_fixtures as fx
from tongban.bundles import handling as bundles
from tongban.bundles import together
from tongban.bundles.models import BundleCase, BundlePart
from tongban.bundles.planning import make_plan
from tongban.cases import delivery, handling, queues
from tongban.cases import service as cases
from tongban.cases.enums import CaseState
from tongban.cases.files import Upload
from tongban.cases.models import Case, CaseFile
from tongban.core import db as core_db
from tongban.core.errors import Conflict, DomainError, InvalidInput, NotFound
from tongban.notify.models import InboxMessage


def _parts(db_session, bundle_case) -> dict[str, Case]:
    return {p.item_code: cases.get(db_session=db_session, case_id=p.case_id)
            for p in bundles.parts_of(db_session=db_session, bundle_case_id=bundle_case.id)}


def _count(db_session, column) -> int:
    db_session.expire_all()
    return db_session.scalar(select(func.count(column))) or 0


def _messages(db_session, person) -> list[str]:
    return [m.title + "|" + m.body for m in db_session.scalars(select(InboxMessage).where(InboxMessage.person_id == person.id))]


@pytest.mark.req("BND-07")
def test_one_submission_files_a_sub_case_per_item_in_each_agencys_queue(db_session, clock, world):
    person = fx.person(db_session, clock)
    bundle_case = fx.submit(db_session, clock, world, person)
    db_session.commit()
    parts = _parts(db_session, bundle_case)
    assert set(parts) == {"T-CERT", "T-VACC", "T-HUKOU"}
    assert bundle_case.number.startswith("YJS511602") and bundle_case.state == "submitted"
    assert parts["T-CERT"].agency_id == parts["T-VACC"].agency_id == world.health.id
    assert parts["T-HUKOU"].agency_id == world.police.id
    assert all(c.state == CaseState.submitted.value for c in parts.values())
    stages = {p.item_code: p.stage for p in bundles.parts_of(db_session=db_session, bundle_case_id=bundle_case.id)}
    assert stages == {"T-CERT": 1, "T-VACC": 1, "T-HUKOU": 2}
    # the merged form reaches each item under its own keys; a shared material is stored for each case that needs it
    assert cases.form_data(parts["T-VACC"])["contact"] == "13900000001"
    id_cards = db_session.scalars(select(CaseFile).where(CaseFile.filename == "父母双方居民身份证.pdf")).all()
    assert {f.case_id for f in id_cards} == {parts["T-CERT"].id, parts["T-HUKOU"].id}
    assert {f.material_key for f in id_cards} == {"m1", "m2"}  # 出生医学证明's m1, 出生登记's m2
    # each agency's own acceptance queue shows its parts, and only its parts
    police = fx.Posts(db_session, clock, world.police)
    health = fx.Posts(db_session, clock, world.health)
    police_queue = queues.listing(db_session=db_session, clock=clock, actor=police.acceptor, name="accept")
    health_queue = queues.listing(db_session=db_session, clock=clock, actor=health.acceptor, name="accept")
    assert [r.case.id for r in police_queue.rows] == [parts["T-HUKOU"].id]
    assert {r.case.id for r in health_queue.rows} == {parts["T-CERT"].id, parts["T-VACC"].id}
    assert [b.id for b in bundles.lead_queue(db_session=db_session, actor=health.acceptor)] == [bundle_case.id]
    assert bundles.lead_queue(db_session=db_session, actor=police.acceptor) == []


@pytest.mark.req("BND-07")
def test_a_part_refused_at_submission_leaves_nothing_behind(db_session, clock, world):
    person = fx.person(db_session, clock)
    plan = make_plan(db_session=db_session, clock=clock, bundle_id=world.bundle_id, answers=fx.ANSWERS)  # the person starts
    world.items["T-HUKOU"].status = "stopped"  # … and the last item is withdrawn before they submit
    db_session.commit()
    before = _count(db_session, Case.id)
    with pytest.raises(InvalidInput) as refused:
        fx.submit(db_session, clock, world, person, plan=plan)  # the first two parts are written before the third fails
    db_session.rollback()
    assert "出生登记" in refused.value.message and "不能申请" in refused.value.message
    assert _count(db_session, BundleCase.id) == 0 and _count(db_session, BundlePart.id) == 0
    assert _count(db_session, Case.id) == before == 0
    assert _count(db_session, CaseFile.id) == 0
    # made afresh, the plan itself names the withdrawn item
    with pytest.raises(InvalidInput) as again:
        fx.submit(db_session, clock, world, person)
    assert "出生登记" in again.value.message


@pytest.mark.req("BND-07")
def test_a_bad_merged_value_or_file_is_refused_whole(db_session, clock, world):
    person = fx.person(db_session, clock)
    db_session.commit()
    plan = make_plan(db_session=db_session, clock=clock, bundle_id=world.bundle_id, answers=fx.ANSWERS)
    with pytest.raises(InvalidInput) as bad_form:
        fx.submit(db_session, clock, world, person, plan=plan, form={})
    assert bad_form.value.code == "FORM_INVALID" and "baby_name" in bad_form.value.details
    db_session.rollback()
    files = [u for u in fx.uploads(plan) if u.material_key != "m5"]  # 户口簿 left out: only 出生登记 needs it
    with pytest.raises(InvalidInput) as missing:
        fx.submit(db_session, clock, world, person, plan=plan, uploads=files)
    assert "出生登记" in missing.value.message and "户口簿" in missing.value.message
    db_session.rollback()
    exe = [Upload("m1", "身份证.pdf", b"MZ\x90\x00")]
    with pytest.raises(InvalidInput):
        fx.submit(db_session, clock, world, person, plan=plan, uploads=exe)
    db_session.rollback()
    assert _count(db_session, BundleCase.id) == 0 and _count(db_session, Case.id) == 0


@pytest.mark.req("BND-07")
def test_the_same_key_gives_the_same_bundle_case(db_session, clock, world):
    person = fx.person(db_session, clock)
    first = fx.submit(db_session, clock, world, person, key="same-bundle-key-1")
    db_session.commit()
    again = fx.submit(db_session, clock, world, person, key="same-bundle-key-1")
    db_session.commit()
    assert again.id == first.id
    assert _count(db_session, BundleCase.id) == 1 and _count(db_session, Case.id) == 3


@pytest.mark.req("BND-07")
def test_racing_bundle_submissions_with_one_key_make_one_bundle_case(db_session, clock, world):
    person = fx.person(db_session, clock)
    db_session.commit()
    numbers: list[str] = []
    errors: list[Exception] = []

    def apply() -> None:
        session = core_db.session_factory()()
        try:
            row = fx.submit(session, clock, world, person, key="race-bundle-key-1")
            session.commit()
            numbers.append(row.number)
        except Exception as error:  # noqa: BLE001 - the test reports it
            errors.append(error)
        finally:
            session.close()

    threads = [threading.Thread(target=apply) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert len(numbers) == 3 and len(set(numbers)) == 1
    assert _count(db_session, BundleCase.id) == 1 and _count(db_session, BundlePart.id) == 3
    assert _count(db_session, Case.id) == 3


@pytest.mark.req("BND-07")
def test_one_acceptance_by_the_lead_window_starts_what_the_order_allows(db_session, clock, world):
    person = fx.person(db_session, clock)
    health, police = fx.Posts(db_session, clock, world.health), fx.Posts(db_session, clock, world.police)
    bundle_case = fx.submit(db_session, clock, world, person)
    parts = _parts(db_session, bundle_case)
    # no agency accepts its part alone, and the later stage waits for the item it follows
    with pytest.raises(Conflict) as alone:
        handling.accept(db_session=db_session, clock=clock, actor=health.acceptor, case=parts["T-VACC"])
    assert alone.value.code == "BUNDLE_ONE_ACCEPTANCE"
    with pytest.raises(Conflict) as early:
        handling.accept(db_session=db_session, clock=clock, actor=police.acceptor, case=parts["T-HUKOU"])
    assert early.value.code == "BUNDLE_ORDER" and "出生医学证明首次签发" in early.value.message
    with pytest.raises(DomainError):  # a cooperating agency is not the lead window
        bundles.accept(db_session=db_session, clock=clock, actor=police.acceptor, bundle_case=bundle_case)
    bundles.accept(db_session=db_session, clock=clock, actor=health.acceptor, bundle_case=bundle_case)
    assert parts["T-CERT"].state == parts["T-VACC"].state == CaseState.accepted.value
    assert parts["T-HUKOU"].state == CaseState.submitted.value
    assert bundle_case.state == "accepted" and bundle_case.accepted_by == health.acceptor.ref
    # when the item it follows is approved, the later part starts by itself under the one acceptance
    fx.decide(db_session, clock, health, parts["T-CERT"])
    assert parts["T-HUKOU"].state == CaseState.accepted.value
    assert parts["T-HUKOU"].accepted_at is not None
    assert bundle_case.state == "accepted"
    db_session.commit()


@pytest.mark.req("BND-07")
def test_a_cooperating_agencys_later_part_starts_under_the_lead_windows_acceptance(db_session, clock, world):
    """出生登记 (公安) follows 出生医学证明 (卫生健康): it starts under the health lead window's acceptance."""
    person = fx.person(db_session, clock)
    health, police = fx.Posts(db_session, clock, world.health), fx.Posts(db_session, clock, world.police)
    bundle_case = fx.submit(db_session, clock, world, person)
    parts = _parts(db_session, bundle_case)
    bundles.accept(db_session=db_session, clock=clock, actor=health.acceptor, bundle_case=bundle_case)
    fx.decide(db_session, clock, health, parts["T-CERT"])
    # 出生登记 (公安) was accepted under the health lead window's acceptance and is the police's to decide
    events = [e for e in cases.lifecycle.events_of(db_session=db_session, case_id=parts["T-HUKOU"].id) if e.kind == "accepted"]
    assert events and events[0].actor_ref == health.acceptor.ref
    fx.decide(db_session, clock, police, parts["T-HUKOU"])
    assert parts["T-HUKOU"].state == CaseState.approved.value


@pytest.mark.req("BND-07")
def test_a_part_in_supplement_holds_the_bundle_and_names_the_part(db_session, clock, world):
    person = fx.person(db_session, clock)
    health = fx.Posts(db_session, clock, world.health)
    bundle_case = fx.submit(db_session, clock, world, person)
    parts = _parts(db_session, bundle_case)
    handling.request_supplement(db_session=db_session, clock=clock, actor=health.acceptor, case=parts["T-VACC"],
                                missing=[handling.Missing("m2", "身份证复印件不清晰，请重新上传")])
    assert bundle_case.state == "held"
    assert "预防接种证办理" in bundle_case.state_note and "身份证复印件不清晰" in bundle_case.state_note
    assert any("暂停办理" in m and "预防接种证办理" in m for m in _messages(db_session, person))
    with pytest.raises(Conflict) as held:
        bundles.accept(db_session=db_session, clock=clock, actor=health.acceptor, bundle_case=bundle_case)
    assert held.value.code == "BUNDLE_HELD" and "预防接种证办理" in held.value.message
    views = bundles.views(db_session=db_session, bundle_case=bundle_case)
    assert [v.hold != "" for v in views] == [False, True, False]
    cases.supplement(db_session=db_session, clock=clock, case=parts["T-VACC"], uploads=[Upload("m2", "身份证.pdf", fx.PDF)],
                     actor_ref=f"person:{person.id}", actor_name=person.name)
    assert bundle_case.state == "submitted" and bundle_case.state_note == ""
    bundles.accept(db_session=db_session, clock=clock, actor=health.acceptor, bundle_case=bundle_case)
    assert bundle_case.state == "accepted"


@pytest.mark.req("BND-07")
def test_a_refused_part_holds_the_bundle_with_its_reason(db_session, clock, world):
    person = fx.person(db_session, clock)
    police = fx.Posts(db_session, clock, world.police)
    bundle_case = fx.submit(db_session, clock, world, person)
    parts = _parts(db_session, bundle_case)
    handling.refuse(db_session=db_session, clock=clock, actor=police.acceptor, case=parts["T-HUKOU"],
                    reasons="新生儿父母户籍均不在本辖区")
    assert bundle_case.state == "held"
    assert "出生登记" in bundle_case.state_note and "不予受理" in bundle_case.state_note
    assert "父母户籍均不在本辖区" in bundle_case.state_note
    assert any("出生登记" in m and "父母户籍均不在本辖区" in m for m in _messages(db_session, person))


@pytest.mark.req("BND-07")
def test_results_are_delivered_only_together(db_session, clock, world):
    person = fx.person(db_session, clock)
    health, police = fx.Posts(db_session, clock, world.health), fx.Posts(db_session, clock, world.police)
    bundle_case = fx.submit(db_session, clock, world, person)
    parts = _parts(db_session, bundle_case)
    bundles.accept(db_session=db_session, clock=clock, actor=health.acceptor, bundle_case=bundle_case)
    fx.decide(db_session, clock, health, parts["T-CERT"])
    fx.decide(db_session, clock, health, parts["T-VACC"])
    assert parts["T-CERT"].state == CaseState.approved.value
    with pytest.raises(Conflict) as alone:  # one result is not handed over alone
        delivery.downloaded(db_session=db_session, clock=clock, case=parts["T-CERT"], actor_ref=f"person:{person.id}",
                            actor_name=person.name)
    assert alone.value.code == "DELIVERY_HELD" and bundle_case.number in alone.value.message
    with pytest.raises(Conflict):
        together.take_all(db_session=db_session, clock=clock, actor=_person_actor(person), bundle_case=bundle_case)
    fx.decide(db_session, clock, police, parts["T-HUKOU"])
    assert bundle_case.state == "ready"
    assert any("全部办结" in m for m in _messages(db_session, person))
    with pytest.raises(Conflict):  # still not one alone, now that all are ready: they go out together
        delivery.downloaded(db_session=db_session, clock=clock, case=parts["T-VACC"], actor_ref=f"person:{person.id}",
                            actor_name=person.name)
    together.take_all(db_session=db_session, clock=clock, actor=_person_actor(person), bundle_case=bundle_case)
    assert bundle_case.state == "delivered" and bundle_case.delivered_at is not None
    assert all(c.state == CaseState.delivered.value for c in parts.values())
    assert sum("已统一送达" in m for m in _messages(db_session, person)) == 1
    db_session.commit()


@pytest.mark.req("BND-07")
def test_a_person_cannot_see_another_persons_bundle_case(db_session, clock, world):
    owner, stranger = fx.person(db_session, clock), fx.person(db_session, clock, name="李四")
    bundle_case = fx.submit(db_session, clock, world, owner)
    mine = bundles.for_person(db_session=db_session, clock=clock, actor=_person_actor(owner), number=bundle_case.number)
    assert mine.id == bundle_case.id
    with pytest.raises(NotFound):
        bundles.for_person(db_session=db_session, clock=clock, actor=_person_actor(stranger), number=bundle_case.number)
    assert bundles.mine(db_session=db_session, clock=clock, actor=_person_actor(stranger)) == []
    with pytest.raises(DomainError):  # nor may a stranger take its results
        together.take_all(db_session=db_session, clock=clock, actor=_person_actor(stranger), bundle_case=bundle_case)


def _person_actor(person):
    from tongban.accounts.access import PersonActor

    return PersonActor(person_id=person.id, name=person.name, id_kind="resident_id")


@pytest.mark.req("BND-07")
def test_the_comprehensive_window_of_the_management_agency_accepts_any_bundle_of_its_region(db_session, clock, world):
    person = fx.person(db_session, clock)
    window = fx.Posts(db_session, clock, world.management)  # 政务服务管理局: is_management
    insurance = fx.Posts(db_session, clock, world.insurance)  # neither the lead nor a part's agency here
    bundle_case = fx.submit(db_session, clock, world, person)
    assert [b.id for b in bundles.lead_queue(db_session=db_session, actor=window.acceptor)] == [bundle_case.id]
    assert bundles.lead_queue(db_session=db_session, actor=insurance.acceptor) == []
    with pytest.raises(DomainError):
        bundles.accept(db_session=db_session, clock=clock, actor=insurance.acceptor, bundle_case=bundle_case)
    bundles.accept(db_session=db_session, clock=clock, actor=window.acceptor, bundle_case=bundle_case)
    assert {c.state for code, c in _parts(db_session, bundle_case).items() if code != "T-HUKOU"} == {CaseState.accepted.value}


@pytest.mark.req("BND-07")
def test_one_on_site_check_and_the_paper_and_electronic_results_together(db_session, clock):
    from datetime import timedelta

    from tongban.cases import decisions

    bundle_id, first, second = fx.small_bundle(db_session, clock)
    person = fx.person(db_session, clock)
    lead, other = fx.Posts(db_session, clock, first), fx.Posts(db_session, clock, second)
    world = type("W", (), {"bundle_id": bundle_id})
    row = fx.submit(db_session, clock, world, person, answers={"go": "yes"}, delivery_method="window_pickup")
    db_session.commit()
    parts = _parts(db_session, row)
    assert parts["S-ONE"].delivery_method == "window_pickup"
    assert parts["S-TWO"].delivery_method == "online_download"  # 乙 offers only download: its own way
    assert bundles.needs_on_site(db_session=db_session, bundle_case=row) == ["甲证明"]
    with pytest.raises(InvalidInput) as no_time:
        bundles.accept(db_session=db_session, clock=clock, actor=lead.acceptor, bundle_case=row)
    assert "甲证明" in no_time.value.message
    db_session.rollback()
    row = db_session.get(BundleCase, row.id)
    parts = _parts(db_session, row)
    bundles.accept(db_session=db_session, clock=clock, actor=lead.acceptor, bundle_case=row, on_site="区政务服务中心3号窗口",
                   on_site_at=clock.now() + timedelta(days=1))
    assert {c.state for c in parts.values()} == {CaseState.accepted.value}
    with pytest.raises(Conflict):  # approval waits for the check of originals
        decisions.decide(db_session=db_session, clock=clock, actor=lead.decider, case=parts["S-ONE"], approve=True)
    assert bundles.originals_checked(db_session=db_session, clock=clock, actor=lead.acceptor, bundle_case=row) == 1
    decisions.decide(db_session=db_session, clock=clock, actor=lead.decider, case=parts["S-ONE"], approve=True)
    decisions.decide(db_session=db_session, clock=clock, actor=other.decider, case=parts["S-TWO"], approve=True)
    assert row.state == "ready"
    together.take_all(db_session=db_session, clock=clock, actor=_person_actor(person), bundle_case=row)
    assert row.state == "ready" and parts["S-TWO"].state == CaseState.delivered.value
    with pytest.raises(InvalidInput):  # the collector's ID is checked
        together.hand_over(db_session=db_session, clock=clock, actor=lead.dispatcher, bundle_case=row)
    with pytest.raises(DomainError):  # another agency's window does not hand the bundle over
        together.hand_over(db_session=db_session, clock=clock, actor=other.dispatcher, bundle_case=row, id_kind="resident_id",
                           id_number=person.id_number)
    together.hand_over(db_session=db_session, clock=clock, actor=lead.dispatcher, bundle_case=row, id_kind="resident_id",
                       id_number=person.id_number)
    assert row.state == "delivered" and parts["S-ONE"].state == CaseState.delivered.value
    assert sum("已统一送达" in m for m in _messages(db_session, person)) == 1


@pytest.mark.req("BND-07")
def test_a_denied_earlier_part_ends_the_parts_that_follow_it_and_the_rest_go_out_together(db_session, clock, world):
    """出生登记 follows 出生医学证明: when the certificate is denied, the registration can never start. It is closed with
    the reason instead of waiting for ever, and the vaccination booklet still goes out."""
    person = fx.person(db_session, clock)
    health = fx.Posts(db_session, clock, world.health)
    bundle_case = fx.submit(db_session, clock, world, person)
    parts = _parts(db_session, bundle_case)
    bundles.accept(db_session=db_session, clock=clock, actor=health.acceptor, bundle_case=bundle_case)
    fx.decide(db_session, clock, health, parts["T-CERT"], approve=False, reasons="出生医学证明信息与医院记录不符")
    assert parts["T-HUKOU"].state == CaseState.withdrawn.value
    closing = [e for e in cases.lifecycle.events_of(db_session=db_session, case_id=parts["T-HUKOU"].id)
               if e.kind == "withdrawn"][0]
    assert closing.actor_ref == "system" and "出生医学证明首次签发" in closing.reason and "不予许可" in closing.reason
    assert bundle_case.state == "held" and "出生医学证明首次签发" in bundle_case.state_note
    fx.decide(db_session, clock, health, parts["T-VACC"])
    assert bundle_case.state == "ready"  # what could be done is delivered, together
    assert any("全部办结" in m and "不予许可" in m for m in _messages(db_session, person))
    db_session.commit()


@pytest.mark.req("BND-07")
def test_the_person_withdraws_the_whole_bundle_and_what_was_decided_still_goes_out(db_session, clock, world):
    person = fx.person(db_session, clock)
    health = fx.Posts(db_session, clock, world.health)
    actor = _person_actor(person)
    first = fx.submit(db_session, clock, world, person)
    bundles.withdraw(db_session=db_session, clock=clock, actor=actor, bundle_case=first, reason="孩子随父母回老家登记")
    assert first.state == "withdrawn"
    assert {c.state for c in _parts(db_session, first).values()} == {CaseState.withdrawn.value}
    with pytest.raises(Conflict) as again:
        bundles.withdraw(db_session=db_session, clock=clock, actor=actor, bundle_case=first)
    assert again.value.code == "BUNDLE_NOT_WITHDRAWABLE"
    stranger = _person_actor(fx.person(db_session, clock, name="李四"))
    second = fx.submit(db_session, clock, world, person)
    with pytest.raises(NotFound):
        bundles.withdraw(db_session=db_session, clock=clock, actor=stranger, bundle_case=second)
    parts = _parts(db_session, second)
    bundles.accept(db_session=db_session, clock=clock, actor=health.acceptor, bundle_case=second)
    fx.decide(db_session, clock, health, parts["T-VACC"])
    bundles.withdraw(db_session=db_session, clock=clock, actor=actor, bundle_case=second)
    assert parts["T-VACC"].state == CaseState.approved.value  # decided: not withdrawn, still delivered
    assert parts["T-CERT"].state == parts["T-HUKOU"].state == CaseState.withdrawn.value
    assert second.state == "ready"
    db_session.commit()
