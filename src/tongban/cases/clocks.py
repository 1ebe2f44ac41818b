"""Due dates of a case: the legal and promised limits counted from acceptance, pauses excluded (CASE-11, CASE-14; SUP-01, SUP-02)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from tongban.cases.models import Case, CasePause
from tongban.core.clock import SHANGHAI, Clock
from tongban.workdays import service as workdays


def local_day(value) -> date:
    return value.astimezone(SHANGHAI).date()


@dataclass(frozen=True)
class PauseSpan:
    """One clock pause as counted: the days after ``start`` up to ``end`` do not count (an open pause runs to today)."""

    kind: str  # supplement / special_procedure
    name: str
    start: date
    end: date
    open: bool
    days: int  # working (or natural) days excluded from the limit; 0 when the pause lies before the clock started


@dataclass(frozen=True)
class LimitClock:
    """One limit (legal or promised) of a case: its start, the days added for pauses, and the calendar's reckoning."""

    kind: str  # legal / promised
    limit_days: int
    paused_days: int
    result: workdays.DueDate  # the (limit + paused)-th day after the start, with holidays and weekends skipped


@dataclass(frozen=True)
class CaseClocks:
    """Everything the due dates of a case come from; ``recompute`` stores ``due`` of each, the explanation shows the rest."""

    start: date | None  # the day of acceptance (not counted), None before acceptance
    unit: workdays.LimitUnit
    pauses: list[PauseSpan] = field(default_factory=list)
    limits: list[LimitClock] = field(default_factory=list)

    @property
    def paused_days(self) -> int:
        return sum(p.days for p in self.pauses)

    def limit(self, kind: str) -> LimitClock | None:
        return next((c for c in self.limits if c.kind == kind), None)


def _pause_days(cal: workdays.WorkingCalendar, unit: workdays.LimitUnit, start: date, end: date) -> int:
    if end <= start:
        return 0
    if unit is workdays.LimitUnit.natural_day:
        return (end - start).days
    return cal.working_days_between(start=start, end=end)


def _due(cal: workdays.WorkingCalendar, unit: workdays.LimitUnit, start: date, days: int) -> workdays.DueDate:
    if unit is workdays.LimitUnit.natural_day:  # a natural-day period ending on a holiday ends on the next working day
        return cal.add_natural_days(start=start, days=days, roll_to_working_day=True)
    return cal.add_working_days(start=start, days=days)


def pauses_by_case(*, db_session: Session, case_ids: list[int]) -> dict[int, list[CasePause]]:
    """The pauses of many cases in a few queries, for batch reckonings (deadline scans, statistics)."""
    found: dict[int, list[CasePause]] = {case_id: [] for case_id in case_ids}
    for start in range(0, len(case_ids), 500):
        query = (select(CasePause).where(CasePause.case_id.in_(case_ids[start:start + 500]))
                 .order_by(CasePause.case_id, CasePause.started_at, CasePause.id))
        for pause in db_session.scalars(query):
            found[pause.case_id].append(pause)
    return found


_PAUSE = CasePause.__table__
# Pauses are written at once (open_pause, end_pauses) and read as rows with the attributes compute() uses.
_PAUSES_OF = (select(_PAUSE.c.kind, _PAUSE.c.name, _PAUSE.c.started_at, _PAUSE.c.ended_at)
              .where(_PAUSE.c.case_id == bindparam("case_key")).order_by(_PAUSE.c.started_at, _PAUSE.c.id))


def open_pause(*, db_session: Session, clock: Clock, case: Case, kind: str, name: str, note: str = "") -> None:
    db_session.connection().execute(_PAUSE.insert(), {
        "case_id": case.id, "kind": kind, "name": name, "note": note, "started_at": clock.now(), "ended_at": None,
    })


def end_pauses(*, db_session: Session, clock: Clock, case: Case, kind: str | None = None) -> None:
    """End the case's open pauses (of one kind, or all)."""
    statement = update(_PAUSE).where(_PAUSE.c.case_id == case.id, _PAUSE.c.ended_at.is_(None))
    if kind:
        statement = statement.where(_PAUSE.c.kind == kind)
    db_session.connection().execute(statement.values(ended_at=clock.now()))


def compute(
    *, db_session: Session, clock: Clock, case: Case, cal: workdays.WorkingCalendar | None = None,
    pauses: list[CasePause] | None = None,
) -> CaseClocks:
    """The one reckoning of a case's clocks (SUP-01, SUP-02). Pass ``cal`` to share one calendar over a batch,
    and ``pauses`` (from `pauses_by_case`) to save a query per case.

    The clock starts on the day of acceptance; pause time counts only from then on (a supplement asked for before
    acceptance stopped no clock that was running).
    """
    unit = workdays.LimitUnit(case.limit_unit or workdays.LimitUnit.working_day.value)
    cal = cal or workdays.WorkingCalendar(db_session)
    start = local_day(case.accepted_at) if case.accepted_at is not None else None
    if pauses is None:
        pauses = db_session.connection().execute(_PAUSES_OF, {"case_key": case.id}).all()
    spans = []
    for pause in pauses:
        begin = local_day(pause.started_at)
        end = local_day(pause.ended_at) if pause.ended_at else clock.today()
        counted = 0 if start is None else _pause_days(cal, unit, max(begin, start), end)
        spans.append(PauseSpan(pause.kind, pause.name, begin, end, pause.ended_at is None, counted))
    clocks = CaseClocks(start=start, unit=unit, pauses=spans)
    if start is None:
        return clocks
    paused = clocks.paused_days
    for kind, limit in (("legal", case.legal_limit_days), ("promised", case.promised_limit_days)):
        if limit is not None:
            clocks.limits.append(LimitClock(kind, limit, paused, _due(cal, unit, start, limit + paused)))
    return clocks


def paused_days(*, db_session: Session, clock: Clock, case: Case) -> int:
    """Working (or natural) days spent in supplements and special procedures since acceptance; an open pause counts up to today."""
    return compute(db_session=db_session, clock=clock, case=case).paused_days


def recompute(*, db_session: Session, clock: Clock, case: Case, pauses: list[CasePause] | None = None) -> None:
    """Called on every event that starts or ends the clock or a pause (`pauses`: as `compute` takes them)."""
    if case.accepted_at is None:
        return
    clocks = compute(db_session=db_session, clock=clock, case=case, pauses=pauses)
    for kind, attr in (("legal", "legal_due"), ("promised", "promised_due")):
        limit = clocks.limit(kind)
        setattr(case, attr, limit.result.due if limit else None)


def start(*, db_session: Session, clock: Clock, case: Case) -> None:
    """The due dates at acceptance, with no read of the pauses: the clock starts today, and every pause the case had
    before (a supplement) has ended by now, so none of them counts (see `compute`)."""
    recompute(db_session=db_session, clock=clock, case=case, pauses=[])


def elapsed_days(*, db_session: Session, clock: Clock, case: Case, until: date, cal: workdays.WorkingCalendar | None = None,
                 pauses: list[CasePause] | None = None) -> int | None:
    """Working (or natural) days the case has used from acceptance to ``until``, pauses excluded (handling time)."""
    clocks = compute(db_session=db_session, clock=clock, case=case, cal=cal, pauses=pauses)
    if clocks.start is None:
        return None
    cal = cal or workdays.WorkingCalendar(db_session)
    used = _pause_days(cal, clocks.unit, clocks.start, until) - sum(
        _pause_days(cal, clocks.unit, max(p.start, clocks.start), min(p.end, until)) for p in clocks.pauses)
    return max(used, 0)
