"""The case state machine: allowed transitions, guards and the append-only event record (002 §8; 004)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from tongban.cases import hooks
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
    EventKind.pledge_signed, EventKind.on_site_check_scheduled, EventKind.originals_checked, EventKind.opinion_recorded,
    EventKind.fee_assessed,
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


@dataclass(frozen=True)
class Entry:
    """One event to append: what happened, who did it, and the state it moves the case to (None: it stays)."""

    kind: EventKind
    actor_ref: str
    actor_name: str
    to_state: CaseState | None = None
    reason: str = ""
    data: dict | None = None
    document_id: int | None = None


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
) -> None:
    """Append one event and, when it moves the case, move it (see `append`)."""
    append(db_session=db_session, clock=clock, case=case,
           entries=[Entry(kind, actor_ref, actor_name, to_state, reason, data, document_id)])


def append(*, db_session: Session, clock: Clock, case: Case, entries: list[Entry]) -> None:
    """Append events in order and write the case once: its state, last seq and chain value, and whatever else
    the step has set on the case object so far (so a step sets its columns first, then records).

    The case is written first, by the session's flush: the mapper's `version_id_col` makes it
    `UPDATE … WHERE id AND version`, so of two concurrent actions the second finds the version moved and is
    refused (CASE_CHANGED) before it writes any event; on PostgreSQL it waits for the first to commit. The
    flush leaves the case object holding the values as stored, its new version included. The events go out
    as one prebuilt Core INSERT.
    """
    current, case_id = CaseState(case.state), case.id
    seq, chain, state = case.event_seq or 0, case.event_chain or "", current
    now = clock.now()
    rows = []
    for entry in entries:
        target = entry.to_state or state
        if entry.to_state is not None and entry.to_state != state and not allowed(state, entry.to_state):
            raise Conflict(
                "CASE_STATE_CONFLICT",
                f"办件当前状态为“{state.label}”，不能转为“{entry.to_state.label}”",
                details={"state": state.value, "target": entry.to_state.value},
            )
        if entry.to_state is None and entry.kind not in STAYING_EVENTS:
            raise ValueError(f"event {entry.kind} must name the state it moves to")
        seq += 1
        row = {
            "case_id": case_id, "seq": seq, "kind": entry.kind.value, "from_state": state.value if seq > 1 else None,
            "to_state": target.value, "actor_ref": entry.actor_ref, "actor_name": entry.actor_name,
            "reason": entry.reason, "data": entry.data or {}, "document_id": entry.document_id, "at": now,
        }
        row["chain"] = chain = _chain_of(row, chain)
        rows.append(row)
        state = target
    hooks.step_guard(db_session=db_session, case=case, from_state=current, to_state=state,
                     kinds=tuple(entry.kind for entry in entries))
    case.state, case.event_seq, case.event_chain, case.updated_at = state.value, seq, chain, now
    try:
        db_session.flush()
    except StaleDataError:  # the failed flush expired the case: its id is the one read above
        raise Conflict("CASE_CHANGED", "该办件刚被他人处理，请刷新后查看最新状态", details={"case_id": case_id}) from None
    db_session.connection().execute(_INSERT_EVENT, rows if len(rows) > 1 else rows[0])
    hooks.after_event(db_session=db_session, clock=clock, case=case, from_state=current, to_state=state,
                      kinds=tuple(entry.kind for entry in entries))


_INSERT_EVENT = CaseEvent.__table__.insert()


def chain_value(event: CaseEvent, previous: str) -> str:
    """Each event seals the one before it, so an edited or deleted step breaks every later value."""
    return _chain_of({name: getattr(event, name) for name in _CHAINED}, previous)


_CHAINED = ("case_id", "seq", "kind", "from_state", "to_state", "actor_ref", "actor_name", "reason", "data", "document_id", "at")


def _chain_of(row: dict, previous: str) -> str:
    body = json.dumps(
        [*(row[name] for name in _CHAINED[:-1]), as_utc(row["at"]).isoformat(), previous],
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
