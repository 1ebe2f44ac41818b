"""Tables of the working-day calendar: special days and the years entered (SUP-01; 002 9.2.1.8)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from tongban.core.db import Base, UtcDateTime


class CalendarDay(Base):
    """A day that differs from the Monday-to-Friday rule: 法定节假日 or 调休上班日."""

    __tablename__ = "calendar_day"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))  # DayKind
    name: Mapped[str] = mapped_column(String(60), default="")  # 春节, 国庆节 ...
    source: Mapped[str] = mapped_column(String(20))  # "chinesecalendar" or "admin"
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_by: Mapped[str] = mapped_column(String(60), default="")


class CalendarYear(Base):
    """A year whose holiday arrangement (国务院办公厅节假日安排) has been entered; only complete years are known."""

    __tablename__ = "calendar_year"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    complete: Mapped[bool] = mapped_column(Boolean, default=False)
    source: Mapped[str] = mapped_column(String(20))  # "chinesecalendar" or "admin"
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_by: Mapped[str] = mapped_column(String(60), default="")
    # Random, replaced by every change of the year's days (`service._touch_year`), so a process can keep the days it
    # read under a revision and know them still current while the revision is; "" is never cached.
    revision: Mapped[str] = mapped_column(String(32), default="")
