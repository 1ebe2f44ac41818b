"""Tables of the supervision domain: warnings and their dispatch, platform faults, handling errors (002 9.2.1.8, 8.8.7d)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from tongban.core.db import Base, UtcDateTime


class CaseWarning(Base):
    """预警 / 超期: a case reached yellow or red on one of its limits; recorded once per case, limit and level."""

    __tablename__ = "case_warning"
    __table_args__ = (UniqueConstraint("case_id", "limit_kind", "level"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_record.id"), index=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"), index=True)
    region_code: Mapped[str] = mapped_column(String(12), index=True)
    limit_kind: Mapped[str] = mapped_column(String(10))  # legal / promised
    level: Mapped[str] = mapped_column(String(10))  # WarningLevel: yellow / red
    due: Mapped[date] = mapped_column(Date)
    remaining_days: Mapped[int] = mapped_column(Integer)  # negative: days overdue
    raised_at: Mapped[datetime] = mapped_column(UtcDateTime)


class WarningDispatch(Base):
    """督办: one warning sent to one member of staff (handler, supervisor or agency head); the staff's in-app copy."""

    __tablename__ = "warning_dispatch"
    __table_args__ = (UniqueConstraint("warning_id", "staff_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    warning_id: Mapped[int] = mapped_column(ForeignKey("case_warning.id"), index=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff_account.id"), index=True)
    role: Mapped[str] = mapped_column(String(20))  # DispatchRole: handler / supervisor / head
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    sms_delivery_id: Mapped[int | None] = mapped_column(Integer)  # the notify delivery record of the SMS, if any
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    read_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class PlatformFault(Base):
    """平台故障: a period when the platform failed (fault, upgrade, change); delays overlapping it are not held against staff."""

    __tablename__ = "platform_fault"

    id: Mapped[int] = mapped_column(primary_key=True)
    started_at: Mapped[datetime] = mapped_column(UtcDateTime)
    ended_at: Mapped[datetime] = mapped_column(UtcDateTime)
    cause: Mapped[str] = mapped_column(String(20))  # FaultCause
    description: Mapped[str] = mapped_column(Text)
    region_code: Mapped[str] = mapped_column(String(12), index=True)  # the recorder's region: the fault's widest reach
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agency.id"))  # None: every agency of the region
    item_id: Mapped[int | None] = mapped_column(ForeignKey("service_item.id"))  # None: every item
    recorded_by: Mapped[str] = mapped_column(String(40))
    recorded_by_name: Mapped[str] = mapped_column(String(100))
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime)


class CaseError(Base):
    """差错 (纠错, 001 9.2): a handling error found by supervision on a case; the error rate counts these."""

    __tablename__ = "case_error"
    __table_args__ = (UniqueConstraint("case_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_record.id"), index=True)
    kind: Mapped[str] = mapped_column(String(30))  # ErrorKind
    note: Mapped[str] = mapped_column(Text)
    recorded_by: Mapped[str] = mapped_column(String(40))
    recorded_by_name: Mapped[str] = mapped_column(String(100))
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime)


class WarningRule(Base):
    """An item's own yellow threshold, overriding the installation's (SUP-03): e.g. warn 3 days ahead for a 3-day item."""

    __tablename__ = "warning_rule"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("service_item.id"), unique=True)
    share: Mapped[float] = mapped_column(Float)  # 0: rule off
    days: Mapped[int] = mapped_column(Integer)  # 0: rule off
    updated_by: Mapped[str] = mapped_column(String(40))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
