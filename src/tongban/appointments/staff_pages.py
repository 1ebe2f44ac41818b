"""Staff pages for hall administrators: the hall's information, booking settings, hours, window groups and windows,
and the hall's enrolled ticket machines (MAP-01, MAP-03; APPT-02, APPT-03, APPT-09, APPT-12)."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from tongban.accounts import staff
from tongban.accounts.access import Permission, StaffActor
from tongban.appointments import halls, kiosks, slots
from tongban.appointments.enums import HallKind, SessionDays
from tongban.appointments.schemas import GroupIn, HallIn, SessionIn, WindowIn
from tongban.catalog import regions
from tongban.catalog.enums import Level
from tongban.core.clock import Clock
from tongban.core.errors import DomainError, Forbidden, InvalidInput
from tongban.core.validation import humanize
from tongban.web.actions import form_action, see_other
from tongban.web.deps import Csrf, Db, Id, Now, Posted, Staff
from tongban.web.rendering import render

router = APIRouter(include_in_schema=False)
HALL_FIELDS = ("code", "name", "kind", "level", "region_code", "agency_id", "address", "latitude", "longitude", "phone", "email",
               "fax", "hours_note", "directions", "slot_minutes", "days_ahead", "max_active_bookings", "no_show_limit",
               "suspension_days", "near_notice")
SESSION_LINE = re.compile(r"^(\S+)\s+(\d{1,2}):(\d{2})\s*[-–~]\s*(\d{1,2}):(\d{2})\s*(.*)$")
DAY_WORDS = {d.label: d for d in SessionDays} | {d.value: d for d in SessionDays}




def _may_see(actor: StaffActor) -> None:
    if not (actor.has(Permission.hall_admin) or actor.has(Permission.queue_call)):
        raise Forbidden("NOT_PERMITTED", "您的岗位没有大厅预约叫号的权限")


def _list(request: Request, db: Session, actor: StaffActor, *, error: str = "", values: dict | None = None,
          status_code: int = 200) -> HTMLResponse:
    rows = halls.list_halls(db_session=db, region_code=actor.region_code, active_only=False)
    return render(request, "appointments/staff_halls.html", status_code=status_code, actor=actor, rows=rows, kinds=HallKind,
                  levels=list(Level), msg="", error=error, v=values or {})


@router.get("/staff/halls", response_class=HTMLResponse)
def hall_list(request: Request, db: Db, actor: Staff) -> HTMLResponse:
    _may_see(actor)
    return _list(request, db, actor)


@router.post("/staff/halls", response_class=HTMLResponse)
def create_hall(request: Request, db: Db, clock: Now, actor: Staff, _csrf: Csrf, data: Posted) -> Response:
    """A new hall, service point or terminal; hours, groups and windows are set on its page next."""
    values = {k: _text(data, k, 300) for k in ("code", "name", "kind", "level", "region_code", "address")}
    try:
        hall_in = HallIn.model_validate(values)
    except ValidationError as exc:
        return _list(request, db, actor, error=humanize(exc.errors())[0], values=values, status_code=422)

    def failed(exc: DomainError) -> Response:
        if isinstance(exc, Forbidden):
            raise exc
        return _list(request, db, actor, error=exc.message, values=values, status_code=exc.status_code)

    return form_action(db, lambda: halls.save_hall(db_session=db, clock=clock, actor=actor, hall_in=hall_in),
                       done=lambda hall: see_other(f"/staff/halls/{hall.id}", msg="saved"), failed=failed)


PHOTO_LINE = re.compile(r"^(\S+)\s*(.*)$")


def parse_photos(text: str) -> list[dict]:
    """One photo a line: its address (/… or https://…) and a caption."""
    found = []
    for line in (text or "").splitlines():
        match = PHOTO_LINE.match(line.strip())
        if match:
            found.append({"url": match.group(1), "caption": match.group(2).strip()[:100]})
    return found


def sessions_text(sessions) -> str:
    return "\n".join(f"{SessionDays(s.days).label} {halls.hhmm(s.start_minute)}-{halls.hhmm(s.end_minute)}"
                     + (f" {s.label}" if s.label else (" 延时服务" if s.extended else "")) for s in sessions)


def parse_sessions(text: str) -> list[SessionIn]:
    """One session a line: “工作日 09:00-12:00”, “周六 09:00-12:00 周末不打烊”; a note marks weekend or extended hours."""
    found = []
    for number, line in enumerate((text or "").splitlines(), 1):
        line = line.strip()
        if not line:
            continue
        match = SESSION_LINE.match(line)
        if not match or match.group(1) not in DAY_WORDS:
            raise InvalidInput("SESSION_FORMAT", f"第 {number} 行格式不对，应为“工作日 09:00-12:00”或“周六 09:00-12:00 周末不打烊”")
        days = DAY_WORDS[match.group(1)]
        h1, m1, h2, m2 = (int(match.group(i)) for i in range(2, 6))
        if h1 > 24 or h2 > 24 or m1 > 59 or m2 > 59:
            raise InvalidInput("SESSION_FORMAT", f"第 {number} 行的时间不对")
        label = match.group(6).strip()[:40]
        found.append(SessionIn(days=days, start_minute=h1 * 60 + m1, end_minute=h2 * 60 + m2,
                               extended=bool(label) or days is not SessionDays.workday, label=label))
    return found


def _page(request: Request, db: Session, actor: StaffActor, hall, *, msg: str = "", error: str = "", status_code: int = 200) -> HTMLResponse:
    groups = halls.groups_of(db_session=db, hall_id=hall.id)
    items = halls.items_of_groups(db_session=db, group_ids=[g.id for g in groups])
    return render(
        request, "appointments/staff_hall.html", status_code=status_code, actor=actor, hall=hall, msg=msg, error=error,
        groups=groups, items=items, windows=halls.windows_of(db_session=db, hall_id=hall.id),
        sessions=sessions_text(halls.sessions_of(db_session=db, hall_id=hall.id)), kinds=list(HallKind), levels=list(Level),
        agencies=regions.list_agencies(db_session=db), is_admin=actor.has(Permission.hall_admin),
        counts=halls.active_window_counts(db_session=db, hall_id=hall.id), capacity=halls.capacity,
    )


@router.get("/staff/halls/{hall_id}", response_class=HTMLResponse)
def hall_page(request: Request, hall_id: Id, db: Db, actor: Staff) -> HTMLResponse:
    _may_see(actor)
    hall = halls.get(db_session=db, hall_id=hall_id)
    actor.require(Permission.hall_admin if actor.has(Permission.hall_admin) else Permission.queue_call, region_code=hall.region_code)
    return _page(request, db, actor, hall, msg={"saved": "已保存，预约时段已按新设置更新。"}.get(request.query_params.get("msg", ""), ""))


def _text(data: FormData, name: str, limit: int = 2000) -> str:
    value = data.get(name)
    return value[:limit] if isinstance(value, str) else ""


def _ids(data: FormData, name: str) -> list[int]:
    return [int(v) for v in data.getlist(name) if isinstance(v, str) and v.isdigit() and len(v) < 10]


def _save(request: Request, db: Session, clock: Clock, actor: StaffActor, hall_id: int, change) -> Response:
    """Run one settings change, re-plan the future slots, commit; show the form again with the problem otherwise."""
    hall = halls.get(db_session=db, hall_id=hall_id)
    halls.require_admin(actor, hall)

    def change_and_plan() -> None:
        try:
            change(hall)
        except ValidationError as exc:  # a form value of the wrong shape: shown like any other refusal, with 422
            raise InvalidInput("FORM_INVALID", humanize(exc.errors())[0]) from None
        slots.rebuild(db_session=db, clock=clock, hall=hall)

    def failed(exc: DomainError) -> Response:
        if isinstance(exc, Forbidden):
            raise exc
        return _page(request, db, actor, halls.get(db_session=db, hall_id=hall_id), error=exc.message, status_code=exc.status_code)

    return form_action(db, change_and_plan, done=lambda _: see_other(f"/staff/halls/{hall_id}", msg="saved"), failed=failed)


@router.post("/staff/halls/{hall_id}/settings", response_class=HTMLResponse)
def save_settings(request: Request, hall_id: Id, db: Db, clock: Now, actor: Staff, _csrf: Csrf, data: Posted) -> Response:
    def change(hall):
        values = {k: (_text(data, k) or None) for k in HALL_FIELDS}
        values = {k: v for k, v in values.items() if v is not None or k in ("agency_id", "latitude", "longitude")}
        values.update(bookable=data.get("bookable") == "1", active=data.get("active") == "1",
                      photos=parse_photos(_text(data, "photos", 4000)) if "photos" in data else (hall.photos or []))
        halls.save_hall(db_session=db, clock=clock, actor=actor, hall_in=HallIn.model_validate(values), hall_id=hall.id)
    return _save(request, db, clock, actor, hall_id, change)


@router.post("/staff/halls/{hall_id}/sessions", response_class=HTMLResponse)
def save_sessions(request: Request, hall_id: Id, db: Db, clock: Now, actor: Staff, _csrf: Csrf, data: Posted) -> Response:
    return _save(request, db, clock, actor, hall_id, lambda hall: halls.set_sessions(
        db_session=db, clock=clock, actor=actor, hall=hall, sessions=parse_sessions(_text(data, "sessions", 4000))))


def _group_in(data: FormData) -> GroupIn:
    return GroupIn.model_validate({
        "name": _text(data, "name", 200), "ticket_prefix": _text(data, "ticket_prefix", 4).upper(),
        "avg_minutes": _text(data, "avg_minutes", 6) or 15, "booking_share": _text(data, "booking_share", 6) or 50,
        "booking_required": data.get("booking_required") == "1", "remote_help": data.get("remote_help") == "1",
        "item_ids": _ids(data, "item_ids"),
        "sort": _text(data, "sort", 6) or 0,
    })


@router.post("/staff/halls/{hall_id}/groups", response_class=HTMLResponse)
def add_group(request: Request, hall_id: Id, db: Db, clock: Now, actor: Staff, _csrf: Csrf, data: Posted) -> Response:
    return _save(request, db, clock, actor, hall_id, lambda hall: halls.save_group(
        db_session=db, clock=clock, actor=actor, hall=hall, group_in=_group_in(data)))


@router.post("/staff/halls/{hall_id}/groups/{group_id}", response_class=HTMLResponse)
def save_group(request: Request, hall_id: Id, group_id: Id, db: Db, clock: Now, actor: Staff, _csrf: Csrf, data: Posted) -> Response:
    return _save(request, db, clock, actor, hall_id, lambda hall: halls.save_group(
        db_session=db, clock=clock, actor=actor, hall=hall, group_in=_group_in(data), group_id=group_id))


def _window_in(data: FormData) -> WindowIn:
    agency = _text(data, "agency_id", 12)
    return WindowIn.model_validate({"number": _text(data, "number", 6), "group_id": _text(data, "group_id", 12),
                                    "agency_id": agency or None, "helps": _ids(data, "helps"), "active": data.get("active") == "1"})


@router.post("/staff/halls/{hall_id}/windows", response_class=HTMLResponse)
def add_window(request: Request, hall_id: Id, db: Db, clock: Now, actor: Staff, _csrf: Csrf, data: Posted) -> Response:
    return _save(request, db, clock, actor, hall_id, lambda hall: halls.save_window(
        db_session=db, clock=clock, actor=actor, hall=hall, window_in=_window_in(data)))


@router.post("/staff/halls/{hall_id}/windows/{window_id}", response_class=HTMLResponse)
def save_window(request: Request, hall_id: Id, window_id: Id, db: Db, clock: Now, actor: Staff, _csrf: Csrf, data: Posted) -> Response:
    return _save(request, db, clock, actor, hall_id, lambda hall: halls.save_window(
        db_session=db, clock=clock, actor=actor, hall=hall, window_in=_window_in(data), window_id=window_id))


KIOSK_MESSAGES = {"revoked": "已撤销该取号机的登记，它不能再取号。"}


def _kiosks(request: Request, db: Session, clock: Clock, actor: StaffActor, hall, *, msg: str = "", error: str = "",
            pairing: kiosks.Pairing | None = None, status_code: int = 200) -> HTMLResponse:
    devices = kiosks.list_devices(db_session=db, actor=actor, hall=hall)
    names = {i: staff.get(db_session=db, staff_id=i).name for i in {d.enrolled_by for d in devices}}
    return render(request, "appointments/staff_kiosks.html", status_code=status_code, actor=actor, hall=hall, devices=devices,
                  names=names, msg=msg, error=error, pairing=pairing, pending=kiosks.pending, now=clock.now())


def _kiosks_refused(request: Request, db: Session, clock: Clock, actor: StaffActor, hall, exc: DomainError) -> HTMLResponse:
    if isinstance(exc, Forbidden):
        raise exc
    return _kiosks(request, db, clock, actor, hall, error=exc.message, status_code=exc.status_code)


@router.get("/staff/halls/{hall_id}/kiosks", response_class=HTMLResponse)
def kiosk_list(request: Request, hall_id: Id, db: Db, clock: Now, actor: Staff) -> HTMLResponse:
    hall = halls.get(db_session=db, hall_id=hall_id)
    return _kiosks(request, db, clock, actor, hall, msg=KIOSK_MESSAGES.get(request.query_params.get("msg", ""), ""))


@router.post("/staff/halls/{hall_id}/kiosks", response_class=HTMLResponse)
def start_pairing(request: Request, hall_id: Id, db: Db, clock: Now, actor: Staff, _csrf: Csrf,
                  name: Annotated[str, Form(max_length=200)] = "") -> Response:
    """A new machine's one-time 登记码, shown once on this page (not a redirect, so it is never in a URL or history);
    it is typed on the machine itself, and this browser stays signed in."""
    hall = halls.get(db_session=db, hall_id=hall_id)
    return form_action(db, lambda: kiosks.start_pairing(db_session=db, clock=clock, actor=actor, hall=hall, name=name),
                       done=lambda pairing: _kiosks(request, db, clock, actor, hall, pairing=pairing),
                       failed=lambda exc: _kiosks_refused(request, db, clock, actor, hall, exc))


@router.post("/staff/halls/{hall_id}/kiosks/{device_id}/revoke", response_class=HTMLResponse)
def revoke_kiosk(request: Request, hall_id: Id, device_id: Id, db: Db, clock: Now, actor: Staff, _csrf: Csrf) -> Response:
    hall = halls.get(db_session=db, hall_id=hall_id)
    return form_action(db, lambda: kiosks.revoke(db_session=db, clock=clock, actor=actor, hall=hall, device_id=device_id),
                       done=lambda _: see_other(f"/staff/halls/{hall.id}/kiosks", msg="revoked"),
                       failed=lambda exc: _kiosks_refused(request, db, clock, actor, hall, exc))
