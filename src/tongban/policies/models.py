"""Tables of policies: a policy as data (benefit, granting agency, conditions over base-library fields) and one grant
per person, offered, then granted unless declined within the notice period (POL-01)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from tongban.core.crypto import EncryptedText
from tongban.core.db import Base, UtcDateTime


class Policy(Base):
    __tablename__ = "policy"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    benefit: Mapped[str] = mapped_column(String(300))
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"), index=True)
    region_code: Mapped[str] = mapped_column(String(12))
    notice_days: Mapped[int] = mapped_column(Integer)
    conditions: Mapped[str] = mapped_column(Text)  # JSON list of {"field", "op", "value"}, checked by rules.parse
    basis: Mapped[str] = mapped_column(String(300), default="")
    status: Mapped[str] = mapped_column(String(10), default="active")  # active / paused
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class PolicyGrant(Base):
    """One person found eligible for one policy: offered, then granted unless declined (unique, so re-runs add nothing)."""

    __tablename__ = "policy_grant"
    __table_args__ = (UniqueConstraint("policy_id", "person_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    policy_id: Mapped[int] = mapped_column(ForeignKey("policy.id", ondelete="CASCADE"), index=True)
    person_hash: Mapped[str] = mapped_column(String(64), index=True)  # baselib id_hash of the person's document
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"), index=True)  # when they have an account
    name: Mapped[str] = mapped_column(EncryptedText)
    id_masked: Mapped[str] = mapped_column(String(40))
    state: Mapped[str] = mapped_column(String(10))  # offered / declined / granted
    rules: Mapped[str] = mapped_column(Text)  # the conditions as matched (JSON)
    data: Mapped[str] = mapped_column(EncryptedText)  # the base-library values the match used (JSON)
    notified: Mapped[str] = mapped_column(String(30), default="")  # channels the offer went out on ("" without an account)
    offered_at: Mapped[datetime] = mapped_column(UtcDateTime)
    grant_on: Mapped[date] = mapped_column()  # the notice period ends: granted on this day unless declined
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    decline_reason: Mapped[str] = mapped_column(String(300), default="")
