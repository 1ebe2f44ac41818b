"""What other domains read of cases, as plain values (issue 20 §2): supervision's scans, monitors and statistics.

Other domains do not import `cases.models`; they call the cases services for one case they act on, or these reads
for many. `CaseFacts` carries what times and counts a case and never who applied: the applicant's name, identifier,
phone and form (encrypted, decrypted per row) are not even selected, so no batch read decrypts them. `CaseFacts`
has the attributes `cases.clocks.compute` reads, so a case's clocks are reckoned from it as from the case itself.
Reads of many cases are one query (one per 500 ids for reads by id), ordered by case id.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import ColumnElement, and_, or_, select, true
from sqlalchemy.orm import Session

from tongban.cases.models import Case, CaseEvent

CHUNK = 500


@dataclass(frozen=True)
class CaseFacts:
    """A case without its applicant: item, agency, region, where it stands, its limits and its days."""

    id: int
    case_number: str | None  # None until submitted
    item_id: int
    item_name: str
    agency_id: int
    region_code: str
    state: str  # CaseState
    decision: str | None  # approved / denied
    limit_unit: str
    legal_limit_days: int | None
    promised_limit_days: int | None
    legal_due: date | None
    promised_due: date | None
    submitted_at: datetime
    accepted_at: datetime | None
    decided_at: datetime | None


@dataclass(frozen=True)
class EventFacts:
    """One step of a case's history: its kind (EventKind) and who took it."""

    case_id: int
    kind: str
    actor_ref: str  # person:N, staff:N, system
    actor_name: str


_COLUMNS = (Case.id, Case.case_number, Case.item_id, Case.item_name, Case.agency_id, Case.region_code, Case.state,
            Case.decision, Case.limit_unit, Case.legal_limit_days, Case.promised_limit_days, Case.legal_due,
            Case.promised_due, Case.submitted_at, Case.accepted_at, Case.decided_at)


def _facts(query) -> list[CaseFacts]:
    return [CaseFacts(*row) for row in query]


def _in(region_prefix: str, agency_id: int | None) -> ColumnElement[bool]:
    """Cases of a region (by code prefix; '' for every region), and of one agency when given."""
    where = Case.region_code.startswith(region_prefix, autoescape=True) if region_prefix else true()
    if agency_id is not None:
        where = and_(where, Case.agency_id == agency_id)
    return where


def case_by_number(*, db_session: Session, number: str) -> CaseFacts | None:
    """The case with this number (a complaint names it), without its applicant; None when there is none."""
    found = _facts(db_session.execute(select(*_COLUMNS).where(Case.case_number == number)))
    return found[0] if found else None


def cases_by_id(*, db_session: Session, case_ids: Iterable[int], region_prefix: str = "",
                agency_id: int | None = None) -> dict[int, CaseFacts]:
    """The cases of these ids that exist (and lie in the region, of the agency, when given)."""
    unique = sorted(set(case_ids))
    found: dict[int, CaseFacts] = {}
    for start in range(0, len(unique), CHUNK):
        query = select(*_COLUMNS).where(Case.id.in_(unique[start:start + CHUNK]), _in(region_prefix, agency_id))
        found.update((c.id, c) for c in _facts(db_session.execute(query.order_by(Case.id))))
    return found


def cases_in_states(*, db_session: Session, states: Iterable[str], region_prefix: str = "", agency_id: int | None = None,
                    limit: int | None = None) -> list[CaseFacts]:
    """The cases now in one of ``states`` (CaseState values), of a region and agency, up to ``limit``, by id."""
    query = (select(*_COLUMNS).where(_in(region_prefix, agency_id), Case.state.in_(list(states)))
             .order_by(Case.id))
    return _facts(db_session.execute(query.limit(limit) if limit is not None else query))


def running_cases(*, db_session: Session, states: Iterable[str]) -> list[CaseFacts]:
    """Every case accepted and not decided that is now in one of ``states``, by id: the clocks a deadline scan checks."""
    query = select(*_COLUMNS).where(Case.state.in_(list(states)), Case.accepted_at.is_not(None),
                                    Case.decided_at.is_(None))
    return _facts(db_session.execute(query.order_by(Case.id)))


def cases_active_between(*, db_session: Session, start: datetime, end: datetime, region_prefix: str = "",
                         agency_id: int | None = None) -> list[CaseFacts]:
    """The cases of a region and agency submitted, accepted or decided in [start, end) (UTC bounds), by id."""
    last = end - timedelta(microseconds=1)
    in_period = or_(*(column.between(start, last) for column in (Case.submitted_at, Case.accepted_at, Case.decided_at)))
    query = select(*_COLUMNS).where(_in(region_prefix, agency_id), in_period).order_by(Case.id)
    return _facts(db_session.execute(query))


def events_of_kinds(*, db_session: Session, case_ids: Iterable[int], kinds: Iterable[str]) -> dict[int, list[EventFacts]]:
    """The events of these kinds (EventKind values) of these cases, per case in the order they happened; cases
    without one are left out."""
    ids, wanted = list(case_ids), sorted(kinds)
    found: dict[int, list[EventFacts]] = {}
    columns = (CaseEvent.case_id, CaseEvent.kind, CaseEvent.actor_ref, CaseEvent.actor_name)
    for start in range(0, len(ids), CHUNK):
        query = select(*columns).where(CaseEvent.case_id.in_(ids[start:start + CHUNK]), CaseEvent.kind.in_(wanted))
        for row in db_session.execute(query.order_by(CaseEvent.case_id, CaseEvent.seq)):
            found.setdefault(row.case_id, []).append(EventFacts(*row))
    return found


def has_idempotency_prefix(*, db_session: Session, prefix: str) -> bool:
    """Whether a case was submitted with an idempotency key starting with ``prefix`` (demo data seeded once)."""
    query = select(Case.id).where(Case.idempotency_key.startswith(prefix, autoescape=True)).limit(1)
    return db_session.scalar(query) is not None


# --- ratings (issue 23): the cases a person was served by, and who served them ---------------------------------

RATED_STATES = ("delivered", "denied", "refused")  # closed with a result the person can judge (not withdrawn)


@dataclass(frozen=True)
class ServedCase:
    """A closed case for ratings: whom it served (the person's id, nothing decrypted) and where."""

    id: int
    case_number: str | None
    item_id: int
    item_name: str
    agency_id: int
    region_code: str
    state: str
    person_id: int | None
    closed_at: datetime | None


_SERVED = (Case.id, Case.case_number, Case.item_id, Case.item_name, Case.agency_id, Case.region_code, Case.state,
           Case.person_id, Case.closed_at)


def served_case(*, db_session: Session, case_id: int) -> ServedCase | None:
    row = db_session.execute(select(*_SERVED).where(Case.id == case_id)).first()
    return ServedCase(*row) if row else None


def cases_closed_between(*, db_session: Session, start: datetime, end: datetime, limit: int = 1000) -> list[ServedCase]:
    """Cases closed (delivered, denied, refused) in [start, end), by closing time: reminders and return visits."""
    query = (select(*_SERVED).where(Case.state.in_(RATED_STATES), Case.closed_at >= start, Case.closed_at < end)
             .order_by(Case.closed_at, Case.id).limit(limit))
    return [ServedCase(*row) for row in db_session.execute(query)]


def case_handler(*, db_session: Session, case_id: int) -> tuple[str, str]:
    """(staff ref, name) of whoever accepted or refused the case: the staff member the person met."""
    query = (select(CaseEvent.actor_ref, CaseEvent.actor_name)
             .where(CaseEvent.case_id == case_id, CaseEvent.kind.in_(["accepted", "refused"]),
                    CaseEvent.actor_ref.startswith("staff:")).order_by(CaseEvent.seq).limit(1))
    row = db_session.execute(query).first()
    return (row.actor_ref, row.actor_name) if row else ("", "")
