"""Telling the person that something happened on their ticket: the inbox when signed in, an SMS to the contact phone,
an e-mail to the contact address (sent by jobs, never inside the request)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from tongban.core.clock import Clock
from tongban.helpdesk.models import HelpTicket
from tongban.notify import service as notify


def tell(*, db_session: Session, clock: Clock, ticket: HelpTicket, title: str, body: str) -> None:
    if ticket.person_id is None and not ticket.contact_phone and not ticket.contact_email:
        return
    notify.notify(db_session=db_session, clock=clock, kind="notice", fields={"title": title, "body": body},
                  person_id=ticket.person_id, phone=ticket.contact_phone, email=ticket.contact_email,
                  link=f"/help/tickets/{ticket.number}")
