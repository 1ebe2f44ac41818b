"""The public 跨域通办专区 (/crossregion, XREG-01): the 全省通办 and 跨省通办 lists with filters and guide links."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from tongban.catalog import regions
from tongban.catalog.taxonomy import ORG_THEMES, PERSON_THEMES
from tongban.core.errors import DomainError
from tongban.crossregion import zone
from tongban.web.deps import Db
from tongban.web.rendering import render

router = APIRouter(include_in_schema=False)


@router.get("/crossregion", response_class=HTMLResponse)
def zone_page(
    request: Request, db: Db, scope: Annotated[str, Query(max_length=20)] = "province",
    region_code: Annotated[str, Query(max_length=12)] = "", audience: Annotated[str, Query(max_length=10)] = "",
    theme: Annotated[str, Query(max_length=60)] = "", q: Annotated[str, Query(max_length=100)] = "",
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
) -> HTMLResponse:
    params = {"scope": scope, "region_code": region_code, "audience": audience, "theme": theme, "q": q}
    themes = {**PERSON_THEMES, **ORG_THEMES} if not audience else (PERSON_THEMES if audience == "person" else ORG_THEMES)
    context = {"active": params, "scopes": zone.SCOPES, "themes": list(themes.items()), "error": "", "items": [],
               "total": 0, "page": page, "pages": 1,
               "regions": [(a.code, a.name) for a in _regions(db)]}
    status = 200
    try:
        found, total = zone.items(db_session=db, scope=scope, region_code=region_code or None, audience=audience or None,
                                  theme=theme or None, q=q, limit=zone.PAGE, offset=(page - 1) * zone.PAGE)
        context.update(items=found, total=total, pages=max(1, -(-total // zone.PAGE)))
    except DomainError as exc:
        context["error"], status = exc.message, exc.status_code
    context["page_url"] = lambda n: "/crossregion?" + urlencode({**{k: v for k, v in params.items() if v}, "page": n})
    return render(request, "crossregion/crossregion_zone.html", status_code=status, **context)


def _regions(db):
    """The regions that have items: the province, its cities and counties the catalog's agencies sit in."""
    codes = sorted({a.region_code for a in regions.list_agencies(db_session=db)})
    return [regions.get_region(db_session=db, code=c) for c in codes if regions.region_exists(db_session=db, code=c)]
