"""Regressions found in review: page markup, statistics per period, faults and rules in scope, CSV cells (SUP-03 … SUP-06)."""

from __future__ import annotations

import re

import pytest

from tests.cases.caseflow import staff_headers
from tests.supervision.supflow import supervisor


@pytest.mark.req("SUP-06")
def test_the_faults_page_title_holds_only_its_title(client, db_session, clock):
    _, token, _ = supervisor(db_session, clock)
    db_session.commit()
    page = client.get("/staff/supervision/faults", headers=staff_headers(token))
    assert page.status_code == 200
    title = re.search(r"<title>(.*?)</title>", page.text, re.S).group(1)
    assert "<" not in title and title.startswith("故障与差错")
    assert page.text.count('id="rule-h"') == 1
