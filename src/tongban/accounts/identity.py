"""Identity documents of natural persons: residents, foreigners, Hong Kong, Macao and Taiwan residents (003 5-1; 002 8.1.3, 8.9.5)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date

from stdnum import exceptions as stdnum_errors
from stdnum.cn import ric
from stdnum.cn import uscc as stdnum_uscc
from stdnum.exceptions import ValidationError

from tongban.core.pii import mask_phone  # noqa: F401 (accounts callers read it here)
from tongban.core.enums import LabelledEnum
from tongban.core.errors import InvalidInput


class IdKind(LabelledEnum):
    resident_id = "resident_id", "居民身份证"
    foreign_permanent_id = "foreign_permanent_id", "外国人永久居留身份证"
    hkmo_residence_permit = "hkmo_residence_permit", "港澳居民居住证"
    tw_residence_permit = "tw_residence_permit", "台湾居民居住证"
    hkmo_travel_permit = "hkmo_travel_permit", "港澳居民来往内地通行证"
    tw_travel_permit = "tw_travel_permit", "台湾居民来往大陆通行证"
    passport = "passport", "外国护照"


KINDS_FOR_FORM: list[tuple[str, str]] = [
    (k.value, k.label)
    for k in (
        IdKind.resident_id,
        IdKind.hkmo_residence_permit,
        IdKind.tw_residence_permit,
        IdKind.hkmo_travel_permit,
        IdKind.tw_travel_permit,
        IdKind.foreign_permanent_id,
        IdKind.passport,
    )
]

# Shape of each kind after normalisation, with the hint shown when it does not match.
_FORMATS: dict[IdKind, tuple[re.Pattern[str], str]] = {
    # Mainland province codes all start with 1-6; 8x and 9x belong to permits and foreigners' IDs.
    IdKind.resident_id: (re.compile(r"[1-6]\d{16}[\dX]"), "应为18位，前17位是数字，最后一位是数字或字母X"),
    IdKind.foreign_permanent_id: (
        re.compile(r"9\d{16}[\dX]|[A-Z]{3}\d{12}"),
        "应为以9开头的18位数字，或3个字母加12位数字（旧版）",
    ),
    IdKind.hkmo_residence_permit: (re.compile(r"8[12]0000\d{11}[\dX]"), "应为18位，以810000（香港）或820000（澳门）开头"),
    IdKind.tw_residence_permit: (re.compile(r"830000\d{11}[\dX]"), "应为18位，以830000开头"),
    IdKind.hkmo_travel_permit: (re.compile(r"[HM]\d{8}(\d{2})?"), "应为字母H或M加8位数字（旧版为10位数字）"),
    IdKind.tw_travel_permit: (re.compile(r"\d{8}|\d{10}"), "应为8位数字（旧版为10位）"),
    IdKind.passport: (re.compile(r"[A-Z0-9]{5,20}"), "应为5到20位字母或数字"),
}

# Kinds whose 18-character numbers carry the birth date at positions 7-14.
_EIGHTEEN_CHAR_KINDS = {
    IdKind.resident_id,
    IdKind.foreign_permanent_id,
    IdKind.hkmo_residence_permit,
    IdKind.tw_residence_permit,
}
_NATIONALITY = re.compile(r"[A-Z]{3}")
_MOBILE = re.compile(r"1[3-9]\d{9}")
# Nobody alive or recently deceased was born earlier; such years are typing errors.
_EARLIEST_BIRTH_YEAR = 1880


@dataclass(frozen=True)
class IdDocument:
    kind: IdKind
    number: str
    birth_date: date | None
    nationality: str | None


def parse_kind(value: str | IdKind) -> IdKind:
    text = str(value).strip()
    for kind in IdKind:
        if text.lower() == kind.value or text == kind.label:
            return kind
    labels = "、".join(label for _, label in KINDS_FOR_FORM)
    raise InvalidInput("ID_KIND_UNKNOWN", f"不支持这种证件类型，请从以下证件中选择：{labels}", details={"value": text})


def normalize(kind: str | IdKind, number: str) -> str:
    # NFKC folds full-width digits and letters typed with Chinese input methods into ASCII.
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", number or "")).upper()


def validate(
    kind: str | IdKind, number: str, *, nationality: str | None = None, today: date | None = None
) -> IdDocument:
    kind = parse_kind(kind)
    number = normalize(kind, number)
    if not number:
        raise _error("ID_NUMBER_FORMAT", kind, f"请填写{kind.label}号码")
    pattern, hint = _FORMATS[kind]
    if not pattern.fullmatch(number):
        raise _error("ID_NUMBER_FORMAT", kind, f"{kind.label}号码格式不对：{hint}")
    nationality = _check_nationality(kind, nationality)
    birth = None
    if len(number) == 18 and kind in _EIGHTEEN_CHAR_KINDS:
        birth = _check_18(kind, number)
    elif kind is IdKind.foreign_permanent_id:
        birth = _check_foreign_15(number, today)
        nationality = nationality or number[:3]
    if birth is not None and today is not None and birth > today:
        raise _error("ID_NUMBER_BIRTH_DATE", kind, f"{kind.label}号码中的出生日期晚于今天，请核对后重新输入")
    return IdDocument(kind=kind, number=number, birth_date=birth, nationality=nationality)


def _error(code: str, kind: IdKind, message: str) -> InvalidInput:
    return InvalidInput(code, message, details={"kind": kind.value})


def _check_nationality(kind: IdKind, nationality: str | None) -> str | None:
    value = normalize(kind, nationality or "") or None
    if value is None:
        if kind is IdKind.passport:
            raise _error("NATIONALITY_REQUIRED", kind, "使用外国护照时请同时选择国籍")
        return None
    if not _NATIONALITY.fullmatch(value):
        raise _error("NATIONALITY_FORMAT", kind, "国籍应为三位字母代码，例如 USA、GBR")
    return value


def _check_18(kind: IdKind, number: str) -> date:
    # The place-of-birth table in stdnum does not cover permits (81/82/83) or foreigners (9x) and
    # lags new county codes, so only the check digit and birth date are verified, for every kind.
    if ric.calc_check_digit(number) != number[-1]:
        raise _error("ID_NUMBER_CHECKSUM", kind, f"{kind.label}号码最后一位校验码不对，请核对后重新输入")
    try:
        birth = ric.get_birth_date(number)
    except ValidationError:
        birth = None
    if birth is None or birth.year < _EARLIEST_BIRTH_YEAR:
        raise _error("ID_NUMBER_BIRTH_DATE", kind, f"{kind.label}号码中的出生日期（第7到14位）不是有效日期，请核对后重新输入")
    return birth


def _check_foreign_15(number: str, today: date | None) -> date:
    # The old card has a two-digit year; take the latest century that does not put birth in the future.
    yy, mm, dd = int(number[7:9]), int(number[9:11]), int(number[11:13])
    reference = today or date.today()
    for century in (2000, 1900):
        try:
            birth = date(century + yy, mm, dd)
        except ValueError:
            continue
        if birth <= reference or century == 1900:
            return birth
    raise _error(
        "ID_NUMBER_BIRTH_DATE",
        IdKind.foreign_permanent_id,
        "外国人永久居留身份证号码中的出生日期（第8到13位）不是有效日期，请核对后重新输入",
    )


def normalize_uscc(value: str) -> str:
    """A unified social credit code (统一社会信用代码) with its check digit verified, in its canonical form."""
    try:
        return stdnum_uscc.validate(value)
    except stdnum_errors.InvalidChecksum:
        raise InvalidInput("USCC_CHECKSUM", "统一社会信用代码最后一位校验码不对，请核对") from None
    except stdnum_errors.ValidationError:
        raise InvalidInput("USCC_FORMAT", "统一社会信用代码应为 18 位数字或大写字母，请核对") from None


def mask(kind: str | IdKind, number: str) -> str:
    """Hide the birth date and most of the number for display (003: 隐去年月日相关信息)."""
    kind = parse_kind(kind)
    value = normalize(kind, number)
    if len(value) == 18 and kind in _EIGHTEEN_CHAR_KINDS:
        return value[:6] + "*" * 8 + value[-4:]
    if len(value) == 15 and kind is IdKind.foreign_permanent_id:
        return value[:3] + "*" * 10 + value[-2:]
    if len(value) <= 3:
        return "*" * 3
    return value[0] + "*" * max(3, len(value) - 3) + value[-2:]


def mask_name(name: str) -> str:
    """李梅 → 李*: public pages, ticket slips and screens show a person only by the first character."""
    return name[:1] + "*" * max(1, len(name) - 1) if name else ""


def normalize_phone(value: str) -> str:
    digits = re.sub(r"[\s-]", "", unicodedata.normalize("NFKC", value or ""))
    digits = re.sub(r"^(\+86|0086)", "", digits)
    if not _MOBILE.fullmatch(digits):
        raise InvalidInput("PHONE_FORMAT", "手机号码应为11位数字，以1开头")
    return digits
