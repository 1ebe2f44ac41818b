"""The e-licence library (电子证照库): issue, sign, verify online and offline, share, revoke (LIC-01; 003 七; 002 11.4.2).

A licence's core facts are a canonical JSON payload signed by the issuer's seal. The licence
PDF's QR code carries that payload, its signature and the seal key's fingerprint, so a verifier
holding the published seal keys checks it with no database and no network, in any region.

Each licence type prints its own fields and is numbered its own way when the item's result declares it
(`catalog.schemas.LicenceDeclaration`): a 食品经营许可证 carries 经营场所, 主体业态 and 经营项目 and a number
JY + 主体业态 code + 6-digit region + 6-digit serial + check digit. The check digit is ISO 7064 MOD 11,10 (python-stdnum)
over every digit before it. Without a declaration a licence is numbered `<region>-<year>-<serial>`.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum

from sqlalchemy import bindparam, or_, select, update
from sqlalchemy.orm import Session
from stdnum.cn import uscc as stdnum_uscc
from stdnum.exceptions import ValidationError
from stdnum.iso7064 import mod_11_10

from tongban.accounts.identity import IdKind
from tongban.accounts.identity import mask as mask_id_number
from tongban.accounts.identity import mask_name, mask_phone
from tongban.accounts.identity import normalize as normalize_id
from tongban.accounts.identity import validate as validate_id
from tongban.cases import documents, notices, seals
from tongban.cases.models import LicenceSerial, License
from tongban.catalog.schemas import DEFAULT_LICENCE_NUMBER, LicenceDeclaration, LicenceField, NumberToken, parse_number_format
from tongban.core import limits, sm2
from tongban.core.clock import Clock
from tongban.core.crypto import lookup_hash
from tongban.core.db import dialect_insert, insert_persistent
from tongban.core.errors import Conflict, InvalidInput, NotFound

QR_PREFIX = "TBL1"
MAX_PAYLOAD_BYTES = 1200  # keeps the QR code small enough to print and scan (version ≤ 28 at level M, 42 mm wide)
SUBJECT_KINDS = {"person": "自然人", "org": "法人和其他组织"}
# Tried in this order when the caller does not say which document a person's number is from.
_INFERRED_KINDS = (
    IdKind.resident_id, IdKind.foreign_permanent_id, IdKind.hkmo_residence_permit, IdKind.tw_residence_permit,
    IdKind.hkmo_travel_permit, IdKind.tw_travel_permit,
)


class LicenceStatus(StrEnum):
    valid = "valid"
    revoked = "revoked"
    expired = "expired"

    @property
    def label(self) -> str:
        return {"valid": "有效", "revoked": "已注销", "expired": "已过期"}[self.value]


@dataclass(frozen=True)
class VerifiedLicence:
    """What a QR code (or a stored payload) says, after its signature checked out."""

    number: str
    type_code: str
    type_name: str
    holder_kind: str
    holder_name: str
    holder_identifier: str  # masked
    issuer: str
    region_code: str
    valid_from: date
    valid_until: date | None
    fingerprint: str
    data: dict = field(default_factory=dict)
    fields: tuple[tuple[str, str], ...] = ()  # the type's own fields as printed: (label, value), personal ones masked

    def expired_on(self, today: date) -> bool:
        return self.valid_until is not None and today > self.valid_until


@dataclass(frozen=True)
class OnlineCheck:
    licence: License
    status: LicenceStatus
    signature_ok: bool
    document_ok: bool | None  # None when no PDF was rendered
    seal: seals.Seal


# --- holder identity -------------------------------------------------------------------------------

def _holder(holder_kind: str, identifier: str, id_kind: str | None, today: date) -> tuple[str, str]:
    """(kind, normalised identifier) of a licence holder, or InvalidInput."""
    if holder_kind == "org":
        try:
            return "uscc", stdnum_uscc.validate(identifier or "")
        except ValidationError:
            raise InvalidInput("LICENCE_HOLDER_USCC", "统一社会信用代码不正确，请核对18位代码") from None
    if holder_kind == "person":
        if not id_kind:
            document = _infer_id(identifier or "", today)
        else:  # the nationality is not part of a licence; "XXX" only satisfies the passport check
            document = validate_id(id_kind, identifier or "", today=today, nationality="XXX" if id_kind == "passport" else None)
        return document.kind.value, document.number
    raise InvalidInput("LICENCE_HOLDER_KIND", "持证主体类型应为自然人（person）或法人和其他组织（org）")


def _infer_id(identifier: str, today: date):
    """The first identity document kind the number is valid as; passports must be named by the caller."""
    value = normalize_id(IdKind.resident_id, identifier)
    kinds = _INFERRED_KINDS[:4] if len(value) == 18 and value[:17].isdigit() else _INFERRED_KINDS
    first_error = None
    for kind in kinds:
        try:
            return validate_id(kind, value, today=today)
        except InvalidInput as error:
            first_error = first_error or error
    raise first_error


def mask_identifier(id_kind: str, value: str) -> str:
    if id_kind == "uscc":
        return value[:6] + "*" * 8 + value[-4:]
    return mask_id_number(id_kind, value)


def mask_holder_name(subject_kind: str, name: str) -> str:
    """Public pages show an organisation's name in full, a person's only by the first character."""
    return name if subject_kind == "org" else mask_name(name)


# --- payload and QR ------------------------------------------------------------------------------

def canonical(payload: dict) -> bytes:
    return json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def _b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def _unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def qr_text(licence: License) -> str:
    """`TBL1.<payload>.<signature>`, base64url: everything an offline verifier needs but the key."""
    return f"{QR_PREFIX}.{_b64url(licence.payload.encode('utf-8'))}.{_b64url(base64.b64decode(licence.signature))}"


def _qr_error(code: str, message: str) -> InvalidInput:
    return InvalidInput(code, message)


def _parse_payload(raw: bytes) -> VerifiedLicence:
    try:
        body = json.loads(raw.decode("utf-8"))
        return VerifiedLicence(
            number=body["no"], type_code=body["type"], type_name=body["name"], holder_kind=body["hk"],
            holder_name=body["holder"], holder_identifier=body["hid"], issuer=body["issuer"], region_code=body["region"],
            valid_from=date.fromisoformat(body["from"]), valid_until=date.fromisoformat(body["until"]) if body["until"] else None,
            fingerprint=body["fp"], data=body.get("data") or {},
            fields=tuple((str(label), str(value)) for label, value in body.get("f") or ()),
        )
    except (UnicodeDecodeError, ValueError, KeyError, TypeError):
        raise _qr_error("LICENCE_QR_FORMAT", "二维码内容不是本平台签发的电子证照") from None


def verify_qr(text: str, public_keys: dict[str, str]) -> VerifiedLicence:
    """Check a licence QR code offline against trusted seal keys (fingerprint → PEM); InvalidInput if not genuine."""
    text = text.strip() if isinstance(text, str) else ""
    parts = text.split(".")
    if len(parts) != 3 or parts[0] != QR_PREFIX or len(text) > 4000:
        raise _qr_error("LICENCE_QR_FORMAT", "二维码内容不是本平台签发的电子证照")
    try:
        raw, signature = _unb64url(parts[1]), _unb64url(parts[2])
    except (binascii.Error, ValueError):
        raise _qr_error("LICENCE_QR_FORMAT", "二维码内容不完整或已损坏") from None
    claimed = _parse_payload(raw)
    pem = public_keys.get(claimed.fingerprint)
    if pem is None:
        raise _qr_error("LICENCE_QR_UNKNOWN_SEAL", "签发机关的电子印章不在信任列表中，无法核验")
    try:
        public_hex = sm2.load_public_key_pem(pem)
    except sm2.KeyFormatError:
        raise _qr_error("LICENCE_QR_UNKNOWN_SEAL", "信任列表中该印章的公钥已损坏") from None
    if not sm2.verify(public_hex, raw, signature):
        raise _qr_error("LICENCE_QR_SIGNATURE", "电子签名验证失败：证照内容被改动或不是该机关签发")
    return claimed


# --- issuing -------------------------------------------------------------------------------------

_SERIAL = LicenceSerial.__table__
_NEXT_SERIAL: dict[str, object] = {}  # dialect name → the upsert


def _next_serial_statement(dialect_name: str):
    """`INSERT (prefix, 1) ON CONFLICT (prefix) DO UPDATE SET last = last + 1 RETURNING last`, built once per dialect.
    The row it writes stays locked until commit (SQLite: the one write lock; PostgreSQL: the row lock), so two
    issuers of one prefix are served one after the other, and a rolled-back issue gives its serial back."""
    statement = _NEXT_SERIAL.get(dialect_name)
    if statement is None:
        statement = (dialect_insert(dialect_name)(_SERIAL).values(prefix=bindparam("serial_prefix"), last=1)
                     .on_conflict_do_update(index_elements=[_SERIAL.c.prefix], set_={"last": _SERIAL.c.last + 1})
                     .returning(_SERIAL.c.last))
        _NEXT_SERIAL[dialect_name] = statement
    return statement


def _next_number(db_session: Session, region_code: str, year: int, fields: LicenceFields | None = None) -> str:
    """The number in the type's declared format, `<region>-<year>-<serial>` without one. Serials count up from 1
    without gaps or repeats per counter key: the number's text before the serial (so per prefix, subject kind code,
    region and year as the format has them), plus "*" and what follows the serial when a token does."""
    tokens = fields.tokens if fields is not None else _DEFAULT_TOKENS
    parts = [_render_token(t, region_code, year, fields) for t in tokens]
    at = next(i for i, t in enumerate(tokens) if t.kind == "serial")
    after = "".join(p for t, p in zip(tokens[at + 1:], parts[at + 1:], strict=True) if t.kind != "check")
    key = "".join(parts[:at]) + (f"*{after}" if after else "")
    connection = db_session.connection()
    serial = connection.execute(_next_serial_statement(connection.dialect.name), {"serial_prefix": key}).scalar_one()
    width = int(tokens[at].arg)
    if serial >= 10 ** width:
        raise Conflict("LICENCE_SERIAL_EXHAUSTED", f"编号“{key}”下的{width}位流水号已用完，请调整该证照类型的编号格式")
    parts[at] = f"{serial:0{width}d}"
    if tokens[-1].kind == "check":
        parts[-1] = mod_11_10.calc_check_digit("".join(c for c in "".join(parts[:-1]) if c.isdigit()))
    return "".join(parts)


_DEFAULT_FORMAT = DEFAULT_LICENCE_NUMBER
_DEFAULT_TOKENS = parse_number_format(_DEFAULT_FORMAT)


def _render_token(token: NumberToken, region_code: str, year: int, fields: LicenceFields | None) -> str:
    if token.kind == "literal":
        return token.arg
    if token.kind == "region":
        return region_code[:int(token.arg)].ljust(int(token.arg), "0") if token.arg else region_code
    if token.kind == "year":
        return str(year)
    if token.kind == "code":
        return fields.code_of(token.arg)
    return ""  # serial and check: filled in once the serial is known


# --- the type's own fields ----------------------------------------------------------------------

@dataclass(frozen=True)
class LicenceFields:
    """A licence type's declared fields with their values for one licence, checked, in the declared order."""

    declaration: LicenceDeclaration
    values: dict[str, str]

    @property
    def tokens(self) -> list[NumberToken]:
        return parse_number_format(self.declaration.number_format)

    def code_of(self, key: str) -> str:
        declared = next(f for f in self.declaration.fields if f.key == key)
        value = self.values.get(key, "")
        found = next((o.code for o in declared.options if o.label == value), None)
        return found if found is not None else "0" * max(len(o.code) for o in declared.options)

    def rows(self) -> list[tuple[str, str, str]]:
        """(key, label, value) in the declared order, values in full."""
        return [(f.key, f.label, self.values.get(f.key, "")) for f in self.declaration.fields]

    def printed(self) -> list[tuple[str, str]]:
        """(label, value) as the payload, the PDF and public pages show them: personal values masked."""
        return [(f.label, mask_field(f, self.values.get(f.key, ""))) for f in self.declaration.fields]


def mask_field(field: LicenceField, value: str) -> str:
    if not value or not field.personal:
        return value
    if field.personal == "phone":
        return mask_phone(value)
    if field.personal == "id_number":
        return mask_id_number(IdKind.resident_id, value)
    return mask_name(value)


_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f]")


def _field_value(field: LicenceField, raw: object, *, strict: bool) -> str:
    value = unicodedata.normalize("NFC", str(raw)).strip() if raw is not None else ""
    if not value:
        if field.required and strict:
            raise InvalidInput("LICENCE_FIELD_REQUIRED", f"请填写证照栏目“{field.label}”", details={field.key: "必填"})
        return ""
    if len(value) > field.max_length:
        raise InvalidInput("LICENCE_FIELD_TOO_LONG", f"证照栏目“{field.label}”最多 {field.max_length} 个字",
                           details={field.key: f"最多 {field.max_length} 个字"})
    if _UNPRINTABLE.search(value):
        raise InvalidInput("LICENCE_FIELD_TEXT", f"证照栏目“{field.label}”含有不能打印的控制字符",
                           details={field.key: "含控制字符"})
    if field.options and value not in {o.label for o in field.options}:
        choices = "、".join(o.label for o in field.options)
        raise InvalidInput("LICENCE_FIELD_OPTION", f"证照栏目“{field.label}”请从{choices}中选择",
                           details={field.key: "不在可选项中"})
    return value


def fields_for(
    *, declaration: LicenceDeclaration, form: dict[str, str], given: dict[str, object] | None,
    earlier: dict[str, str] | None = None, strict: bool = True,
) -> LicenceFields:
    """The values a licence of this type prints, checked: "form" fields from the application form, "decision"
    fields as the decider gave them (`given`, from the approve form or API); a decision field the decider did not
    send at all is prefilled from its form field, as the approve form shows it. `earlier`: a renewed licence's
    values, used first when the system decides (deemed renewal, `strict=False`: missing values stay empty)."""
    given = given or {}
    unknown = [key for key in given if key not in {f.key for f in declaration.fields if f.source == "decision"}]
    if unknown:
        fixed = next((f.label for f in declaration.fields if f.key == unknown[0]), None)
        raise InvalidInput("LICENCE_FIELD_UNKNOWN", f"证照栏目“{fixed}”取自申请表，决定时不能修改" if fixed
                           else f"该证照没有可在决定时填写的栏目“{unknown[0]}”")
    values: dict[str, str] = {}
    for declared in declaration.fields:
        if declared.source == "form":
            raw = form.get(declared.form_field)
        elif declared.key in given:
            raw = given[declared.key]
        else:
            raw = form.get(declared.form_field) if declared.form_field else None
        if (raw is None or not str(raw).strip()) and earlier:
            raw = earlier.get(declared.key)
        try:
            values[declared.key] = _field_value(declared, raw, strict=strict)
        except InvalidInput:
            if strict:
                raise
            values[declared.key] = ""  # the system prints what it can rather than fail a deemed renewal
    return LicenceFields(declaration, values)


def prefill(*, declaration: LicenceDeclaration, form: dict[str, str]) -> list[dict]:
    """The approve form's licence fields: every field with its label, limits and the value shown at first."""
    rows = []
    for declared in declaration.fields:
        value = form.get(declared.form_field, "") if declared.form_field else ""
        rows.append({"key": declared.key, "label": declared.label, "required": declared.required, "source": declared.source,
                     "options": [o.label for o in declared.options], "max_length": declared.max_length, "hint": declared.hint,
                     "value": value})
    return rows


def held_fields(licence: License) -> list[tuple[str, str]]:
    """(label, value) of the type's own fields in full, for staff and the holder (decrypted from the licence)."""
    if not licence.fields:
        return []
    return [(str(label), str(value)) for _key, label, value in json.loads(licence.fields)]


def held_values(licence: License) -> dict[str, str]:
    """key → full value of the type's own fields (a renewal starts from them)."""
    if not licence.fields:
        return {}
    return {str(key): str(value) for key, _label, value in json.loads(licence.fields)}


def fields_of_case(*, db_session: Session, case) -> list[tuple[str, str]]:
    """The type's own fields of the licence a case issued, in full (its staff and holder pages)."""
    licence = db_session.get(License, case.licence_id) if case.licence_id else None
    return held_fields(licence) if licence is not None else []


def printed_fields(licence: License) -> list[tuple[str, str]]:
    """(label, value) as signed in the payload, personal values masked: what public verification shows."""
    return [(str(label), str(value)) for label, value in json.loads(licence.payload).get("f") or ()]


def _check_issue(type_code, type_name, holder_kind, person_id, organisation_id, holder_name, valid_from, valid_until, data) -> None:
    # No dots: forms refer to a licence's fields as "licence:<type>.<field>".
    if not isinstance(type_code, str) or not re.fullmatch(r"[\w\-]{1,100}", type_code):
        raise InvalidInput("LICENCE_TYPE_CODE", "证照类型代码应为1到100位文字、字母、数字、横线或下划线")
    if not isinstance(type_name, str) or not type_name.strip() or len(type_name) > 200:
        raise InvalidInput("LICENCE_TYPE_NAME", "请填写证照名称（200字以内）")
    if not isinstance(holder_name, str) or not holder_name.strip() or len(holder_name) > 200:
        raise InvalidInput("LICENCE_HOLDER_NAME", "请填写持证主体名称（200字以内）")
    if (holder_kind == "person" and organisation_id is not None) or (holder_kind == "org" and person_id is not None):
        raise InvalidInput("LICENCE_HOLDER_KIND", "持证主体类型与所填账号不一致")
    if not isinstance(valid_from, date) or (valid_until is not None and (not isinstance(valid_until, date) or valid_until < valid_from)):
        raise InvalidInput("LICENCE_VALIDITY", "有效期不正确：截止日期不能早于起始日期")
    if not isinstance(data, dict):
        raise InvalidInput("LICENCE_DATA", "证照附加信息应为“名称：内容”形式")


def issue(
    *, db_session: Session, clock: Clock, agency_id: int, item_id: int | None, case_id: int | None, type_code: str,
    type_name: str, holder_kind: str, person_id: int | None, organisation_id: int | None, holder_name: str,
    holder_identifier: str, valid_from: date, valid_until: date | None, data: dict | None, verify_base_url: str,
    holder_id_kind: str | None = None, issuer=None, fields: LicenceFields | None = None,
) -> License:
    """Store a licence and its document in the caller's transaction; the job that renders the PDF signs both.
    `issuer`: the agency's row as `notices.agency_lines` reads it, when the caller has read it already.
    `fields`: the type's declared fields and their values (`fields_for`), which also give the number's format."""
    data = {} if data is None else data
    _check_issue(type_code, type_name, holder_kind, person_id, organisation_id, holder_name, valid_from, valid_until, data)
    documents.check_base_url(verify_base_url)
    id_kind, identifier = _holder(holder_kind, holder_identifier, holder_id_kind, clock.today())
    agency = issuer if issuer is not None and issuer.id == agency_id else notices.agency_lines(
        db_session=db_session, agency_id=agency_id)
    if agency is None:
        raise NotFound("AGENCY_NOT_FOUND", "未找到该发证机关")
    seal_id, fingerprint = seals.active_key(db_session=db_session, clock=clock, agency_id=agency.id)
    masked = mask_identifier(id_kind, identifier)
    number = _next_number(db_session, agency.region_code, clock.today().year, fields)
    if fields is not None and fields.declaration.number_format != _DEFAULT_FORMAT and db_session.scalar(
            select(License.id).where(License.number == number)) is not None:
        raise Conflict("LICENCE_NUMBER_TAKEN", f"证照编号 {number} 已被另一种编号格式使用，请调整该证照类型的编号格式")
    payload = {
        "v": 1, "no": number, "type": type_code, "name": type_name.strip(), "hk": holder_kind,
        "holder": holder_name.strip(), "hid": masked, "issuer": agency.name, "region": agency.region_code,
        "from": valid_from.isoformat(), "until": valid_until.isoformat() if valid_until else None,
        "fp": fingerprint, "data": data,
    }
    if fields is not None and fields.declaration.fields:
        payload["f"] = [[label, value] for label, value in fields.printed()]
    try:
        raw = canonical(payload)
    except (TypeError, ValueError):
        raise InvalidInput("LICENCE_DATA", "证照附加信息只能包含文字和数字") from None
    if len(raw) > MAX_PAYLOAD_BYTES:
        raise InvalidInput("LICENCE_DATA_TOO_LARGE", "证照信息过长，二维码无法容纳；请精简附加信息")
    values = {
        "number": number, "type_code": type_code, "type_name": type_name.strip(), "subject_kind": holder_kind,
        "person_id": person_id, "organisation_id": organisation_id, "holder_name": holder_name.strip(),
        "holder_id_kind": id_kind, "holder_identifier": identifier,
        "holder_hash": lookup_hash("licence-holder", identifier), "agency_id": agency.id,
        "region_code": agency.region_code, "item_id": item_id, "case_id": case_id, "valid_from": valid_from,
        "valid_until": valid_until, "data": data, "payload": raw.decode("utf-8"),
        "fields": json.dumps(fields.rows(), ensure_ascii=False) if fields is not None else None,
        "signature": "", "seal_id": seal_id, "issued_at": clock.now(),  # signed with its PDF: sign_pending
        "revoked_at": None, "revoke_reason": None,
    }
    # The document first, so the licence row is written once, already pointing at it; the renderer finds
    # the licence to sign by its number.
    document = documents.store(
        db_session=db_session, clock=clock, agency_id=agency.id, agency_name=agency.name,
        kind=documents.NoticeKind.licence, case_id=case_id,
        title=type_name.strip(), fields=_pdf_fields(values, masked, payload.get("f") or []), paragraphs=[
            "本证照由发证机关加盖电子印章，扫描二维码可离线核验证照内容与签章；"
            f"也可访问 {verify_base_url.rstrip('/')}/verify/licences/{number} 在线核验证照状态，"
            f"输入核验码 {check_code(number)} 可查看持证主体信息{'和证照内容' if payload.get('f') else ''}。",
        ], case_number=None, verify_base_url=verify_base_url, licence_number=number,
    )
    # Persistent like a flushed object (expunged and still readable if the caller rolls back), for one INSERT.
    return insert_persistent(db_session, License, {**values, "document_id": document.id})


def sign_pending(*, db_session: Session, licence_id: int | None = None, number: str | None = None) -> str:
    """Sign a licence's payload once (racing renderers keep the first signature) and return its QR text."""
    if licence_id is None:
        licence = db_session.execute(select(License).where(License.number == number)).scalar_one_or_none()
    else:
        licence = db_session.get(License, licence_id)
    if licence is None:
        raise NotFound("LICENCE_NOT_FOUND", "未找到该电子证照")
    if not licence.signature:
        seal = seals.get(db_session=db_session, seal_id=licence.seal_id)
        signature = base64.b64encode(seals.sign_with(seal=seal, data=licence.payload.encode("utf-8"))).decode("ascii")
        db_session.execute(
            update(License).where(License.id == licence.id, License.signature == "").values(signature=signature)
            .execution_options(synchronize_session=False)
        )
        db_session.refresh(licence)
    return qr_text(licence)


documents.register_licence_qr_signer(sign_pending)


def ensure_issued(*, db_session: Session, clock: Clock, licence: License) -> License:
    """The licence signed and its PDF rendered (at once when the job has not yet done it), for read routes."""
    if licence.document_id is not None:
        document = db_session.get(documents.Document, licence.document_id)
        if document is not None:
            documents.ready(db_session=db_session, clock=clock, document=document)
            db_session.refresh(licence)
    return licence


def _pdf_fields(licence: dict, masked: str, own: list) -> list[tuple[str, str]]:
    """Name, number and holder, then the type's own fields in the declared order, validity and check code."""
    until = licence["valid_until"].isoformat() if licence["valid_until"] else "长期"
    rows = [
        ("证照名称", licence["type_name"]), ("证照编号", licence["number"]), ("持证主体", licence["holder_name"]),
        ("统一社会信用代码" if licence["holder_id_kind"] == "uscc" else "证件号码", masked),
        *((label, value) for label, value in own),
        ("有效期限", f"{licence['valid_from'].isoformat()} 至 {until}"), ("核验码", check_code(licence["number"])),
    ]
    rows.extend((str(key)[:40], str(value)) for key, value in licence["data"].items())
    return rows


# --- reading, sharing, revoking ------------------------------------------------------------------

def status_of(licence: License, today: date) -> LicenceStatus:
    if licence.revoked_at is not None:
        return LicenceStatus.revoked
    if licence.valid_until is not None and today > licence.valid_until:
        return LicenceStatus.expired
    return LicenceStatus.valid


def get_by_number(*, db_session: Session, number: str) -> License:
    licence = None
    if isinstance(number, str) and len(number) <= 40:
        licence = db_session.execute(select(License).where(License.number == number.strip())).scalar_one_or_none()
    if licence is None:
        raise NotFound("LICENCE_NOT_FOUND", "未找到该电子证照，请核对证照编号")
    return licence


def verify_online(*, db_session: Session, clock: Clock, number: str) -> OnlineCheck:
    licence = ensure_issued(db_session=db_session, clock=clock, licence=get_by_number(db_session=db_session, number=number))
    seal = seals.get(db_session=db_session, seal_id=licence.seal_id)
    signature_ok = sm2.verify(seal.public_hex, licence.payload.encode("utf-8"), base64.b64decode(licence.signature))
    document_ok = None
    if licence.document_id is not None:
        document = db_session.get(documents.Document, licence.document_id)
        document_ok = document is not None and documents.verify(db_session=db_session, document=document)
    return OnlineCheck(licence, status_of(licence, clock.today()), signature_ok, document_ok, seal)


# --- public verification by number --------------------------------------------------------------

# Licence numbers are sequential (<region>-<year>-<serial>), so a number alone must not open the register: it
# tells whether the licence is valid and who issued it. The holder's (masked) details need the signed QR payload
# or the check code printed on the licence, which only someone shown the licence has.
CHECK_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # 32 characters, none to confuse (0/O, 1/I)
VERIFY_FROM = limits.Limit("licence-verify", 60, timedelta(hours=1), "VERIFY_TOO_MANY",
                           "核验过于频繁，请一小时后再试；也可以扫描证照上的二维码离线核验")
CHECK_CODES_FROM = limits.Limit("licence-check-code", 10, timedelta(hours=1), "CHECK_CODE_TOO_MANY",
                                "核验码输错次数过多，请一小时后再试；也可以扫描证照上的二维码核验")


def check_code(number: str) -> str:
    """The licence's check code (核验码), printed on it: 8 characters (40 bits) keyed by the platform's index key,
    so it needs no column and holds for licences issued before it was printed."""
    digest = bytes.fromhex(lookup_hash("licence-check", number))
    chars = "".join(CHECK_ALPHABET[byte % len(CHECK_ALPHABET)] for byte in digest[:8])
    return f"{chars[:4]}-{chars[4:]}"


def _normal_code(text: str) -> str:
    return re.sub(r"[\s\-]", "", unicodedata.normalize("NFKC", text or "")).upper()


@dataclass(frozen=True)
class NumberCheck:
    """What a lookup by number may show: `holder_shown` only when the right check code came with it."""

    online: OnlineCheck
    holder_shown: bool
    check_code_wrong: bool

    @property
    def valid(self) -> bool:
        return self.online.status is LicenceStatus.valid and self.online.signature_ok


def verify_by_number(*, db_session: Session, clock: Clock, number: str, code: str | None, client_ip: str) -> NumberCheck:
    """Online verification by licence number (and, for the holder's details, its check code), limited per address.

    Counts go in the caller's transaction; every refusal commits them before raising, and the caller commits after
    an answer, so an address's lookups are counted across processes."""
    limits.take_or_refuse(db_session=db_session, clock=clock, limit=VERIFY_FROM, key=client_ip)
    try:
        online = verify_online(db_session=db_session, clock=clock, number=number)
    except NotFound as error:
        limits.refuse(db_session, error)
    given = _normal_code(code or "")
    if not given:
        return NumberCheck(online, holder_shown=False, check_code_wrong=False)
    if limits.count(db_session=db_session, clock=clock, limit=CHECK_CODES_FROM, key=client_ip) >= CHECK_CODES_FROM.max:
        limits.refuse(db_session, limits.exceeded(CHECK_CODES_FROM, clock.now()))  # the lookup above still counts
    if hmac.compare_digest(given, _normal_code(check_code(online.licence.number))):
        return NumberCheck(online, holder_shown=True, check_code_wrong=False)
    limits.hit(db_session=db_session, clock=clock, limit=CHECK_CODES_FROM, key=client_ip)
    return NumberCheck(online, holder_shown=False, check_code_wrong=True)


def _valid_filter(today: date):
    return (
        License.revoked_at.is_(None), License.valid_from <= today,
        or_(License.valid_until.is_(None), License.valid_until >= today),
    )


def licences_of(
    *, db_session: Session, clock: Clock, subject_kind: str, person_id: int | None = None,
    organisation_id: int | None = None, valid_only: bool = True,
) -> list[License]:
    """A person's or organisation's licences, newest first (their space, and sharing)."""
    query = select(License).where(License.subject_kind == subject_kind)
    if subject_kind == "person" and person_id is not None:
        query = query.where(License.person_id == person_id)
    elif subject_kind == "org" and organisation_id is not None:
        query = query.where(License.organisation_id == organisation_id)
    else:
        raise InvalidInput("LICENCE_HOLDER_KIND", "请指明持证的自然人或法人账号")
    if valid_only:
        query = query.where(*_valid_filter(clock.today()))
    return list(db_session.execute(query.order_by(License.issued_at.desc(), License.id.desc())).scalars())


@dataclass(frozen=True)
class HeldLicence:
    """One licence in its holder's space (我的证照): the holder sees the type's own fields in full."""

    number: str
    type_code: str
    type_name: str
    holder_name: str
    subject_kind: str
    valid_from: date
    valid_until: date | None
    status: LicenceStatus
    check_code: str
    fields: list[tuple[str, str]]
    case_id: int | None

    @property
    def verify_url(self) -> str:
        return f"/verify/licences/{self.number}"


def held_by(*, db_session: Session, clock: Clock, person_id: int, org_ids: list[int]) -> list[HeldLicence]:
    """My licences and those of the organisations I act for, newest first, valid or not, with their fields."""
    holders = [(License.subject_kind == "person") & (License.person_id == person_id)]
    if org_ids:
        holders.append((License.subject_kind == "org") & License.organisation_id.in_(org_ids))
    query = select(License).where(or_(*holders)).order_by(License.issued_at.desc(), License.id.desc())
    today = clock.today()
    return [HeldLicence(number=row.number, type_code=row.type_code, type_name=row.type_name, holder_name=row.holder_name,
                        subject_kind=row.subject_kind, valid_from=row.valid_from, valid_until=row.valid_until,
                        status=status_of(row, today), check_code=check_code(row.number), fields=held_fields(row),
                        case_id=row.case_id)
            for row in db_session.execute(query).scalars()]


def find_valid(
    *, db_session: Session, clock: Clock, type_code: str, person_id: int | None = None,
    organisation_id: int | None = None, holder_identifier: str | None = None,
) -> License | None:
    """The holder's newest valid licence of this type: shown instead of asking for the paper (免提交)."""
    query = select(License).where(License.type_code == type_code, *_valid_filter(clock.today()))
    holders = []
    if person_id is not None:
        holders.append(License.person_id == person_id)
    if organisation_id is not None:
        holders.append(License.organisation_id == organisation_id)
    if holder_identifier:
        value = re.sub(r"\s+", "", unicodedata.normalize("NFKC", holder_identifier)).upper()
        holders.append(License.holder_hash == lookup_hash("licence-holder", value))
    if not holders:
        raise InvalidInput("LICENCE_HOLDER_REQUIRED", "请指明持证主体")
    query = query.where(or_(*holders)).order_by(License.issued_at.desc(), License.id.desc()).limit(1)
    return db_session.execute(query).scalar_one_or_none()


def revoke(*, db_session: Session, clock: Clock, number: str, reason: str) -> License:
    """注销: the licence stays on record and verifiable, marked revoked with the reason and time."""
    reason = (reason or "").strip()
    if not reason or len(reason) > 500:
        raise InvalidInput("LICENCE_REVOKE_REASON", "请填写注销原因（500字以内）")
    licence = get_by_number(db_session=db_session, number=number)
    if licence.revoked_at is not None:
        raise Conflict("LICENCE_ALREADY_REVOKED", "该电子证照已注销")
    licence.revoked_at, licence.revoke_reason = clock.now(), reason
    db_session.flush()
    return licence


def trusted_keys(*, db_session: Session) -> dict[str, str]:
    """Seal keys this platform trusts, its own and other regions' imported ones (see seals.import_trusted_key)."""
    return seals.trusted_keys(db_session=db_session)
