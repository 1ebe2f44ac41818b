"""The bundles API's request and answer shapes."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

AnswerKey = Annotated[str, StringConstraints(max_length=40)]
AnswerValue = Annotated[str, StringConstraints(max_length=40)]


class AgencyRef(BaseModel):
    code: str
    name: str


class BundleItemRef(BaseModel):
    code: str
    name: str
    role: str
    role_label: str
    item_id: int | None


class BundleSummary(BaseModel):
    id: int
    code: str
    name: str
    theme: str
    audience: str
    audience_label: str
    region_code: str
    summary: str
    lead_agency: AgencyRef
    cooperating_agencies: list[AgencyRef]
    items: list[BundleItemRef]
    url: str


class BundleList(BaseModel):
    bundles: list[BundleSummary]
    total: int


class BundleDetail(BundleSummary):
    start: str
    questions: list[dict[str, Any]]
    rules: list[dict[str, Any]]
    shared_materials: list[dict[str, Any]]


class AnswersIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    answers: Annotated[dict[AnswerKey, AnswerValue], Field(max_length=60)] = {}


class NextOut(BaseModel):
    complete: bool
    question: dict[str, Any] | None
    answered: list[dict[str, Any]]


class PlanOut(BaseModel):
    bundle_id: int
    bundle_version_id: int
    answers: dict[str, str]
    items: list[dict[str, Any]]
    materials: list[dict[str, Any]]
    form: list[dict[str, Any]]
    stages: list[dict[str, Any]]
    overall_limit_days: int
    limit_rule: str
    notes: list[str]
    apply_url: str


class DraftIn(BaseModel):
    definition: dict[str, Any]
    note: Annotated[str, StringConstraints(max_length=1000)] = ""


class ReasonsIn(BaseModel):
    reasons: Annotated[str, StringConstraints(max_length=1000)] = ""


class StatusIn(BaseModel):
    status: Annotated[str, StringConstraints(max_length=20)]


class VersionOut(BaseModel):
    id: int
    bundle_id: int
    number: int
    state: str
    state_label: str
    note: str
    digest: str
    created_by: str
    reviewed_by: str
    definition: dict[str, Any]


class StaffBundleOut(BaseModel):
    id: int
    code: str
    name: str
    status: str
    status_label: str
    region_code: str
    live_version_id: int | None
    versions: list[VersionOut]
    problems: list[str]


class StaffBundleList(BaseModel):
    bundles: list[dict[str, Any]]
    total: int
