"""What other domains read of halls and queues, as plain values: handled visits for ratings (issue 23).

`HandledVisit` carries no phone: a walk-in's phone is encrypted and decrypted only by `visit_phone`, for the one
ticket a reminder is sent about."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from tongban.appointments.enums import TicketStatus
from tongban.appointments.models import Appointment, Hall, QueueTicket, Window


@dataclass(frozen=True)
class HandledVisit:
    """A queue ticket (walk-in or booked) and where it was served: hall, window, the window's agency, the item booked."""

    ticket_id: int
    number: str
    hall_id: int
    hall_name: str
    region_code: str
    hall_agency_id: int | None
    window_number: int | None
    window_agency_id: int | None
    status: str
    person_id: int | None
    appointment_id: int | None
    item_id: int | None
    item_name: str
    handled_by: str
    finished_at: datetime | None

    @property
    def handled(self) -> bool:
        return self.status == TicketStatus.handled.value

    @property
    def agency_id(self) -> int | None:
        return self.window_agency_id or self.hall_agency_id


_COLUMNS = (QueueTicket.id, QueueTicket.number, QueueTicket.hall_id, Hall.name, Hall.region_code, Hall.agency_id,
            Window.number, Window.agency_id, QueueTicket.status, QueueTicket.person_id, QueueTicket.appointment_id,
            Appointment.item_id, Appointment.item_name, QueueTicket.handled_by, QueueTicket.finished_at)


def _query():
    return (select(*_COLUMNS).join(Hall, Hall.id == QueueTicket.hall_id)
            .outerjoin(Window, Window.id == QueueTicket.window_id)
            .outerjoin(Appointment, Appointment.id == QueueTicket.appointment_id))


def _visit(row) -> HandledVisit:
    values = list(row)
    values[12] = values[12] or ""
    return HandledVisit(*values)


def visit(*, db_session: Session, ticket_id: int) -> HandledVisit | None:
    row = db_session.execute(_query().where(QueueTicket.id == ticket_id)).first()
    return _visit(row) if row else None


def last_handled_at_window(*, db_session: Session, hall_id: int, window_number: int,
                           since: datetime) -> HandledVisit | None:
    """The ticket handled last at this window, finished at or after ``since`` (the window rater's one ticket)."""
    query = (_query().where(QueueTicket.hall_id == hall_id, Window.number == window_number,
                            QueueTicket.status == TicketStatus.handled.value, QueueTicket.finished_at >= since)
             .order_by(QueueTicket.finished_at.desc(), QueueTicket.id.desc()).limit(1))
    row = db_session.execute(query).first()
    return _visit(row) if row else None


def visits_handled_between(*, db_session: Session, start: datetime, end: datetime, limit: int = 1000) -> list[HandledVisit]:
    query = (_query().where(QueueTicket.status == TicketStatus.handled.value, QueueTicket.finished_at >= start,
                            QueueTicket.finished_at < end).order_by(QueueTicket.finished_at, QueueTicket.id).limit(limit))
    return [_visit(row) for row in db_session.execute(query)]


def window_exists(*, db_session: Session, hall_id: int, window_number: int) -> bool:
    query = select(Window.id).where(Window.hall_id == hall_id, Window.number == window_number, Window.active.is_(True))
    return db_session.scalar(query.limit(1)) is not None


def visit_phone(*, db_session: Session, ticket_id: int) -> str | None:
    """A walk-in's phone for the one reminder about this ticket, decrypted."""
    return db_session.scalar(select(QueueTicket.phone).where(QueueTicket.id == ticket_id))
