"""Guide pages: the full guide, the self-service print sheet and the version history (GUIDE-01…05)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from markupsafe import Markup
from sqlalchemy.orm import Session

from tongban.catalog import service
from tongban.guide import flow, pdf
from tongban.guide.service import build_view
from tongban.web.deps import get_db
from tongban.web.pages import render

router = APIRouter(include_in_schema=False)
Db = Annotated[Session, Depends(get_db)]


@router.get("/items/{item_id}", response_class=HTMLResponse)
def guide_page(item_id: int, request: Request, db: Db) -> HTMLResponse:
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
    )


@router.get("/items/{item_id}/print", response_class=HTMLResponse)
def print_page(item_id: int, request: Request, db: Db) -> HTMLResponse:
    view = build_view(db_session=db, item_id=item_id, base_url=str(request.base_url))
    return render(request, "guide/print.html", v=view, lines=pdf.print_lines(view))


@router.get("/items/{item_id}/history", response_class=HTMLResponse)
def history_page(item_id: int, request: Request, db: Db) -> HTMLResponse:
    item = service.get_item(db_session=db, item_id=item_id)
    published = [v for v in service.history(db_session=db, item_id=item_id) if v.state in ("published", "superseded")]
    return render(request, "guide/history.html", item=item, versions=published)
