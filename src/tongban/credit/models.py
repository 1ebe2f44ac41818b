"""Tables of credit: the item lists (CRED-01), the treatment applied to a case (CRED-02, 04), pledge checks (CRED-03),
and exclusions for false pledges with their repair (CRED-06)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from tongban.core.db import Base, UtcDateTime


class CreditListEntry(Base):
    """One item on one list: instant approval, review exemption, tolerant acceptance or pledge (CRED-01)."""

    __tablename__ = "credit_list_entry"
    __table_args__ = (UniqueConstraint("item_id", "list_kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("service_item.id", ondelete="CASCADE"), index=True)
    list_kind: Mapped[str] = mapped_column(String(20))  # ListKind
    check_days: Mapped[int] = mapped_column(Integer, default=20)  # pledge list: working days to check the proofs
    note: Mapped[str] = mapped_column(String(300), default="")
    added_by: Mapped[str] = mapped_column(String(100))
    added_at: Mapped[datetime] = mapped_column(UtcDateTime)


class CreditTreatment(Base):
    """What credit did to one case at submission: the grade found and the treatments applied (CRED-02, 04)."""

    __tablename__ = "credit_treatment"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_record.id", ondelete="CASCADE"), unique=True)
    subject_kind: Mapped[str] = mapped_column(String(10))
    grade: Mapped[str] = mapped_column(String(10), default="")  # "" when the library holds no valid record
    grade_source: Mapped[str] = mapped_column(String(100), default="")
    opted_in: Mapped[bool] = mapped_column(Boolean, default=False)
    treatments: Mapped[str] = mapped_column(String(100), default="")  # comma-separated ListKind values applied
    note: Mapped[str] = mapped_column(String(500), default="")
    decide_by: Mapped[date | None] = mapped_column(Date)  # instant approval: decided the day it comes in
    agency_id: Mapped[int] = mapped_column(Integer, index=True)
    region_code: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class PledgeCheck(Base):
    """The later check of what a pledged case promised (事后核查, CRED-03), due a number of working days on."""

    __tablename__ = "credit_pledge_check"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_record.id", ondelete="CASCADE"), unique=True)
    subject_kind: Mapped[str] = mapped_column(String(10))
    subject_hash: Mapped[str] = mapped_column(String(64), index=True)
    subject_masked: Mapped[str] = mapped_column(String(40))
    agency_id: Mapped[int] = mapped_column(Integer, index=True)
    region_code: Mapped[str] = mapped_column(String(12))
    due_on: Mapped[date] = mapped_column(Date, index=True)
    state: Mapped[str] = mapped_column(String(10), default="pending")  # pending / true / false
    finding: Mapped[str] = mapped_column(Text, default="")
    checked_by: Mapped[str] = mapped_column(String(100), default="")
    checked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class CreditExclusion(Base):
    """A subject found to have pledged falsely: no pledge and no instant approval until repaired (CRED-06)."""

    __tablename__ = "credit_exclusion"

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_kind: Mapped[str] = mapped_column(String(10))
    subject_hash: Mapped[str] = mapped_column(String(64), index=True)
    subject_masked: Mapped[str] = mapped_column(String(40))
    check_id: Mapped[int | None] = mapped_column(ForeignKey("credit_pledge_check.id"), unique=True)
    reason: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(10), default="active")  # active / repairing / lifted
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    lifted_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class CreditRepair(Base):
    """An application to repair credit (信用修复): evidence that the false pledge was corrected, reviewed by staff."""

    __tablename__ = "credit_repair"

    id: Mapped[int] = mapped_column(primary_key=True)
    exclusion_id: Mapped[int] = mapped_column(ForeignKey("credit_exclusion.id", ondelete="CASCADE"), index=True)
    evidence: Mapped[str] = mapped_column(Text)
    applicant_ref: Mapped[str] = mapped_column(String(100))
    state: Mapped[str] = mapped_column(String(10), default="submitted")  # submitted / approved / rejected
    submitted_at: Mapped[datetime] = mapped_column(UtcDateTime)
    reviewed_by: Mapped[str] = mapped_column(String(100), default="")
    reviewed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    review_note: Mapped[str] = mapped_column(Text, default="")
