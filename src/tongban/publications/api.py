"""JSON routes of publications (/api/v1/publications); thin by design."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from tongban.publications import service
from tongban.publications.enums import PublicationKind
from tongban.publications.schemas import PublicationIn, PublicationListOut, PublicationOut, PublicationSummaryOut
from tongban.web.deps import Db, Now, Staff

router = APIRouter(prefix="/api/v1/publications", tags=["publications"])



@router.get("", response_model=PublicationListOut, summary="政策法规与通知公告列表")
def list_publications(
    db: Db,
    kind: PublicationKind | None = None,
    limit: Annotated[int, Query(ge=1, le=service.MAX_LIMIT)] = 20,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> PublicationListOut:
    rows, total = service.list_published(db_session=db, kind=kind, limit=limit, offset=offset)
    return PublicationListOut(
        items=[PublicationSummaryOut.model_validate(r) for r in rows], total=total, limit=limit, offset=offset
    )


@router.get("/{publication_id}", response_model=PublicationOut, summary="一篇政策法规或公告的全文")
def get_publication(publication_id: int, db: Db) -> PublicationOut:
    return PublicationOut.model_validate(service.get(db_session=db, publication_id=publication_id))


@router.post("", response_model=PublicationOut, status_code=201, summary="发布政策法规或公告（工作人员）")
def create_publication(body: PublicationIn, db: Db, clock: Now, staff: Staff) -> PublicationOut:
    row = service.create(db_session=db, clock=clock, actor=staff, publication_in=body)
    db.commit()
    return PublicationOut.model_validate(row)


@router.put("/{publication_id}", response_model=PublicationOut, summary="修改政策法规或公告（工作人员）")
def update_publication(publication_id: int, body: PublicationIn, db: Db, clock: Now, staff: Staff) -> PublicationOut:
    row = service.update(db_session=db, clock=clock, actor=staff, publication_id=publication_id, publication_in=body)
    db.commit()
    return PublicationOut.model_validate(row)


@router.post("/{publication_id}/withdraw", response_model=PublicationOut, summary="撤回政策法规或公告（工作人员）")
def withdraw_publication(publication_id: int, db: Db, clock: Now, staff: Staff) -> PublicationOut:
    row = service.withdraw(db_session=db, clock=clock, actor=staff, publication_id=publication_id)
    db.commit()
    return PublicationOut.model_validate(row)
