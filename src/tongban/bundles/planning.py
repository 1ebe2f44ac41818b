"""A person's plan of a bundle (BND-02 … 06): from complete answers, the items that apply and why, one merged list of
materials, one merged form, the order of the items and the overall time limit.

Materials are matched across items (BND-04) by three rules, the first that holds:
1. the bundle declares them the same (`shared_materials`: its editors matched names that differ);
2. both are replaced by the same electronic licence type (`licence_type`);
3. their names are the same once normalised: text in brackets, the words 复印件 / 原件 / 正、副本 / 电子版 and the
   words for the applicant (申请人 / 本人 / 当事人) dropped, 户口簿 read as 居民户口簿 and 身份证件 as 居民身份证.
   Whose document it is otherwise stays part of the name: 死者居民身份证 and 申报人居民身份证 are two materials.
The rule that matched is shown beside the merged material.

Form fields are merged (BND-03) when they have the same key or the same pre-fill source: asked once, required when
any item requires it.

Order and limit (BND-05, 06): an item starts when every applying item it follows (`after`, also through items that do
not apply) is done; its stage is one more than the latest of those. The overall limit is the longest path through
that order, summing the items' promised limits in working days (a limit in natural days counts as ⌈n×5/7⌉ working
days): items without an order between them run in parallel and overlap.
"""

from __future__ import annotations

import math
import re

from sqlalchemy.orm import Session

from tongban.bundles import flow, service
from tongban.bundles.definition import BundleDefinition
from tongban.bundles.plan import MergedField, MergedMaterial, Plan, PlannedItem
from tongban.cases.forms import form_for
from tongban.catalog import reads as catalog_reads
from tongban.catalog import service as catalog_service
from tongban.catalog.enums import LimitUnit, Necessity
from tongban.catalog.schemas import ItemContent, Material
from tongban.core.clock import Clock
from tongban.core.errors import InvalidInput

RULE_DECLARED = "经本一件事梳理确认为同一份材料"
RULE_LICENCE = "同一电子证照类型（{}）"
RULE_NAME = "名称相同（去掉括号说明、复印件/原件等字样后）"
RULE_SINGLE = "仅一个事项需要"

_BRACKETS = re.compile(r"[（(][^）)]*[）)]")
_WORDING = re.compile(r"复印件|原件|正、副本|正副本|电子版|电子件|一份|（?或电子营业执照）?")
_APPLICANT = re.compile(r"^(申请人|本人|当事人)")
_SYNONYMS = (("身份证件", "居民身份证"), ("居民户口簿", "户口簿"), ("户口簿", "居民户口簿"))


def normalised_name(name: str) -> str:
    """The name materials are matched by (rule 3)."""
    text = re.sub(r"\s+", "", name)
    text = _BRACKETS.sub("", text)
    text = _WORDING.sub("", text)
    text = _APPLICANT.sub("", text)
    text = text.replace("身份证件", "居民身份证").replace("居民户口簿", "户口簿").replace("户口簿", "居民户口簿")
    if text.endswith("身份证") and not text.endswith("居民身份证"):
        text = text[: -len("身份证")] + "居民身份证"
    return text


def working_days(content: ItemContent) -> int:
    days = content.promised_limit_days if content.promised_limit_days is not None else content.legal_limit_days
    if not days:
        return 0
    if content.limit_unit is LimitUnit.natural_day:
        return math.ceil(days * 5 / 7)
    return days


def live_items(*, db_session: Session, definition: BundleDefinition, codes: list[str]) -> dict[str, tuple]:
    """Each code's live catalog item and content, `{code: (ItemFacts, ItemContent)}`; InvalidInput naming every item
    that is no longer live (withdrawn, suspended or never published) in the bundle's region."""
    found: dict[str, tuple] = {}
    gone: list[str] = []
    by_code = catalog_reads.items_by_code(db_session=db_session, implementation_codes=codes,
                                          region_prefix=definition.region_code[:2])
    for code in codes:
        facts = by_code.get(code)
        if facts is None or facts.status != "active" or facts.live_version_id is None:
            gone.append(f"“{facts.name}”（{code}）" if facts is not None else code)
            continue
        content, _digest = catalog_service.content_and_digest(db_session=db_session, version_id=facts.live_version_id)
        found[code] = (facts, content)
    if gone:
        raise InvalidInput("BUNDLE_ITEM_NOT_LIVE",
                           f"本一件事涉及的事项{'、'.join(gone)}目前已停止或暂停办理，暂时不能按此方案申请，请咨询牵头部门",
                           details=gone)
    return found


def stages(definition: BundleDefinition, applying: list[str]) -> dict[str, tuple[int, tuple[str, ...]]]:
    """Each applying item's stage and the applying items it follows (directly, or through items that do not apply)."""
    after = {i.code: list(i.after) for i in definition.items}
    wanted = set(applying)

    def followed(code: str, trail: frozenset[str]) -> set[str]:
        result: set[str] = set()
        for before in after.get(code, []):
            if before in trail:
                raise InvalidInput("BUNDLE_ORDER_CYCLE", f"事项 {code} 与 {before} 的先后顺序构成循环，请联系管理部门")
            if before in wanted:
                result.add(before)
            else:
                result |= followed(before, trail | {before})
        return result

    follows = {code: followed(code, frozenset({code})) for code in applying}
    stage: dict[str, int] = {}

    def stage_of(code: str, trail: frozenset[str]) -> int:
        if code not in stage:
            for before in follows[code]:
                if before in trail:
                    raise InvalidInput("BUNDLE_ORDER_CYCLE", f"事项 {code} 与 {before} 的先后顺序构成循环，请联系管理部门")
            stage[code] = 1 + max((stage_of(b, trail | {b}) for b in follows[code]), default=0)
        return stage[code]

    return {code: (stage_of(code, frozenset({code})), tuple(sorted(follows[code]))) for code in applying}


def overall_limit(limits: dict[str, int], follows: dict[str, tuple[str, ...]]) -> int:
    """The longest path through the order, summing limits: parallel items overlap, sequential ones add (BND-06)."""
    finish: dict[str, int] = {}

    def finish_of(code: str) -> int:
        if code not in finish:
            finish[code] = limits[code] + max((finish_of(b) for b in follows[code]), default=0)
        return finish[code]

    return max((finish_of(code) for code in limits), default=0)


def _material_required(m: Material) -> bool:
    return m.necessity is Necessity.required


def merge_materials(definition: BundleDefinition, contents: dict[str, ItemContent]) -> tuple[MergedMaterial, ...]:
    """One list in which a material needed by several items appears once (BND-04), in the order the items need them;
    merged keys are m1, m2, … in that order."""
    declared: dict[tuple[str, str], dict] = {}  # (item code, material key) → its declared group
    by_licence: dict[str, dict] = {}
    by_name: dict[str, dict] = {}
    for shared in definition.shared_materials:
        group: dict = {"name": shared.name, "rule": RULE_DECLARED, "members": {}}
        by_name.setdefault(normalised_name(shared.name), group)
        for ref in shared.members:
            declared[(ref.code, ref.key)] = group
    groups: list[dict] = []
    for code, content in contents.items():
        for m in content.materials:
            group = declared.get((code, m.key))
            name_key = normalised_name(m.name)
            if group is None and m.licence_type:
                found = by_licence.get(m.licence_type)
                if found is not None and code not in found["members"]:
                    group = found
                    if len(found["members"]) and found["rule"] in (RULE_SINGLE, RULE_NAME):
                        found["rule"] = RULE_LICENCE.format(m.licence_type)
            if group is None:
                found = by_name.get(name_key)
                if found is not None and code not in found["members"]:
                    group = found
                    if found["rule"] == RULE_SINGLE:
                        found["rule"] = RULE_NAME
            if group is None:
                group = {"name": m.name, "rule": RULE_SINGLE, "members": {}}
            if not any(g is group for g in groups):
                groups.append(group)
            by_name.setdefault(name_key, group)
            if m.licence_type:
                by_licence.setdefault(m.licence_type, group)
            group["members"][code] = m
    merged: list[MergedMaterial] = []
    for n, group in enumerate(groups, start=1):
        members: dict[str, Material] = group["members"]
        first = next(iter(members.values()))
        several = len(members) > 1
        merged.append(MergedMaterial(
            key=f"m{n}", name=group["name"] if group["rule"] == RULE_DECLARED else first.name,
            required=any(_material_required(m) for m in members.values()),
            used_by={code: m.key for code, m in members.items()}, match_rule=group["rule"] if several else RULE_SINGLE,
            e_form=all(m.e_form for m in members.values()),
            condition="；".join(dict.fromkeys(m.condition for m in members.values() if m.condition)),
        ))
    return tuple(merged)


def merge_form(contents: dict[str, ItemContent]) -> tuple[MergedField, ...]:
    """One form in which a field with the same key or the same pre-fill source is asked once (BND-03)."""
    fields: list[dict] = []  # {"field": FormField, "used_by": {code: key}}
    by_key: dict[str, dict] = {}
    by_source: dict[str, dict] = {}
    for code, content in contents.items():
        for f in form_for(content):
            entry = by_key.get(f.key) or (by_source.get(f.prefill) if f.prefill else None)
            if entry is None or code in entry["used_by"]:
                entry = {"field": f, "used_by": {}}
                fields.append(entry)
                by_key.setdefault(f.key, entry)
                if f.prefill:
                    by_source.setdefault(f.prefill, entry)
            elif f.required and not entry["field"].required:
                entry["field"] = entry["field"].model_copy(update={"required": True})
            entry["used_by"][code] = f.key
    return tuple(MergedField(field=e["field"], used_by=e["used_by"]) for e in fields)


def make_plan(*, db_session: Session, clock: Clock, bundle_id: int, answers: dict[str, str]) -> Plan:
    """The plan of the bundle's live version for these answers. InvalidInput (Chinese) when an answer is not among
    its question's options, answers a question off the path, or the path is incomplete; and when an item of the
    outcome is no longer live. Reads only."""
    bundle, version, definition = service.live_definition(db_session=db_session, bundle_id=bundle_id)
    answers = flow.clean_answers(answers)
    flow.walk(definition, answers)
    result = flow.outcome(definition, answers)
    codes = list(result.applies)
    if not codes:
        raise InvalidInput("BUNDLE_NOTHING_APPLIES", "按您的回答，本一件事没有需要办理的事项")
    live = live_items(db_session=db_session, definition=definition, codes=codes)
    order = stages(definition, codes)
    limits = {code: working_days(live[code][1]) for code in codes}
    agencies = catalog_reads.agencies_by_id(db_session=db_session, agency_ids=[live[c][0].agency_id for c in codes])
    items = [
        PlannedItem(
            item_id=live[code][0].id, code=code, name=live[code][0].name, agency_id=live[code][0].agency_id,
            agency_name=agencies[live[code][0].agency_id].name if live[code][0].agency_id in agencies else "",
            why=result.applies[code], stage=order[code][0], after=order[code][1], limit_days=limits[code],
        )
        for code in codes
    ]
    position = {code: n for n, code in enumerate(codes)}
    items.sort(key=lambda i: (i.stage, position[i.code]))
    contents = {i.code: live[i.code][1] for i in items}
    notes = tuple(f"{_name_of(db_session, definition, code)}不需办理：{why}" for code, why in result.excluded.items())
    return Plan(
        bundle_id=bundle.id, bundle_version_id=version.id, answers=dict(answers), items=tuple(items),
        materials=merge_materials(definition, contents), form=merge_form(contents),
        overall_limit_days=overall_limit(limits, {code: order[code][1] for code in codes}), notes=notes,
    )


def _name_of(db_session: Session, definition: BundleDefinition, code: str) -> str:
    facts = catalog_reads.item_by_code(db_session=db_session, implementation_code=code,
                                       region_prefix=definition.region_code[:2])
    return f"“{facts.name}”" if facts is not None else code
