"""The accounts' read interface for other domains (issue 20 §2): active staff with their actors."""

from __future__ import annotations

from tongban.accounts import reads
from tongban.accounts.access import StaffRole

from tests.factories import make_agency, make_staff


def test_active_staff_come_with_their_actor_and_phone_and_disabled_ones_are_left_out(db_session, clock):
    agency = make_agency(db_session)
    on, _ = make_staff(db_session, clock, roles=["reviewer"], agency=agency, phone="13800000123")
    off, _ = make_staff(db_session, clock, roles=["reviewer"], agency=agency)
    off.status = "disabled"
    db_session.flush()
    found = {s.id: s for s in reads.active_staff(db_session=db_session)}
    assert on.id in found and off.id not in found
    contact = found[on.id]
    assert (contact.agency_id, contact.phone, contact.actor.staff_id) == (agency.id, "13800000123", on.id)
    assert StaffRole.reviewer in contact.actor.roles
    assert reads.actor_by_username(db_session=db_session, username=on.username).staff_id == on.id
    assert reads.actor_by_username(db_session=db_session, username="nobody-here") is None
