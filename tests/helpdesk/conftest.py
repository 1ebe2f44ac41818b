"""A published item, two agencies, consultants of each, a citizen, and helpers to sign them in."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from tests.signin import page_csrf as _page_csrf
from tests.factories import make_actor, make_agency, make_item, make_person, make_staff
from tongban.accounts.access import StaffActor


@dataclass
class Desk:
    market: object
    police: object
    item: object
    agent: StaffActor
    agent_token: str
    other: StaffActor  # a second consultant of the same agency
    other_token: str
    police_agent: StaffActor
    police_token: str
    person: object


@pytest.fixture
def desk(db_session, clock) -> Desk:
    market = make_agency(db_session, name="广安市广安区市场监督管理局", region_code="511602", level="county",
                         consult_phone="0826-2600315", email="scjg@example.gov.cn", address="广安区建设路5号")
    police = make_agency(db_session, name="广安市公安局广安区分局", region_code="511602", level="county")
    item = make_item(db_session, clock, agency=market)
    agent, agent_token = make_actor(db_session, clock, role="consultant", agency=market)
    other, other_token = make_actor(db_session, clock, role="consultant", agency=market)
    police_agent, police_token = make_actor(db_session, clock, role="consultant", agency=police)
    person = make_person(db_session, clock, name="李桂兰", phone="13912345678")
    db_session.commit()
    return Desk(market, police, item, agent, agent_token, other, other_token, police_agent, police_token, person)


__all__ = ["Desk", "make_staff", "page_csrf"]


def page_csrf(client, path: str = "/help/lookup") -> str:
    return _page_csrf(client, path)
