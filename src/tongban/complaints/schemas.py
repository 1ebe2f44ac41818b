"""Request and answer shapes of the complaints API. Text limits are loose here: the service gives the Chinese refusal."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field

_Id = Field(default=None, ge=1, le=2**31 - 1)


class ComplaintCreate(BaseModel):
    content: str = Field(max_length=20_000)
    agency_id: int | None = _Id
    channel: str = Field(default="web", max_length=20)
    item_id: int | None = _Id
    case_number: str = Field(default="", max_length=100)
    hall_id: int | None = _Id
    contact_name: str = Field(default="", max_length=200)
    contact_phone: str = Field(default="", max_length=40)
    sms_code: str = Field(default="", max_length=10)
    disclose_identity: bool = False


class CodeRequest(BaseModel):
    phone: str = Field(max_length=40)


class LookupIn(BaseModel):
    number: str = Field(max_length=40)
    code: str = Field(max_length=10)


class StepOut(BaseModel):
    at: datetime
    kind: str
    kind_label: str
    author_name: str = ""
    body: str = ""


class ComplaintOut(BaseModel):
    number: str
    channel: str
    channel_label: str
    state: str
    state_label: str
    content: str
    agency_name: str
    item_name: str = ""
    case_number: str = ""
    hall_name: str = ""
    valid: bool | None = None
    invalid_reason: str = ""
    finding: str = ""
    action: str = ""
    answer: str = ""
    due: date | None = None
    created_at: datetime
    steps: list[StepOut] = []


class ComplaintCreated(ComplaintOut):
    check_code: str  # told once: with the number it reads the complaint without an account


class ComplaintList(BaseModel):
    items: list[ComplaintOut]


class StaffComplaintOut(ComplaintOut):
    id: int
    identity_shown: bool
    contact_name: str = ""  # empty when the identity is withheld from this member of staff
    contact_phone: str = ""  # masked
    disclose_identity: bool = False
    handling_region: str = ""
    warning: str | None = None
    warning_label: str = ""


class StaffComplaintList(BaseModel):
    items: list[StaffComplaintOut]


class VerifyIn(BaseModel):
    valid: bool
    reason: str = Field(default="", max_length=20_000)


class AssignIn(BaseModel):
    agency_id: int | None = _Id


class DisposeIn(BaseModel):
    finding: str = Field(max_length=20_000)
    action: str = Field(max_length=20_000)


class AnswerIn(BaseModel):
    to_complainant: str = Field(max_length=20_000)
    to_agency: str = Field(default="", max_length=20_000)


# --- problem reports, staff suggestions and the 办不成事 desk (RATE-09, 10, 11) -------------------------------------

class ReportCreate(BaseModel):
    body: str = Field(max_length=20_000)
    kind: str = Field(default="content", max_length=20)  # content / fault
    item_id: int | None = _Id
    page: str = Field(default="", max_length=300)
    contact_phone: str = Field(default="", max_length=40)


class ReportOut(BaseModel):
    id: int
    number: str
    kind: str
    kind_label: str
    state: str
    body: str
    page: str
    item_id: int | None
    item_name: str
    reply: str
    replied_at: datetime | None
    created_at: datetime


class ReportList(BaseModel):
    items: list[ReportOut]


class ReplyIn(BaseModel):
    text: str = Field(max_length=20_000)


class SuggestionCreate(BaseModel):
    title: str = Field(max_length=1000)
    body: str = Field(max_length=20_000)
    topic: str = Field(default="guide", max_length=20)
    item_id: int | None = _Id


class SuggestionOut(BaseModel):
    id: int
    number: str
    topic: str
    topic_label: str
    state: str
    state_label: str
    title: str
    body: str
    item_id: int | None
    proposer_name: str
    answer: str
    answered_by: str
    answered_at: datetime | None
    draft_version_id: int | None
    due: date
    warning: str | None  # yellow / red while unanswered near or past the month


class SuggestionList(BaseModel):
    items: list[SuggestionOut]


class NoteIn(BaseModel):
    note: str = Field(default="", max_length=20_000)


class ReasonIn(BaseModel):
    reason: str = Field(max_length=20_000)


class MatterCreate(BaseModel):
    matter: str = Field(max_length=20_000)
    item_id: int | None = _Id
    agency_id: int | None = _Id
    contact_phone: str = Field(default="", max_length=40)


class StaffMatterCreate(MatterCreate):
    kind: str = Field(default="general", max_length=20)  # on_spot / general / impossible
    channel: str = Field(default="desk", max_length=20)
    contact_name: str = Field(default="", max_length=100)
    resolution: str = Field(default="", max_length=20_000)  # solved at the desk (on_spot): recorded at once


class MatterOut(BaseModel):
    id: int
    number: str
    channel: str
    kind: str
    kind_label: str
    matter: str
    item_id: int | None
    agency_id: int | None
    contact_phone: str  # masked
    registered_on: date
    due: date
    outcome: str
    outcome_label: str
    resolution: str
    resolved_on: date | None
    on_time: bool | None
    warning: str | None


class MatterList(BaseModel):
    items: list[MatterOut]


class ClassifyIn(BaseModel):
    kind: str = Field(max_length=20)


class ResolveIn(BaseModel):
    outcome: str = Field(max_length=20)
    resolution: str = Field(max_length=20_000)
