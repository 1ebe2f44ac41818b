"""How policies and grants become what pages and the API show."""

from __future__ import annotations

import json

from sqlalchemy.orm import Session

from tongban.accounts.identity import mask_name
from tongban.catalog import reads as catalog_reads
from tongban.policies import rules, service
from tongban.policies.models import Policy, PolicyGrant
from tongban.policies.schemas import DryRunOut, EligibleOut, GrantOut, PolicyOut, StaffGrantOut

STATE_LABELS = {"offered": "告知期内（到期自动发放）", "declined": "已放弃", "granted": "已发放"}


def policy(db_session: Session, p: Policy) -> PolicyOut:
    agency = catalog_reads.find_agency(db_session=db_session, agency_id=p.agency_id)
    conditions = rules.parse(p.conditions)
    return PolicyOut(id=p.id, name=p.name, benefit=p.benefit, agency_id=p.agency_id, agency_name=agency.name if agency else "",
                     region_code=p.region_code, notice_days=p.notice_days, conditions=[c.as_dict() for c in conditions],
                     conditions_text=[c.describe() for c in conditions], basis=p.basis, status=p.status)


def dry_run(result: service.DryRun) -> DryRunOut:
    return DryRunOut(policy_id=result.policy_id, eligible=result.eligible, already_offered=result.already_offered,
                     people=[EligibleOut(id_masked=e.id_masked, name_masked=e.name_masked, data=e.data) for e in result.shown])


def grant(g: PolicyGrant, p: Policy) -> GrantOut:
    return GrantOut(id=g.id, policy_id=p.id, policy_name=p.name, benefit=p.benefit, state=g.state,
                    state_label=STATE_LABELS[g.state], offered_at=g.offered_at, grant_on=g.grant_on, decided_at=g.decided_at,
                    decline_reason=g.decline_reason)


def staff_grant(g: PolicyGrant) -> StaffGrantOut:
    return StaffGrantOut(id=g.id, id_masked=g.id_masked, name_masked=mask_name(g.name), state=g.state,
                         state_label=STATE_LABELS[g.state], notified=g.notified, grant_on=g.grant_on, data=json.loads(g.data))
