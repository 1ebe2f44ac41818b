"""Warning thresholds (SUP-03): when a running clock turns yellow, from the settings or an item's own rule.

Its own module so that case status (status.py) and the supervisors' rules (rules.py) both read it, and neither
imports the other."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from tongban.core.config import Settings, get_settings
from tongban.supervision.models import WarningRule


@dataclass(frozen=True)
class Thresholds:
    """When a running clock turns yellow: at most ``share`` of the limit or at most ``days`` days remain (0: rule off)."""

    share: float
    days: int

    @classmethod
    def from_settings(cls, settings: Settings | None = None) -> Thresholds:
        s = settings or get_settings()
        return cls(share=max(s.warn_share, 0.0), days=max(s.warn_days, 0))

    def for_item(self, item_id: int) -> Thresholds:
        return self  # one threshold for every item; `rules.ThresholdBook` answers per item

    def yellow(self, *, remaining: int, limit: int) -> bool:
        return (self.days > 0 and remaining <= self.days) or (self.share > 0 and remaining <= limit * self.share)


def thresholds_for_item(*, db_session: Session, item_id: int) -> Thresholds:
    rule = db_session.scalar(select(WarningRule).where(WarningRule.item_id == item_id))
    return Thresholds(share=rule.share, days=rule.days) if rule else Thresholds.from_settings()
