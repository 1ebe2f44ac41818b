"""Where an item applied for away from home is handled: household registration, residence, or anywhere (XREG-02;
002 9.2.2.1 a)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from tongban.accounts.access import Permission, StaffActor
from tongban.catalog import reads as catalog_reads
from tongban.core import audit
from tongban.core.clock import Clock
from tongban.core.errors import InvalidInput
from tongban.core.text import clean_text
from tongban.crossregion.enums import DEFAULT_PLACE, HandlingPlace
from tongban.crossregion.models import HandlingPlaceRecord

CROSS_SCOPES = frozenset({"province", "cross_province"})


def places_of(*, db_session: Session, item_ids: Iterable[int]) -> dict[int, HandlingPlace]:
    """The handling place of each item, by id: its own row, else the default (household registration)."""
    ids = list(set(item_ids))
    found = {item_id: DEFAULT_PLACE for item_id in ids}
    if ids:
        rows = db_session.execute(select(HandlingPlaceRecord.item_id, HandlingPlaceRecord.place)
                                  .where(HandlingPlaceRecord.item_id.in_(ids)))
        found.update((item_id, HandlingPlace(place)) for item_id, place in rows)
    return found


def place_of(*, db_session: Session, item_id: int) -> HandlingPlace:
    return places_of(db_session=db_session, item_ids=[item_id])[item_id]


def parse_place(value: str) -> HandlingPlace:
    try:
        return HandlingPlace((value or "").strip())
    except ValueError:
        raise InvalidInput("PLACE_UNKNOWN", "办理地无效：应为户籍地办理、居住地办理或不限办理地") from None


def set_place(*, db_session: Session, clock: Clock, actor: StaffActor, item_id: int, place: str,
              note: str = "") -> HandlingPlaceRecord:
    """The item's agency (its catalog editors) or the region's management agency (its reviewers) say where the item
    is handled when applied for away from home."""
    item = catalog_reads.item(db_session=db_session, item_id=item_id)
    chosen = parse_place(place)
    text = clean_text(note, what="说明", limit=300, required=False, code="PLACE_NOTE")
    if actor.has(Permission.catalog_review):
        actor.require(Permission.catalog_review, region_code=item.region_code)
    else:
        actor.require_edit(item.agency_id, region_code=item.region_code)
    scope = catalog_reads.handling_scopes(db_session=db_session, item_ids=[item.id]).get(item.id, "")
    if scope not in CROSS_SCOPES:
        raise InvalidInput("NOT_CROSS_REGION", "该事项不是全省通办或跨省通办事项，无需设置办理地")
    row = db_session.scalar(select(HandlingPlaceRecord).where(HandlingPlaceRecord.item_id == item.id))
    if row is None:
        row = HandlingPlaceRecord(item_id=item.id, place=chosen.value, note=text, updated_by=actor.ref,
                                  updated_at=clock.now())
        db_session.add(row)
    else:
        row.place, row.note, row.updated_by, row.updated_at = chosen.value, text, actor.ref, clock.now()
    audit.record(db_session=db_session, clock=clock, actor=actor.ref, action="crossregion.place", object_kind="item",
                 object_id=str(item.id), details={"place": chosen.value})
    db_session.flush()
    return row
