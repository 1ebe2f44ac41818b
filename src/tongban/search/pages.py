"""Search pages: results with facets, click-through, the navigation page, staff review of hot searches (SRCH-03, SRCH-04, SRCH-05, SRCH-07)."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from tongban.catalog import regions
from tongban.catalog import service as catalog_service
from tongban.catalog.enums import Audience, ItemType
from tongban.catalog.taxonomy import ATTRIBUTE_TAGS, LIFE_STAGE_GROUPS, ORG_THEMES, PERSON_THEMES
from tongban.core.errors import DomainError, InvalidInput, NotFound
from tongban.search import service, pipeline
from tongban.search.query import MAX_QUERY_CHARS
from tongban.web.actions import form_action, see_other
from tongban.web.deps import Csrf, Db, Hub, Now, Staff, client_ip
from tongban.web.rendering import render

router = APIRouter(include_in_schema=False)

FILTER_NAMES = ("kind", "audience", "region", "level", "agency", "theme", "life_stage", "tag", "handling_form", "handling_scope", "item_type", "nature")


def search_params(request: Request, q: str = "", page: int = 1, size: int = 10) -> pipeline.SearchParams:
    """Query string → parameters; filters are the known names, checked by the service."""
    filters = {name: request.query_params.get(name, "") for name in FILTER_NAMES if request.query_params.get(name)}
    return pipeline.SearchParams(q=q, filters=filters, page=page, size=size)


FACET_TITLES = {
    "kind": "结果类型",
    "audience": "服务对象",
    "level": "行使层级",
    "agency": "实施机构",
    "theme": "服务主题",
    "life_stage": "生命周期",
    "handling_form": "办理形式",
    "item_type": "事项类型",
}


@router.get("/search", response_class=HTMLResponse)
def search_page(request: Request, db: Db, clock: Now, hub: Hub, q: str = "", page: int = 1) -> HTMLResponse:
    q = q.strip()  # links on the page (pages, filters, results) carry the query as it was checked
    params = search_params(request, q=q, page=page, size=10)
    active = {k: v for k, v in request.query_params.items() if k in FILTER_NAMES and v}
    try:
        view = pipeline.run(db_session=db, clock=clock, hub=hub, params=params)
        error = None
    except DomainError as exc:
        view, error = None, exc.message
    db.commit()

    def url(**changes) -> str:
        query = {"q": q, **active, **changes}
        return "/search?" + urlencode({k: v for k, v in query.items() if v not in (None, "")})

    facets = []
    if view is not None:
        for name, values in view.facets.items():
            if values and (len(values) > 1 or name in active):
                ordered = sorted(values.items(), key=lambda kv: -kv[1])[:12]
                facets.append((name, FACET_TITLES[name], [(v, pipeline.facet_label(db, name, v), n) for v, n in ordered]))
    hot = pipeline.hot_lists(db_session=db, clock=clock, hub=hub, limit=8) if view is None or not q or view.total == 0 else None
    pages = max(1, -(-view.total // view.size)) if view else 1
    return render(
        request,
        "search/results.html",
        status_code=422 if error else 200,
        q=q,
        view=view,
        error=error,
        facets=facets,
        active=active,
        active_labels=[(k, FACET_TITLES.get(k, k), pipeline.facet_label(db, k, v)) for k, v in active.items()],
        url=url,
        page_url=lambda n: url(page=n),
        pages=min(pages, 100),
        hot_searches=hot.searches if hot else [],
        hot_items=hot.items if hot else [],
    )


@router.get("/search/go")
def go(request: Request, db: Db, clock: Now, hub: Hub, key: Annotated[str, Query(max_length=60)], q: Annotated[str, Query(max_length=MAX_QUERY_CHARS)] = "", pos: int = 0) -> Response:
    """Record which result was opened, then open it (hot searches, hot items and ranking learn from this)."""
    return form_action(
        db, lambda: service.record_click(db_session=db, clock=clock, hub=hub, q=q, doc_key=key, position=pos,
                                         visitor=service.visitor_key(client_ip(request))),
        done=lambda doc: see_other(doc.url),
        failed=lambda _: RedirectResponse("/search?" + urlencode({"q": q}), status_code=303),  # "?q=" even when empty
    )


@router.get("/browse", response_class=HTMLResponse)
def browse(request: Request, db: Db, clock: Now, hub: Hub) -> HTMLResponse:
    """Every way in without typing: department, category, nature, audience, theme, life stage, tags."""
    counts = catalog_service.agency_item_counts(db_session=db)
    types = catalog_service.type_counts(db_session=db)
    person = catalog_service.facet_counts(db_session=db, facet="theme", audience="person")
    org = catalog_service.facet_counts(db_session=db, facet="theme", audience="org")
    stages = catalog_service.facet_counts(db_session=db, facet="life_stage")
    tags = catalog_service.facet_counts(db_session=db, facet="tag")
    audiences = catalog_service.facet_counts(db_session=db, facet="audience")
    nature = {"administrative_power": 0, "public_service": 0}
    for item_type, n in types.items():
        nature[ItemType(item_type).nature] += n
    hot = pipeline.hot_lists(db_session=db, clock=clock, hub=hub, limit=8)
    return render(
        request,
        "search/browse.html",
        agencies=[(a, counts[a.id]) for a in regions.list_agencies(db_session=db) if counts.get(a.id)],
        item_types=[(ItemType(t), n) for t, n in types.items()],
        nature=[(k, {"administrative_power": "行政权力事项", "public_service": "公共服务事项"}[k], n) for k, n in nature.items() if n],
        audiences=[(a, audiences.get(a.value, 0)) for a in Audience if audiences.get(a.value)],
        person_themes=[(c, name, person[c]) for c, name in PERSON_THEMES.items() if person.get(c)],
        org_themes=[(c, name, org[c]) for c, name in ORG_THEMES.items() if org.get(c)],
        stage_groups={g: [(c, name, stages[c]) for c, name in names.items() if stages.get(c)] for g, names in LIFE_STAGE_GROUPS.items()},
        tags=[(c, name, tags[c]) for c, name in ATTRIBUTE_TAGS.items() if tags.get(c)],
        hot_searches=hot.searches,
        hot_items=hot.items,
    )


@router.get("/staff/search/hot", response_class=HTMLResponse)
def hot_review_page(request: Request, db: Db, clock: Now, actor: Staff, msg: Annotated[str, Query(max_length=200)] = "") -> HTMLResponse:
    """Staff see every clicked query with its visitors, and hide or show one."""
    entries = service.hot_search_review(db_session=db, clock=clock, actor=actor)
    return render(request, "search/staff_hot.html", actor=actor, entries=entries, msg=msg,
                  min_visitors=service.HOT_MIN_VISITORS, shown={h.query for h in service.hot_searches(db_session=db, clock=clock, limit=50)})


@router.post("/staff/search/hot/{action}")
def hot_review_action(action: str, db: Db, clock: Now, actor: Staff, _csrf: Csrf,
                      query: Annotated[str, Form(max_length=MAX_QUERY_CHARS)] = "") -> RedirectResponse:
    actions = {"hide": (service.hide_search, "已从热门检索中隐藏"), "show": (service.show_search, "已取消隐藏")}
    if action not in actions:
        raise NotFound("NOT_FOUND", "没有这个操作")
    run, done = actions[action]
    try:
        run(db_session=db, clock=clock, actor=actor, query=query)
    except (InvalidInput, NotFound) as exc:
        return RedirectResponse("/staff/search/hot?" + urlencode({"msg": exc.message}), status_code=303)
    db.commit()
    return RedirectResponse("/staff/search/hot?" + urlencode({"msg": f"“{query}”{done}"}), status_code=303)
