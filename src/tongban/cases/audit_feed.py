"""Recent case steps for the staff audit page: the case event record is the audit trail of case handling (003 操作审计)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from tongban.accounts.access import StaffActor
from tongban.cases.enums import EventKind
from tongban.cases.models import Case, CaseEvent
from tongban.cases.queues import visible


@dataclass(frozen=True)
class Step:
    """One step of one case, as the audit page lists it."""

    at: datetime
    case_id: int
    case_number: str
    kind: str
    label: str
    actor_ref: str
    actor_name: str
    reason: str


def recent_steps(*, db_session: Session, actor: StaffActor, limit: int) -> list[Step]:
    """The latest steps of the cases the staff member may see (their agency's, or their region's), newest first."""
    query = (
        select(CaseEvent, Case.case_number)
        .join(Case, Case.id == CaseEvent.case_id)
        .where(visible(actor))
        .order_by(CaseEvent.id.desc())
        .limit(limit)
    )
    return [
        Step(at=event.at, case_id=event.case_id, case_number=number or f"#{event.case_id}", kind=event.kind,
             label=_label(event.kind), actor_ref=event.actor_ref, actor_name=event.actor_name, reason=event.reason or "")
        for event, number in db_session.execute(query)
    ]


def _label(kind: str) -> str:
    try:
        return EventKind(kind).label
    except ValueError:  # a kind from a newer release read by an older one
        return "办件环节"
