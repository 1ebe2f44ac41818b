"""The directory list (基本目录 / 目录清单), compiled per level and cited by implementations (CAT-02; 003 四(二)).

003 四(二): the directory is the basic list that the competent departments (编制、法制等有关职能部门)
compile for the national, provincial and city level; its elements are the item's name, basic code,
legal basis and type, and they are 完全统一 at every level and in every region. An implementation list
entry (``ServiceItem``) cites a published directory entry and refines the rest (implementation code,
行使内容, materials …); an implementing agency may split a main or sub item into 办理项 (our
variants), which keep the type and basis but may carry their own name.

How it is kept here:
- An entry belongs to the list of one region (000000, a province or a city) at that region's level.
  Staff with catalog_edit of that region compile it; every change is a revision (draft → submitted →
  approved or returned → published), and the revisions are the entry's history.
- Review and publishing are done by the management agency of the entry's own region (an agency with
  is_management there, or region staff without an agency), never by the staff who wrote or submitted
  the revision, whatever roles that account holds (four-eyes).
- An item may cite only an entry that has been published (or one taken over from earlier data and
  waiting for review, so existing items stay editable) and whose region covers the item's region.
- Staff editing an item cannot give it a name, type or basis other than the published entry's
  (``require_refinement``). Trusted bulk paths (seed, file import) are not refused: their divergence,
  and any divergence left when the directory itself changes, is what the lint reports.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable

from pydantic import ValidationError
from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tongban.accounts.access import Permission, StaffActor, region_prefix
from tongban.catalog import regions, review
from tongban.catalog.directory_schemas import DIRECTORY_LEVELS, EntryElements, EntryIn
from tongban.catalog.enums import ItemType, Level, VersionState
from tongban.catalog.models import Agency, DirectoryEntry, DirectoryRevision, Region, ServiceItem
from tongban.catalog.schemas import ItemContent
from tongban.core.clock import Clock
from tongban.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from tongban.core.validation import humanize

NATIONAL = "000000"


class EntryState:
    draft = "draft"  # never published: no item may cite it yet
    published = "published"
    needs_review = "needs_review"  # taken over from implementation data; the management agency has to review it

    labels = {"draft": "编制中", "published": "已发布", "needs_review": "待审核（由实施清单转入）"}


CITABLE = (EntryState.published, EntryState.needs_review)
OPEN = (VersionState.draft, VersionState.submitted, VersionState.returned, VersionState.approved)


# ---------------------------------------------------------------- reading


def get_entry(*, db_session: Session, entry_id: int) -> DirectoryEntry:
    entry = db_session.get(DirectoryEntry, entry_id)
    if entry is None:
        raise NotFound("DIRECTORY_ENTRY_NOT_FOUND", "没有找到这个基本目录事项")
    return entry


def get_by_code(*, db_session: Session, basic_code: str, code_scheme: str = "tongban") -> DirectoryEntry | None:
    return db_session.scalar(
        select(DirectoryEntry).where(DirectoryEntry.code_scheme == code_scheme, DirectoryEntry.basic_code == basic_code)
    )


def get_revision(*, db_session: Session, revision_id: int) -> DirectoryRevision:
    revision = db_session.get(DirectoryRevision, revision_id)
    if revision is None:
        raise NotFound("DIRECTORY_REVISION_NOT_FOUND", "没有找到这个基本目录修订")
    return revision


def history(*, db_session: Session, entry_id: int) -> list[DirectoryRevision]:
    get_entry(db_session=db_session, entry_id=entry_id)
    query = select(DirectoryRevision).where(DirectoryRevision.entry_id == entry_id).order_by(DirectoryRevision.number.desc())
    return list(db_session.scalars(query))


def open_revision(*, db_session: Session, entry_id: int) -> DirectoryRevision | None:
    return db_session.scalar(
        select(DirectoryRevision).where(
            DirectoryRevision.entry_id == entry_id, DirectoryRevision.state.in_([s.value for s in OPEN])
        )
    )


def list_entries(
    *,
    db_session: Session,
    region_code: str | None = None,
    level: str | None = None,
    state: str | None = None,
    q: str | None = None,
    citable_only: bool = False,
    limit: int = 100,
    offset: int = 0,
) -> tuple[list[DirectoryEntry], int]:
    if not 1 <= limit <= 500:
        raise InvalidInput("BAD_LIMIT", "每页数量应在 1 到 500 之间")
    query = select(DirectoryEntry)
    if region_code:
        query = query.where(DirectoryEntry.region_code == region_code)
    if level:
        query = query.where(DirectoryEntry.level == level)
    if state:
        query = query.where(DirectoryEntry.state == state)
    if citable_only:
        query = query.where(DirectoryEntry.state.in_(CITABLE))
    if q and q.strip():
        like = f"%{q.strip()}%"
        query = query.where(or_(DirectoryEntry.name.like(like), DirectoryEntry.basic_code.like(like)))
    total = db_session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = db_session.scalars(query.order_by(DirectoryEntry.region_code, DirectoryEntry.basic_code).limit(limit).offset(offset))
    return list(rows), total


def implementation_counts(*, db_session: Session, entry_ids: Iterable[int]) -> dict[int, int]:
    ids = list(entry_ids)
    if not ids:
        return {}
    rows = db_session.execute(
        select(ServiceItem.directory_entry_id, func.count()).where(ServiceItem.directory_entry_id.in_(ids))
        .group_by(ServiceItem.directory_entry_id)
    )
    return dict(rows.all())


def implementations(*, db_session: Session, entry_id: int) -> list[ServiceItem]:
    return list(db_session.scalars(select(ServiceItem).where(ServiceItem.directory_entry_id == entry_id).order_by(ServiceItem.id)))


def pending_reviews(*, db_session: Session, actor: StaffActor) -> list[tuple[DirectoryRevision, DirectoryEntry]]:
    """Submitted and approved revisions the actor may act on (their region's list, not their own)."""
    rows = db_session.execute(
        select(DirectoryRevision, DirectoryEntry)
        .join(DirectoryEntry, DirectoryEntry.id == DirectoryRevision.entry_id)
        .where(DirectoryRevision.state.in_([VersionState.submitted.value, VersionState.approved.value]))
        .order_by(DirectoryRevision.submitted_at, DirectoryRevision.id)
    ).all()
    return [(r, e) for r, e in rows if may_manage(db_session=db_session, actor=actor, entry=e) and not _wrote(actor, r)]


# ---------------------------------------------------------------- who may do what


def _actor_region(db_session: Session, actor: StaffActor) -> tuple[str, Agency | None]:
    agency = db_session.get(Agency, actor.agency_id) if actor.agency_id is not None else None
    return (agency.region_code if agency else actor.region_code), agency


def _require_editor(actor: StaffActor) -> None:
    if not actor.has(Permission.catalog_edit):
        raise Forbidden("NOT_AN_EDITOR", "只有事项编制人员可以编制基本目录")


def require_compiler(*, db_session: Session, actor: StaffActor, region_code: str) -> None:
    """The list of a region is compiled by that region's departments (编制、法制等部门), not by another level."""
    _require_editor(actor)
    own, _ = _actor_region(db_session, actor)
    if own != region_code:
        raise Forbidden("DIRECTORY_OUT_OF_SCOPE", f"只能编制本级（{_region_name(db_session, own)}）的基本目录")


def may_manage(*, db_session: Session, actor: StaffActor, entry: DirectoryEntry) -> bool:
    return regions.may_manage(db_session=db_session, actor=actor, region_code=entry.region_code)


def _wrote(actor: StaffActor, revision: DirectoryRevision) -> bool:
    return actor.ref in proposers(revision)


def proposers(revision: DirectoryRevision) -> set[str]:
    return {ref for ref in (revision.proposed_by_ref, revision.submitted_by_ref) if ref}


def require_manager(*, db_session: Session, actor: StaffActor, entry: DirectoryEntry, revision: DirectoryRevision) -> None:
    """Review and publishing: the management agency of the entry's level, never the proposer (four-eyes).

    The same scope rule as the items' review (regions.require_management): the management agency
    responsible for the entry's region, which for a directory list is the region of the list itself.
    """
    regions.require_management(
        db_session=db_session, actor=actor, permission=Permission.catalog_review, region_code=entry.region_code
    )
    actor.require_not_proposer(proposers(revision))


def _region_name(db_session: Session, code: str) -> str:
    region = db_session.get(Region, code)
    return region.name if region else code


def _check_list_region(db_session: Session, region_code: str, level: Level) -> None:
    if level not in DIRECTORY_LEVELS:
        raise InvalidInput("DIRECTORY_LEVEL", "基本目录分为国家级、省级、市级：县级及以下编制实施清单")
    region = db_session.get(Region, region_code)
    if region is None:
        raise NotFound("REGION_NOT_FOUND", f"行政区划代码 {region_code} 不存在")
    if region.level != level.value:
        raise InvalidInput("DIRECTORY_LEVEL", f"{region.name}是{Level(region.level).label}，与目录层级“{level.label}”不符")


# ---------------------------------------------------------------- compiling and reviewing


def _basis(elements: EntryElements) -> list[dict]:
    return [b.model_dump(mode="json") for b in elements.legal_basis]


def _check_elements(elements: EntryElements) -> None:
    if elements.item_type is not ItemType.public_service and not elements.legal_basis:
        raise InvalidInput("DIRECTORY_NO_BASIS", "行政权力事项的基本目录必须写明设定依据")
    keys = [b.key for b in elements.legal_basis]
    if len(keys) != len(set(keys)):
        raise InvalidInput("DIRECTORY_BASIS_KEYS", "设定依据的编号重复")


def create_entry(*, db_session: Session, clock: Clock, actor: StaffActor, entry_in: EntryIn) -> DirectoryRevision:
    """A new entry of the actor's own list, with its first draft revision."""
    _check_list_region(db_session, entry_in.region_code, entry_in.level)
    require_compiler(db_session=db_session, actor=actor, region_code=entry_in.region_code)
    _check_elements(entry_in)
    if get_by_code(db_session=db_session, basic_code=entry_in.basic_code, code_scheme=entry_in.code_scheme) is not None:
        raise Conflict("DIRECTORY_CODE_TAKEN", f"基本编码 {entry_in.basic_code} 已在基本目录中")
    now = clock.now()
    entry = DirectoryEntry(
        basic_code=entry_in.basic_code, code_scheme=entry_in.code_scheme, region_code=entry_in.region_code,
        level=entry_in.level.value, name=entry_in.name, item_type=entry_in.item_type.value, legal_basis=_basis(entry_in),
        state=EntryState.draft, updated_at=now,
    )
    db_session.add(entry)
    try:
        db_session.flush()
    except IntegrityError:
        db_session.rollback()
        raise Conflict("DIRECTORY_CODE_TAKEN", f"基本编码 {entry_in.basic_code} 已在基本目录中") from None
    revision = _new_revision(db_session, entry, 1, entry_in, actor, now)
    db_session.flush()
    return revision


def _new_revision(db_session, entry, number, elements: EntryElements, actor: StaffActor | None, now, *, by: str = "") -> DirectoryRevision:
    revision = DirectoryRevision(
        entry_id=entry.id, number=number, state=VersionState.draft.value, name=elements.name,
        item_type=elements.item_type.value, level=entry.level, legal_basis=_basis(elements),
        change_note=elements.change_note, created_at=now, created_by=actor.name if actor else by,
        proposed_by_ref=actor.ref if actor else "",
    )
    db_session.add(revision)
    return revision


def save_draft(
    *, db_session: Session, clock: Clock, actor: StaffActor, entry_id: int, elements: EntryElements
) -> DirectoryRevision:
    """Edit the open draft (or returned revision), or start a new revision from the published entry."""
    entry = get_entry(db_session=db_session, entry_id=entry_id)
    require_compiler(db_session=db_session, actor=actor, region_code=entry.region_code)
    _check_elements(elements)
    revision = open_revision(db_session=db_session, entry_id=entry_id)
    if revision is not None and revision.state in (VersionState.submitted, VersionState.approved):
        raise Conflict("REVISION_UNDER_REVIEW", f"第 {revision.number} 次修订正在审核中，审核结束前不能修改")
    now = clock.now()
    if revision is None:
        number = (db_session.scalar(select(func.max(DirectoryRevision.number)).where(DirectoryRevision.entry_id == entry_id)) or 0) + 1
        revision = _new_revision(db_session, entry, number, elements, actor, now)
    else:
        revision.name, revision.item_type = elements.name, elements.item_type.value
        revision.legal_basis, revision.change_note = _basis(elements), elements.change_note
        revision.state, revision.proposed_by_ref, revision.created_by = VersionState.draft.value, actor.ref, actor.name
    if entry.state == EntryState.draft:  # nothing published yet: the entry shows what is being compiled
        entry.name, entry.item_type, entry.legal_basis = elements.name, elements.item_type.value, _basis(elements)
    entry.updated_at = now
    try:
        db_session.flush()
    except IntegrityError:
        db_session.rollback()
        raise Conflict("REVISION_CONFLICT", "另一位工作人员同时修订了该目录，请刷新后重试") from None
    return revision


REVISION = review.Reviewed("次修订", "BAD_REVISION_STATE", "REVISION_CHANGED", "该修订刚被其他人处理过，请刷新后查看")


def _transition(db_session: Session, revision: DirectoryRevision, allowed: tuple[VersionState, ...], target: VersionState,
                **values) -> DirectoryRevision:
    return review.transition(db_session, revision, REVISION, allowed, target, **values)


def submit(*, db_session: Session, clock: Clock, actor: StaffActor, revision_id: int) -> DirectoryRevision:
    revision = get_revision(db_session=db_session, revision_id=revision_id)
    entry = get_entry(db_session=db_session, entry_id=revision.entry_id)
    require_compiler(db_session=db_session, actor=actor, region_code=entry.region_code)
    return _transition(
        db_session, revision, (VersionState.draft, VersionState.returned), VersionState.submitted,
        submitted_at=clock.now(), submitted_by_ref=actor.ref,
    )


def approve(*, db_session: Session, clock: Clock, actor: StaffActor, revision_id: int, comment: str = "") -> DirectoryRevision:
    revision = get_revision(db_session=db_session, revision_id=revision_id)
    entry = get_entry(db_session=db_session, entry_id=revision.entry_id)
    require_manager(db_session=db_session, actor=actor, entry=entry, revision=revision)
    return _transition(
        db_session, revision, (VersionState.submitted,), VersionState.approved, reviewed_at=clock.now(),
        reviewed_by=actor.name, reviewed_by_ref=actor.ref, review_comment=comment.strip(),
    )


def return_revision(*, db_session: Session, clock: Clock, actor: StaffActor, revision_id: int, reasons: str) -> DirectoryRevision:
    if not reasons or not reasons.strip():
        raise InvalidInput("REASONS_REQUIRED", "退回时必须写明退回理由")
    revision = get_revision(db_session=db_session, revision_id=revision_id)
    entry = get_entry(db_session=db_session, entry_id=revision.entry_id)
    require_manager(db_session=db_session, actor=actor, entry=entry, revision=revision)
    return _transition(
        db_session, revision, (VersionState.submitted, VersionState.approved), VersionState.returned,
        reviewed_at=clock.now(), reviewed_by=actor.name, reviewed_by_ref=actor.ref, review_comment=reasons.strip(),
    )


def publish(*, db_session: Session, clock: Clock, actor: StaffActor, revision_id: int) -> DirectoryRevision:
    """Make an approved revision the entry's elements; every item citing it is compared with them from now on."""
    revision = get_revision(db_session=db_session, revision_id=revision_id)
    entry = get_entry(db_session=db_session, entry_id=revision.entry_id)
    require_manager(db_session=db_session, actor=actor, entry=entry, revision=revision)
    return _publish(db_session, clock, entry, revision, actor.name)


def _publish(db_session: Session, clock: Clock, entry: DirectoryEntry, revision: DirectoryRevision, by: str) -> DirectoryRevision:
    now = clock.now()
    db_session.execute(
        update(DirectoryRevision)
        .where(DirectoryRevision.entry_id == entry.id, DirectoryRevision.state == VersionState.published.value)
        .values(state=VersionState.superseded.value)
        .execution_options(synchronize_session="fetch")
    )
    _transition(db_session, revision, (VersionState.approved,), VersionState.published, published_at=now, published_by=by)
    entry.name, entry.item_type, entry.legal_basis = revision.name, revision.item_type, revision.legal_basis
    entry.state, entry.published_at, entry.updated_at = EntryState.published, now, now
    db_session.flush()
    return revision


# ---------------------------------------------------------------- trusted bulk paths (seed, import of a source)


def seed_entry(*, db_session: Session, clock: Clock, entry_in: EntryIn, by: str, reviewed: bool = True) -> tuple[DirectoryEntry, bool]:
    """Create or update an entry from trusted data; idempotent. Returns the entry and whether anything changed.

    reviewed=False is for entries derived from an implementation list (the source has no directory):
    they are citable but wait, as a submitted revision, for the management agency's review.
    """
    _check_list_region(db_session, entry_in.region_code, entry_in.level)
    entry = get_by_code(db_session=db_session, basic_code=entry_in.basic_code, code_scheme=entry_in.code_scheme)
    elements = (entry_in.name, entry_in.item_type.value, _basis(entry_in))
    if entry is not None and (entry.name, entry.item_type, entry.legal_basis) == elements and entry.state in CITABLE:
        return entry, False
    now = clock.now()
    if entry is None:
        entry = DirectoryEntry(
            basic_code=entry_in.basic_code, code_scheme=entry_in.code_scheme, region_code=entry_in.region_code,
            level=entry_in.level.value, name=entry_in.name, item_type=entry_in.item_type.value,
            legal_basis=_basis(entry_in), state=EntryState.draft, updated_at=now,
        )
        db_session.add(entry)
        db_session.flush()
    if open_revision(db_session=db_session, entry_id=entry.id) is not None:
        raise Conflict("REVISION_UNDER_REVIEW", f"基本目录“{entry.name}”有未完成的修订，导入不能覆盖")
    number = (db_session.scalar(select(func.max(DirectoryRevision.number)).where(DirectoryRevision.entry_id == entry.id)) or 0) + 1
    revision = _new_revision(db_session, entry, number, entry_in, None, now, by=by)
    revision.state, revision.submitted_at = VersionState.submitted.value, now
    if reviewed:
        revision.state, revision.reviewed_at, revision.reviewed_by = VersionState.approved.value, now, by
        db_session.flush()
        _publish(db_session, clock, entry, revision, by)
    else:
        entry.name, entry.item_type, entry.legal_basis = elements
        entry.state, entry.updated_at = EntryState.needs_review, now
        db_session.flush()
    return entry, True


# ---------------------------------------------------------------- import of a list from a file (by its compilers)

IMPORT_COLUMNS = ("basic_code", "code_scheme", "region_code", "level", "name", "item_type", "legal_basis", "change_note")


def _rows(data: bytes, filename: str) -> list[dict]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("gb18030")
        except UnicodeDecodeError:
            raise InvalidInput("IMPORT_INVALID", "文件不是 UTF-8 或 GB18030 编码的文本") from None
    if filename.lower().endswith(".json") or text.lstrip().startswith(("[", "{")):
        try:
            parsed = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InvalidInput("IMPORT_INVALID", f"JSON 格式错误（第 {exc.lineno} 行第 {exc.colno} 列）") from None
        rows = parsed.get("entries") if isinstance(parsed, dict) else parsed
        if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
            raise InvalidInput("IMPORT_INVALID", "JSON 应为基本目录事项的列表，或含 entries 列表的对象")
        return rows
    reader = csv.DictReader(io.StringIO(text))
    rows = []
    for raw in reader:
        row = {(k or "").strip().split(" ")[-1]: (v or "").strip() for k, v in raw.items()}
        basis = row.get("legal_basis", "")
        if basis:
            try:
                row["legal_basis"] = json.loads(basis)
            except json.JSONDecodeError:  # a plain title list: 《…》；《…》
                titles = [t.strip() for t in basis.replace("；", ";").split(";") if t.strip()]
                row["legal_basis"] = [{"key": f"b{n}", "title": t} for n, t in enumerate(titles, 1)]
        else:
            row["legal_basis"] = []
        rows.append({k: v for k, v in row.items() if k in IMPORT_COLUMNS and v not in ("", None) or k == "legal_basis"})
    return rows


def import_entries(*, db_session: Session, clock: Clock, actor: StaffActor, data: bytes, filename: str) -> dict[str, int]:
    """Import entries of the actor's own list from JSON or CSV: each new or changed entry becomes a
    submitted revision for the management agency to review. All or nothing: any bad row refuses the file.

    Who imports comes before what is imported: an importer who may not compile a row's list is refused (403,
    the rows named in the details) even if other rows are bad too; only then do bad rows refuse the file (422)."""
    _require_editor(actor)
    rows = _rows(data, filename)
    if not rows:
        raise InvalidInput("IMPORT_INVALID", "文件中没有基本目录事项")
    parsed: list[EntryIn] = []
    errors: list[str] = []
    refused: list[str] = []
    for number, row in enumerate(rows, 1):
        try:
            entry_in = EntryIn.model_validate(row)
            _check_list_region(db_session, entry_in.region_code, entry_in.level)
            require_compiler(db_session=db_session, actor=actor, region_code=entry_in.region_code)
            _check_elements(entry_in)
            existing = get_by_code(db_session=db_session, basic_code=entry_in.basic_code, code_scheme=entry_in.code_scheme)
            if existing is not None and existing.region_code != entry_in.region_code:
                raise InvalidInput("DIRECTORY_CODE_TAKEN", f"基本编码 {entry_in.basic_code} 已属于另一地区的目录")
            if existing is not None and open_revision(db_session=db_session, entry_id=existing.id) is not None:
                raise Conflict("REVISION_UNDER_REVIEW", f"基本编码 {entry_in.basic_code} 有未完成的修订")
            parsed.append(entry_in)
        except ValidationError as exc:
            errors.append(f"第 {number} 行：{humanize(exc.errors())[0]}")
        except Forbidden as exc:
            refused.append(f"第 {number} 行：{exc.message}")
        except (InvalidInput, Conflict, NotFound) as exc:
            errors.append(f"第 {number} 行：{exc.message}")
    if refused:
        raise Forbidden("DIRECTORY_OUT_OF_SCOPE", "导入失败，未写入任何内容：" + "；".join(refused[:20]), details=refused)
    codes = [(e.code_scheme, e.basic_code) for e in parsed]
    if len(codes) != len(set(codes)):
        errors.append("文件中有重复的基本编码")
    if errors:
        raise InvalidInput("IMPORT_INVALID", "导入失败，未写入任何内容：" + "；".join(errors[:20]), details=errors)
    created = updated = unchanged = 0
    for entry_in in parsed:
        entry = get_by_code(db_session=db_session, basic_code=entry_in.basic_code, code_scheme=entry_in.code_scheme)
        if entry is None:
            revision = create_entry(db_session=db_session, clock=clock, actor=actor, entry_in=entry_in)
            created += 1
        elif (entry.name, entry.item_type, entry.legal_basis) == (entry_in.name, entry_in.item_type.value, _basis(entry_in)) \
                and entry.state == EntryState.published:
            unchanged += 1
            continue
        else:
            revision = save_draft(db_session=db_session, clock=clock, actor=actor, entry_id=entry.id, elements=entry_in)
            updated += 1
        submit(db_session=db_session, clock=clock, actor=actor, revision_id=revision.id)
    return {"created": created, "updated": updated, "unchanged": unchanged}


# ---------------------------------------------------------------- implementations cite the directory


def covers(entry: DirectoryEntry, region_code: str) -> bool:
    """A national list covers every region, a provincial one its province, a city's its city."""
    return entry.region_code == NATIONAL or region_code.startswith(region_prefix(entry.region_code))


def entry_for_item(*, db_session: Session, basic_code: str, code_scheme: str, region_code: str) -> DirectoryEntry:
    """The directory entry an implementation cites: it must exist, be published and cover the item's region."""
    entry = get_by_code(db_session=db_session, basic_code=basic_code, code_scheme=code_scheme)
    if entry is None:
        raise InvalidInput(
            "DIRECTORY_ENTRY_NOT_FOUND",
            f"基本编码 {basic_code} 不在基本目录中：实施清单须引用已发布的目录事项，请先由主管部门编制并发布",
        )
    if entry.state not in CITABLE:
        raise InvalidInput("DIRECTORY_ENTRY_NOT_PUBLISHED", f"基本目录“{entry.name}”尚未发布，实施清单还不能引用")
    if not covers(entry, region_code):
        raise InvalidInput(
            "DIRECTORY_ENTRY_OUT_OF_REGION",
            f"基本目录“{entry.name}”属于{_region_name(db_session, entry.region_code)}，不适用于行政区划 {region_code}",
        )
    return entry


def _basis_titles(titles: Iterable[str]) -> tuple[str, ...]:
    return tuple(sorted({t.strip().strip("《》").strip() for t in titles}))


def _type_label(value: str) -> str:
    try:
        return ItemType(value).label
    except ValueError:
        return value


def _titles_text(titles: tuple[str, ...]) -> str:
    return "、".join(f"《{t}》" for t in titles) or "无"


def divergences(entry: DirectoryEntry, relation: str, content: ItemContent) -> list[dict]:
    """The fixed elements in which an implementation differs from its directory entry.

    Name, type and basis are fixed (003 四(二)(2)); a 办理项 (variant) split by the implementing
    agency keeps the type and basis but names its own situation.
    """
    out = []
    if relation != "variant" and content.name != entry.name:
        out.append({"aspect": "name", "label": "事项名称", "value": content.name, "directory": entry.name})
    if content.item_type.value != entry.item_type:
        out.append({"aspect": "item_type", "label": "事项类型", "value": content.item_type.label,
                    "directory": _type_label(entry.item_type)})
    mine = _basis_titles(b.title for b in content.legal_basis)
    theirs = _basis_titles(b.get("title", "") for b in (entry.legal_basis or []))
    if mine != theirs:
        out.append({"aspect": "legal_basis", "label": "设定依据", "value": _titles_text(mine), "directory": _titles_text(theirs)})
    return out


def require_refinement(*, db_session: Session, item: ServiceItem, content: ItemContent) -> None:
    """Staff may refine an item but not change what its published directory entry fixes."""
    if item.directory_entry_id is None:
        return
    entry = get_entry(db_session=db_session, entry_id=item.directory_entry_id)
    if entry.state != EntryState.published:
        return
    found = divergences(entry, item.relation, content)
    if found:
        parts = "；".join(f"{d['label']}应为“{d['directory']}”（现为“{d['value']}”）" for d in found)
        raise InvalidInput(
            "ITEM_DIFFERS_FROM_DIRECTORY",
            f"实施清单不能改变基本目录（{entry.basic_code}）统一的要素：{parts}",
            details=found,
        )
