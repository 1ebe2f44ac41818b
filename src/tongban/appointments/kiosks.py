"""Ticket machines (取号机) that hall staff enroll, so only a hall's own machines look bookings up by ID document and
print tickets (002 8.2.4). A machine holds a random token; only its SM3 hash is stored, as for staff API tokens."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from tongban.accounts.access import Permission, StaffActor
from tongban.appointments import halls
from tongban.appointments.models import Hall, KioskDevice
from tongban.core import audit
from tongban.core.clock import Clock
from tongban.core.errors import Forbidden, InvalidInput, NotFound
from tongban.core.security import new_token, token_hash

TOKEN_PREFIX = "tbk"
TOKEN_MAX_LENGTH = 200
SEEN_EVERY = timedelta(minutes=1)  # last_seen_at is written at most this often, not on every request
NOT_ENROLLED = ("KIOSK_NOT_ENROLLED", "本机未登记为本场所的取号机，请联系大厅工作人员登记")
REVOKED = ("KIOSK_REVOKED", "本机的取号机登记已被撤销，请联系大厅工作人员重新登记")


@dataclass(frozen=True)
class Enrolled:
    device: KioskDevice
    token: str  # shown once, to the machine being enrolled


def require_staff(*, actor: StaffActor, hall: Hall) -> None:
    """Hall administrators of the hall, and queue staff of its region and its managing agency (not another
    department's window staff working there: a machine serves the whole hall)."""
    if actor.has(Permission.hall_admin):
        halls.require_admin(actor, hall)
        return
    actor.require(Permission.queue_call, region_code=hall.region_code, agency_id=hall.agency_id)


def enroll(*, db_session: Session, clock: Clock, actor: StaffActor, hall: Hall, name: str) -> Enrolled:
    require_staff(actor=actor, hall=hall)
    name = " ".join((name or "").split())
    if not name:
        raise InvalidInput("KIOSK_NAME_REQUIRED", "请填写取号机名称，如“一楼大厅东侧取号机”")
    if len(name) > 100:
        raise InvalidInput("KIOSK_NAME_TOO_LONG", "取号机名称不能超过 100 个字")
    clear = new_token(TOKEN_PREFIX)
    device = KioskDevice(hall_id=hall.id, name=name, token_hash=token_hash(clear), enrolled_by=actor.staff_id,
                         enrolled_at=clock.now())
    db_session.add(device)
    db_session.flush()
    audit.record(db_session=db_session, clock=clock, actor=actor.ref, action="kiosk.enroll", object_kind="hall",
                 object_id=hall.id, details={"device_id": device.id, "name": name})
    return Enrolled(device=device, token=clear)


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
