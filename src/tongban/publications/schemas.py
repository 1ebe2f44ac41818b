"""Validated input and the JSON shapes of publications (政策法规与通知公告)."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, computed_field, field_validator

from tongban.core.links import WebLink
from tongban.publications.enums import PublicationKind, PublicationStatus

BODY_MAX = 50_000


class PublicationIn(BaseModel):
    """What staff send to create or replace a publication."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    kind: PublicationKind
    title: Annotated[str, Field(min_length=1, max_length=200)]
    document_number: Annotated[str, Field(max_length=100)] = ""  # 文号
    issuer: Annotated[str, Field(max_length=200)] = ""  # 发布机关; the agency's name when left empty
    agency_id: Annotated[int, Field(ge=1)] | None = None
    region_code: Annotated[str, Field(pattern=r"^(\d{6}|\d{9}|\d{12})?$")] = ""  # the agency's region when left empty
    summary: Annotated[str, Field(max_length=2000)] = ""
    body: Annotated[str, Field(max_length=BODY_MAX)] = ""
    source_url: WebLink = ""
    issued_on: str  # YYYY-MM-DD, the date on the document

    @field_validator("issued_on")
    @classmethod
    def _real_date(cls, value: str) -> str:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            raise ValueError("发布日期的格式应为 YYYY-MM-DD，例如 2019-04-26")
        try:
            day = date.fromisoformat(value)
        except ValueError:
            raise ValueError(f"发布日期 {value} 不是真实存在的日期") from None
        if not 1949 <= day.year <= 2100:
            raise ValueError("发布日期的年份应在 1949 到 2100 之间")
        return value


class PublicationSummaryOut(BaseModel):
    """One row of a list: everything but the body."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: PublicationKind
    title: str
    document_number: str
    issuer: str
    agency_id: int | None
    region_code: str
    summary: str
    source_url: str
    issued_on: str
    status: PublicationStatus
    created_at: datetime
    updated_at: datetime

    @computed_field
    @property
    def kind_label(self) -> str:
        return self.kind.label

    @computed_field
    @property
    def page_url(self) -> str:
        return f"/publications/{self.id}"


class PublicationOut(PublicationSummaryOut):
    body: str


class PublicationListOut(BaseModel):
    items: list[PublicationSummaryOut]
    total: int
    limit: int
    offset: int
