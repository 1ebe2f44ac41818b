"""Items flagged for rectification: high return, error, bad-rating or complaint rates (SUP-05; 002 9.2.1.8).

Return and error rates come from the statistics; other rates plug in through `register_rate_source`: the ratings
and complaints domains register a source that answers, per item, (count, total) for the period, and exclude what
`faults.fault_at` says a platform fault caused.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from sqlalchemy.orm import Session

from tongban.core.clock import Clock
from tongban.core.config import get_settings
from tongban.supervision import stats
from tongban.supervision.scope import Scope


class RateSource(Protocol):
    """A rate per item from another domain (e.g. `bad_rating` 差评率, `complaint` 投诉率)."""

    kind: str
    label: str
    threshold: float  # flagged above this share
    min_total: int  # and only with at least this many in the period

    def item_rates(self, *, db_session: Session, item_ids: list[int], start: datetime, end: datetime) -> dict[int, tuple[int, int]]:
        """(count, total) per item over [start, end); items without data may be left out."""


_SOURCES: dict[str, RateSource] = {}


def register_rate_source(source: RateSource) -> RateSource:
    _SOURCES[source.kind] = source
    return source


def unregister_rate_source(kind: str) -> None:
    _SOURCES.pop(kind, None)


def rate_sources() -> list[RateSource]:
    return [_SOURCES[k] for k in sorted(_SOURCES)]


@dataclass(frozen=True)
class Reason:
    kind: str
    label: str
    count: int
    total: int
    threshold: float

    @property
    def rate(self) -> float:
        return self.count / self.total if self.total else 0.0

    @property
    def text(self) -> str:
        return f"{self.label} {stats.percent(self.rate)}（{self.count}/{self.total}，阈值 {stats.percent(self.threshold)}）"


@dataclass
class Flag:
    item_id: int
    item_name: str
    reasons: list[Reason] = field(default_factory=list)


def flagged_items(*, db_session: Session, clock: Clock, scope: Scope, period: stats.Period,
                  facts: list[stats.Facts] | None = None) -> list[Flag]:
    """Every item of the scope with at least one rate above its threshold, worst first. ``facts``: `stats.collect`
    for the same scope and period, when the caller has them already."""
    settings = get_settings()
    by_item = stats.report(db_session=db_session, clock=clock, scope=scope, period=period, dimension=stats.Dimension.item,
                           facts=facts)
    flags: dict[int, Flag] = {}
    minimum = max(settings.flag_min_cases, 1)
    for row in by_item.rows:
        item_id = int(row.key)
        checks = [("return", "退件率", row.returned, row.received, settings.flag_return_rate),
                  ("error", "出错率", row.errors, row.decided, settings.flag_error_rate)]
        for kind, label, count, total, threshold in checks:
            if total >= minimum and count / total > threshold:
                flags.setdefault(item_id, Flag(item_id, row.label)).reasons.append(Reason(kind, label, count, total, threshold))
    names = {int(r.key): r.label for r in by_item.rows}
    start, end = period.bounds
    for source in rate_sources():
        rates = source.item_rates(db_session=db_session, item_ids=sorted(names), start=start, end=end)
        for item_id, (count, total) in rates.items():
            if item_id in names and total >= max(source.min_total, 1) and count / total > source.threshold:
                flags.setdefault(item_id, Flag(item_id, names[item_id])).reasons.append(
                    Reason(source.kind, source.label, count, total, source.threshold))
    return sorted(flags.values(), key=lambda f: (-max(r.rate for r in f.reasons), f.item_name))
