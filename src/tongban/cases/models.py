"""Tables of case handling: the case, its materials and files, events, posts, pauses, payments, deliveries,
and what it issues and seals: documents, licences, agency and organisation seals (002 §8; 003 七)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON, Boolean, Date, ForeignKey, Index, Integer, LargeBinary, String, Text, UniqueConstraint, text,
)
from sqlalchemy.orm import Mapped, mapped_column

from tongban.cases.enums import DocumentStatus
from tongban.core import sm2
from tongban.core.crypto import EncryptedText
from tongban.core.db import Base, UtcDateTime

SEAL_SUFFIX = "政务服务专用章"


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
    # Why the review step may be skipped (免审, credit approval CRED-04): a decider decides straight after acceptance.
    review_exemption: Mapped[str] = mapped_column(String(200), default="", server_default="")
    decide_by: Mapped[date | None] = mapped_column(Date)  # a decision promised sooner than the limit (即审即批)

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


class Seal(Base):
    """电子印章: an agency's signing key with the names printed in its image."""

    __tablename__ = "seal"
    __table_args__ = (
        # One active seal per agency; retired ones and imported foreign keys do not count.
        Index(
            "uq_seal_active_agency", "agency_id", unique=True,
            sqlite_where=text("revoked_at IS NULL AND agency_id IS NOT NULL"),
            postgresql_where=text("revoked_at IS NULL AND agency_id IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agency.id"), index=True)
    issuer_name: Mapped[str] = mapped_column(String(200))  # along the upper arc of the image
    name: Mapped[str] = mapped_column(String(200))  # e.g. "某某局政务服务专用章"
    region_code: Mapped[str] = mapped_column(String(12))
    public_key_pem: Mapped[str] = mapped_column(Text)
    private_key: Mapped[str | None] = mapped_column(EncryptedText)  # None for imported foreign keys
    fingerprint: Mapped[str] = mapped_column(String(64), unique=True)  # SM3 of the public key DER
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    @property
    def public_hex(self) -> str:
        return sm2.load_public_key_pem(self.public_key_pem)

    @property
    def bottom_text(self) -> str:
        """The words under the star: the seal's purpose without the issuer's name."""
        return self.name.removeprefix(self.issuer_name) or SEAL_SUFFIX

    @property
    def is_foreign(self) -> bool:
        return self.agency_id is None


class OrganisationSeal(Base):
    """法人电子印章."""

    __tablename__ = "organisation_seal"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), unique=True)
    public_key_pem: Mapped[str] = mapped_column(Text)
    private_key: Mapped[str] = mapped_column(EncryptedText)
    fingerprint: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class Document(Base):
    """A sealed document: its content, then the PDF bytes exactly as signed, their hashes and the seal's signature.

    The case's transaction stores the number and content (`sheet`) and enqueues the rendering, so
    a step answers without waiting for ReportLab and SM2; the job (or the first download, whichever
    comes first) renders, seals and signs it exactly once.
    """

    __tablename__ = "case_document"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(40), unique=True)  # public, printed and in the QR code
    kind: Mapped[str] = mapped_column(String(40))  # NoticeKind
    status: Mapped[str] = mapped_column(String(10), default=DocumentStatus.issued)
    case_id: Mapped[int | None] = mapped_column(Integer, index=True)  # the case's id; no foreign key in the schema
    case_number: Mapped[str | None] = mapped_column(String(60))
    # Not indexed: no query looks documents up by agency or seal, and agencies and seals are never deleted.
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"))
    seal_id: Mapped[int | None] = mapped_column(ForeignKey("seal.id"))
    title: Mapped[str] = mapped_column(String(200))
    sheet: Mapped[dict | None] = mapped_column(JSON)  # what the PDF shows, kept until it is rendered
    pdf: Mapped[bytes | None] = mapped_column(LargeBinary)
    sha256: Mapped[str | None] = mapped_column(String(64))
    sm3: Mapped[str | None] = mapped_column(String(64))
    signature: Mapped[bytes | None] = mapped_column(LargeBinary)  # DER SEQUENCE{r, s}, SM2 with SM3
    issued_on: Mapped[date]  # the legal date printed on it, Asia/Shanghai
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    rendered_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    @property
    def ready(self) -> bool:
        return self.status == DocumentStatus.issued


class License(Base):
    """电子证照: one licence or certificate issued as a case's result, with its signed payload."""

    __tablename__ = "licence"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(40), unique=True)
    type_code: Mapped[str] = mapped_column(String(100), index=True)
    type_name: Mapped[str] = mapped_column(String(200))  # the item's result name, e.g. 食品经营许可证
    subject_kind: Mapped[str] = mapped_column(String(10))  # person / org
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"), index=True)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"), index=True)
    holder_name: Mapped[str] = mapped_column(String(200))
    holder_id_kind: Mapped[str] = mapped_column(String(30))  # an IdKind, or "uscc"
    holder_identifier: Mapped[str] = mapped_column(EncryptedText)
    holder_hash: Mapped[str] = mapped_column(String(64), index=True)  # lookup_hash("licence-holder", identifier)
    # agency, item, case and seal are not indexed: no query looks licences up by them (a case points at its
    # licence), and none of them is ever deleted.
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"))
    region_code: Mapped[str] = mapped_column(String(12))
    item_id: Mapped[int | None] = mapped_column(ForeignKey("service_item.id"))
    case_id: Mapped[int | None] = mapped_column(Integer)  # the case's id; the schema has no foreign key here
    valid_from: Mapped[date] = mapped_column(Date)
    valid_until: Mapped[date | None] = mapped_column(Date)  # None: long-term (长期)
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    # The licence type's own fields as declared by the item's result (JSON [[key, label, value], …] in the declared
    # order), encrypted: personal ones are masked in the payload and kept in full only here. None: no declaration.
    fields: Mapped[str | None] = mapped_column(EncryptedText)
    payload: Mapped[str] = mapped_column(Text)  # the canonical JSON exactly as signed (identifier masked)
    signature: Mapped[str] = mapped_column(String(200))  # base64 of the DER SM2 signature over payload
    seal_id: Mapped[int] = mapped_column(ForeignKey("seal.id"))
    document_id: Mapped[int | None] = mapped_column(ForeignKey("case_document.id"))
    issued_at: Mapped[datetime] = mapped_column(UtcDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    revoke_reason: Mapped[str | None] = mapped_column(String(500))


class LicenceSerial(Base):
    """The last serial given under one number prefix (region and year): the next licence number is one upsert."""

    __tablename__ = "licence_serial"

    prefix: Mapped[str] = mapped_column(String(40), primary_key=True)  # e.g. 511600-2026-
    last: Mapped[int] = mapped_column(Integer)


class ApplicationDraft(Base):
    """预填申请表: an application form filled together with a consultant on a help ticket (共同填报, 001 8.3; CONS-08),
    kept for the one person it was made for, who checks it and submits it under their own account.

    The values are the form's (some fields may still be empty), SM4-encrypted at rest as JSON."""

    __tablename__ = "application_draft"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("service_item.id"))
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    form_values: Mapped[str] = mapped_column(EncryptedText)  # JSON {field key: value}
    prepared_by: Mapped[str] = mapped_column(String(40))  # staff ref
    prepared_by_name: Mapped[str] = mapped_column(String(100))
    ticket_number: Mapped[str] = mapped_column(String(20), default="")  # the help ticket it was filled on
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_on: Mapped[date] = mapped_column(Date)
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    case_id: Mapped[int | None] = mapped_column(Integer)  # the case it became
