"""The notify domain's tables: outbox jobs, in-app messages and notification deliveries (CASE-15, CASE-19)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from tongban.core.crypto import EncryptedText
from tongban.core.db import Base, UtcDateTime


class JobStatus(StrEnum):
    queued = "queued"  # waiting for its run_after
    running = "running"  # claimed by a worker until locked_until
    done = "done"
    failed = "failed"  # an attempt failed; retried after run_after
    dead = "dead"  # gave up after max_attempts; an operator may retry it


class Job(Base):
    """后台作业: one unit of deferred work (a notification to send, a scan to run)."""

    __tablename__ = "outbox_job"
    __table_args__ = (Index("ix_outbox_job_due", "status", "run_after"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(60))
    payload: Mapped[dict] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(10), default=JobStatus.queued)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    max_attempts: Mapped[int] = mapped_column(Integer, default=5)
    run_after: Mapped[datetime] = mapped_column(UtcDateTime)
    locked_by: Mapped[str | None] = mapped_column(String(100))
    locked_until: Mapped[datetime | None] = mapped_column(UtcDateTime)
    last_error: Mapped[str] = mapped_column(Text, default="")
    dedupe_key: Mapped[str | None] = mapped_column(String(120), unique=True)  # e.g. "supervision.scan:2026-11-20T10:00"
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class InboxMessage(Base):
    """站内消息 for one person."""

    __tablename__ = "inbox_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    link: Mapped[str] = mapped_column(String(300), default="")
    case_id: Mapped[int | None] = mapped_column(ForeignKey("case_record.id"))  # not looked up by: not indexed
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    read_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class NotificationStatus(StrEnum):
    queued = "queued"
    sent = "sent"
    failed = "failed"  # gave up after the job's last attempt


class NotificationDelivery(Base):
    """消息发送记录: one message to one recipient over one channel, with its status."""

    __tablename__ = "notification_delivery"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))  # template kind
    channel: Mapped[str] = mapped_column(String(10))  # inbox / sms / email
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"), index=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("case_record.id"), index=True)
    recipient: Mapped[str] = mapped_column(EncryptedText)  # phone or e-mail address, or "person:N"
    recipient_masked: Mapped[str] = mapped_column(String(120))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    link: Mapped[str] = mapped_column(String(300), default="")
    status: Mapped[str] = mapped_column(String(10), default=NotificationStatus.queued)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
