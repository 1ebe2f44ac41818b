"""Portal home and department directory pages (003 我要看; SRCH-03 directory browsing)."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse

from tongban.catalog import regions, service, presenters
from tongban.catalog.enums import ItemType, Level
from tongban.catalog.taxonomy import LIFE_STAGE_GROUPS, ORG_THEMES, PERSON_THEMES
from tongban.web.deps import Db
from tongban.web import render_cache
from tongban.web.rendering import render

router = APIRouter(include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
async def home(request: Request, db: Db) -> Response:
    """Kept per published catalog (items' count and last change, the agencies) for readers nobody signed in; a kept
    page is answered on the event loop, anything to read or render in the thread pool."""
    hit = render_cache.cached(request, ("home",), lambda stamp: ("home", stamp))
    return hit if hit is not None else await run_in_threadpool(_home_answer, request, db)


def _home_answer(request: Request, db: Db) -> Response:
    if not render_cache.shared_reader(request):
        return render_cache.respond_personal(request, _home(request, db))

    def read_stamp() -> tuple:
        agencies = tuple((a.id, a.name, a.level, a.region_code) for a in regions.list_agencies(db_session=db))
        return (service.change_stamp(db_session=db), agencies)

    stamp = render_cache.stamp(request, ("home",), read_stamp)

    def fresh() -> render_cache.Rendered:
        response = _home(request, db, csrf="")  # the anonymous home has no form: no token shown or set
        return render_cache.rendered(response.body, response.media_type)

    return render_cache.respond(request, render_cache.cache_of(request).get_or_render(render_cache.page_key(request, "home", stamp), fresh))


def _home(request: Request, db: Db, **shared) -> HTMLResponse:
    person = service.facet_counts(db_session=db, facet="theme", audience="person")
    org = service.facet_counts(db_session=db, facet="theme", audience="org")
    stages = service.facet_counts(db_session=db, facet="life_stage")
    agencies = regions.list_agencies(db_session=db)
    counts = service.agency_item_counts(db_session=db)
    latest, total = service.list_items(db_session=db, filters=service.ItemFilter(), limit=8, offset=0)
    return render(
        request,
        "home.html",
        person_themes=[(code, name, person[code]) for code, name in PERSON_THEMES.items() if person.get(code)],
        org_themes=[(code, name, org[code]) for code, name in ORG_THEMES.items() if org.get(code)],
        stage_groups={
            group: [(code, name, stages.get(code, 0)) for code, name in names.items() if stages.get(code)]
            for group, names in LIFE_STAGE_GROUPS.items()
        },
        agencies=[(a, counts.get(a.id, 0)) for a in agencies if counts.get(a.id)],
        levels=[(lv, n) for lv, n in service.level_counts(db_session=db).items()],
        item_types=[(ItemType(t), n) for t, n in service.type_counts(db_session=db).items()],
        latest=[presenters.summary(i) for i in latest],
        total=total,
        Level=Level,
        **shared,
    )


@router.get("/agencies", response_class=HTMLResponse)
def agencies(request: Request, db: Db) -> HTMLResponse:
    counts = service.agency_item_counts(db_session=db)
    grouped: dict[str, list] = {}
    for agency in regions.list_agencies(db_session=db):
        name = regions.region_full_name(db_session=db, code=agency.region_code)
        grouped.setdefault(f"{Level(agency.level).label} · {name}", []).append((agency, counts.get(agency.id, 0)))
    return render(request, "agencies.html", grouped=grouped)
