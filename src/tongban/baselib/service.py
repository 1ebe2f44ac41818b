"""Checks against the population and legal-person base libraries, and loading them from CSV (003 5-1, 5-2)."""

from __future__ import annotations

import csv
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Protocol

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from tongban.accounts.identity import IdKind, mask, normalize_uscc, parse_kind, validate
from tongban.baselib.models import CreditRecord, LegalPersonRecord, PopulationAttribute, PopulationFactor, PopulationRecord
from tongban.core.clock import Clock
from tongban.core.crypto import lookup_hash
from tongban.core.enums import LabelledEnum
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


class CreditGrade(LabelledEnum):
    """Grades of the shared public-credit library (公共信用综合评价 / 红黑名单 practice, CRED-02)."""

    red = "red", "红名单（守信激励对象）"
    orange = "orange", "橙名单（信用良好）"
    blue = "blue", "蓝名单（一般信用）"
    black = "black", "黑名单（严重失信主体）"


GRADE_ALIASES = {"红": CreditGrade.red, "红名单": CreditGrade.red, "橙": CreditGrade.orange, "橙名单": CreditGrade.orange,
                 "蓝": CreditGrade.blue, "蓝名单": CreditGrade.blue, "黑": CreditGrade.black, "黑名单": CreditGrade.black}
# When two sources grade one subject differently the stricter one governs: black over blue over orange over red.
GRADE_SEVERITY = {CreditGrade.black: 0, CreditGrade.blue: 1, CreditGrade.orange: 2, CreditGrade.red: 3}
ORG_KIND = "uscc"  # the `kind` of an organisation's identifier in `id_hash` and `credit_of`


@dataclass(frozen=True)
class CreditStanding:
    """The grade in force for a subject today, with where it comes from."""

    grade: CreditGrade
    valid_until: date
    source: str
    reason: str = ""


def parse_grade(value: str) -> CreditGrade:
    text = (value or "").strip()
    if text.lower() in CreditGrade._value2member_map_:
        return CreditGrade(text.lower())
    if text in GRADE_ALIASES:
        return GRADE_ALIASES[text]
    raise InvalidInput("CREDIT_GRADE", "信用等级只能是 red（红名单）、orange（橙名单）、blue（蓝名单）或 black（黑名单）")


# Facts other departments share about people, loaded with `import_attributes` (name → label). Policies name them.
ATTRIBUTES = {
    "disability_grade": "残疾等级（1–4 级）",
    "subsistence_allowance": "享受最低生活保障（yes/no）",
    "veteran": "退役军人（yes/no）",
}


@dataclass(frozen=True)
class PersonFacts:
    """What the population library knows of one person, for matching a policy's conditions (POL-01)."""

    id_hash: str
    id_kind: str
    id_number: str
    name: str
    status: str
    household_region: str
    birth_date: date | None
    gender: str  # male / female / "" when the document does not say
    attributes: dict[str, str] = field(default_factory=dict)

    def age_on(self, day: date) -> int | None:
        if self.birth_date is None:
            return None
        born = self.birth_date
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def _birth_and_gender(kind: str, number: str) -> tuple[date | None, str]:
    """An 18-character resident ID or permit carries the birth date (digits 7–14) and the sex (digit 17, odd: male)."""
    if len(number) == 18 and number[:17].isdigit():
        try:
            born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
        except ValueError:
            return None, ""
        return born, "male" if int(number[16]) % 2 else "female"
    return None, ""


class BaseLibrary(Protocol):
    """What registration asks of a base library; a province may put its own service behind it."""

    def check_person(self, kind: str, number: str, name: str) -> PersonCheck: ...

    def check_factor(self, kind: str, number: str, factor: FactorKind, value: str) -> bool: ...

    def find_organisation(self, uscc: str) -> OrgRecord | None: ...

    def household_region(self, kind: str, number: str) -> str | None:
        """The division code of the person's household registration (户籍地), or None when unknown."""
        ...

    def residence_region(self, kind: str, number: str) -> str | None:
        """The division code of the person's residence under a residence permit (居住地), or None when unknown."""
        ...

    def credit_of(self, kind: str, number: str, *, today: date) -> CreditStanding | None:
        """The credit grade in force today for a person (`kind` an IdKind) or an organisation (`kind` "uscc"), or None
        when the credit library holds no valid record (expired records are ignored, CRED-05)."""
        ...

    def people(self, *, region_prefix: str = "") -> Iterator[PersonFacts]:
        """Everyone in the population library (whose household registration starts with `region_prefix`)."""
        ...


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

    def household_region(self, kind: str, number: str) -> str | None:
        record = self._record(kind, number)
        return (record.household_region or None) if record is not None else None

    def residence_region(self, kind: str, number: str) -> str | None:
        record = self._record(kind, number)
        return (record.residence_region or None) if record is not None else None

    def credit_of(self, kind: str, number: str, *, today: date) -> CreditStanding | None:
        rows = self.db.scalars(select(CreditRecord).where(CreditRecord.subject_hash == credit_key(kind, number),
                                                          CreditRecord.valid_until >= today))
        standings = [CreditStanding(CreditGrade(r.grade), r.valid_until, r.source, r.reason) for r in rows]
        if not standings:
            return None
        return min(standings, key=lambda s: (GRADE_SEVERITY[s.grade], s.valid_until))

    def people(self, *, region_prefix: str = "", batch: int = 500) -> Iterator[PersonFacts]:
        query = select(PopulationRecord).order_by(PopulationRecord.id)
        if region_prefix:
            query = query.where(PopulationRecord.household_region.startswith(region_prefix))
        last = 0
        while True:
            records = list(self.db.scalars(query.where(PopulationRecord.id > last).limit(batch)))
            if not records:
                return
            last = records[-1].id
            attributes: dict[int, dict[str, str]] = {}
            for row in self.db.scalars(select(PopulationAttribute).where(
                    PopulationAttribute.record_id.in_([r.id for r in records]))):
                attributes.setdefault(row.record_id, {})[row.name] = row.value
            for r in records:
                born, gender = _birth_and_gender(r.id_kind, r.id_number)
                yield PersonFacts(r.id_number_hash, r.id_kind, r.id_number, r.name, r.status, r.household_region or "",
                                  born, gender, attributes.get(r.id, {}))

    def find_organisation(self, uscc: str) -> OrgRecord | None:
        row = self.db.scalar(select(LegalPersonRecord).where(LegalPersonRecord.uscc == uscc))
        if row is None:
            return None
        return OrgRecord(row.uscc, row.name, row.org_kind, row.legal_rep_name, row.legal_rep_id_hash, row.status)


def credit_key(kind: str, number: str) -> str:
    """The credit library's key for a subject: the shared identity hash of a person's document, or of a USCC."""
    if kind == ORG_KIND:
        return id_hash(ORG_KIND, number.strip().upper())
    return id_hash(kind, number)


def _same_name(a: str, b: str) -> bool:
    def fold(s: str) -> str:
        return "".join(unicodedata.normalize("NFKC", s).split()).replace("·", "").replace("•", "").upper()

    return fold(a) == fold(b)


# --- loading -------------------------------------------------------------------------------------

# nationality: needed for passports only (a passport number is checked with its issuing country).
POPULATION_COLUMNS = ["id_kind", "id_number", "name", "nationality", "status", "household_region", "residence_region", *[k.value for k in LIBRARY_FACTORS]]
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
        region, residence = row.get("household_region", ""), row.get("residence_region", "")
        if region and not (region.isdigit() and len(region) in (6, 9, 12)):
            result.errors.append(f"第 {line} 行：户籍地区划代码应为 6、9 或 12 位数字")
            continue
        if residence and not (residence.isdigit() and len(residence) in (6, 9, 12)):
            result.errors.append(f"第 {line} 行：居住地区划代码应为 6、9 或 12 位数字")
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
        record.household_region, record.residence_region = region, residence
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


CREDIT_COLUMNS = ["subject", "grade", "valid_until", "source"]


def _credit_subject(row: dict[str, str]) -> tuple[str, str, str]:
    """(subject kind, key, masked) of a credit line: an `id_kind` column names a person's document; without one an
    18-character value is a resident ID when it checks as one, else a USCC."""
    value = row["subject"]
    kind_text = row.get("id_kind", "")
    if kind_text and kind_text != ORG_KIND:
        document = validate(parse_kind(kind_text), value)
        return "person", credit_key(document.kind.value, document.number), mask(document.kind, document.number)
    if not kind_text:
        try:
            document = validate(IdKind.resident_id, value)
            return "person", credit_key(IdKind.resident_id.value, document.number), mask(IdKind.resident_id, document.number)
        except InvalidInput:
            pass
    try:
        uscc = normalize_uscc(value)
    except InvalidInput:
        raise InvalidInput("CREDIT_SUBJECT", "信用主体应为居民身份证号码或统一社会信用代码，请核对") from None
    return "org", credit_key(ORG_KIND, uscc), uscc[:8] + "******" + uscc[-4:]


def import_credit(
    *, db_session: Session, clock: Clock, path: Path, progress: Callable[[int], None] | None = None
) -> ImportResult:
    """Load the shared credit library (CRED-05): subject, grade, valid_until, source (optional reason, id_kind). A line
    replaces the record of the same subject and source; a bad line is reported and skipped."""
    result = ImportResult(errors=[])
    for line, row in _rows(path, CREDIT_COLUMNS):
        try:
            subject_kind, key, masked = _credit_subject(row)
            grade = parse_grade(row["grade"])
        except InvalidInput as error:
            result.errors.append(f"第 {line} 行：{error.message}")
            continue
        try:
            valid_until = date.fromisoformat(row["valid_until"])
        except ValueError:
            result.errors.append(f"第 {line} 行：有效期应为 YYYY-MM-DD 格式的日期")
            continue
        source = row["source"][:100]
        if not source:
            result.errors.append(f"第 {line} 行：缺少信用信息来源单位")
            continue
        record = db_session.scalar(select(CreditRecord).where(CreditRecord.subject_hash == key, CreditRecord.source == source))
        if record is None:
            record = CreditRecord(subject_kind=subject_kind, subject_hash=key, source=source)
            db_session.add(record)
            result.added += 1
        else:
            result.updated += 1
        record.subject_masked, record.grade, record.valid_until = masked, grade.value, valid_until
        record.reason, record.loaded_at = row.get("reason", "")[:200], clock.now()
        if progress:
            progress(line - 1)
    db_session.flush()
    return result


ATTRIBUTE_COLUMNS = ["id_kind", "id_number", "attribute", "value"]


def import_attributes(
    *, db_session: Session, clock: Clock, path: Path, progress: Callable[[int], None] | None = None
) -> ImportResult:
    """Load facts about people shared by other departments (columns id_kind, id_number, attribute, value, optional
    source); the person must already be in the population library and the attribute one of `ATTRIBUTES`."""
    result = ImportResult(errors=[])
    for line, row in _rows(path, ATTRIBUTE_COLUMNS):
        try:
            kind = parse_kind(row["id_kind"] or IdKind.resident_id.value)
            document = validate(kind, row["id_number"])
        except InvalidInput as error:
            result.errors.append(f"第 {line} 行：{error.message}")
            continue
        name, value = row["attribute"], row["value"][:100]
        if name not in ATTRIBUTES:
            result.errors.append(f"第 {line} 行：不认识的人口属性 {name}，可用：{'、'.join(ATTRIBUTES)}")
            continue
        record = db_session.scalar(select(PopulationRecord).where(
            PopulationRecord.id_number_hash == id_hash(kind.value, document.number)))
        if record is None:
            result.errors.append(f"第 {line} 行：人口库中没有这个人，请先导入人口库")
            continue
        row_ = db_session.scalar(select(PopulationAttribute).where(PopulationAttribute.record_id == record.id,
                                                                   PopulationAttribute.name == name))
        if row_ is None:
            db_session.add(PopulationAttribute(record_id=record.id, name=name, value=value,
                                               source=row.get("source", "")[:100], loaded_at=clock.now()))
            result.added += 1
        else:
            row_.value, row_.source, row_.loaded_at = value, row.get("source", "")[:100], clock.now()
            result.updated += 1
        if progress:
            progress(line - 1)
    db_session.flush()
    return result
