"""Tables of the knowledge base (知识库, 004; 002 8.1.1b): FAQ entries, their versions, and the questions people asked."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from tongban.core.db import Base, UtcDateTime


class FaqEntry(Base):
    """One frequent question (常见问题) with its answer over time; the text lives in its versions.

    The owner is an implementing agency (`owner_agency_id`) for facts of its items, or, when it is None, the
    management agency of `region_code` (政务服务大厅管理机构) for everything else (004 咨询服务内容知识库).
    """

    __tablename__ = "faq_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_agency_id: Mapped[int | None] = mapped_column(ForeignKey("agency.id"), index=True)
    region_code: Mapped[str] = mapped_column(String(12))
    # Set on entries proposed by the frequent question analysis: the group's key, so a rerun updates its proposal.
    proposal_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class FaqVersion(Base):
    """One version of an entry's question, answer, variants, linked items and validity (CONS-03)."""

    __tablename__ = "faq_version"
    __table_args__ = (
        UniqueConstraint("entry_id", "number", name="uq_faq_version_number"),
        Index("uq_faq_version_one_published", "entry_id", unique=True,
              sqlite_where=text("state = 'published'"), postgresql_where=text("state = 'published'")),
        Index("uq_faq_version_one_open", "entry_id", unique=True,
              sqlite_where=text("state IN ('draft', 'review', 'returned')"),
              postgresql_where=text("state IN ('draft', 'review', 'returned')")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("faq_entry.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(20), index=True)
    question: Mapped[str] = mapped_column(String(200))
    answer: Mapped[str] = mapped_column(Text)
    variants: Mapped[list] = mapped_column(JSON, default=list)  # other ways people ask the same question
    item_ids: Mapped[list] = mapped_column(JSON, default=list)  # linked service items
    valid_from: Mapped[date | None] = mapped_column(Date)
    valid_until: Mapped[date | None] = mapped_column(Date)
    origin: Mapped[str] = mapped_column(String(20), default="staff")
    evidence: Mapped[dict | None] = mapped_column(JSON)  # analysis proposals: {"count", "examples", "since"}
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    created_by: Mapped[str] = mapped_column(String(100), default="")  # staff ref, or "system:analysis"
    author_name: Mapped[str] = mapped_column(String(100), default="")
    submitted_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    submitted_by: Mapped[str] = mapped_column(String(100), default="")
    reviewed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    reviewed_by: Mapped[str] = mapped_column(String(100), default="")
    review_comment: Mapped[str] = mapped_column(Text, default="")
    published_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    withdrawn_by: Mapped[str] = mapped_column(String(100), default="")


class QuestionLog(Base):
    """A question someone asked (assistant, ticket, letter), personal data masked: the input of CONS-10."""

    __tablename__ = "knowledge_question_log"
    __table_args__ = (Index("ix_knowledge_question_log_at", "asked_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    asked_at: Mapped[datetime] = mapped_column(UtcDateTime)
    text: Mapped[str] = mapped_column(String(500))
    channel: Mapped[str] = mapped_column(String(20))
    source: Mapped[str] = mapped_column(String(40))  # which domain logged it: assistant, ticket, letter …
