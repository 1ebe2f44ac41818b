"""Reminders to rate (002 8.8.1; RATE-01): for each newly completed service (case closed, ticket closed, visit
handled) one SMS and in-app message with the signed link, through the notify outbox. The job reads the services
completed since its last mark through the other domains' read interfaces; each service is reminded at most once."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tongban.appointments import reads as hall_reads
from tongban.cases import reads as case_reads
from tongban.core.clock import Clock
from tongban.core.config import get_settings
from tongban.helpdesk import reads as help_reads
from tongban.notify import service as notify
from tongban.ratings import links
from tongban.ratings.enums import SubjectKind
from tongban.ratings.models import Rating, RatingReminder

FIRST_LOOK_BACK = timedelta(days=1)  # the first run reminds the last day's services, not the whole history
MARK = ("mark", 0)


def _mark(db_session: Session) -> RatingReminder | None:
    return db_session.scalar(select(RatingReminder).where(RatingReminder.subject_kind == MARK[0],
                                                          RatingReminder.subject_id == MARK[1]))


def remind(*, db_session: Session, clock: Clock, kind: SubjectKind, subject_id: int, ref: str, person_id: int | None,
           phone: str | None = None) -> bool:
    """One reminder for one service: False when it was reminded or rated before, or nobody can be reached."""
    if person_id is None and not phone:
        return False
    if db_session.scalar(select(Rating.id).where(Rating.subject_kind == kind.value, Rating.subject_id == subject_id,
                                                 Rating.rater_key == "")):
        return False
    try:
        with db_session.begin_nested():
            db_session.add(RatingReminder(subject_kind=kind.value, subject_id=subject_id, sent_at=clock.now()))
            db_session.flush()
    except IntegrityError:
        return False
    link = links.url(kind, subject_id, today=clock.today())
    notify.notify(db_session=db_session, clock=clock, kind="notice", person_id=person_id, phone=phone,
                  channels=("inbox", "sms"), link=link,
                  fields={"title": f"请评价：{kind.label} {ref}",
                          "body": f"您的{kind.label}{ref}已办结，请为本次服务评价（好差评）：{get_settings().public_url}{link}"})
    return True


def run(*, db_session: Session, clock: Clock) -> int:
    """The reminder job: services completed since the last mark (or the last day), each reminded once."""
    now = clock.now()
    mark = _mark(db_session)
    # an hour of overlap: a service committed just after the last run began is not missed (reminders are deduplicated)
    since: datetime = mark.sent_at - timedelta(hours=1) if mark is not None else now - FIRST_LOOK_BACK
    sent = 0
    for case in case_reads.cases_closed_between(db_session=db_session, start=since, end=now):
        sent += remind(db_session=db_session, clock=clock, kind=SubjectKind.case, subject_id=case.id,
                       ref=case.case_number or "", person_id=case.person_id)
    for ticket in help_reads.tickets_closed_between(db_session=db_session, start=since, end=now):
        phone = None if ticket.person_id else help_reads.contact_phone(db_session=db_session, ticket_id=ticket.id)
        sent += remind(db_session=db_session, clock=clock, kind=SubjectKind.help_ticket, subject_id=ticket.id,
                       ref=ticket.number or "", person_id=ticket.person_id, phone=phone)
    for visit in hall_reads.visits_handled_between(db_session=db_session, start=since, end=now):
        phone = None if visit.person_id else hall_reads.visit_phone(db_session=db_session, ticket_id=visit.ticket_id)
        sent += remind(db_session=db_session, clock=clock, kind=SubjectKind.visit, subject_id=visit.ticket_id,
                       ref=visit.number, person_id=visit.person_id, phone=phone)
    if mark is None:
        db_session.add(RatingReminder(subject_kind=MARK[0], subject_id=MARK[1], sent_at=now))
    else:
        mark.sent_at = now
    db_session.flush()
    return sent


def after_help_service(*, db_session: Session, clock: Clock, subject_kind: str, subject_id: int, person_id: int | None,
                       agency_id: int | None = None, staff_id: int | None = None) -> None:
    """The helpdesk's after-service hook: remind at once for a closed ticket or a held help session (the job would
    find tickets later; sessions only reach ratings this way)."""
    kind = SubjectKind(subject_kind)
    if kind is SubjectKind.help_ticket:
        ticket = help_reads.served_ticket(db_session=db_session, ticket_id=subject_id)
        phone = None if person_id else help_reads.contact_phone(db_session=db_session, ticket_id=subject_id)
        remind(db_session=db_session, clock=clock, kind=kind, subject_id=subject_id,
               ref=(ticket.number if ticket else "") or "", person_id=person_id, phone=phone)
    elif kind is SubjectKind.help_session:
        held = help_reads.served_session(db_session=db_session, session_id=subject_id)
        remind(db_session=db_session, clock=clock, kind=kind, subject_id=subject_id,
               ref=(held.ticket_number if held else "") or "", person_id=person_id)
