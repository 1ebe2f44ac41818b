"""What the supervision API takes and returns."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from tongban.supervision import stats
from tongban.supervision.status import CaseStatus


class NamedDay(BaseModel):
    date: date
    name: str


class PauseOut(BaseModel):
    kind: str
    label: str
    name: str
    start: date
    end: date
    open: bool
    days: int = Field(description="不计入时限的天数（受理前的补正不计）")


class LimitOut(BaseModel):
    kind: str = Field(description="legal（法定）或 promised（承诺）")
    label: str
    limit_days: int
    paused_days: int
    counted_days: int = Field(description="时限天数加暂停天数：自起算日后第几个工作日（自然日）")
    due: date
    status: str
    status_label: str
    remaining: int | None = Field(description="今天之后剩余天数，负数为已超期；已办结为空")
    holidays_skipped: list[NamedDay]
    weekend_days_skipped: int
    makeup_workdays: list[NamedDay]
    unknown_years: list[int]
    explanation: str


class ClockOut(BaseModel):
    case_id: int
    status: str
    status_label: str
    start: date | None = Field(description="起算日（受理日，当日不计）；未受理为空")
    unit: str
    unit_label: str
    paused_days: int
    pauses: list[PauseOut]
    limits: list[LimitOut]
    calendar_flagged: bool = Field(description="计算涉及尚未录入节假日安排的年份，结果按仅周末休息估算")
    unknown_years: list[int]


def clock_out(status: CaseStatus) -> ClockOut:
    return ClockOut(
        case_id=status.case_id, status=status.status.value, status_label=status.status.label, start=status.start,
        unit=status.unit.value, unit_label=status.unit.label, paused_days=status.paused_days,
        pauses=[PauseOut(kind=p.kind, label=p.label, name=p.name, start=p.start, end=p.end, open=p.open, days=p.days)
                for p in status.pauses],
        limits=[LimitOut(kind=l.kind, label=l.label, limit_days=l.limit_days, paused_days=l.paused_days,
                         counted_days=l.limit_days + l.paused_days, due=l.due, status=l.status.value,
                         status_label=l.status.label, remaining=l.remaining,
                         holidays_skipped=[NamedDay(date=d, name=n) for d, n in l.holidays_skipped],
                         weekend_days_skipped=l.weekend_days_skipped,
                         makeup_workdays=[NamedDay(date=d, name=n) for d, n in l.makeup_workdays],
                         unknown_years=l.unknown_years, explanation=l.text) for l in status.limits],
        calendar_flagged=status.flagged, unknown_years=status.unknown_years,
    )


class MonitoredOut(BaseModel):
    case_id: int
    case_number: str
    item_name: str
    agency_id: int
    agency_name: str
    region_code: str
    state: str
    status: str
    status_label: str
    due: date | None
    remaining: int | None
    dispatched: bool
    excused: str = Field("", description="超期与已登记的平台故障重叠时的说明：不计入绩效")


class StageOut(BaseModel):
    state: str
    label: str
    counts: dict[str, int]


class MonitorOut(BaseModel):
    level: str
    counts: dict[str, int]
    stages: list[StageOut]
    total: int
    cases: list[MonitoredOut]
    calendar_missing_years: list[int] = Field(description="今年、明年中尚未录入节假日安排的年份")


class RowOut(BaseModel):
    key: str
    label: str
    received: int
    accepted: int
    decided: int
    on_time: int
    late: int
    excluded: int = Field(description="因平台故障不计入绩效的超期办件")
    on_time_rate: float | None
    average_days: float | None
    returned: int
    return_rate: float | None
    errors: int
    error_rate: float | None


class ExcludedOut(BaseModel):
    case_id: int
    case_number: str
    reason: str


class StatsOut(BaseModel):
    dimension: str
    start: date
    end: date
    rows: list[RowOut]
    total: RowOut
    excluded: list[ExcludedOut]


def row_out(row: stats.Row) -> RowOut:
    return RowOut(key=row.key, label=row.label, received=row.received, accepted=row.accepted, decided=row.decided,
                  on_time=row.on_time, late=row.late, excluded=row.excluded, on_time_rate=row.on_time_rate,
                  average_days=row.average_days, returned=row.returned, return_rate=row.return_rate, errors=row.errors,
                  error_rate=row.error_rate)


def stats_out(report: stats.Report) -> StatsOut:
    return StatsOut(dimension=report.dimension.value, start=report.period.start, end=report.period.end,
                    rows=[row_out(r) for r in report.rows], total=row_out(report.total),
                    excluded=[ExcludedOut(case_id=c.id, case_number=c.case_number or "", reason=r) for c, r in report.excluded_cases])


class ReasonOut(BaseModel):
    kind: str
    label: str
    count: int
    total: int
    rate: float
    threshold: float


class FlagOut(BaseModel):
    item_id: int
    item_name: str
    reasons: list[ReasonOut]


class FaultIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    started_at: datetime = Field(description="开始时间（ISO 8601，带时区；不带时区按北京时间）")
    ended_at: datetime
    cause: str = Field(max_length=20, description="fault（系统故障）、upgrade（系统升级）或 change（功能调整）")
    description: str = Field(max_length=2000)
    agency_id: int | None = Field(None, ge=1, le=2**31 - 1)
    item_id: int | None = Field(None, ge=1, le=2**31 - 1)


class FaultOut(BaseModel):
    id: int
    started_at: datetime
    ended_at: datetime
    cause: str
    cause_label: str
    description: str
    region_code: str
    agency_id: int | None
    item_id: int | None
    recorded_by_name: str
    recorded_at: datetime


class ErrorIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    case_number: str = Field(max_length=40)
    kind: str = Field(max_length=30)
    note: str = Field(max_length=2000)


class ErrorOut(BaseModel):
    id: int
    case_id: int
    kind: str
    kind_label: str
    note: str
    recorded_at: datetime


class DispatchOut(BaseModel):
    id: int
    case_id: int
    level: str
    role: str
    title: str
    body: str
    created_at: datetime
    read_at: datetime | None


class WarningRuleIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    share: float = Field(0.0, ge=0, le=10, description="剩余时限比例不超过它时预警，0 表示不按比例")
    days: int = Field(0, ge=0, le=10_000, description="剩余天数不超过它时预警，0 表示不按天数")


class WarningRuleOut(BaseModel):
    item_id: int
    share: float
    days: int
    updated_at: datetime
