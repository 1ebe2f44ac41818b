"""How credit rows become what pages and the API show."""

from __future__ import annotations

from sqlalchemy.orm import Session

from tongban.core.clock import Clock
from tongban.credit import desk, lists, pledges
from tongban.credit.enums import CheckState, ExclusionState, RepairState
from tongban.credit.models import CreditExclusion, CreditRepair, PledgeCheck
from tongban.credit.schemas import CheckOut, ExclusionOut, ListEntryOut, RepairOut, TreatmentOut
from tongban.supervision import deadlines


def entry(e: lists.Entry) -> ListEntryOut:
    return ListEntryOut(id=e.id, item_id=e.item_id, item_name=e.item_name, agency_name=e.agency_name,
                        region_code=e.region_code, list_kind=e.list_kind.value, list_label=e.list_kind.label,
                        check_days=e.check_days, note=e.note)


def treatment(v: desk.TreatmentView) -> TreatmentOut:
    return TreatmentOut(**{k: getattr(v, k) for k in TreatmentOut.model_fields})


def check(db_session: Session, clock: Clock, c: PledgeCheck) -> CheckOut:
    level = deadlines.level(db_session=db_session, today=clock.today(), due=c.due_on) \
        if c.state == CheckState.pending.value else None
    return CheckOut(id=c.id, case_id=c.case_id, subject=c.subject_masked, due_on=c.due_on, state=c.state,
                    state_label=CheckState(c.state).label, finding=c.finding, checked_by=c.checked_by,
                    checked_at=c.checked_at, warning=level.value if level else None)


def repair(r: CreditRepair) -> RepairOut:
    return RepairOut(id=r.id, state=r.state, state_label=RepairState(r.state).label, evidence=r.evidence,
                     submitted_at=r.submitted_at, reviewed_at=r.reviewed_at, review_note=r.review_note)


def exclusion(db_session: Session, x: CreditExclusion) -> ExclusionOut:
    return ExclusionOut(id=x.id, subject=x.subject_masked, reason=x.reason, state=x.state,
                        state_label=ExclusionState(x.state).label, created_at=x.created_at, lifted_at=x.lifted_at,
                        repairs=[repair(r) for r in pledges.repairs_of(db_session=db_session, exclusion_id=x.id)])
