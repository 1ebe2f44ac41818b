"""Tables of the service item catalog (事项库): regions, agencies, items and their versions."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from tongban.core.db import Base, UtcDateTime


class Region(Base):
    """行政区划 (GB/T 2260), national down to village (CAT-08)."""

    __tablename__ = "region"

    code: Mapped[str] = mapped_column(String(12), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    level: Mapped[str] = mapped_column(String(20), index=True)
    parent_code: Mapped[str | None] = mapped_column(ForeignKey("region.code"), index=True)


class Agency(Base):
    """政务服务实施机构 or 管理机构 of one region (CAT-08)."""

    __tablename__ = "agency"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)  # USCC, or the source's code
    name: Mapped[str] = mapped_column(String(200), index=True)
    short_name: Mapped[str] = mapped_column(String(100), default="")
    region_code: Mapped[str] = mapped_column(ForeignKey("region.code"), index=True)
    level: Mapped[str] = mapped_column(String(20))
    is_management: Mapped[bool] = mapped_column(Boolean, default=False)
    address: Mapped[str] = mapped_column(String(300), default="")
    consult_phone: Mapped[str] = mapped_column(String(40), default="")
    complaint_phone: Mapped[str] = mapped_column(String(40), default="")
    email: Mapped[str] = mapped_column(String(100), default="")
    hours: Mapped[str] = mapped_column(String(300), default="")
    website: Mapped[str] = mapped_column(String(300), default="")

    region: Mapped[Region] = relationship(lazy="joined")


class DirectoryEntry(Base):
    """基本目录 (目录清单): the unified entry every implementation refines (CAT-02; 003 四(二)).

    Compiled per level by the competent departments of a region (``region_code``: 000000 for the
    national list, a province or a city). Name, type and basis here are the published revision's;
    they change only when a revision is published. ``state`` is draft (never published), published,
    or needs_review (taken over from implementation data, waiting for the management agency).
    """

    __tablename__ = "directory_entry"
    __table_args__ = (UniqueConstraint("code_scheme", "basic_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    basic_code: Mapped[str] = mapped_column(String(100))
    code_scheme: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(200))
    item_type: Mapped[str] = mapped_column(String(30))
    level: Mapped[str] = mapped_column(String(20), default="")
    legal_basis: Mapped[list] = mapped_column(JSON, default=list)
    region_code: Mapped[str] = mapped_column(String(12), default="000000", index=True)
    state: Mapped[str] = mapped_column(String(20), default="draft", index=True)
    published_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class DirectoryRevision(Base):
    """One proposed or past state of a directory entry's elements: the entry's history (CAT-02)."""

    __tablename__ = "directory_revision"
    __table_args__ = (
        UniqueConstraint("entry_id", "number"),
        Index(
            "uq_directory_revision_one_open",
            "entry_id",
            unique=True,
            sqlite_where=text("state IN ('draft', 'submitted', 'returned', 'approved')"),
            postgresql_where=text("state IN ('draft', 'submitted', 'returned', 'approved')"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("directory_entry.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(20), index=True)
    name: Mapped[str] = mapped_column(String(200))
    item_type: Mapped[str] = mapped_column(String(30))
    level: Mapped[str] = mapped_column(String(20))
    legal_basis: Mapped[list] = mapped_column(JSON, default=list)
    change_note: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    created_by: Mapped[str] = mapped_column(String(100), default="")
    # who wrote it and who sent it for review, as staff refs: neither may review or publish it
    proposed_by_ref: Mapped[str] = mapped_column(String(40), default="")
    submitted_by_ref: Mapped[str] = mapped_column(String(40), default="")
    submitted_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    reviewed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    reviewed_by: Mapped[str] = mapped_column(String(100), default="")
    reviewed_by_ref: Mapped[str] = mapped_column(String(40), default="")
    review_comment: Mapped[str] = mapped_column(Text, default="")
    published_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    published_by: Mapped[str] = mapped_column(String(100), default="")


class Attachment(Base):
    """A content-addressed file: material sample, blank template or result sample."""

    __tablename__ = "attachment"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class ServiceItem(Base):
    """政务服务事项 (implementation list entry): identity that lasts across versions.

    Name, type and the other listed columns are copies of the live version's content, kept for
    listing and filtering; they change only when a version is published.
    """

    __tablename__ = "service_item"
    __table_args__ = (UniqueConstraint("code_scheme", "implementation_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    implementation_code: Mapped[str] = mapped_column(String(100))
    code_scheme: Mapped[str] = mapped_column(String(40))
    directory_entry_id: Mapped[int | None] = mapped_column(ForeignKey("directory_entry.id"), index=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"), index=True)
    region_code: Mapped[str] = mapped_column(ForeignKey("region.code"), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("service_item.id"), index=True)
    relation: Mapped[str] = mapped_column(String(10), default="main")
    situation: Mapped[str] = mapped_column(String(300), default="")
    status: Mapped[str] = mapped_column(String(20), default="active")
    status_reason: Mapped[str] = mapped_column(String(500), default="")
    alternative: Mapped[str] = mapped_column(String(500), default="")
    alternative_item_id: Mapped[int | None] = mapped_column(ForeignKey("service_item.id"))
    live_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("item_version.id", use_alter=True, name="fk_service_item_live_version")
    )
    name: Mapped[str] = mapped_column(String(200), index=True)
    item_type: Mapped[str] = mapped_column(String(30), index=True)
    level: Mapped[str] = mapped_column(String(20), index=True)
    handling_form: Mapped[str] = mapped_column(String(20), default="")
    handling_scope: Mapped[str] = mapped_column(String(20), default="")
    published_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)

    agency: Mapped[Agency] = relationship(lazy="joined")
    directory_entry: Mapped[DirectoryEntry | None] = relationship(lazy="joined")


class ItemVersion(Base):
    """One version of an item's elements; exactly one per item is published (CAT-11)."""

    __tablename__ = "item_version"
    __table_args__ = (
        UniqueConstraint("item_id", "number"),
        Index(
            "uq_item_version_one_published",
            "item_id",
            unique=True,
            sqlite_where=text("state = 'published'"),
            postgresql_where=text("state = 'published'"),
        ),
        Index(
            "uq_item_version_one_open",
            "item_id",
            unique=True,
            sqlite_where=text("state IN ('draft', 'submitted', 'returned', 'approved')"),
            postgresql_where=text("state IN ('draft', 'submitted', 'returned', 'approved')"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("service_item.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(20), index=True)
    content: Mapped[dict] = mapped_column(JSON)
    # SHA-256 of the content, set with it: a reader that caches parsed content checks this instead of loading the JSON
    content_sha256: Mapped[str] = mapped_column(String(64), default="")
    change_note: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    created_by: Mapped[str] = mapped_column(String(100), default="")
    submitted_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    reviewed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    reviewed_by: Mapped[str] = mapped_column(String(100), default="")
    review_comment: Mapped[str] = mapped_column(Text, default="")
    published_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    published_by: Mapped[str] = mapped_column(String(100), default="")

    @validates("content")
    def _digest_content(self, _key: str, content: dict) -> dict:
        self.content_sha256 = content_digest(content)
        return content


def content_digest(content: dict) -> str:
    """The digest of a version's content, the same for equal content whatever the order of its keys."""
    canonical = json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


class ItemFacet(Base):
    """Filterable classifications of the live version: theme, life stage, tag, audience, channel (CAT-09)."""

    __tablename__ = "item_facet"

    item_id: Mapped[int] = mapped_column(ForeignKey("service_item.id", ondelete="CASCADE"), primary_key=True)
    facet: Mapped[str] = mapped_column(String(20), primary_key=True)
    value: Mapped[str] = mapped_column(String(60), primary_key=True, index=True)
