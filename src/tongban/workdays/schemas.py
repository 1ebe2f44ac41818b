"""The calendar API's request and answer shapes, and how a calendar row becomes one."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from tongban.core.clock import Clock
from tongban.workdays import service as workdays


class DayIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: str = Field(max_length=20, description="holiday（法定节假日）或 workday（调休上班日）")
    name: str = Field("", max_length=60, description="名称，如 春节")


class DayOut(BaseModel):
    date: date
    kind: str
    kind_label: str
    name: str
    source: str
    updated_at: datetime
    updated_by: str


class YearOut(BaseModel):
    year: int
    entered: bool
    complete: bool = Field(description="已完整录入；否则涉及该年的时限按仅周末休息计算并被标记")
    source: str | None
    days: list[DayOut]
    missing_years: list[int] = Field(description="今年、明年中尚未录入的年份")


class ImportOut(BaseModel):
    year: int
    imported: int


class NamedDay(BaseModel):
    date: date
    name: str


class DueOut(BaseModel):
    start: date
    days: int
    unit: str
    due: date
    flagged: bool = Field(description="涉及未录入节假日安排的年份，结果按仅周末休息估算")
    unknown_years: list[int]
    holidays_skipped: list[NamedDay]
    weekend_days_skipped: int
    makeup_workdays: list[NamedDay]
    explanation: str


def day_out(row: workdays.CalendarDay) -> DayOut:
    return DayOut(date=row.day, kind=row.kind, kind_label=workdays.DayKind(row.kind).label, name=row.name, source=row.source,
                  updated_at=row.updated_at, updated_by=row.updated_by)


def year_out(db: Session, clock: Clock, year: int) -> YearOut:
    days = workdays.list_days(db_session=db, year=year)
    entered = workdays.get_year(db_session=db, year=year)
    return YearOut(year=year, entered=entered is not None, complete=bool(entered and entered.complete),
                   source=entered.source if entered else None, days=[day_out(d) for d in days],
                   missing_years=workdays.missing_years(db_session=db, clock=clock))


