"""Statistics and performance by agency, item, staff and period; items flagged for rectification (SUP-04, SUP-05;
001 9.2; 002 9.2.1.8). Definitions, in plain words:

- received: cases submitted in the period; accepted: accepted in the period; decided: approved or denied in the period.
- on-time rate: decided cases whose decision day is on or before the promised due date (the legal one when no promise),
  over decided cases with a limit, leaving out late cases whose running time up to the due date overlaps a recorded
  platform fault (SUP-06).
- average handling days: working (or natural) days from acceptance to decision, pauses excluded, over decided cases.
- return rate (退件率): received cases that were asked for a supplement or refused, over received cases.
- error rate (出错率): decided cases with a handling error recorded by supervision (decision revoked or corrected,
  document reissued, improper return), over decided cases.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy.orm import Session

from tongban.cases import clocks
from tongban.cases import reads as case_reads
from tongban.cases.enums import EventKind
from tongban.catalog import reads as catalog_reads
from tongban.core.clock import SHANGHAI, Clock
from tongban.core.csvsafe import write_csv
from tongban.core.enums import LabelledEnum
from tongban.core.errors import InvalidInput
from tongban.supervision import faults as fault_service
from tongban.supervision.scope import Scope
from tongban.workdays import service as workdays

MAX_PERIOD_DAYS = 731
INTAKE = {EventKind.accepted.value, EventKind.accepted_with_deficiency.value, EventKind.refused.value,
          EventKind.supplement_requested.value}
RETURNS = {EventKind.refused.value, EventKind.supplement_requested.value}
DECISIONS = {EventKind.approved.value, EventKind.denied.value}


class Dimension(LabelledEnum):
    agency = "agency", "部门"
    item = "item", "事项"
    staff = "staff", "工作人员"
    period = "period", "月份"


@dataclass(frozen=True)
class Period:
    start: date
    end: date  # inclusive

    @property
    def bounds(self) -> tuple[datetime, datetime]:
        """Midnight in Beijing before the first day and after the last, in UTC: SQLite compares timestamps by their
        wall time, so a Beijing-offset bound would shift the period by eight hours there."""
        first = datetime.combine(self.start, time(), SHANGHAI)
        after = datetime.combine(self.end + timedelta(days=1), time(), SHANGHAI)
        return first.astimezone(timezone.utc), after.astimezone(timezone.utc)

    def holds(self, value: datetime | None) -> bool:
        return value is not None and self.start <= value.astimezone(SHANGHAI).date() <= self.end


FIRST_YEAR, LAST_YEAR = 2000, 2099


def _in_range(day: date) -> date:
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise InvalidInput("DATE_OUT_OF_RANGE", f"统计日期应在 {FIRST_YEAR} 年至 {LAST_YEAR} 年之间")
    return day


def period_of(*, clock: Clock, start: str | date | None = None, end: str | date | None = None) -> Period:
    """Default: the last 90 days up to today."""
    last = _in_range(workdays.parse_date(end)) if end else clock.today()
    first = _in_range(workdays.parse_date(start)) if start else last - timedelta(days=89)
    if first > last:
        raise InvalidInput("PERIOD_INVALID", "开始日期不能晚于结束日期")
    if (last - first).days > MAX_PERIOD_DAYS:
        raise InvalidInput("PERIOD_TOO_LONG", "统计期间最长两年")
    return Period(first, last)


@dataclass
class Facts:
    """What statistics need to know about one case."""

    case: case_reads.CaseFacts
    received: bool
    accepted: bool
    decided: bool
    returned: bool = False
    error: bool = False
    on_time: bool | None = None  # None: no limit, or not decided in the period
    excluded: str = ""  # the platform fault that excuses a late decision
    handling_days: int | None = None
    intake_staff: tuple[str, str] = ("", "")  # (ref, name) of who took the acceptance decision
    decider: tuple[str, str] = ("", "")


@dataclass
class Row:
    key: str
    label: str
    received: int = 0
    accepted: int = 0
    decided: int = 0
    on_time: int = 0
    late: int = 0
    excluded: int = 0
    returned: int = 0
    errors: int = 0
    days_total: int = 0
    days_count: int = 0

    @property
    def on_time_rate(self) -> float | None:
        judged = self.on_time + self.late
        return self.on_time / judged if judged else None

    @property
    def average_days(self) -> float | None:
        return self.days_total / self.days_count if self.days_count else None

    @property
    def return_rate(self) -> float | None:
        return self.returned / self.received if self.received else None

    @property
    def error_rate(self) -> float | None:
        return self.errors / self.decided if self.decided else None


@dataclass
class Report:
    dimension: Dimension
    period: Period
    rows: list[Row] = field(default_factory=list)
    total: Row = field(default_factory=lambda: Row("total", "合计"))
    excluded_cases: list[tuple[case_reads.CaseFacts, str]] = field(default_factory=list)


def collect(*, db_session: Session, clock: Clock, scope: Scope, period: Period) -> list[Facts]:
    first, after = period.bounds
    cases = case_reads.cases_active_between(db_session=db_session, start=first, end=after,
                                            region_prefix=scope.region_prefix, agency_id=scope.agency_id)
    if not cases:
        return []
    ids = [c.id for c in cases]
    events = case_reads.events_of_kinds(db_session=db_session, case_ids=ids, kinds=INTAKE | DECISIONS)
    errors = fault_service.error_case_ids(db_session=db_session, case_ids=ids)
    faults = fault_service.faults_for_cases(db_session=db_session, cases=[c for c in cases if c.decided_at is not None], end=after)
    cal = workdays.WorkingCalendar(db_session)
    pauses = clocks.pauses_by_case(db_session=db_session, case_ids=[c.id for c in cases if c.decided_at is not None])
    found = []
    for case in cases:
        mine = events.get(case.id, [])
        facts = Facts(case=case, received=period.holds(case.submitted_at), accepted=period.holds(case.accepted_at),
                      decided=case.decision is not None and period.holds(case.decided_at))
        facts.returned = any(e.kind in RETURNS for e in mine)
        intake = next((e for e in mine if e.kind in INTAKE), None)
        decision = next((e for e in mine if e.kind in DECISIONS), None)
        facts.intake_staff = (intake.actor_ref, intake.actor_name) if intake else ("", "")
        facts.decider = (decision.actor_ref, decision.actor_name) if decision else ("", "")
        if facts.decided:
            _judge(db_session, clock, cal, facts, faults, case.id in errors, pauses.get(case.id, []))
        found.append(facts)
    return found


def _judge(db_session, clock, cal, facts: Facts, faults, error: bool, pauses: list) -> None:
    case = facts.case
    decided_on = clocks.local_day(case.decided_at)
    facts.error = error
    facts.handling_days = clocks.elapsed_days(db_session=db_session, clock=clock, case=case, until=decided_on, cal=cal,
                                              pauses=pauses)
    due = case.promised_due or case.legal_due
    if due is None:
        return
    facts.on_time = decided_on <= due
    if not facts.on_time:
        fault = fault_service.fault_for_case(case, faults, until=clock.now(), due=due, pauses=pauses)
        if fault is not None:
            facts.excluded = fault_service.exclusion_reason(fault)


# A case adds to a row in up to three parts, each on its own day: received (and returned) on submission, accepted
# on acceptance, decided on the decision; by month each part counts in the month it happened.
PARTS = ("received", "accepted", "decision")


def _in_part(f: Facts, part: str) -> bool:
    return f.received if part == "received" else f.accepted if part == "accepted" else f.decided


def _add(row: Row, f: Facts, part: str) -> None:
    """Add the received part (received, returned), the accepted part, or the decision part (decided, on time, days, errors)."""
    if part == "received":
        row.received += 1
        row.returned += f.returned
        return
    if part == "accepted":
        row.accepted += 1
        return
    row.decided += 1
    row.errors += f.error
    if f.handling_days is not None:
        row.days_total, row.days_count = row.days_total + f.handling_days, row.days_count + 1
    if f.excluded:
        row.excluded += 1
    elif f.on_time is not None:
        row.on_time += f.on_time
        row.late += not f.on_time


def _keys(db_session: Session, dimension: Dimension, facts: list[Facts]) -> Callable[[Facts, str], tuple[str, str]]:
    agencies = catalog_reads.agencies_by_id(db_session=db_session, agency_ids={f.case.agency_id for f in facts}) \
        if dimension is Dimension.agency else {}

    def agency_name(agency_id: int) -> str:
        agency = agencies.get(agency_id)
        return agency.name if agency else str(agency_id)

    def key(f: Facts, part: str) -> tuple[str, str]:
        case = f.case
        if dimension is Dimension.agency:
            return str(case.agency_id), agency_name(case.agency_id)
        if dimension is Dimension.item:
            return str(case.item_id), case.item_name
        if dimension is Dimension.staff:
            ref, name = f.decider if part == "decision" else f.intake_staff
            return (ref, name) if ref else ("", "（尚未经办）")
        when = {"received": case.submitted_at, "accepted": case.accepted_at}.get(part, case.decided_at)
        month = when.astimezone(SHANGHAI).strftime("%Y-%m") if when else ""
        return month, month
    return key


def parse_dimension(value: Dimension | str) -> Dimension:
    try:
        return Dimension(value)
    except ValueError:
        raise InvalidInput("DIMENSION_INVALID", "统计维度应为 agency（部门）、item（事项）、staff（工作人员）或 period（月份）") from None


def report(*, db_session: Session, clock: Clock, scope: Scope, period: Period, dimension: Dimension | str,
           facts: list[Facts] | None = None) -> Report:
    """One table of the period. ``facts``: what `collect` found for the same scope and period, to draw several
    tables (a page's agencies, months and flags) from one reading of the cases."""
    dimension = parse_dimension(dimension)
    if facts is None:
        facts = collect(db_session=db_session, clock=clock, scope=scope, period=period)
    key = _keys(db_session, dimension, facts)
    out = Report(dimension=dimension, period=period)
    rows: dict[str, Row] = {}
    for f in facts:
        for part in PARTS:
            if not _in_part(f, part):
                continue
            k, label = key(f, part)
            _add(rows.setdefault(k, Row(k, label)), f, part)
            _add(out.total, f, part)
        if f.excluded:
            out.excluded_cases.append((f.case, f.excluded))
    ordered = sorted(rows.values(), key=lambda r: r.key) if dimension is Dimension.period else \
        sorted(rows.values(), key=lambda r: (-(r.received + r.decided), r.label))
    out.rows = ordered
    return out


def percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


CSV_COLUMNS = ["{dim}", "收件量", "受理量", "办结量", "按时办结", "超期办结", "故障剔除", "按时办结率", "平均办理天数",
               "退件量", "退件率", "差错量", "出错率"]


def to_csv(result: Report) -> bytes:
    """UTF-8 with a BOM, so that Excel opens the Chinese headers correctly; a name like "=…" stays text."""
    rows = [[row.label, row.received, row.accepted, row.decided, row.on_time, row.late, row.excluded,
             percent(row.on_time_rate), "" if row.average_days is None else f"{row.average_days:.1f}",
             row.returned, percent(row.return_rate), row.errors, percent(row.error_rate)]
            for row in [*result.rows, result.total]]
    return write_csv(rows, header=[c.format(dim=result.dimension.label) for c in CSV_COLUMNS])
