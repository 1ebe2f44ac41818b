"""Bundles and their versions (BND-01): the public list, drafting by staff, review and publishing by the region's
management agency, like item versions (draft → in_review → published, or rejected back to the editors), and the
exchange with the catalog (import/export of definitions).

A version is checked (`bundles.check`) when it is submitted and again when it is published: a bundle with a problem
never goes live. Four eyes: whoever drafted or submitted a version does not publish it.
"""

from __future__ import annotations

import json

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from tongban.accounts.access import Permission, StaffActor
from tongban.bundles import check as checker
from tongban.bundles.definition import BundleDefinition, parse
from tongban.bundles.models import Bundle, BundleVersion
from tongban.catalog import reads as catalog_reads
from tongban.catalog.regions import may_manage, require_management
from tongban.core import audit
from tongban.core.clock import Clock
from tongban.core.errors import Conflict, InvalidInput, NotFound
from tongban.core.security import sm3_hex

OPEN_STATES = ("draft", "rejected")
STATE_LABELS = {"draft": "草稿", "in_review": "待审核", "published": "已发布", "rejected": "已退回",
                "superseded": "已被替代"}
STATUS_LABELS = {"draft": "未发布", "active": "已发布", "withdrawn": "已停用"}


def digest_of(data: dict) -> str:
    return sm3_hex(json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8"))


# --- reading -------------------------------------------------------------------------------------------------

def get(*, db_session: Session, bundle_id: int) -> Bundle:
    bundle = db_session.get(Bundle, bundle_id)
    if bundle is None:
        raise NotFound("BUNDLE_NOT_FOUND", "没有找到这个一件事")
    return bundle


def get_version(*, db_session: Session, version_id: int) -> BundleVersion:
    version = db_session.get(BundleVersion, version_id)
    if version is None:
        raise NotFound("BUNDLE_VERSION_NOT_FOUND", "没有找到这个一件事版本")
    return version


def live_definition(*, db_session: Session, bundle_id: int) -> tuple[Bundle, BundleVersion, BundleDefinition]:
    """The bundle, its live version and that version's definition; NotFound when it is not offered now."""
    bundle = get(db_session=db_session, bundle_id=bundle_id)
    if bundle.status != "active" or bundle.live_version_id is None:
        raise NotFound("BUNDLE_NOT_LIVE", "该一件事尚未发布或已停止办理")
    version = get_version(db_session=db_session, version_id=bundle.live_version_id)
    return bundle, version, BundleDefinition.model_validate(version.definition)


def public_list(*, db_session: Session, region_prefix: str = "", audience: str = "") -> list[tuple[Bundle, BundleDefinition]]:
    """The live bundles (BND-01), by region prefix and audience, in name order."""
    query = select(Bundle).where(Bundle.status == "active", Bundle.live_version_id.is_not(None))
    if region_prefix:
        query = query.where(Bundle.region_code.startswith(region_prefix, autoescape=True))
    if audience:
        query = query.where(Bundle.audience == audience)
    bundles = list(db_session.scalars(query.order_by(Bundle.audience.desc(), Bundle.code)))
    versions = {v.id: v for v in db_session.scalars(
        select(BundleVersion).where(BundleVersion.id.in_([b.live_version_id for b in bundles])))} if bundles else {}
    return [(b, BundleDefinition.model_validate(versions[b.live_version_id].definition)) for b in bundles]


def all_bundles(*, db_session: Session) -> list[Bundle]:
    return list(db_session.scalars(select(Bundle).order_by(Bundle.code)))


def history(*, db_session: Session, bundle_id: int) -> list[BundleVersion]:
    get(db_session=db_session, bundle_id=bundle_id)
    return list(db_session.scalars(select(BundleVersion).where(BundleVersion.bundle_id == bundle_id)
                                   .order_by(BundleVersion.number.desc())))


def open_version(*, db_session: Session, bundle_id: int) -> BundleVersion | None:
    return db_session.scalars(select(BundleVersion).where(BundleVersion.bundle_id == bundle_id,
                                                          BundleVersion.state.in_((*OPEN_STATES, "in_review")))
                              .order_by(BundleVersion.number.desc())).first()


def problems_of(*, db_session: Session, definition: BundleDefinition) -> list[checker.Problem]:
    return checker.check(definition, db_session=db_session)


# --- drafting -------------------------------------------------------------------------------------------------

def _lead_agency_id(db_session: Session, definition: BundleDefinition) -> int:
    lead = catalog_reads.agency_by_code(db_session=db_session, code=definition.lead_agency)
    if lead is None:
        raise InvalidInput("BUNDLE_AGENCY_UNKNOWN", f"牵头部门代码 {definition.lead_agency} 不存在")
    missing = [c for c in definition.cooperating_agencies if catalog_reads.agency_by_code(db_session=db_session, code=c) is None]
    if missing:
        raise InvalidInput("BUNDLE_AGENCY_UNKNOWN", f"配合部门代码 {'、'.join(missing)} 不存在")
    return lead.id


def _require_editor(actor: StaffActor, region_code: str) -> None:
    actor.require(Permission.catalog_edit, region_code=region_code)


def _record(db_session: Session, clock: Clock, actor: str, action: str, version: BundleVersion) -> None:
    audit.record(db_session=db_session, clock=clock, actor=actor, action=action, object_kind="bundle_version",
                 object_id=version.id, details={"bundle_id": version.bundle_id, "number": version.number})


def _sync(bundle: Bundle, definition: BundleDefinition, lead_agency_id: int, now) -> None:
    bundle.name, bundle.theme, bundle.audience = definition.name, definition.theme, definition.audience
    bundle.region_code, bundle.lead_agency_id, bundle.updated_at = definition.region_code, lead_agency_id, now


def save_draft(*, db_session: Session, clock: Clock, actor: StaffActor, data: object, bundle_id: int | None = None,
               note: str = "") -> BundleVersion:
    """A new bundle, or the open draft of an existing one, from a definition as JSON data. The definition is parsed
    and its structure checked (a rule over a question that does not exist …): on a problem nothing is written."""
    definition = parse(data)
    _require_editor(actor, definition.region_code)
    lead_id = _lead_agency_id(db_session, definition)
    now = clock.now()
    stored = definition.model_dump(mode="json")
    if bundle_id is None:
        if db_session.scalar(select(Bundle.id).where(Bundle.code == definition.code)) is not None:
            raise Conflict("BUNDLE_CODE_TAKEN", f"一件事编码 {definition.code} 已被使用")
        bundle = Bundle(code=definition.code, name=definition.name, theme=definition.theme, audience=definition.audience,
                        region_code=definition.region_code, lead_agency_id=lead_id, status="draft",
                        created_at=now, updated_at=now)
        db_session.add(bundle)
        db_session.flush()
    else:
        bundle = get(db_session=db_session, bundle_id=bundle_id)
        _require_editor(actor, bundle.region_code)
        if definition.code != bundle.code:
            raise InvalidInput("BUNDLE_CODE_CHANGED", f"一件事编码不能修改（应为 {bundle.code}）")
        if bundle.status == "draft":
            _sync(bundle, definition, lead_id, now)
    version = open_version(db_session=db_session, bundle_id=bundle.id)
    if version is not None and version.state == "in_review":
        raise Conflict("BUNDLE_IN_REVIEW", f"第 {version.number} 版正在审核，审核完成前不能修改")
    if version is None:
        number = (db_session.scalar(select(func.max(BundleVersion.number)).where(BundleVersion.bundle_id == bundle.id)) or 0) + 1
        version = BundleVersion(bundle_id=bundle.id, number=number, state="draft", definition=stored,
                                digest=digest_of(stored), note=note.strip(), created_by=actor.ref, created_at=now)
        db_session.add(version)
    else:
        version.definition, version.digest, version.state = stored, digest_of(stored), "draft"
        version.note = note.strip()
    db_session.flush()
    _record(db_session, clock, actor.ref, "bundle.version.draft", version)
    return version


def submit(*, db_session: Session, clock: Clock, actor: StaffActor, version_id: int) -> BundleVersion:
    """Send a draft for review; the checker must find nothing (its problems are the message)."""
    version = get_version(db_session=db_session, version_id=version_id)
    bundle = get(db_session=db_session, bundle_id=version.bundle_id)
    _require_editor(actor, bundle.region_code)
    if version.state not in OPEN_STATES:
        raise Conflict("BAD_BUNDLE_VERSION_STATE", f"第 {version.number} 版当前为“{STATE_LABELS.get(version.state, version.state)}”，不能提交审核")
    _require_sound(db_session, version)
    version.state = "in_review"
    _record(db_session, clock, actor.ref, "bundle.version.submit", version)
    return version


def _require_sound(db_session: Session, version: BundleVersion) -> None:
    problems = problems_of(db_session=db_session, definition=parse(version.definition))
    if problems:
        lines = [p.describe() for p in problems]
        raise InvalidInput("BUNDLE_CHECK_FAILED", "检查未通过：" + "；".join(lines[:5]), details=lines)


def proposers(*, db_session: Session, version: BundleVersion) -> set[str]:
    entries = audit.entries_for(db_session=db_session, object_kind="bundle_version", object_id=version.id)
    return {version.created_by} | {e.actor for e in entries if e.action in ("bundle.version.draft", "bundle.version.submit")}


def may_review(*, db_session: Session, actor: StaffActor, bundle: Bundle, version: BundleVersion | None = None) -> bool:
    if not may_manage(db_session=db_session, actor=actor, region_code=bundle.region_code):
        return False
    return version is None or actor.ref not in proposers(db_session=db_session, version=version)


def _require_reviewer(db_session: Session, actor: StaffActor, version: BundleVersion) -> Bundle:
    bundle = get(db_session=db_session, bundle_id=version.bundle_id)
    require_management(db_session=db_session, actor=actor, permission=Permission.catalog_review, region_code=bundle.region_code)
    actor.require_not_proposer(proposers(db_session=db_session, version=version))
    return bundle


def reject(*, db_session: Session, clock: Clock, actor: StaffActor, version_id: int, reasons: str) -> BundleVersion:
    version = get_version(db_session=db_session, version_id=version_id)
    _require_reviewer(db_session, actor, version)
    if not reasons or not reasons.strip():
        raise InvalidInput("REASONS_REQUIRED", "退回时必须写明退回理由")
    if version.state != "in_review":
        raise Conflict("BAD_BUNDLE_VERSION_STATE", f"第 {version.number} 版不在审核中")
    version.state, version.note, version.reviewed_by = "rejected", reasons.strip()[:1000], actor.name
    _record(db_session, clock, actor.ref, "bundle.version.reject", version)
    return version


def publish(*, db_session: Session, clock: Clock, actor: StaffActor, version_id: int) -> BundleVersion:
    """Make a reviewed version the bundle's live one; checked again (an item may have been withdrawn meanwhile)."""
    version = get_version(db_session=db_session, version_id=version_id)
    _require_reviewer(db_session, actor, version)
    if version.state != "in_review":
        raise Conflict("BAD_BUNDLE_VERSION_STATE", f"第 {version.number} 版不在审核中，不能发布")
    _publish(db_session, clock, version, actor.name)
    _record(db_session, clock, actor.ref, "bundle.version.publish", version)
    return version


def _publish(db_session: Session, clock: Clock, version: BundleVersion, by: str) -> None:
    _require_sound(db_session, version)
    definition = parse(version.definition)
    bundle = get(db_session=db_session, bundle_id=version.bundle_id)
    now = clock.now()
    db_session.execute(update(BundleVersion).where(BundleVersion.bundle_id == bundle.id, BundleVersion.state == "published")
                       .values(state="superseded").execution_options(synchronize_session="fetch"))
    version.state, version.reviewed_by, version.published_at = "published", by, now
    _sync(bundle, definition, _lead_agency_id(db_session, definition), now)
    bundle.status, bundle.live_version_id = "active", version.id
    db_session.flush()



def set_status(*, db_session: Session, clock: Clock, actor: StaffActor, bundle_id: int, status: str) -> Bundle:
    """Withdraw a live bundle from the list, or bring a withdrawn one back (the management agency)."""
    bundle = get(db_session=db_session, bundle_id=bundle_id)
    require_management(db_session=db_session, actor=actor, permission=Permission.catalog_review, region_code=bundle.region_code)
    if status not in ("active", "withdrawn"):
        raise InvalidInput("BAD_BUNDLE_STATUS", "状态只能是“已发布”或“已停用”")
    if status == "active" and bundle.live_version_id is None:
        raise Conflict("BUNDLE_NEVER_PUBLISHED", "该一件事还没有发布过的版本")
    bundle.status, bundle.updated_at = status, clock.now()
    audit.record(db_session=db_session, clock=clock, actor=actor.ref, action="bundle.restore" if status == "active" else "bundle.withdraw",
                 object_kind="bundle",
                 object_id=bundle.id, details={"code": bundle.code})
    return bundle


# --- exchange with the catalog ---------------------------------------------------------------------------------

def export_definitions(*, db_session: Session) -> list[dict]:
    """The live definition of every bundle, for the catalog exchange."""
    return [definition.model_dump(mode="json") for _bundle, definition in public_list(db_session=db_session)]


def import_definition(*, db_session: Session, clock: Clock, data: object, by: str) -> tuple[Bundle, bool]:
    """Load one definition as published (system import, like the catalog's): checked first, nothing written on a
    problem. Answers the bundle and whether a new version was made (False: the live one is the same)."""
    definition = parse(data)
    lead_id = _lead_agency_id(db_session, definition)
    problems = problems_of(db_session=db_session, definition=definition)
    if problems:
        lines = [p.describe() for p in problems]
        raise InvalidInput("BUNDLE_CHECK_FAILED", f"{definition.name}检查未通过：" + "；".join(lines[:5]), details=lines)
    stored = definition.model_dump(mode="json")
    digest = digest_of(stored)
    now = clock.now()
    bundle = db_session.scalars(select(Bundle).where(Bundle.code == definition.code)).first()
    if bundle is None:
        bundle = Bundle(code=definition.code, name=definition.name, theme=definition.theme, audience=definition.audience,
                        region_code=definition.region_code, lead_agency_id=lead_id, status="draft",
                        created_at=now, updated_at=now)
        db_session.add(bundle)
        db_session.flush()
    elif bundle.live_version_id is not None and get_version(db_session=db_session, version_id=bundle.live_version_id).digest == digest:
        return bundle, False
    number = (db_session.scalar(select(func.max(BundleVersion.number)).where(BundleVersion.bundle_id == bundle.id)) or 0) + 1
    version = BundleVersion(bundle_id=bundle.id, number=number, state="in_review", definition=stored, digest=digest,
                            note="导入", created_by=by, created_at=now)
    db_session.add(version)
    db_session.flush()
    _publish(db_session, clock, version, by)
    _record(db_session, clock, by, "bundle.version.import", version)
    return bundle, True


def import_definitions(*, db_session: Session, clock: Clock, data: object, by: str,
                       actor: StaffActor | None = None) -> tuple[int, int]:
    """Load one definition (an object) or several (an array), all or nothing: the caller commits only when every one
    passed. A member of staff imports only bundles of regions their management agency reviews; the CLI (`actor`
    None) is the operator's. Answers (definitions read, new versions published)."""
    entries = data if isinstance(data, list) else [data]
    if not entries:
        raise InvalidInput("BUNDLE_IMPORT_EMPTY", "导入文件中没有一件事定义")
    made = 0
    for entry in entries:
        if actor is not None:
            region = entry.get("region_code", "") if isinstance(entry, dict) else ""
            require_management(db_session=db_session, actor=actor, permission=Permission.catalog_review,
                               region_code=str(region))
        _bundle, changed = import_definition(db_session=db_session, clock=clock, data=entry, by=by)
        made += 1 if changed else 0
    return len(entries), made


def require_staff_reader(actor: StaffActor) -> None:
    """Every member of staff may read bundles and their drafts (the live ones are public anyway; a window answers
    questions about them); changing them takes the catalog posts checked in each step above."""
    return None
