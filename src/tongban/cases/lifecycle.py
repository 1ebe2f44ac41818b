"""The case state machine: allowed transitions, guards and the append-only event record (002 §8; 004)."""

from __future__ import annotations

import json
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from tongban.cases.enums import CaseState, EventKind
from tongban.cases.models import Case, CaseEvent
from tongban.core.clock import Clock, as_utc
from tongban.core.security import sm3_hex
from tongban.core.errors import Conflict

S = CaseState

# Which states each state may move to. Anything else is refused with CASE_STATE_CONFLICT.
TRANSITIONS: dict[CaseState, frozenset[CaseState]] = {
    S.submitted: frozenset({S.accepted, S.accepted_with_deficiency, S.refused, S.supplement_requested, S.withdrawn}),
    S.supplement_requested: frozenset({S.submitted, S.refused, S.withdrawn}),
    S.accepted: frozenset({S.under_review, S.approved, S.denied, S.withdrawn}),
    S.accepted_with_deficiency: frozenset({S.accepted, S.denied, S.withdrawn}),
    S.under_review: frozenset({S.special_procedure, S.approved, S.denied, S.withdrawn}),
    S.special_procedure: frozenset({S.under_review, S.withdrawn}),
    S.approved: frozenset({S.delivered}),
    S.denied: frozenset(),
    S.refused: frozenset(),
    S.delivered: frozenset(),
    S.withdrawn: frozenset(),
}

# Events that record a step without moving the case (an opinion, a payment, a pledge …).
STAYING_EVENTS = frozenset({
    EventKind.pledge_signed, EventKind.on_site_check_scheduled, EventKind.opinion_recorded, EventKind.fee_assessed,
    EventKind.paid, EventKind.licence_issued, EventKind.delivery_prepared, EventKind.deemed_renewed,
})


def allowed(current: CaseState, target: CaseState) -> bool:
    return target in TRANSITIONS[current]


def require_state(case: Case, *states: CaseState, action: str) -> None:
    """A guard with a message people understand, naming where the case stands now."""
    if CaseState(case.state) not in states:
        raise Conflict(
            "CASE_STATE_CONFLICT",
            f"办件当前状态为“{CaseState(case.state).label}”，不能{action}",
            details={"state": case.state},
        )


def record(
    *,
    db_session: Session,
    clock: Clock,
    case: Case,
    kind: EventKind,
    actor_ref: str,
    actor_name: str,
    to_state: CaseState | None = None,
    reason: str = "",
    data: dict | None = None,
    document_id: int | None = None,
) -> CaseEvent:
    """Append one event and, when it moves the case, move it. The case's version column makes two
    concurrent actions collide at commit: one wins, the other gets a conflict."""
    current = CaseState(case.state)
    target = to_state or current
    if to_state is not None and to_state != current and not allowed(current, to_state):
        raise Conflict(
            "CASE_STATE_CONFLICT",
            f"办件当前状态为“{current.label}”，不能转为“{to_state.label}”",
            details={"state": current.value, "target": to_state.value},
        )
    if to_state is None and kind not in STAYING_EVENTS:
        raise ValueError(f"event {kind} must name the state it moves to")
    seq = (case.event_seq or 0) + 1
    now = clock.now()
    event = CaseEvent(
        case_id=case.id, seq=seq, kind=kind.value, from_state=current.value if seq > 1 else None, to_state=target.value,
        actor_ref=actor_ref, actor_name=actor_name, reason=reason, data=data or {}, document_id=document_id, at=now,
    )
    event.chain = chain_value(event, case.event_chain or "")
    db_session.add(event)
    case.event_seq, case.event_chain = seq, event.chain
    case.state = target.value
    case.updated_at = now
    return event


def chain_value(event: CaseEvent, previous: str) -> str:
    """Each event seals the one before it, so an edited or deleted step breaks every later value."""
    body = json.dumps(
        [event.case_id, event.seq, event.kind, event.from_state, event.to_state, event.actor_ref, event.actor_name,
         event.reason, event.data, event.document_id, as_utc(event.at).isoformat(), previous],
        ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str,
    )
    return sm3_hex(body.encode("utf-8"))


def verify_chain(events: Iterable[CaseEvent]) -> int | None:
    """The seq of the first event whose chain value does not match, or None when the history is intact."""
    previous = ""
    for expected_seq, event in enumerate(sorted(events, key=lambda e: e.seq), 1):
        if event.seq != expected_seq or event.chain != chain_value(event, previous):
            return expected_seq
        previous = event.chain
    return None


def replay(events: Iterable[CaseEvent]) -> CaseState | None:
    """The state derived from the history alone; it must equal the case's stored state."""
    state: CaseState | None = None
    for event in sorted(events, key=lambda e: e.seq):
        target = CaseState(event.to_state)
        if state is not None and target != state and not allowed(state, target):
            raise ValueError(f"event {event.seq} moves {state} to {target}, which is not allowed")
        state = target
    return state


def events_of(*, db_session: Session, case_id: int) -> list[CaseEvent]:
    return list(db_session.scalars(select(CaseEvent).where(CaseEvent.case_id == case_id).order_by(CaseEvent.seq)))
