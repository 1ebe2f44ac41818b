"""Booking a hall slot: limits, duplicates, suspension after no-shows, cancelling, refusing, force majeure
(002 8.2.1–8.2.2; 004 预约服务)."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import and_, bindparam, case, func, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Row
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tongban.accounts import identity, persons
from tongban.accounts.access import PersonActor, StaffActor
from tongban.appointments import halls, messages, slots
from tongban.appointments.enums import ACTIVE_APPOINTMENT, AppointmentStatus
from tongban.appointments.models import ACTIVE_SQL, Appointment, BookingAccount, Hall, Slot, WindowGroup, WindowGroupItem
from tongban.catalog import reads as catalog_reads
from tongban.core import audit
from tongban.core.clock import SHANGHAI, Clock
from tongban.core.db import attach_persistent
from tongban.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from tongban.notify.outbox import enqueue_now, insert_from

S = AppointmentStatus
CONFIRM_JOB = "appointments.confirm"
NO_SHOW_WINDOW = timedelta(days=30)  # "1个月内": a rolling 30 days of slot dates


def get(*, db_session: Session, appointment_id: int) -> Appointment:
    row = db_session.get(Appointment, appointment_id)
    if row is None:
        raise NotFound("APPOINTMENT_NOT_FOUND", "没有找到这个预约")
    return row


def mine(*, db_session: Session, actor: PersonActor, appointment_id: int) -> Appointment:
    """The person's own booking; another's gets the same answer as one that does not exist."""
    row = db_session.get(Appointment, appointment_id)
    if row is None or row.person_id != actor.person_id:
        raise NotFound("APPOINTMENT_NOT_FOUND", "没有找到这个预约")
    return row


def list_mine(*, db_session: Session, actor: PersonActor, limit: int = 50) -> list[Appointment]:
    query = (select(Appointment).where(Appointment.person_id == actor.person_id)
             .order_by(Appointment.day.desc(), Appointment.start_minute.desc(), Appointment.id.desc()).limit(limit))
    return list(db_session.scalars(query))


_ACCOUNT = BookingAccount.__table__
_APPOINTMENT = Appointment.__table__
_SLOT = Slot.__table__


def _upsert_account(dialect) -> object:
    return (dialect.insert(_ACCOUNT).values(person_id=bindparam("person_id"), updated_at=bindparam("now"))
            .on_conflict_do_update(index_elements=["person_id"], set_={"updated_at": bindparam("now")})
            .returning(_ACCOUNT.c.suspended_until))


_UPSERT_ACCOUNT = {"postgresql": _upsert_account(postgresql), "sqlite": _upsert_account(sqlite)}


def lock_account(*, db_session: Session, clock: Clock, person_id: int) -> date | None:
    """Upsert and lock the person's booking account (the transaction's first write) and return the suspension."""
    connection = db_session.connection()
    statement = _UPSERT_ACCOUNT["postgresql" if connection.dialect.name == "postgresql" else "sqlite"]
    return connection.execute(statement, {"person_id": person_id, "now": clock.now()}).scalar_one()


# The booking's statements are built once: the hot path only binds values (the web route and the API book through it).
# The person's rules, as one row over the same rows the partial unique indexes see (a past day's booking stays
# active until its day is closed): how many are active, whether one is for this item, whether one overlaps the slot.
_A = _APPOINTMENT.c
_RULES = select(
    func.count().label("active"),
    func.coalesce(func.max(case((_A.item_id == bindparam("item_id"), 1), else_=0)), 0).label("same_item"),
    func.coalesce(func.max(case((and_(_A.day == bindparam("slot_day", type_=_A.day.type),
                                      _A.start_minute < bindparam("slot_end", type_=_A.end_minute.type),
                                      bindparam("slot_start", type_=_A.start_minute.type) < _A.end_minute), 1), else_=0)), 0)
    .label("overlap"),
).where(_A.person_id == bindparam("person_id"), text(ACTIVE_SQL))


def _refuse_by_rules(rules: Row, max_active: int) -> None:
    """Per-person limit, the same item twice, two bookings at one time (bcgov: MAX_NO_OF_APPOINTMENTS_REACHED,
    CONFLICT_APPOINTMENT). Read after the account lock, so a second request of the same person waits and sees this one."""
    if rules.same_item:
        raise Conflict("DUPLICATE_BOOKING", "您已预约过该事项，请勿重复预约；如需改期，请先取消原预约")
    if rules.overlap:
        raise Conflict("TIME_CONFLICT", "您在这个时间已有其他预约，请选择其他时段")
    if rules.active >= max_active:
        raise Conflict("MAX_BOOKINGS_REACHED", f"每人最多同时保留 {max_active} 个未办理的预约，请办理或取消后再预约")


_HALL = Hall.__table__
_ITEM = catalog_reads.ITEMS  # the catalog's published item columns, joined in the slot's one read
_GROUP_ITEM = WindowGroupItem.__table__
_GROUP = WindowGroup.__table__
REMOTE_CHANNEL = "remote"  # a video or voice help session (远程帮办): booked from a help ticket, never a hall visit
_SLOT_HALL_ITEM = (
    select(_SLOT.c.id, _SLOT.c.hall_id, _SLOT.c.group_id, _SLOT.c.day, _SLOT.c.start_minute, _SLOT.c.end_minute,
           _SLOT.c.capacity, _SLOT.c.booked, _SLOT.c.closed, _HALL.c.name.label("hall_name"), _HALL.c.active, _HALL.c.bookable,
           _HALL.c.days_ahead, _HALL.c.no_show_limit, _HALL.c.max_active_bookings,
           _ITEM.c.name.label("item_name"), _ITEM.c.status.label("item_status"), _GROUP_ITEM.c.group_id.label("handled_by"),
           _GROUP.c.remote_help)
    .join(_HALL, _HALL.c.id == _SLOT.c.hall_id)
    .join(_GROUP, _GROUP.c.id == _SLOT.c.group_id)
    .outerjoin(_ITEM, _ITEM.c.id == bindparam("item_id"))
    .outerjoin(_GROUP_ITEM, and_(_GROUP_ITEM.c.item_id == _ITEM.c.id, _GROUP_ITEM.c.group_id == _SLOT.c.group_id))
    .where(_SLOT.c.id == bindparam("slot_id"))
)


def _usable_slot(found: Row | None) -> Row:
    """The slot's row checked: it exists, the item is handled by its windows and can be booked, the hall books online."""
    if found is None:
        raise NotFound("SLOT_NOT_FOUND", "没有找到这个预约时段")
    if found.item_name is None:
        raise NotFound("ITEM_NOT_FOUND", "没有找到这个事项")
    if found.handled_by is None:
        raise InvalidInput("ITEM_NOT_IN_GROUP", "所选窗口不办理这个事项，请重新选择")
    if found.item_status != "active":
        raise InvalidInput("ITEM_NOT_AVAILABLE", "该事项目前暂停或已停止办理，不能预约")
    if not found.active or not found.bookable:
        raise InvalidInput("BOOKING_CLOSED", f"{found.hall_name}暂不提供网上预约")
    if found.closed:
        raise Conflict("SLOT_CLOSED", "该时段因服务时间调整已停止预约，请选择其他时段")
    return found


_BOOKED_COLUMNS = ["person_id", "hall_id", "group_id", "slot_id", "item_id", "item_name", "day", "start_minute", "end_minute",
                   "status", "channel", "reason", "marked_by", "booked_by", "created_at", "updated_at"]
_INSERT_APPOINTMENT = _APPOINTMENT.insert().returning(_APPOINTMENT.c.id)
_TAKE_SEAT = (_SLOT.update().where(_SLOT.c.id == bindparam("slot_id"), _SLOT.c.booked < _SLOT.c.capacity,
                                   _SLOT.c.closed.is_(False))
              .values(booked=_SLOT.c.booked + 1))


def _pg_lock_and_read():
    """PostgreSQL: lock the account (the upsert) and read the slot in one statement. A slot already full locks and
    writes nothing: that answer costs only the read."""
    has_room = select(_SLOT.c.id).where(_SLOT.c.id == bindparam("slot_id"), _SLOT.c.booked < _SLOT.c.capacity,
                                        _SLOT.c.closed.is_(False)).exists()
    person = select(bindparam("person_id", type_=_ACCOUNT.c.person_id.type), bindparam("now", type_=_ACCOUNT.c.updated_at.type))
    account = postgresql.insert(_ACCOUNT).from_select(["person_id", "updated_at"], person.where(has_room))
    account = (account.on_conflict_do_update(index_elements=["person_id"], set_={"updated_at": bindparam("now")})
               .returning(_ACCOUNT.c.suspended_until).cte("account"))
    return _SLOT_HALL_ITEM.add_columns(select(account.c.suspended_until).scalar_subquery().label("suspended_until"))


def _pg_write():
    """PostgreSQL: check the person's rules, take the seat, write the booking and queue its confirmation, in one
    statement (its snapshot is taken after the account lock, so it sees the person's other bookings). The seat is
    taken only if the rules allow and there is room, the row written only with the seat, the job only with the row;
    the answer is the rules' row and the new id (none when refused or full). Values bind as new_<column>: a
    parameter named like a column of a table the statement updates would be taken as one more SET clause."""
    rules = _RULES.cte("rules")
    allowed = (select(rules.c.active).where(rules.c.same_item == 0, rules.c.overlap == 0, rules.c.active < bindparam("max_active"))
               .exists())
    seat = _TAKE_SEAT.where(allowed).returning(_SLOT.c.id).cte("seat")
    booked = (_APPOINTMENT.insert()
              .from_select(_BOOKED_COLUMNS, select(*(bindparam(f"new_{c}", type_=_APPOINTMENT.c[c].type) for c in _BOOKED_COLUMNS))
                           .select_from(seat))
              .returning(_APPOINTMENT.c.id).cte("booked"))
    confirm = insert_from(source=booked, payload=func.json_build_object("appointment_id", booked.c.id), kind=CONFIRM_JOB)
    new_id = select(booked.c.id).scalar_subquery().label("new_id")
    return select(rules.c.active, rules.c.same_item, rules.c.overlap, new_id).add_cte(confirm.cte("confirm"))


_PG_LOCK_AND_READ, _PG_WRITE = _pg_lock_and_read(), _pg_write()


def book(*, db_session: Session, clock: Clock, actor: PersonActor, slot_id: int, item_id: int,
         channel: str = "web", booked_by: str = "") -> Appointment:
    """预约 one slot for one item. The seat is taken by a conditional UPDATE checked by its row count, inside this
    transaction, so no slot ever exceeds its capacity however many requests race (and a CHECK backs it). The seat
    is the transaction's last write: the slot's row stays locked only for that statement and the commit.

    Its statements are built once and sent straight to the connection: a booking loads no ORM objects. On
    PostgreSQL the account lock rides with the first read, and the rules and the three writes are one statement:
    a booking is four round trips with BEGIN and COMMIT (on SQLite, where a statement costs no round trip, they
    stay six statements)."""
    db_session.flush()  # after anything the caller left pending
    connection = db_session.connection()
    on_postgres = connection.dialect.name == "postgresql"
    now = clock.now()
    params = {"slot_id": slot_id, "item_id": item_id, "person_id": actor.person_id, "now": now}
    slot = _usable_slot(connection.execute(_PG_LOCK_AND_READ if on_postgres else _SLOT_HALL_ITEM, params).first())
    if bool(slot.remote_help) != (channel == REMOTE_CHANNEL):
        raise InvalidInput("REMOTE_HELP_SLOT", "视频、语音帮办的时段请在帮办工单里预约" if slot.remote_help
                           else "这个时段是到大厅办理的时段，不能用于视频、语音帮办")
    first, last = slots.booking_days(clock, slot)  # the row carries the hall's days_ahead
    if not first <= slot.day <= last:
        raise InvalidInput("OUTSIDE_BOOKING_WINDOW", f"只能预约 {first.isoformat()} 至 {last.isoformat()} 的时段（明天起 {slot.days_ahead} 天内）")
    if slot.booked >= slot.capacity:  # already full when read: no need to go on
        raise Conflict("SLOT_FULL", "该时段已约满，请选择其他时段")
    suspended_until = slot.suspended_until if on_postgres else lock_account(db_session=db_session, clock=clock, person_id=actor.person_id)
    if suspended_until is not None and suspended_until >= clock.today():
        raise Forbidden("BOOKING_SUSPENDED", f"您近一个月失约超过 {slot.no_show_limit} 次，网上预约已暂停至 {suspended_until.isoformat()}；"
                                             "如因不可抗力失约，请联系大厅说明")
    rule_params = {"person_id": actor.person_id, "item_id": item_id, "slot_day": slot.day, "slot_start": slot.start_minute,
                   "slot_end": slot.end_minute}
    values = dict(person_id=actor.person_id, hall_id=slot.hall_id, group_id=slot.group_id, slot_id=slot.id, item_id=item_id,
                  item_name=slot.item_name, day=slot.day, start_minute=slot.start_minute, end_minute=slot.end_minute,
                  status=S.booked.value, channel=channel, reason="", marked_by="", booked_by=booked_by, created_at=now,
                  updated_at=now)
    try:
        if on_postgres:
            written = connection.execute(_PG_WRITE, {**rule_params, "slot_id": slot.id, "now": now, "max_active": slot.max_active_bookings,
                                                     **{f"new_{k}": v for k, v in values.items()}}).one()
            _refuse_by_rules(written, slot.max_active_bookings)
            new_id = written.new_id
        else:
            _refuse_by_rules(connection.execute(_RULES, rule_params).one(), slot.max_active_bookings)
            new_id = connection.execute(_INSERT_APPOINTMENT, values).scalar_one()
            enqueue_now(db_session=db_session, clock=clock, kind=CONFIRM_JOB, payload={"appointment_id": new_id})
            if connection.execute(_TAKE_SEAT, {"slot_id": slot.id}).rowcount != 1:
                new_id = None
    except IntegrityError:
        raise Conflict("DUPLICATE_BOOKING", "您已预约过该事项或该时段，请勿重复预约") from None
    if new_id is None:
        raise Conflict("SLOT_FULL", "该时段已约满，请选择其他时段")
    return attach_persistent(db_session, Appointment, {**values, "id": new_id})  # the row as written, no SELECT


def send_confirmation(*, db_session: Session, clock: Clock, appointment_id: int) -> None:
    """预约信息 to the inbox and by SMS (004): number, name, time, place and item. Queued by `book` in its own
    transaction, so it goes out exactly for committed bookings, and the booking itself stays short."""
    row = db_session.get(Appointment, appointment_id)
    if row is None or row.status not in ACTIVE_APPOINTMENT:
        return  # cancelled or refused before the job ran: that message says what matters
    hall = halls.get(db_session=db_session, hall_id=row.hall_id)
    name = persons.get(db_session=db_session, person_id=row.person_id).name
    by_staff = f"本预约由{hall.name}工作人员{STAFF_CHANNELS.get(row.channel, '')}为您办理，如非本人意愿可随时取消。" if row.booked_by else ""
    messages.to_person(db_session=db_session, clock=clock, kind="appointment_booked", person_id=row.person_id,
                       link=f"/appointments/{row.id}",
                       fields={"name": name, "number": row.number, "when": messages.when(row.day, row.start_minute, row.end_minute),
                               "hall_name": hall.name, "address": hall.address, "item_name": row.item_name,
                               "detail": REMOTE_DETAIL if row.channel == "remote" else
                               by_staff + "请携带身份证件和申请材料，提前到取号机凭身份证件取号。"})


REMOTE_DETAIL = "这是视频或语音帮办（远程帮办）的预约，无需到大厅：工作人员将在预约时段按您留下的方式联系您。"
STAFF_CHANNELS = {"window": "在窗口", "phone": "通过电话"}  # 代为预约: where the person asked staff to book


def book_for(*, db_session: Session, clock: Clock, actor: StaffActor, id_kind: str, id_number: str, slot_id: int,
             item_id: int, channel: str) -> Appointment:
    """代为预约: staff at the window or on the phone book a slot for a registered person, found by their ID document.
    The person's own rules hold (limits, duplicates, suspension); the booking is recorded as made by this member of
    staff and audited, and the person gets the same confirmation as for their own booking."""
    if channel not in STAFF_CHANNELS:
        raise InvalidInput("BOOKING_CHANNEL", "请选择代为预约的方式：窗口或电话")
    slot = slots.get(db_session=db_session, slot_id=slot_id)
    hall = halls.get(db_session=db_session, hall_id=slot.hall_id)
    halls.require_queue_staff(db_session=db_session, actor=actor, hall=hall, group_id=slot.group_id)
    try:
        kind = identity.parse_kind(id_kind)
        number = identity.validate(kind, id_number, nationality="XXX").number
    except InvalidInput:
        raise InvalidInput("ID_NUMBER_INVALID", "证件号码不正确，请核对后重新输入") from None
    person = persons.find_by_document(db_session=db_session, kind=kind.value, number=number)
    if person is None:
        raise NotFound("PERSON_NOT_FOUND", "没有查到持该证件的实名注册用户；请先为其办理实名注册，或请其现场取号办理")
    row = book(db_session=db_session, clock=clock, actor=PersonActor(person.id, person.name, person.id_kind), slot_id=slot_id,
               item_id=item_id, channel=channel, booked_by=actor.ref)
    audit.record(db_session=db_session, clock=clock, actor=actor.ref, action="appointment.book_for", object_kind="appointment",
                 object_id=row.id, details={"hall_id": hall.id, "slot_id": slot_id, "item_id": item_id, "channel": channel})
    return row


def _move(db_session: Session, row: Appointment, expected: str, **values) -> None:
    """Change the booking's status only if it still has the one this request read: of a cancel racing a second
    cancel or a refusal, exactly one wins and returns the seat; the loser sees the new status."""
    moved = db_session.execute(update(Appointment).where(Appointment.id == row.id, Appointment.status == expected)
                               .values(**values).execution_options(synchronize_session=False)).rowcount
    db_session.refresh(row)
    if moved != 1:
        raise Conflict("STATUS_CHANGED", f"该预约刚刚已{S(row.status).label}，请刷新后查看")


def _release(db_session: Session, row: Appointment) -> None:
    """The seat goes back to an open slot; a closed slot shrinks with it, so it never offers the seat again."""
    db_session.execute(update(Slot).where(Slot.id == row.slot_id, Slot.booked > 0)
                       .values(booked=Slot.booked - 1, capacity=case((Slot.closed, Slot.capacity - 1), else_=Slot.capacity))
                       .execution_options(synchronize_session=False))


def starts_at_passed(clock: Clock, row: Appointment) -> bool:
    local = clock.now().astimezone(SHANGHAI)
    return (local.date(), local.hour * 60 + local.minute) >= (row.day, row.start_minute)


def may_cancel(clock: Clock, row: Appointment) -> bool:
    return row.status == S.booked.value and not starts_at_passed(clock, row)


def cancel(*, db_session: Session, clock: Clock, actor: PersonActor, appointment_id: int) -> Appointment:
    """取消预约, allowed until the slot begins (002 8.2.2d); the seat goes back to the slot."""
    row = mine(db_session=db_session, actor=actor, appointment_id=appointment_id)
    if row.status != S.booked.value:
        raise Conflict("NOT_CANCELLABLE", f"该预约{S(row.status).label}，不能取消")
    if starts_at_passed(clock, row):
        raise Conflict("CANCEL_TOO_LATE", "预约时段已开始，不能再取消；请按时到场或联系大厅")
    _move(db_session, row, S.booked.value, status=S.cancelled.value, updated_at=clock.now())
    _release(db_session, row)
    hall = halls.get(db_session=db_session, hall_id=row.hall_id)
    messages.to_person(db_session=db_session, clock=clock, kind="appointment_cancelled", person_id=row.person_id,
                       link=f"/appointments/{row.id}",
                       fields={"number": row.number, "when": messages.when(row.day, row.start_minute, row.end_minute),
                               "hall_name": hall.name, "item_name": row.item_name, "detail": "如需办理，可重新预约。"})
    db_session.flush()
    return row


def _staff_scope(db_session: Session, actor: StaffActor, row: Appointment) -> Hall:
    hall = halls.get(db_session=db_session, hall_id=row.hall_id)
    halls.require_queue_staff(db_session=db_session, actor=actor, hall=hall, group_id=row.group_id)
    return hall


def refuse(*, db_session: Session, clock: Clock, actor: StaffActor, appointment_id: int, reason: str) -> Appointment:
    """不同意预约: the hall cannot serve it (item moved, window closed …); the person is told why at once (004)."""
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("REASON_REQUIRED", "请填写不同意预约的理由")
    row = get(db_session=db_session, appointment_id=appointment_id)
    hall = _staff_scope(db_session, actor, row)
    if row.status != S.booked.value:
        raise Conflict("NOT_REFUSABLE", f"该预约{S(row.status).label}，不能再作不同意处理")
    _move(db_session, row, S.booked.value, status=S.refused.value, reason=reason[:500], marked_by=actor.ref, updated_at=clock.now())
    _release(db_session, row)
    messages.to_person(db_session=db_session, clock=clock, kind="appointment_refused", person_id=row.person_id,
                       link=f"/appointments/{row.id}",
                       fields={"number": row.number, "when": messages.when(row.day, row.start_minute, row.end_minute),
                               "hall_name": hall.name, "item_name": row.item_name, "reason": row.reason})
    db_session.flush()
    return row


def no_show_count(*, db_session: Session, clock: Clock, person_id: int) -> int:
    since = clock.today() - NO_SHOW_WINDOW
    return db_session.scalar(select(func.count(Appointment.id)).where(
        Appointment.person_id == person_id, Appointment.status == S.no_show.value, Appointment.day > since)) or 0


def record_no_show(*, db_session: Session, clock: Clock, row: Appointment, by: str) -> None:
    """失约: no ticket taken, or a ticket taken and not handled. More than the hall's limit in a month suspends
    online booking for the hall's period (002 8.2.2e). Conditional on the status it still has, so force majeure or a
    cancellation recorded meanwhile by another request is never overwritten (it then counts nothing)."""
    marked = db_session.execute(
        update(Appointment).where(Appointment.id == row.id, Appointment.status.in_((S.booked.value, S.checked_in.value)))
        .values(status=S.no_show.value, marked_by=by, updated_at=clock.now()).execution_options(synchronize_session=False)
    ).rowcount
    db_session.refresh(row)
    if marked != 1:
        return
    hall = halls.get(db_session=db_session, hall_id=row.hall_id)
    count = no_show_count(db_session=db_session, clock=clock, person_id=row.person_id)
    if count <= hall.no_show_limit:
        return
    until = clock.today() + timedelta(days=hall.suspension_days)
    lock_account(db_session=db_session, clock=clock, person_id=row.person_id)
    account = db_session.get(BookingAccount, row.person_id)
    db_session.refresh(account)
    if account.suspended_until is not None and account.suspended_until >= until:
        return
    account.suspended_until = until
    messages.to_person(db_session=db_session, clock=clock, kind="booking_suspended", person_id=row.person_id,
                       link="/appointments", fields={"count": count, "until": until.isoformat()})
    db_session.flush()


def force_majeure(*, db_session: Session, clock: Clock, actor: StaffActor, appointment_id: int, reason: str) -> Appointment:
    """Staff record that force majeure kept the person away: it does not count, and a suspension it caused ends."""
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("REASON_REQUIRED", "请填写不可抗力的情况说明")
    row = get(db_session=db_session, appointment_id=appointment_id)
    hall = _staff_scope(db_session, actor, row)
    if row.status not in (S.no_show.value, S.booked.value, S.checked_in.value):
        raise Conflict("NOT_EXCUSABLE", f"该预约{S(row.status).label}，无需登记不可抗力")
    if row.status == S.booked.value and not starts_at_passed(clock, row):
        raise Conflict("NOT_YET_DUE", "预约时段尚未开始，请由本人取消预约")
    was_booked = row.status == S.booked.value
    _move(db_session, row, row.status, status=S.excused.value, reason=reason[:500], marked_by=actor.ref, updated_at=clock.now())
    if was_booked:
        _release(db_session, row)
    db_session.flush()
    lift_if_cleared(db_session=db_session, clock=clock, hall=hall, person_id=row.person_id)
    return row


def lift_if_cleared(*, db_session: Session, clock: Clock, hall: Hall, person_id: int) -> None:
    """A no-show no longer counts (force majeure, or the person came back when recalled): a suspension it
    caused ends once the month's count is back within the hall's limit."""
    db_session.flush()
    account = db_session.get(BookingAccount, person_id)
    if account is not None and account.suspended_until is not None:
        if no_show_count(db_session=db_session, clock=clock, person_id=person_id) <= hall.no_show_limit:
            account.suspended_until, account.updated_at = None, clock.now()
    db_session.flush()


def suspended_until(*, db_session: Session, clock: Clock, person_id: int) -> date | None:
    account = db_session.get(BookingAccount, person_id)
    if account is None or account.suspended_until is None or account.suspended_until < clock.today():
        return None
    return account.suspended_until


def for_hall_day(*, db_session: Session, hall_id: int, day: date) -> list[Appointment]:
    query = (select(Appointment).where(Appointment.hall_id == hall_id, Appointment.day == day)
             .order_by(Appointment.start_minute, Appointment.id))
    return list(db_session.scalars(query))


def recent_no_shows(*, db_session: Session, clock: Clock, hall_id: int) -> list[Appointment]:
    """No-shows of the last month at this hall, where staff may record force majeure."""
    query = (select(Appointment).where(Appointment.hall_id == hall_id, Appointment.status == S.no_show.value,
                                       Appointment.day > clock.today() - NO_SHOW_WINDOW)
             .order_by(Appointment.day.desc(), Appointment.start_minute).limit(100))
    return list(db_session.scalars(query))


def today_for_person(*, db_session: Session, clock: Clock, person_id: int, hall_id: int) -> list[Appointment]:
    query = (select(Appointment).where(Appointment.person_id == person_id, Appointment.hall_id == hall_id,
                                       Appointment.day == clock.today(), Appointment.status.in_(ACTIVE_APPOINTMENT))
             .order_by(Appointment.start_minute))
    return list(db_session.scalars(query))


def upcoming_for_person(*, db_session: Session, clock: Clock, person_id: int, hall_id: int) -> list[Appointment]:
    query = (select(Appointment).where(Appointment.person_id == person_id, Appointment.hall_id == hall_id,
                                       Appointment.day > clock.today(), Appointment.status == S.booked.value)
             .order_by(Appointment.day, Appointment.start_minute))
    return list(db_session.scalars(query))
