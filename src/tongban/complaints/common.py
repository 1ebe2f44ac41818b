"""What complaints, problem reports, suggestions and the 办不成事 desk share: text checks, time limits and warnings."""

from __future__ import annotations

import os
from datetime import date

from sqlalchemy.orm import Session

from tongban.accounts.identity import normalize_phone
from tongban.catalog import reads as catalog_reads
from tongban.core.clock import Clock
from tongban.core.errors import InvalidInput, NotFound
from tongban.core.text import clean_text
from tongban.workdays.service import add_days

TEXT_MAX = 2000
ANSWER_MAX = 5000

__all__ = ["ANSWER_MAX", "TEXT_MAX", "clean_text", "days", "due_after", "item_or_none", "phone", "warning"]

# Working-day limits, each overridable by TONGBAN_<NAME> (e.g. TONGBAN_COMPLAINT_VERIFY_DAYS=3).
DEFAULT_DAYS = {
    "complaint_verify_days": 2,  # 投诉调查: is it true
    "complaint_dispose_days": 10,  # 分类处置, counted from the verification
    "complaint_answer_days": 2,  # 意见反馈, counted from the disposal
    "matter_general_days": 2,  # 004: 一般性问题 2 个工作日内解决
    "matter_impossible_days": 3,  # 004: 不能办理的 3 个工作日答复
}


def days(name: str) -> int:
    raw = os.environ.get(f"TONGBAN_{name.upper()}", "").strip()
    if raw.isdigit() and 0 <= int(raw) <= 365:
        return int(raw)
    return DEFAULT_DAYS[name]


def due_after(db_session: Session, start: date, name: str) -> date:
    """The due date `days(name)` working days after `start` (the start day not counted)."""
    return add_days(db_session=db_session, start=start, days=days(name)).due


def warning(*, db_session: Session, clock: Clock, due: date | None, running: bool, yellow_days: int = 1):
    """yellow when `yellow_days` working days or fewer are left, red when the due date is past (as for cases)."""
    from tongban.supervision import deadlines

    return deadlines.level(db_session=db_session, today=clock.today(), due=due, yellow_days=yellow_days) if running else None


def phone(value: str | None, *, required: bool = False) -> str:
    text = (value or "").strip()
    if not text:
        if required:
            raise InvalidInput("PHONE_REQUIRED", "请填写手机号码")
        return ""
    return normalize_phone(text)


def item_or_none(db_session: Session, item_id: int | None) -> catalog_reads.ItemFacts | None:
    if item_id is None:
        return None
    item = catalog_reads.find_item(db_session=db_session, item_id=item_id)
    if item is None:
        raise NotFound("ITEM_NOT_FOUND", "没有找到这个事项，请重新选择或不选事项")
    return item
