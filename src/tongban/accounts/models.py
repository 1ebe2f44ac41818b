"""Staff access tokens (hashed, revocable); the accounts issue grows these into staff accounts."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from tongban.core.db import Base, UtcDateTime


class StaffToken(Base):
    """A bearer token for a member of staff; only its SM3 hash is stored."""

    __tablename__ = "staff_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))  # who holds it, e.g. "王芳（市市场监管局）"
    role: Mapped[str] = mapped_column(String(20))  # editor / reviewer / admin
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agency.id"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
