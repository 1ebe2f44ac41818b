"""Tables of search logs: what people searched and what they opened, for hot lists and ranking (SRCH-05)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from tongban.core.db import Base, UtcDateTime


class SearchLog(Base):
    """One search. No user is recorded; digits that could identify someone are masked before storing."""

    __tablename__ = "search_log"
    __table_args__ = (Index("ix_search_log_at_query", "at", "query"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    query: Mapped[str] = mapped_column(String(100))  # normalised and masked
    result_count: Mapped[int] = mapped_column(Integer, default=0)
    channel: Mapped[str] = mapped_column(String(20), default="web")


class SearchClick(Base):
    """One opened result: which document, from which query, at which position."""

    __tablename__ = "search_click"
    __table_args__ = (Index("ix_search_click_at_doc", "at", "doc_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    query: Mapped[str] = mapped_column(String(100))
    doc_key: Mapped[str] = mapped_column(String(60))
    position: Mapped[int] = mapped_column(Integer, default=0)
