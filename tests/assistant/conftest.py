"""A small published catalog the assistant is asked about: food business, ID card, two close insurance items."""

from __future__ import annotations

import pytest

from tests.factories import make_agency, make_item

FOOD_CODE = "TEST-FOOD-NEW"


@pytest.fixture
def catalog(db_session, clock):
    market = make_agency(db_session, name="广安市广安区市场监督管理局", region_code="511602", level="county",
                         consult_phone="0826-2600315", complaint_phone="0826-2612315")
    police = make_agency(db_session, name="广安市公安局广安区分局", region_code="511602", level="county",
                         consult_phone="0826-2202110", complaint_phone="0826-2202119", address="广安区建设路1号")
    housing = make_agency(db_session, name="广安市广安区住房和城乡建设局", region_code="511602", level="county",
                          consult_phone="0826-2333500", address="广安区中桥街道2号")
    items = {
        "food": make_item(db_session, clock, agency=market, code=FOOD_CODE),
        "food_change": make_item(db_session, clock, agency=market, name="食品经营许可（变更）", aliases=[],
                                 promised_limit_days=3),
        "id": make_item(db_session, clock, agency=police, name="居民身份证办理", aliases=["办身份证"], audiences=["person"],
                        handling_form="offline", themes=[], life_stages=[], tags=[],
                        fees=[{"name": "证件工本费", "amount_fen": 2000, "basis": "发改价格〔2003〕2322号"}]),
        "medical": make_item(db_session, clock, agency=police, name="城乡居民基本医疗保险参保登记", aliases=[],
                             audiences=["person"], themes=[], life_stages=[], tags=[]),
        "pension": make_item(db_session, clock, agency=police, name="城乡居民基本养老保险参保登记", aliases=[],
                             audiences=["person"], themes=[], life_stages=[], tags=[]),
    }
    db_session.commit()
    items["housing"] = housing
    return items
