"""The staff JSON API of policies: policies, their dry run, matching and grants (/api/v1/staff/benefits)."""

from __future__ import annotations

from fastapi import APIRouter

from tongban.policies import presenters, service
from tongban.policies.schemas import DryRunOut, MatchOut, PolicyIn, PolicyList, PolicyOut, StaffGrantList
from tongban.web.deps import Db, Id, Library, Now, Staff

router = APIRouter(prefix="/api/v1/staff/benefits", tags=["policies-staff"])


def _policy_in(body: PolicyIn) -> service.PolicyIn:
    return service.PolicyIn(name=body.name, benefit=body.benefit, agency_id=body.agency_id, region_code=body.region_code,
                            notice_days=body.notice_days, basis=body.basis,
                            conditions=[c.model_dump() for c in body.conditions])


@router.get("", response_model=PolicyList, summary="免申即享政策")
def policies(db: Db, actor: Staff) -> PolicyList:
    return PolicyList(items=[presenters.policy(db, p) for p in service.list_for_staff(db_session=db, actor=actor)])


@router.post("", response_model=PolicyOut, status_code=201, summary="新建政策（条件在保存时校验）")
def create(body: PolicyIn, db: Db, clock: Now, actor: Staff) -> PolicyOut:
    policy = service.create(db_session=db, clock=clock, actor=actor, policy_in=_policy_in(body))
    db.commit()
    return presenters.policy(db, policy)


@router.get("/{policy_id}", response_model=PolicyOut, summary="一项政策")
def get_policy(policy_id: Id, db: Db, actor: Staff) -> PolicyOut:
    return presenters.policy(db, service.get_for_staff(db_session=db, actor=actor, policy_id=policy_id))


@router.put("/{policy_id}", response_model=PolicyOut, summary="修改政策")
def update(policy_id: Id, body: PolicyIn, db: Db, clock: Now, actor: Staff) -> PolicyOut:
    policy = service.update(db_session=db, clock=clock, actor=actor, policy_id=policy_id, policy_in=_policy_in(body))
    db.commit()
    return presenters.policy(db, policy)


@router.get("/{policy_id}/dry-run", response_model=DryRunOut, summary="试算：符合条件的人（脱敏），不发放")
def dry_run(policy_id: Id, db: Db, clock: Now, actor: Staff, library: Library) -> DryRunOut:
    policy = service.get_for_staff(db_session=db, actor=actor, policy_id=policy_id)
    return presenters.dry_run(service.dry_run(db_session=db, clock=clock, library=library, policy=policy))


@router.post("/{policy_id}/match", response_model=MatchOut, summary="匹配并告知：告知期满未放弃的自动发放")
def match(policy_id: Id, db: Db, clock: Now, actor: Staff, library: Library) -> MatchOut:
    policy = service.get_for_staff(db_session=db, actor=actor, policy_id=policy_id)
    result = service.match(db_session=db, clock=clock, library=library, policy=policy, by=actor.ref)
    db.commit()
    return MatchOut(**result.__dict__)


@router.get("/{policy_id}/grants", response_model=StaffGrantList, summary="已告知、已放弃和已发放的人（脱敏）")
def grants(policy_id: Id, db: Db, actor: Staff) -> StaffGrantList:
    rows = service.grants_of(db_session=db, actor=actor, policy_id=policy_id)
    return StaffGrantList(items=[presenters.staff_grant(g) for g in rows])
