"""The JSON shapes of bundle submission and handling (BND-07): what the person sends and reads, what the lead window
reads and sends."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from tongban.cases.schemas import FileIn


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class BundleApplicationIn(_In):
    answers: dict[Annotated[str, Field(max_length=40)], Annotated[str, Field(max_length=40)]]
    organisation_id: Annotated[int, Field(ge=1, le=2**31 - 1)] | None = None
    form: dict[Annotated[str, Field(max_length=40)], Annotated[str, Field(max_length=4000)]] = {}
    exemptions: dict[Annotated[str, Field(max_length=40)], Annotated[str, Field(max_length=20)]] = {}
    files: Annotated[list[FileIn], Field(max_length=40)] = []  # material_key: the merged key (m1, m2 …)
    delivery_method: Annotated[str, Field(max_length=30)] | None = None


class ExemptionOut(BaseModel):
    kind: str
    label: str
    ref: str


class MergedFieldOut(BaseModel):
    key: str
    label: str
    kind: str
    required: bool
    options: list[str]
    used_by: dict[str, str]


class MergedMaterialOut(BaseModel):
    key: str
    name: str
    required: bool
    e_form: bool
    items: list[str]
    match_rule: str
    exemptions: list[ExemptionOut]


class BundleFormOut(BaseModel):
    bundle_id: int
    answers: dict[str, str]
    items: list[dict]
    fields: list[MergedFieldOut]
    prefill: dict[str, str]
    materials: list[MergedMaterialOut]
    delivery_methods: list[dict[str, str]]
    overall_limit_days: int


class PartOut(BaseModel):
    item_code: str
    item_name: str
    agency_name: str
    stage: int
    case_id: int
    case_number: str | None
    state: str
    state_label: str
    waiting_for: list[str]
    hold: str


class BundleCaseOut(BaseModel):
    id: int
    number: str
    bundle_name: str
    state: str
    state_label: str
    state_note: str
    overall_limit_days: int
    created_at: datetime
    accepted_at: datetime | None
    delivered_at: datetime | None
    parts: list[PartOut]


class BundleCaseListOut(BaseModel):
    bundle_cases: list[BundleCaseOut]


class AcceptIn(_In):
    on_site: Annotated[str, Field(max_length=300)] = ""  # where originals are checked, for items that check them
    on_site_at: datetime | None = None


class HandOverIn(_In):
    id_kind: Annotated[str, Field(max_length=30)] = "resident_id"
    id_number: Annotated[str, Field(max_length=40)] = ""
    carrier: Annotated[str, Field(max_length=40)] = ""
    tracking_number: Annotated[str, Field(max_length=30)] = ""
    address: Annotated[str, Field(max_length=300)] = ""
