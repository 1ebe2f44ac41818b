"""Property-based fuzzing of the supervision API from its own OpenAPI schema: whatever a supervisor (or anybody)
sends, the answer is never a 5xx (SUP-04)."""

from __future__ import annotations

from tests.cases.caseflow import approved_case
from tests.factories import make_actor
from tests.fuzzing import Credentials, fuzz

PATHS = r"^/api/v1/supervision(/|$)"


# Robustness, not SUP-04 itself: no req tag, so the requirement tags name tests of substance.
def test_supervision_routes_never_fail_on_the_server(app, db_session, clock):
    case, person, _staff = approved_case(db_session, clock)
    _, token = make_actor(db_session, clock, role="supervisor", region_code="510000")
    db_session.commit()
    assert not (failures := fuzz(app, PATHS)), "\n\n".join(failures)  # anonymous
    credentials = Credentials(clock, person.id, token, staff_prefixes=("/api/v1/supervision",))
    failures = fuzz(app, PATHS, credentials.headers_for)
    assert not failures, "\n\n".join(failures)
