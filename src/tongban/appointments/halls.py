"""Halls, their opening sessions, window groups and windows, and who may change them (002 6.3.5–6.3.6, 8.2.2)."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from tongban.accounts.access import Permission, StaffActor, region_prefix
from tongban.appointments.enums import SessionDays
from tongban.appointments.models import Hall, HallSession, QueueTicket, Window, WindowGroup, WindowGroupItem
from tongban.appointments.schemas import GroupIn, HallIn, SessionIn, WindowIn
from tongban.catalog import regions
from tongban.catalog import reads as catalog_reads
from tongban.core.clock import Clock
from tongban.core.errors import Conflict, Forbidden, InvalidInput, NotFound


def hhmm(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def get(*, db_session: Session, hall_id: int) -> Hall:
    hall = db_session.get(Hall, hall_id)
    if hall is None:
        raise NotFound("HALL_NOT_FOUND", "没有找到这个政务服务场所")
    return hall


def by_code(*, db_session: Session, code: str) -> Hall | None:
    return db_session.scalar(select(Hall).where(Hall.code == code))


def list_halls(*, db_session: Session, kind: str | None = None, region_code: str | None = None,
               active_only: bool = True) -> list[Hall]:
    query = select(Hall).order_by(Hall.region_code, Hall.kind, Hall.name, Hall.id)
    if active_only:
        query = query.where(Hall.active.is_(True))
    if kind:
        query = query.where(Hall.kind == kind)
    if region_code:
        query = query.where(Hall.region_code.startswith(region_prefix(region_code), autoescape=True))
    return list(db_session.scalars(query))


def require_admin(actor: StaffActor, hall: Hall | None = None, *, region_code: str | None = None,
                  agency_id: int | None = None) -> None:
    actor.require(Permission.hall_admin, region_code=hall.region_code if hall else region_code,
                  agency_id=hall.agency_id if hall else agency_id)


OUT_OF_SCOPE = ("OUT_OF_SCOPE", "只能处理本机构、本地区的业务")


def served_groups(*, db_session: Session, actor: StaffActor, hall: Hall) -> set[int] | None:
    """The window groups of this hall whose business this member of staff handles: None for all of them (staff of
    the region, or of the hall's managing agency); for staff of one department, the groups of the windows it staffs
    there and the groups those windows help. Refused when they handle nothing here."""
    actor.require(Permission.queue_call, region_code=hall.region_code)
    if actor.agency_id is None or actor.agency_id == hall.agency_id:
        return None
    served: set[int] = set()
    for window in windows_of(db_session=db_session, hall_id=hall.id):
        if window.agency_id == actor.agency_id:
            served.add(window.group_id)
            served.update(window.helps or [])
    if not served:
        raise Forbidden(*OUT_OF_SCOPE)
    return served


def require_queue_staff(*, db_session: Session, actor: StaffActor, hall: Hall, group_id: int | None = None) -> None:
    """叫号 and booking actions at a hall: its region, and for staff of one department its agency's hall or a
    window it staffs there (in that group, or helping it); another department's bookings stay out of reach."""
    served = served_groups(db_session=db_session, actor=actor, hall=hall)
    if served is not None and group_id is not None and group_id not in served:
        raise Forbidden(*OUT_OF_SCOPE)


def groups_handling(*, db_session: Session, hall_id: int, item_ids: list[int]) -> dict[int, set[int]]:
    """For each item, the groups of this hall that handle it."""
    found: dict[int, set[int]] = defaultdict(set)
    if not item_ids:
        return found
    query = (select(WindowGroupItem.item_id, WindowGroupItem.group_id)
             .join(WindowGroup, WindowGroup.id == WindowGroupItem.group_id)
             .where(WindowGroup.hall_id == hall_id, WindowGroupItem.item_id.in_(item_ids)))
    for item_id, group_id in db_session.execute(query):
        found[item_id].add(group_id)
    return found


def _check_place(db_session: Session, hall_in: HallIn) -> None:
    regions.get_region(db_session=db_session, code=hall_in.region_code)
    if hall_in.agency_id is not None:
        regions.get_agency(db_session=db_session, agency_id=hall_in.agency_id)
    if (hall_in.latitude is None) != (hall_in.longitude is None):
        raise InvalidInput("COORDINATES_INCOMPLETE", "经度和纬度须同时填写")


def save_hall(*, db_session: Session, clock: Clock, actor: StaffActor | None, hall_in: HallIn,
              hall_id: int | None = None) -> Hall:
    """Create a hall, or update one; `actor` None is the trusted seed path."""
    _check_place(db_session, hall_in)
    if actor is not None:
        require_admin(actor, region_code=hall_in.region_code, agency_id=hall_in.agency_id)  # also the hall it becomes
    same_code = by_code(db_session=db_session, code=hall_in.code)
    if hall_id is None:
        if same_code is not None:
            raise Conflict("HALL_CODE_TAKEN", "该场所编码已被使用")
        hall = Hall(created_at=clock.now())
        db_session.add(hall)
    else:
        hall = get(db_session=db_session, hall_id=hall_id)
        if actor is not None:
            require_admin(actor, hall)
        if same_code is not None and same_code.id != hall.id:
            raise Conflict("HALL_CODE_TAKEN", "该场所编码已被使用")
    values = hall_in.model_dump()
    values["photos"] = [p.model_dump() for p in hall_in.photos]
    for key, value in values.items():
        setattr(hall, key, value)
    hall.updated_at = clock.now()
    db_session.flush()
    return hall


def sessions_of(*, db_session: Session, hall_id: int) -> list[HallSession]:
    query = select(HallSession).where(HallSession.hall_id == hall_id)
    order = {d.value: i for i, d in enumerate(SessionDays)}
    return sorted(db_session.scalars(query), key=lambda s: (order[s.days], s.start_minute))


def set_sessions(*, db_session: Session, clock: Clock, actor: StaffActor | None, hall: Hall,
                 sessions: list[SessionIn]) -> list[HallSession]:
    """Replace the opening sessions; sessions of the same days may not overlap."""
    if actor is not None:
        require_admin(actor, hall)
    by_days: dict[str, list[SessionIn]] = defaultdict(list)
    for s in sessions:
        if s.end_minute <= s.start_minute:
            raise InvalidInput("SESSION_TIMES", f"{s.days.label} {hhmm(s.start_minute)} 的结束时间须晚于开始时间")
        by_days[s.days.value].append(s)
    for day_sessions in by_days.values():
        day_sessions.sort(key=lambda s: s.start_minute)
        for before, after in zip(day_sessions, day_sessions[1:]):
            if after.start_minute < before.end_minute:
                raise InvalidInput("SESSION_OVERLAP", f"{after.days.label}的时段 {hhmm(after.start_minute)} 与前一时段重叠")
    db_session.execute(delete(HallSession).where(HallSession.hall_id == hall.id))
    rows = [HallSession(hall_id=hall.id, days=s.days.value, start_minute=s.start_minute, end_minute=s.end_minute,
                        extended=s.extended, label=s.label) for s in sessions]
    db_session.add_all(rows)
    hall.updated_at = clock.now()
    db_session.flush()
    return rows


def hours_lines(sessions: list[HallSession]) -> list[str]:
    """Opening hours as people read them: 工作日 09:00–12:00、13:30–17:30；周六 09:00–12:00（周末不打烊）."""
    lines = []
    for days in SessionDays:
        mine = [s for s in sessions if s.days == days.value]
        if not mine:
            continue
        parts = []
        for s in mine:
            text = f"{hhmm(s.start_minute)}–{hhmm(s.end_minute)}"
            if s.label or s.extended:
                text += f"（{s.label or '延时服务'}）"
            parts.append(text)
        lines.append(f"{days.label} " + "、".join(parts))
    if lines:
        lines.append("法定节假日休息")
    return lines


def groups_of(*, db_session: Session, hall_id: int) -> list[WindowGroup]:
    query = select(WindowGroup).where(WindowGroup.hall_id == hall_id).order_by(WindowGroup.sort, WindowGroup.id)
    return list(db_session.scalars(query))


def get_group(*, db_session: Session, group_id: int, hall_id: int | None = None) -> WindowGroup:
    group = db_session.get(WindowGroup, group_id)
    if group is None or (hall_id is not None and group.hall_id != hall_id):
        raise NotFound("GROUP_NOT_FOUND", "没有找到这个窗口分组")
    return group


def save_group(*, db_session: Session, clock: Clock, actor: StaffActor | None, hall: Hall, group_in: GroupIn,
               group_id: int | None = None) -> WindowGroup:
    if actor is not None:
        require_admin(actor, hall)
    taken = db_session.scalar(select(WindowGroup).where(WindowGroup.hall_id == hall.id,
                                                        WindowGroup.ticket_prefix == group_in.ticket_prefix))
    known = catalog_reads.existing_item_ids(db_session=db_session, item_ids=group_in.item_ids)
    unknown = [i for i in group_in.item_ids if i not in known]
    if unknown:
        raise InvalidInput("ITEM_NOT_FOUND", f"没有这些事项：{'、'.join(map(str, unknown))}")
    group = WindowGroup(hall_id=hall.id, ticket_seq=0) if group_id is None else get_group(
        db_session=db_session, group_id=group_id, hall_id=hall.id)
    if taken is not None and taken is not group:
        raise Conflict("TICKET_PREFIX_TAKEN", f"本场所已有使用字头“{group_in.ticket_prefix}”的分组")
    if group.ticket_prefix != group_in.ticket_prefix and _prefix_used_today(
            db_session, clock, hall.id, group_in.ticket_prefix, group.id):
        raise Conflict("TICKET_PREFIX_USED_TODAY", f"字头“{group_in.ticket_prefix}”今天已有其他分组出过号，换用它会出现重号；"
                                                   "请换一个字头，或明天再改")
    group.name, group.ticket_prefix, group.avg_minutes = group_in.name, group_in.ticket_prefix, group_in.avg_minutes
    group.booking_share, group.booking_required, group.sort = group_in.booking_share, group_in.booking_required, group_in.sort
    group.remote_help = group_in.remote_help  # the caller re-plans the slots: remote desks keep working hours only
    db_session.add(group)
    db_session.flush()
    db_session.execute(delete(WindowGroupItem).where(WindowGroupItem.group_id == group.id))
    db_session.add_all(WindowGroupItem(group_id=group.id, item_id=i) for i in dict.fromkeys(group_in.item_ids))
    hall.updated_at = clock.now()
    db_session.flush()
    return group


def _prefix_used_today(db_session: Session, clock: Clock, hall_id: int, prefix: str, group_id: int | None) -> bool:
    """Whether another group of the hall printed tickets with this prefix today: taking it now would repeat numbers."""
    query = select(QueueTicket.number).where(QueueTicket.hall_id == hall_id, QueueTicket.day == clock.today(),
                                             QueueTicket.number.startswith(prefix, autoescape=True))
    if group_id is not None:
        query = query.where(QueueTicket.group_id != group_id)
    return any(number[len(prefix):].isdigit() for number in db_session.scalars(query))


def items_of_groups(*, db_session: Session, group_ids: list[int]) -> dict[int, list[catalog_reads.ItemFacts]]:
    """Items handled per group, by name: two queries, however many groups."""
    found: dict[int, list[catalog_reads.ItemFacts]] = {g: [] for g in group_ids}
    if not group_ids:
        return found
    groups_of_item: dict[int, list[int]] = {}
    for group_id, item_id in db_session.execute(select(WindowGroupItem.group_id, WindowGroupItem.item_id)
                                                .where(WindowGroupItem.group_id.in_(group_ids))):
        groups_of_item.setdefault(item_id, []).append(group_id)
    for item in catalog_reads.items_by_id(db_session=db_session, item_ids=groups_of_item).values():  # by name
        for group_id in groups_of_item[item.id]:
            found[group_id].append(item)
    return found


def handles(*, db_session: Session, group_id: int, item_id: int) -> bool:
    return db_session.get(WindowGroupItem, (group_id, item_id)) is not None


def halls_for_item(*, db_session: Session, item_id: int) -> list[tuple[Hall, WindowGroup]]:
    query = (select(Hall, WindowGroup).join(WindowGroup, WindowGroup.hall_id == Hall.id)
             .join(WindowGroupItem, WindowGroupItem.group_id == WindowGroup.id)
             .where(WindowGroupItem.item_id == item_id, Hall.active.is_(True),
                    WindowGroup.remote_help.is_(False))  # remote help desks are booked from a help ticket
             .order_by(Hall.name))
    return [(h, g) for h, g in db_session.execute(query)]


def windows_of(*, db_session: Session, hall_id: int, active_only: bool = False) -> list[Window]:
    query = select(Window).where(Window.hall_id == hall_id).order_by(Window.number)
    if active_only:
        query = query.where(Window.active.is_(True))
    return list(db_session.scalars(query))


def get_window(*, db_session: Session, window_id: int) -> Window:
    window = db_session.get(Window, window_id)
    if window is None:
        raise NotFound("WINDOW_NOT_FOUND", "没有找到这个窗口")
    return window


def window_numbers(windows: list[Window], group_id: int) -> list[int]:
    return [w.number for w in windows if w.group_id == group_id and w.active]


def save_window(*, db_session: Session, clock: Clock, actor: StaffActor | None, hall: Hall, window_in: WindowIn,
                window_id: int | None = None) -> Window:
    if actor is not None:
        require_admin(actor, hall)
    groups = {g.id for g in groups_of(db_session=db_session, hall_id=hall.id)}
    if window_in.group_id not in groups or any(g not in groups for g in window_in.helps):
        raise InvalidInput("GROUP_NOT_IN_HALL", "窗口只能属于本场所的分组")
    if window_in.agency_id is not None:
        regions.get_agency(db_session=db_session, agency_id=window_in.agency_id)
    same = db_session.scalar(select(Window).where(Window.hall_id == hall.id, Window.number == window_in.number))
    if window_id is None:
        window = Window(hall_id=hall.id)
    else:
        window = get_window(db_session=db_session, window_id=window_id)
        if window.hall_id != hall.id:
            raise NotFound("WINDOW_NOT_FOUND", "没有找到这个窗口")
    if same is not None and same is not window:
        raise Conflict("WINDOW_NUMBER_TAKEN", f"本场所已有 {window_in.number} 号窗口")
    window.number, window.group_id, window.agency_id = window_in.number, window_in.group_id, window_in.agency_id
    window.helps = [g for g in window_in.helps if g != window_in.group_id]
    window.active = window_in.active
    db_session.add(window)
    hall.updated_at = clock.now()
    db_session.flush()
    return window


def capacity(*, windows: int, slot_minutes: int, avg_minutes: int, booking_share: int) -> int:
    """预约放号数量 (002 8.2.2b): the cases the group's windows handle in one slot, times the share kept for bookings.
    Three windows, 30-minute slots, 15 minutes a case and half for bookings give 3 × 2 × 50% = 3 per slot."""
    if windows <= 0 or avg_minutes <= 0:
        return 0
    return windows * slot_minutes * booking_share // (avg_minutes * 100)


def active_window_counts(*, db_session: Session, hall_id: int) -> dict[int, int]:
    query = (select(Window.group_id, func.count(Window.id)).where(Window.hall_id == hall_id, Window.active.is_(True))
             .group_by(Window.group_id))
    return {g: n for g, n in db_session.execute(query)}
