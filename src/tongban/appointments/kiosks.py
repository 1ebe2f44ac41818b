"""Ticket machines (取号机) that hall staff enroll, so only a hall's own machines look bookings up by ID document and
print tickets (002 8.2.4). A machine holds a random token; only its SM3 hash is stored, as for staff API tokens.

Staff enroll a machine from their own workstation: they name it and get a one-time 登记码, which is typed on the
machine itself; the staff member's browser stays signed in, and no staff login ever happens on a public machine.
Each machine has its own rate limit (shared by every process), and shows only the slips it printed itself."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from tongban.accounts.access import Permission, StaffActor
from tongban.appointments import halls
from tongban.appointments.models import Hall, KioskDevice, QueueTicket
from tongban.core import audit, limits
from tongban.core.clock import Clock
from tongban.core.crypto import lookup_hash
from tongban.core.errors import Forbidden, InvalidInput, NotFound
from tongban.core.security import new_token, token_hash

TOKEN_PREFIX = "tbk"
TOKEN_MAX_LENGTH = 200
SEEN_EVERY = timedelta(minutes=1)  # last_seen_at is written at most this often, not on every request
NOT_ENROLLED = ("KIOSK_NOT_ENROLLED", "本机未登记为本场所的取号机，请联系大厅工作人员登记")
REVOKED = ("KIOSK_REVOKED", "本机的取号机登记已被撤销，请联系大厅工作人员重新登记")
PAIRING_VALID = timedelta(minutes=15)
SLIP_SHOWN_FOR = timedelta(minutes=10)  # the slip is printed at once; afterwards the number is on the screen and by SMS
# A machine serves one person at a time: a few tickets a minute at the busiest; more is a script, not a queue.
PER_MINUTE = limits.Limit("kiosk-minute", 12, timedelta(minutes=1), "KIOSK_TOO_FAST", "本机操作过于频繁，请稍候一分钟再试")
PER_HOUR = limits.Limit("kiosk-hour", 240, timedelta(hours=1), "KIOSK_TOO_FAST", "本机本小时取号次数已达上限，请到咨询台由工作人员协助取号")
CODE_TRIES_FROM = limits.Limit("kiosk-code-from", 10, timedelta(minutes=15), "KIOSK_CODE_TOO_MANY",
                               "登记码错误次数过多，请 15 分钟后再试")
CODE_TRIES_HALL = limits.Limit("kiosk-code-hall", 30, timedelta(hours=1), "KIOSK_CODE_TOO_MANY",
                               "本场所登记码错误次数过多，请稍后再试")
WRONG_CODE = ("KIOSK_CODE_WRONG", "登记码不正确或已过期，请核对，或请工作人员重新生成")


@dataclass(frozen=True)
class Enrolled:
    device: KioskDevice
    token: str  # shown once, to the machine being enrolled


@dataclass(frozen=True)
class Pairing:
    device: KioskDevice
    code: str  # 登记码, shown once to the staff member, typed on the machine


def require_staff(*, actor: StaffActor, hall: Hall) -> None:
    """Hall administrators of the hall, and queue staff of its region and its managing agency (not another
    department's window staff working there: a machine serves the whole hall)."""
    if actor.has(Permission.hall_admin):
        halls.require_admin(actor, hall)
        return
    actor.require(Permission.queue_call, region_code=hall.region_code, agency_id=hall.agency_id)


def _name(name: str) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise InvalidInput("KIOSK_NAME_REQUIRED", "请填写取号机名称，如“一楼大厅东侧取号机”")
    if len(name) > 100:
        raise InvalidInput("KIOSK_NAME_TOO_LONG", "取号机名称不能超过 100 个字")
    return name


def enroll(*, db_session: Session, clock: Clock, actor: StaffActor, hall: Hall, name: str) -> Enrolled:
    """Enroll a machine and hand its token to the caller (the API: the token is configured on the machine)."""
    require_staff(actor=actor, hall=hall)
    name = _name(name)
    clear = new_token(TOKEN_PREFIX)
    device = KioskDevice(hall_id=hall.id, name=name, token_hash=token_hash(clear), enrolled_by=actor.staff_id,
                         enrolled_at=clock.now())
    db_session.add(device)
    db_session.flush()
    audit.record(db_session=db_session, clock=clock, actor=actor.ref, action="kiosk.enroll", object_kind="hall",
                 object_id=hall.id, details={"device_id": device.id, "name": name})
    return Enrolled(device=device, token=clear)


def _code_hash(hall_id: int, code: str) -> str:
    return lookup_hash("kiosk-pairing", f"{hall_id}\x1f{code}")


def start_pairing(*, db_session: Session, clock: Clock, actor: StaffActor, hall: Hall, name: str) -> Pairing:
    """A machine to be: its one-time 登记码 (8 digits, valid 15 minutes) is shown to the staff member, who types it on
    the machine. Until then the machine holds no token anybody knows."""
    require_staff(actor=actor, hall=hall)
    name = _name(name)
    code = f"{secrets.randbelow(10**8):08d}"
    device = KioskDevice(hall_id=hall.id, name=name, token_hash=token_hash(new_token(TOKEN_PREFIX)), enrolled_by=actor.staff_id,
                         enrolled_at=clock.now(), pairing_hash=_code_hash(hall.id, code),
                         pairing_expires_at=clock.now() + PAIRING_VALID)
    db_session.add(device)
    db_session.flush()
    audit.record(db_session=db_session, clock=clock, actor=actor.ref, action="kiosk.pairing", object_kind="hall",
                 object_id=hall.id, details={"device_id": device.id, "name": name})
    return Pairing(device=device, code=f"{code[:4]} {code[4:]}")


def pair(*, db_session: Session, clock: Clock, hall: Hall, code: str, client_ip: str) -> Enrolled:
    """The machine types its 登记码 and receives its token. Wrong codes are limited per address and per hall, and
    each code works once, within its 15 minutes, for its own hall."""
    limits.check(db_session=db_session, clock=clock, limit=CODE_TRIES_FROM, key=client_ip)
    limits.check(db_session=db_session, clock=clock, limit=CODE_TRIES_HALL, key=str(hall.id))
    digits = "".join(ch for ch in (code or "") if ch.isdigit())[:8]
    device = db_session.scalar(select(KioskDevice).where(KioskDevice.pairing_hash == _code_hash(hall.id, digits))) if digits else None
    if (device is None or device.hall_id != hall.id or device.revoked_at is not None
            or device.pairing_expires_at is None or device.pairing_expires_at <= clock.now()):
        limits.hit(db_session=db_session, clock=clock, limit=CODE_TRIES_FROM, key=client_ip)
        limits.hit(db_session=db_session, clock=clock, limit=CODE_TRIES_HALL, key=str(hall.id))
        limits.refuse(db_session, InvalidInput(*WRONG_CODE))
    clear = new_token(TOKEN_PREFIX)
    device.token_hash, device.pairing_hash, device.pairing_expires_at = token_hash(clear), None, None
    device.last_seen_at = clock.now()
    db_session.flush()
    audit.record(db_session=db_session, clock=clock, actor=f"kiosk:{device.id}", action="kiosk.enroll", object_kind="hall",
                 object_id=hall.id, details={"device_id": device.id, "name": device.name, "enrolled_by": device.enrolled_by})
    return Enrolled(device=device, token=clear)


def pending(device: KioskDevice) -> bool:
    """Waiting for its 登记码 to be typed on the machine."""
    return device.pairing_hash is not None


def count_use(*, db_session: Session, clock: Clock, device: KioskDevice) -> None:
    """One lookup or ticket of this machine, refused (429) past its per-minute or per-hour limit."""
    for limit in (PER_MINUTE, PER_HOUR):
        limits.take_or_refuse(db_session=db_session, clock=clock, limit=limit, key=str(device.id))


def slip(*, db_session: Session, clock: Clock, device: KioskDevice, ticket_id: int) -> QueueTicket:
    """The slip of a ticket this machine printed in the last few minutes: another machine, or a later visitor of
    this one, cannot page through the hall's tickets."""
    ticket = db_session.get(QueueTicket, ticket_id)
    if (ticket is None or ticket.kiosk_id != device.id or ticket.day != clock.today()
            or clock.now() - ticket.taken_at > SLIP_SHOWN_FOR):
        raise NotFound("TICKET_NOT_FOUND", "没有找到这个排队号")
    return ticket


def list_devices(*, db_session: Session, actor: StaffActor, hall: Hall) -> list[KioskDevice]:
    """The hall's machines, those in use first, newest first."""
    require_staff(actor=actor, hall=hall)
    query = (select(KioskDevice).where(KioskDevice.hall_id == hall.id)
             .order_by(KioskDevice.revoked_at.is_not(None), KioskDevice.id.desc()))
    return list(db_session.scalars(query))


def revoke(*, db_session: Session, clock: Clock, actor: StaffActor, hall: Hall, device_id: int) -> KioskDevice:
    """Revoking twice is harmless; the first time and person are kept."""
    require_staff(actor=actor, hall=hall)
    device = db_session.get(KioskDevice, device_id)
    if device is None or device.hall_id != hall.id:
        raise NotFound("KIOSK_NOT_FOUND", "没有找到本场所的这台取号机")
    if device.revoked_at is None:
        device.revoked_at, device.revoked_by = clock.now(), actor.staff_id
        audit.record(db_session=db_session, clock=clock, actor=actor.ref, action="kiosk.revoke", object_kind="hall",
                     object_id=hall.id, details={"device_id": device.id, "name": device.name})
        db_session.flush()
    return device


def authenticate(*, db_session: Session, clock: Clock, hall_id: int, token: str | None) -> KioskDevice:
    """The enrolled, unrevoked machine of this hall that holds the token; Forbidden otherwise. A machine of another
    hall is told it is not enrolled here, the same as an unknown one."""
    token = (token or "").strip()
    if not token or len(token) > TOKEN_MAX_LENGTH:
        raise Forbidden(*NOT_ENROLLED)
    device = db_session.scalar(select(KioskDevice).where(KioskDevice.token_hash == token_hash(token)))
    if device is None or device.hall_id != hall_id:
        raise Forbidden(*NOT_ENROLLED)
    if device.revoked_at is not None:
        raise Forbidden(*REVOKED)
    now = clock.now()
    if device.last_seen_at is None or now - device.last_seen_at >= SEEN_EVERY:
        device.last_seen_at = now
        db_session.flush()
    return device
