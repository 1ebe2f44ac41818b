"""The public JSON API of credit: the item lists, my credit restrictions and applying for repair (/api/v1/credit)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from tongban.credit import lists, pledges, presenters
from tongban.credit.schemas import ExclusionOut, Exclusions, ListEntries, RepairIn
from tongban.web.deps import Db, Id, Me, Now

router = APIRouter(prefix="/api/v1/credit", tags=["credit"])


@router.get("/lists", response_model=ListEntries, summary="信用审批事项清单：即审即批、免审、容缺受理、告知承诺")
def credit_lists(db: Db, kind: Annotated[str, Query(max_length=20)] = "",
                 region: Annotated[str, Query(max_length=12, pattern=r"^\d*$")] = "") -> ListEntries:
    rows = lists.entries(db_session=db, list_kind=kind, region_prefix=region, public=True)
    return ListEntries(items=[presenters.entry(e) for e in rows])


@router.get("/mine", response_model=Exclusions, summary="我的信用限制（不实承诺）和信用修复")
def my_credit(db: Db, me: Me) -> Exclusions:
    return Exclusions(items=[presenters.exclusion(db, x) for x in pledges.mine(db_session=db, actor=me)])


@router.post("/exclusions/{exclusion_id}/repair", response_model=ExclusionOut, status_code=201, summary="申请信用修复")
def apply_repair(exclusion_id: Id, body: RepairIn, db: Db, clock: Now, me: Me) -> ExclusionOut:
    repair = pledges.apply_repair(db_session=db, clock=clock, exclusion_id=exclusion_id, evidence=body.evidence,
                                  subject_hash=pledges.person_key(db_session=db, actor=me), person=me)
    db.commit()
    return presenters.exclusion(db, pledges.exclusion(db_session=db, exclusion_id=repair.exclusion_id))
