"""Tables of bundles (一件事): definitions, versioned and reviewed like items (migration 0028); bundle cases and their
sub-cases, one per item in each agency's queue (migration 0032)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from tongban.core.crypto import EncryptedText
from tongban.core.db import Base, UtcDateTime


# --- definitions (0028) ---------------------------------------------------------------------------------------

class Bundle(Base):
    """One "one thing" (一件事) of a region: what the public list shows (BND-01)."""

    __tablename__ = "bundle"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    theme: Mapped[str] = mapped_column(String(200))
    audience: Mapped[str] = mapped_column(String(10))  # person / org
    region_code: Mapped[str] = mapped_column(String(12), index=True)
    lead_agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"))
    status: Mapped[str] = mapped_column(String(20), default="draft")  # draft / active / withdrawn
    live_version_id: Mapped[int | None] = mapped_column(Integer, nullable=True)  # the published BundleVersion
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class BundleVersion(Base):
    """One version of a bundle's definition (`bundles.definition.BundleDefinition` as JSON), drafted, reviewed and
    published like an item version; a published version never changes."""

    __tablename__ = "bundle_version"
    __table_args__ = (UniqueConstraint("bundle_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    bundle_id: Mapped[int] = mapped_column(ForeignKey("bundle.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(20))  # draft / in_review / published / rejected / superseded
    definition: Mapped[dict] = mapped_column(JSON)
    digest: Mapped[str] = mapped_column(String(64))  # SM3 of the canonical JSON
    note: Mapped[str] = mapped_column(Text, default="")  # what changed / the reviewer's reason
    created_by: Mapped[str] = mapped_column(String(100))
    reviewed_by: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    published_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


# --- bundle cases (0032) --------------------------------------------------------------------------------------

class BundleCase(Base):
    """One submission of a bundle: the person's answers, the items they led to, and one sub-case per item (BND-07)."""

    __tablename__ = "bundle_case"
    __table_args__ = (UniqueConstraint("submitter_ref", "idempotency_key"), Index("ix_bundle_case_queue", "lead_agency_id", "state"))

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str | None] = mapped_column(String(40), unique=True, nullable=True)
    bundle_id: Mapped[int] = mapped_column(ForeignKey("bundle.id"), index=True)
    bundle_version_id: Mapped[int] = mapped_column(ForeignKey("bundle_version.id"))
    lead_agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"))
    region_code: Mapped[str] = mapped_column(String(12))
    subject_kind: Mapped[str] = mapped_column(String(10))  # person / org
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"), index=True, nullable=True)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"), nullable=True)
    applicant_name: Mapped[str] = mapped_column(EncryptedText)
    applicant_hash: Mapped[str] = mapped_column(String(64), index=True)
    submitter_ref: Mapped[str] = mapped_column(String(100))
    idempotency_key: Mapped[str] = mapped_column(String(80))
    answers: Mapped[dict] = mapped_column(JSON)
    items: Mapped[list] = mapped_column(JSON)  # the item codes that applied, in order, with why
    state: Mapped[str] = mapped_column(String(20))  # submitted / accepted / held / ready / delivered / refused / withdrawn
    state_note: Mapped[str] = mapped_column(Text, default="")  # which part holds the bundle, and why
    overall_limit_days: Mapped[int] = mapped_column(Integer, default=0)  # BND-06
    accepted_by: Mapped[str] = mapped_column(String(100), default="")
    accepted_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    delivered_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class BundlePart(Base):
    """One sub-case of a bundle case: a case of `cases` in its agency's queue."""

    __tablename__ = "bundle_part"
    __table_args__ = (UniqueConstraint("bundle_case_id", "item_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    bundle_case_id: Mapped[int] = mapped_column(ForeignKey("bundle_case.id", ondelete="CASCADE"), index=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("case_record.id"), unique=True, nullable=True)  # None: waits for earlier items
    item_id: Mapped[int] = mapped_column(ForeignKey("service_item.id"))
    item_code: Mapped[str] = mapped_column(String(60))
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"))
    stage: Mapped[int] = mapped_column(Integer, default=1)  # 1 starts at once; n starts when stage n-1 is done
    state: Mapped[str] = mapped_column(String(30), default="waiting")  # mirrors the case state; waiting before it exists
