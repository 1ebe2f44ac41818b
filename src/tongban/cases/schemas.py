"""Pydantic shapes of the cases API: what applicants and staff send, and what they get back."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from tongban.cases.files import MAX_FILE_BYTES
from tongban.catalog.schemas import FormField, PledgeTerms

Reason = Annotated[str, Field(max_length=2000)]
FILE_BASE64_CHARS = 4 * -(-MAX_FILE_BYTES // 3)  # one file as the page allows it (10 MB), base64-encoded


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class FileIn(_In):
    material_key: Annotated[str, Field(min_length=1, max_length=40)]
    filename: Annotated[str, Field(min_length=1, max_length=200)]
    content_base64: Annotated[str, Field(min_length=1, max_length=FILE_BASE64_CHARS)]


class ApplicationIn(_In):
    item_id: Annotated[int, Field(ge=1, le=2**31 - 1)]
    organisation_id: Annotated[int, Field(ge=1, le=2**31 - 1)] | None = None
    form: dict[Annotated[str, Field(max_length=40)], Annotated[str, Field(max_length=4000)]] = {}
    exemptions: dict[Annotated[str, Field(max_length=40)], Annotated[str, Field(max_length=20)]] = {}
    files: Annotated[list[FileIn], Field(max_length=40)] = []
    pledge: bool = False
    delivery_method: Annotated[str, Field(max_length=30)] | None = None
    credit_opt_in: bool = False  # 自愿选择信用审批 (CRED-06)


class WalkInIn(_In):
    """The applicant at a window (CASE-21): registered or not."""

    name: Annotated[str, Field(min_length=1, max_length=100)]
    id_kind: Annotated[str, Field(max_length=30)] = "resident_id"
    id_number: Annotated[str, Field(min_length=1, max_length=40)]
    phone: Annotated[str, Field(max_length=20)] = ""
    uscc: Annotated[str, Field(max_length=20)] = ""
    org_name: Annotated[str, Field(max_length=200)] = ""


class WindowApplicationIn(ApplicationIn):
    applicant: WalkInIn


class SupplementIn(_In):
    files: Annotated[list[FileIn], Field(min_length=1, max_length=40)]


class WithdrawIn(_In):
    reason: Annotated[str, Field(max_length=500)] = ""


class VersionedIn(_In):
    """`version` is the case version the member of staff saw; a stale one gets 409 instead of acting twice."""

    version: Annotated[int, Field(ge=1, le=2**31 - 1)] | None = None


class OriginalsCheckedIn(VersionedIn):
    """原件已核验 at the window (CASE-10); the note is optional."""

    note: Annotated[str, Field(max_length=2000)] = ""


class AcceptIn(VersionedIn):
    on_site: Annotated[str, Field(max_length=500)] = ""  # the place where originals are checked (CASE-10)
    on_site_at: datetime | None = None  # and when; without a zone it is Beijing time


class RefuseIn(VersionedIn):
    reasons: Reason


class MissingIn(_In):
    material_key: Annotated[str, Field(min_length=1, max_length=40)]
    reason: Annotated[str, Field(max_length=500)] = ""


class MissingListIn(VersionedIn):
    missing: Annotated[list[MissingIn], Field(min_length=1, max_length=40)]
    deadline: date | None = None


class OpinionIn(VersionedIn):
    opinion: Annotated[str, Field(pattern=r"^(approve|deny)$")]
    reasons: Reason


class ProcedureIn(VersionedIn):
    name: Annotated[str, Field(min_length=1, max_length=200)]
    note: Annotated[str, Field(max_length=500)] = ""


class ProcedureEndIn(VersionedIn):
    outcome: Reason


class DecideIn(VersionedIn):
    approve: bool
    reasons: Reason = ""
    # The licence type's fields that come from the decision (key → text); omitted ones are prefilled from the form.
    licence_fields: dict[Annotated[str, Field(max_length=40)], Annotated[str, Field(max_length=500)]] | None = None


class PickupIn(VersionedIn):
    id_kind: Annotated[str, Field(max_length=30)] = "resident_id"
    id_number: Annotated[str, Field(min_length=1, max_length=40)]


class PostIn(VersionedIn):
    carrier: Annotated[str, Field(min_length=1, max_length=40)]
    tracking_number: Annotated[str, Field(min_length=1, max_length=30)]
    address: Annotated[str, Field(min_length=1, max_length=300)]


class LockerIn(_In):
    case_number: Annotated[str, Field(min_length=1, max_length=40)]
    code: Annotated[str, Field(min_length=1, max_length=10)]


# ------------------------------------------------------------------- out


class ExemptionOut(BaseModel):
    kind: str
    label: str
    ref: str


class MaterialFormOut(BaseModel):
    key: str
    name: str
    necessity: str
    necessity_label: str
    condition: str
    e_form: bool
    acceptance_standard: str
    exemptions: list[ExemptionOut]  # those that hold for this applicant now


class ApplicationFormOut(BaseModel):
    item_id: int
    item_name: str
    agency_name: str
    subject_kind: str
    applicant_name: str
    fields: list[FormField]
    prefill: dict[str, str]
    materials: list[MaterialFormOut]
    pledge: PledgeTerms | None
    delivery_methods: list[dict[str, str]]
    fees: list[dict]
    online: bool


class MaterialOut(BaseModel):
    key: str
    name: str
    required: bool
    status: str  # MaterialStatus; not_required where a conditional or optional material was not needed
    status_label: str
    condition: str = ""  # for a conditional material: when it is needed (适用情形)
    exemption: str | None
    exemption_ref: str
    standard: str
    file_id: int | None
    filename: str | None
    sha256: str | None
    sealed: bool


class EventOut(BaseModel):
    seq: int
    kind: str
    label: str
    state: str
    state_label: str
    actor: str
    reason: str
    at: str
    document_number: str | None


class DocumentOut(BaseModel):
    id: int
    number: str
    kind: str
    title: str
    issued_on: str
    verify_url: str
    sealed: bool = True  # False for the moment between the step and its rendering job; a download seals it at once


class PaymentOut(BaseModel):
    order_number: str
    amount_fen: int
    status: str
    status_label: str
    checkout_url: str | None


class DeliveryOut(BaseModel):
    method: str
    method_label: str
    status: str
    status_label: str
    locker_code: str | None  # only to the applicant
    locker_expires_at: str | None
    carrier: str
    tracking_number: str
    delivered_at: str | None


class PostOut(BaseModel):
    agency_id: int
    agency_name: str
    lead: bool
    opinion: str | None
    opinion_label: str
    reasons: str
    staff_name: str
    at: str | None


class CaseSummaryOut(BaseModel):
    id: int
    case_number: str
    item_id: int
    item_name: str
    agency_name: str
    applicant_name: str
    subject_kind: str
    channel: str
    channel_label: str
    state: str
    state_label: str
    submitted_at: str
    legal_due: str | None
    promised_due: str | None
    due_note: str | None = None  # how the due date is reckoned, in words, while the case awaits its decision
    version: int


class CaseOut(CaseSummaryOut):
    applicant_identifier: str  # masked
    contact_phone: str | None  # masked
    form: dict[str, str]
    materials: list[MaterialOut]
    events: list[EventOut]
    documents: list[DocumentOut]
    posts: list[PostOut]
    fee_fen: int
    fee_detail: list[dict]
    payment: PaymentOut | None
    delivery: DeliveryOut | None
    decision: str | None
    decision_reasons: str
    supplement_deadline: str | None
    deficiency_deadline: str | None
    licence_number: str | None
    tracking_url: str
    review_exemption: str = ""  # why the case is decided without a review step (免审, CRED-04)
    decide_by: str | None = None  # the day a decision is promised by (即审即批)


class CaseListOut(BaseModel):
    cases: list[CaseSummaryOut]
    total: int


class TodoOut(BaseModel):
    """One queue of a member of staff's own work (待办): how many cases, how many overdue or warned, the most urgent."""

    queue: str
    label: str
    total: int
    overdue: int
    warned: int
    at_least: bool  # more cases than were reckoned: overdue and warned are lower bounds
    urgent: list[CaseSummaryOut]


class ProgressMaterialOut(BaseModel):
    name: str
    status_label: str
    condition: str = ""


class ProgressDetailsOut(BaseModel):
    """Shown only with the check digits or the notice's QR: the applicant (masked) and the materials' state."""

    applicant_name: str
    contact_phone: str | None
    channel_label: str
    materials: list[ProgressMaterialOut]
    supplement_deadline: str | None = None


class ProgressOut(BaseModel):
    """What anyone holding the case number may see: no personal data; `details` only with the check digits or QR."""

    case_number: str
    item_name: str
    agency_name: str
    state: str
    state_label: str
    submitted_at: str
    steps: list[dict[str, str]]
    promised_due: str | None
    due_note: str | None = None
    details: ProgressDetailsOut | None = None
