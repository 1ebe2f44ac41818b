"""What other domains read of help tickets, as plain values: ratings' subjects, reminders and return visits (issue 23).

`ServedTicket` carries no contact data: the name, phone and e-mail are encrypted and are decrypted only by
`contact_phone`, for the one ticket a reminder is sent about."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from tongban.helpdesk.enums import TicketState
from tongban.helpdesk.models import HelpTicket

CLOSED_STATES = (TicketState.closed.value, TicketState.followed_up.value)


@dataclass(frozen=True)
class ServedTicket:
    id: int
    number: str | None
    item_id: int | None
    agency_id: int | None
    region_code: str
    state: str
    person_id: int | None
    owner_staff_id: int | None
    owner_name: str
    closed_at: datetime | None

    @property
    def closed(self) -> bool:
        return self.state in CLOSED_STATES


_COLUMNS = (HelpTicket.id, HelpTicket.number, HelpTicket.item_id, HelpTicket.agency_id, HelpTicket.region_code,
            HelpTicket.state, HelpTicket.person_id, HelpTicket.owner_staff_id, HelpTicket.owner_name, HelpTicket.closed_at)


def served_ticket(*, db_session: Session, ticket_id: int) -> ServedTicket | None:
    row = db_session.execute(select(*_COLUMNS).where(HelpTicket.id == ticket_id)).first()
    return ServedTicket(*row) if row else None


def tickets_closed_between(*, db_session: Session, start: datetime, end: datetime, limit: int = 1000) -> list[ServedTicket]:
    """Tickets closed in [start, end), by closing time."""
    query = (select(*_COLUMNS).where(HelpTicket.state.in_(CLOSED_STATES), HelpTicket.closed_at >= start,
                                     HelpTicket.closed_at < end).order_by(HelpTicket.closed_at, HelpTicket.id).limit(limit))
    return [ServedTicket(*row) for row in db_session.execute(query)]


def contact_phone(*, db_session: Session, ticket_id: int) -> str | None:
    """The contact phone of one ticket, decrypted, for the one message that needs it."""
    return db_session.scalar(select(HelpTicket.contact_phone).where(HelpTicket.id == ticket_id))


def ticket_id(*, db_session: Session, number: str) -> int | None:
    """The id of the ticket with this number (the rating page is linked from the ticket page by number)."""
    return db_session.scalar(select(HelpTicket.id).where(HelpTicket.number == (number or "").strip().upper()[:20]))


@dataclass(frozen=True)
class ServedSession:
    """A video/voice help session (远程帮办) for ratings: whom it served, where, who held it."""

    id: int
    ticket_id: int
    ticket_number: str | None
    person_id: int | None
    agency_id: int | None
    region_code: str
    held: bool
    held_at: datetime | None
    held_by_staff_id: int | None
    held_by_name: str


def served_session(*, db_session: Session, session_id: int) -> ServedSession | None:
    from tongban.helpdesk.enums import SessionState
    from tongban.helpdesk.models import HelpSession

    query = (select(HelpSession.id, HelpSession.ticket_id, HelpTicket.number, HelpSession.person_id,
                    HelpSession.agency_id, HelpTicket.agency_id, HelpTicket.region_code, HelpSession.state,
                    HelpSession.held_at, HelpSession.held_by_staff_id, HelpSession.held_by_name)
             .join(HelpTicket, HelpTicket.id == HelpSession.ticket_id).where(HelpSession.id == session_id))
    row = db_session.execute(query).first()
    if row is None:
        return None
    (sid, ticket_id, number, person_id, agency_id, ticket_agency_id, region, state, held_at, staff_id, staff_name) = row
    return ServedSession(sid, ticket_id, number, person_id, agency_id or ticket_agency_id, region,
                         state == SessionState.held.value, held_at, staff_id, staff_name)
