"""Demo data of credit: the credit library (李梅 red, her shop orange, 王建国 black, one expired record) and a few
广安区 items on the lists, so applying as 李梅 with credit approval shows instant approval and the pledge."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.orm import Session

from tongban.baselib.service import import_credit
from tongban.catalog import reads as catalog_reads
from tongban.core.clock import Clock
from tongban.credit import lists
from tongban.credit.enums import ListKind

CREDIT_CSV = Path(__file__).resolve().parent.parent / "data" / "demo" / "credit.csv"
LISTS = [  # (implementation code, list, note)
    ("SC-O-0302-511602-GAQ-GOV", ListKind.pledge, "从业人员健康证明可告知承诺，20 个工作日内核查"),
    ("SC-O-0302-511602-GAQ-GOV", ListKind.instant, "红、橙名单申请人当日决定"),
    ("SC-O-0302-511602-GAQ-GOV", ListKind.tolerant, "场所平面图可容缺后补"),
    ("SC-O-0306-511602-GAQ-GOV", ListKind.instant, "仅销售预包装食品备案即报即备"),
    ("SC-O-0106-511602-GAQ-GOV", ListKind.instant, ""),
    ("SC-O-0106-511602-GAQ-GOV", ListKind.tolerant, ""),
    ("SC-O-0402-511602-GAQ-GOV", ListKind.exempt_review, "红、橙名单形式审查后即可决定"),
]


def seed_demo(*, db_session: Session, clock: Clock) -> str:
    """Idempotent; answers one line for the console, or "" when there was nothing to add."""
    loaded = import_credit(db_session=db_session, clock=clock, path=CREDIT_CSV)
    listed = 0
    for code, kind, note in LISTS:
        item = catalog_reads.item_by_code(db_session=db_session, implementation_code=code)
        if item is None:
            continue
        if lists.seed_entry(db_session=db_session, clock=clock, item_id=item.id, list_kind=kind, note=note) is not None:
            listed += 1
    if not loaded.added and not listed:
        return ""
    return (f"信用审批演示：信用库 {loaded.added} 条（李梅红名单、王建国黑名单），清单 {listed} 条；"
            "公开清单 /credit/lists，工作台 /staff/credit")
