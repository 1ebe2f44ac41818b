"""A case against its clocks: status (normal, yellow, red, paused, closed) and how each due date was computed
(SUP-01, SUP-02, SUP-03; 002 9.2.1.8). Built on `cases.clocks.compute`, the same reckoning that stores the due dates."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy.orm import Session

from tongban.cases import clocks
from tongban.cases.enums import CaseState
from tongban.cases.reads import CaseFacts
from tongban.core.clock import Clock
from tongban.supervision.enums import LIMIT_LABELS, ClockStatus
from tongban.supervision.thresholds import Thresholds, thresholds_for_item
from tongban.workdays import service as workdays

PAUSE_LABELS = {"supplement": "补正材料", "special_procedure": "特别程序"}
PAUSED_STATES = frozenset({CaseState.supplement_requested.value, CaseState.special_procedure.value})


@dataclass(frozen=True)
class PauseLine:
    kind: str
    label: str
    name: str
    start: date
    end: date
    open: bool
    days: int


@dataclass(frozen=True)
class LimitLine:
    """One limit explained: what was counted from where, and where the case stands against it."""

    kind: str
    label: str
    limit_days: int
    paused_days: int
    due: date
    status: ClockStatus
    remaining: int | None  # days left after today (negative: overdue); None once decided
    holidays_skipped: list[tuple[date, str]]
    weekend_days_skipped: int
    makeup_workdays: list[tuple[date, str]]
    unknown_years: list[int]
    text: str  # the calendar's own sentence for the (limit + paused)-th day


@dataclass(frozen=True)
class CaseStatus:
    case_id: int
    status: ClockStatus
    start: date | None
    unit: workdays.LimitUnit
    pauses: list[PauseLine] = field(default_factory=list)
    limits: list[LimitLine] = field(default_factory=list)

    @property
    def unknown_years(self) -> list[int]:
        return sorted({y for line in self.limits for y in line.unknown_years})

    @property
    def flagged(self) -> bool:
        return bool(self.unknown_years)

    @property
    def paused_days(self) -> int:
        return sum(p.days for p in self.pauses)

    def limit(self, kind: str) -> LimitLine | None:
        return next((line for line in self.limits if line.kind == kind), None)

    @property
    def worst(self) -> LimitLine | None:
        """The limit that decides the status (red before yellow; the promised limit when tied)."""
        ranked = sorted(self.limits, key=lambda line: (line.status.severity, line.kind == "promised"), reverse=True)
        return ranked[0] if ranked else None


def _remaining(cal: workdays.WorkingCalendar, unit: workdays.LimitUnit, today: date, due: date) -> int:
    if unit is workdays.LimitUnit.natural_day:
        return (due - today).days
    if due < today:
        return -max(cal.working_days_between(start=due, end=today), 1)  # past due is overdue even over a weekend
    return cal.working_days_between(start=today, end=due)


def _limit_status(case: CaseFacts, today: date, due: date, remaining: int, limit: int, thresholds: Thresholds) -> ClockStatus:
    if case.decided_at is not None:
        return ClockStatus.on_time if clocks.local_day(case.decided_at) <= due else ClockStatus.late
    if CaseState(case.state).final:
        return ClockStatus.normal  # withdrawn or refused before a decision: the clock simply stopped
    if case.state in PAUSED_STATES:
        return ClockStatus.paused
    if today > due:
        return ClockStatus.red
    return ClockStatus.yellow if thresholds.yellow(remaining=remaining, limit=limit) else ClockStatus.normal


def evaluate(
    *, db_session: Session, clock: Clock, case: CaseFacts, cal: workdays.WorkingCalendar | None = None,
    thresholds: Thresholds | None = None, pauses: list | None = None,
) -> CaseStatus:
    """The case's clocks now, from the same computation `cases.clocks.recompute` stores. ``case``: its facts as
    `cases.reads` gives them, or the case a cases service returned. ``thresholds``: the settings or a
    `rules.ThresholdBook`; by default the item's own rule, else the settings."""
    cal = cal or workdays.WorkingCalendar(db_session)
    if thresholds is None:
        thresholds = thresholds_for_item(db_session=db_session, item_id=case.item_id)
    thresholds = thresholds.for_item(case.item_id)
    computed = clocks.compute(db_session=db_session, clock=clock, case=case, cal=cal, pauses=pauses)
    pauses = [PauseLine(p.kind, PAUSE_LABELS.get(p.kind, p.kind), p.name, p.start, p.end, p.open, p.days) for p in computed.pauses]
    if computed.start is None:
        return CaseStatus(case.id, ClockStatus.not_started, None, computed.unit, pauses)
    today, lines = clock.today(), []
    for limit in computed.limits:
        result = limit.result
        remaining = _remaining(cal, computed.unit, today, result.due)
        status = _limit_status(case, today, result.due, remaining, limit.limit_days, thresholds)
        lines.append(LimitLine(
            kind=limit.kind, label=LIMIT_LABELS[limit.kind], limit_days=limit.limit_days, paused_days=limit.paused_days,
            due=result.due, status=status, remaining=None if case.decided_at is not None else remaining,
            holidays_skipped=result.holidays_skipped, weekend_days_skipped=result.weekend_days_skipped,
            makeup_workdays=result.makeup_workdays, unknown_years=result.unknown_years, text=result.explanation,
        ))
    worst = max((line.status for line in lines), key=lambda s: s.severity, default=ClockStatus.normal)
    if lines and all(line.status in (ClockStatus.on_time, ClockStatus.late) for line in lines):
        worst = ClockStatus.late if any(line.status is ClockStatus.late for line in lines) else ClockStatus.on_time
    elif lines and lines[0].status is ClockStatus.paused:
        worst = ClockStatus.paused
    return CaseStatus(case.id, worst, computed.start, computed.unit, pauses, lines)
