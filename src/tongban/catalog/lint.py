"""Catalog lint over published items: basis, catch-all clauses, samples, prerequisites, steps,
online/offline consistency and cross-region divergence (CAT-12, CAT-04; 003; 002 5.2.2, 6.2.7.2).

Each check is a small function over one item (or over the whole catalog for the checks that
compare items); `CHECKS` and `CATALOG_CHECKS` list them. Findings carry stable codes (`CODES`).

Choices made where the standards are vague:
- Missing basis is an error for administrative power items and a warning for public services,
  whose conditions often rest on policy documents rather than law.
- Materials issued by a government body (an official licence, certificate or decision whose
  source names an authority) and e-form materials need no sample: the applicant does not make
  them, so a sample teaches nothing.
- A form to fill is a material whose name ends in 表 or contains 表格/申请书/承诺书/申请 (but not
  申请人/申请单位/申请者); an e-form needs no blank template.
- A prerequisite cycle is reported once per strongly connected group of items, with one cycle
  path through it, on the group's lowest item id.
- Divergence compares each implementation with the directory entry it cites (CAT-02, CAT-04): the
  directory's name, type and basis are the reference, never another implementation, so the first
  item to cite a code is checked like every other. A variant (办理项) may name its own situation.
  Each diverging item gets one finding, naming the regions whose items agree with the directory.
  An item citing an entry that still waits for the management agency's review gets a warning.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from tongban.catalog import directory
from tongban.catalog.enums import Actor, CaseKind, Channel, HandlingForm, ItemType, Level, MaterialForm, Necessity
from tongban.catalog.models import DirectoryEntry, ItemVersion, Region, ServiceItem
from tongban.catalog.schemas import ItemContent

ERROR = "error"
WARNING = "warning"

CODES: dict[str, str] = {
    "CONDITION_NO_BASIS": "受理条件未注明设定依据",
    "MATERIAL_NO_BASIS": "申请材料未注明设定依据",
    "CATCH_ALL_MATERIAL": "含兜底性表述（“其他材料”“相关材料”“规定的其他条件”等）",
    "MISSING_SAMPLE": "申请人需自行准备的材料缺少示例样本",
    "MISSING_TEMPLATE": "需填写的表格类材料缺少空白表格",
    "PREREQUISITE_CYCLE": "前置事项形成循环",
    "PREREQUISITE_UNKNOWN": "前置事项的实施编码在事项库中不存在或未发布",
    "STEP_REDUNDANT": "办理环节重复",
    "STEP_MISSING": "缺少受理或决定环节",
    "STEP_TIME_EXCEEDS_LIMIT": "各环节时限之和超过办结时限",
    "ONLINE_OFFLINE_INCONSISTENT": "办理形式与材料、到现场次数、办理渠道或网办地址不一致",
    "REGION_DIVERGENCE": "实施清单的名称、类型或设定依据与基本目录不一致",
    "DIRECTORY_UNREVIEWED": "引用的基本目录事项尚待管理机构审核",
    "NO_LEGAL_BASIS": "行政权力事项没有设定依据",
    "LICENCE_DECLARATION": "证照栏目与申请表不一致",
}


@dataclass(frozen=True)
class Finding:
    code: str
    severity: str  # "error" | "warning"
    item_id: int | None
    item_name: str
    message: str
    detail: dict = field(default_factory=dict)


@dataclass
class LintItem:
    """One published item as the checks see it."""

    id: int
    code: str
    name: str
    region_code: str
    region_name: str
    level: str
    agency_name: str
    directory_entry: DirectoryEntry | None
    content: ItemContent
    relation: str = "main"

    @property
    def is_power(self) -> bool:
        return self.content.item_type is not ItemType.public_service

    @property
    def place(self) -> str:
        try:
            level = Level(self.level).label
        except ValueError:
            level = self.level
        return f"{self.region_name}（{level}）{self.agency_name}"


def _finding(item: LintItem, code: str, severity: str, message: str, **detail) -> Finding:
    return Finding(code=code, severity=severity, item_id=item.id, item_name=item.name, message=message, detail=detail)


def _short(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


# ---------------------------------------------------------------- legal basis


def check_condition_basis(item: LintItem) -> Iterable[Finding]:
    severity = ERROR if item.is_power else WARNING
    for index, cond in enumerate(item.content.conditions):
        if not cond.basis:
            yield _finding(
                item, "CONDITION_NO_BASIS", severity, f"受理条件“{_short(cond.text)}”未注明设定依据", condition_index=index
            )


def check_material_basis(item: LintItem) -> Iterable[Finding]:
    severity = ERROR if item.is_power else WARNING
    for material in item.content.materials:
        if not material.basis:
            yield _finding(
                item, "MATERIAL_NO_BASIS", severity, f"申请材料“{material.name}”未注明设定依据", material_key=material.key
            )


def check_item_basis(item: LintItem) -> Iterable[Finding]:
    if item.is_power and not item.content.legal_basis:
        label = item.content.item_type.label
        yield _finding(item, "NO_LEGAL_BASIS", ERROR, f"{label}事项没有设定依据（法律、法规、规章或规范性文件）")


# ---------------------------------------------------------------- catch-all clauses

_CATCH_ALL_MATERIAL = re.compile(
    r"(其他|其它)(有关|相关|必要|必需|需要|所需)?的?(材料|资料|文件|证明|证件)"
    r"|(相关|有关)的?(材料|资料)"
    r"|等(相关|有关)?(材料|资料|文件)"
    r"|(规定|要求)的其[他它]"
)
_CATCH_ALL_CONDITION = re.compile(r"(其他|其它)(有关|相关)?的?(条件|要求|情形)|(规定|要求)的其[他它]")


def check_catch_all(item: LintItem) -> Iterable[Finding]:
    for material in item.content.materials:
        if _CATCH_ALL_MATERIAL.search(material.name):
            yield _finding(
                item,
                "CATCH_ALL_MATERIAL",
                ERROR,
                f"申请材料“{material.name}”是兜底性表述，应逐项列明具体材料",
                material_key=material.key,
            )
    for index, cond in enumerate(item.content.conditions):
        if _CATCH_ALL_CONDITION.search(cond.text):
            yield _finding(
                item,
                "CATCH_ALL_MATERIAL",
                ERROR,
                f"受理条件“{_short(cond.text)}”含兜底性表述，应逐项列明具体条件",
                condition_index=index,
            )


# ---------------------------------------------------------------- samples and templates

_ISSUED_DOCUMENT = re.compile(r"(证|执照|证书|证明|户口簿|户口本|批复|批准文件|决定书|判决书|裁定书|许可证)(（.*）|\(.*\))?$")
_AUTHORITY = re.compile(r"(局|部|厅|委|办|署|院|所|政府|机关|部门|中心|法院|检察院|派出所|大队|支队|总队|机构)")
_SELF_MADE = ("自备", "申请人", "自行")
_FORM = re.compile(r"表$|表（|表\(|表格|申请书|承诺书|申请(?![人者单])")


def _issued_by_government(material) -> bool:
    source = material.source
    if not source or any(word in source for word in _SELF_MADE):
        return False
    return bool(_AUTHORITY.search(source) and _ISSUED_DOCUMENT.search(material.name))


def check_samples(item: LintItem) -> Iterable[Finding]:
    for material in item.content.materials:
        if material.sample_sha256 or material.e_form or _issued_by_government(material):
            continue
        yield _finding(item, "MISSING_SAMPLE", WARNING, f"申请材料“{material.name}”缺少示例样本", material_key=material.key)


def needs_template(material) -> bool:
    """A form the applicant fills in (申请表, 申请书, 承诺书 …), not a document someone issues."""
    return bool(_FORM.search(material.name)) and not _ISSUED_DOCUMENT.search(material.name)


def check_templates(item: LintItem) -> Iterable[Finding]:
    for material in item.content.materials:
        if material.template_sha256 or material.e_form or not needs_template(material):
            continue
        yield _finding(item, "MISSING_TEMPLATE", WARNING, f"需填写的“{material.name}”缺少空白表格下载", material_key=material.key)


# ---------------------------------------------------------------- process steps

_ACCEPTANCE = {Actor.acceptor, Actor.receiver}


def check_steps_redundant(item: LintItem) -> Iterable[Finding]:
    positions: dict[str, list[int]] = defaultdict(list)
    for index, step in enumerate(item.content.steps):
        positions[step.name].append(index)
    for name, where in positions.items():
        if len(where) > 1:
            actors = "、".join(dict.fromkeys(item.content.steps[i].actor.label for i in where))
            yield _finding(
                item,
                "STEP_REDUNDANT",
                WARNING,
                f"办理环节“{name}”出现 {len(where)} 次（{actors}），应合并",
                step_name=name,
                positions=[i + 1 for i in where],
            )


def check_steps_missing(item: LintItem) -> Iterable[Finding]:
    content = item.content
    if not content.steps:
        yield _finding(item, "STEP_MISSING", ERROR, "未列出办理流程（至少应有受理环节）", missing=["acceptance", "decision"])
        return
    actors = {step.actor for step in content.steps}
    # 免申即享: granted from shared data without an application, so nothing is accepted.
    if not actors & _ACCEPTANCE and "proactive_benefit" not in content.tags:
        yield _finding(item, "STEP_MISSING", ERROR, "办理流程缺少受理环节（收件人或受理人）", missing=["acceptance"])
    if content.case_kind is CaseKind.promised and Actor.decider not in actors:
        yield _finding(item, "STEP_MISSING", ERROR, "承诺件的办理流程缺少决定环节（决定人）", missing=["decision"])


def check_step_time(item: LintItem) -> Iterable[Finding]:
    content = item.content
    # The applicant's own time (filling in, supplementing) does not run on the agency's clock.
    total = sum(s.time_limit_days or 0 for s in content.steps if s.actor is not Actor.applicant)
    unit = content.limit_unit.label
    limits = ((content.legal_limit_days, "法定", ERROR), (content.promised_limit_days, "承诺", WARNING))
    for limit, kind, severity in limits:
        if limit is not None and total > limit:
            yield _finding(
                item,
                "STEP_TIME_EXCEEDS_LIMIT",
                severity,
                f"各环节时限之和 {total:g}{unit}超过{kind}办结时限 {limit}{unit}",
                total_days=total,
                limit_days=limit,
                limit_kind="legal" if kind == "法定" else "promised",
            )


# ---------------------------------------------------------------- online / offline

_ONLINE_CHANNELS = {Channel.web, Channel.mobile}


def check_online_offline(item: LintItem) -> Iterable[Finding]:
    content = item.content
    online_channels = set(content.channels) & _ONLINE_CHANNELS
    code = "ONLINE_OFFLINE_INCONSISTENT"
    if content.handling_form is HandlingForm.online:
        for material in content.materials:
            paper_only = MaterialForm.electronic not in material.forms and not material.e_form
            if material.necessity is Necessity.required and paper_only:
                forms = "、".join(f.label for f in material.forms)
                yield _finding(
                    item, code, ERROR, f"网上办理的事项，必要材料“{material.name}”只收{forms}，没有电子件",
                    problem="paper_only_material", material_key=material.key,
                )
        if content.max_visits > 0:
            yield _finding(
                item, code, ERROR, f"网上办理的事项，到现场次数却为 {content.max_visits} 次", problem="visits_required"
            )
        if content.on_site_verification:
            yield _finding(item, code, ERROR, "网上办理的事项，却要求到现场核验原件", problem="on_site_verification")
    if content.handling_form is HandlingForm.offline:
        if online_channels:
            names = "、".join(c.label for c in Channel if c in online_channels)
            yield _finding(item, code, ERROR, f"窗口办理的事项，办理渠道却包含{names}", problem="offline_with_online_channel")
        if content.online_url:
            yield _finding(item, code, ERROR, "窗口办理的事项，却填写了网上办理地址", problem="offline_with_online_url")
    if content.handling_form is not HandlingForm.offline and not content.online_url and not online_channels:
        severity = ERROR if content.handling_form is HandlingForm.online else WARNING
        yield _finding(
            item, code, severity, f"办理形式为“{content.handling_form.label}”，但既没有网上办理地址，也没有网站或移动端渠道",
            problem="online_without_entry",
        )


# ---------------------------------------------------------------- licence fields (LIC-01)


def check_licence_declaration(item: LintItem) -> Iterable[Finding]:
    """The declared licence fields can be filled from the item's own form: a field copied from the form must find its
    form field, fit in its length, be required where the licence requires it, and a coded choice must know every
    option the form offers (the shape of the declaration itself is checked by `catalog.schemas.LicenceDeclaration`)."""
    declaration = item.content.result.licence
    if declaration is None:
        return
    form = {f.key: f for f in item.content.form}
    code = "LICENCE_DECLARATION"
    for declared in declaration.fields:
        if not declared.form_field:
            continue
        where = f"证照栏目“{declared.label}”取自申请表字段“{declared.form_field}”"
        source = form.get(declared.form_field)
        if source is None:
            reason = "但该事项没有自己的申请表" if not form else "但申请表中没有该字段"
            yield _finding(item, code, ERROR, f"{where}，{reason}", field=declared.key, problem="form_field_unknown")
            continue
        if declared.source == "form" and source.max_length > declared.max_length:
            yield _finding(item, code, ERROR, f"{where}，申请表允许 {source.max_length} 字，证照栏目只容 {declared.max_length} 字",
                           field=declared.key, problem="too_long")
        if declared.source == "form" and declared.required and not source.required:
            yield _finding(item, code, ERROR, f"{where}，证照必填而申请表可不填，决定时无从补填", field=declared.key,
                           problem="not_required")
        unknown = [o for o in source.options if o not in {x.label for x in declared.options}] if declared.options else []
        if unknown:
            yield _finding(item, code, ERROR, f"{where}，申请表的选项“{'、'.join(unknown)}”不在证照栏目的选项中",
                           field=declared.key, problem="options")


ItemCheck = Callable[[LintItem], Iterable[Finding]]

CHECKS: list[ItemCheck] = [
    check_item_basis,
    check_condition_basis,
    check_material_basis,
    check_catch_all,
    check_samples,
    check_templates,
    check_steps_redundant,
    check_steps_missing,
    check_step_time,
    check_online_offline,
    check_licence_declaration,
]


# ---------------------------------------------------------------- prerequisites (whole catalog)


def _prerequisite_graph(items: list[LintItem]) -> tuple[dict[int, list[int]], list[Finding]]:
    by_code: dict[str, list[LintItem]] = defaultdict(list)
    for item in items:
        by_code[item.code].append(item)
    graph: dict[int, list[int]] = {}
    unknown: list[Finding] = []
    for item in items:
        targets: list[int] = []
        for code in item.content.prerequisites:
            found = by_code.get(code)
            if not found:
                unknown.append(
                    _finding(
                        item, "PREREQUISITE_UNKNOWN", ERROR, f"前置事项编码 {code} 在事项库中不存在或未发布", prerequisite=code
                    )
                )
                continue
            targets.extend(p.id for p in found)
        graph[item.id] = targets
    return graph, unknown


def _strongly_connected(graph: dict[int, list[int]]) -> list[list[int]]:
    """Tarjan's algorithm, iterative so long chains do not hit the recursion limit."""
    index: dict[int, int] = {}
    low: dict[int, int] = {}
    on_stack: set[int] = set()
    stack: list[int] = []
    groups: list[list[int]] = []
    counter = 0
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(graph[root]))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(graph.get(child, []))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                groups.append(sorted(group))
    return groups


def _cycle_path(graph: dict[int, list[int]], group: list[int]) -> list[int]:
    """One cycle through the group's first node, found by breadth-first search inside the group."""
    start, members = group[0], set(group)
    previous: dict[int, int] = {}
    frontier = [start]
    while frontier:
        following = []
        for node in frontier:
            for child in graph[node]:
                if child not in members:
                    continue
                if child == start:
                    path = [node]
                    while path[-1] != start:
                        path.append(previous[path[-1]])
                    return list(reversed(path))
                if child not in previous:
                    previous[child] = node
                    following.append(child)
        frontier = following
    return [start]


def check_prerequisites(items: list[LintItem]) -> Iterable[Finding]:
    graph, unknown = _prerequisite_graph(items)
    yield from unknown
    by_id = {item.id: item for item in items}
    for group in _strongly_connected(graph):
        if len(group) == 1 and group[0] not in graph[group[0]]:
            continue
        path = _cycle_path(graph, group)
        first = by_id[path[0]]
        names = " → ".join(by_id[i].name for i in [*path, path[0]])
        yield _finding(
            first,
            "PREREQUISITE_CYCLE",
            ERROR,
            f"前置事项形成循环：{names}",
            item_ids=path,
            codes=[by_id[i].code for i in path],
            names=[by_id[i].name for i in path],
        )


# ---------------------------------------------------------------- divergence from the directory (CAT-02, CAT-04)


def check_region_divergence(items: list[LintItem]) -> Iterable[Finding]:
    groups: dict[int, list[LintItem]] = defaultdict(list)
    for item in items:
        if item.directory_entry is not None:
            groups[item.directory_entry.id].append(item)
    for members in groups.values():
        entry = members[0].directory_entry
        found = {m.id: directory.divergences(entry, m.relation, m.content) for m in members}
        for member in members:
            diffs = found[member.id]
            if not diffs:
                continue
            agreeing = [m.place for m in members if m.id != member.id and not found[m.id]]
            for diff in diffs:
                diff["prevailing"] = diff["directory"]
                diff["regions"] = agreeing
            parts = "；".join(f"{d['label']}为“{d['value']}”，基本目录为“{d['directory']}”" for d in diffs)
            also = f"（{'、'.join(agreeing)}与基本目录一致）" if agreeing else ""
            yield _finding(
                member,
                "REGION_DIVERGENCE",
                ERROR,
                f"与基本目录（基本编码 {entry.basic_code}）不一致：{parts}{also}",
                basic_code=entry.basic_code,
                directory_entry_id=entry.id,
                differences=diffs,
                other_item_ids=[m.id for m in members if m.id != member.id],
            )


def check_directory_reviewed(items: list[LintItem]) -> Iterable[Finding]:
    for item in items:
        entry = item.directory_entry
        if entry is not None and entry.state == directory.EntryState.needs_review:
            yield _finding(
                item,
                "DIRECTORY_UNREVIEWED",
                WARNING,
                f"引用的基本目录“{entry.name}”（{entry.basic_code}）由实施清单转入，尚待本级政务服务管理机构审核",
                basic_code=entry.basic_code,
                directory_entry_id=entry.id,
            )


CatalogCheck = Callable[[list[LintItem]], Iterable[Finding]]

CATALOG_CHECKS: list[CatalogCheck] = [check_prerequisites, check_region_divergence, check_directory_reviewed]


# ---------------------------------------------------------------- running


def _load(db_session: Session) -> list[LintItem]:
    rows = db_session.execute(
        select(ServiceItem, ItemVersion.content)
        .join(ItemVersion, ItemVersion.id == ServiceItem.live_version_id)
        .order_by(ServiceItem.id)
    ).all()
    region_names = dict(db_session.execute(select(Region.code, Region.name)).all())
    return [
        LintItem(
            id=item.id,
            code=item.implementation_code,
            name=item.name,
            region_code=item.region_code,
            region_name=region_names.get(item.region_code, item.region_code),
            level=item.level,
            agency_name=item.agency.name,
            directory_entry=item.directory_entry,
            content=ItemContent.model_validate(content),
            relation=item.relation,
        )
        for item, content in rows
    ]


def _concerns(finding: Finding, wanted: set[int]) -> bool:
    if finding.item_id in wanted:
        return True
    return bool(wanted & set(finding.detail.get("item_ids", [])))


def run_lint(*, db_session: Session, item_ids: list[int] | None = None) -> list[Finding]:
    """All findings over the published versions; with item_ids, only those about these items.

    Checks that compare items (prerequisites, divergence) always look at the whole catalog, so
    an item's cycle or divergence is found even when only that item is asked about.
    """
    items = _load(db_session)
    wanted = set(item_ids) if item_ids is not None else None
    findings: list[Finding] = []
    for item in items:
        if wanted is not None and item.id not in wanted:
            continue
        for check in CHECKS:
            findings.extend(check(item))
    for catalog_check in CATALOG_CHECKS:
        findings.extend(f for f in catalog_check(items) if wanted is None or _concerns(f, wanted))
    order = {code: n for n, code in enumerate(CODES)}
    findings.sort(key=lambda f: (f.item_id or 0, order.get(f.code, len(order))))
    return findings


def counts(findings: Iterable[Finding]) -> dict[str, int]:
    return dict(Counter(f.code for f in findings))
