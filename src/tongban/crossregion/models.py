"""Tables of cross-region service: handling places, routing decisions, remote-window hand-overs and the liaison
directory (XREG-01 … 04). Names, phones, ID numbers and addresses are SM4-encrypted at rest (EncryptedText)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from tongban.core.crypto import EncryptedText
from tongban.core.db import Base, UtcDateTime


class HandlingPlaceRecord(Base):
    """Where one item is handled when applied for away from home (XREG-02); an item without a row takes
    `enums.DEFAULT_PLACE`."""

    __tablename__ = "xreg_handling_place"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("service_item.id"), unique=True)
    place: Mapped[str] = mapped_column(String(20))  # HandlingPlace
    note: Mapped[str] = mapped_column(String(300), default="")
    updated_by: Mapped[str] = mapped_column(String(100), default="")
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class RouteRecord(Base):
    """Why an online application went where it did (XREG-02): routed to the home region, or kept and why."""

    __tablename__ = "xreg_route"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_record.id"), unique=True)
    applied_item_id: Mapped[int] = mapped_column(ForeignKey("service_item.id"))
    filed_item_id: Mapped[int] = mapped_column(ForeignKey("service_item.id"))
    applied_region: Mapped[str] = mapped_column(String(12))
    home_region: Mapped[str] = mapped_column(String(12), default="")  # "" when the library does not know it
    outcome: Mapped[str] = mapped_column(String(20), index=True)  # RouteOutcome
    reason: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class Handover(Base):
    """One end of a remote-window hand-over (异地受理、接件, XREG-03): the receiving window's record (`sent`) or the
    handling region's (`received`). In one installation both ends exist; between two, each keeps its own, joined by
    `envelope_id`. The envelope's files travel once and live on in the case; the record keeps their digests."""

    __tablename__ = "xreg_handover"
    __table_args__ = (
        UniqueConstraint("envelope_id", "side"),
        Index("ix_xreg_handover_list", "side", "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    envelope_id: Mapped[str] = mapped_column(String(40))
    side: Mapped[str] = mapped_column(String(10))  # Side
    state: Mapped[str] = mapped_column(String(20))  # HandoverState
    origin_installation: Mapped[str] = mapped_column(String(60))
    origin_region: Mapped[str] = mapped_column(String(12), index=True)
    origin_agency_code: Mapped[str] = mapped_column(String(40), default="")
    origin_agency_name: Mapped[str] = mapped_column(String(200), default="")
    origin_address: Mapped[str] = mapped_column(String(300), default="")
    handling_region: Mapped[str] = mapped_column(String(12), index=True)
    item_code: Mapped[str] = mapped_column(String(100))
    item_name: Mapped[str] = mapped_column(String(200))
    local_agency_id: Mapped[int | None] = mapped_column(ForeignKey("agency.id"), index=True)  # this side's agency
    case_id: Mapped[int | None] = mapped_column(ForeignKey("case_record.id"), index=True)  # the handling side's case
    case_number: Mapped[str] = mapped_column(String(40), default="")
    applicant_name: Mapped[str] = mapped_column(EncryptedText)
    applicant_hash: Mapped[str] = mapped_column(String(64), index=True)
    applicant_phone: Mapped[str | None] = mapped_column(EncryptedText)
    delivery_choice: Mapped[str] = mapped_column(String(20))  # DeliveryChoice
    delivery_address: Mapped[str | None] = mapped_column(EncryptedText)
    materials: Mapped[list] = mapped_column(JSON, default=list)  # [{material_key, filename, sha256, size}]
    envelope_sha256: Mapped[str] = mapped_column(String(64))
    filed_by: Mapped[str] = mapped_column(String(100))  # the receiving window's staff ref
    filed_by_name: Mapped[str] = mapped_column(String(100))
    steps: Mapped[list] = mapped_column(JSON, default=list)  # [{at, state, note}] as fed back
    feedback_note: Mapped[str] = mapped_column(Text, default="")
    feedback_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    handed_over_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    handed_over_by: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class Liaison(Base):
    """A cross-region liaison (跨区域通办联络员, 002 9.2.1.7, XREG-04): who to call about which items in which region."""

    __tablename__ = "xreg_liaison"

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"), index=True)
    region_code: Mapped[str] = mapped_column(String(12), index=True)  # the agency's
    contact_name: Mapped[str] = mapped_column(EncryptedText)
    phone: Mapped[str] = mapped_column(EncryptedText)
    post: Mapped[str] = mapped_column(String(100), default="")  # 职务、窗口
    items: Mapped[list] = mapped_column(JSON, default=list)  # item names or codes covered
    items_text: Mapped[str] = mapped_column(Text, default="")  # the same, joined, for searching
    note: Mapped[str] = mapped_column(String(500), default="")
    updated_by: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
