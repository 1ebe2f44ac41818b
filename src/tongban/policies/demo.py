"""Demo data of policies: 高龄津贴 for 广安区 residents aged 80 or more, and the 广安区 disability living and care
allowances, with the shared population attributes they read; matched once, so /policies/mine and the staff page show
offers (赵桂兰 is 85; 周玉珍 is older but deceased, and 吴德明 lives in 岳池县: neither is offered)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.orm import Session

from tongban.baselib.service import TableBaseLibrary, import_attributes
from tongban.catalog import reads as catalog_reads
from tongban.core.clock import Clock
from tongban.policies import service

ATTRIBUTES_CSV = Path(__file__).resolve().parent.parent / "data" / "demo" / "population_attributes.csv"
POLICIES = [
    ("SC-P-1004-511602-GAQ-CA", service.PolicyIn(
        name="广安区高龄津贴", benefit="80–89 周岁每人每月 50 元，90–99 周岁每月 100 元，100 周岁以上每月 300 元",
        agency_id=0, region_code="511602", notice_days=15, basis="《四川省老年人权益保障条例》第二十九条",
        conditions=[{"field": "household_region", "op": "starts_with", "value": "511602"},
                    {"field": "age", "op": "gte", "value": 80},
                    {"field": "status", "op": "eq", "value": "normal"}])),
    ("SC-P-1302-511602-GAQ-CA", service.PolicyIn(
        name="广安区困难残疾人生活补贴和重度残疾人护理补贴", benefit="生活补贴每人每月 90 元；一、二级重度残疾人护理补贴每人每月 90 元",
        agency_id=0, region_code="511602", notice_days=15, basis="《国务院关于全面建立困难残疾人生活补贴和重度残疾人护理补贴制度的意见》",
        conditions=[{"field": "household_region", "op": "starts_with", "value": "511602"},
                    {"field": "disability_grade", "op": "in", "value": [1, 2]},
                    {"field": "status", "op": "eq", "value": "normal"}])),
]


def seed_demo(*, db_session: Session, clock: Clock) -> str:
    """Idempotent; answers one line for the console, or "" when there was nothing to add."""
    import_attributes(db_session=db_session, clock=clock, path=ATTRIBUTES_CSV)
    made = offered = 0
    library = TableBaseLibrary(db_session)
    existing = {p.name for p in service.all_policies(db_session=db_session)}
    for code, policy_in in POLICIES:
        item = catalog_reads.item_by_code(db_session=db_session, implementation_code=code)
        if item is None or policy_in.name in existing:
            continue
        policy = service.create(db_session=db_session, clock=clock, actor=None,
                                policy_in=service.PolicyIn(**{**policy_in.__dict__, "agency_id": item.agency_id}))
        made += 1
        offered += service.match(db_session=db_session, clock=clock, library=library, policy=policy, by="system:seed").offered
    if not made:
        return ""
    return f"免申即享演示：政策 {made} 项，已告知 {offered} 人；工作台 /staff/benefits（admin），个人 /policies/mine"
