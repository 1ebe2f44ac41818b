"""Tables of the population and legal-person base libraries (人口库、法人库) a province loads."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from tongban.core.crypto import EncryptedText
from tongban.core.db import Base, UtcDateTime


class PopulationRecord(Base):
    """One person as the population library knows them; the number is encrypted, found by HMAC."""

    __tablename__ = "population_record"

    id: Mapped[int] = mapped_column(primary_key=True)
    id_kind: Mapped[str] = mapped_column(String(30))
    id_number: Mapped[str] = mapped_column(EncryptedText)
    id_number_hash: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(20), default="normal")  # normal / deceased / cancelled
    loaded_at: Mapped[datetime] = mapped_column(UtcDateTime)


class PopulationFactor(Base):
    """A card or file number held for a person (社保卡、银行卡、公积金、驾驶证), as a keyed hash only."""

    __tablename__ = "population_factor"
    __table_args__ = (UniqueConstraint("record_id", "kind", "value_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("population_record.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    value_hash: Mapped[str] = mapped_column(String(64))


class LegalPersonRecord(Base):
    """One organisation as the legal-person library knows it (工商、民政、编制部门登记信息)."""

    __tablename__ = "legal_person_record"

    id: Mapped[int] = mapped_column(primary_key=True)
    uscc: Mapped[str] = mapped_column(String(18), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    org_kind: Mapped[str] = mapped_column(String(30))
    legal_rep_name: Mapped[str] = mapped_column(String(100))
    legal_rep_id_hash: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(20), default="active")  # active / revoked / cancelled
    loaded_at: Mapped[datetime] = mapped_column(UtcDateTime)
