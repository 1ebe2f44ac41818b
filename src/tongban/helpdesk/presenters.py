"""How tickets become what the pages and the API show: contact data masked, staff-only entries left out for people."""

from __future__ import annotations

from sqlalchemy.orm import Session

from tongban.catalog import reads as catalog_reads
from tongban.core.clock import Clock
from tongban.core.pii import mask_phone, mask_text
from tongban.helpdesk import directory, service, sessions
from tongban.helpdesk.enums import EntryKind, SessionMode, SessionState, TicketState
from tongban.helpdesk.models import HelpTicket
from tongban.helpdesk.schemas import (DeskOut, EntryOut, ServicePlaceOut, SessionOut, SlotOut, StaffSessionOut,
                                      StaffTicketOut, TicketCreated, TicketOut)


def _mask_email(address: str | None) -> str:
    if not address:
        return ""
    local, _, domain = address.partition("@")
    return f"{local[:1]}***@{domain}"


def _base(db_session: Session, ticket: HelpTicket, *, public_only: bool) -> dict:
    item = catalog_reads.find_item(db_session=db_session, item_id=ticket.item_id) if ticket.item_id else None
    agency = catalog_reads.find_agency(db_session=db_session, agency_id=ticket.agency_id) if ticket.agency_id else None
    entries = [EntryOut(at=e.at, kind=e.kind, kind_label=EntryKind(e.kind).label, author_name=e.author_name, body=e.body,
                        data=e.data or {})
               for e in service.entries(db_session=db_session, ticket=ticket, public_only=public_only)]
    return dict(
        number=ticket.number, channel=ticket.channel, state=ticket.state, state_label=TicketState(ticket.state).label,
        question=ticket.question, item_id=ticket.item_id, item_name=item.name if item else "",
        agency_name=agency.name if agency else "", owner_name=ticket.owner_name, reply_due=ticket.reply_due,
        outcome=ticket.outcome, follow_up_due=ticket.follow_up_due, follow_up_answer=ticket.follow_up_answer,
        created_at=ticket.created_at, contact_phone=mask_phone(ticket.contact_phone) if ticket.contact_phone else "",
        entries=entries, sessions=[session_view(x) for x in sessions.of_ticket(db_session=db_session, ticket=ticket)],
    )


def session_view(session) -> SessionOut:
    return SessionOut(id=session.id, mode=session.mode, mode_label=SessionMode(session.mode).label,
                      when=sessions.when(session), day=session.day, hall_name=session.hall_name, state=session.state,
                      state_label=SessionState(session.state).label, contact_note=mask_text(session.contact_note),
                      held_by_name=session.held_by_name)


def staff_sessions(rows) -> list[StaffSessionOut]:
    return [StaffSessionOut(**session_view(s).model_dump(), ticket_id=t.id, ticket_number=t.number or "",
                            question=t.question[:100]) for s, t in rows]


def desks(options) -> list[DeskOut]:
    return [DeskOut(hall_id=o.desk.hall_id, hall_name=o.desk.hall_name, group_id=o.desk.group_id,
                    group_name=o.desk.group_name,
                    slots=[SlotOut(id=s.id, day=s.day, start_minute=s.start_minute, end_minute=s.end_minute,
                                   label=s.label, free=s.free) for s in o.slots])
            for o in options]


def person_view(db_session: Session, ticket: HelpTicket) -> TicketOut:
    return TicketOut(**_base(db_session, ticket, public_only=True))


def created(db_session: Session, ticket: HelpTicket) -> TicketCreated:
    return TicketCreated(**_base(db_session, ticket, public_only=True), check_code=ticket.check_code)


def staff_view(db_session: Session, clock: Clock, ticket: HelpTicket, *, entries: bool = True) -> StaffTicketOut:
    level = service.warning(db_session=db_session, clock=clock, ticket=ticket)
    data = _base(db_session, ticket, public_only=False)
    if not entries:
        data["entries"] = []
    return StaffTicketOut(**data, id=ticket.id, warning=level.value if level else None,
                          warning_label=level.label if level else "", assistant_question=ticket.assistant_question,
                          contact_name=ticket.contact_name or "", contact_email=_mask_email(ticket.contact_email))


def service_places(db_session: Session, region_code: str | None = None) -> list[ServicePlaceOut]:
    return [ServicePlaceOut(kind=p.kind, id=p.id, name=p.name, region_code=p.region_code, services=p.services,
                            service_labels=[directory.SERVICES[s] for s in p.services], channels=p.channels,
                            address=p.address, phone=p.phone, email=p.email, hours=p.hours, online_url=p.online_url)
            for p in directory.published_services(db_session=db_session, region_code=region_code)]
