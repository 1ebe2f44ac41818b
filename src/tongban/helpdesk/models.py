"""Tables of help tickets (服务诉求工单, 001 §8): the ticket and what happened on it, contact data encrypted."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from tongban.core.crypto import EncryptedText
from tongban.core.db import Base, UtcDateTime


class HelpTicket(Base):
    """A consult → guide → assist request with its closure loop (HelpTicket; CONS-06…09, 11, 13).

    The first member of staff who takes it (`owner_staff_id`) owns it until it is closed or transferred (首问负责制).
    Contact name, phone, e-mail and the anonymous check code are SM4-encrypted at rest.
    """

    __tablename__ = "help_ticket"
    __table_args__ = (
        Index("ix_help_ticket_queue", "agency_id", "state"),
        Index("ix_help_ticket_follow_up", "state", "follow_up_due"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str | None] = mapped_column(String(20), unique=True)  # set once the id is known
    channel: Mapped[str] = mapped_column(String(20))  # TicketChannel
    state: Mapped[str] = mapped_column(String(20), index=True)  # TicketState
    question: Mapped[str] = mapped_column(Text)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"), index=True)
    contact_name: Mapped[str | None] = mapped_column(EncryptedText)
    contact_phone: Mapped[str | None] = mapped_column(EncryptedText)
    contact_email: Mapped[str | None] = mapped_column(EncryptedText)
    check_code: Mapped[str] = mapped_column(EncryptedText)  # 4 digits told to whoever opened it: number + code reads it
    item_id: Mapped[int | None] = mapped_column(ForeignKey("service_item.id"), index=True)
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agency.id"))
    region_code: Mapped[str] = mapped_column(String(12), default="")
    assistant_question: Mapped[str] = mapped_column(String(200), default="")  # what was asked at /ask before (masked)
    assistant_item_id: Mapped[int | None] = mapped_column(Integer)  # the item the assistant answered about
    owner_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_account.id"), index=True)
    owner_name: Mapped[str] = mapped_column(String(100), default="")
    registered_by: Mapped[str] = mapped_column(String(100), default="")  # staff ref for hotline, letters, e-mails
    reply_due: Mapped[date | None] = mapped_column(Date)  # the promised reply date (3 working days)
    taken_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    answered_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    outcome: Mapped[str] = mapped_column(String(20), default="")  # Outcome at closing
    follow_up_due: Mapped[date | None] = mapped_column(Date)  # ask the person on or after this day
    follow_up_asked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    followed_up_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    follow_up_answer: Mapped[str] = mapped_column(String(20), default="")  # Outcome answered at follow-up
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class HelpTicketEntry(Base):
    """One thing recorded on a ticket: a reply, a transfer with its reason, a guide link, a checklist, a pre-check."""

    __tablename__ = "help_ticket_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("help_ticket.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    kind: Mapped[str] = mapped_column(String(20))  # EntryKind
    author: Mapped[str] = mapped_column(String(100))  # staff:1, person:2, caller
    author_name: Mapped[str] = mapped_column(String(100), default="")
    body: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    public: Mapped[bool] = mapped_column(Boolean, default=True)  # shown to the person


class HelpSession(Base):
    """视频帮办 / 语音帮办: a remote help session booked in a working-hours slot of a hall's remote-help window group
    (000 §6.5; CONS-12). The slot's seat is an appointment of the appointments domain (`appointment_id`); the session
    records the mode, how to reach the person (encrypted) and, once held, who held it."""

    __tablename__ = "help_session"
    __table_args__ = (Index("ix_help_session_day", "state", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("help_ticket.id", ondelete="CASCADE"), index=True)
    appointment_id: Mapped[int] = mapped_column(ForeignKey("appointment.id"), unique=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agency.id"))
    hall_id: Mapped[int] = mapped_column(Integer)
    hall_name: Mapped[str] = mapped_column(String(200), default="")
    mode: Mapped[str] = mapped_column(String(10))  # SessionMode
    contact_note: Mapped[str] = mapped_column(EncryptedText)  # the phone to call, or the meeting room/number
    day: Mapped[date] = mapped_column(Date)
    start_minute: Mapped[int] = mapped_column(Integer)
    end_minute: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(20))  # SessionState
    held_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    held_by_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_account.id"))
    held_by_name: Mapped[str] = mapped_column(String(100), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
