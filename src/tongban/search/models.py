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
    """One opened result: which document, from which query, at which position, by which visitor.

    The visitor is a keyed hash of the client address: hot searches count distinct visitors, and no
    address is stored.
    """

    __tablename__ = "search_click"
    __table_args__ = (Index("ix_search_click_at_doc", "at", "doc_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    query: Mapped[str] = mapped_column(String(100))
    doc_key: Mapped[str] = mapped_column(String(60))
    position: Mapped[int] = mapped_column(Integer, default=0)
    visitor: Mapped[str] = mapped_column(String(64), default="")


class HiddenSearch(Base):
    """A query staff took off the public hot-search list (spam, advertising, anything unfit to show)."""

    __tablename__ = "hidden_search"

    id: Mapped[int] = mapped_column(primary_key=True)
    query: Mapped[str] = mapped_column(String(100), unique=True)  # as stored: normalised and masked
    hidden_at: Mapped[datetime] = mapped_column(UtcDateTime)
    hidden_by: Mapped[str] = mapped_column(String(60))  # staff ref
