"""Public item list with classification filters (CAT-09; 003 我要看)."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse

from tongban.catalog import presenters, regions, service
from tongban.catalog.enums import HandlingForm, HandlingScope, ItemType, Level
from tongban.catalog.taxonomy import ATTRIBUTE_TAGS, LIFE_STAGES, ORG_THEMES, PERSON_THEMES
from tongban.web.deps import Db
from tongban.web.rendering import render

router = APIRouter(include_in_schema=False)
PAGE = 20


@router.get("/items", response_class=HTMLResponse)
def item_list(
    request: Request,
    db: Db,
    filters: Annotated[service.ItemFilter, Depends(presenters.item_filter)],
    page: Annotated[int, Query(ge=1, le=10000)] = 1,
) -> HTMLResponse:
    rows, total = service.list_items(db_session=db, filters=filters, limit=PAGE, offset=(page - 1) * PAGE)
    params = {k: v for k, v in request.query_params.items() if k not in ("page", "lang", "large", "simple") and v}

    def page_url(n: int) -> str:
        return "/items?" + urlencode({**params, "page": n})

    themes = {**PERSON_THEMES, **ORG_THEMES} if not filters.audience else (PERSON_THEMES if filters.audience == "person" else ORG_THEMES)
    return render(
        request,
        "catalog/list.html",
        items=[presenters.summary(r) for r in rows],
        total=total,
        page=page,
        pages=max(1, -(-total // PAGE)),
        page_url=page_url,
        f=filters,
        active=params,
        options={
            "audience": [("person", "个人"), ("org", "法人")],
            "item_type": [(t.value, t.label) for t in ItemType],
            "level": [(lv.value, lv.label) for lv in Level],
            "theme": sorted(themes.items(), key=lambda kv: list(themes).index(kv[0])),
            "life_stage": list(LIFE_STAGES.items()),
            "tag": list(ATTRIBUTE_TAGS.items()),
            "handling_form": [(h.value, h.label) for h in HandlingForm],
            "handling_scope": [(s.value, s.label) for s in HandlingScope],
            "agency_id": [(str(a.id), a.name) for a in regions.list_agencies(db_session=db)],
        },
    )
