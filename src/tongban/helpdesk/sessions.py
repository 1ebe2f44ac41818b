"""Video and voice help (视频帮办 / 语音帮办) booked from a ticket in working hours, held by staff, then offered for
rating (000 §6.5; CONS-12). The slots and seats are the appointments domain's remote help desks (`appointments.remote`);
a session links the booking to the ticket with its mode and how to reach the person."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from tongban.accounts.access import Permission, PersonActor, StaffActor
from tongban.appointments import halls as appointment_halls
from tongban.appointments import remote
from tongban.core.clock import Clock
from tongban.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from tongban.helpdesk import handling, hooks, notices
from tongban.helpdesk.enums import EntryKind, SessionMode, SessionState, TicketState
from tongban.helpdesk.models import HelpSession, HelpTicket
from tongban.helpdesk.service import BODY_MAX, _entry, clean_text, for_staff, staff_may_see

BOOKABLE_STATES = {TicketState.open.value, TicketState.taken.value, TicketState.guiding.value,
                   TicketState.assisting.value, TicketState.answered.value}
NOT_FOUND = "没有找到这个远程帮办预约"


@dataclass(frozen=True)
class DeskSlots:
    """A remote help desk and its free working-hours slots."""

    desk: remote.RemoteDesk
    slots: list[remote.OpenSlot]


def when(session: HelpSession) -> str:
    return (f"{session.day.isoformat()} {appointment_halls.hhmm(session.start_minute)}–"
            f"{appointment_halls.hhmm(session.end_minute)}")


def _mode(value: str) -> SessionMode:
    try:
        return SessionMode(value)
    except ValueError:
        raise InvalidInput("BAD_MODE", f"帮办方式只能是：{'、'.join(m.label for m in SessionMode)}") from None


def _bookable(ticket: HelpTicket) -> None:
    if ticket.state not in BOOKABLE_STATES:
        raise Conflict("TICKET_CLOSED", "工单已结案，不能再预约远程帮办；需要帮助请重新咨询")
    if ticket.item_id is None:
        raise InvalidInput("TICKET_WITHOUT_ITEM", "远程帮办按事项预约：请在工单中说明要办理的事项，工作人员确定后再预约")


def options(*, db_session: Session, clock: Clock, ticket: HelpTicket) -> list[DeskSlots]:
    """The desks helping with the ticket's item and their free slots (none outside working hours)."""
    if ticket.item_id is None:
        return []
    return [DeskSlots(desk, remote.open_slots(db_session=db_session, clock=clock, group_id=desk.group_id))
            for desk in remote.desks_for_item(db_session=db_session, item_id=ticket.item_id)]


def of_ticket(*, db_session: Session, ticket: HelpTicket) -> list[HelpSession]:
    query = select(HelpSession).where(HelpSession.ticket_id == ticket.id).order_by(HelpSession.id)
    return list(db_session.scalars(query))


def book(*, db_session: Session, clock: Clock, person: PersonActor, ticket: HelpTicket, slot_id: int, mode: str,
         contact_note: str) -> HelpSession:
    """The person books a video or voice session for their own ticket in a remote desk's working-hours slot, through
    the hall booking service (its limits hold), leaving the phone or meeting details staff will use (CONS-12)."""
    if ticket.person_id != person.person_id:
        raise NotFound("TICKET_NOT_FOUND", "没有找到这个工单")
    _bookable(ticket)
    chosen = _mode(mode)
    note = clean_text(contact_note, what="联系方式（电话或视频会议号）", limit=100, code="CONTACT_NOTE")
    if any(s.state == SessionState.booked.value for s in of_ticket(db_session=db_session, ticket=ticket)):
        raise Conflict("SESSION_BOOKED", "这个工单已预约了远程帮办，如需改期请先取消原预约")
    booked = remote.book(db_session=db_session, clock=clock, actor=person, slot_id=slot_id, item_id=ticket.item_id)
    now = clock.now()
    session = HelpSession(ticket_id=ticket.id, appointment_id=booked.appointment_id, person_id=person.person_id,
                          agency_id=ticket.agency_id, hall_id=booked.hall_id, hall_name=booked.hall_name,
                          mode=chosen.value, contact_note=note, day=booked.day, start_minute=booked.start_minute,
                          end_minute=booked.end_minute, state=SessionState.booked.value, created_at=now, updated_at=now)
    db_session.add(session)
    db_session.flush()
    _entry(db_session, clock, ticket, EntryKind.session_booked, person.ref, person.name, f"{chosen.label}：{when(session)}",
           data={"session_id": session.id, "mode": chosen.value, "mode_label": chosen.label, "when": when(session),
                 "hall_name": booked.hall_name})
    db_session.flush()
    return session


def _own_session(db_session: Session, person: PersonActor, ticket: HelpTicket, session_id: int) -> HelpSession:
    session = db_session.get(HelpSession, session_id)
    if session is None or session.ticket_id != ticket.id or session.person_id != person.person_id:
        raise NotFound("SESSION_NOT_FOUND", NOT_FOUND)
    return session


def cancel(*, db_session: Session, clock: Clock, person: PersonActor, ticket: HelpTicket, session_id: int) -> HelpSession:
    """The person cancels before the slot begins; the seat goes back (the booking service's rule)."""
    session = _own_session(db_session, person, ticket, session_id)
    if session.state != SessionState.booked.value:
        raise Conflict("SESSION_NOT_BOOKED", f"这个远程帮办{SessionState(session.state).label}，不能取消")
    remote.cancel(db_session=db_session, clock=clock, actor=person, appointment_id=session.appointment_id)
    session.state, session.updated_at = SessionState.cancelled.value, clock.now()
    _entry(db_session, clock, ticket, EntryKind.session_cancelled, person.ref, person.name, when(session),
           data={"session_id": session.id})
    db_session.flush()
    return session


def record_held(*, db_session: Session, clock: Clock, actor: StaffActor, session_id: int, note: str = "") -> HelpSession:
    """After the session, staff record it as held: the booking is handled and the rating hook is called (CONS-12).
    The ticket's first-ask owner holds it; an untaken ticket is taken by whoever holds its session (CONS-11)."""
    actor.require(Permission.consult_answer)
    session = db_session.get(HelpSession, session_id)
    if session is None:
        raise NotFound("SESSION_NOT_FOUND", NOT_FOUND)
    ticket = for_staff(db_session=db_session, actor=actor, ticket_id=session.ticket_id)
    if session.state != SessionState.booked.value:
        raise Conflict("SESSION_NOT_BOOKED", f"这个远程帮办{SessionState(session.state).label}，不能再记录为已完成")
    text = clean_text(note, what="帮办记录", limit=BODY_MAX, required=False, code="NOTE")
    if ticket.owner_staff_id is None and ticket.state == TicketState.open.value:
        handling.take(db_session=db_session, clock=clock, actor=actor, ticket_id=ticket.id)
    elif ticket.owner_staff_id != actor.staff_id:
        raise Forbidden("NOT_TICKET_OWNER", f"这个工单由{ticket.owner_name}首问负责，由负责人记录远程帮办")
    remote.mark_held(db_session=db_session, clock=clock, appointment_id=session.appointment_id, by=actor.ref)
    session.state, session.held_at, session.updated_at = SessionState.held.value, clock.now(), clock.now()
    session.held_by_staff_id, session.held_by_name, session.note = actor.staff_id, actor.name, text
    _entry(db_session, clock, ticket, EntryKind.session_held, actor.ref, actor.name, text,
           data={"session_id": session.id, "mode": session.mode, "mode_label": SessionMode(session.mode).label,
                 "when": when(session)})
    if ticket.state in (TicketState.taken.value, TicketState.guiding.value):
        ticket.state = TicketState.assisting.value
    notices.tell(db_session=db_session, clock=clock, ticket=ticket, title=f"远程帮办已完成：工单 {ticket.number}",
                 body=f"您预约的{SessionMode(session.mode).label}（{when(session)}）已完成，欢迎对本次服务进行评价。")
    db_session.flush()
    hooks.after_service(db_session=db_session, clock=clock, subject_kind="help_session", subject_id=session.id,
                        person_id=session.person_id, agency_id=session.agency_id or ticket.agency_id,
                        staff_id=actor.staff_id)
    return session


def upcoming(*, db_session: Session, clock: Clock, actor: StaffActor, since: date | None = None,
             limit: int = 200) -> list[tuple[HelpSession, HelpTicket]]:
    """Booked sessions staff may hold, earliest first: of their agency's tickets (or their region's), from `since`
    (default: a week back, so a session not yet recorded stays in view)."""
    if not (actor.has(Permission.consult_answer) or actor.has(Permission.supervise)):
        raise Forbidden("NOT_PERMITTED", "您的岗位没有这项操作的权限")
    start = since or clock.today() - timedelta(days=7)
    query = (select(HelpSession, HelpTicket).join(HelpTicket, HelpTicket.id == HelpSession.ticket_id)
             .where(HelpSession.state == SessionState.booked.value, HelpSession.day >= start)
             .order_by(HelpSession.day, HelpSession.start_minute, HelpSession.id).limit(limit * 5))
    return [(s, t) for s, t in db_session.execute(query) if staff_may_see(actor, t)][:limit]
