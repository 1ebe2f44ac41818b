"""The staff JSON API of credit: lists, the cases credit treated, pledge checks, exclusions and repair review
(/api/v1/staff/credit)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from tongban.accounts.access import region_prefix
from tongban.credit import desk, lists, pledges, presenters
from tongban.credit.schemas import (CheckIn, CheckOut, Checks, ExclusionOut, Exclusions, ListEntries, ListEntryIn,
                                    ListEntryOut, RepairIn, ReviewIn, TreatmentOut, Treatments)
from tongban.web.deps import Db, Id, Now, Staff

router = APIRouter(prefix="/api/v1/staff/credit", tags=["credit-staff"])


@router.get("/lists", response_model=ListEntries, summary="信用审批事项清单（本地区）")
def list_entries(db: Db, actor: Staff, kind: Annotated[str, Query(max_length=20)] = "") -> ListEntries:
    rows = lists.entries(db_session=db, list_kind=kind, region_prefix=region_prefix(actor.region_code))
    return ListEntries(items=[presenters.entry(e) for e in rows])


@router.post("/lists", response_model=ListEntryOut, status_code=201, summary="把事项列入清单（事项编辑）")
def add_entry(body: ListEntryIn, db: Db, clock: Now, actor: Staff) -> ListEntryOut:
    row = lists.add(db_session=db, clock=clock, actor=actor, item_id=body.item_id, list_kind=body.list_kind,
                    check_days=body.check_days, note=body.note)
    db.commit()
    found = next(e for e in lists.entries(db_session=db, list_kind=row.list_kind) if e.id == row.id)
    return presenters.entry(found)


@router.delete("/lists/{entry_id}", status_code=204, summary="移出清单（事项编辑）")
def remove_entry(entry_id: Id, db: Db, clock: Now, actor: Staff) -> Response:
    lists.remove(db_session=db, clock=clock, actor=actor, entry_id=entry_id)
    db.commit()
    return Response(status_code=204)


@router.get("/cases", response_model=Treatments, summary="适用信用审批的办件（即审即批待决定的在前）")
def treated_cases(db: Db, clock: Now, actor: Staff) -> Treatments:
    return Treatments(items=[presenters.treatment(v) for v in desk.treatments(db_session=db, clock=clock, actor=actor)])


@router.get("/cases/{case_id}", response_model=TreatmentOut, summary="一个办件的信用审批情况")
def treated_case(case_id: Id, db: Db, clock: Now, actor: Staff) -> TreatmentOut:
    return presenters.treatment(desk.treatment(db_session=db, clock=clock, actor=actor, case_id=case_id))


@router.get("/checks", response_model=Checks, summary="告知承诺事后核查（到期早的在前）")
def pledge_checks(db: Db, clock: Now, actor: Staff, state: Annotated[str, Query(max_length=10)] = "pending") -> Checks:
    rows = pledges.checks(db_session=db, actor=actor, state=state)
    return Checks(items=[presenters.check(db, clock, c) for c in rows])


@router.post("/checks/{check_id}", response_model=CheckOut, summary="记录核查结果：属实，或不实（写明理由）")
def record_check(check_id: Id, body: CheckIn, db: Db, clock: Now, actor: Staff) -> CheckOut:
    row = pledges.record_check(db_session=db, clock=clock, actor=actor, check_id=check_id, truthful=body.truthful,
                               finding=body.finding)
    db.commit()
    return presenters.check(db, clock, row)


@router.get("/exclusions", response_model=Exclusions, summary="信用限制（不实承诺）及其修复")
def exclusion_list(db: Db, actor: Staff, all: bool = False) -> Exclusions:
    rows = pledges.exclusions(db_session=db, actor=actor, include_lifted=all)
    return Exclusions(items=[presenters.exclusion(db, x) for x in rows])


@router.post("/exclusions/{exclusion_id}/repair", response_model=ExclusionOut, status_code=201,
             summary="代为登记信用修复申请（法人、窗口）")
def register_repair(exclusion_id: Id, body: RepairIn, db: Db, clock: Now, actor: Staff) -> ExclusionOut:
    pledges.apply_repair(db_session=db, clock=clock, exclusion_id=exclusion_id, evidence=body.evidence, subject_hash=None,
                         staff=actor)
    db.commit()
    return presenters.exclusion(db, pledges.exclusion(db_session=db, exclusion_id=exclusion_id))


@router.post("/repairs/{repair_id}/review", response_model=ExclusionOut, summary="审核信用修复：通过则解除限制")
def review_repair(repair_id: Id, body: ReviewIn, db: Db, clock: Now, actor: Staff) -> ExclusionOut:
    repair = pledges.review_repair(db_session=db, clock=clock, actor=actor, repair_id=repair_id, approve=body.approve,
                                   note=body.note)
    db.commit()
    return presenters.exclusion(db, pledges.exclusion(db_session=db, exclusion_id=repair.exclusion_id))
