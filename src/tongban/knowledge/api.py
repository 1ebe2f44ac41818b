"""Public JSON routes of the knowledge base: published, valid FAQ entries (/api/v1/faq)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from tongban.knowledge import presenters, service
from tongban.knowledge.schemas import PublicFaqListOut, PublicFaqOut
from tongban.web.deps import Db, Id, Now

router = APIRouter(prefix="/api/v1/faq", tags=["knowledge"])


@router.get("", response_model=PublicFaqListOut, summary="常见问题：全部，或按问题查找（q）")
def list_faq(
    db: Db, clock: Now,
    q: Annotated[str, Query(max_length=service.QUERY_MAX, description="用自己的话写问题，如“开饭馆要带什么材料”")] = "",
    limit: Annotated[int, Query(ge=1, le=service.MAX_LIMIT)] = 20,
    offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
) -> PublicFaqListOut:
    rows, total = service.list_public(db_session=db, clock=clock, q=q, limit=limit, offset=offset)
    return PublicFaqListOut(items=[presenters.public_out(db, r.version, r.score if q.strip() else None) for r in rows],
                            total=total)


@router.get("/{entry_id}", response_model=PublicFaqOut, summary="一条常见问题及其答复")
def get_faq(entry_id: Id, db: Db, clock: Now) -> PublicFaqOut:
    return presenters.public_out(db, service.get_public(db_session=db, clock=clock, entry_id=entry_id))
