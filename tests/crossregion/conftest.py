"""Two regions of one installation: 广安区 (511602) and 成都市锦江区 (510104), the same item in both, people whose
household registration is in each, windows and handling posts on both sides."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from tests.cases.caseflow import CASE_CONTENT, Staff
from tests.factories import add_population, make_actor, make_agency, make_item, make_person, resident_id
from tongban.accounts.access import StaffActor

BASIC = "XREG-TEST-0001"
LI_ID = resident_id(birth="19850726", region="511602", serial="117")
LIU_ID = resident_id(birth="19900105", region="510104", serial="233")
CONTENT = {**CASE_CONTENT, "audiences": ["person"], "handling_scope": "province", "name": "食品经营许可（新办）", "fees": []}


@dataclass
class World:
    gaq: object  # 广安区 agency
    jjq: object  # 锦江区 agency
    item_gaq: object
    item_jjq: object
    only_gaq: object  # a province-wide item with no counterpart in 锦江区
    fixed_gaq: object  # a 定点办理 item
    li: object  # 李梅, household 511602
    liu: object  # 刘洋, household 510104
    gaq_window: StaffActor
    gaq_window_token: str
    jjq_window: StaffActor
    jjq_window_token: str
    jjq_staff: Staff
    gaq_staff: Staff


@pytest.fixture
def world(db_session, clock, tmp_path) -> World:
    gaq = make_agency(db_session, name="广安区行政审批局", region_code="511602", level="county",
                      address="广安市广安区渠江北路2号区政务服务中心")
    jjq = make_agency(db_session, name="成都市锦江区行政审批局", region_code="510104", level="county",
                      address="成都市锦江区工业园区毕昇路2号")
    item_gaq = make_item(db_session, clock, agency=gaq, basic_code=BASIC, **CONTENT)
    item_jjq = make_item(db_session, clock, agency=jjq, basic_code=BASIC, **CONTENT)
    only_gaq = make_item(db_session, clock, agency=gaq, **{**CONTENT, "name": "广安特色补贴申领"})
    fixed_gaq = make_item(db_session, clock, agency=gaq, **{**CONTENT, "name": "定点办理事项", "handling_scope": "fixed"})
    add_population(db_session, clock, tmp_path, [
        {"id_number": LI_ID, "name": "李梅", "household_region": "511602"},
        {"id_number": LIU_ID, "name": "刘洋", "household_region": "510104"},
    ])
    li = make_person(db_session, clock, name="李梅", id_number=LI_ID, phone="13900000002")
    liu = make_person(db_session, clock, name="刘洋", id_number=LIU_ID, phone="13900000003")
    gaq_window, gaq_token = make_actor(db_session, clock, role="acceptor", agency=gaq)
    jjq_window, jjq_token = make_actor(db_session, clock, role="acceptor", agency=jjq)
    world = World(gaq, jjq, item_gaq, item_jjq, only_gaq, fixed_gaq, li, liu, gaq_window, gaq_token, jjq_window,
                  jjq_token, Staff(db_session, clock, jjq), Staff(db_session, clock, gaq))
    db_session.commit()
    return world
