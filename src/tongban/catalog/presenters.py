"""Shapes catalog rows into the API's output schemas (one place, used by API and pages)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import Query

from sqlalchemy.orm import Session

from tongban.catalog import service
from tongban.catalog.enums import ItemType, Level, VersionState
from tongban.catalog.models import ItemVersion, ServiceItem
from tongban.catalog.schemas import AgencyRef, ItemContent, ItemDetailOut, ItemSummaryOut, VersionOut


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def summary(item: ServiceItem) -> ItemSummaryOut:
    agency = item.agency
    return ItemSummaryOut(
        id=item.id,
        name=item.name,
        item_type=item.item_type,
        item_type_label=ItemType(item.item_type).label,
        implementation_code=item.implementation_code,
        code_scheme=item.code_scheme,
        agency=AgencyRef(id=agency.id, code=agency.code, name=agency.name, region_code=agency.region_code, level=agency.level),
        region_code=item.region_code,
        level=item.level,
        handling_form=item.handling_form,
        handling_scope=item.handling_scope,
        status=item.status,
        relation=item.relation,
        parent_id=item.parent_id,
        published_at=_iso(item.published_at),
        guide_url=f"/items/{item.id}",
    )


def version_out(version: ItemVersion) -> VersionOut:
    return VersionOut(
        id=version.id,
        item_id=version.item_id,
        number=version.number,
        state=version.state,
        state_label=VersionState(version.state).label,
        change_note=version.change_note,
        created_at=version.created_at.isoformat(),
        created_by=version.created_by,
        submitted_at=_iso(version.submitted_at),
        reviewed_at=_iso(version.reviewed_at),
        reviewed_by=version.reviewed_by,
        review_comment=version.review_comment,
        published_at=_iso(version.published_at),
        published_by=version.published_by,
    )


def detail(db_session: Session, item: ServiceItem) -> ItemDetailOut:
    version = service.live_version(db_session=db_session, item=item)
    entry = item.directory_entry
    base = summary(item).model_dump()
    children = [
        {"id": c.id, "name": c.name, "relation": c.relation, "situation": c.situation}
        for c in service.children_of(db_session=db_session, item_id=item.id)
        if c.live_version_id is not None
    ]
    return ItemDetailOut(
        **base,
        basic_code=entry.basic_code if entry else "",
        basic_code_scheme=entry.code_scheme if entry else "",
        situation=item.situation,
        status_reason=item.status_reason,
        alternative=item.alternative,
        alternative_item_id=item.alternative_item_id,
        children=children,
        version=version_out(version),
        content=ItemContent.model_validate(version.content),
        links={
            "guide": f"/items/{item.id}",
            "pdf": f"/api/v1/items/{item.id}/guide.pdf",
            "print": f"/items/{item.id}/print",
            "print_pdf": f"/api/v1/items/{item.id}/print.pdf",
            "flow_svg": f"/api/v1/items/{item.id}/flow.svg",
            "versions": f"/api/v1/items/{item.id}/versions",
        },
    )


# --- the list filters the item API and the item list page both read ---------------------------------------------------------------------------------

def item_filter(
    q: Annotated[str | None, Query(max_length=100)] = None,
    audience: Annotated[str | None, Query(pattern=r"^(person|org)$")] = None,
    item_type: ItemType | None = None,
    nature: Annotated[str | None, Query(pattern=r"^(administrative_power|public_service)$")] = None,
    agency_id: int | None = None,
    region_code: Annotated[str | None, Query(pattern=r"^\d{6,12}$")] = None,
    level: Level | None = None,
    theme: Annotated[str | None, Query(max_length=60)] = None,
    life_stage: Annotated[str | None, Query(max_length=60)] = None,
    tag: Annotated[str | None, Query(max_length=60)] = None,
    handling_form: Annotated[str | None, Query(pattern=r"^(online|offline|both)$")] = None,
    handling_scope: Annotated[str | None, Query(pattern=r"^(fixed|province|cross_province)$")] = None,
) -> service.ItemFilter:
    return service.ItemFilter(
        q=q,
        audience=audience,
        item_type=item_type.value if item_type else None,
        nature=nature,
        agency_id=agency_id,
        region_code=region_code,
        level=level.value if level else None,
        theme=theme,
        life_stage=life_stage,
        tag=tag,
        handling_form=handling_form,
        handling_scope=handling_scope,
    )
