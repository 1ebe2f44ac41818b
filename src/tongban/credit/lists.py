"""The item lists of credit-based approval (信用审批事项清单, CRED-01): which items offer instant approval, review
exemption, tolerant acceptance and pledge to applicants of good credit. Kept by catalog editors of the item's agency."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from tongban.accounts.access import Permission, StaffActor
from tongban.catalog import reads as catalog_reads
from tongban.catalog import service as catalog
from tongban.core import audit
from tongban.core.clock import Clock
from tongban.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from tongban.core.text import clean_text
from tongban.credit.enums import ListKind
from tongban.credit.models import CreditListEntry

DEFAULT_CHECK_DAYS = 20  # working days to check pledged proofs when the list entry does not say


@dataclass(frozen=True)
class Entry:
    id: int
    item_id: int
    item_name: str
    agency_name: str
    region_code: str
    list_kind: ListKind
    check_days: int
    note: str


def parse_kind(value: str) -> ListKind:
    try:
        return ListKind((value or "").strip())
    except ValueError:
        raise InvalidInput("CREDIT_LIST_KIND", "清单只能是即审即批（instant）、免审（exempt_review）、容缺受理（tolerant）"
                                               "或告知承诺（pledge）") from None


def _require_editor(actor: StaffActor, item: catalog_reads.ItemFacts) -> None:
    if not actor.has(Permission.catalog_edit):
        raise Forbidden("NOT_PERMITTED", "只有事项编辑人员可以维护信用审批事项清单")
    if not actor.covers(agency_id=item.agency_id, region_code=item.region_code):
        raise Forbidden("NOT_YOUR_ITEM", "只能维护本部门（本地区）事项的信用审批清单")


def _item(db_session: Session, item_id: int) -> catalog_reads.ItemFacts:
    item = catalog_reads.find_item(db_session=db_session, item_id=item_id)
    if item is None:
        raise NotFound("ITEM_NOT_FOUND", "没有找到这个事项")
    return item


def add(*, db_session: Session, clock: Clock, actor: StaffActor, item_id: int, list_kind: str, check_days: int | None = None,
        note: str = "") -> CreditListEntry:
    kind = parse_kind(list_kind)
    item = _item(db_session, item_id)
    _require_editor(actor, item)
    days = DEFAULT_CHECK_DAYS if check_days is None else check_days
    if not 1 <= days <= 90:
        raise InvalidInput("CHECK_DAYS", "承诺核查期限应为 1–90 个工作日")
    if kind is ListKind.pledge:
        content = _live_content(db_session, item)
        if content is None or content.pledge is None:
            raise InvalidInput("PLEDGE_NOT_OFFERED", "该事项的办事指南没有告知承诺书内容，请先在事项中维护承诺内容")
    note = clean_text(note, what="说明", limit=300, required=False, code="NOTE")
    return _store(db_session, clock, item.id, kind, days, note, actor.name, actor.ref)


def _store(db_session: Session, clock: Clock, item_id: int, kind: ListKind, days: int, note: str, by: str,
           by_ref: str) -> CreditListEntry:
    if db_session.scalar(select(CreditListEntry.id).where(CreditListEntry.item_id == item_id,
                                                          CreditListEntry.list_kind == kind.value)):
        raise Conflict("ALREADY_LISTED", f"该事项已在{kind.label}清单中")
    entry = CreditListEntry(item_id=item_id, list_kind=kind.value, check_days=days, note=note, added_by=by,
                            added_at=clock.now())
    db_session.add(entry)
    db_session.flush()
    audit.record(db_session=db_session, clock=clock, actor=by_ref, action="credit.list_add", object_kind="service_item",
                 object_id=item_id, details={"list": kind.value, "check_days": days})
    return entry


def seed_entry(*, db_session: Session, clock: Clock, item_id: int, list_kind: ListKind, note: str = "",
               check_days: int = DEFAULT_CHECK_DAYS, by: str = "演示数据") -> CreditListEntry | None:
    """The trusted path of demo data and imports: the entry, or None when the item is on that list already."""
    if db_session.scalar(select(CreditListEntry.id).where(CreditListEntry.item_id == item_id,
                                                          CreditListEntry.list_kind == list_kind.value)):
        return None
    return _store(db_session, clock, item_id, list_kind, check_days, note, by, "system:seed")


def remove(*, db_session: Session, clock: Clock, actor: StaffActor, entry_id: int) -> None:
    entry = db_session.get(CreditListEntry, entry_id)
    if entry is None:
        raise NotFound("LIST_ENTRY_NOT_FOUND", "没有找到这条清单记录")
    _require_editor(actor, _item(db_session, entry.item_id))
    audit.record(db_session=db_session, clock=clock, actor=actor.ref, action="credit.list_remove", object_kind="service_item",
                 object_id=entry.item_id, details={"list": entry.list_kind})
    db_session.delete(entry)
    db_session.flush()


def _live_content(db_session: Session, item: catalog_reads.ItemFacts):
    if item.live_version_id is None:
        return None
    return catalog.content_and_digest(db_session=db_session, version_id=item.live_version_id)[0]


def kinds_of_item(*, db_session: Session, item_id: int) -> dict[ListKind, int]:
    """The lists an item is on, with each entry's check days."""
    rows = db_session.execute(select(CreditListEntry.list_kind, CreditListEntry.check_days)
                              .where(CreditListEntry.item_id == item_id)).all()
    return {ListKind(kind): days for kind, days in rows}


def entries(*, db_session: Session, region_prefix: str = "", list_kind: str = "", public: bool = False) -> list[Entry]:
    """The lists, item by item; `public` shows only items that can be applied for now."""
    query = select(CreditListEntry).order_by(CreditListEntry.list_kind, CreditListEntry.item_id)
    if list_kind:
        query = query.where(CreditListEntry.list_kind == parse_kind(list_kind).value)
    rows = list(db_session.scalars(query))
    items = catalog_reads.items_by_id(db_session=db_session, item_ids=[r.item_id for r in rows])
    agencies = catalog_reads.agencies_by_id(db_session=db_session, agency_ids={i.agency_id for i in items.values()})
    found = []
    for row in rows:
        item = items.get(row.item_id)
        if item is None or not item.region_code.startswith(region_prefix):
            continue
        if public and (item.status != "active" or item.live_version_id is None):
            continue
        agency = agencies.get(item.agency_id)
        found.append(Entry(row.id, item.id, item.name, agency.name if agency else "", item.region_code,
                           ListKind(row.list_kind), row.check_days, row.note))
    return found
