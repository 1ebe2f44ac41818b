"""Checks against the population and legal-person base libraries, and loading them from CSV (003 5-1, 5-2)."""

from __future__ import annotations

import csv
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Protocol

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from tongban.accounts.identity import IdKind, normalize_uscc, parse_kind, validate
from tongban.baselib.models import LegalPersonRecord, PopulationFactor, PopulationRecord
from tongban.core.clock import Clock
from tongban.core.crypto import lookup_hash
from tongban.core.errors import InvalidInput


class FactorKind(StrEnum):
    """Identity factors besides the ID number itself (003 5-1)."""

    phone = "phone"
    social_security_card = "social_security_card"
    bank_card = "bank_card"
    housing_fund = "housing_fund"
    driving_licence = "driving_licence"

    @property
    def label(self) -> str:
        return FACTOR_LABELS[self]


FACTOR_LABELS = {
    FactorKind.phone: "手机号码",
    FactorKind.social_security_card: "社会保障卡号",
    FactorKind.bank_card: "银行卡号",
    FactorKind.housing_fund: "公积金账号",
    FactorKind.driving_licence: "驾驶证档案编号",
}
LIBRARY_FACTORS = [k for k in FactorKind if k is not FactorKind.phone]


def id_hash(kind: str, number: str) -> str:
    """The one lookup key for an identity document, shared by accounts and the library."""
    return lookup_hash("id", f"{kind}:{number}")


def factor_hash(kind: str, value: str) -> str:
    return lookup_hash(f"factor:{kind}", normalize_factor(value))


def normalize_factor(value: str) -> str:
    return "".join(unicodedata.normalize("NFKC", value).split()).replace("-", "").upper()


@dataclass(frozen=True)
class PersonCheck:
    found: bool
    name_matches: bool = False
    status: str = ""


@dataclass(frozen=True)
class OrgRecord:
    uscc: str
    name: str
    org_kind: str
    legal_rep_name: str
    legal_rep_id_hash: str
    status: str


class BaseLibrary(Protocol):
    """What registration asks of a base library; a province may put its own service behind it."""

    def check_person(self, kind: str, number: str, name: str) -> PersonCheck: ...

    def check_factor(self, kind: str, number: str, factor: FactorKind, value: str) -> bool: ...

    def find_organisation(self, uscc: str) -> OrgRecord | None: ...


class TableBaseLibrary:
    """The base libraries as tables in our own database, loaded from the province's CSV exports."""

    def __init__(self, db_session: Session) -> None:
        self.db = db_session

    def _record(self, kind: str, number: str) -> PopulationRecord | None:
        return self.db.scalar(select(PopulationRecord).where(PopulationRecord.id_number_hash == id_hash(kind, number)))

    def check_person(self, kind: str, number: str, name: str) -> PersonCheck:
        record = self._record(kind, number)
        if record is None:
            return PersonCheck(found=False)
        return PersonCheck(found=True, name_matches=_same_name(record.name, name), status=record.status)

    def check_factor(self, kind: str, number: str, factor: FactorKind, value: str) -> bool:
        record = self._record(kind, number)
        if record is None or not value.strip():
            return False
        hit = self.db.scalar(
            select(PopulationFactor.id).where(
                PopulationFactor.record_id == record.id,
                PopulationFactor.kind == factor.value,
                PopulationFactor.value_hash == factor_hash(factor.value, value),
            )
        )
        return hit is not None

    def find_organisation(self, uscc: str) -> OrgRecord | None:
        row = self.db.scalar(select(LegalPersonRecord).where(LegalPersonRecord.uscc == uscc))
        if row is None:
            return None
        return OrgRecord(row.uscc, row.name, row.org_kind, row.legal_rep_name, row.legal_rep_id_hash, row.status)


def _same_name(a: str, b: str) -> bool:
    def fold(s: str) -> str:
        return "".join(unicodedata.normalize("NFKC", s).split()).replace("·", "").replace("•", "").upper()

    return fold(a) == fold(b)


# --- loading -------------------------------------------------------------------------------------

# nationality: needed for passports only (a passport number is checked with its issuing country).
POPULATION_COLUMNS = ["id_kind", "id_number", "name", "nationality", "status", *[k.value for k in LIBRARY_FACTORS]]
LEGAL_PERSON_COLUMNS = ["uscc", "name", "org_kind", "legal_rep_name", "legal_rep_id_kind", "legal_rep_id_number", "status"]


@dataclass
class ImportResult:
    added: int = 0
    updated: int = 0
    errors: list[str] | None = None


def _rows(path: Path, required: list[str]) -> Iterator[tuple[int, dict[str, str]]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in required if c not in (reader.fieldnames or [])]
        if missing:
            raise InvalidInput("CSV_COLUMNS", f"CSV 文件缺少列：{'、'.join(missing)}")
        for line, row in enumerate(reader, start=2):
            yield line, {k: (v or "").strip() for k, v in row.items() if k}


def import_population(
    *, db_session: Session, clock: Clock, path: Path, progress: Callable[[int], None] | None = None
) -> ImportResult:
    """Add or replace people by document number; a bad line is reported and skipped, never half-loaded."""
    result = ImportResult(errors=[])
    for line, row in _rows(path, ["id_kind", "id_number", "name"]):
        try:
            kind = parse_kind(row["id_kind"] or IdKind.resident_id.value)
            document = validate(kind, row["id_number"], nationality=row.get("nationality") or None)
        except InvalidInput as error:
            result.errors.append(f"第 {line} 行：{error.message}")
            continue
        if not row["name"]:
            result.errors.append(f"第 {line} 行：缺少姓名")
            continue
        key = id_hash(kind.value, document.number)
        record = db_session.scalar(select(PopulationRecord).where(PopulationRecord.id_number_hash == key))
        if record is None:
            record = PopulationRecord(id_kind=kind.value, id_number=document.number, id_number_hash=key, name=row["name"], loaded_at=clock.now())
            db_session.add(record)
            result.added += 1
        else:
            record.name, record.loaded_at = row["name"], clock.now()
            db_session.execute(delete(PopulationFactor).where(PopulationFactor.record_id == record.id))
            result.updated += 1
        record.status = row.get("status") or "normal"
        db_session.flush()
        for factor in LIBRARY_FACTORS:
            for value in _split(row.get(factor.value, "")):
                db_session.add(PopulationFactor(record_id=record.id, kind=factor.value, value_hash=factor_hash(factor.value, value)))
        if progress:
            progress(line - 1)
    db_session.flush()
    return result


def import_legal_persons(
    *, db_session: Session, clock: Clock, path: Path, progress: Callable[[int], None] | None = None
) -> ImportResult:
    result = ImportResult(errors=[])
    for line, row in _rows(path, LEGAL_PERSON_COLUMNS[:6]):
        try:
            uscc = normalize_uscc(row["uscc"])
            rep_kind = parse_kind(row["legal_rep_id_kind"] or IdKind.resident_id.value)
            rep = validate(rep_kind, row["legal_rep_id_number"])
        except InvalidInput as error:
            result.errors.append(f"第 {line} 行：{error.message}")
            continue
        record = db_session.scalar(select(LegalPersonRecord).where(LegalPersonRecord.uscc == uscc))
        if record is None:
            record = LegalPersonRecord(uscc=uscc, loaded_at=clock.now())
            db_session.add(record)
            result.added += 1
        else:
            result.updated += 1
        record.name, record.org_kind = row["name"], row["org_kind"] or "enterprise"
        record.legal_rep_name = row["legal_rep_name"]
        record.legal_rep_id_hash = id_hash(rep_kind.value, rep.number)
        record.status, record.loaded_at = row.get("status") or "active", clock.now()
        if progress:
            progress(line - 1)
    db_session.flush()
    return result


def _split(value: str) -> Iterable[str]:
    return [part for part in (p.strip() for p in value.split(";")) if part]
