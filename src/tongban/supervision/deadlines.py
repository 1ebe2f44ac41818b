"""The warning colours of any promised date that is not a case's (help-ticket replies, complaint steps,
rectification tasks, staff suggestions, the 办不成事 desk): yellow when little time is left, red when it is past,
as for cases (SUP-02). One rule; each domain says only which date is promised and whether its clock still runs."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from tongban.supervision.enums import WarningLevel
from tongban.workdays.service import working_days_between


def level(*, db_session: Session, today: date, due: date | None, yellow_days: int = 1) -> WarningLevel | None:
    """red after `due`; yellow when `yellow_days` working days or fewer are left; None otherwise or with no date."""
    if due is None:
        return None
    if today > due:
        return WarningLevel.red
    if working_days_between(db_session=db_session, start=today, end=due) <= yellow_days:
        return WarningLevel.yellow
    return None
