"""JSON routes of search: /api/v1/search, /search/suggest, /search/hot, /search/click (thin)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from sqlalchemy.orm import Session

from tongban.core.clock import Clock
from tongban.search import service, views
from tongban.search.schemas import ClickIn, FacetValueOut, HitOut, HotItemOut, HotOut, HotQueryOut, SearchOut, SuggestionOut, SuggestOut
from tongban.web.deps import get_clock, get_db

router = APIRouter(prefix="/api/v1/search", tags=["search"])
Db = Annotated[Session, Depends(get_db)]
Now = Annotated[Clock, Depends(get_clock)]


def get_hub(request: Request) -> service.SearchHub:
    return request.app.state.search_hub


Hub = Annotated[service.SearchHub, Depends(get_hub)]


def to_out(db: Session, view: views.SearchView) -> SearchOut:
    facets = {
        name: [FacetValueOut(value=v, label=views.facet_label(db, name, v), count=n) for v, n in sorted(values.items(), key=lambda kv: -kv[1])]
        for name, values in view.facets.items()
    }
    return SearchOut(
        q=view.q,
        total=view.total,
        page=view.page,
        size=view.size,
        hits=[HitOut(**h.__dict__) for h in view.hits],
        facets=facets,
        did_you_mean=view.did_you_mean,
        understood=view.understood,
        filters=view.filters,
    )


@router.get("", response_model=SearchOut, summary="一站式检索：事项、常见问题、政策法规、通知公告")
def search(
    db: Db,
    clock: Now,
    hub: Hub,
    q: Annotated[str, Query(max_length=200, description="检索词，可用口语、拼音或首字母")] = "",
    page: Annotated[int, Query(description="页码，从 1 开始")] = 1,
    size: Annotated[int, Query(description="每页条数，1–50")] = 10,
    near: Annotated[str | None, Query(description="用户所在区划代码，同地事项优先")] = None,
    kind: str | None = None,
    audience: str | None = None,
    region: str | None = None,
    level: str | None = None,
    agency: str | None = None,
    theme: str | None = None,
    life_stage: str | None = None,
    tag: str | None = None,
    handling_form: str | None = None,
    handling_scope: str | None = None,
    item_type: str | None = None,
    nature: str | None = None,
) -> SearchOut:
    filters = {
        "kind": kind, "audience": audience, "region": region, "level": level, "agency": agency, "theme": theme,
        "life_stage": life_stage, "tag": tag, "handling_form": handling_form, "handling_scope": handling_scope,
        "item_type": item_type, "nature": nature,
    }
    params = views.SearchParams(q=q, filters={k: v for k, v in filters.items() if v}, region=near, page=page, size=size, channel="api")
    view = views.run(db_session=db, clock=clock, hub=hub, params=params)
    db.commit()
    return to_out(db, view)


@router.get("/suggest", response_model=SuggestOut, summary="输入提示：按字、全拼或首字母给出事项名称")
def suggest(db: Db, clock: Now, hub: Hub, q: Annotated[str, Query(max_length=60)] = "", limit: Annotated[int, Query(ge=1, le=20)] = 8) -> SuggestOut:
    engine = hub.engine_for(db, clock)
    return SuggestOut(q=q, suggestions=[SuggestionOut(text=s.text, url=s.url, kind=s.kind) for s in engine.suggest(q, limit=limit)])


@router.get("/hot", response_model=HotOut, summary="热门检索词与热门事项（来自近 30 天的检索与点击记录）")
def hot(db: Db, clock: Now, hub: Hub, limit: Annotated[int, Query(ge=1, le=50)] = 10) -> HotOut:
    lists = views.hot_lists(db_session=db, clock=clock, hub=hub, limit=limit)
    return HotOut(
        searches=[HotQueryOut(query=h.query, count=h.count) for h in lists.searches],
        items=[HotItemOut(key=doc.key, title=doc.title, url=doc.url, count=n) for doc, n in lists.items],
    )


@router.post("/click", status_code=204, summary="记录用户打开了哪条检索结果（用于热门事项与排序）")
def click(body: ClickIn, db: Db, clock: Now) -> None:
    service.log_click(db_session=db, clock=clock, q=body.q, doc_key=body.key, position=body.position)
    db.commit()
