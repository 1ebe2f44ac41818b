"""The tables of ratings (好差评), rectification tasks (整改), return visits (回访), window raters and reminders."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from tongban.core.db import Base, UtcDateTime


class Rating(Base):
    """One rating of one service (Rating; RATE-01, RATE-02). `(subject_kind, subject_id, rater_key)` is unique: a
    service subject has `rater_key` "" (one rating per service, whoever gives it); a guide is rated once per person
    per item version (`subject_id` the version, `rater_key` person:N). Never edited; one addendum may follow."""

    __tablename__ = "rating"
    __table_args__ = (
        UniqueConstraint("subject_kind", "subject_id", "rater_key", name="uq_rating_subject"),
        Index("ix_rating_agency_month", "agency_id", "month"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_kind: Mapped[str] = mapped_column(String(20))  # SubjectKind
    subject_id: Mapped[int] = mapped_column(Integer)
    rater_key: Mapped[str] = mapped_column(String(40), default="")
    subject_ref: Mapped[str] = mapped_column(String(40), default="")  # case number, ticket number, A012 …
    level: Mapped[int] = mapped_column(Integer)  # GB/T 39046 A.8 code 1..5
    dimensions: Mapped[list] = mapped_column(JSON, default=list)  # Dimension values
    dimension_mask: Mapped[int] = mapped_column(Integer, default=0)  # a bad rating's dimensions, one bit each (else 0)
    comment: Mapped[str] = mapped_column(Text, default="")
    addendum: Mapped[str] = mapped_column(Text, default="")
    addendum_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    channel: Mapped[str] = mapped_column(String(20))  # Channel
    person_id: Mapped[int | None] = mapped_column(Integer, index=True)  # who rated (None: the window rater)
    item_id: Mapped[int | None] = mapped_column(Integer, index=True)
    item_name: Mapped[str] = mapped_column(String(200), default="")
    agency_id: Mapped[int | None] = mapped_column(Integer)
    region_code: Mapped[str] = mapped_column(String(12), default="")
    hall_id: Mapped[int | None] = mapped_column(Integer)
    window_number: Mapped[int | None] = mapped_column(Integer)
    staff_ref: Mapped[str] = mapped_column(String(40), default="")  # staff:N who served
    staff_name: Mapped[str] = mapped_column(String(100), default="")
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)  # the signed link used, once
    month: Mapped[str] = mapped_column(String(7))  # YYYY-MM in Shanghai time
    valid: Mapped[bool] = mapped_column(Boolean, default=True)  # False: malicious or a platform fault (RATE-07)
    invalid_kind: Mapped[str] = mapped_column(String(20), default="")  # InvalidKind
    invalid_reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class RectificationTask(Base):
    """整改任务 for a bad rating (RectificationTask; RATE-03): verify, rectify, feed back, the person's answer."""

    __tablename__ = "rectification_task"
    __table_args__ = (Index("ix_rectification_task_ledger", "agency_id", "state"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    rating_id: Mapped[int] = mapped_column(ForeignKey("rating.id", ondelete="CASCADE"), unique=True)
    agency_id: Mapped[int | None] = mapped_column(Integer)
    region_code: Mapped[str] = mapped_column(String(12), default="")
    state: Mapped[str] = mapped_column(String(20), index=True)  # TaskState
    due: Mapped[date] = mapped_column(Date)
    verification: Mapped[str] = mapped_column(Text, default="")
    verified_by: Mapped[str] = mapped_column(String(100), default="")
    verified_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    rectification: Mapped[str] = mapped_column(Text, default="")
    rectified_by: Mapped[str] = mapped_column(String(100), default="")
    rectified_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    feedback: Mapped[str] = mapped_column(Text, default="")
    fed_back_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    person_satisfied: Mapped[bool | None] = mapped_column(Boolean)
    person_answered_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class ReturnVisit(Base):
    """回访 (ReturnVisit; RATE-08): a completed service drawn in a month's sample, and the answer recorded."""

    __tablename__ = "return_visit"
    __table_args__ = (UniqueConstraint("subject_kind", "subject_id", name="uq_return_visit_subject"),
                      Index("ix_return_visit_month", "month", "agency_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[str] = mapped_column(String(7))
    agency_id: Mapped[int | None] = mapped_column(Integer)
    region_code: Mapped[str] = mapped_column(String(12), default="")
    subject_kind: Mapped[str] = mapped_column(String(20))
    subject_id: Mapped[int] = mapped_column(Integer)
    subject_ref: Mapped[str] = mapped_column(String(40), default="")
    person_id: Mapped[int | None] = mapped_column(Integer)
    rating_id: Mapped[int | None] = mapped_column(ForeignKey("rating.id", ondelete="SET NULL"))
    state: Mapped[str] = mapped_column(String(20))  # VisitState
    method: Mapped[str] = mapped_column(String(20), default="")  # VisitMethod
    answer_level: Mapped[int | None] = mapped_column(Integer)
    note: Mapped[str] = mapped_column(Text, default="")
    recorded_by: Mapped[str] = mapped_column(String(100), default="")
    recorded_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    drawn_at: Mapped[datetime] = mapped_column(UtcDateTime)


class WindowRater(Base):
    """评价器: an enrolled hall device (appointments' kiosk enrolment) bound to one window of its hall."""

    __tablename__ = "window_rater"

    id: Mapped[int] = mapped_column(primary_key=True)
    device_id: Mapped[int] = mapped_column(Integer, unique=True)  # appointments' kiosk device
    hall_id: Mapped[int] = mapped_column(Integer)
    window_number: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class RatingReminder(Base):
    """A reminder sent for one completed service (at most one each), and the reminder job's mark (kind "mark")."""

    __tablename__ = "rating_reminder"
    __table_args__ = (UniqueConstraint("subject_kind", "subject_id", name="uq_rating_reminder_subject"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_kind: Mapped[str] = mapped_column(String(20))
    subject_id: Mapped[int] = mapped_column(Integer)
    sent_at: Mapped[datetime] = mapped_column(UtcDateTime)
