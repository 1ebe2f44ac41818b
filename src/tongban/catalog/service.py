"""Service items and their versions: draft → submitted → approved/returned → published (CAT-11).

Publishing switches the item's single live version in one transaction, so every channel that
reads the live version (pages, API, PDF, search, open data) changes at the same moment.
"""

from __future__ import annotations

import hashlib
import threading
from datetime import datetime
from collections.abc import Callable, Sequence
from typing import TypeVar
from dataclasses import dataclass

from sqlalchemy import Select, bindparam, delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tongban.accounts.access import Permission, StaffActor
from tongban.catalog import directory, review
from tongban.catalog.enums import ItemRelation, ItemStatus, VersionState
from tongban.catalog.models import Agency, Attachment, DirectoryEntry, ItemFacet, ItemVersion, ServiceItem
from tongban.catalog.regions import get_agency_by_code, get_region, may_manage, require_management
from tongban.catalog.schemas import ItemContent, ItemDocument, ItemIdentity
from tongban.core import audit
from tongban.core.models import AuditEntry
from tongban.core.clock import Clock
from tongban.core.errors import Conflict, InvalidInput, NotFound

# 000 §3 / 002 3.4: shared powers of all organs are not service items.
NOT_SERVICE_ITEMS = ("政府信息公开", "信访", "行政复议", "行政赔偿", "行政调解", "纪检监察")

PublishListener = Callable[[Session, ServiceItem], None]
_publish_listeners: list[PublishListener] = []


def on_publish(listener: PublishListener) -> PublishListener:
    """Register a function run inside the publishing transaction (search index, caches …)."""
    _publish_listeners.append(listener)
    return listener


def check_is_service_item(content: ItemContent) -> None:
    for phrase in NOT_SERVICE_ITEMS:
        if phrase in content.name:
            raise InvalidInput(
                "NOT_A_SERVICE_ITEM",
                f"“{phrase}”属于行政机关共有职权，不纳入政务服务事项（见《天府通办服务导引工作指南》第3章）",
            )


# ---------------------------------------------------------------- reading


def get_item(*, db_session: Session, item_id: int) -> ServiceItem:
    item = db_session.get(ServiceItem, item_id)
    if item is None:
        raise NotFound("ITEM_NOT_FOUND", "没有找到这个事项")
    return item


def get_item_by_code(*, db_session: Session, implementation_code: str, code_scheme: str | None = None) -> ServiceItem:
    query = select(ServiceItem).where(ServiceItem.implementation_code == implementation_code)
    if code_scheme:
        query = query.where(ServiceItem.code_scheme == code_scheme)
    item = db_session.scalars(query).first()
    if item is None:
        raise NotFound("ITEM_NOT_FOUND", f"没有实施编码为 {implementation_code} 的事项")
    return item


def get_version(*, db_session: Session, version_id: int) -> ItemVersion:
    version = db_session.get(ItemVersion, version_id)
    if version is None:
        raise NotFound("VERSION_NOT_FOUND", "没有找到这个版本")
    return version


def _live_version_id(item: ServiceItem) -> int:
    if item.live_version_id is None:
        raise NotFound("ITEM_NOT_PUBLISHED", "该事项尚未发布")
    return item.live_version_id


def live_version(*, db_session: Session, item: ServiceItem) -> ItemVersion:
    return get_version(db_session=db_session, version_id=_live_version_id(item))


def live_content(*, db_session: Session, item: ServiceItem) -> ItemContent:
    return content_of_version(db_session=db_session, version_id=_live_version_id(item))


def live_content_and_digest(*, db_session: Session, item: ServiceItem) -> tuple[ItemContent, str]:
    """The live content and the digest that names it (a case keeps the digest of the content it was filed under)."""
    return content_and_digest(db_session=db_session, version_id=_live_version_id(item))


_PARSED: dict[str, ItemContent] = {}
_PARSED_MAX = 512
_PARSED_LOCK = threading.Lock()
_DIGEST = select(ItemVersion.content_sha256).where(ItemVersion.id == bindparam("version_id"))


def content_of_version(*, db_session: Session, version_id: int, digest: str = "") -> ItemContent:
    """The version's content as the schema, by id. Every step of a case reads its item version: a parse cached
    under the content's digest is found by reading only the digest, so the JSON is loaded and parsed once per
    process for each content (an edited draft has a new digest; the read flushes a pending edit first).
    A caller that already knows the digest of the content it wants (a case keeps the one it was filed under;
    published content never changes) passes it and, once that content is parsed, reads nothing.
    Callers treat the result as read-only."""
    if digest:
        cached = _PARSED.get(digest)
        if cached is not None:
            return cached
    return content_and_digest(db_session=db_session, version_id=version_id)[0]


def content_and_digest(*, db_session: Session, version_id: int) -> tuple[ItemContent, str]:
    digest = db_session.scalar(_DIGEST, {"version_id": version_id})
    if digest is None:
        raise NotFound("VERSION_NOT_FOUND", "没有找到这个版本")
    cached = _PARSED.get(digest)
    if cached is not None:
        return cached, digest
    parsed = ItemContent.model_validate(get_version(db_session=db_session, version_id=version_id).content)
    with _PARSED_LOCK:
        if len(_PARSED) >= _PARSED_MAX:
            _PARSED.pop(next(iter(_PARSED)))
        _PARSED[digest] = parsed
    return parsed, digest


def history(*, db_session: Session, item_id: int) -> list[ItemVersion]:
    get_item(db_session=db_session, item_id=item_id)
    return list(db_session.scalars(select(ItemVersion).where(ItemVersion.item_id == item_id).order_by(ItemVersion.number.desc())))


def open_version(*, db_session: Session, item_id: int) -> ItemVersion | None:
    """The version being worked on (draft, submitted, returned or approved), if any."""
    return db_session.scalar(
        select(ItemVersion).where(
            ItemVersion.item_id == item_id,
            ItemVersion.state.in_([s.value for s in (VersionState.draft, VersionState.submitted, VersionState.returned, VersionState.approved)]),
        )
    )


def children_of(*, db_session: Session, item_id: int) -> list[ServiceItem]:
    return list(db_session.scalars(select(ServiceItem).where(ServiceItem.parent_id == item_id).order_by(ServiceItem.id)))


@dataclass
class ItemFilter:
    """Classification filters of CAT-09 for lists of published items."""

    q: str | None = None
    audience: str | None = None
    item_type: str | None = None
    nature: str | None = None  # administrative_power / public_service
    agency_id: int | None = None
    region_code: str | None = None
    level: str | None = None
    theme: str | None = None
    life_stage: str | None = None
    tag: str | None = None
    handling_form: str | None = None
    handling_scope: str | None = None
    status: str | None = None
    include_unpublished: bool = False


def _filtered(query: Select, f: ItemFilter) -> Select:
    if not f.include_unpublished:
        query = query.where(ServiceItem.live_version_id.is_not(None))
    if f.q:
        like = f"%{f.q.strip()}%"
        query = query.where(or_(ServiceItem.name.like(like), ServiceItem.implementation_code.like(like)))
    for column, value in (
        (ServiceItem.item_type, f.item_type),
        (ServiceItem.agency_id, f.agency_id),
        (ServiceItem.level, f.level),
        (ServiceItem.handling_scope, f.handling_scope),
        (ServiceItem.status, f.status),
    ):
        if value not in (None, ""):
            query = query.where(column == value)
    if f.handling_form:
        # "online" also lists items handled both ways; so does "offline".
        query = query.where(ServiceItem.handling_form.in_([f.handling_form, "both"]))
    if f.nature == "public_service":
        query = query.where(ServiceItem.item_type == "public_service")
    elif f.nature == "administrative_power":
        query = query.where(ServiceItem.item_type != "public_service")
    if f.region_code:
        query = query.where(ServiceItem.region_code.like(f"{f.region_code.rstrip('0') or ''}%"))
    for facet, value in (("audience", f.audience), ("theme", f.theme), ("life_stage", f.life_stage), ("tag", f.tag)):
        if value:
            sub = select(ItemFacet.item_id).where(ItemFacet.facet == facet, ItemFacet.value == value)
            query = query.where(ServiceItem.id.in_(sub))
    return query


def list_items(*, db_session: Session, filters: ItemFilter, limit: int = 20, offset: int = 0) -> tuple[list[ServiceItem], int]:
    if not 1 <= limit <= 500:
        raise InvalidInput("BAD_LIMIT", "每页数量应在 1 到 500 之间")
    if offset < 0:
        raise InvalidInput("BAD_OFFSET", "偏移量不能为负数")
    total = db_session.scalar(_filtered(select(func.count(ServiceItem.id)), filters)) or 0
    rows = db_session.scalars(_filtered(select(ServiceItem), filters).order_by(ServiceItem.id).limit(limit).offset(offset))
    return list(rows), total


def published_since(
    *, db_session: Session, since: datetime | None = None, only_ids: Sequence[int] | None = None, batch: int = 2000
):
    """Published items changed at or after ``since`` (all when None) with their live content, in batches.

    Yields ``(item, content)`` pairs; the search index reads the catalog through this, never
    through the tables.
    """
    query = select(ServiceItem, ItemVersion.content).join(ItemVersion, ItemVersion.id == ServiceItem.live_version_id)
    if since is not None:
        query = query.where(ServiceItem.updated_at >= since)
    if only_ids is not None:
        query = query.where(ServiceItem.id.in_(list(only_ids)))
    last_id = 0
    while True:
        rows = db_session.execute(query.where(ServiceItem.id > last_id).order_by(ServiceItem.id).limit(batch)).all()
        if not rows:
            return
        for item, content in rows:
            yield item, ItemContent.model_validate(content)
        last_id = rows[-1][0].id


def change_stamp(*, db_session: Session) -> tuple:
    """Cheap fingerprint of the published catalog: changes whenever an item is published or its status changes."""
    row = db_session.execute(
        select(func.count(ServiceItem.id), func.max(ServiceItem.updated_at)).where(ServiceItem.live_version_id.is_not(None))
    ).one()
    return tuple(row)


def facet_counts(*, db_session: Session, facet: str, audience: str | None = None) -> dict[str, int]:
    query = (
        select(ItemFacet.value, func.count())
        .join(ServiceItem, ServiceItem.id == ItemFacet.item_id)
        .where(ItemFacet.facet == facet, ServiceItem.live_version_id.is_not(None))
        .group_by(ItemFacet.value)
    )
    if audience:
        query = query.where(
            ItemFacet.item_id.in_(select(ItemFacet.item_id).where(ItemFacet.facet == "audience", ItemFacet.value == audience))
        )
    rows = db_session.execute(query)
    return {value: count for value, count in rows}


def facets_of(*, db_session: Session, item_id: int) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for row in db_session.scalars(select(ItemFacet).where(ItemFacet.item_id == item_id)):
        out.setdefault(row.facet, []).append(row.value)
    return out


# ---------------------------------------------------------------- writing


def _directory_entry(db_session: Session, identity: ItemIdentity, content: ItemContent) -> DirectoryEntry | None:
    """The published directory entry the item cites (CAT-02): never made up from the item itself."""
    if not identity.basic_code:
        return None
    return directory.entry_for_item(
        db_session=db_session,
        basic_code=identity.basic_code,
        code_scheme=identity.basic_code_scheme,
        region_code=identity.region_code,
    )


def _resolve_parent(db_session: Session, identity: ItemIdentity) -> ServiceItem | None:
    if not identity.parent_code:
        if identity.relation != ItemRelation.main:
            raise InvalidInput("PARENT_REQUIRED", "子项和办理项必须指明所属主项")
        return None
    parent = get_item_by_code(db_session=db_session, implementation_code=identity.parent_code)
    if parent.implementation_code == identity.implementation_code:
        raise InvalidInput("PARENT_SELF", "事项不能以自身为主项")
    return parent


def _apply_identity(db_session: Session, item: ServiceItem, identity: ItemIdentity, content: ItemContent) -> None:
    agency = get_agency_by_code(db_session=db_session, code=identity.agency_code)
    get_region(db_session=db_session, code=identity.region_code)
    parent = _resolve_parent(db_session, identity)
    item.agency_id = agency.id
    item.region_code = identity.region_code
    item.parent_id = parent.id if parent else None
    item.relation = identity.relation
    item.situation = identity.situation
    entry = _directory_entry(db_session, identity, content)
    item.directory_entry_id = entry.id if entry else None


def _find_item(db_session: Session, identity: ItemIdentity) -> ServiceItem | None:
    return db_session.scalar(
        select(ServiceItem).where(
            ServiceItem.code_scheme == identity.code_scheme, ServiceItem.implementation_code == identity.implementation_code
        )
    )


def _new_item(identity: ItemIdentity, content: ItemContent, now) -> ServiceItem:
    return ServiceItem(
        implementation_code=identity.implementation_code,
        code_scheme=identity.code_scheme,
        name=content.name,
        item_type=content.item_type.value,
        level=content.level.value,
        handling_form=content.handling_form.value,
        handling_scope=content.handling_scope.value,
        created_at=now,
        updated_at=now,
    )


def create_item(
    *, db_session: Session, clock: Clock, actor: StaffActor, identity: ItemIdentity, content: ItemContent, change_note: str = ""
) -> ItemVersion:
    """A new item with its first draft version."""
    check_is_service_item(content)
    agency = get_agency_by_code(db_session=db_session, code=identity.agency_code)
    for region_code in sorted({identity.region_code, agency.region_code}):  # where the item will live, and its agency
        actor.require_edit(agency.id, region_code=region_code)
    if _find_item(db_session, identity) is not None:
        raise Conflict("ITEM_CODE_TAKEN", f"实施编码 {identity.implementation_code} 已被使用")
    if not identity.basic_code:  # 003 §四(二): an implementation item comes from the basic directory, never from nowhere
        raise InvalidInput("BASIC_CODE_REQUIRED",
                           "实施清单中的事项必须引用基本目录中的事项：请填写基本编码（可在“基本目录”中查找）")
    now = clock.now()
    item = _new_item(identity, content, now)
    _apply_identity(db_session, item, identity, content)
    directory.require_refinement(db_session=db_session, item=item, content=content)
    db_session.add(item)
    db_session.flush()
    version = ItemVersion(
        item_id=item.id,
        number=1,
        state=VersionState.draft.value,
        content=content.model_dump(mode="json"),
        change_note=change_note,
        created_at=now,
        created_by=actor.name,
    )
    db_session.add(version)
    db_session.flush()
    _record(db_session, clock, actor, "catalog.version.draft", version)
    return version


def save_draft(
    *, db_session: Session, clock: Clock, actor: StaffActor, item_id: int, content: ItemContent, change_note: str = ""
) -> ItemVersion:
    """Edit the open draft (or returned version), or start a new draft from the live one."""
    check_is_service_item(content)
    item = get_item(db_session=db_session, item_id=item_id)
    actor.require_edit(item.agency_id, region_code=item.region_code)
    directory.require_refinement(db_session=db_session, item=item, content=content)
    version = open_version(db_session=db_session, item_id=item_id)
    if version is not None and version.state in (VersionState.submitted, VersionState.approved):
        raise Conflict("VERSION_UNDER_REVIEW", f"第 {version.number} 版正在审核流程中，审核结束前不能修改")
    if version is None:
        number = (db_session.scalar(select(func.max(ItemVersion.number)).where(ItemVersion.item_id == item_id)) or 0) + 1
        version = ItemVersion(item_id=item_id, number=number, created_at=clock.now(), created_by=actor.name)
        db_session.add(version)
    version.state = VersionState.draft.value
    version.content = content.model_dump(mode="json")
    version.change_note = change_note
    try:
        db_session.flush()
    except IntegrityError:
        db_session.rollback()
        raise Conflict("VERSION_CONFLICT", "另一位工作人员同时创建了新版本，请刷新后重试") from None
    _record(db_session, clock, actor, "catalog.version.draft", version)
    return version


VERSION = review.Reviewed("版", "BAD_VERSION_STATE", "VERSION_CHANGED", "该版本刚被其他人处理过，请刷新后查看")


def _transition(db_session: Session, version: ItemVersion, allowed: tuple[VersionState, ...], target: VersionState,
                **values) -> ItemVersion:
    return review.transition(db_session, version, VERSION, allowed, target, **values)


def submit(*, db_session: Session, clock: Clock, actor: StaffActor, version_id: int) -> ItemVersion:
    version = get_version(db_session=db_session, version_id=version_id)
    item = get_item(db_session=db_session, item_id=version.item_id)
    actor.require_edit(item.agency_id, region_code=item.region_code)
    _transition(db_session, version, (VersionState.draft, VersionState.returned), VersionState.submitted, submitted_at=clock.now())
    _record(db_session, clock, actor, "catalog.version.submit", version)
    return version


# ---------------------------------------------------------------- review and publishing (管理机构)

_PROPOSING = ("catalog.version.draft", "catalog.version.submit")


def proposers(*, db_session: Session, version_id: int) -> set[str]:
    """Everyone who drafted or submitted this version, as staff refs, read from the audit trail (hash-chained)."""
    rows = db_session.scalars(
        select(AuditEntry.actor).where(
            AuditEntry.action.in_(_PROPOSING), AuditEntry.object_kind == "item_version", AuditEntry.object_id == str(version_id)
        )
    )
    return set(rows)


def _record(db_session: Session, clock: Clock, actor: StaffActor, action: str, version: ItemVersion) -> None:
    audit.record(
        db_session=db_session, clock=clock, actor=actor.ref, action=action, object_kind="item_version", object_id=version.id,
        details={"item_id": version.item_id, "number": version.number},
    )


def require_manager(*, db_session: Session, actor: StaffActor, item: ServiceItem) -> None:
    """Review, publishing and stopping an item: the management agency of the item's region (003: 同级政务服务管理机构)."""
    require_management(db_session=db_session, actor=actor, permission=Permission.catalog_review, region_code=item.region_code)


def _require_reviewer(db_session: Session, actor: StaffActor, version: ItemVersion) -> None:
    require_manager(db_session=db_session, actor=actor, item=get_item(db_session=db_session, item_id=version.item_id))
    actor.require_not_proposer(proposers(db_session=db_session, version_id=version.id))


def may_review(*, db_session: Session, actor: StaffActor, item: ServiceItem, version: ItemVersion | None = None) -> bool:
    """Whether the actor may review and publish this item's change (pages show the buttons only then)."""
    if not may_manage(db_session=db_session, actor=actor, region_code=item.region_code):
        return False
    return version is None or actor.ref not in proposers(db_session=db_session, version_id=version.id)


def approve(*, db_session: Session, clock: Clock, actor: StaffActor, version_id: int, comment: str = "") -> ItemVersion:
    version = get_version(db_session=db_session, version_id=version_id)
    _require_reviewer(db_session, actor, version)
    _transition(
        db_session,
        version,
        (VersionState.submitted,),
        VersionState.approved,
        reviewed_at=clock.now(),
        reviewed_by=actor.name,
        review_comment=comment.strip(),
    )
    _record(db_session, clock, actor, "catalog.version.approve", version)
    return version


def return_version(*, db_session: Session, clock: Clock, actor: StaffActor, version_id: int, reasons: str) -> ItemVersion:
    """Return a submitted version to its agency with the reasons (退回修改)."""
    version = get_version(db_session=db_session, version_id=version_id)
    _require_reviewer(db_session, actor, version)
    if not reasons or not reasons.strip():
        raise InvalidInput("REASONS_REQUIRED", "退回时必须写明退回理由")
    _transition(
        db_session,
        version,
        (VersionState.submitted, VersionState.approved),
        VersionState.returned,
        reviewed_at=clock.now(),
        reviewed_by=actor.name,
        review_comment=reasons.strip(),
    )
    _record(db_session, clock, actor, "catalog.version.return", version)
    return version


def publish(*, db_session: Session, clock: Clock, actor: StaffActor, version_id: int) -> ItemVersion:
    """Make an approved version the single live version of its item, on every channel at once."""
    version = get_version(db_session=db_session, version_id=version_id)
    _require_reviewer(db_session, actor, version)
    _publish(db_session, clock, version, actor.name, allowed=(VersionState.approved,))
    _record(db_session, clock, actor, "catalog.version.publish", version)
    return version


def _publish(
    db_session: Session, clock: Clock, version: ItemVersion, by: str, *, allowed: tuple[VersionState, ...]
) -> ItemVersion:
    item = get_item(db_session=db_session, item_id=version.item_id)
    content = ItemContent.model_validate(version.content)
    now = clock.now()
    if VersionState(version.state) not in allowed:
        raise Conflict("BAD_VERSION_STATE", f"第 {version.number} 版尚未审核通过，不能发布")
    db_session.execute(
        update(ItemVersion)
        .where(ItemVersion.item_id == item.id, ItemVersion.state == VersionState.published.value)
        .values(state=VersionState.superseded.value)
        .execution_options(synchronize_session="fetch")
    )
    _transition(db_session, version, allowed, VersionState.published, published_at=now, published_by=by)
    item.live_version_id = version.id
    item.name = content.name
    item.item_type = content.item_type.value
    item.level = content.level.value
    item.handling_form = content.handling_form.value
    item.handling_scope = content.handling_scope.value
    item.published_at = now
    item.updated_at = now
    _rebuild_facets(db_session, item, content)
    try:
        db_session.flush()
    except IntegrityError:
        raise Conflict("PUBLISH_CONFLICT", "该事项正在被另一位工作人员发布，请刷新后查看") from None
    for listener in _publish_listeners:
        listener(db_session, item)
    return version


def _rebuild_facets(db_session: Session, item: ServiceItem, content: ItemContent) -> None:
    db_session.execute(delete(ItemFacet).where(ItemFacet.item_id == item.id))
    pairs = {("audience", a.value) for a in content.audiences}
    pairs |= {("theme", t) for t in content.themes}
    pairs |= {("life_stage", s) for s in content.life_stages}
    pairs |= {("tag", t) for t in content.tags}
    pairs |= {("channel", c.value) for c in content.channels}
    db_session.add_all(ItemFacet(item_id=item.id, facet=f, value=v) for f, v in sorted(pairs))


def set_status(
    *,
    db_session: Session,
    clock: Clock,
    actor: StaffActor,
    item_id: int,
    status: str,
    reason: str = "",
    alternative: str = "",
    alternative_item_id: int | None = None,
) -> ServiceItem:
    """Suspend or stop an item with the reason and what to do instead, or resume it (GUIDE-04)."""
    item = get_item(db_session=db_session, item_id=item_id)
    require_manager(db_session=db_session, actor=actor, item=item)
    try:
        new_status = ItemStatus(status)
    except ValueError:
        raise InvalidInput("BAD_STATUS", "状态必须是 在用(active)、暂停(suspended) 或 停止(stopped)") from None
    if new_status is not ItemStatus.active and not reason.strip():
        raise InvalidInput("REASON_REQUIRED", "暂停或停止办理必须写明原因")
    if new_status is not ItemStatus.active and not (alternative.strip() or alternative_item_id):
        raise InvalidInput("ALTERNATIVE_REQUIRED", "暂停或停止办理必须告诉群众可以怎么办（替代事项或办理途径）")
    if alternative_item_id is not None:
        if alternative_item_id == item_id:
            raise InvalidInput("ALTERNATIVE_SELF", "替代事项不能是本事项")
        get_item(db_session=db_session, item_id=alternative_item_id)
    before = item.status
    item.status = new_status.value
    item.status_reason = reason.strip() if new_status is not ItemStatus.active else ""
    item.alternative = alternative.strip() if new_status is not ItemStatus.active else ""
    item.alternative_item_id = alternative_item_id if new_status is not ItemStatus.active else None
    item.updated_at = clock.now()
    db_session.flush()
    audit.record(
        db_session=db_session, clock=clock, actor=actor.ref, action="catalog.item.status", object_kind="service_item",
        object_id=item.id, details={"from": before, "to": item.status, "reason": item.status_reason},
    )
    return item


# ---------------------------------------------------------------- bulk (seed and import)


def document_of(*, db_session: Session, item: ServiceItem) -> ItemDocument:
    """The item's identity and live content as one exchangeable document (CAT-14)."""
    agency = db_session.get(Agency, item.agency_id)
    parent = db_session.get(ServiceItem, item.parent_id) if item.parent_id else None
    entry = item.directory_entry
    return ItemDocument(
        identity=ItemIdentity(
            implementation_code=item.implementation_code,
            code_scheme=item.code_scheme,
            basic_code=entry.basic_code if entry else "",
            basic_code_scheme=entry.code_scheme if entry else "tongban",
            agency_code=agency.code,
            region_code=item.region_code,
            parent_code=parent.implementation_code if parent else "",
            relation=item.relation,
            situation=item.situation,
        ),
        content=live_content(db_session=db_session, item=item),
        status=item.status,
        status_reason=item.status_reason,
        alternative=item.alternative,
    )


def require_import_scope(
    *, db_session: Session, actor: StaffActor, documents: Sequence[ItemDocument], new_agencies: dict[str, str]
) -> None:
    """An import publishes directly, so each item it writes must be one the importer may publish (CAT-14 with CAT-11).

    Checked for the region the item moves to, its agency's region and, for an existing item, the region it is in now;
    `new_agencies` (code → region): the file's agencies; those it would create must be in the importer's regions too.
    """
    known = set(db_session.scalars(select(Agency.code).where(Agency.code.in_(new_agencies))))
    new_agencies = {code: region for code, region in new_agencies.items() if code not in known}  # existing ones are kept as they are
    regions_written = set(new_agencies.values())
    codes = {d.identity.agency_code for d in documents} - set(new_agencies)
    agency_regions = dict(new_agencies)
    agency_regions.update(db_session.execute(select(Agency.code, Agency.region_code).where(Agency.code.in_(codes))).tuples().all())
    for document in documents:
        identity = document.identity
        regions_written.add(identity.region_code)
        if identity.agency_code in agency_regions:
            regions_written.add(agency_regions[identity.agency_code])
        existing = _find_item(db_session, identity)
        if existing is not None:
            regions_written.add(existing.region_code)
    for region_code in sorted(regions_written):
        require_management(db_session=db_session, actor=actor, permission=Permission.catalog_review, region_code=region_code)


def upsert_published(*, db_session: Session, clock: Clock, document: ItemDocument, by: str) -> tuple[ServiceItem, bool]:
    """Create or update an item straight to a published version (trusted seed and import).

    Returns the item and whether anything changed; running it twice with the same document
    changes nothing (idempotent).
    """
    check_is_service_item(document.content)
    identity, content = document.identity, document.content
    item = _find_item(db_session, identity)
    now = clock.now()
    changed = False
    if item is None:
        item = _new_item(identity, content, now)
        with db_session.no_autoflush:
            _apply_identity(db_session, item, identity, content)
        db_session.add(item)
        changed = True
    else:
        before = (item.agency_id, item.region_code, item.parent_id, item.relation, item.situation, item.directory_entry_id)
        _apply_identity(db_session, item, identity, content)
        after = (item.agency_id, item.region_code, item.parent_id, item.relation, item.situation, item.directory_entry_id)
        changed = before != after
    status = (document.status, document.status_reason, document.alternative)
    if (item.status, item.status_reason, item.alternative) != status:
        item.status, item.status_reason, item.alternative = status
        changed = True
    db_session.flush()
    dumped = content.model_dump(mode="json")
    current = db_session.get(ItemVersion, item.live_version_id) if item.live_version_id else None
    if current is not None and current.content == dumped:
        return item, changed
    pending = open_version(db_session=db_session, item_id=item.id)
    if pending is not None:
        raise Conflict("VERSION_UNDER_REVIEW", f"事项“{item.name}”有未完成的修改版本，导入不能覆盖")
    number = (db_session.scalar(select(func.max(ItemVersion.number)).where(ItemVersion.item_id == item.id)) or 0) + 1
    version = ItemVersion(
        item_id=item.id,
        number=number,
        state=VersionState.approved.value,
        content=dumped,
        change_note="批量导入",
        created_at=now,
        created_by=by,
        reviewed_at=now,
        reviewed_by=by,
    )
    db_session.add(version)
    db_session.flush()
    _publish(db_session, clock, version, by, allowed=(VersionState.approved,))
    return item, True


def agency_item_counts(*, db_session: Session) -> dict[int, int]:
    rows = db_session.execute(
        select(ServiceItem.agency_id, func.count()).where(ServiceItem.live_version_id.is_not(None)).group_by(ServiceItem.agency_id)
    )
    return {agency_id: count for agency_id, count in rows}


def level_counts(*, db_session: Session) -> dict[str, int]:
    rows = db_session.execute(
        select(ServiceItem.level, func.count()).where(ServiceItem.live_version_id.is_not(None)).group_by(ServiceItem.level)
    )
    order = ["national", "province", "city", "county", "township", "village"]
    found = {level: count for level, count in rows}
    return {level: found[level] for level in order if level in found}


def type_counts(*, db_session: Session) -> dict[str, int]:
    rows = db_session.execute(
        select(ServiceItem.item_type, func.count()).where(ServiceItem.live_version_id.is_not(None)).group_by(ServiceItem.item_type)
    )
    return dict(rows.all())


T = TypeVar("T")


def parents_first(entries: Sequence[T], document: Callable[[T], ItemDocument]) -> tuple[list[T], list[T]]:
    """Order entries so that a parent item comes before its sub-items and variants.

    Returns the ordered entries and those left in a parent cycle (not included in the order).
    """
    in_batch = {document(e).identity.implementation_code for e in entries}
    ordered: list[T] = []
    placed: set[str] = set()
    pending = list(entries)
    while pending:
        rest = []
        for entry in pending:
            parent = document(entry).identity.parent_code
            if not parent or parent in placed or parent not in in_batch:
                ordered.append(entry)
                placed.add(document(entry).identity.implementation_code)
            else:
                rest.append(entry)
        if len(rest) == len(pending):
            return ordered, rest
        pending = rest
    return ordered, []


def store_attachment(*, db_session: Session, clock: Clock, data: bytes, filename: str, content_type: str) -> str:
    """Keep a file once, addressed by its SHA-256; returns the digest."""
    digest = hashlib.sha256(data).hexdigest()
    if db_session.get(Attachment, digest) is None:
        db_session.add(
            Attachment(sha256=digest, filename=filename, content_type=content_type, size=len(data), data=data, created_at=clock.now())
        )
    return digest
