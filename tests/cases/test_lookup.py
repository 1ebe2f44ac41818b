"""我要查 twice over: the page and the API answer every lookup the same way, with one shared attempt limit (SRCH-06)."""

from __future__ import annotations

import pytest

from tests.cases.caseflow import case_item, submit
from tests.factories import make_person
from tongban.cases import lookup


@pytest.fixture
def case(db_session, clock):
    item, _ = case_item(db_session, clock)
    person = make_person(db_session, clock, name="王秀英", phone="13800001234")
    case = submit(db_session, clock, item, person)
    db_session.commit()
    return case


def _page(client, number, digits=""):
    return client.post("/progress", data={"number": number, "digits": digits}).status_code


def _api(client, number, digits=None):
    params = {"number": number} | ({"digits": digits} if digits else {})
    return client.get("/api/v1/case-progress", params=params).status_code


@pytest.mark.req("SRCH-06")
@pytest.mark.parametrize("number_of, digits, expected", [
    (lambda c: c.case_number, "", 200),            # the number alone: public progress
    (lambda c: c.case_number, "1234", 200),        # the phone's last four: details too
    (lambda c: c.case_number, "0000", 403),        # wrong digits
    (lambda c: "511600209912310000000", "", 404),  # no such case
])
def test_the_page_and_the_api_answer_a_lookup_alike(client, case, number_of, digits, expected):
    number = number_of(case)
    assert _page(client, number, digits) == _api(client, number, digits) == expected


@pytest.mark.req("SRCH-06")
def test_the_digit_limit_is_one_limit_for_the_page_and_the_api(client, case):
    """Ten wrong guesses per case number an hour, wherever they come from: five through the page and five through
    the API use it up, and then the right digits are refused on both (the number alone still shows progress)."""
    wrong = [f"{n:04d}" for n in range(10)]
    assert [_page(client, case.case_number, d) for d in wrong[:5]] == [403] * 5
    assert [_api(client, case.case_number, d) for d in wrong[5:]] == [403] * 5
    assert _api(client, case.case_number, "1234") == _page(client, case.case_number, "1234") == 429
    assert _api(client, case.case_number) == _page(client, case.case_number) == 200


@pytest.mark.req("SRCH-06")
def test_the_limit_lives_in_the_database_not_in_a_process(client, app, case, db_session, clock):
    """A second app (another worker process) sees the guesses the first one counted."""
    from fastapi.testclient import TestClient

    from tongban.app import create_app

    for n in range(lookup.DIGITS_PER_CASE.max):
        assert _api(client, case.case_number, f"{n:04d}") == 403
    with TestClient(create_app(clock=clock), raise_server_exceptions=False) as other:
        assert _api(other, case.case_number, "1234") == 429


@pytest.mark.req("SRCH-06")
def test_an_address_cannot_walk_the_case_numbers(client, case, clock):
    for n in range(lookup.LOOKUPS_FROM.max - 1):
        assert _api(client, f"5116002099123100{n:05d}") == 404
    assert _api(client, case.case_number) == 200
    refused = client.get("/api/v1/case-progress", params={"number": case.case_number})
    assert refused.status_code == 429 and refused.json()["error"]["code"] == "PROGRESS_TOO_MANY"
    assert _page(client, case.case_number) == 429
    clock.advance(hours=1)
    assert _api(client, case.case_number) == 200


@pytest.mark.req("SRCH-06")
def test_public_progress_carries_no_personal_data_and_the_digits_unlock_masked_details(client, case):
    public = client.get("/api/v1/case-progress", params={"number": case.case_number}).json()
    assert public["details"] is None and "王" not in str(public)
    details = client.get("/api/v1/case-progress", params={"number": case.case_number, "digits": "1234"}).json()["details"]
    assert details["applicant_name"] == "王**" and details["contact_phone"] == "138****1234"
    assert details["materials"] and {m["status_label"] for m in details["materials"]} <= {"已提交", "免提交", "缺少"}
