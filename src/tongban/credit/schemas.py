"""Request and answer shapes of the credit API."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ListEntryOut(BaseModel):
    id: int
    item_id: int
    item_name: str
    agency_name: str
    region_code: str
    list_kind: str
    list_label: str
    check_days: int
    note: str


class ListEntries(BaseModel):
    items: list[ListEntryOut]


class ListEntryIn(_In):
    item_id: Annotated[int, Field(ge=1, le=2**31 - 1)]
    list_kind: Annotated[str, Field(max_length=20)]
    check_days: Annotated[int, Field(ge=1, le=90)] | None = None
    note: Annotated[str, Field(max_length=300)] = ""


class TreatmentOut(BaseModel):
    case_id: int
    case_number: str
    item_name: str
    state: str
    grade: str
    grade_label: str
    grade_source: str
    treatments: list[str]
    treatment_labels: list[str]
    note: str
    decide_by: date | None
    warning: str | None


class Treatments(BaseModel):
    items: list[TreatmentOut]


class CheckOut(BaseModel):
    id: int
    case_id: int
    subject: str
    due_on: date
    state: str
    state_label: str
    finding: str
    checked_by: str
    checked_at: datetime | None
    warning: str | None


class Checks(BaseModel):
    items: list[CheckOut]


class CheckIn(_In):
    truthful: bool
    finding: Annotated[str, Field(max_length=1000)] = ""


class RepairOut(BaseModel):
    id: int
    state: str
    state_label: str
    evidence: str
    submitted_at: datetime
    reviewed_at: datetime | None
    review_note: str


class ExclusionOut(BaseModel):
    id: int
    subject: str
    reason: str
    state: str
    state_label: str
    created_at: datetime
    lifted_at: datetime | None
    repairs: list[RepairOut]


class Exclusions(BaseModel):
    items: list[ExclusionOut]


class RepairIn(_In):
    evidence: Annotated[str, Field(max_length=2000)]


class ReviewIn(_In):
    approve: bool
    note: Annotated[str, Field(max_length=1000)] = ""
