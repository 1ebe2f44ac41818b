"""Import of the Sichuan government service site's item list for 广安区 (1,135 items, CAT-14).

The source has only the name, the item type code, the department, its code and a grouping
(``main_item``); the import keeps exactly that and invents nothing (no materials, no basis):

- One agency per department name, in region 511602 广安区, county level. Its code is the
  department's most frequent ``dept_code`` when that is a valid USCC, else ``sichuan-dept:<name>``;
  its name is the full official name where we know it (区人社局 → 广安市广安区人力资源和社会保障局),
  otherwise 广安市广安区 + the short name without its leading 区. The short name is kept.
- Items keep their code: ``implementation_code=item_code``, ``code_scheme="sichuan"``. The basic
  code is the part of the item code before the region segment (``511A0138000000``; for codes of
  the form ``G-000007-001-…`` that is ``G-000007-001``), scheme ``sichuan-basic``. Taking only
  the text before the first "-" would give ``G`` or ``Z`` and wrongly join unrelated items.
- The source is an implementation list and has no directory list, yet every item must cite a
  directory entry (CAT-02). Each basic code therefore gets an entry of the provincial list
  (510000) with the row's name and type, marked needs_review: the provincial management agency
  reviews it, and until then the lint warns on the items citing it.
- Item type from the GB/T 39046 code (1, 5, 7, 8, 9, 10, 20); an unknown code is an error.
- Audience: ``org`` when the name speaks of 企业/公司/单位/经营/许可证/机构/项目/工程/场所/营业/
  生产/建设/运输/执业 and similar business words, ``person`` otherwise. A guess, to be corrected
  by the agencies.
- ``main_item`` other than 未分类 is kept as an alias when it differs from the name.
- handling_form "both", handling_scope "fixed", level county.

Running it again changes nothing. It commits every 200 items so a large file never holds one
long transaction.
"""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from collections.abc import Callable
from pathlib import Path

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session
from stdnum.cn import uscc

from tongban.catalog import directory, regions, service
from tongban.catalog.directory_schemas import EntryIn
from tongban.catalog.enums import ITEM_TYPE_BY_GBT_CODE, Level
from tongban.catalog.exchange import ImportReport
from tongban.catalog.models import Agency, ServiceItem
from tongban.catalog.schemas import ItemContent, ItemDocument, ItemIdentity
from tongban.core.clock import Clock
from tongban.core.errors import DomainError, InvalidInput
from tongban.core.validation import humanize

REGION_CODE = "511602"
DIRECTORY_REGION = "510000"
REGION_PREFIX = "广安市广安区"
CODE_SCHEME = "sichuan"
BASIC_CODE_SCHEME = "sichuan-basic"
IMPORTED_BY = "四川政务服务网导入"
BATCH = 200
UNGROUPED = "未分类"

# Short department names as the site shows them → official names.
FULL_NAMES = {
    "区经信局": "广安市广安区经济和信息化局",
    "区教科体局": "广安市广安区教育科技和体育局",
    "区公安分局": "广安市公安局广安区分局",
    "区消防大队": "广安市广安区消防救援大队",
    "区司法局": "广安市广安区司法局",
    "区财政局": "广安市广安区财政局",
    "区自然资源和规划局": "广安市广安区自然资源和规划局",
    "区生态环境局": "广安市广安区生态环境局",
    "区综合执法局": "广安市广安区综合行政执法局",
    "区交通运输局": "广安市广安区交通运输局",
    "区水务局": "广安市广安区水务局",
    "区农业农村局": "广安市广安区农业农村局",
    "区商务局": "广安市广安区商务局",
    "区文广旅局": "广安市广安区文化广播电视和旅游局",
    "区卫健局": "广安市广安区卫生健康局",
    "区应急管理局": "广安市广安区应急管理局",
    "区市监局": "广安市广安区市场监督管理局",
    "区统计局": "广安市广安区统计局",
    "区住建局": "广安市广安区住房和城乡建设局",
    "区发改局": "广安市广安区发展和改革局",
    "区委办": "中共广安市广安区委办公室",
    "区民政局": "广安市广安区民政局",
    "区人社局": "广安市广安区人力资源和社会保障局",
    "区残联": "广安市广安区残疾人联合会",
    "区气象局": "广安市广安区气象局",
    "广安区税务局": "国家税务总局广安市广安区税务局",
    "区公管办": "广安市广安区公共资源交易管理办公室",
    "区政府办": "广安市广安区人民政府办公室",
    "区退役军人事务局": "广安市广安区退役军人事务局",
    "区医疗保障局": "广安市广安区医疗保障局",
    "区林业局": "广安市广安区林业局",
    "区行政审批局": "广安市广安区行政审批局",
    "区烟草专卖局": "广安市广安区烟草专卖局",
    "区委统战部": "中共广安市广安区委统一战线工作部",
}

_ORG_WORDS = re.compile(
    r"企业|公司|单位|经营|许可证|机构|项目|工程|场所|营业|生产|建设|运输|执业|商标|社会组织|团体|协会|学校|医院|"
    r"药店|餐饮|食品|广告|建筑|矿|加油|危险|化学品|排污|招标|投标|施工|开发|出版|网吧|娱乐|旅行社|站|厂|车辆|船舶"
)
_PERSON_WORDS = re.compile(r"个人|居民|公民|儿童|学生|老年|残疾人|婚姻|户口|身份证|驾驶证|生育|退休|失业|养老|医保|低保|特困|优待|抚恤|死亡")


def full_name(department: str) -> str:
    if department in FULL_NAMES:
        return FULL_NAMES[department]
    if department.startswith("广安区"):
        return "广安市" + department
    return REGION_PREFIX + department.removeprefix("区")


def agency_code(department: str, dept_codes: Counter) -> str:
    most_common = dept_codes.most_common(1)[0][0].strip()
    if uscc.is_valid(most_common):
        return uscc.compact(most_common)
    return f"sichuan-dept:{department}"


def basic_code(item_code: str, area_code: str) -> str:
    head, sep, _ = item_code.partition(f"-{area_code}")
    if sep:
        return head
    segments = item_code.split("-")
    if len(segments[0]) < 6:  # "E-000004-001-<dept>": the letter series takes three segments
        return "-".join(segments[:3])
    return segments[0]


def audiences(name: str) -> list[str]:
    if _ORG_WORDS.search(name) and not _PERSON_WORDS.search(name):
        return ["org"]
    return ["person"]


def _read(path: str | Path) -> list[dict]:
    try:
        rows = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InvalidInput("SICHUAN_FILE", f"无法读取四川事项文件 {path}：{exc}") from None
    if not isinstance(rows, list):
        raise InvalidInput("SICHUAN_FILE", "四川事项文件应为事项列表")
    return rows


def _ensure_agencies(db_session: Session, rows: list[dict], report: ImportReport) -> dict[str, str]:
    """Create or refresh one agency per department; returns department → agency code."""
    codes: dict[str, Counter] = defaultdict(Counter)
    for row in rows:
        department = str(row.get("department", "")).strip()
        if department:
            codes[department][str(row.get("dept_code", "")).strip()] += 1
    existing = set(db_session.scalars(select(Agency.code)))
    out = {}
    for department, dept_codes in codes.items():
        code = agency_code(department, dept_codes)
        if code not in existing:
            report.agencies_created += 1
            existing.add(code)
        regions.upsert_agency(
            db_session=db_session,
            code=code,
            name=full_name(department),
            short_name=department,
            region_code=REGION_CODE,
            level=Level.county.value,
        )
        out[department] = code
    return out


def document_for(row: dict, agency_codes: dict[str, str]) -> ItemDocument:
    """One source row as an item document; raises ValueError (Chinese) or ValidationError."""
    department = str(row.get("department", "")).strip()
    if department not in agency_codes:
        raise ValueError("缺少部门名称")
    task_type = str(row.get("task_type", "")).strip()
    item_type = ITEM_TYPE_BY_GBT_CODE.get(task_type.zfill(2))
    if item_type is None:
        raise ValueError(f"未知的事项类型代码 {task_type}")
    item_code = str(row.get("item_code", "")).strip()
    area_code = str(row.get("area_code", "")).strip() or REGION_CODE + "000000"
    name = str(row.get("name", "")).strip()
    group = str(row.get("main_item", "")).strip()
    aliases = [group[:100]] if group and group != UNGROUPED and group != name else []
    return ItemDocument(
        identity=ItemIdentity(
            implementation_code=item_code,
            code_scheme=CODE_SCHEME,
            basic_code=basic_code(item_code, area_code),
            basic_code_scheme=BASIC_CODE_SCHEME,
            agency_code=agency_codes[department],
            region_code=REGION_CODE,
        ),
        content=ItemContent(
            name=name,
            aliases=aliases,
            item_type=item_type,
            level=Level.county,
            audiences=audiences(name),
            handling_form="both",
            handling_scope="fixed",
        ),
    )


def _directory_entry(db_session: Session, clock: Clock, document: ItemDocument) -> None:
    identity, content = document.identity, document.content
    entry_in = EntryIn(
        basic_code=identity.basic_code, code_scheme=identity.basic_code_scheme, region_code=DIRECTORY_REGION,
        level=Level.province, name=content.name, item_type=content.item_type, legal_basis=content.legal_basis,
        change_note="由四川政务服务网实施清单转入，待省级政务服务管理机构审核",
    )
    directory.seed_entry(db_session=db_session, clock=clock, entry_in=entry_in, by=IMPORTED_BY, reviewed=False)


def import_sichuan(
    *, db_session: Session, clock: Clock, path: str | Path, progress: Callable[[int, int], None] | None = None
) -> ImportReport:
    """Import (or refresh) the 广安区 list; rows that cannot be read are listed in the report."""
    rows = _read(path)
    report = ImportReport()
    regions.get_region(db_session=db_session, code=REGION_CODE)
    agency_codes = _ensure_agencies(db_session, rows, report)
    db_session.commit()
    existing = set(db_session.scalars(select(ServiceItem.implementation_code).where(ServiceItem.code_scheme == CODE_SCHEME)))
    total = len(rows)
    for done, row in enumerate(rows, start=1):
        where = f"第 {done} 项（{row.get('item_code', '')} {row.get('name', '')}）"
        try:
            document = document_for(row, agency_codes)
            _directory_entry(db_session, clock, document)
            _, changed = service.upsert_published(db_session=db_session, clock=clock, document=document, by=IMPORTED_BY)
        except ValidationError as exc:
            message, _ = humanize(exc.errors())
            report.errors.append(f"{where}：{message}")
        except (ValueError, DomainError) as exc:
            report.errors.append(f"{where}：{getattr(exc, 'message', str(exc))}")
        else:
            if document.identity.implementation_code not in existing:
                report.created += 1
                existing.add(document.identity.implementation_code)
            elif changed:
                report.updated += 1
            else:
                report.unchanged += 1
        if done % BATCH == 0:
            db_session.commit()
        if progress is not None:
            progress(done, total)
    db_session.commit()
    return report
