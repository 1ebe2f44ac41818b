"""Help tickets: registering a request, who may see it, queues and the anonymous look-up (001 8.1, 8.2; CONS-04,
CONS-06, CONS-11, CONS-13). One rule for the pages and the API; taking, replying and closing are in `handling` and
`closing`."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, replace
from datetime import date, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from tongban.accounts.access import Permission, PersonActor, StaffActor, region_prefix
from tongban.catalog import reads as catalog_reads
from tongban.catalog import regions
from tongban.core import limits
from tongban.core.clock import Clock
from tongban.core.errors import Forbidden, InvalidInput, NotFound
from tongban.core.pii import mask_text
from tongban.core.text import clean_text
from tongban.helpdesk import transcript
from tongban.helpdesk.enums import AWAITING_REPLY, STAFF_CHANNELS, EntryKind, TicketChannel, TicketState
from tongban.helpdesk.models import HelpTicket, HelpTicketEntry
from tongban.search.service import SearchHub
from tongban.workdays.service import add_days

QUESTION_MAX = 2000
BODY_MAX = 5000
REPLY_DAYS = 3  # 004: letters and e-mails answered, and what cannot be answered at once replied to, in 3 working days
PHONE_RE = re.compile(r"\+?\d[\d-]{5,18}\d")
EMAIL_RE = re.compile(r"[^@\s<>]{1,64}@[A-Za-z0-9.-]{1,190}\.[A-Za-z]{2,20}")

# Like the case progress look-up (cases/lookup.py): four digits are 10,000 guesses.
LOOKUPS_FROM = limits.Limit("help-lookup", 60, timedelta(hours=1), "HELP_LOOKUP_TOO_MANY", "查询过于频繁，请一小时后再试")
CODE_PER_TICKET = limits.Limit("help-code", 10, timedelta(hours=1), "HELP_CODE_LOCKED",
                               "这个工单的查询码输错次数过多，请一小时后再试；也可以拨打热线查询")
CODE_FROM = limits.Limit("help-code-from", 20, timedelta(hours=1), "HELP_CODE_LOCKED", "查询码输错次数过多，请一小时后再试")
UNKNOWN = "没有找到这个工单，请核对工单编号"


@dataclass(frozen=True)
class TicketIn:
    """A request as registered (CONS-06): the need, the channel, who to answer and what it is about."""

    question: str
    channel: str = "web"
    contact_name: str = ""
    contact_phone: str = ""
    contact_email: str = ""
    item_id: int | None = None
    agency_id: int | None = None
    region_code: str = ""
    assistant_question: str = ""
    assistant_item_id: int | None = None
    turns: tuple = ()  # transcript.Turn: the questions asked at /ask before asking a person, each with its context


def _channel(value: str) -> TicketChannel:
    try:
        return TicketChannel(value)
    except ValueError:
        raise InvalidInput("BAD_CHANNEL", f"渠道只能是：{'、'.join(c.label for c in TicketChannel)}") from None


def _phone(value: str) -> str:
    phone = re.sub(r"[\s()（）]", "", value or "")
    if phone and not PHONE_RE.fullmatch(phone):
        raise InvalidInput("BAD_PHONE", "联系电话格式不正确，请填写手机号或带区号的固定电话")
    return phone


def _email(value: str) -> str:
    email = (value or "").strip()
    if email and not EMAIL_RE.fullmatch(email):
        raise InvalidInput("BAD_EMAIL", "电子邮箱格式不正确")
    return email


def _place(db_session: Session, ticket_in: TicketIn) -> tuple[int | None, int | None, str]:
    """(item, agency, region) the ticket is for: the item's agency, a chosen agency, or the region's management agency."""
    item = agency = None
    if ticket_in.item_id is not None:
        item = catalog_reads.find_item(db_session=db_session, item_id=ticket_in.item_id)
        if item is None or item.live_version_id is None:
            raise NotFound("ITEM_NOT_FOUND", "没有找到这个事项，请重新选择或不选事项")
    agency_id = item.agency_id if item is not None else ticket_in.agency_id
    if agency_id is not None:
        agency = catalog_reads.find_agency(db_session=db_session, agency_id=agency_id)
        if agency is None:
            raise NotFound("AGENCY_NOT_FOUND", "没有找到这个部门，请重新选择")
        return (item.id if item else None), agency.id, agency.region_code
    region = (ticket_in.region_code or "").strip()
    if region and not re.fullmatch(r"\d{6,12}", region):
        raise InvalidInput("BAD_REGION", "所在地区应为 6 至 12 位行政区划代码")
    candidates = regions.list_agencies(db_session=db_session, region_code=region or None)
    management = next((a for a in candidates if a.is_management), None)
    if management is not None:
        return None, management.id, management.region_code
    return None, None, region


def _entry(db_session: Session, clock: Clock, ticket: HelpTicket, kind: EntryKind, author: str, author_name: str = "",
           body: str = "", data: dict | None = None, public: bool = True) -> HelpTicketEntry:
    row = HelpTicketEntry(ticket_id=ticket.id, at=clock.now(), kind=kind.value, author=author, author_name=author_name,
                          body=body, data=data or {}, public=public)
    db_session.add(row)
    ticket.updated_at = clock.now()
    return row


def reply_due(db_session: Session, day: date) -> date:
    """The promised reply date: the 3rd working day after the day the request was registered (当日不计)."""
    return add_days(db_session=db_session, start=day, days=REPLY_DAYS).due


def open_ticket(*, db_session: Session, clock: Clock, ticket_in: TicketIn, person: PersonActor | None = None,
                staff: StaffActor | None = None, hub: SearchHub | None = None) -> HelpTicket:
    """Register a request (CONS-06). People open web, mobile and terminal tickets themselves (signed in, or leaving a
    phone); staff register hotline calls, letters and e-mails for them (CONS-13). The reply is promised for the 3rd
    working day (CONS-04). Answer the check code (`ticket.check_code`) to whoever opened it.

    Handed over from the assistant (转人工, CONS-07), the conversation is attached as an entry staff read: with `hub`,
    the questions (`ticket_in.turns`, or the one `assistant_question`) are answered again from the published data."""
    channel = _channel(ticket_in.channel)
    if channel in STAFF_CHANNELS:
        if staff is None:
            raise Forbidden("STAFF_CHANNEL", "热线、来信和电子邮件由工作人员登记")
        staff.require(Permission.consult_answer)
    question = clean_text(ticket_in.question, what="问题或诉求", limit=QUESTION_MAX, code="QUESTION")
    name = clean_text(ticket_in.contact_name, what="联系人姓名", limit=50, required=False, code="NAME")
    phone, email = _phone(ticket_in.contact_phone), _email(ticket_in.contact_email)
    if person is None and not (phone or email):
        raise InvalidInput("CONTACT_REQUIRED", "请留下联系电话或电子邮箱，以便答复您")
    if channel is TicketChannel.email and not email:
        raise InvalidInput("EMAIL_REQUIRED", "电子邮件咨询请填写来信人的电子邮箱")
    item_id, agency_id, region = _place(db_session, ticket_in)
    turns = list(ticket_in.turns) or ([transcript.Turn(ticket_in.assistant_question.strip())]
                                       if ticket_in.assistant_question.strip() else [])
    if turns and not ticket_in.assistant_question.strip():
        ticket_in = replace(ticket_in, assistant_question=turns[-1].question)
    asked = mask_text(clean_text(ticket_in.assistant_question, what="智能问答的问题", limit=200, required=False,
                                 code="ASKED"))
    conversation = transcript.replay(db_session=db_session, clock=clock, hub=hub, turns=turns) if hub and turns else []
    now = clock.now()
    ticket = HelpTicket(
        channel=channel.value, state=TicketState.open.value, question=question, person_id=person.person_id if person else None,
        contact_name=name or None, contact_phone=phone or None, contact_email=email or None,
        check_code=f"{secrets.randbelow(10_000):04d}", item_id=item_id, agency_id=agency_id, region_code=region,
        assistant_question=asked, assistant_item_id=ticket_in.assistant_item_id if asked else None,
        registered_by=staff.ref if staff else "", reply_due=reply_due(db_session, clock.today()),
        created_at=now, updated_at=now,
    )
    db_session.add(ticket)
    db_session.flush()
    ticket.number = f"ZX{clock.today():%y%m%d}{ticket.id:06d}"
    author = staff.ref if staff else (person.ref if person else "caller")
    _entry(db_session, clock, ticket, EntryKind.opened, author, staff.name if staff else (person.name if person else name),
           data={"channel": channel.value})
    if conversation:
        _entry(db_session, clock, ticket, EntryKind.assistant, "assistant", "智能问答", data={"turns": conversation})
    _log_question(db_session, clock, question, channel)
    db_session.flush()
    return ticket


def _log_question(db_session: Session, clock: Clock, question: str, channel: TicketChannel) -> None:
    """Every request feeds the frequent question analysis (CONS-10), masked by the knowledge base."""
    from tongban.knowledge import service as knowledge

    logged = {TicketChannel.email: "letter"}.get(channel, channel.value)
    knowledge.record_question(db_session=db_session, clock=clock, text=question[:500], channel=logged, source="ticket")


# --- reading ------------------------------------------------------------------------------------------------------

def staff_may_see(actor: StaffActor, ticket: HelpTicket) -> bool:
    """Consult staff see their agency's tickets (or, without an agency, their region's); supervisors their region's."""
    in_region = ticket.region_code.startswith(region_prefix(actor.region_code)) if ticket.region_code else True
    if actor.has(Permission.supervise) and in_region:
        return True
    if not actor.has(Permission.consult_answer):
        return False
    if actor.agency_id is None:
        return in_region
    return ticket.agency_id == actor.agency_id or (ticket.agency_id is None and in_region)


def _get(db_session: Session, ticket_id: int) -> HelpTicket:
    ticket = db_session.get(HelpTicket, ticket_id)
    if ticket is None:
        raise NotFound("TICKET_NOT_FOUND", UNKNOWN)
    return ticket


def for_staff(*, db_session: Session, actor: StaffActor, ticket_id: int) -> HelpTicket:
    ticket = _get(db_session, ticket_id)
    if not staff_may_see(actor, ticket):
        raise Forbidden("TICKET_OUT_OF_SCOPE", "这个工单不属于您所在的机构，无权查看")
    return ticket


def by_number(db_session: Session, number: str) -> HelpTicket:
    ticket = db_session.scalar(select(HelpTicket).where(HelpTicket.number == (number or "").strip().upper()[:20]))
    if ticket is None:
        raise NotFound("TICKET_NOT_FOUND", UNKNOWN)
    return ticket


def for_person(*, db_session: Session, person: PersonActor, number: str) -> HelpTicket:
    """A person's own ticket; someone else's is refused without saying whether it exists."""
    ticket = db_session.scalar(select(HelpTicket).where(HelpTicket.number == (number or "").strip().upper()[:20]))
    if ticket is None or ticket.person_id != person.person_id:
        raise NotFound("TICKET_NOT_FOUND", UNKNOWN)
    return ticket


def look_up(*, db_session: Session, clock: Clock, number: str, code: str, client_ip: str) -> HelpTicket:
    """The ticket of `number` for whoever holds its 4-digit check code (hotline callers, letters, anonymous web).

    Counts go in the caller's transaction; every refusal commits them before raising (cases/lookup.py)."""
    limits.take_or_refuse(db_session=db_session, clock=clock, limit=LOOKUPS_FROM, key=client_ip)
    number = (number or "").strip().upper()[:20]
    try:
        ticket = by_number(db_session, number)
    except NotFound as exc:
        limits.refuse(db_session, exc)
    limits.answer_secret(db_session=db_session, clock=clock,
                         right=secrets.compare_digest((code or "").strip()[:8], ticket.check_code),
                         wrong=Forbidden("HELP_CODE_WRONG", "查询码不正确，请核对登记时告知您的 4 位查询码"),
                         per_subject=CODE_PER_TICKET, subject=number, per_address=CODE_FROM, address=client_ip)
    return ticket


def mine(*, db_session: Session, person: PersonActor, limit: int = 100) -> list[HelpTicket]:
    query = select(HelpTicket).where(HelpTicket.person_id == person.person_id).order_by(HelpTicket.id.desc()).limit(limit)
    return list(db_session.scalars(query))


def entries(*, db_session: Session, ticket: HelpTicket, public_only: bool = False) -> list[HelpTicketEntry]:
    query = select(HelpTicketEntry).where(HelpTicketEntry.ticket_id == ticket.id)
    if public_only:
        query = query.where(HelpTicketEntry.public.is_(True))
    return list(db_session.scalars(query.order_by(HelpTicketEntry.id)))


QUEUE_VIEWS = {"agency": "本机构待办", "mine": "我负责的", "overdue": "超期与预警", "follow_up": "待回访"}


def queue(*, db_session: Session, clock: Clock, actor: StaffActor, view: str = "agency", limit: int = 200) -> list[HelpTicket]:
    """The staff queue: the agency's open and running tickets, mine, overdue or warned (CONS-13), due for follow-up."""
    if view not in QUEUE_VIEWS:
        raise InvalidInput("BAD_VIEW", f"队列只能是：{'、'.join(QUEUE_VIEWS.values())}")
    if not (actor.has(Permission.consult_answer) or actor.has(Permission.supervise)):
        raise Forbidden("NOT_PERMITTED", "您的岗位没有这项操作的权限")
    query = select(HelpTicket)
    if view == "mine":
        query = query.where(HelpTicket.owner_staff_id == actor.staff_id)
    else:
        prefix = region_prefix(actor.region_code)
        in_region = or_(HelpTicket.region_code == "", HelpTicket.region_code.startswith(prefix, autoescape=True))
        if actor.agency_id is not None and not actor.has(Permission.supervise):
            query = query.where(or_(HelpTicket.agency_id == actor.agency_id, (HelpTicket.agency_id.is_(None)) & in_region))
        else:
            query = query.where(in_region)
    if view == "overdue":
        warn_from = add_days(db_session=db_session, start=clock.today(), days=1).due
        query = query.where(HelpTicket.state.in_([s.value for s in AWAITING_REPLY]), HelpTicket.reply_due <= warn_from)
    elif view == "follow_up":
        query = query.where(HelpTicket.state == TicketState.closed.value, HelpTicket.follow_up_due <= clock.today())
    else:
        query = query.where(HelpTicket.state.notin_([TicketState.closed.value, TicketState.followed_up.value]))
    return list(db_session.scalars(query.order_by(HelpTicket.reply_due, HelpTicket.id).limit(limit)))


def warning(*, db_session: Session, clock: Clock, ticket: HelpTicket):
    """yellow when one working day is left before the promised reply, red when it is past (as for cases)."""
    from tongban.supervision import deadlines

    if TicketState(ticket.state) not in AWAITING_REPLY:
        return None
    return deadlines.level(db_session=db_session, today=clock.today(), due=ticket.reply_due)
