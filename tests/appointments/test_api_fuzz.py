"""Property-based fuzzing of the booking, queue and map API from its own OpenAPI schema: whatever a citizen, a window,
a ticket machine or anybody sends, the answer is never a 5xx (APPT-01, APPT-09, MAP-01)."""

from __future__ import annotations

from tests.factories import make_actor, make_hall, make_item, make_person
from tests.fuzzing import Credentials, fuzz

PUBLIC_PATHS = r"^/api/v1/(halls|tickets)(/|$)"
KIOSK_PATHS = r"^/api/v1/halls/\{hall_id\}/kiosk/"
SIGNED_IN_PATHS = r"^/api/v1/(appointments|home-visits|halls/\{hall_id\}/tickets|staff/(halls|windows|tickets|appointments|home-visits))(/|$)"


# Robustness, not APPT-01/APPT-09/MAP-01 themselves: no req tags, so those name tests of substance.
def test_booking_queue_and_map_routes_never_fail_on_the_server(app, db_session, clock, enroll_kiosk):
    item = make_item(db_session, clock)
    hall, _, _ = make_hall(db_session, clock, items=[item])
    _, kiosk_token = enroll_kiosk(hall)
    person = make_person(db_session, clock)
    _, token = make_actor(db_session, clock, role="admin", region_code="510000")
    db_session.commit()
    assert not (failures := fuzz(app, PUBLIC_PATHS)), "\n\n".join(failures)  # anonymous
    failures = fuzz(app, SIGNED_IN_PATHS, Credentials(clock, person.id, token).headers_for)
    assert not failures, "\n\n".join(failures)
    assert not (failures := fuzz(app, KIOSK_PATHS, lambda path: {"X-Kiosk-Token": kiosk_token})), "\n\n".join(failures)
