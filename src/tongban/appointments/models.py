"""Tables of the appointments domain: halls and their hours, window groups and windows, slots, appointments,
queue tickets, home visits and enrolled ticket machines (002 8.2, 6.3.5–6.3.6; 004 预约、叫号、上门服务)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON, Boolean, CheckConstraint, Date, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text,
)
from sqlalchemy.orm import Mapped, mapped_column

from tongban.core.crypto import EncryptedText
from tongban.core.db import Base, UtcDateTime

ACTIVE_SQL = "status IN ('booked', 'checked_in')"


class Hall(Base):
    """政务服务大厅 / 便民服务中心 / 网点 / 自助终端, with its booking settings (bcgov: settings per office)."""

    __tablename__ = "hall"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20), index=True)  # HallKind
    level: Mapped[str] = mapped_column(String(20), index=True)  # catalog Level
    region_code: Mapped[str] = mapped_column(ForeignKey("region.code"), index=True)
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agency.id"), index=True)  # the managing agency
    address: Mapped[str] = mapped_column(String(300), default="")
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    phone: Mapped[str] = mapped_column(String(40), default="")
    email: Mapped[str] = mapped_column(String(100), default="")
    fax: Mapped[str] = mapped_column(String(40), default="")
    hours_note: Mapped[str] = mapped_column(String(300), default="")  # e.g. 延时服务、周末不打烊 explained
    directions: Mapped[str] = mapped_column(Text, default="")  # 交通路线指引
    photos: Mapped[list] = mapped_column(JSON, default=list)  # [{"url": ..., "caption": ...}] 实景照片
    bookable: Mapped[bool] = mapped_column(Boolean, default=True)
    slot_minutes: Mapped[int] = mapped_column(Integer, default=30)
    days_ahead: Mapped[int] = mapped_column(Integer, default=7)  # bookable from tomorrow for this many days
    max_active_bookings: Mapped[int] = mapped_column(Integer, default=3)  # per person, not yet handled
    no_show_limit: Mapped[int] = mapped_column(Integer, default=3)  # more than this in a month suspends
    suspension_days: Mapped[int] = mapped_column(Integer, default=30)
    near_notice: Mapped[int] = mapped_column(Integer, default=3)  # "your number is near" with this many ahead
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class HallSession(Base):
    """One opening session of a hall: workdays, Saturdays or Sundays, with extended (延时) sessions marked."""

    __tablename__ = "hall_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    hall_id: Mapped[int] = mapped_column(ForeignKey("hall.id", ondelete="CASCADE"), index=True)
    days: Mapped[str] = mapped_column(String(10))  # SessionDays
    start_minute: Mapped[int] = mapped_column(Integer)  # minutes after local midnight
    end_minute: Mapped[int] = mapped_column(Integer)
    extended: Mapped[bool] = mapped_column(Boolean, default=False)
    label: Mapped[str] = mapped_column(String(40), default="")


class WindowGroup(Base):
    """预约事项分组: windows that handle the same items, one queue and one ticket prefix."""

    __tablename__ = "window_group"
    __table_args__ = (UniqueConstraint("hall_id", "ticket_prefix"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    hall_id: Mapped[int] = mapped_column(ForeignKey("hall.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    ticket_prefix: Mapped[str] = mapped_column(String(2))
    avg_minutes: Mapped[int] = mapped_column(Integer, default=15)  # 平均办件时长 per case and window
    booking_share: Mapped[int] = mapped_column(Integer, default=50)  # % of window time released for booking
    # 建议预约: the hall asks people to book, but walk-ins still get a ticket (004: 不得强制要求其先到线上预约)
    booking_required: Mapped[bool] = mapped_column(Boolean, default=False)
    # 远程帮办: a group of video/voice help desks (000 §6.5; CONS-12); its slots are on working days in working hours only
    remote_help: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))
    ticket_day: Mapped[date | None] = mapped_column(Date)
    ticket_seq: Mapped[int] = mapped_column(Integer, default=0)
    sort: Mapped[int] = mapped_column(Integer, default=0)


class WindowGroupItem(Base):
    """An item handled at the windows of a group."""

    __tablename__ = "window_group_item"

    group_id: Mapped[int] = mapped_column(ForeignKey("window_group.id", ondelete="CASCADE"), primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("service_item.id"), primary_key=True, index=True)


class Window(Base):
    """窗口: a counter of a hall, in one group; when its own queue is empty it helps the groups listed in `helps`."""

    __tablename__ = "hall_window"
    __table_args__ = (UniqueConstraint("hall_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    hall_id: Mapped[int] = mapped_column(ForeignKey("hall.id", ondelete="CASCADE"), index=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("window_group.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agency.id"))  # the department staffing it
    helps: Mapped[list] = mapped_column(JSON, default=list)  # other group ids served when idle
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Slot(Base):
    """A bookable time slot of a window group; `booked` never exceeds `capacity` (also checked by the database)."""

    __tablename__ = "booking_slot"
    __table_args__ = (
        UniqueConstraint("group_id", "day", "start_minute"),
        CheckConstraint("booked >= 0 AND booked <= capacity", name="within_capacity"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    hall_id: Mapped[int] = mapped_column(ForeignKey("hall.id", ondelete="CASCADE"), index=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("window_group.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(Date)
    start_minute: Mapped[int] = mapped_column(Integer)
    end_minute: Mapped[int] = mapped_column(Integer)
    capacity: Mapped[int] = mapped_column(Integer)
    booked: Mapped[int] = mapped_column(Integer, default=0)
    extended: Mapped[bool] = mapped_column(Boolean, default=False)  # 延时 or weekend session
    # closed by a change of hours or settings: keeps its bookings, never takes a new one (a cancellation frees no seat)
    closed: Mapped[bool] = mapped_column(Boolean, default=False)


class Appointment(Base):
    """预约: one person's booking of a slot for one item. Active ones are unique per person and item, and per time."""

    __tablename__ = "appointment"
    __table_args__ = (
        Index("uq_appointment_active_item", "person_id", "item_id", unique=True,
              sqlite_where=text(ACTIVE_SQL), postgresql_where=text(ACTIVE_SQL)),
        Index("uq_appointment_active_time", "person_id", "day", "start_minute", unique=True,
              sqlite_where=text(ACTIVE_SQL), postgresql_where=text(ACTIVE_SQL)),
        Index("ix_appointment_hall_day", "hall_id", "day"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    hall_id: Mapped[int] = mapped_column(ForeignKey("hall.id"))
    group_id: Mapped[int] = mapped_column(ForeignKey("window_group.id"))
    slot_id: Mapped[int] = mapped_column(ForeignKey("booking_slot.id"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("service_item.id"))
    item_name: Mapped[str] = mapped_column(String(200))
    day: Mapped[date] = mapped_column(Date)
    start_minute: Mapped[int] = mapped_column(Integer)
    end_minute: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20), index=True)  # AppointmentStatus
    channel: Mapped[str] = mapped_column(String(20), default="web")
    reason: Mapped[str] = mapped_column(Text, default="")  # refusal or force-majeure reason
    marked_by: Mapped[str] = mapped_column(String(40), default="")
    booked_by: Mapped[str] = mapped_column(String(40), default="")  # staff ref when staff booked on the person's behalf
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)

    @property
    def number(self) -> str:
        """预约号: the day and the row's id, e.g. Y20261204000123; derived, so booking writes the row once."""
        return f"Y{self.day:%Y%m%d}{self.id:06d}"


class BookingAccount(Base):
    """A person's standing for online booking: every booking locks this row first, so limits hold under races."""

    __tablename__ = "booking_account"

    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), primary_key=True, autoincrement=False)
    suspended_until: Mapped[date | None] = mapped_column(Date)  # online booking paused through this day
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class QueueTicket(Base):
    """取号: a queue number of one window group on one day; called in (priority, arrival) order."""

    __tablename__ = "queue_ticket"
    __table_args__ = (
        UniqueConstraint("group_id", "day", "seq"),
        Index("ix_queue_ticket_hall_day_status", "hall_id", "day", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    hall_id: Mapped[int] = mapped_column(ForeignKey("hall.id"))
    group_id: Mapped[int] = mapped_column(ForeignKey("window_group.id"))
    day: Mapped[date] = mapped_column(Date)
    seq: Mapped[int] = mapped_column(Integer)
    number: Mapped[str] = mapped_column(String(10))  # prefix + seq, e.g. A012
    source: Mapped[str] = mapped_column(String(20))  # TicketSource
    appointment_id: Mapped[int | None] = mapped_column(ForeignKey("appointment.id"), unique=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"), index=True)
    phone: Mapped[str | None] = mapped_column(EncryptedText)  # a walk-in's phone for the calling SMS
    green_reason: Mapped[str] = mapped_column(String(20), default="")
    slot_start_minute: Mapped[int | None] = mapped_column(Integer)
    slot_end_minute: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20))  # TicketStatus
    window_id: Mapped[int | None] = mapped_column(ForeignKey("hall_window.id"))
    call_count: Mapped[int] = mapped_column(Integer, default=0)
    near_notified: Mapped[bool] = mapped_column(Boolean, default=False)
    taken_at: Mapped[datetime] = mapped_column(UtcDateTime)
    called_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    handled_by: Mapped[str] = mapped_column(String(40), default="")
    kiosk_id: Mapped[int | None] = mapped_column(ForeignKey("kiosk_device.id"))  # the machine that printed it


class HomeVisit(Base):
    """上门服务 request for someone who cannot come to the hall (elderly, disabled …), made by them or family (004)."""

    __tablename__ = "home_visit"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)  # who asked
    hall_id: Mapped[int] = mapped_column(ForeignKey("hall.id"), index=True)
    item_id: Mapped[int | None] = mapped_column(ForeignKey("service_item.id"))
    item_name: Mapped[str] = mapped_column(String(200))
    visitee_name: Mapped[str] = mapped_column(String(100))
    visitee_phone: Mapped[str] = mapped_column(EncryptedText)
    address: Mapped[str] = mapped_column(EncryptedText)
    reason: Mapped[str] = mapped_column(String(20))  # HomeVisitReason
    preferred_day: Mapped[date] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20))  # HomeVisitStatus
    scheduled_for: Mapped[date | None] = mapped_column(Date)
    staff_note: Mapped[str] = mapped_column(Text, default="")
    handled_by: Mapped[str] = mapped_column(String(40), default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class KioskDevice(Base):
    """取号机: a ticket machine that hall staff enrolled; it proves itself with a token of which only the hash is kept."""

    __tablename__ = "kiosk_device"

    id: Mapped[int] = mapped_column(primary_key=True)
    hall_id: Mapped[int] = mapped_column(ForeignKey("hall.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    enrolled_by: Mapped[int] = mapped_column(ForeignKey("staff_account.id"))
    enrolled_at: Mapped[datetime] = mapped_column(UtcDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    revoked_by: Mapped[int | None] = mapped_column(ForeignKey("staff_account.id"))
    last_seen_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # 登记码: staff create the machine with a short one-time code that the machine itself enters (the staff member's
    # browser stays signed in); only its hash is kept, and it is cleared once used
    pairing_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    pairing_expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
