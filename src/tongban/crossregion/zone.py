"""The 全省通办 / 跨省通办 zone (服务专区, XREG-01; 002 9.2.1.1, 9.2.1.3): the published lists of items that may
be applied for anywhere in the province or across provinces, with where each is handled."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from tongban.catalog import service as catalog
from tongban.catalog.enums import HandlingScope
from tongban.core.errors import InvalidInput
from tongban.crossregion.enums import HandlingPlace
from tongban.crossregion.places import places_of

SCOPES = (HandlingScope.province, HandlingScope.cross_province)
PAGE = 20


@dataclass(frozen=True)
class ZoneItem:
    id: int
    name: str
    code: str
    agency_name: str
    region_code: str
    scope: HandlingScope
    place: HandlingPlace
    handling_form: str
    guide_url: str


def parse_scope(value: str | None) -> HandlingScope:
    try:
        scope = HandlingScope((value or "province").strip())
    except ValueError:
        scope = None
    if scope not in SCOPES:
        raise InvalidInput("SCOPE_UNKNOWN", "通办范围无效：应为 province（全省通办）或 cross_province（跨省通办）")
    return scope


def items(*, db_session: Session, scope: str | None = "province", region_code: str | None = None,
          audience: str | None = None, theme: str | None = None, q: str | None = None, limit: int = PAGE,
          offset: int = 0) -> tuple[list[ZoneItem], int]:
    """The active, published items of one 通办范围, filtered by region (and the regions under it), audience and
    theme, with their handling place."""
    chosen = parse_scope(scope)
    if region_code and (not region_code.isdigit() or not 2 <= len(region_code) <= 12):
        raise InvalidInput("REGION_FORMAT", "行政区划代码应为 2–12 位数字")
    if audience and audience not in ("person", "org"):
        raise InvalidInput("AUDIENCE_UNKNOWN", "服务对象无效：应为 person（个人）或 org（法人）")
    filters = catalog.ItemFilter(q=(q or "").strip() or None, handling_scope=chosen.value, status="active",
                                 region_code=region_code or None, audience=audience or None, theme=theme or None)
    rows, total = catalog.list_items(db_session=db_session, filters=filters, limit=limit, offset=offset)
    places = places_of(db_session=db_session, item_ids=[r.id for r in rows])
    found = [ZoneItem(id=r.id, name=r.name, code=r.implementation_code, agency_name=r.agency.name,
                      region_code=r.region_code, scope=chosen, place=places[r.id], handling_form=r.handling_form,
                      guide_url=f"/items/{r.id}") for r in rows]
    return found, total
