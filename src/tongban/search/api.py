"""JSON routes of search: /api/v1/search, /search/suggest, /search/hot, /search/click, staff hot-search review (thin)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from sqlalchemy.orm import Session

from tongban.search import service, pipeline
from tongban.search.query import MAX_QUERY_CHARS
from tongban.search.schemas import (
    ClickIn, FacetValueOut, HideIn, HitOut, HotItemOut, HotOut, HotQueryOut, HotReviewOut, SearchOut, SuggestionOut, SuggestOut,
)
from tongban.web.deps import Db, Hub, Now, Staff, client_ip

router = APIRouter(tags=["search"])
API = "/api/v1/search"
STAFF_API = "/api/v1/staff/search/hot"




def to_out(db: Session, view: pipeline.SearchView) -> SearchOut:
    facets = {
        name: [FacetValueOut(value=v, label=pipeline.facet_label(db, name, v), count=n) for v, n in sorted(values.items(), key=lambda kv: -kv[1])]
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


@router.get(API, response_model=SearchOut, summary="一站式检索：事项、常见问题、政策法规、通知公告")
def search(
    db: Db,
    clock: Now,
    hub: Hub,
    # No max_length here: the length rule and its message are the one the results page gives (pipeline.check_params).
    q: Annotated[str, Query(description=f"检索词，可用口语、拼音或首字母，最多 {MAX_QUERY_CHARS} 个字")] = "",
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
    params = pipeline.SearchParams(q=q, filters={k: v for k, v in filters.items() if v}, region=near, page=page, size=size, channel="api")
    view = pipeline.run(db_session=db, clock=clock, hub=hub, params=params)
    db.commit()
    return to_out(db, view)


@router.get(f"{API}/suggest", response_model=SuggestOut, summary="输入提示：按字、全拼或首字母给出事项名称")
def suggest(db: Db, clock: Now, hub: Hub, q: Annotated[str, Query(max_length=MAX_QUERY_CHARS)] = "", limit: Annotated[int, Query(ge=1, le=20)] = 8) -> SuggestOut:
    engine = hub.engine_for(db, clock)
    return SuggestOut(q=q, suggestions=[SuggestionOut(text=s.text, url=s.url, kind=s.kind) for s in engine.suggest(q, limit=limit)])


@router.get(f"{API}/hot", response_model=HotOut, summary="热门检索词（近 30 天多位访客检索到并打开了结果）与热门事项")
def hot(db: Db, clock: Now, hub: Hub, limit: Annotated[int, Query(ge=1, le=50)] = 10) -> HotOut:
    lists = pipeline.hot_lists(db_session=db, clock=clock, hub=hub, limit=limit)
    return HotOut(
        searches=[HotQueryOut(query=h.query, count=h.count) for h in lists.searches],
        items=[HotItemOut(key=doc.key, title=doc.title, url=doc.url, count=n) for doc, n in lists.items],
    )


@router.post(f"{API}/click", status_code=204, summary="记录用户打开了哪条检索结果（用于热门检索、热门事项与排序）")
def click(request: Request, body: ClickIn, db: Db, clock: Now, hub: Hub) -> None:
    service.record_click(db_session=db, clock=clock, hub=hub, q=body.q, doc_key=body.key, position=body.position,
                         visitor=service.visitor_key(client_ip(request)))
    db.commit()


@router.get(STAFF_API, response_model=list[HotReviewOut], summary="工作人员：热门检索词及其访客数、是否已隐藏")
def hot_review(db: Db, clock: Now, actor: Staff) -> list[HotReviewOut]:
    entries = service.hot_search_review(db_session=db, clock=clock, actor=actor)
    return [HotReviewOut(query=e.query, visitors=e.count, hidden=e.hidden) for e in entries]


@router.post(f"{STAFF_API}/hide", status_code=204, summary="工作人员：把检索词从公开的热门检索中隐藏（记入审计）")
def hide(body: HideIn, db: Db, clock: Now, actor: Staff) -> None:
    service.hide_search(db_session=db, clock=clock, actor=actor, query=body.query)
    db.commit()


@router.post(f"{STAFF_API}/show", status_code=204, summary="工作人员：取消隐藏检索词（记入审计）")
def show(body: HideIn, db: Db, clock: Now, actor: Staff) -> None:
    service.show_search(db_session=db, clock=clock, actor=actor, query=body.query)
    db.commit()
