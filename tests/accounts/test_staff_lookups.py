"""Staff look-ups of people and of cases by ID number: only the posts that need them, and every look audited
(issue 25 §5; ACC-12, CASE-05)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.cases.caseflow import case_item, staff_headers, submit
from tests.factories import make_actor, make_agency, make_person
from tongban.core.models import AuditEntry


def _audit(db_session, action: str) -> list[AuditEntry]:
    db_session.expire_all()
    return list(db_session.scalars(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.seq)))


@pytest.mark.req("ACC-12")
def test_a_window_acceptor_cannot_walk_person_accounts_by_id(client, db_session, clock):
    people = [make_person(db_session, clock, name=f"市民{n}", phone=f"1390000020{n}") for n in range(3)]
    _, acceptor = make_actor(db_session, clock, role="acceptor", agency=make_agency(db_session))
    db_session.commit()
    # Old code: 200 with name, masked ID and phone for every sequential id, for any acceptor of any agency.
    answers = [client.get(f"/api/v1/staff/persons/{p.id}", headers=staff_headers(acceptor)) for p in people]
    assert {(r.status_code, r.json()["error"]["code"]) for r in answers} == {(403, "NOT_PERMITTED")}


@pytest.mark.req("ACC-12")
def test_the_hotline_looks_a_person_up_and_every_look_is_audited(client, db_session, clock):
    person = make_person(db_session, clock, name="王五", phone="13900000210")
    hotline, token = make_actor(db_session, clock, role="consultant", region_code="511600")
    db_session.commit()
    seen = client.get(f"/api/v1/staff/persons/{person.id}", headers=staff_headers(token))
    assert seen.status_code == 200 and seen.json()["phone_masked"] == "139****0210"
    entries = _audit(db_session, "person.staff_view")
    assert [(e.actor, e.object_id) for e in entries] == [(hotline.ref, str(person.id))]  # old code: no trace


@pytest.mark.req("CASE-05")
def test_a_window_finds_by_id_number_only_the_cases_of_its_own_agency(client, db_session, clock):
    item, agency = case_item(db_session, clock)
    other_agency = make_agency(db_session, name="广安区民政局")
    person = make_person(db_session, clock, phone="13900000211")
    case = submit(db_session, clock, item, person)
    _, own = make_actor(db_session, clock, role="acceptor", agency=agency)
    stranger, foreign = make_actor(db_session, clock, role="acceptor", agency=other_agency)
    _, hotline = make_actor(db_session, clock, role="consultant", region_code="511600")
    db_session.commit()

    def found(token: str) -> list[str]:
        response = client.get("/api/v1/staff/case-lookup", params={"id_number": person.id_number}, headers=staff_headers(token))
        assert response.status_code == 200, response.text
        return [c["case_number"] for c in response.json()]

    assert found(own) == [case.case_number] and found(hotline) == [case.case_number]
    assert found(foreign) == []  # old code: another department's window saw this person's cases
    by_number = client.get("/api/v1/staff/case-lookup", params={"number": case.case_number}, headers=staff_headers(foreign))
    assert by_number.status_code == 404
    entries = _audit(db_session, "case.staff_lookup")
    assert len(entries) == 4 and person.id_number not in "".join(e.details for e in entries)
    assert [e.actor for e in entries][2:] == [stranger.ref] * 2
