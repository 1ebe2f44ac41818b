"""The credit desk for staff: the cases credit treated, instant approvals still to decide first (CRED-04)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from tongban.accounts.access import Permission, StaffActor, region_prefix
from tongban.baselib.service import CreditGrade
from tongban.cases import reads as case_reads
from tongban.core.clock import Clock
from tongban.core.errors import NotFound
from tongban.credit import pledges
from tongban.credit.approval import treatment_of
from tongban.credit.enums import ListKind
from tongban.credit.models import CreditTreatment
from tongban.supervision import deadlines

OPEN_STATES = {"submitted", "supplement_requested", "accepted", "accepted_with_deficiency", "under_review",
               "special_procedure"}


@dataclass(frozen=True)
class TreatmentView:
    case_id: int
    case_number: str
    item_name: str
    state: str
    grade: str
    grade_label: str
    grade_source: str
    treatments: list[str]
    treatment_labels: list[str]
    note: str
    decide_by: date | None
    warning: str | None  # yellow / red while an instant approval is undecided

    @property
    def instant(self) -> bool:
        return ListKind.instant.value in self.treatments


def _view(db_session: Session, clock: Clock, row: CreditTreatment, facts) -> TreatmentView:
    kinds = [ListKind(k) for k in row.treatments.split(",") if k]
    open_ = facts is not None and facts.state in OPEN_STATES
    level = deadlines.level(db_session=db_session, today=clock.today(), due=row.decide_by, yellow_days=0) \
        if row.decide_by and open_ else None
    return TreatmentView(
        case_id=row.case_id, case_number=(facts.case_number if facts else "") or "", item_name=facts.item_name if facts else "",
        state=facts.state if facts else "", grade=row.grade, grade_label=CreditGrade(row.grade).label if row.grade else "无记录",
        grade_source=row.grade_source, treatments=[k.value for k in kinds], treatment_labels=[k.label for k in kinds],
        note=row.note, decide_by=row.decide_by, warning=level.value if level else None,
    )


def treatments(*, db_session: Session, clock: Clock, actor: StaffActor, limit: int = 200) -> list[TreatmentView]:
    """The treated cases of the actor's agency (or region), undecided instant approvals first, then the newest."""
    pledges.require_case_staff(actor, agency_id=actor.agency_id, region_code=actor.region_code)
    query = select(CreditTreatment).where(CreditTreatment.region_code.startswith(region_prefix(actor.region_code)))
    if actor.agency_id is not None and not actor.has(Permission.supervise):
        query = query.where(CreditTreatment.agency_id == actor.agency_id)
    rows = list(db_session.scalars(query.order_by(CreditTreatment.id.desc()).limit(limit)))
    facts = case_reads.cases_by_id(db_session=db_session, case_ids=[r.case_id for r in rows])
    views = [_view(db_session, clock, r, facts.get(r.case_id)) for r in rows]
    return sorted(views, key=lambda v: (not (v.instant and v.state in OPEN_STATES), v.decide_by or date.max))


def treatment(*, db_session: Session, clock: Clock, actor: StaffActor, case_id: int) -> TreatmentView:
    row = treatment_of(db_session=db_session, case_id=case_id)
    if row is None:
        raise NotFound("NO_CREDIT_TREATMENT", "该办件未选择信用审批")
    pledges.require_case_staff(actor, agency_id=row.agency_id, region_code=row.region_code)
    facts = case_reads.cases_by_id(db_session=db_session, case_ids=[case_id]).get(case_id)
    return _view(db_session, clock, row, facts)
