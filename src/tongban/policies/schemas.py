"""Request and answer shapes of the policies API."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ConditionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    field: Annotated[str, Field(max_length=40)]
    op: Annotated[str, Field(max_length=20)]
    value: Any = None


class PolicyIn(_In):
    name: Annotated[str, Field(max_length=100)]
    benefit: Annotated[str, Field(max_length=300)]
    agency_id: Annotated[int, Field(ge=1, le=2**31 - 1)]
    region_code: Annotated[str, Field(max_length=12)]
    notice_days: Annotated[int, Field(ge=-1000, le=1000)]
    conditions: Annotated[list[ConditionIn], Field(max_length=50)]
    basis: Annotated[str, Field(max_length=300)] = ""


class PolicyOut(BaseModel):
    id: int
    name: str
    benefit: str
    agency_id: int
    agency_name: str
    region_code: str
    notice_days: int
    conditions: list[dict]
    conditions_text: list[str]
    basis: str
    status: str


class PolicyList(BaseModel):
    items: list[PolicyOut]


class EligibleOut(BaseModel):
    id_masked: str
    name_masked: str
    data: dict[str, Any]


class DryRunOut(BaseModel):
    policy_id: int
    eligible: int
    already_offered: int
    people: list[EligibleOut]


class MatchOut(BaseModel):
    policy_id: int
    eligible: int
    offered: int
    notified: int


class GrantOut(BaseModel):
    id: int
    policy_id: int
    policy_name: str
    benefit: str
    state: str
    state_label: str
    offered_at: datetime
    grant_on: date
    decided_at: datetime | None
    decline_reason: str


class StaffGrantOut(BaseModel):
    id: int
    id_masked: str
    name_masked: str
    state: str
    state_label: str
    notified: str
    grant_on: date
    data: dict[str, Any]


class GrantList(BaseModel):
    items: list[GrantOut]


class StaffGrantList(BaseModel):
    items: list[StaffGrantOut]


class DeclineIn(_In):
    reason: Annotated[str, Field(max_length=300)] = ""
