"""Fuzzing an API from its own OpenAPI schema with schemathesis and Hypothesis: the answer is never a 5xx, and its
status and content type are ones the schema documents for the operation (so generated clients can rely on it)."""

from __future__ import annotations

import os

import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, status_code_conformance

from tongban.accounts import sessions
from tongban.core import db as core_db

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance]

# Small and derandomized: the file must stay well under a minute and fail the same way on every run. Most of the time
# goes into generating the inputs (Hypothesis and schemathesis), which is the same whatever the database; the
# PostgreSQL suite, which repeats every operation, draws 6 derandomized inputs per operation (Hypothesis starts from
# the simplest and the boundary values: empty, huge and negative numbers, long texts), the SQLite suite 15.
EXAMPLES = 6 if os.environ.get("TONGBAN_TEST_DATABASE_URL") else 15
FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                suppress_health_check=list(HealthCheck))


class Credentials:
    """A fresh person token for every call, so a fuzzed logout or password change cannot starve later calls."""

    def __init__(self, clock, person_id: int, staff_token: str, staff_prefixes: tuple[str, ...] = ("/api/v1/staff",)) -> None:
        self.clock, self.person_id, self.staff_token, self.staff_prefixes = clock, person_id, staff_token, staff_prefixes

    def headers_for(self, path: str) -> dict:
        if path.startswith(self.staff_prefixes):
            return {"Authorization": f"Bearer {self.staff_token}"}
        with core_db.session_scope() as session:
            new = sessions.open_session(db_session=session, clock=self.clock, subject_kind="person",
                                        subject_id=self.person_id, transport="bearer")
        return {"Authorization": f"Bearer {new.token}"}


def fuzz(app, path_regex: str, headers_for=lambda path: {}) -> list[str]:
    """Every matching operation, valid and invalid inputs mixed; one line per operation that broke, with its input."""
    # schemathesis.pytest.from_fixture would be the usual route, but with pytest 9 its lazy runner fails on the
    # removed Function._nodeid, so the operations are driven here with Hypothesis directly.
    schema = schemathesis.openapi.from_asgi("/openapi.json", app).include(path_regex=path_regex)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert operations, f"no operation matches {path_regex}"
    failures: list[str] = []
    for operation in operations:
        cases = st.one_of(operation.as_strategy(generation_mode=GenerationMode.POSITIVE),
                          operation.as_strategy(generation_mode=GenerationMode.NEGATIVE))
        last_failing: list[str] = []

        @FUZZ
        @given(case=cases)
        def run(case):
            try:
                case.call_and_validate(headers=headers_for(case.path), checks=CHECKS)
            except Exception as exc:  # Hypothesis replays the shrunk example last, so this ends as the minimal input
                last_failing[:] = [f"path={case.path_parameters} query={case.query} body={case.body!r}: "
                                   f"{type(exc).__name__}: {str(exc)[:300]}"]
                raise

        try:
            run()
        except Exception:  # keep going: one report naming every operation that answered 5xx
            failures.append(f"{operation.label} {last_failing[0] if last_failing else ''}")
    return failures
