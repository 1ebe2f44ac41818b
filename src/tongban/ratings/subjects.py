"""What a rating is about: the service a subject names, read through the other domains' read interfaces (RATE-01)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from tongban.appointments import reads as hall_reads
from tongban.cases import reads as case_reads
from tongban.catalog import reads as catalog_reads
from tongban.core.errors import Conflict, InvalidInput, NotFound
from tongban.helpdesk import reads as help_reads
from tongban.ratings.enums import SubjectKind

UNKNOWN = ("SUBJECT_NOT_FOUND", "没有找到要评价的服务")


@dataclass(frozen=True)
class Served:
    """One service as ratings see it: whom it served, where, by whom, and whether it is complete."""

    kind: SubjectKind
    id: int
    ref: str  # case number, ticket number, queue number, item name
    person_id: int | None
    item_id: int | None
    item_name: str
    agency_id: int | None
    region_code: str
    complete: bool
    completed_at: datetime | None
    hall_id: int | None = None
    window_number: int | None = None
    staff_ref: str = ""
    staff_name: str = ""


def kind_of(value: str) -> SubjectKind:
    try:
        return SubjectKind(value)
    except ValueError:
        raise InvalidInput("SUBJECT_KIND", f"评价对象只能是：{'、'.join(k.label for k in SubjectKind)}") from None


def from_case(db_session: Session, case_id: int) -> Served | None:
    case = case_reads.served_case(db_session=db_session, case_id=case_id)
    if case is None:
        return None
    staff_ref, staff_name = case_reads.case_handler(db_session=db_session, case_id=case.id)
    return Served(SubjectKind.case, case.id, case.case_number or "", case.person_id, case.item_id, case.item_name,
                  case.agency_id, case.region_code, case.state in case_reads.RATED_STATES, case.closed_at,
                  staff_ref=staff_ref, staff_name=staff_name)


def from_ticket(db_session: Session, ticket_id: int) -> Served | None:
    ticket = help_reads.served_ticket(db_session=db_session, ticket_id=ticket_id)
    if ticket is None:
        return None
    item = catalog_reads.find_item(db_session=db_session, item_id=ticket.item_id) if ticket.item_id else None
    return Served(SubjectKind.help_ticket, ticket.id, ticket.number or "", ticket.person_id, ticket.item_id,
                  item.name if item else "", ticket.agency_id, ticket.region_code, ticket.closed, ticket.closed_at,
                  staff_ref=f"staff:{ticket.owner_staff_id}" if ticket.owner_staff_id else "", staff_name=ticket.owner_name)


def from_session(db_session: Session, session_id: int) -> Served | None:
    held = help_reads.served_session(db_session=db_session, session_id=session_id)
    if held is None:
        return None
    return Served(SubjectKind.help_session, held.id, f"{held.ticket_number or ''}#{held.id}", held.person_id, None, "",
                  held.agency_id, held.region_code, held.held, held.held_at,
                  staff_ref=f"staff:{held.held_by_staff_id}" if held.held_by_staff_id else "", staff_name=held.held_by_name)


def from_visit(db_session: Session, ticket_id: int) -> Served | None:
    visit = hall_reads.visit(db_session=db_session, ticket_id=ticket_id)
    if visit is None:
        return None
    return Served(SubjectKind.visit, visit.ticket_id, visit.number, visit.person_id, visit.item_id, visit.item_name,
                  visit.agency_id, visit.region_code, visit.handled, visit.finished_at, hall_id=visit.hall_id,
                  window_number=visit.window_number, staff_ref=visit.handled_by)


def from_guide(db_session: Session, item_id: int) -> Served | None:
    """A guide is rated in its live version: `id` is the version, so a new version may be rated again."""
    item = catalog_reads.find_item(db_session=db_session, item_id=item_id)
    if item is None or item.live_version_id is None:
        return None
    return Served(SubjectKind.guide, item.live_version_id, item.name, None, item.id, item.name, item.agency_id,
                  item.region_code, True, None)


def resolve(db_session: Session, kind: SubjectKind, subject_id: int) -> Served:
    """The service, or NotFound."""
    finder = {SubjectKind.case: from_case, SubjectKind.help_ticket: from_ticket, SubjectKind.help_session: from_session,
              SubjectKind.visit: from_visit, SubjectKind.guide: from_guide}.get(kind)
    served = finder(db_session, subject_id) if finder is not None and 0 < subject_id < 2**31 else None
    if served is None:
        raise NotFound(*UNKNOWN)
    return served


def require_complete(served: Served) -> None:
    if not served.complete:
        raise Conflict("SERVICE_NOT_COMPLETE", f"{served.kind.label}办结后才能评价")
