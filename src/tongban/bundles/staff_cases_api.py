"""The staff JSON API of bundle cases (BND-07): the lead window's queue, one bundle case, one acceptance, the unified
hand-over (/api/v1/staff/bundle-cases)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from tongban.bundles import case_presenters, handling, together
from tongban.bundles.case_schemas import AcceptIn, BundleCaseListOut, BundleCaseOut, HandOverIn
from tongban.web.deps import Db, Id, Now, Staff

router = APIRouter(prefix="/api/v1/staff/bundle-cases", tags=["bundles-staff"])
STATES = ("submitted", "accepted", "held", "ready", "delivered", "refused", "withdrawn")


@router.get("", response_model=BundleCaseListOut, summary="牵头部门的一件事办件（可按状态筛选）")
def queue(db: Db, actor: Staff, state: Annotated[str | None, Query(max_length=20, pattern="^[a-z]+$")] = None) -> BundleCaseListOut:
    states = (state,) if state in STATES else None
    rows = handling.lead_queue(db_session=db, actor=actor, states=states)
    return BundleCaseListOut(bundle_cases=[case_presenters.detail(db, r) for r in rows])


@router.get("/{bundle_case_id}", response_model=BundleCaseOut, summary="一件事办件详情")
def one(bundle_case_id: Id, db: Db, actor: Staff) -> BundleCaseOut:
    return case_presenters.detail(db, handling.for_staff(db_session=db, actor=actor, bundle_case_id=bundle_case_id))


@router.post("/{bundle_case_id}/accept", response_model=BundleCaseOut, summary="统一受理：一次受理全部可开始的事项")
def accept(bundle_case_id: Id, db: Db, clock: Now, actor: Staff, body: AcceptIn | None = None) -> BundleCaseOut:
    body = body or AcceptIn()
    row = handling.for_staff(db_session=db, actor=actor, bundle_case_id=bundle_case_id)
    handling.accept(db_session=db, clock=clock, actor=actor, bundle_case=row, on_site=body.on_site, on_site_at=body.on_site_at)
    db.commit()
    return case_presenters.detail(db, row)


@router.post("/{bundle_case_id}/originals-checked", response_model=BundleCaseOut, summary="原件已核验：记录到全部须核验的事项")
def originals(bundle_case_id: Id, db: Db, clock: Now, actor: Staff) -> BundleCaseOut:
    row = handling.for_staff(db_session=db, actor=actor, bundle_case_id=bundle_case_id)
    handling.originals_checked(db_session=db, clock=clock, actor=actor, bundle_case=row)
    db.commit()
    return case_presenters.detail(db, row)


@router.post("/{bundle_case_id}/deliver", response_model=BundleCaseOut, summary="统一出件：全部办结后一次交付全部办理结果")
def deliver(bundle_case_id: Id, body: HandOverIn, db: Db, clock: Now, actor: Staff) -> BundleCaseOut:
    row = handling.for_staff(db_session=db, actor=actor, bundle_case_id=bundle_case_id)
    together.hand_over(db_session=db, clock=clock, actor=actor, bundle_case=row, **body.model_dump())
    db.commit()
    return case_presenters.detail(db, row)
