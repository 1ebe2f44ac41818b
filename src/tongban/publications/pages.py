"""Public pages of policies, laws and regulations, and announcements (003 我要看 政策法规与通知公告)."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from tongban.publications import service
from tongban.publications.enums import PublicationKind
from tongban.web.deps import Db
from tongban.web.rendering import render

router = APIRouter(include_in_schema=False)
PAGE = 15


def paragraphs(text: str) -> list[str]:
    """Body text is plain text; each non-empty line is one paragraph."""
    return [line.strip() for line in text.splitlines() if line.strip()]


@router.get("/publications", response_class=HTMLResponse)
def publication_list(
    request: Request,
    db: Db,
    kind: PublicationKind | None = None,
    page: Annotated[int, Query(ge=1, le=10000)] = 1,
) -> HTMLResponse:
    rows, total = service.list_published(db_session=db, kind=kind, limit=PAGE, offset=(page - 1) * PAGE)
    counts = service.kind_counts(db_session=db)

    def page_url(n: int) -> str:
        return "/publications?" + urlencode({**({"kind": kind.value} if kind else {}), "page": n})

    return render(
        request,
        "publications/list.html",
        rows=rows,
        total=total,
        page=page,
        pages=max(1, -(-total // PAGE)),
        page_url=page_url,
        kind=kind,
        tabs=[(k, counts.get(k.value, 0)) for k in PublicationKind],
        all_count=sum(counts.values()),
        PublicationKind=PublicationKind,
    )


@router.get("/publications/{publication_id}", response_class=HTMLResponse)
def publication_detail(publication_id: int, request: Request, db: Db) -> HTMLResponse:
    row = service.get(db_session=db, publication_id=publication_id)
    return render(
        request,
        "publications/detail.html",
        p=row,
        kind=PublicationKind(row.kind),
        summary=paragraphs(row.summary),
        body=paragraphs(row.body),
    )
