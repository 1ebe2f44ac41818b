"""The API's request and answer shapes for cross-region service (/api/v1/crossregion, /api/v1/staff/crossregion)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from tongban.cases.schemas import FileIn


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ZoneItemOut(BaseModel):
    id: int
    name: str
    code: str
    agency_name: str
    region_code: str
    scope: str
    scope_label: str
    place: str
    place_label: str
    handling_form: str
    guide_url: str


class ZoneItemList(BaseModel):
    items: list[ZoneItemOut]
    total: int


class ApplicantIn(_In):
    name: Annotated[str, Field(min_length=1, max_length=100)]
    id_kind: Annotated[str, Field(max_length=30)] = "resident_id"
    id_number: Annotated[str, Field(min_length=1, max_length=40)]
    phone: Annotated[str, Field(max_length=20)] = ""


class RemoteIntakeIn(_In):
    """异地收件: the handling region's item, the applicant as checked at this window, the form, the materials and how
    the result comes back."""

    item_id: Annotated[int, Field(ge=1, le=2**31 - 1)]
    applicant: ApplicantIn
    form: dict[Annotated[str, Field(max_length=40)], Annotated[str, Field(max_length=4000)]] = {}
    files: Annotated[list[FileIn], Field(max_length=40)] = []
    delivery_choice: Annotated[str, Field(max_length=20)]
    delivery_address: Annotated[str, Field(max_length=300)] = ""


class HandOverIn(_In):
    id_kind: Annotated[str, Field(max_length=30)] = "resident_id"
    id_number: Annotated[str, Field(min_length=1, max_length=40)]


class StepOut(BaseModel):
    at: str
    state: str
    state_label: str
    note: str


class HandoverOut(BaseModel):
    id: int
    side: str
    side_label: str
    state: str
    state_label: str
    item_name: str
    item_code: str
    origin_region: str
    origin_agency_name: str
    handling_region: str
    case_id: int | None
    case_number: str
    applicant_name: str  # masked
    applicant_phone: str  # masked
    delivery_choice: str
    delivery_label: str
    delivery_address: str
    filed_by_name: str
    materials: list[dict]
    feedback_note: str
    feedback_at: datetime | None
    handed_over_at: datetime | None
    steps: list[StepOut]
    created_at: datetime


class HandoverList(BaseModel):
    items: list[HandoverOut]
    total: int


class PlaceIn(_In):
    place: Annotated[str, Field(max_length=20)]
    note: Annotated[str, Field(max_length=300)] = ""


class PlaceOut(BaseModel):
    item_id: int
    place: str
    place_label: str
    note: str


class RouteOut(BaseModel):
    case_id: int
    applied_item_id: int
    filed_item_id: int
    applied_region: str
    home_region: str
    outcome: str
    outcome_label: str
    reason: str
    created_at: datetime


class RouteList(BaseModel):
    items: list[RouteOut]


class LiaisonIn(_In):
    agency_id: Annotated[int, Field(ge=1, le=2**31 - 1)]
    contact_name: Annotated[str, Field(max_length=50)]
    phone: Annotated[str, Field(max_length=20)]
    post: Annotated[str, Field(max_length=100)] = ""
    items: Annotated[list[Annotated[str, Field(max_length=200)]], Field(max_length=50)] = []
    note: Annotated[str, Field(max_length=500)] = ""


class LiaisonOut(BaseModel):
    id: int
    agency_id: int
    agency_name: str
    region_code: str
    region_name: str
    contact_name: str
    phone: str  # masked in lists, in full on one entry
    post: str
    items: list[str]
    note: str
    editable: bool
    updated_at: datetime


class LiaisonList(BaseModel):
    items: list[LiaisonOut]
    total: int
