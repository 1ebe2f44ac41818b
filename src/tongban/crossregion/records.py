"""Reading hand-over records: one by id for staff, the lists of both sides (sent, awaiting feedback, received)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from tongban.accounts.access import Permission, StaffActor, region_prefix
from tongban.core.crypto import lookup_hash
from tongban.core.errors import Forbidden, InvalidInput, NotFound
from tongban.crossregion.enums import OPEN_STATES, Side
from tongban.crossregion.models import Handover

VIEWS = {"awaiting": "待反馈（已发出未办结）", "sent": "本窗口已发出（收件地）", "received": "本地区已接收（属地）"}
LIST_PERMISSIONS = (Permission.case_accept, Permission.case_dispatch, Permission.supervise)


def applicant_hash(number: str) -> str:
    return lookup_hash("xreg-applicant", (number or "").strip().upper())


def require_list(actor: StaffActor) -> None:
    if not any(actor.has(p) for p in LIST_PERMISSIONS):
        raise Forbidden("NOT_PERMITTED", "您的岗位不能查看跨域通办件")


def _ours(actor: StaffActor, row: Handover) -> bool:
    region = row.origin_region if row.side == Side.sent.value else row.handling_region
    return actor.covers(agency_id=row.local_agency_id, region_code=region)


def get(*, db_session: Session, actor: StaffActor, handover_id: int) -> Handover:
    """One hand-over of the staff's own side (their agency, or their region for management staff)."""
    require_list(actor)
    row = db_session.get(Handover, handover_id)
    if row is None or not _ours(actor, row):
        raise NotFound("HANDOVER_NOT_FOUND", "没有找到这个跨域通办件")
    return row


def by_envelope(*, db_session: Session, envelope_id: str, side: Side) -> Handover | None:
    return db_session.scalar(select(Handover).where(Handover.envelope_id == envelope_id, Handover.side == side.value))


def by_case(*, db_session: Session, case_id: int) -> Handover | None:
    return db_session.scalar(select(Handover).where(Handover.case_id == case_id, Handover.side == Side.received.value))


def listing(*, db_session: Session, actor: StaffActor, view: str = "awaiting", limit: int = 200) -> list[Handover]:
    require_list(actor)
    if view not in VIEWS:
        raise InvalidInput("VIEW_UNKNOWN", "列表无效：应为待反馈、已发出或已接收")
    side = Side.received if view == "received" else Side.sent
    query = select(Handover).where(Handover.side == side.value)
    region = Handover.handling_region if side is Side.received else Handover.origin_region
    query = query.where(region.startswith(region_prefix(actor.region_code)))
    if actor.agency_id is not None:
        query = query.where(Handover.local_agency_id == actor.agency_id)
    if view == "awaiting":
        query = query.where(Handover.state.in_([s.value for s in OPEN_STATES]))
    return list(db_session.scalars(query.order_by(Handover.id.desc()).limit(limit)))
