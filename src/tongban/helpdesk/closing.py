"""Closing a ticket and following it up until the person has the result (001 8.4, 8.5; CONS-09)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from tongban.accounts.access import PersonActor, StaffActor
from tongban.core.clock import Clock
from tongban.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from tongban.helpdesk import hooks, notices
from tongban.helpdesk.enums import FOLLOW_UP_ANSWERS, EntryKind, Outcome, TicketState
from tongban.helpdesk.handling import _owned
from tongban.helpdesk.models import HelpTicket
from tongban.helpdesk.service import BODY_MAX, _entry, clean_text
from tongban.workdays.service import add_days

FOLLOW_UP_DAYS = 5  # without an expected date, ask about the result 5 working days after closing
CLOSABLE = {TicketState.answered.value, TicketState.guiding.value, TicketState.assisting.value}


def _outcome(value: str, allowed) -> Outcome:
    try:
        outcome = Outcome(value)
    except ValueError:
        outcome = None
    if outcome not in allowed:
        raise InvalidInput("BAD_OUTCOME", f"办理结果只能是：{'、'.join(o.label for o in allowed)}")
    return outcome


def _close(db_session: Session, clock: Clock, ticket: HelpTicket, outcome: Outcome, note: str, expected: date | None,
           author: str, author_name: str) -> HelpTicket:
    if expected is not None and expected < clock.today():
        raise InvalidInput("EXPECTED_PAST", "预计取得结果的日期不能早于今天")
    text = clean_text(note, what="结案说明", limit=BODY_MAX, required=outcome is Outcome.cannot_get, code="NOTE")
    ticket.state, ticket.closed_at, ticket.outcome = TicketState.closed.value, clock.now(), outcome.value
    if outcome is Outcome.pending:
        ticket.follow_up_due = expected or add_days(db_session=db_session, start=clock.today(), days=FOLLOW_UP_DAYS).due
    else:  # the result is known: the loop is closed at once (已取得 / 告知并解释)
        ticket.follow_up_due = None
        if outcome is not Outcome.needs_more_help:
            ticket.state, ticket.followed_up_at, ticket.follow_up_answer = TicketState.followed_up.value, clock.now(), outcome.value
        else:
            ticket.follow_up_due = clock.today()  # more help is due now: it shows in the follow-up queue
    _entry(db_session, clock, ticket, EntryKind.closed, author, author_name, text,
           data={"outcome": outcome.value, "follow_up_due": ticket.follow_up_due.isoformat() if ticket.follow_up_due else None})
    db_session.flush()
    hooks.after_service(db_session=db_session, clock=clock, subject_kind="help_ticket", subject_id=ticket.id,
                        person_id=ticket.person_id, agency_id=ticket.agency_id, staff_id=ticket.owner_staff_id)
    return ticket


def close(*, db_session: Session, clock: Clock, actor: StaffActor, ticket_id: int, outcome: str = "pending",
          note: str = "", expected: date | None = None) -> HelpTicket:
    """The owner closes after telling the person the result of the handling (8.4), recording what the person will get."""
    ticket = _owned(db_session, actor, ticket_id)
    if ticket.state not in CLOSABLE:
        raise Conflict("TICKET_NOT_ANSWERED", "请先答复、导办或帮办，再结案")
    return _close(db_session, clock, ticket, _outcome(outcome, list(Outcome)), note, expected, actor.ref, actor.name)


def close_by_person(*, db_session: Session, clock: Clock, person: PersonActor, ticket: HelpTicket, outcome: str = "pending",
                    note: str = "") -> HelpTicket:
    """The person closes their own answered ticket (they read the reply), saying whether they have what they need."""
    if ticket.person_id != person.person_id:
        raise NotFound("TICKET_NOT_FOUND", "没有找到这个工单")
    if ticket.state not in CLOSABLE:
        raise Conflict("TICKET_NOT_ANSWERED", "工作人员答复后才能结案")
    return _close(db_session, clock, ticket, _outcome(outcome, list(Outcome)), note, None, person.ref, person.name)


def due_for_follow_up(*, db_session: Session, clock: Clock, limit: int = 500) -> list[HelpTicket]:
    query = select(HelpTicket).where(HelpTicket.state == TicketState.closed.value, HelpTicket.outcome == Outcome.pending.value,
                                     HelpTicket.follow_up_due <= clock.today(), HelpTicket.follow_up_asked_at.is_(None))
    return list(db_session.scalars(query.order_by(HelpTicket.follow_up_due, HelpTicket.id).limit(limit)))


def ask_follow_ups(*, db_session: Session, clock: Clock) -> int:
    """The follow-up job: ask every person whose expected date has come whether they got the result (8.5)."""
    asked = 0
    for ticket in due_for_follow_up(db_session=db_session, clock=clock):
        ticket.follow_up_asked_at = clock.now()
        _entry(db_session, clock, ticket, EntryKind.follow_up_asked, "system", "回访")
        notices.tell(db_session=db_session, clock=clock, ticket=ticket, title=f"回访：咨询工单 {ticket.number}",
                     body=f"您咨询的事项（工单{ticket.number}）是否已取得办理结果？请登录或凭工单编号和查询码回复，需要帮助我们会继续为您服务。")
        asked += 1
    db_session.flush()
    return asked


def record_follow_up(*, db_session: Session, clock: Clock, ticket: HelpTicket, answer: str, note: str = "",
                     author: str, author_name: str) -> HelpTicket:
    """The person's answer to the follow-up (by themselves, or as told to staff on the phone): got it → the loop is
    closed; cannot get it → closed after explaining; needs more help → the first-ask owner serves again (8.5)."""
    if ticket.state != TicketState.closed.value:
        raise Conflict("NOT_FOLLOWING_UP", "这个工单不在回访中")
    said = _outcome(answer, FOLLOW_UP_ANSWERS)
    text = clean_text(note, what="回访说明", limit=BODY_MAX, required=False, code="NOTE")
    _entry(db_session, clock, ticket, EntryKind.follow_up, author, author_name, text, data={"answer": said.value})
    ticket.follow_up_answer = said.value
    if said is Outcome.needs_more_help:
        ticket.state = TicketState.taken.value if ticket.owner_staff_id else TicketState.open.value
        ticket.closed_at, ticket.follow_up_due, ticket.follow_up_asked_at = None, None, None
        _entry(db_session, clock, ticket, EntryKind.reopened, author, author_name)
    else:
        ticket.state, ticket.followed_up_at = TicketState.followed_up.value, clock.now()
    db_session.flush()
    return ticket


def staff_follow_up(*, db_session: Session, clock: Clock, actor: StaffActor, ticket_id: int, answer: str,
                    note: str = "") -> HelpTicket:
    """Staff record the answer a person gave on the phone; the owner follows up their own tickets."""
    from tongban.helpdesk.service import for_staff

    ticket = for_staff(db_session=db_session, actor=actor, ticket_id=ticket_id)
    if ticket.owner_staff_id not in (None, actor.staff_id):
        raise Forbidden("NOT_TICKET_OWNER", f"这个工单由{ticket.owner_name}首问负责，由负责人回访")
    return record_follow_up(db_session=db_session, clock=clock, ticket=ticket, answer=answer, note=note,
                            author=actor.ref, author_name=actor.name)
