"""The public due-date API: when does a time limit end, counted in working or natural days (SUP-01)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from tongban.web.deps import Db
from tongban.workdays import service as workdays
from tongban.workdays.schemas import DueOut, NamedDay

router = APIRouter(prefix="/api/v1/calendar", tags=["calendar"])


@router.get("/due", response_model=DueOut, summary="计算办理时限的截止日（起算日当日不计）")
def api_due(
    db: Db,
    start: Annotated[str, Query(max_length=20, description="起算日，如 2026-09-30")],
    days: Annotated[int, Query(ge=0, le=workdays.MAX_LIMIT_DAYS, description="天数")],
    unit: Annotated[str, Query(max_length=20, description="working_day（工作日）或 natural_day（自然日）")] = "working_day",
) -> DueOut:
    result = workdays.add_days(db_session=db, start=workdays.parse_date(start), days=days, unit=unit)
    return DueOut(start=result.start, days=result.days, unit=result.unit.value, due=result.due, flagged=result.flagged,
                  unknown_years=result.unknown_years, weekend_days_skipped=result.weekend_days_skipped,
                  holidays_skipped=[NamedDay(date=d, name=n) for d, n in result.holidays_skipped],
                  makeup_workdays=[NamedDay(date=d, name=n) for d, n in result.makeup_workdays],
                  explanation=result.explanation)
