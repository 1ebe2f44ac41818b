"""Tables of the population and legal-person base libraries (人口库、法人库) a province loads."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, String, UniqueConstraint
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
    # 户籍地: the county-level division code of the household registration ("" when the library did not say).
    household_region: Mapped[str] = mapped_column(String(12), default="", server_default="")
    # 居住地: the division code where the person lives under a residence permit (居住证), "" when none is known.
    residence_region: Mapped[str] = mapped_column(String(12), default="", server_default="")
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


class PopulationAttribute(Base):
    """A fact another department shares about a person (残疾等级、低保), named from `service.ATTRIBUTES`, for
    policies matched without application (免申即享, POL-01)."""

    __tablename__ = "population_attribute"
    __table_args__ = (UniqueConstraint("record_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("population_record.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(40))
    value: Mapped[str] = mapped_column(String(100))
    source: Mapped[str] = mapped_column(String(100), default="")
    loaded_at: Mapped[datetime] = mapped_column(UtcDateTime)


class CreditRecord(Base):
    """One grade the shared credit library holds for a person or organisation (公共信用信息, CRED-05). The identifier
    is kept only as a keyed hash (`service.id_hash`) and a masked form for display; one record per subject and source."""

    __tablename__ = "credit_record"
    __table_args__ = (UniqueConstraint("subject_hash", "source"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_kind: Mapped[str] = mapped_column(String(10))  # person / org
    subject_hash: Mapped[str] = mapped_column(String(64), index=True)
    subject_masked: Mapped[str] = mapped_column(String(40))
    grade: Mapped[str] = mapped_column(String(10))  # red / orange / blue / black
    valid_until: Mapped[date] = mapped_column(Date)
    source: Mapped[str] = mapped_column(String(100))
    reason: Mapped[str] = mapped_column(String(200), default="")
    loaded_at: Mapped[datetime] = mapped_column(UtcDateTime)
