"""Pydantic contracts of the appointments API: halls and settings in, halls, slots, bookings and tickets out."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from tongban.appointments.enums import GreenReason, HallKind, HomeVisitReason, SessionDays
from tongban.catalog.enums import Level
from tongban.core.links import WebLink

Short = Annotated[str, Field(max_length=200)]
Minute = Annotated[int, Field(ge=0, le=24 * 60)]
PositiveId = Annotated[int, Field(ge=1, le=2**31 - 1)]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class PhotoIn(_In):
    url: WebLink
    caption: Annotated[str, Field(max_length=100)] = ""

    @field_validator("url")
    @classmethod
    def _safe_url(cls, value: str) -> str:
        if not (value.startswith("/") or value.startswith("https://")):
            raise ValueError("照片地址须以 / 或 https:// 开头")
        return value


class HallIn(_In):
    """A hall's public information and booking settings (MAP-01, MAP-03; 002 8.2.2)."""

    code: Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_\-]+$")]
    name: Annotated[str, Field(min_length=1, max_length=200)]
    kind: HallKind = HallKind.hall
    level: Level
    region_code: Annotated[str, Field(min_length=6, max_length=12, pattern=r"^\d+$")]
    agency_id: PositiveId | None = None
    address: Short = ""
    latitude: Annotated[float, Field(ge=-90, le=90)] | None = None
    longitude: Annotated[float, Field(ge=-180, le=180)] | None = None
    phone: Annotated[str, Field(max_length=40)] = ""
    email: Annotated[str, Field(max_length=100)] = ""
    fax: Annotated[str, Field(max_length=40)] = ""
    hours_note: Annotated[str, Field(max_length=300)] = ""
    directions: Annotated[str, Field(max_length=2000)] = ""
    photos: Annotated[list[PhotoIn], Field(max_length=12)] = []
    bookable: bool = True
    slot_minutes: Annotated[int, Field(ge=10, le=120)] = 30
    days_ahead: Annotated[int, Field(ge=1, le=30)] = 7
    max_active_bookings: Annotated[int, Field(ge=1, le=20)] = 3
    no_show_limit: Annotated[int, Field(ge=1, le=20)] = 3
    suspension_days: Annotated[int, Field(ge=1, le=365)] = 30
    near_notice: Annotated[int, Field(ge=0, le=50)] = 3
    active: bool = True


class SessionIn(_In):
    days: SessionDays
    start_minute: Minute
    end_minute: Minute
    extended: bool = False
    label: Annotated[str, Field(max_length=40)] = ""


class GroupIn(_In):
    name: Annotated[str, Field(min_length=1, max_length=100)]
    ticket_prefix: Annotated[str, Field(min_length=1, max_length=2, pattern=r"^[A-Z]{1,2}$")]
    avg_minutes: Annotated[int, Field(ge=1, le=480)] = 15
    booking_share: Annotated[int, Field(ge=0, le=100)] = 50
    booking_required: bool = False
    remote_help: bool = False  # 远程帮办: video or voice help booked from a help ticket, in working hours only
    item_ids: Annotated[list[PositiveId], Field(max_length=500)] = []
    sort: Annotated[int, Field(ge=0, le=1000)] = 0


class WindowIn(_In):
    number: Annotated[int, Field(ge=1, le=999)]
    group_id: PositiveId
    agency_id: PositiveId | None = None
    helps: Annotated[list[PositiveId], Field(max_length=20)] = []
    active: bool = True


class BookingIn(_In):
    slot_id: PositiveId
    item_id: PositiveId


class OnlineTicketIn(_In):
    group_id: PositiveId


class KioskLookupIn(_In):
    id_kind: Annotated[str, Field(max_length=30)] = "resident_id"
    id_number: Annotated[str, Field(min_length=1, max_length=40)]


class StaffBookingIn(_In):
    """代为预约: the person's ID document, the slot and item, and how they asked (at the window or on the phone)."""

    id_kind: Annotated[str, Field(max_length=30)] = "resident_id"
    id_number: Annotated[str, Field(min_length=1, max_length=40)]
    slot_id: PositiveId
    item_id: PositiveId
    channel: Literal["window", "phone"] = "window"


class WalkInIn(_In):
    group_id: PositiveId
    phone: Annotated[str, Field(max_length=20)] = ""


class KioskEnrollIn(_In):
    name: Annotated[str, Field(min_length=1, max_length=100)]


class GreenTicketIn(_In):
    group_id: PositiveId
    reason: GreenReason
    phone: Annotated[str, Field(max_length=20)] = ""


class ReasonIn(_In):
    reason: Annotated[str, Field(min_length=1, max_length=500)]


class HomeVisitIn(_In):
    hall_id: PositiveId
    item_id: PositiveId | None = None
    item_name: Annotated[str, Field(max_length=200)] = ""
    visitee_name: Annotated[str, Field(min_length=1, max_length=100)]
    visitee_phone: Annotated[str, Field(min_length=1, max_length=20)]
    address: Annotated[str, Field(min_length=4, max_length=200)]
    reason: HomeVisitReason
    preferred_day: date
    note: Annotated[str, Field(max_length=500)] = ""


class ScheduleIn(_In):
    day: date
    note: Annotated[str, Field(max_length=500)] = ""


# --- out -------------------------------------------------------------------------------------------

class SessionOut(BaseModel):
    days: str
    days_label: str
    start: str
    end: str
    extended: bool
    label: str


class GroupOut(BaseModel):
    id: int
    name: str
    ticket_prefix: str
    windows: list[int]
    items: list[dict]
    booking_required: bool
    waiting: int
    expected_wait_minutes: int = Field(description="预计等候分钟数：前面人数 × 平均办件时长 ÷ 开放窗口数")


class HallOut(BaseModel):
    id: int
    code: str
    name: str
    kind: str
    kind_label: str
    level: str
    region_code: str
    address: str
    latitude: float | None
    longitude: float | None
    phone: str
    email: str
    fax: str
    hours: list[str]
    hours_note: str
    directions: str
    photos: list[dict]
    sessions: list[SessionOut]
    groups: list[GroupOut]
    items: list[dict]
    waiting: int
    rating: float | None
    rating_label: str
    distance_km: float | None = None
    booking_url: str
    links: dict[str, str]


class HallListOut(BaseModel):
    halls: list[HallOut]
    total: int


class DirectoryRow(BaseModel):
    id: int
    name: str
    kind_label: str
    address: str
    phone: str
    email: str
    fax: str
    hours: list[str]


class SlotOut(BaseModel):
    id: int
    group_id: int
    day: date
    start: str
    end: str
    capacity: int
    booked: int
    remaining: int
    extended: bool
    weekend: bool


class SlotListOut(BaseModel):
    hall_id: int
    first_day: date
    last_day: date
    slots: list[SlotOut]


class MaterialLine(BaseModel):
    name: str
    detail: str


class AppointmentOut(BaseModel):
    id: int
    number: str
    status: str
    status_label: str
    name: str
    day: date
    time: str
    when: str
    hall_id: int
    hall_name: str
    address: str
    group_name: str
    windows: list[int]
    item_id: int
    item_name: str
    conditions: list[str]
    materials: list[MaterialLine]
    reason: str
    may_cancel: bool
    channel: str = Field(description="web、api，或工作人员代为预约时的 window（窗口）、phone（电话）")
    booked_by_staff: bool


class AppointmentListOut(BaseModel):
    appointments: list[AppointmentOut]


class TicketOut(BaseModel):
    id: int
    number: str
    hall_id: int
    hall_name: str
    group_name: str
    source: str
    source_label: str
    status: str
    status_label: str
    waiting_ahead: int | None
    expected_wait_minutes: int | None = Field(description="预计等候分钟数（仅等候中的号）")
    window: int | None
    windows: list[int]
    appointment_number: str | None


class QueueGroupOut(BaseModel):
    group_id: int
    name: str
    waiting: int
    windows: list[int]


class QueueOut(BaseModel):
    hall_id: int
    waiting: int
    groups: list[QueueGroupOut]
    recent_calls: list[dict]


class HomeVisitOut(BaseModel):
    id: int
    hall_id: int
    item_name: str
    visitee_name: str
    visitee_phone: str
    address: str
    reason_label: str
    preferred_day: date
    status: str
    status_label: str
    scheduled_for: date | None
    staff_note: str


class KioskDeviceOut(BaseModel):
    """An enrolled ticket machine; its token is never shown again after enrollment."""

    id: int
    hall_id: int
    name: str
    enrolled_by: int
    enrolled_at: datetime
    revoked_at: datetime | None
    last_seen_at: datetime | None
    active: bool


class KioskEnrolledOut(BaseModel):
    device: KioskDeviceOut
    token: str = Field(description="取号机令牌，仅此一次显示；取号机调用接口时放在 X-Kiosk-Token 请求头中")
