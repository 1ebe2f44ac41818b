"""Fixtures of the supervision tests: a small history of cases at two agencies, the day being 20 November 2026."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest

from tests.factories import make_agency
from tests.supervision.supflow import Desk, set_day

TODAY = date(2026, 11, 20)


@dataclass
class History:
    a: Desk
    b: Desk
    on_time: object  # A: accepted 12 Oct, decided 14 Oct (promised due 19 Oct)
    late: object  # A: accepted 12 Oct, decided 26 Oct
    returned: object  # A: supplement asked, then refused, 20 Oct
    open: object  # A: accepted 16 Nov, still under review
    other: object  # B: accepted 2 Nov, decided 4 Nov


@pytest.fixture
def history(db_session, clock) -> History:
    a = Desk(db_session, clock, agency=make_agency(db_session, name="广安市市场监督管理局"))
    b = Desk(db_session, clock, agency=make_agency(db_session, name="广安市卫生健康委员会"))
    on_time = a.decide(a.accepted(date(2026, 10, 12)), date(2026, 10, 14))
    late = a.decide(a.accepted(date(2026, 10, 12)), date(2026, 10, 26))
    returned = a.returned(date(2026, 10, 20))
    still = a.accepted(date(2026, 11, 16))
    other = b.decide(b.accepted(date(2026, 11, 2)), date(2026, 11, 4))
    set_day(clock, TODAY)
    return History(a, b, on_time, late, returned, still, other)
