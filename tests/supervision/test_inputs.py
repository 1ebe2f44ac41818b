"""Wrong input on every supervision route gets a 4xx with a Chinese message, never a 500 (SUP-03, SUP-04)."""

from __future__ import annotations

import re

import pytest

from tests.cases.caseflow import staff_headers
from tests.supervision.supflow import supervisor

ODD = ["", "0", "-1", "abc", "2026-02-30", "9" * 30, "５１１６００", "'; drop table case_record; --", "%00", "2026/11/01"]
GETS = {
    "/api/v1/supervision/monitor": ("level", "agency_id", "region"),
    "/api/v1/supervision/stats": ("dimension", "start", "end", "agency_id", "region"),
    "/api/v1/supervision/stats.csv": ("dimension", "start", "end"),
    "/api/v1/supervision/flags": ("start", "end", "agency_id", "region"),
    "/staff/supervision": ("agency", "region"),
    "/staff/supervision/monitor": ("agency", "region", "level"),
    "/staff/supervision/stats": ("dimension", "start", "end", "agency", "region"),
    "/staff/supervision/stats.csv": ("dimension", "start", "end", "agency", "region"),
}
CHINESE = re.compile(r"[\u4e00-\u9fff]")


@pytest.mark.req("SUP-04")
def test_odd_query_values_never_break_a_page_or_the_api(client, db_session, clock):
    _, token, _ = supervisor(db_session, clock)
    db_session.commit()
    me = staff_headers(token)
    for path, names in GETS.items():
        for name in names:
            for value in ODD:
                response = client.get(path, params={name: value}, headers=me)
                assert response.status_code < 500, (path, name, value, response.text[:200])
                if response.status_code >= 400:
                    message = response.json()["error"]["message"] if path.startswith("/api/") else response.text
                    assert CHINESE.search(message), (path, name, value)


@pytest.mark.req("SUP-06")
def test_odd_bodies_never_break_the_write_api(client, db_session, clock):
    _, token, _ = supervisor(db_session, clock)
    db_session.commit()
    me = staff_headers(token)
    bodies = [{}, [], {"started_at": "x"}, {"started_at": "2026-11-01T09:00:00", "ended_at": "2026-11-01T10:00:00",
                                             "cause": "fault", "description": "x" * 3000},
              {"started_at": "2026-11-01T09:00:00+08:00", "ended_at": "2026-11-01T10:00:00+08:00", "cause": "fault",
               "description": "故障", "agency_id": 2**31 - 1}]
    for body in bodies:
        response = client.post("/api/v1/supervision/faults", json=body, headers=me)
        assert 400 <= response.status_code < 500 and CHINESE.search(response.json()["error"]["message"]), body
    for body in [{}, {"case_number": "", "kind": "x", "note": ""}, {"case_number": "1", "kind": "decision_revoked", "note": "x"}]:
        response = client.post("/api/v1/supervision/errors", json=body, headers=me)
        assert 400 <= response.status_code < 500, body
    response = client.put("/api/v1/supervision/items/2147483647/warning-rule", json={"days": 3}, headers=me)
    assert response.status_code == 404 and CHINESE.search(response.json()["error"]["message"])
