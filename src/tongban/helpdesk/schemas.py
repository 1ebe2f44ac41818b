"""Request and answer shapes of the help ticket API. Text limits are loose here: the service gives the Chinese refusal."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field

_T = Field(default="", max_length=20_000)


class TurnIn(BaseModel):
    """One question asked of the assistant before asking a person; `context` is the item id the question continued
    (the `context` sent with it to POST /api/v1/assistant/ask)."""

    question: str = Field(max_length=200)
    context: int | None = Field(default=None, ge=1, le=2**31 - 1)


class TicketCreate(BaseModel):
    question: str = Field(max_length=20_000)
    channel: str = Field(default="web", max_length=20)
    contact_name: str = _T
    contact_phone: str = Field(default="", max_length=40)
    contact_email: str = Field(default="", max_length=300)
    item_id: int | None = Field(default=None, ge=1, le=2**31 - 1)
    agency_id: int | None = Field(default=None, ge=1, le=2**31 - 1)
    region_code: str = Field(default="", max_length=12)
    assistant_question: str = _T
    assistant_item_id: int | None = Field(default=None, ge=1, le=2**31 - 1)
    conversation: list[TurnIn] = Field(default=[], max_length=5, description="转人工：此前向智能问答提的问题（最多 5 个），"
                                       "答复由服务端按已发布的数据重新生成后附在工单上")


class EntryOut(BaseModel):
    at: datetime
    kind: str
    kind_label: str
    author_name: str
    body: str
    data: dict


class SessionOut(BaseModel):
    id: int
    mode: str
    mode_label: str
    when: str
    day: date
    hall_name: str
    state: str
    state_label: str
    contact_note: str  # masked
    held_by_name: str = ""


class TicketOut(BaseModel):
    number: str
    channel: str
    state: str
    state_label: str
    question: str
    item_id: int | None
    item_name: str = ""
    agency_name: str = ""
    owner_name: str
    reply_due: date | None
    outcome: str
    follow_up_due: date | None
    follow_up_answer: str
    created_at: datetime
    contact_phone: str = ""  # masked
    entries: list[EntryOut] = []
    sessions: list[SessionOut] = []  # video/voice help booked on the ticket


class TicketCreated(TicketOut):
    check_code: str  # told once: with the number it reads the ticket without an account


class StaffTicketOut(TicketOut):
    id: int
    warning: str | None = None
    warning_label: str = ""
    assistant_question: str = ""
    contact_name: str = ""
    contact_email: str = ""  # masked


class TicketList(BaseModel):
    items: list[TicketOut]


class StaffTicketList(BaseModel):
    items: list[StaffTicketOut]


class ReplyIn(BaseModel):
    body: str = Field(max_length=20_000)
    complete: bool = True


class TransferIn(BaseModel):
    agency_id: int = Field(ge=1, le=2**31 - 1)
    reason: str = Field(max_length=20_000)


class GuideIn(BaseModel):
    item_id: int = Field(ge=1, le=2**31 - 1)
    section: str = Field(default="materials", max_length=20)
    note: str = _T


class ChecklistIn(BaseModel):
    item_id: int = Field(ge=1, le=2**31 - 1)
    conditional: list[str] = Field(default=[], max_length=100)
    note: str = _T


class CheckIn(BaseModel):
    subject: str = Field(max_length=2000)
    ok: bool
    fix: str = Field(default="", max_length=2000)


class PrecheckIn(BaseModel):
    checks: list[CheckIn] = Field(max_length=200)
    note: str = _T


class DraftIn(BaseModel):
    values: dict[str, str] = Field(max_length=200, description="申请表各项的值，按申请表字段的 key；可只填一部分")


class CloseIn(BaseModel):
    outcome: str = Field(default="pending", max_length=20)
    note: str = _T
    expected: date | None = None


class FollowUpIn(BaseModel):
    answer: str = Field(max_length=20)
    note: str = _T


class LookupIn(BaseModel):
    number: str = Field(max_length=40)
    code: str = Field(max_length=10)


class SessionIn(BaseModel):
    slot_id: int = Field(ge=1, le=2**31 - 1)
    mode: str = Field(max_length=10, description="video 视频帮办、voice 语音帮办")
    contact_note: str = Field(max_length=2000, description="工作人员联系您的方式：电话或视频会议号")


class HeldIn(BaseModel):
    note: str = _T


class SlotOut(BaseModel):
    id: int
    day: date
    start_minute: int
    end_minute: int
    label: str
    free: int


class DeskOut(BaseModel):
    hall_id: int
    hall_name: str
    group_id: int
    group_name: str
    slots: list[SlotOut]


class DeskList(BaseModel):
    items: list[DeskOut]


class StaffSessionOut(SessionOut):
    ticket_id: int
    ticket_number: str
    question: str


class StaffSessionList(BaseModel):
    items: list[StaffSessionOut]


class ServicePlaceOut(BaseModel):
    kind: str
    id: int
    name: str
    region_code: str
    services: list[str]
    service_labels: list[str]
    channels: list[str]
    address: str
    phone: str
    email: str
    hours: list[str]
    online_url: str


class ServiceListOut(BaseModel):
    items: list[ServicePlaceOut]
