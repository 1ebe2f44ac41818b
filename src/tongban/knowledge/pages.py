"""Public pages of frequent questions (常见问题): /faq and /faq/{id}, published and valid entries only."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from tongban.core.errors import InvalidInput
from tongban.knowledge import presenters, service
from tongban.web.deps import Db, Id, Now
from tongban.web.rendering import render

router = APIRouter(include_in_schema=False)
PAGE = 20


@router.get("/faq", response_class=HTMLResponse)
def faq_list(request: Request, db: Db, clock: Now, q: Annotated[str, Query(max_length=service.QUERY_MAX)] = "",
             page: Annotated[int, Query(ge=1, le=10_000)] = 1) -> HTMLResponse:
    error = ""
    try:
        rows, total = service.list_public(db_session=db, clock=clock, q=q, limit=PAGE, offset=(page - 1) * PAGE)
    except InvalidInput as exc:
        rows, total, error = [], 0, exc.message
    return render(request, "knowledge/faq_list.html", status_code=422 if error else 200, error=error, q=q,
                  faqs=[presenters.public_out(db, r.version) for r in rows], total=total, page=page,
                  pages=max(1, -(-total // PAGE)))


@router.get("/faq/{entry_id}", response_class=HTMLResponse)
def faq_detail(entry_id: Id, request: Request, db: Db, clock: Now) -> HTMLResponse:
    faq = presenters.public_out(db, service.get_public(db_session=db, clock=clock, entry_id=entry_id))
    return render(request, "knowledge/faq_detail.html", faq=faq, answer=presenters.paragraphs(faq.answer))
