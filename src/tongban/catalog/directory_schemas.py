"""What a directory entry (基本目录) is made of, in and out (CAT-02; 003 四(二))."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from tongban.catalog.enums import ItemType, Level
from tongban.catalog.schemas import LegalBasis

# 003 四(二): 目录清单划分为国家级、省级、市级等层次.
DIRECTORY_LEVELS = (Level.national, Level.province, Level.city)


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class EntryElements(_Model):
    """The elements the directory fixes for every implementation: name, type, basis (the code is the identity)."""

    name: Annotated[str, Field(min_length=1, max_length=200)]
    item_type: ItemType
    legal_basis: list[LegalBasis] = []
    change_note: Annotated[str, Field(max_length=500)] = ""


class EntryIn(EntryElements):
    """A new entry of the list of one region and level."""

    basic_code: Annotated[str, Field(min_length=1, max_length=100)]
    code_scheme: Annotated[str, Field(min_length=1, max_length=40)] = "tongban"
    region_code: Annotated[str, Field(pattern=r"^\d{6}$")]
    level: Level


class ReviewIn(_Model):
    comment: Annotated[str, Field(max_length=2000)] = ""


class ReturnIn(_Model):
    reasons: Annotated[str, Field(min_length=1, max_length=2000)]


class RevisionOut(BaseModel):
    id: int
    entry_id: int
    number: int
    state: str
    name: str
    item_type: str
    level: str
    legal_basis: list[dict]
    change_note: str
    created_at: datetime
    created_by: str
    submitted_at: datetime | None
    reviewed_at: datetime | None
    reviewed_by: str
    review_comment: str
    published_at: datetime | None
    published_by: str


class EntryOut(BaseModel):
    id: int
    basic_code: str
    code_scheme: str
    name: str
    item_type: str
    level: str
    region_code: str
    state: str
    legal_basis: list[dict]
    published_at: datetime | None
    implementations: int = 0


class EntryDetailOut(EntryOut):
    open_revision: RevisionOut | None = None
    items: list[dict] = []


class EntryListOut(BaseModel):
    entries: list[EntryOut]
    total: int


class ImportOut(BaseModel):
    created: int
    updated: int
    unchanged: int
