"""The liaison directory for cross-region work (全省通办联络通讯录, XREG-04; 002 9.2.1.7): each agency names who to
call about which items; staff keep their own region's entries, and every member of staff can search the whole
directory. Names and phones are encrypted at rest and phones masked in lists."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tongban.accounts import identity
from tongban.accounts.access import Permission, StaffActor, region_prefix
from tongban.catalog import reads as catalog_reads
from tongban.core import audit
from tongban.core.clock import Clock
from tongban.core.errors import Forbidden, InvalidInput, NotFound
from tongban.core.text import clean_text
from tongban.crossregion.models import Liaison

EDIT_PERMISSIONS = (Permission.case_accept, Permission.supervise, Permission.hall_admin)
MAX_ITEMS = 50
PHONE_CHARS = set("0123456789-")


@dataclass(frozen=True)
class LiaisonIn:
    agency_id: int
    contact_name: str
    phone: str
    post: str = ""
    items: list[str] = field(default_factory=list)
    note: str = ""


def _require_edit(actor: StaffActor, agency_id: int, region_code: str) -> None:
    """Windows, hall administrators and supervisors keep the entries of their own agency (management staff: of their
    region); nobody edits another region's."""
    if not any(actor.has(p) for p in EDIT_PERMISSIONS):
        raise Forbidden("NOT_PERMITTED", "您的岗位不能维护跨域通办联络员")
    if not actor.covers(agency_id=agency_id, region_code=region_code):
        raise Forbidden("OUT_OF_SCOPE", "只能维护本机构、本地区的跨域通办联络员")


def _phone(value: str) -> str:
    text = (value or "").strip().replace(" ", "")
    if not text:
        raise InvalidInput("PHONE_REQUIRED", "请填写联络员电话")
    if text.isdigit() and len(text) == 11:
        return identity.normalize_phone(text)
    if not set(text) <= PHONE_CHARS or not 7 <= len(text.replace("-", "")) <= 13:
        raise InvalidInput("PHONE_FORMAT", "联络员电话应为手机号码或固定电话（如 0826-2600315）")
    return text


def _items(values: list[str]) -> list[str]:
    cleaned = []
    for value in values or []:
        text = " ".join(str(value).split())
        if not text:
            continue
        if len(text) > 200:
            raise InvalidInput("ITEM_TOO_LONG", "事项名称或编码最多 200 字")
        if text not in cleaned:
            cleaned.append(text)
    if not cleaned:
        raise InvalidInput("ITEMS_REQUIRED", "请填写联络员负责的事项（每行一项）")
    if len(cleaned) > MAX_ITEMS:
        raise InvalidInput("TOO_MANY_ITEMS", f"一位联络员最多登记 {MAX_ITEMS} 个事项")
    return cleaned


def _fill(row: Liaison, liaison_in: LiaisonIn) -> None:
    row.contact_name = clean_text(liaison_in.contact_name, what="联络员姓名", limit=50, code="CONTACT_NAME")
    row.phone = _phone(liaison_in.phone)
    row.post = clean_text(liaison_in.post, what="职务或窗口", limit=100, required=False, code="POST")
    row.items = _items(liaison_in.items)
    row.items_text = "\n".join(row.items)
    row.note = clean_text(liaison_in.note, what="备注", limit=500, required=False, code="NOTE")


def create(*, db_session: Session, clock: Clock, actor: StaffActor, liaison_in: LiaisonIn) -> Liaison:
    agency = catalog_reads.find_agency(db_session=db_session, agency_id=liaison_in.agency_id)
    if agency is None:
        raise InvalidInput("AGENCY_NOT_FOUND", "没有找到这个机构")
    _require_edit(actor, agency.id, agency.region_code)
    now = clock.now()
    row = Liaison(agency_id=agency.id, region_code=agency.region_code, updated_by=actor.ref, created_at=now, updated_at=now)
    _fill(row, liaison_in)
    db_session.add(row)
    db_session.flush()
    audit.record(db_session=db_session, clock=clock, actor=actor.ref, action="crossregion.liaison_create",
                 object_kind="liaison", object_id=str(row.id), details={"agency_id": agency.id})
    return row


def get(*, db_session: Session, liaison_id: int) -> Liaison:
    row = db_session.get(Liaison, liaison_id)
    if row is None:
        raise NotFound("LIAISON_NOT_FOUND", "没有找到这位联络员")
    return row


def update(*, db_session: Session, clock: Clock, actor: StaffActor, liaison_id: int, liaison_in: LiaisonIn) -> Liaison:
    row = get(db_session=db_session, liaison_id=liaison_id)
    _require_edit(actor, row.agency_id, row.region_code)
    if liaison_in.agency_id != row.agency_id:
        agency = catalog_reads.find_agency(db_session=db_session, agency_id=liaison_in.agency_id)
        if agency is None:
            raise InvalidInput("AGENCY_NOT_FOUND", "没有找到这个机构")
        _require_edit(actor, agency.id, agency.region_code)
        row.agency_id, row.region_code = agency.id, agency.region_code
    _fill(row, liaison_in)
    row.updated_by, row.updated_at = actor.ref, clock.now()
    audit.record(db_session=db_session, clock=clock, actor=actor.ref, action="crossregion.liaison_update",
                 object_kind="liaison", object_id=str(row.id), details={"agency_id": row.agency_id})
    db_session.flush()
    return row


def delete(*, db_session: Session, clock: Clock, actor: StaffActor, liaison_id: int) -> None:
    row = get(db_session=db_session, liaison_id=liaison_id)
    _require_edit(actor, row.agency_id, row.region_code)
    audit.record(db_session=db_session, clock=clock, actor=actor.ref, action="crossregion.liaison_delete",
                 object_kind="liaison", object_id=str(row.id), details={"agency_id": row.agency_id})
    db_session.delete(row)
    db_session.flush()


def may_edit(actor: StaffActor, row: Liaison) -> bool:
    return any(actor.has(p) for p in EDIT_PERMISSIONS) and actor.covers(agency_id=row.agency_id, region_code=row.region_code)


def search(*, db_session: Session, region_code: str = "", item: str = "", limit: int = 200) -> list[Liaison]:
    """The directory, narrowed to a region (and the regions under it) and to an item (part of its name or code)."""
    query = select(Liaison)
    region_code = (region_code or "").strip()
    if region_code:
        if not region_code.isdigit() or not 2 <= len(region_code) <= 12:
            raise InvalidInput("REGION_FORMAT", "行政区划代码应为 2–12 位数字")
        query = query.where(Liaison.region_code.startswith(region_prefix(region_code.ljust(6, "0"))))
    text = " ".join((item or "").split())
    if len(text) > 100:
        raise InvalidInput("ITEM_TOO_LONG", "事项检索词最多 100 字")
    if text:
        query = query.where(func.lower(Liaison.items_text).contains(text.lower(), autoescape=True))
    return list(db_session.scalars(query.order_by(Liaison.region_code, Liaison.agency_id, Liaison.id).limit(limit)))
