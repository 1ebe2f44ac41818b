"""Import and export of the published catalog as JSON, CSV and XLSX (CAT-14; DATA-03).

Formats (every export can be imported again and gives the same documents):
- JSON: ``{"format": "tongban-catalog", "version": 1, "agencies": [...], "items": [ItemDocument...],
  "attachments": [{"sha256", "filename", "content_type", "data_base64"}]}``.
- CSV: one row per item, UTF-8 with BOM (Excel opens the Chinese correctly; GB18030 files saved
  by Excel are read too). Columns are the identity fields, the status fields, then the content
  fields, in the order of the schemas. Each header is the Chinese label, one space, the field
  key: ``事项名称 name``. Only the key (the last word) is read back, so a header may be just the
  key. Scalars are plain text (``true``/``false`` or 是/否 for yes-no fields, an empty cell for
  "not given"); lists and objects (legal_basis, conditions, materials, steps, fees, result …) are
  JSON text (``pledge`` too: ``null`` when not given). A text a spreadsheet would run as a formula
  (``=HYPERLINK(…)``) is written with a leading apostrophe (`tongban.core.csvsafe`), dropped again
  on import. A CSV carries neither agencies nor attachments: they must already exist.
- XLSX: sheet 事项 has the CSV columns (numbers and yes-no as typed cells); sheet 实施机构 has
  the agencies with the same header scheme; sheet 附件 has the attachments, their base64 split
  into rows of at most 32,000 characters (``part`` counts from 1) because a cell holds 32,767.

Import is all or nothing: every row is validated first (schema, agency, region, parent, files,
open versions); any error raises ``InvalidInput("IMPORT_INVALID")`` listing each problem with its
row and field, and nothing is written. Agencies are only created, never overwritten.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from types import UnionType
from typing import Annotated, Any, Union, get_args, get_origin

from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from tongban.accounts.access import StaffActor
from tongban.catalog import regions, service
from tongban.catalog.enums import Level, VersionState
from tongban.catalog.models import Agency, Attachment, ItemVersion, Region, ServiceItem
from tongban.catalog.schemas import ItemContent, ItemDocument, ItemIdentity
from tongban.core.clock import Clock
from tongban.core.csvsafe import read_cell, write_csv
from tongban.core.errors import DomainError, InvalidInput
from tongban.core.links import WebLink
from tongban.core.validation import humanize

FORMAT_NAME = "tongban-catalog"
FORMAT_VERSION = 1
MEDIA_TYPES = {
    "json": "application/json",
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
ITEM_SHEET, AGENCY_SHEET, ATTACHMENT_SHEET = "事项", "实施机构", "附件"
CHUNK = 32_000

LABELS = {
    "implementation_code": "实施编码", "code_scheme": "编码体系", "basic_code": "基本编码",
    "basic_code_scheme": "基本编码体系", "agency_code": "实施机构代码", "region_code": "行政区划代码",
    "parent_code": "主项实施编码", "relation": "层级关系", "situation": "适用情形",
    "status": "办理状态", "status_reason": "暂停或停止原因", "alternative": "替代办理途径",
    "name": "事项名称", "aliases": "别名", "item_type": "事项类型", "level": "行使层级", "audiences": "服务对象",
    "legal_basis": "设定依据", "conditions": "受理条件", "materials": "申请材料", "steps": "办理流程",
    "legal_limit_days": "法定办结时限", "promised_limit_days": "承诺办结时限", "limit_unit": "时限单位",
    "limit_note": "时限说明", "case_kind": "办件类型", "fees": "收费标准", "special_procedures": "特别程序",
    "result": "办理结果", "handling_form": "办理形式", "channels": "办理渠道", "online_url": "网上办理地址",
    "handling_scope": "通办范围", "review_standard": "审查标准", "review_rules": "审查工作细则",
    "booking": "支持预约", "online_payment": "支持网上支付", "logistics": "支持物流快递", "max_visits": "到现场次数",
    "on_site_verification": "现场核验原件", "address": "办理地点", "hours": "办理时间", "consult_phone": "咨询电话",
    "consult_address": "咨询地址", "complaint_phone": "投诉电话", "complaint_email": "投诉邮箱",
    "quantity_limit": "数量限制", "intermediary_services": "中介服务", "prerequisites": "前置事项",
    "themes": "服务主题", "life_stages": "生命周期阶段", "tags": "事项标签", "faqs": "常见问题",
    # agencies and attachments
    "code": "机构代码", "short_name": "简称", "is_management": "管理机构", "email": "电子邮箱", "website": "网站",
    "sha256": "SHA-256", "filename": "文件名", "content_type": "文件类型", "part": "分段", "data_base64": "内容（Base64）",
}

_Str = Annotated[str, Field(max_length=300)]


class AgencyRecord(BaseModel):
    """An agency as exchanged (sheet 实施机构 / JSON "agencies")."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    code: Annotated[str, Field(min_length=1, max_length=40)]
    name: Annotated[str, Field(min_length=1, max_length=200)]
    short_name: Annotated[str, Field(max_length=100)] = ""
    region_code: Annotated[str, Field(pattern=r"^\d{6,12}$")]
    level: Level
    is_management: bool = False
    address: _Str = ""
    consult_phone: Annotated[str, Field(max_length=40)] = ""
    complaint_phone: Annotated[str, Field(max_length=40)] = ""
    email: Annotated[str, Field(max_length=100)] = ""
    hours: _Str = ""
    website: WebLink = ""


class AttachmentRecord(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sha256: Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]
    filename: Annotated[str, Field(min_length=1, max_length=200)]
    content_type: Annotated[str, Field(min_length=1, max_length=100)]
    data_base64: str


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[str] = field(default_factory=list)
    agencies_created: int = 0


def _structured(kind: Any) -> bool:
    if get_origin(kind) in (Union, UnionType):  # `PledgeTerms | None`: structured when any member is
        return any(_structured(member) for member in get_args(kind) if member is not type(None))
    return get_origin(kind) in (list, dict) or (isinstance(kind, type) and issubclass(kind, BaseModel))


def _nested(model: type[BaseModel]) -> set[str]:
    """Fields that are lists or objects (or may be): JSON text in a CSV or XLSX cell."""
    return {key for key, info in model.model_fields.items() if _structured(info.annotation)}


def _booleans(model: type[BaseModel]) -> set[str]:
    return {key for key, info in model.model_fields.items() if info.annotation is bool}


IDENTITY_COLUMNS = list(ItemIdentity.model_fields)
STATUS_COLUMNS = ["status", "status_reason", "alternative"]
CONTENT_COLUMNS = list(ItemContent.model_fields)
ITEM_COLUMNS = IDENTITY_COLUMNS + STATUS_COLUMNS + CONTENT_COLUMNS
JSON_COLUMNS = _nested(ItemContent)
BOOL_COLUMNS = _booleans(ItemContent) | _booleans(AgencyRecord)
AGENCY_COLUMNS = list(AgencyRecord.model_fields)
ATTACHMENT_COLUMNS = ["sha256", "filename", "content_type", "part", "data_base64"]
assert len(set(ITEM_COLUMNS)) == len(ITEM_COLUMNS), "identity, status and content fields must not share names"


def header(key: str) -> str:
    label = LABELS.get(key)
    return f"{label} {key}" if label else key


def _key_of(heading: object) -> str:
    text = str(heading or "").strip()
    return text.split()[-1] if text else ""


def _check_format(fmt: str) -> str:
    fmt = (fmt or "").lower().lstrip(".")
    if fmt not in MEDIA_TYPES:
        raise InvalidInput("BAD_FORMAT", f"不支持的格式“{fmt}”：格式必须是 json、csv 或 xlsx")
    return fmt


# ---------------------------------------------------------------- export


def _live_items(db_session: Session, item_ids: list[int] | None) -> list[ServiceItem]:
    query = select(ServiceItem).where(ServiceItem.live_version_id.is_not(None))
    if item_ids is not None:
        query = query.where(ServiceItem.id.in_(item_ids))
    return list(db_session.scalars(query.order_by(ServiceItem.code_scheme, ServiceItem.implementation_code)))


def _referenced_files(documents: list[ItemDocument]) -> set[str]:
    shas = set()
    for doc in documents:
        shas |= {m.sample_sha256 for m in doc.content.materials} | {m.template_sha256 for m in doc.content.materials}
        shas.add(doc.content.result.sample_sha256)
    shas.discard(None)
    return shas  # type: ignore[return-value]


def _agency_record(agency: Agency) -> dict:
    return {key: getattr(agency, key) for key in AGENCY_COLUMNS}


def _collect(db_session: Session, item_ids: list[int] | None) -> tuple[list[dict], list[ItemDocument], list[Attachment]]:
    items = _live_items(db_session, item_ids)
    documents = [service.document_of(db_session=db_session, item=item) for item in items]
    agency_ids = sorted({item.agency_id for item in items})
    agencies = list(db_session.scalars(select(Agency).where(Agency.id.in_(agency_ids)).order_by(Agency.code))) if agency_ids else []
    shas = sorted(_referenced_files(documents))
    files = list(db_session.scalars(select(Attachment).where(Attachment.sha256.in_(shas)).order_by(Attachment.sha256))) if shas else []
    return [_agency_record(a) for a in agencies], documents, files


def _item_row(document: ItemDocument) -> dict[str, Any]:
    dumped = document.model_dump(mode="json")
    row = {**dumped["identity"], **{k: dumped[k] for k in STATUS_COLUMNS}, **dumped["content"]}
    return {key: row.get(key) for key in ITEM_COLUMNS}


def _cell_text(key: str, value: Any) -> str:
    if key in JSON_COLUMNS:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def export_items(*, db_session: Session, fmt: str, item_ids: list[int] | None = None) -> bytes:
    """The published items (all, or these ids) with their agencies and files, as one file."""
    fmt = _check_format(fmt)
    agencies, documents, files = _collect(db_session, item_ids)
    if fmt == "json":
        return _export_json(agencies, documents, files)
    if fmt == "csv":
        return _export_csv(documents)
    return _export_xlsx(agencies, documents, files)


def _export_json(agencies: list[dict], documents: list[ItemDocument], files: list[Attachment]) -> bytes:
    body = {
        "format": FORMAT_NAME,
        "version": FORMAT_VERSION,
        "agencies": agencies,
        "items": [d.model_dump(mode="json") for d in documents],
        "attachments": [
            {
                "sha256": f.sha256,
                "filename": f.filename,
                "content_type": f.content_type,
                "data_base64": base64.b64encode(f.data).decode("ascii"),
            }
            for f in files
        ],
    }
    return json.dumps(body, ensure_ascii=False, indent=1).encode("utf-8")


def _export_csv(documents: list[ItemDocument]) -> bytes:
    rows = ([_cell_text(k, row[k]) for k in ITEM_COLUMNS] for row in map(_item_row, documents))
    return write_csv(rows, header=[header(k) for k in ITEM_COLUMNS])


def _xlsx_value(key: str, value: Any) -> Any:
    if key in JSON_COLUMNS:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    if isinstance(value, str):
        return ILLEGAL_CHARACTERS_RE.sub("", value)
    return value


def _write_sheet(sheet, columns: list[str], rows: list[dict]) -> None:
    sheet.append([header(k) for k in columns])
    for row in rows:
        sheet.append([_xlsx_value(k, row.get(k)) for k in columns])
    for cells in sheet.iter_rows(min_row=2):
        for cell in cells:
            if cell.data_type == "f":  # text that starts with "=" is data here, never a formula
                cell.data_type = "s"
    sheet.freeze_panes = "A2"


def _export_xlsx(agencies: list[dict], documents: list[ItemDocument], files: list[Attachment]) -> bytes:
    book = Workbook()
    items_sheet = book.active
    items_sheet.title = ITEM_SHEET
    _write_sheet(items_sheet, ITEM_COLUMNS, [_item_row(d) for d in documents])
    _write_sheet(book.create_sheet(AGENCY_SHEET), AGENCY_COLUMNS, agencies)
    chunks = []
    for f in files:
        encoded = base64.b64encode(f.data).decode("ascii")
        for part, start in enumerate(range(0, max(len(encoded), 1), CHUNK), start=1):
            chunks.append(
                {"sha256": f.sha256, "filename": f.filename, "content_type": f.content_type, "part": part,
                 "data_base64": encoded[start : start + CHUNK]}
            )
    _write_sheet(book.create_sheet(ATTACHMENT_SHEET), ATTACHMENT_COLUMNS, chunks)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# ---------------------------------------------------------------- parsing


@dataclass
class _Parsed:
    """Raw records with where they came from (row or position), before validation."""

    agencies: list[tuple[str, dict]] = field(default_factory=list)
    items: list[tuple[str, dict]] = field(default_factory=list)
    attachments: list[tuple[str, dict]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    flat: bool = False  # items as spreadsheet rows (CSV, XLSX) rather than nested documents


def _parse_json(data: bytes) -> _Parsed:
    parsed = _Parsed()
    try:
        body = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        parsed.errors.append(f"文件不是合法的 UTF-8 JSON：{exc}")
        return parsed
    if not isinstance(body, dict) or body.get("format") != FORMAT_NAME:
        parsed.errors.append(f"文件不是通办事项交换格式（format 应为 {FORMAT_NAME}）")
        return parsed
    if body.get("version") != FORMAT_VERSION:
        parsed.errors.append(f"不支持的格式版本 {body.get('version')}（应为 {FORMAT_VERSION}）")
        return parsed
    for block, target, noun in (("agencies", parsed.agencies, "实施机构"), ("items", parsed.items, "事项"), ("attachments", parsed.attachments, "附件")):
        records = body.get(block) or []
        if not isinstance(records, list):
            parsed.errors.append(f"“{block}”应为列表")
            continue
        for n, record in enumerate(records, start=1):
            if not isinstance(record, dict):
                parsed.errors.append(f"第 {n} 个{noun}应为对象")
                continue
            target.append((f"第 {n} 个{noun}", record))
    return parsed


def _cell_to_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _records(rows: list[list[Any]], columns: list[str], noun: str, first_row: int, errors: list[str]) -> list[tuple[str, dict]]:
    """Rows of text under a header row → (where, {key: text}) with empty cells left out."""
    if not rows:
        return []
    keys = [_key_of(h) for h in rows[0]]
    unknown = [str(h) for h, k in zip(rows[0], keys) if k and k not in columns]
    if unknown:
        errors.append(f"{noun}表头有不认识的列：{'、'.join(unknown)}")
    seen = [k for k in keys if k]
    if len(seen) != len(set(seen)):
        errors.append(f"{noun}表头有重复的列")
    out = []
    for offset, row in enumerate(rows[1:], start=1):
        texts = [_cell_to_text(v).strip() for v in row]
        if not any(texts):
            continue
        record = {k: t for k, t in zip(keys, texts) if k in columns and t != ""}
        out.append((f"{noun}第 {first_row + offset} 行", record))
    return out


def _parse_csv(data: bytes) -> _Parsed:
    parsed = _Parsed(flat=True)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("gb18030")
        except UnicodeDecodeError:
            parsed.errors.append("CSV 文件编码无法识别，请另存为 UTF-8")
            return parsed
    try:
        rows = [[read_cell(c) for c in row] for row in csv.reader(io.StringIO(text, newline=""))]
    except csv.Error as exc:
        parsed.errors.append(f"CSV 格式错误：{exc}")
        return parsed
    parsed.items = _records(rows, ITEM_COLUMNS, "", 1, parsed.errors)
    return parsed


def _parse_xlsx(data: bytes) -> _Parsed:
    parsed = _Parsed(flat=True)
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged or foreign file
        parsed.errors.append(f"无法读取 XLSX 文件：{type(exc).__name__}")
        return parsed
    try:
        if ITEM_SHEET not in book.sheetnames:
            parsed.errors.append(f"XLSX 文件缺少“{ITEM_SHEET}”工作表")
            return parsed
        for sheet, columns, target in (
            (ITEM_SHEET, ITEM_COLUMNS, "items"),
            (AGENCY_SHEET, AGENCY_COLUMNS, "agencies"),
            (ATTACHMENT_SHEET, ATTACHMENT_COLUMNS, "attachments"),
        ):
            if sheet in book.sheetnames:
                rows = [list(r) for r in book[sheet].iter_rows(values_only=True)]
                setattr(parsed, target, _records(rows, columns, f"“{sheet}”表", 1, parsed.errors))
    finally:
        book.close()
    parsed.attachments = _join_chunks(parsed.attachments, parsed.errors)
    return parsed


def _join_chunks(rows: list[tuple[str, dict]], errors: list[str]) -> list[tuple[str, dict]]:
    joined: dict[str, tuple[str, dict, list[tuple[int, str]]]] = {}
    for where, record in rows:
        sha = record.get("sha256", "")
        try:
            part = int(record.get("part", "1"))
        except ValueError:
            errors.append(f"{where}：“{header('part')}”必须是整数")
            continue
        entry = joined.setdefault(sha, (where, {k: v for k, v in record.items() if k not in ("part", "data_base64")}, []))
        entry[2].append((part, record.get("data_base64", "")))
    out = []
    for where, record, parts in joined.values():
        record["data_base64"] = "".join(text for _, text in sorted(parts))
        out.append((where, record))
    return out


def _item_payload(record: dict, errors: list[str], where: str) -> dict:
    """A flat row of text → the nested shape of ItemDocument."""
    identity: dict = {}
    content: dict = {}
    out: dict = {"identity": identity, "content": content}
    for key, text in record.items():
        value: Any = text
        if key in JSON_COLUMNS:
            try:
                value = json.loads(text)
            except json.JSONDecodeError:
                errors.append(f"{where}“{header(key)}”不是合法的 JSON")
                continue
        elif key in BOOL_COLUMNS:
            value = {"是": "true", "否": "false"}.get(text, text)
        if key in IDENTITY_COLUMNS:
            identity[key] = value
        elif key in STATUS_COLUMNS:
            out[key] = value
        else:
            content[key] = value
    return out


# ---------------------------------------------------------------- validation


def _describe(where: str, code: str, exc: ValidationError) -> list[str]:
    _, details = humanize(exc.errors())
    lines = []
    for err, detail in zip(exc.errors(), details):
        loc = [p for p in err.get("loc", ()) if p not in ("identity", "content")]
        if loc and isinstance(loc[0], str):
            rest = "".join(f"[{p + 1}]" if isinstance(p, int) else f".{p}" for p in loc[1:])
            place = f"“{header(loc[0])}{rest}”"
        else:
            place = ""
        lines.append(f"{where}{f'（{code}）' if code else ''}{place}：{detail['message']}")
    return lines


@dataclass
class _Plan:
    agencies: list[AgencyRecord] = field(default_factory=list)
    files: list[tuple[AttachmentRecord, bytes]] = field(default_factory=list)
    documents: list[tuple[str, ItemDocument]] = field(default_factory=list)


def _validate(db_session: Session, parsed: _Parsed) -> tuple[_Plan, list[str]]:
    errors = list(parsed.errors)
    plan = _Plan()
    region_codes = set(db_session.scalars(select(Region.code)))
    agency_codes = set(db_session.scalars(select(Agency.code)))
    for where, record in parsed.agencies:
        try:
            agency = AgencyRecord.model_validate(record)
        except ValidationError as exc:
            errors.extend(_describe(where, record.get("code", ""), exc))
            continue
        if agency.region_code not in region_codes:
            errors.append(f"{where}（{agency.code}）：行政区划代码 {agency.region_code} 不存在")
        plan.agencies.append(agency)
    agency_codes |= {a.code for a in plan.agencies}

    known_files = set(db_session.scalars(select(Attachment.sha256)))
    for where, record in parsed.attachments:
        try:
            row = AttachmentRecord.model_validate(record)
            data = base64.b64decode(row.data_base64, validate=True)
        except ValidationError as exc:
            errors.extend(_describe(where, record.get("filename", ""), exc))
            continue
        except ValueError:
            errors.append(f"{where}（{record.get('filename', '')}）：文件内容不是合法的 Base64")
            continue
        if hashlib.sha256(data).hexdigest() != row.sha256:
            errors.append(f"{where}（{row.filename}）：文件内容与 SHA-256 摘要不符")
            continue
        plan.files.append((row, data))
        known_files.add(row.sha256)

    for where, record in parsed.items:
        if parsed.flat:
            code, payload = str(record.get("implementation_code", "")), _item_payload(record, errors, where)
        else:
            identity = record.get("identity")
            code, payload = str(identity.get("implementation_code", "")) if isinstance(identity, dict) else "", record
        try:
            document = ItemDocument.model_validate(payload)
            service.check_is_service_item(document.content)
        except ValidationError as exc:
            errors.extend(_describe(where, code, exc))
            continue
        except DomainError as exc:
            errors.append(f"{where}（{code}）：{exc.message}")
            continue
        plan.documents.append((where, document))
    errors.extend(_check_references(db_session, plan, region_codes, agency_codes, known_files))
    return plan, errors


def _check_references(
    db_session: Session, plan: _Plan, region_codes: set[str], agency_codes: set[str], known_files: set[str]
) -> list[str]:
    errors: list[str] = []
    existing_codes = set(db_session.scalars(select(ServiceItem.implementation_code)))
    file_codes = {d.identity.implementation_code for _, d in plan.documents}
    seen: set[tuple[str, str]] = set()
    for where, doc in plan.documents:
        ident = doc.identity
        label = f"{where}（{ident.implementation_code}）"
        key = (ident.code_scheme, ident.implementation_code)
        if key in seen:
            errors.append(f"{label}：实施编码在文件中重复")
        seen.add(key)
        if ident.agency_code not in agency_codes:
            errors.append(f"{label}“{header('agency_code')}”：没有代码为 {ident.agency_code} 的实施机构")
        if ident.region_code not in region_codes:
            errors.append(f"{label}“{header('region_code')}”：行政区划代码 {ident.region_code} 不存在")
        if ident.parent_code and ident.parent_code not in file_codes | existing_codes:
            errors.append(f"{label}“{header('parent_code')}”：主项 {ident.parent_code} 既不在文件中也不在事项库中")
        if ident.parent_code == ident.implementation_code:
            errors.append(f"{label}“{header('parent_code')}”：事项不能以自身为主项")
        for sha in sorted(_referenced_files([doc]) - known_files):
            errors.append(f"{label}：引用的文件 {sha[:12]}… 不在附件中，也不在库中")
    errors.extend(_check_open_versions(db_session, plan))
    return errors


def _check_open_versions(db_session: Session, plan: _Plan) -> list[str]:
    """An item with a version under review cannot be overwritten by an import."""
    open_states = [s.value for s in (VersionState.draft, VersionState.submitted, VersionState.returned, VersionState.approved)]
    rows = db_session.execute(
        select(ServiceItem.code_scheme, ServiceItem.implementation_code, ServiceItem.live_version_id)
        .join(ItemVersion, ItemVersion.item_id == ServiceItem.id)
        .where(ItemVersion.state.in_(open_states))
    ).all()
    busy = {(scheme, code): live for scheme, code, live in rows}
    errors = []
    for where, doc in plan.documents:
        key = (doc.identity.code_scheme, doc.identity.implementation_code)
        if key not in busy:
            continue
        live = db_session.get(ItemVersion, busy[key]) if busy[key] else None
        if live is None or live.content != doc.content.model_dump(mode="json"):
            errors.append(f"{where}（{key[1]}）：该事项有未完成审核的修改版本，导入不能覆盖")
    return errors


def _parents_first(plan: _Plan, errors: list[str]) -> list[tuple[str, ItemDocument]]:
    ordered, cyclic = service.parents_first(plan.documents, lambda entry: entry[1])
    errors.extend(f"{where}（{d.identity.implementation_code}）：主项关系形成循环" for where, d in cyclic)
    return ordered


# ---------------------------------------------------------------- import

_PARSERS = {"json": _parse_json, "csv": _parse_csv, "xlsx": _parse_xlsx}


def import_items(
    *,
    db_session: Session,
    clock: Clock,
    data: bytes,
    fmt: str,
    by: str,
    progress: Callable[[int, int], None] | None = None,
    actor: StaffActor | None = None,
) -> ImportReport:
    """Validate the whole file, then create agencies, files and items (parents first).

    Raises InvalidInput("IMPORT_INVALID") with every problem when anything is wrong, and writes
    nothing. The caller commits. A staff `actor` imports only within their publishing scope (403
    otherwise); None is an operator at the command line.
    """
    fmt = _check_format(fmt)
    parsed = _PARSERS[fmt](data)
    plan, errors = _validate(db_session, parsed)
    ordered = _parents_first(plan, errors)
    if errors:
        raise InvalidInput(
            "IMPORT_INVALID", f"导入文件有 {len(errors)} 处错误，未导入任何数据。第一处：{errors[0]}", details=errors
        )
    if actor is not None:
        service.require_import_scope(
            db_session=db_session, actor=actor, documents=[d for _, d in plan.documents],
            new_agencies={a.code: a.region_code for a in plan.agencies},
        )
    report = ImportReport()
    try:
        _write(db_session, clock, plan, ordered, by, report, progress)
    except DomainError as exc:
        # Validation should have caught it; never leave half an import behind.
        db_session.rollback()
        raise InvalidInput("IMPORT_INVALID", f"导入失败，未导入任何数据：{exc.message}", details=[exc.message]) from exc
    return report


def _write(
    db_session: Session,
    clock: Clock,
    plan: _Plan,
    ordered: list[tuple[str, ItemDocument]],
    by: str,
    report: ImportReport,
    progress: Callable[[int, int], None] | None,
) -> None:
    existing_agencies = set(db_session.scalars(select(Agency.code)))
    for agency in plan.agencies:
        if agency.code in existing_agencies:
            continue
        values = agency.model_dump(mode="json")
        regions.upsert_agency(db_session=db_session, **values)
        existing_agencies.add(agency.code)
        report.agencies_created += 1
    for row, data in plan.files:
        service.store_attachment(
            db_session=db_session, clock=clock, data=data, filename=row.filename, content_type=row.content_type
        )
    db_session.flush()
    existing = {(scheme, code) for scheme, code in db_session.execute(select(ServiceItem.code_scheme, ServiceItem.implementation_code))}
    total = len(ordered)
    for done, (_, doc) in enumerate(ordered, start=1):
        key = (doc.identity.code_scheme, doc.identity.implementation_code)
        _, changed = service.upsert_published(db_session=db_session, clock=clock, document=doc, by=by)
        if key not in existing:
            report.created += 1
        elif changed:
            report.updated += 1
        else:
            report.unchanged += 1
        if progress is not None:
            progress(done, total)
