"""Due dates of a case: the legal and promised limits counted from acceptance, pauses excluded (CASE-11, CASE-14; SUP-01, SUP-02)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from tongban.cases.models import Case, CasePause
from tongban.core import calendar
from tongban.core.clock import SHANGHAI, Clock


def local_day(value) -> date:
    return value.astimezone(SHANGHAI).date()


def paused_days(*, db_session: Session, clock: Clock, case: Case) -> int:
    """Working (or natural) days spent in supplements and special procedures; an open pause counts up to today."""
    total = 0
    for pause in db_session.scalars(select(CasePause).where(CasePause.case_id == case.id)):
        start = local_day(pause.started_at)
        end = local_day(pause.ended_at) if pause.ended_at else clock.today()
        if end <= start:
            continue
        if case.limit_unit == "natural_day":
            total += (end - start).days
        else:
            total += calendar.working_days_between(db_session=db_session, start=start, end=end)
    return total


def recompute(*, db_session: Session, clock: Clock, case: Case) -> None:
    """Called on every event that starts or ends the clock or a pause."""
    if case.accepted_at is None:
        return
    start = local_day(case.accepted_at)
    paused = paused_days(db_session=db_session, clock=clock, case=case)
    for limit, attr in ((case.legal_limit_days, "legal_due"), (case.promised_limit_days, "promised_due")):
        if limit is None:
            setattr(case, attr, None)
            continue
        due = calendar.add_days(db_session=db_session, start=start, days=limit + paused, unit=case.limit_unit)
        setattr(case, attr, due.due)
