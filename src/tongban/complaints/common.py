"""What complaints, problem reports, suggestions and the 办不成事 desk share: text checks, time limits and warnings."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from tongban.accounts.identity import normalize_phone
from tongban.catalog import reads as catalog_reads
from tongban.core.clock import Clock
from tongban.core.config import get_settings
from tongban.core.errors import InvalidInput, NotFound
from tongban.core.text import clean_text
from tongban.workdays.service import add_days

TEXT_MAX = 2000
ANSWER_MAX = 5000

__all__ = ["ANSWER_MAX", "TEXT_MAX", "clean_text", "days", "due_after", "item_or_none", "phone", "warning"]

# Working-day limits, from `core.config` (each overridable by TONGBAN_<NAME>, e.g. TONGBAN_COMPLAINT_VERIFY_DAYS=3).
LIMITS = ("complaint_verify_days", "complaint_dispose_days", "complaint_answer_days", "matter_general_days",
          "matter_impossible_days")


def days(name: str) -> int:
    if name not in LIMITS:
        raise KeyError(name)
    return getattr(get_settings(), name)


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
