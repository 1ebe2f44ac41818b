"""Tables of publications: policy documents, laws and regulations, and announcements (000 §6.2; 003 我要看)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from tongban.core.db import Base, UtcDateTime


class Publication(Base):
    """One published text shown on the portal and found by search (SRCH-01).

    ``kind`` is ``policy`` (政策文件), ``regulation`` (法律法规) or ``announcement`` (通知公告).
    A withdrawn publication stays in the table for the record but is no longer shown.
    """

    __tablename__ = "publication"
    __table_args__ = (Index("ix_publication_updated", "updated_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), index=True)
    title: Mapped[str] = mapped_column(String(200))
    document_number: Mapped[str] = mapped_column(String(100), default="")  # 文号, e.g. 国发〔2018〕27号
    issuer: Mapped[str] = mapped_column(String(200), default="")  # 发布机关
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agency.id"), index=True)
    region_code: Mapped[str] = mapped_column(String(12), default="")
    summary: Mapped[str] = mapped_column(Text, default="")
    body: Mapped[str] = mapped_column(Text, default="")
    source_url: Mapped[str] = mapped_column(String(300), default="")
    issued_on: Mapped[str] = mapped_column(String(10), default="")  # YYYY-MM-DD, the date on the document
    status: Mapped[str] = mapped_column(String(20), default="published")  # published / withdrawn
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    created_by: Mapped[str] = mapped_column(String(100), default="")
