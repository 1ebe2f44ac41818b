"""The cases' read interface for other domains (issue 20 §2): cases as frozen facts without the applicant."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime, time, timezone

import pytest

from tongban.cases import clocks, reads
from tongban.cases.enums import CaseState, EventKind
from tongban.core.clock import SHANGHAI

from tests.factories import make_agency
from tests.supervision.supflow import Desk, set_day


def bound(day: date) -> datetime:
    return datetime.combine(day, time(), SHANGHAI).astimezone(timezone.utc)


@pytest.fixture
def desks(db_session, clock):
    a = Desk(db_session, clock, agency=make_agency(db_session, region_code="511602"))
    b = Desk(db_session, clock, agency=make_agency(db_session, region_code="510700"))
    return a, b


def test_facts_carry_no_applicant_data_and_nothing_is_decrypted(db_session, clock, desks, monkeypatch):
    from tongban.core.crypto import Keyring

    a, _ = desks
    case = a.accepted(date(2026, 10, 12))
    db_session.commit()
    db_session.expunge_all()
    decrypted = []
    real = Keyring.decrypt
    monkeypatch.setattr(Keyring, "decrypt", lambda self, stored: decrypted.append(1) or real(self, stored))
    facts = reads.cases_by_id(db_session=db_session, case_ids=[case.id])[case.id]
    assert decrypted == []
    assert (facts.case_number, facts.agency_id, facts.state) == (case.case_number, a.agency.id, CaseState.under_review.value)
    assert not {"applicant_name", "applicant_identifier", "contact_phone", "form_data"} & {f.name for f in dataclasses.fields(facts)}
    with pytest.raises(dataclasses.FrozenInstanceError):
        facts.state = "approved"  # type: ignore[misc]


def test_a_cases_clocks_reckoned_from_its_facts_are_those_of_the_case(db_session, clock, desks):
    a, _ = desks
    case = a.accepted(date(2026, 10, 12))
    set_day(clock, date(2026, 10, 20))
    facts = reads.cases_by_id(db_session=db_session, case_ids=[case.id])[case.id]
    assert clocks.compute(db_session=db_session, clock=clock, case=facts) == clocks.compute(db_session=db_session, clock=clock, case=case)
    assert (facts.promised_due, facts.legal_due) == (case.promised_due, case.legal_due)


def test_cases_are_read_by_region_agency_state_and_period(db_session, clock, desks):
    a, b = desks
    early = a.decide(a.accepted(date(2026, 10, 12)), date(2026, 10, 14))
    running = a.accepted(date(2026, 11, 2))
    far = b.accepted(date(2026, 11, 3))
    ids = [early.id, running.id, far.id]
    assert set(reads.cases_by_id(db_session=db_session, case_ids=ids, region_prefix="5116")) == {early.id, running.id}
    assert set(reads.cases_by_id(db_session=db_session, case_ids=ids, agency_id=b.agency.id)) == {far.id}
    under_review = [CaseState.under_review.value]
    assert [c.id for c in reads.cases_in_states(db_session=db_session, states=under_review)] == [running.id, far.id]
    assert [c.id for c in reads.cases_in_states(db_session=db_session, states=under_review, limit=1)] == [running.id]
    assert [c.id for c in reads.running_cases(db_session=db_session, states=under_review)] == [running.id, far.id]
    # November only, end exclusive: the October case is out, and so is a case of the day after the period
    november = reads.cases_active_between(db_session=db_session, start=bound(date(2026, 11, 1)), end=bound(date(2026, 11, 3)))
    assert [c.id for c in november] == [running.id]
    october = reads.cases_active_between(db_session=db_session, start=bound(date(2026, 10, 1)),
                                         end=bound(date(2026, 11, 1)), region_prefix="5116")
    assert [c.id for c in october] == [early.id]


def test_events_of_kinds_come_per_case_in_order_with_who_took_them(db_session, clock, desks):
    a, _ = desks
    case = a.decide(a.accepted(date(2026, 10, 12)), date(2026, 10, 14))
    other = a.returned(date(2026, 10, 15))
    kinds = {EventKind.accepted.value, EventKind.approved.value, EventKind.refused.value, EventKind.supplement_requested.value}
    found = reads.events_of_kinds(db_session=db_session, case_ids=[case.id, other.id], kinds=kinds)
    assert [e.kind for e in found[case.id]] == [EventKind.accepted.value, EventKind.approved.value]
    assert [e.kind for e in found[other.id]] == [EventKind.supplement_requested.value, EventKind.refused.value]
    assert found[case.id][0].actor_ref == a.staff.acceptor.ref
    assert reads.events_of_kinds(db_session=db_session, case_ids=[], kinds=kinds) == {}


def test_demo_cases_are_found_by_their_key_prefix(db_session, clock, desks):
    a, _ = desks
    a.accepted(date(2026, 10, 12))
    assert not reads.has_idempotency_prefix(db_session=db_session, prefix="demo-nothing-")
    assert reads.has_idempotency_prefix(db_session=db_session, prefix="test-key-")
