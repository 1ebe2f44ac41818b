"""Kinds of special day and units of a limit on the working-day calendar (SUP-01)."""

from __future__ import annotations

from enum import StrEnum


class DayKind(StrEnum):
    holiday = "holiday"  # 法定节假日（放假，含落在周末的假日）
    workday = "workday"  # 调休上班日（周末上班）

    @property
    def label(self) -> str:
        return "法定节假日" if self is DayKind.holiday else "调休上班日"


class LimitUnit(StrEnum):
    working_day = "working_day"  # 工作日（不含法定节假日和周末，含调休上班日）
    natural_day = "natural_day"  # 自然日

    @property
    def label(self) -> str:
        return "工作日" if self is LimitUnit.working_day else "自然日"
