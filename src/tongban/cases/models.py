"""Tables of case handling: the case, its materials and files, events, posts, pauses, payments, deliveries (002 §8)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from tongban.core.crypto import EncryptedText
from tongban.core.db import Base, UtcDateTime


class Case(Base):
    """办件: one application and everything that happens to it. `version` makes concurrent actions collide."""

    __tablename__ = "case_record"
    __table_args__ = (UniqueConstraint("submitter_ref", "idempotency_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_number: Mapped[str | None] = mapped_column(String(40), unique=True)
    tracking_token: Mapped[str] = mapped_column(String(64), unique=True)  # in the QR of the acceptance notice
    submitter_ref: Mapped[str] = mapped_column(String(40))  # person:N or staff:N: whose idempotency keys
    idempotency_key: Mapped[str] = mapped_column(String(80))
    item_id: Mapped[int] = mapped_column(ForeignKey("service_item.id"), index=True)
    item_version_id: Mapped[int] = mapped_column(ForeignKey("item_version.id"))
    # The digest of the version's content at submission: each step finds the parsed content it was filed against
    # by this alone (published content never changes, and the digest names the content itself).
    item_content_sha256: Mapped[str] = mapped_column(String(64), default="")
    item_name: Mapped[str] = mapped_column(String(200))
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"), index=True)  # the lead agency
    region_code: Mapped[str] = mapped_column(String(12), index=True)
    subject_kind: Mapped[str] = mapped_column(String(10))  # person / org
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"), index=True)  # applicant, or the org's agent
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"), index=True)
    applicant_name: Mapped[str] = mapped_column(String(200))
    applicant_identifier: Mapped[str] = mapped_column(EncryptedText)  # ID number or USCC
    applicant_hash: Mapped[str] = mapped_column(String(64), index=True)  # found at a terminal by ID
    contact_phone: Mapped[str | None] = mapped_column(EncryptedText)
    channel: Mapped[str] = mapped_column(String(20))  # CaseChannel
    filed_by_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_account.id"))
    state: Mapped[str] = mapped_column(String(30), index=True)  # CaseState
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    # The last event's seq and chain value, so appending an event needs no read; the version check guards them.
    event_seq: Mapped[int] = mapped_column(Integer, default=0)
    event_chain: Mapped[str] = mapped_column(String(64), default="")
    form_data: Mapped[str] = mapped_column(EncryptedText)  # JSON of the form, encrypted: it holds personal data
    pledge_signed: Mapped[bool] = mapped_column(Boolean, default=False)
    limit_unit: Mapped[str] = mapped_column(String(20), default="working_day")
    legal_limit_days: Mapped[int | None] = mapped_column(Integer)
    promised_limit_days: Mapped[int | None] = mapped_column(Integer)
    legal_due: Mapped[date | None] = mapped_column(Date)
    promised_due: Mapped[date | None] = mapped_column(Date)
    supplement_deadline: Mapped[date | None] = mapped_column(Date)
    deficiency_deadline: Mapped[date | None] = mapped_column(Date)
    fee_fen: Mapped[int] = mapped_column(Integer, default=0)
    fee_detail: Mapped[list] = mapped_column(JSON, default=list)
    decision: Mapped[str | None] = mapped_column(String(20))  # approved / denied
    decision_reasons: Mapped[str] = mapped_column(Text, default="")
    delivery_method: Mapped[str | None] = mapped_column(String(30))  # catalog DeliveryMethod
    licence_id: Mapped[int | None] = mapped_column(Integer)
    renews_licence_id: Mapped[int | None] = mapped_column(Integer)  # CASE-17
    submitted_at: Mapped[datetime] = mapped_column(UtcDateTime)
    accepted_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)

    __mapper_args__ = {"version_id_col": version}


class CaseEvent(Base):
    """One step in a case's history: who, when, what, why. Rows are only ever added."""

    __tablename__ = "case_event"
    __table_args__ = (UniqueConstraint("case_id", "seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_record.id"))  # indexed first in the unique constraint
    seq: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(40))  # EventKind
    from_state: Mapped[str | None] = mapped_column(String(30))
    to_state: Mapped[str] = mapped_column(String(30))
    actor_ref: Mapped[str] = mapped_column(String(40))  # person:N, staff:N, system
    actor_name: Mapped[str] = mapped_column(String(100))
    reason: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    document_id: Mapped[int | None] = mapped_column(Integer)  # the notice issued with this step
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    chain: Mapped[str] = mapped_column(String(64))  # SM3 over this event and the previous event's chain value


class CaseFile(Base):
    """An uploaded file, encrypted at rest; never replaced, so every version handed in stays on record."""

    __tablename__ = "case_file"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_record.id"), index=True)
    material_key: Mapped[str] = mapped_column(String(40))
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    data: Mapped[bytes] = mapped_column(LargeBinary)  # SM4-GCM ciphertext
    seal_signature: Mapped[str | None] = mapped_column(Text)  # an organisation's e-seal over sha256 (CASE-03)
    seal_fingerprint: Mapped[str | None] = mapped_column(String(64))
    uploaded_at: Mapped[datetime] = mapped_column(UtcDateTime)
    uploaded_by: Mapped[str] = mapped_column(String(40))


class CaseMaterial(Base):
    """Where each required material of the case stands: provided, exempted (and how), or missing."""

    __tablename__ = "case_material"
    __table_args__ = (UniqueConstraint("case_id", "material_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_record.id"))  # indexed first in the unique constraint
    material_key: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(200))
    required: Mapped[bool] = mapped_column(Boolean, default=True)
    status: Mapped[str] = mapped_column(String(20))  # MaterialStatus
    exemption: Mapped[str | None] = mapped_column(String(20))  # ExemptionKind
    exemption_ref: Mapped[str] = mapped_column(String(200), default="")  # licence number, library, pledge
    file_id: Mapped[int | None] = mapped_column(ForeignKey("case_file.id"))
    standard: Mapped[str] = mapped_column(Text, default="")  # acceptance standard, told when missing
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class CasePost(Base):
    """One agency's post on a case: the lead's review, or a co-agency's in parallel approval (CASE-20)."""

    __tablename__ = "case_post"
    __table_args__ = (UniqueConstraint("case_id", "agency_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_record.id"))  # indexed first in the unique constraint
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"), index=True)
    lead: Mapped[bool] = mapped_column(Boolean, default=False)
    opinion: Mapped[str | None] = mapped_column(String(20))  # Opinion
    reasons: Mapped[str] = mapped_column(Text, default="")
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_account.id"))
    staff_name: Mapped[str] = mapped_column(String(100), default="")
    at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class CasePause(Base):
    """Time that does not count against the limit: supplements and special procedures (CASE-11; SUP-02)."""

    __tablename__ = "case_pause"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_record.id"), index=True)
    kind: Mapped[str] = mapped_column(String(30))  # supplement / special_procedure
    name: Mapped[str] = mapped_column(String(200))
    note: Mapped[str] = mapped_column(Text, default="")
    started_at: Mapped[datetime] = mapped_column(UtcDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class Payment(Base):
    """A fee order sent to the payment gateway; paid only by a verified callback (CASE-13)."""

    __tablename__ = "payment"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_record.id"), index=True)
    order_number: Mapped[str] = mapped_column(String(40), unique=True)
    amount_fen: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20))  # PaymentStatus
    gateway: Mapped[str] = mapped_column(String(40))
    gateway_ref: Mapped[str] = mapped_column(String(100), default="")
    receipt_document_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    paid_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class CaseDelivery(Base):
    """送达 of the result (CASE-16): download, window pickup with ID, 24-hour locker, or post."""

    __tablename__ = "case_delivery"
    __table_args__ = (UniqueConstraint("case_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_record.id"))
    method: Mapped[str] = mapped_column(String(30))  # catalog DeliveryMethod
    status: Mapped[str] = mapped_column(String(20))  # DeliveryStatus
    locker_code: Mapped[str | None] = mapped_column(EncryptedText)  # the applicant is told it; staff are not
    # the end of the result's holding period in the locker; wrong codes are counted by core.limits
    locker_expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    address: Mapped[str | None] = mapped_column(EncryptedText)
    carrier: Mapped[str] = mapped_column(String(40), default="")
    tracking_number: Mapped[str] = mapped_column(String(60), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    prepared_at: Mapped[datetime] = mapped_column(UtcDateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    delivered_by: Mapped[str] = mapped_column(String(40), default="")
