"""The ratings API's request and answer shapes."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field


class RatingCreate(BaseModel):
    """Either a signed `token` (the link sent to the person served) or, signed in, `subject_kind` + `subject_id`."""

    model_config = ConfigDict(extra="forbid")
    token: str = Field(default="", max_length=200)
    subject_kind: str = Field(default="", max_length=20)
    subject_id: int = Field(default=0, ge=0, le=2**31 - 1)
    level: int = Field(ge=-1000, le=1000)
    dimensions: list[str] = Field(default_factory=list, max_length=10)
    comment: str = Field(default="", max_length=20_000)
    channel: str = Field(default="web", max_length=20)


class AddendumIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str = Field(max_length=20_000)


class SatisfiedIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    satisfied: bool


class TaskOut(BaseModel):
    id: int
    state: str
    state_label: str
    due: date
    warning: str | None = None
    warning_label: str = ""
    late_days: int = 0
    verification: str = ""
    rectification: str = ""
    feedback: str = ""
    person_satisfied: bool | None = None


class RatingOut(BaseModel):
    id: int
    subject_kind: str
    subject_label: str
    subject_ref: str
    level: int
    level_label: str
    dimensions: list[str]
    dimension_labels: list[str]
    comment: str
    addendum: str
    channel: str
    item_name: str
    created_at: datetime
    valid: bool
    task: TaskOut | None = None


class RatingList(BaseModel):
    items: list[RatingOut]


class StaffRatingOut(RatingOut):
    agency_id: int | None
    hall_id: int | None
    window_number: int | None
    staff_name: str
    rater: str  # "person:N 张*" for rectification and supervision staff, "（已隐藏）" otherwise
    invalid_kind: str
    invalid_reason: str


class StaffRatingList(BaseModel):
    items: list[StaffRatingOut]


class VerifyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    true: bool
    invalid_kind: str = Field(default="", max_length=20)
    note: str = Field(default="", max_length=20_000)


class TextIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str = Field(max_length=20_000)


class LedgerRow(BaseModel):
    task: TaskOut
    rating: StaffRatingOut


class Ledger(BaseModel):
    items: list[LedgerRow]


class AggregateRowOut(BaseModel):
    key: str
    label: str
    count: int
    satisfied: int
    bad: int
    satisfaction_rate: float | None
    bad_rate: float | None
    dimensions: dict[str, int]


class AggregateOut(BaseModel):
    by: str
    month_from: str
    month_to: str
    rows: list[AggregateRowOut]


class VisitOut(BaseModel):
    id: int
    month: str
    subject_kind: str
    subject_ref: str
    state: str
    state_label: str
    method: str
    answer_level: int | None
    note: str
    rating_level: int | None


class VisitList(BaseModel):
    items: list[VisitOut]


class DrawIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    month: str = Field(pattern=r"^\d{4}-\d{2}$")


class DrawOut(BaseModel):
    month: str
    drawn: int


class VisitRecordIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    method: str = Field(max_length=20)
    reached: bool = True
    answer_level: int | None = Field(default=None, ge=-1000, le=1000)
    note: str = Field(default="", max_length=20_000)
