"""Real-time monitoring (实时监控, SUP-04; 001 9.2): open cases by stage with their clocks, warned and overdue first,
and the calendar's warning when this or next year has no holiday data."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from tongban.cases import clocks
from tongban.cases import reads as case_reads
from tongban.cases.enums import CaseState
from tongban.catalog import reads as catalog_reads
from tongban.core.clock import Clock
from tongban.core.errors import InvalidInput
from tongban.supervision.enums import ClockStatus
from tongban.supervision import faults as fault_service
from tongban.supervision.models import CaseWarning
from tongban.supervision.scope import Scope
from tongban.supervision.rules import ThresholdBook
from tongban.supervision.status import CaseStatus, evaluate
from tongban.workdays import service as workdays

S = CaseState
OPEN_STAGES = (S.submitted, S.supplement_requested, S.accepted, S.accepted_with_deficiency, S.under_review,
               S.special_procedure, S.approved)
LEVEL_FILTERS = {
    "warned": {ClockStatus.yellow, ClockStatus.red}, "yellow": {ClockStatus.yellow}, "red": {ClockStatus.red},
    "paused": {ClockStatus.paused}, "all": set(ClockStatus),
}
MAX_OPEN = 5000


@dataclass(frozen=True)
class MonitoredCase:
    case: case_reads.CaseFacts
    agency_name: str
    status: CaseStatus
    due: date | None
    remaining: int | None
    dispatched: bool
    excused: str = ""  # a recorded platform fault overlaps the delay: not held against the agency (SUP-06)


@dataclass
class Monitor:
    level: str
    counts: dict[str, int] = field(default_factory=dict)  # status → open cases
    stages: list[tuple[CaseState, dict[str, int]]] = field(default_factory=list)  # stage → status counts
    rows: list[MonitoredCase] = field(default_factory=list)
    total: int = 0
    missing_years: list[int] = field(default_factory=list)
    truncated: bool = False


def parse_level(value: str) -> str:
    level = (value or "warned").strip()
    if level not in LEVEL_FILTERS:
        raise InvalidInput("LEVEL_INVALID", "状态应为 warned（预警和超期）、yellow、red、paused 或 all")
    return level


def monitor(*, db_session: Session, clock: Clock, scope: Scope, level: str = "warned", limit: int = 200) -> Monitor:
    level = parse_level(level)
    cases = case_reads.cases_in_states(db_session=db_session, states=[s.value for s in OPEN_STAGES],
                                       region_prefix=scope.region_prefix, agency_id=scope.agency_id, limit=MAX_OPEN + 1)
    out = Monitor(level=level, truncated=len(cases) > MAX_OPEN,
                  missing_years=workdays.missing_years(db_session=db_session, clock=clock))
    cases = cases[:MAX_OPEN]
    cal, thresholds = workdays.WorkingCalendar(db_session), ThresholdBook(db_session)
    warned = set(db_session.scalars(select(CaseWarning.case_id).where(CaseWarning.case_id.in_([c.id for c in cases])))) if cases else set()
    stage_counts: dict[str, dict[str, int]] = {s.value: {} for s in OPEN_STAGES}
    matched: list[MonitoredCase] = []
    agencies = catalog_reads.agencies_by_id(db_session=db_session, agency_ids={c.agency_id for c in cases})
    pauses = clocks.pauses_by_case(db_session=db_session, case_ids=[c.id for c in cases])
    recent = fault_service.faults_for_cases(db_session=db_session, cases=cases, end=clock.now())
    for case in cases:
        status = evaluate(db_session=db_session, clock=clock, case=case, cal=cal, thresholds=thresholds, pauses=pauses[case.id])
        key = status.status.value
        out.counts[key] = out.counts.get(key, 0) + 1
        stage_counts[case.state][key] = stage_counts[case.state].get(key, 0) + 1
        if status.status not in LEVEL_FILTERS[level]:
            continue
        worst = status.worst
        fault = fault_service.fault_for_case(case, recent, until=clock.now(), due=worst.due, pauses=pauses[case.id]) \
            if status.status is ClockStatus.red and worst else None
        agency = agencies.get(case.agency_id)
        matched.append(MonitoredCase(case, agency.name if agency else "", status, worst.due if worst else None,
                                     worst.remaining if worst else None, case.id in warned,
                                     fault_service.exclusion_reason(fault) if fault else ""))
    matched.sort(key=lambda m: (-m.status.status.severity, m.remaining if m.remaining is not None else 10**6, m.case.id))
    out.total, out.rows = len(matched), matched[:limit]
    out.stages = [(s, stage_counts[s.value]) for s in OPEN_STAGES]
    return out
