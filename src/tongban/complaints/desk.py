"""The 办不成事 desk (UnresolvedMatter; 004 “办不成事”反映服务; RATE-11): a matter that could not be done elsewhere is
registered at the desk or online, solved on the spot where it can be, general ones within 2 working days, and where
it cannot be done a written reply within 3 working days; a ledger with monthly figures."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from tongban.accounts.access import Permission, PersonActor, StaffActor, region_prefix
from tongban.catalog import reads as catalog_reads
from tongban.complaints.common import ANSWER_MAX, TEXT_MAX, clean_text, due_after, item_or_none, phone, warning
from tongban.complaints.enums import MatterChannel, MatterKind, MatterOutcome
from tongban.complaints.models import UnresolvedMatter
from tongban.core import csvsafe
from tongban.core.clock import Clock
from tongban.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from tongban.notify import service as notify

DAYS = {MatterKind.general: "matter_general_days", MatterKind.impossible: "matter_impossible_days"}


@dataclass(frozen=True)
class MatterIn:
    matter: str
    kind: str = "general"
    channel: str = "desk"
    contact_name: str = ""
    contact_phone: str = ""
    item_id: int | None = None
    agency_id: int | None = None


def _enum(kind, value: str, what: str):
    try:
        return kind(value)
    except ValueError:
        raise InvalidInput("BAD_VALUE", f"{what}只能是：{'、'.join(k.label for k in kind)}") from None


def due_for(db_session: Session, kind: MatterKind, registered_on: date) -> date:
    """当场办结: the same day; 一般性问题: 2 working days; 不能办理: a written reply in 3 working days."""
    if kind is MatterKind.on_spot:
        return registered_on
    return due_after(db_session, registered_on, DAYS[kind])


def require_desk(actor: StaffActor) -> None:
    if not (actor.has(Permission.consult_answer) or actor.has(Permission.supervise)):
        raise Forbidden("NOT_PERMITTED", "办不成事由综合窗口、咨询导办或管理专员登记和办理")


def register(*, db_session: Session, clock: Clock, matter_in: MatterIn, staff: StaffActor | None = None,
             person: PersonActor | None = None, resolution: str = "") -> UnresolvedMatter:
    """Fill in the registration form (受理情况登记表): at the desk by staff, online by the signed-in person. A matter the
    desk solved on the spot is registered with its `resolution` and closed at once."""
    channel = _enum(MatterChannel, matter_in.channel, "登记渠道")
    kind = _enum(MatterKind, matter_in.kind, "办理类别")
    if channel is MatterChannel.online:
        if person is None:
            raise Forbidden("LOGIN_REQUIRED", "网上反映办不成的事请先登录，以便答复您")
        if kind is MatterKind.on_spot:
            kind = MatterKind.general  # only the desk solves on the spot
    else:
        if staff is None:
            raise Forbidden("STAFF_CHANNEL", "窗口和热线反映的办不成事由工作人员登记")
        require_desk(staff)
    text = clean_text(matter_in.matter, what="办不成的事", limit=TEXT_MAX, code="MATTER")
    name = clean_text(matter_in.contact_name, what="姓名", limit=50, required=False, code="NAME")
    number = phone(matter_in.contact_phone)
    if person is None and not number:
        raise InvalidInput("PHONE_REQUIRED", "请填写反映人的手机号码，以便跟踪答复")
    item = item_or_none(db_session, matter_in.item_id)
    agency_id = item.agency_id if item else matter_in.agency_id
    region = staff.region_code if staff else ""
    if agency_id is not None:
        agency = catalog_reads.find_agency(db_session=db_session, agency_id=agency_id)
        if agency is None:
            raise InvalidInput("AGENCY_NOT_FOUND", "没有找到这个部门，请重新选择")
        region = agency.region_code
    now, today = clock.now(), clock.today()
    row = UnresolvedMatter(
        channel=channel.value, kind=kind.value, matter=text, person_id=person.person_id if person else None,
        contact_name=name or (person.name if person else None), contact_phone=number or None,
        item_id=item.id if item else None, agency_id=agency_id, region_code=region,
        registered_by=staff.ref if staff else (person.ref if person else ""), registered_on=today,
        due=due_for(db_session, kind, today), created_at=now, updated_at=now,
    )
    db_session.add(row)
    db_session.flush()
    row.number = f"BC{today:%y%m%d}{row.id:06d}"
    db_session.flush()
    if staff is not None and kind is MatterKind.on_spot and resolution.strip():
        return resolve(db_session=db_session, clock=clock, actor=staff, matter_id=row.id, outcome="solved",
                       resolution=resolution)
    return row


def _in_scope(actor: StaffActor, row: UnresolvedMatter) -> bool:
    return row.region_code == "" or row.region_code.startswith(region_prefix(actor.region_code))


def get(*, db_session: Session, actor: StaffActor, matter_id: int) -> UnresolvedMatter:
    require_desk(actor)
    row = db_session.get(UnresolvedMatter, matter_id)
    if row is None:
        raise NotFound("MATTER_NOT_FOUND", "没有找到这条办不成事登记")
    if not _in_scope(actor, row):
        raise Forbidden("OUT_OF_SCOPE", "只能办理本地区的办不成事")
    return row


def _open(db_session: Session, actor: StaffActor, matter_id: int) -> UnresolvedMatter:
    row = get(db_session=db_session, actor=actor, matter_id=matter_id)
    if row.outcome:
        raise Conflict("MATTER_CLOSED", "这件事已经办结或答复，不能再改")
    return row


def classify(*, db_session: Session, clock: Clock, actor: StaffActor, matter_id: int, kind: str) -> UnresolvedMatter:
    """Re-sort an open matter (e.g. found to be impossible); its time limit counts from the day it was registered."""
    row = _open(db_session, actor, matter_id)
    new = _enum(MatterKind, kind, "办理类别")
    row.kind, row.due, row.updated_at = new.value, due_for(db_session, new, row.registered_on), clock.now()
    db_session.flush()
    return row


def resolve(*, db_session: Session, clock: Clock, actor: StaffActor, matter_id: int, outcome: str,
            resolution: str) -> UnresolvedMatter:
    """Solved, or (where it cannot be done) a written reply saying why and what the person can do instead."""
    row = _open(db_session, actor, matter_id)
    result = _enum(MatterOutcome, outcome, "办理结果")
    what = "书面答复（不能办理的原因和替代办法）" if result is MatterOutcome.replied else "解决情况"
    row.resolution = clean_text(resolution, what=what, limit=ANSWER_MAX, code="RESOLUTION")
    row.outcome, row.resolved_by, row.resolved_on = result.value, actor.name, clock.today()
    row.on_time, row.updated_at = row.resolved_on <= row.due, clock.now()
    if row.person_id is not None or row.contact_phone:
        notify.notify(db_session=db_session, clock=clock, kind="notice", person_id=row.person_id,
                      phone=row.contact_phone, link="/desk",
                      fields={"title": f"办不成事 {row.number} {result.label}",
                              "body": f"您反映的办不成事（{row.number}）{result.label}：{row.resolution[:200]}"})
    db_session.flush()
    return row


def matter_warning(*, db_session: Session, clock: Clock, row: UnresolvedMatter):
    return warning(db_session=db_session, clock=clock, due=row.due, running=not row.outcome)


def mine(*, db_session: Session, person: PersonActor, limit: int = 100) -> list[UnresolvedMatter]:
    query = select(UnresolvedMatter).where(UnresolvedMatter.person_id == person.person_id)
    return list(db_session.scalars(query.order_by(UnresolvedMatter.id.desc()).limit(limit)))


# --- the ledger (台账) and monthly figures ---------------------------------------------------------------------------

@dataclass(frozen=True)
class LedgerFilter:
    month: str = ""  # YYYY-MM, registered in that month
    status: str = ""  # "", open, done
    outcome: str = ""
    kind: str = ""


def _month(value: str) -> tuple[date, date] | None:
    if not value:
        return None
    try:
        year, month = (int(p) for p in value.split("-"))
        start = date(year, month, 1)
    except ValueError:
        raise InvalidInput("BAD_MONTH", "月份格式应为 YYYY-MM，例如 2026-11") from None
    end = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
    return start, end


def ledger(*, db_session: Session, actor: StaffActor, filters: LedgerFilter, limit: int = 2000) -> list[UnresolvedMatter]:
    require_desk(actor)
    prefix = region_prefix(actor.region_code)
    query = select(UnresolvedMatter).where(
        (UnresolvedMatter.region_code == "") | UnresolvedMatter.region_code.startswith(prefix, autoescape=True))
    bounds = _month(filters.month)
    if bounds:
        query = query.where(UnresolvedMatter.registered_on >= bounds[0], UnresolvedMatter.registered_on < bounds[1])
    if filters.status not in ("", "open", "done"):
        raise InvalidInput("BAD_STATUS", "状态只能是：办理中、已办结")
    if filters.status == "open":
        query = query.where(UnresolvedMatter.outcome == "")
    elif filters.status == "done":
        query = query.where(UnresolvedMatter.outcome != "")
    if filters.outcome:
        query = query.where(UnresolvedMatter.outcome == _enum(MatterOutcome, filters.outcome, "办理结果").value)
    if filters.kind:
        query = query.where(UnresolvedMatter.kind == _enum(MatterKind, filters.kind, "办理类别").value)
    return list(db_session.scalars(query.order_by(UnresolvedMatter.registered_on.desc(), UnresolvedMatter.id.desc())
                                   .limit(limit)))


@dataclass
class Month:
    month: str
    registered: int = 0
    by_kind: dict[str, int] = field(default_factory=dict)
    solved: int = 0
    replied: int = 0
    open: int = 0
    on_time: int = 0
    late: int = 0  # done after the due date, or still open past it


def figures(*, rows: list[UnresolvedMatter], today: date) -> list[Month]:
    """Counts per month of registration: by kind and outcome, on time and late."""
    months: dict[str, Month] = {}
    for row in rows:
        m = months.setdefault(f"{row.registered_on:%Y-%m}", Month(f"{row.registered_on:%Y-%m}"))
        m.registered += 1
        m.by_kind[row.kind] = m.by_kind.get(row.kind, 0) + 1
        if row.outcome == MatterOutcome.solved.value:
            m.solved += 1
        elif row.outcome == MatterOutcome.replied.value:
            m.replied += 1
        else:
            m.open += 1
        if row.outcome and row.on_time:
            m.on_time += 1
        elif (row.outcome and not row.on_time) or (not row.outcome and today > row.due):
            m.late += 1
    return [months[k] for k in sorted(months, reverse=True)]


HEADER = ["编号", "登记日期", "渠道", "类别", "反映的事", "期限", "结果", "办理情况", "办结日期", "是否按时", "办理人"]


def to_csv(rows: list[UnresolvedMatter]) -> bytes:
    """The ledger as CSV (through csvsafe: cells starting with = + - @ cannot run as formulas)."""
    def outcome(row):
        return MatterOutcome(row.outcome).label if row.outcome else "办理中"

    return csvsafe.write_csv(
        ([r.number, r.registered_on.isoformat(), MatterChannel(r.channel).label, MatterKind(r.kind).label, r.matter,
          r.due.isoformat(), outcome(r), r.resolution, r.resolved_on.isoformat() if r.resolved_on else "",
          "" if r.on_time is None else ("是" if r.on_time else "否"), r.resolved_by] for r in rows),
        header=HEADER)
