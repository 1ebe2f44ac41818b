"""Agencies of a county and its city (with the city's management agency), their staff, a supervisor and citizens."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from tests.signin import page_csrf as _page_csrf
from tests.factories import make_actor, make_agency, make_item, make_person
from tongban.accounts.access import StaffActor


@dataclass
class World:
    market: object  # the complained-about agency (county)
    police: object
    management: object  # the city's 政务服务管理机构
    item: object
    supervisor: StaffActor
    supervisor_token: str
    market_staff: StaffActor
    market_token: str
    police_staff: StaffActor
    police_token: str
    consultant: StaffActor
    consultant_token: str
    person: object
    other_person: object


@pytest.fixture
def world(db_session, clock) -> World:
    management = make_agency(db_session, name="广安市政务服务管理局", region_code="511600", level="city",
                             is_management=True)
    market = make_agency(db_session, name="广安市广安区市场监督管理局", region_code="511602", level="county",
                         email="scjg@example.gov.cn")
    police = make_agency(db_session, name="广安市公安局广安区分局", region_code="511602", level="county")
    item = make_item(db_session, clock, agency=market)
    supervisor, supervisor_token = make_actor(db_session, clock, role="supervisor", region_code="511600")
    market_staff, market_token = make_actor(db_session, clock, role="catalog_editor", agency=market)
    police_staff, police_token = make_actor(db_session, clock, role="catalog_editor", agency=police)
    consultant, consultant_token = make_actor(db_session, clock, role="consultant", agency=management)
    person = make_person(db_session, clock, name="李桂兰", phone="13912345678")
    other = make_person(db_session, clock, name="王五", phone="13812345678")
    db_session.commit()
    return World(market, police, management, item, supervisor, supervisor_token, market_staff, market_token,
                 police_staff, police_token, consultant, consultant_token, person, other)


def page_csrf(client, path: str = "/complaints/lookup") -> str:
    return _page_csrf(client, path)
