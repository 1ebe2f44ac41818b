"""What other domains read of the catalog: agencies and items as plain values (issue 20 §2).

Other domains do not import `catalog.models`: they call the catalog's service functions, or these reads, which
answer with frozen dataclasses and never with the catalog's ORM rows, so the catalog may change its tables without
breaking them. A lookup of one row goes through the session's identity map (no query for a row already loaded); a
lookup of many is one query per 500 ids. `ITEMS` is the one SQL piece published, for a statement that must read an
item in the same round trip as its own rows.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session, aliased

from tongban.catalog.models import Agency, Attachment, ItemVersion, ServiceItem
from tongban.core.errors import NotFound

CHUNK = 500


@dataclass(frozen=True)
class AgencyFacts:
    """An implementing agency (实施机构): its name, where it sits and how to reach it."""

    id: int
    code: str
    name: str
    short_name: str
    region_code: str
    level: str
    is_management: bool
    address: str
    consult_phone: str
    complaint_phone: str
    email: str
    hours: str


@dataclass(frozen=True)
class ItemFacts:
    """A service item's identity and standing, without its guide (read that with `catalog.service.live_content`)."""

    id: int
    implementation_code: str
    code_scheme: str
    name: str
    agency_id: int
    region_code: str
    status: str  # active / suspended / stopped
    live_version_id: int | None  # None: never published
    handling_form: str
    relation: str
    situation: str
    parent_id: int | None
    alternative_item_id: int | None


@dataclass(frozen=True)
class AttachmentFacts:
    sha256: str
    filename: str
    content_type: str


def _agency(row: Agency) -> AgencyFacts:
    return AgencyFacts(
        id=row.id, code=row.code, name=row.name, short_name=row.short_name, region_code=row.region_code, level=row.level,
        is_management=row.is_management, address=row.address, consult_phone=row.consult_phone,
        complaint_phone=row.complaint_phone, email=row.email, hours=row.hours,
    )


def _item(row) -> ItemFacts:
    """From a `ServiceItem` or a row of the same columns."""
    return ItemFacts(
        id=row.id, implementation_code=row.implementation_code, code_scheme=row.code_scheme, name=row.name,
        agency_id=row.agency_id, region_code=row.region_code, status=row.status, live_version_id=row.live_version_id,
        handling_form=row.handling_form, relation=row.relation, situation=row.situation, parent_id=row.parent_id,
        alternative_item_id=row.alternative_item_id,
    )


_ITEM_COLUMNS = (ServiceItem.id, ServiceItem.implementation_code, ServiceItem.code_scheme, ServiceItem.name,
                 ServiceItem.agency_id, ServiceItem.region_code, ServiceItem.status, ServiceItem.live_version_id,
                 ServiceItem.handling_form, ServiceItem.relation, ServiceItem.situation, ServiceItem.parent_id,
                 ServiceItem.alternative_item_id)


def _chunks(ids: Iterable[int]) -> list[list[int]]:
    unique = sorted(set(ids))
    return [unique[start:start + CHUNK] for start in range(0, len(unique), CHUNK)]


# --- agencies ------------------------------------------------------------------------------------------

def find_agency(*, db_session: Session, agency_id: int) -> AgencyFacts | None:
    row = db_session.get(Agency, agency_id)
    return _agency(row) if row is not None else None


def agency(*, db_session: Session, agency_id: int) -> AgencyFacts:
    found = find_agency(db_session=db_session, agency_id=agency_id)
    if found is None:
        raise NotFound("AGENCY_NOT_FOUND", "没有找到这个实施机构")
    return found


def agencies_by_id(*, db_session: Session, agency_ids: Iterable[int]) -> dict[int, AgencyFacts]:
    """The agencies of these ids that exist, in one query per 500 ids."""
    found: dict[int, AgencyFacts] = {}
    for chunk in _chunks(agency_ids):
        found.update((row.id, _agency(row)) for row in db_session.scalars(select(Agency).where(Agency.id.in_(chunk))))
    return found


def agency_by_code(*, db_session: Session, code: str) -> AgencyFacts | None:
    """The agency with this code (its USCC, or the source's code), if any."""
    row = db_session.scalars(select(Agency).where(Agency.code == code)).first()
    return _agency(row) if row is not None else None


# --- items ---------------------------------------------------------------------------------------------

def find_item(*, db_session: Session, item_id: int) -> ItemFacts | None:
    row = db_session.get(ServiceItem, item_id)
    return _item(row) if row is not None else None


def item(*, db_session: Session, item_id: int) -> ItemFacts:
    """The item, or the same NotFound as `catalog.service.get_item`."""
    found = find_item(db_session=db_session, item_id=item_id)
    if found is None:
        raise NotFound("ITEM_NOT_FOUND", "没有找到这个事项")
    return found


def items_by_id(*, db_session: Session, item_ids: Iterable[int], region_prefix: str = "",
                agency_id: int | None = None) -> dict[int, ItemFacts]:
    """The items of these ids that exist, optionally only those in a region (by code prefix) or of one agency, in one
    query per 500 ids; in the order the database sorts their names (within each 500)."""
    found: dict[int, ItemFacts] = {}
    for chunk in _chunks(item_ids):
        query = select(*_ITEM_COLUMNS).where(ServiceItem.id.in_(chunk))
        if region_prefix:
            query = query.where(ServiceItem.region_code.startswith(region_prefix, autoescape=True))
        if agency_id is not None:
            query = query.where(ServiceItem.agency_id == agency_id)
        found.update((row.id, _item(row)) for row in db_session.execute(query.order_by(ServiceItem.name, ServiceItem.id)))
    return found


def item_by_code(*, db_session: Session, implementation_code: str, region_prefix: str = "",
                 agency_id: int | None = None) -> ItemFacts | None:
    """The item with this implementation code, in a region (by code prefix) or of one agency: codes are unique per
    code scheme only, so two regions may use the same code. The lowest id when several match."""
    query = select(*_ITEM_COLUMNS).where(ServiceItem.implementation_code == implementation_code)
    if region_prefix:
        query = query.where(ServiceItem.region_code.startswith(region_prefix, autoescape=True))
    if agency_id is not None:
        query = query.where(ServiceItem.agency_id == agency_id)
    row = db_session.execute(query.order_by(ServiceItem.id).limit(1)).first()
    return _item(row) if row is not None else None


def items_by_code(*, db_session: Session, implementation_codes: Iterable[str], region_prefix: str = "") -> dict[str, ItemFacts]:
    """`item_by_code` for several codes in one query: each code's item in the region (the lowest id when several
    match); codes with none are left out."""
    codes = list(dict.fromkeys(implementation_codes))
    if not codes:
        return {}
    query = select(*_ITEM_COLUMNS).where(ServiceItem.implementation_code.in_(codes))
    if region_prefix:
        query = query.where(ServiceItem.region_code.startswith(region_prefix, autoescape=True))
    found: dict[str, ItemFacts] = {}
    for row in db_session.execute(query.order_by(ServiceItem.id)):
        found.setdefault(row.implementation_code, _item(row))
    return found


def item_ids_by_code(*, db_session: Session, implementation_codes: Iterable[str]) -> list[int]:
    """The ids of the items with these implementation codes (any code scheme), in no particular order."""
    codes = list(implementation_codes)
    if not codes:
        return []
    return list(db_session.scalars(select(ServiceItem.id).where(ServiceItem.implementation_code.in_(codes))))


def existing_item_ids(*, db_session: Session, item_ids: Iterable[int]) -> set[int]:
    """Which of these ids name an item."""
    found: set[int] = set()
    for chunk in _chunks(item_ids):
        found.update(db_session.scalars(select(ServiceItem.id).where(ServiceItem.id.in_(chunk))))
    return found


def has_items(*, db_session: Session) -> bool:
    """Whether any item was loaded (demo data waits for a catalog)."""
    return db_session.scalar(select(ServiceItem.id).limit(1)) is not None


# A booking reads its slot, hall and item in one statement (appointments.bookings): the items' public columns as a
# subquery that statement joins. Its column names are part of this interface; databases flatten such a subquery,
# so joining it costs what joining the table would.
ITEMS = select(ServiceItem.id, ServiceItem.name, ServiceItem.status, ServiceItem.agency_id,
               ServiceItem.region_code).subquery("catalog_item")


# --- attachments and what a guide page shows --------------------------------------------------------------

def attachments(*, db_session: Session, sha256s: Iterable[str]) -> dict[str, AttachmentFacts]:
    """The stored attachments (samples, templates) of these digests, by digest, without their bytes."""
    wanted = set(sha256s)
    if not wanted:
        return {}
    rows = db_session.execute(
        select(Attachment.sha256, Attachment.filename, Attachment.content_type).where(Attachment.sha256.in_(wanted)))
    return {sha: AttachmentFacts(sha, name, ctype) for sha, name, ctype in rows}


_child, _parent, _alternative = aliased(ServiceItem), aliased(ServiceItem), aliased(ServiceItem)
_of_item = _child.parent_id == ServiceItem.id
_PAGE_FACTS = (
    select(
        ServiceItem.live_version_id, ServiceItem.updated_at, ServiceItem.status, ServiceItem.directory_entry_id,
        ServiceItem.parent_id, ServiceItem.alternative_item_id,
        select(ItemVersion.content_sha256).where(ItemVersion.id == ServiceItem.live_version_id).scalar_subquery(),
        select(_parent.updated_at).where(_parent.id == ServiceItem.parent_id).scalar_subquery(),
        select(_alternative.updated_at).where(_alternative.id == ServiceItem.alternative_item_id).scalar_subquery(),
        select(func.count(_child.id)).where(_of_item).scalar_subquery(),
        select(func.max(_child.updated_at)).where(_of_item).scalar_subquery(),
        Agency.code, Agency.name, Agency.region_code, Agency.level, Agency.address, Agency.consult_phone,
        Agency.complaint_phone, Agency.hours, Agency.email,
    )
    .join(Agency, Agency.id == ServiceItem.agency_id)
    .where(ServiceItem.id == bindparam("item_id"))
)


def page_facts(*, db_session: Session, item_id: int) -> tuple | None:
    """Everything of the catalog an item's guide page shows besides the version's content, in one statement: the
    live version and its content digest, the item's status and update time, its links (directory entry, parent,
    alternative) and their update times, its children's count and latest update, its agency's contact details.
    Starts with the live version id (None: unpublished). None when the item is unknown. Equal tuples: the page is
    the same as far as the catalog goes."""
    row = db_session.execute(_PAGE_FACTS, {"item_id": item_id}).first()
    return tuple(row) if row is not None else None


# --- cross-region service (跨域通办, XREG-01, XREG-02) -------------------------------------------------------------

def handling_scopes(*, db_session: Session, item_ids: Iterable[int]) -> dict[int, str]:
    """The 通办范围 (`HandlingScope` value: fixed / province / cross_province; "" when never set) of these items that
    exist, by id, in one query per 500 ids."""
    found: dict[int, str] = {}
    for chunk in _chunks(item_ids):
        rows = db_session.execute(select(ServiceItem.id, ServiceItem.handling_scope).where(ServiceItem.id.in_(chunk)))
        found.update((item_id, scope or "") for item_id, scope in rows)
    return found


def equivalent_item(*, db_session: Session, item_id: int, region_code: str) -> ItemFacts | None:
    """The same service item in another region, where an application made away from home is handled: a published,
    active item in exactly `region_code` citing the same directory entry (基本目录) as `item_id`, or, when `item_id`
    cites none, of the same name, relation and situation. The lowest id when several match; None when that region
    has none (or `item_id` is unknown)."""
    source = db_session.get(ServiceItem, item_id)
    if source is None:
        return None
    query = select(*_ITEM_COLUMNS).where(
        ServiceItem.region_code == region_code, ServiceItem.id != source.id, ServiceItem.status == "active",
        ServiceItem.live_version_id.is_not(None))
    if source.directory_entry_id is not None:
        query = query.where(ServiceItem.directory_entry_id == source.directory_entry_id)
    else:
        query = query.where(ServiceItem.name == source.name, ServiceItem.relation == source.relation,
                            ServiceItem.situation == source.situation)
    row = db_session.execute(query.order_by(ServiceItem.id).limit(1)).first()
    return _item(row) if row is not None else None
