"""上门服务 for the elderly, the disabled and others who cannot come to the hall, asked for by them or family (004)."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from tongban.accounts import identity
from tongban.accounts.access import PersonActor, StaffActor
from tongban.appointments import halls, messages
from tongban.appointments.enums import HomeVisitStatus
from tongban.appointments.models import HomeVisit
from tongban.appointments.schemas import HomeVisitIn
from tongban.catalog import service as catalog
from tongban.core.clock import Clock
from tongban.core.errors import Conflict, Forbidden, InvalidInput, NotFound

MAX_DAYS_AHEAD = 30
V = HomeVisitStatus


def request(*, db_session: Session, clock: Clock, actor: PersonActor, visit_in: HomeVisitIn) -> HomeVisit:
    hall = halls.get(db_session=db_session, hall_id=visit_in.hall_id)
    first, last = clock.today() + timedelta(days=1), clock.today() + timedelta(days=MAX_DAYS_AHEAD)
    if not first <= visit_in.preferred_day <= last:
        raise InvalidInput("VISIT_DAY", f"期望上门日期应在 {first.isoformat()} 至 {last.isoformat()} 之间")
    item_name = visit_in.item_name
    if visit_in.item_id is not None:
        item_name = catalog.get_item(db_session=db_session, item_id=visit_in.item_id).name
    if not item_name:
        raise InvalidInput("VISIT_ITEM", "请写明要办理的事项")
    now = clock.now()
    visit = HomeVisit(
        person_id=actor.person_id, hall_id=hall.id, item_id=visit_in.item_id, item_name=item_name,
        visitee_name=visit_in.visitee_name, visitee_phone=identity.normalize_phone(visit_in.visitee_phone),
        address=visit_in.address, reason=visit_in.reason.value, preferred_day=visit_in.preferred_day, note=visit_in.note,
        status=V.requested.value, staff_note="", handled_by="", created_at=now, updated_at=now,
    )
    db_session.add(visit)
    db_session.flush()
    messages.to_person(db_session=db_session, clock=clock, kind="home_visit", person_id=actor.person_id, link="/appointments",
                       fields={"item_name": item_name, "status": "申请已收到",
                               "detail": f"{hall.name}将在1个工作日内与{visit.visitee_name}电话联系确认上门时间。"})
    return visit


def mine(*, db_session: Session, actor: PersonActor) -> list[HomeVisit]:
    query = select(HomeVisit).where(HomeVisit.person_id == actor.person_id).order_by(HomeVisit.id.desc())
    return list(db_session.scalars(query))


def _handles(served: set[int] | None, visit: HomeVisit, handling: dict[int, set[int]]) -> bool:
    """A department's staff handle a request only for an item one of their groups handles here; a request naming
    no catalogued item goes to the hall's own staff (served is None)."""
    return served is None or bool(visit.item_id is not None and handling.get(visit.item_id, set()) & served)


def for_hall(*, db_session: Session, actor: StaffActor, hall_id: int) -> list[HomeVisit]:
    """The hall's requests this member of staff may handle: another department's stay out of the list."""
    hall = halls.get(db_session=db_session, hall_id=hall_id)
    served = halls.served_groups(db_session=db_session, actor=actor, hall=hall)
    query = select(HomeVisit).where(HomeVisit.hall_id == hall.id).order_by(HomeVisit.preferred_day, HomeVisit.id)
    rows = list(db_session.scalars(query))
    if served is None:
        return rows
    handling = halls.groups_handling(db_session=db_session, hall_id=hall.id,
                                     item_ids=list({v.item_id for v in rows if v.item_id is not None}))
    return [v for v in rows if _handles(served, v, handling)]


def _staff_visit(db_session: Session, actor: StaffActor, visit_id: int) -> HomeVisit:
    visit = db_session.get(HomeVisit, visit_id)
    if visit is None:
        raise NotFound("VISIT_NOT_FOUND", "没有找到这个上门服务申请")
    hall = halls.get(db_session=db_session, hall_id=visit.hall_id)
    served = halls.served_groups(db_session=db_session, actor=actor, hall=hall)
    handling = halls.groups_handling(db_session=db_session, hall_id=hall.id, item_ids=[visit.item_id] if visit.item_id else [])
    if not _handles(served, visit, handling):
        raise Forbidden(*halls.OUT_OF_SCOPE)
    return visit


def decide(*, db_session: Session, clock: Clock, actor: StaffActor, visit_id: int, status: str,
           day: date | None = None, note: str = "") -> HomeVisit:
    """Schedule (with a day), mark done, or decline (with the reason told to the requester)."""
    visit = _staff_visit(db_session, actor, visit_id)
    try:
        target = V(status)
    except ValueError:
        raise InvalidInput("VISIT_STATUS", "请选择安排、完成或不能安排") from None
    allowed = {V.scheduled: {V.requested.value, V.scheduled.value}, V.done: {V.scheduled.value},
               V.declined: {V.requested.value, V.scheduled.value}}
    if target not in allowed or visit.status not in allowed[target]:
        raise Conflict("VISIT_STATE", f"该申请{V(visit.status).label}，不能改为{target.label}")
    if target is V.scheduled and (day is None or day < clock.today()):
        raise InvalidInput("VISIT_DAY", "请选择今天或以后的上门日期")
    if target is V.declined and not note.strip():
        raise InvalidInput("REASON_REQUIRED", "请填写不能安排上门的理由")
    visit.status, visit.staff_note, visit.handled_by, visit.updated_at = target.value, note.strip()[:500], actor.ref, clock.now()
    if target is V.scheduled:
        visit.scheduled_for = day
    detail = {V.scheduled: f"上门日期：{day.isoformat() if day else ''}。{visit.staff_note}",
              V.done: "感谢您的配合。", V.declined: f"原因：{visit.staff_note}"}[target]
    messages.to_person(db_session=db_session, clock=clock, kind="home_visit", person_id=visit.person_id, link="/appointments",
                       fields={"item_name": visit.item_name, "status": target.label, "detail": detail})
    db_session.flush()
    return visit
