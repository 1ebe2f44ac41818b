"""The tables of complaints (投诉), problem reports (问题反馈), staff suggestions (工作人员建议) and the 办不成事 desk.

Names, phones and check codes are SM4-encrypted at rest (EncryptedText)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from tongban.core.crypto import EncryptedText
from tongban.core.db import Base, UtcDateTime


class Complaint(Base):
    """投诉 (Complaint; RATE-04, RATE-05): registered, verified, assigned, disposed, answered to both sides, archived.

    The complainant's identity (person, name, phone) is shown to the complained-about agency only when
    `disclose_identity` is set by the complainant; the handling (supervision) staff always see it."""

    __tablename__ = "complaint"
    __table_args__ = (Index("ix_complaint_queue", "region_code", "state"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str | None] = mapped_column(String(20), unique=True)  # set once the id is known
    channel: Mapped[str] = mapped_column(String(20))  # Channel
    state: Mapped[str] = mapped_column(String(20), index=True)  # ComplaintState
    content: Mapped[str] = mapped_column(Text)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"), index=True)
    contact_name: Mapped[str | None] = mapped_column(EncryptedText)
    contact_phone: Mapped[str | None] = mapped_column(EncryptedText)
    check_code: Mapped[str] = mapped_column(EncryptedText)  # number + code reads it without an account
    disclose_identity: Mapped[bool] = mapped_column(Boolean, default=False)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"), index=True)  # the complained-about agency
    item_id: Mapped[int | None] = mapped_column(ForeignKey("service_item.id"), index=True)
    case_number: Mapped[str] = mapped_column(String(40), default="")
    hall_id: Mapped[int | None] = mapped_column(ForeignKey("hall.id"))
    region_code: Mapped[str] = mapped_column(String(12), default="")  # the complained-about agency's region
    handling_region: Mapped[str] = mapped_column(String(12), default="")  # whose management agency handles it
    handling_agency_id: Mapped[int | None] = mapped_column(ForeignKey("agency.id"))
    registered_by: Mapped[str] = mapped_column(String(100), default="")  # staff ref for hotline and letters
    valid: Mapped[bool | None] = mapped_column(Boolean)  # None until verified
    invalid_reason: Mapped[str] = mapped_column(Text, default="")
    finding: Mapped[str] = mapped_column(Text, default="")
    action: Mapped[str] = mapped_column(Text, default="")
    answer: Mapped[str] = mapped_column(Text, default="")  # what the complainant is told
    verify_due: Mapped[date | None] = mapped_column(Date)
    dispose_due: Mapped[date | None] = mapped_column(Date)
    answer_due: Mapped[date | None] = mapped_column(Date)
    verified_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    disposed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    answered_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    archived_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class ComplaintStepRecord(Base):
    """One step of a complaint's handling: who, when, what and why (append-only)."""

    __tablename__ = "complaint_step"

    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaint.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    kind: Mapped[str] = mapped_column(String(20))  # ComplaintStep
    author: Mapped[str] = mapped_column(String(100))
    author_name: Mapped[str] = mapped_column(String(100), default="")
    body: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict] = mapped_column(JSON, default=dict)


class ProblemReport(Base):
    """问题反馈 (RATE-09): a content error on a guide or a platform fault, answered by whoever it is routed to."""

    __tablename__ = "problem_report"
    __table_args__ = (Index("ix_problem_report_queue", "kind", "agency_id", "state"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str | None] = mapped_column(String(20), unique=True)
    kind: Mapped[str] = mapped_column(String(20))  # ReportKind
    state: Mapped[str] = mapped_column(String(20))  # ReportState
    body: Mapped[str] = mapped_column(Text)
    page: Mapped[str] = mapped_column(String(300), default="")  # the page the report was made from
    item_id: Mapped[int | None] = mapped_column(ForeignKey("service_item.id"), index=True)
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agency.id"))  # content errors: the item's agency
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"), index=True)
    contact_phone: Mapped[str | None] = mapped_column(EncryptedText)
    reply: Mapped[str] = mapped_column(Text, default="")
    replied_by: Mapped[str] = mapped_column(String(100), default="")
    replied_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class StaffSuggestion(Base):
    """工作人员建议 (RATE-10): adopted (a guide change becomes a draft item version), rejected with a reason, or
    deliberated; answered within one month."""

    __tablename__ = "staff_suggestion"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str | None] = mapped_column(String(20), unique=True)
    topic: Mapped[str] = mapped_column(String(20))  # SuggestionTopic
    state: Mapped[str] = mapped_column(String(20), index=True)  # SuggestionState
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    item_id: Mapped[int | None] = mapped_column(ForeignKey("service_item.id"), index=True)
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agency.id"))  # the owner: the item's agency
    region_code: Mapped[str] = mapped_column(String(12), default="")
    proposer_id: Mapped[int] = mapped_column(ForeignKey("staff_account.id"), index=True)
    proposer_name: Mapped[str] = mapped_column(String(100), default="")
    answer: Mapped[str] = mapped_column(Text, default="")
    answered_by: Mapped[str] = mapped_column(String(100), default="")
    answered_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    draft_version_id: Mapped[int | None] = mapped_column(ForeignKey("item_version.id"))
    due: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class UnresolvedMatter(Base):
    """办不成事 (UnresolvedMatter; RATE-11): registered at the desk or online, solved on the spot, in 2 working days,
    or answered in writing within 3 working days."""

    __tablename__ = "unresolved_matter"
    __table_args__ = (Index("ix_unresolved_matter_ledger", "region_code", "registered_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str | None] = mapped_column(String(20), unique=True)
    channel: Mapped[str] = mapped_column(String(20))  # MatterChannel
    kind: Mapped[str] = mapped_column(String(20))  # MatterKind
    matter: Mapped[str] = mapped_column(Text)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"), index=True)
    contact_name: Mapped[str | None] = mapped_column(EncryptedText)
    contact_phone: Mapped[str | None] = mapped_column(EncryptedText)
    item_id: Mapped[int | None] = mapped_column(ForeignKey("service_item.id"))
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agency.id"))  # where it could not be done
    region_code: Mapped[str] = mapped_column(String(12), default="")
    registered_by: Mapped[str] = mapped_column(String(100), default="")
    registered_on: Mapped[date] = mapped_column(Date)
    due: Mapped[date] = mapped_column(Date)
    outcome: Mapped[str] = mapped_column(String(20), default="")  # MatterOutcome, "" while open
    resolution: Mapped[str] = mapped_column(Text, default="")
    resolved_by: Mapped[str] = mapped_column(String(100), default="")
    resolved_on: Mapped[date | None] = mapped_column(Date)
    on_time: Mapped[bool | None] = mapped_column(Boolean)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
