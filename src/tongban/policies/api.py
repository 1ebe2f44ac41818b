"""The public JSON API of policies: the benefits offered to me, and declining one (/api/v1/policies)."""

from __future__ import annotations

from fastapi import APIRouter

from tongban.policies import presenters, service
from tongban.policies.schemas import DeclineIn, GrantList, GrantOut
from tongban.web.deps import Db, Id, Me, Now

router = APIRouter(prefix="/api/v1/policies", tags=["policies"])


@router.get("/mine", response_model=GrantList, summary="我的免申即享待遇")
def my_grants(db: Db, me: Me) -> GrantList:
    return GrantList(items=[presenters.grant(g, p) for g, p in service.mine(db_session=db, actor=me)])


@router.post("/grants/{grant_id}/decline", response_model=GrantOut, summary="告知期内放弃一项待遇")
def decline(grant_id: Id, body: DeclineIn, db: Db, clock: Now, me: Me) -> GrantOut:
    grant = service.decline(db_session=db, clock=clock, actor=me, grant_id=grant_id, reason=body.reason)
    db.commit()
    return presenters.grant(grant, service.get(db_session=db, policy_id=grant.policy_id))
