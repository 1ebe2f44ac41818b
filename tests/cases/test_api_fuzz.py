"""Property-based fuzzing of the cases API (applicant, workbench, public progress, payments, lockers, verification)
from its own OpenAPI schema: whatever a client sends, the answer is never a 5xx. Public routes run anonymously;
applicant routes with a person's token and workbench routes with an admin's, over a case that exists."""

from __future__ import annotations

from tests.fuzzing import Credentials, fuzz
from tests.cases.caseflow import approved_case
from tests.factories import make_actor

PUBLIC_PATHS = r"^/api/v1/(case-progress|payments/callback|lockers/pickup|verify)(/|$)"
SIGNED_IN_PATHS = r"^/api/v1/(cases|staff/cases|staff/case-lookup)(/|$)|^/api/v1/items/\{item_id\}/application$"


def test_public_case_routes_never_fail_on_the_server(app, db_session, clock):
    approved_case(db_session, clock)
    db_session.commit()
    failures = fuzz(app, PUBLIC_PATHS)
    assert not failures, "\n\n".join(failures)


def test_applicant_and_workbench_routes_never_fail_on_the_server(app, db_session, clock):
    case, person, _staff = approved_case(db_session, clock)
    _, staff_token = make_actor(db_session, clock, role="admin", region_code="510000")
    db_session.commit()
    failures = fuzz(app, SIGNED_IN_PATHS, Credentials(clock, person.id, staff_token).headers_for)
    assert not failures, "\n\n".join(failures)
