"""Guide pages: the full guide, the self-service print sheet and the version history (GUIDE-01…05)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse
from markupsafe import Markup
from starlette.concurrency import run_in_threadpool

from tongban.catalog import service
from tongban.guide import flow, pdf
from tongban.guide import service as guide_service
from tongban.guide.service import build_view
from tongban.guide.presenters import GuideView
from tongban.web import render_cache
from tongban.web.deps import Db
from tongban.web.rendering import render

router = APIRouter(include_in_schema=False)


def _guide_html(request: Request, db: Db, item_id: int, **shared) -> tuple[HTMLResponse, GuideView]:
    view = build_view(db_session=db, item_id=item_id, base_url=str(request.base_url))
    facets = service.facets_of(db_session=db, item_id=item_id)
    return render(
        request,
        "guide/guide.html",
        v=view,
        c=view.content,
        facets=facets,
        flow_svg=Markup(flow.flow_svg(view.content, lang=request.state.lang)),
        flow_text=flow.describe_steps(view.content, lang=request.state.lang),
        **shared,
    ), view


def _print_html(request: Request, db: Db, item_id: int, **shared) -> tuple[HTMLResponse, GuideView]:
    view = build_view(db_session=db, item_id=item_id, base_url=str(request.base_url))
    return render(request, "guide/print.html", v=view, lines=pdf.print_lines(view), **shared), view


def _answer(request: Request, db: Db, item_id: int, kind: str, page) -> Response:
    """The page from the render cache when it is the same for every reader (no person signed in) and the item is
    published; else rendered for this request. Either way with an ETag, and 304 when the reader has it."""
    stamp = None
    if render_cache.shared_reader(request):
        stamp = render_cache.stamp(request, ("page_stamp", item_id), lambda: guide_service.page_stamp(db_session=db, item_id=item_id))
    if stamp is None:
        response, _ = page(request, db, item_id)
        return render_cache.respond_personal(request, response)

    def fresh() -> render_cache.Rendered:
        # csrf="": an anonymous guide has no form, so it neither shows nor sets a token
        response, view = page(request, db, item_id, csrf="")
        return render_cache.rendered(response.body, response.media_type, view.published_at)

    answer = render_cache.cache_of(request).get_or_render(render_cache.page_key(request, kind, item_id, stamp), fresh)
    return render_cache.respond(request, answer)


async def _served(request: Request, db: Db, item_id: int, kind: str, page) -> Response:
    """A kept page answered on the event loop (no database, no thread); anything else in the thread pool."""
    hit = render_cache.cached(request, ("page_stamp", item_id), lambda stamp: (kind, item_id, stamp))
    return hit if hit is not None else await run_in_threadpool(_answer, request, db, item_id, kind, page)


@router.get("/items/{item_id}", response_class=HTMLResponse)
async def guide_page(item_id: int, request: Request, db: Db) -> Response:
    return await _served(request, db, item_id, "guide", _guide_html)


@router.get("/items/{item_id}/print", response_class=HTMLResponse)
async def print_page(item_id: int, request: Request, db: Db) -> Response:
    return await _served(request, db, item_id, "print", _print_html)


@router.get("/items/{item_id}/history", response_class=HTMLResponse)
def history_page(item_id: int, request: Request, db: Db) -> HTMLResponse:
    item = service.get_item(db_session=db, item_id=item_id)
    published = [v for v in service.history(db_session=db, item_id=item_id) if v.state in ("published", "superseded")]
    return render(request, "guide/history.html", item=item, versions=published)
