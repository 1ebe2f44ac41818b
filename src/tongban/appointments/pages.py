"""Public pages of the service map: halls with items, hours, live queue and rating, nearest halls, the SVG map, the
directory, the big calling screen and the ticket machine, for enrolled machines only (MAP-01…04; APPT-09, APPT-11)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, TypeVar

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from tongban.accounts.identity import KINDS_FOR_FORM
from tongban.appointments import halls, kiosks, map as hall_map, queue, presenters
from tongban.appointments.enums import HallKind
from tongban.appointments.models import KioskDevice
from tongban.core.clock import Clock
from tongban.core.config import get_settings
from tongban.core.errors import DomainError, Forbidden
from tongban.accounts.access import PersonActor
from tongban.web.actions import form_action, see_other
from tongban.web.deps import client_ip, Csrf, Db, Id, Now, optional_person
from tongban.web.rendering import render

router = APIRouter(include_in_schema=False)
T = TypeVar("T")


def _kind(value: str) -> str | None:
    return value if value in {k.value for k in HallKind} else None


@router.get("/halls", response_class=HTMLResponse)
def hall_list(request: Request, db: Db, clock: Now, kind: Annotated[str, Query(max_length=20)] = "",
              lat: Annotated[str, Query(max_length=30)] = "", lng: Annotated[str, Query(max_length=30)] = "",
              item: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None) -> HTMLResponse:
    """政务服务地图 as a list; with a location, nearest first with the distance; with an item, the halls handling it.
    The form always sends both location boxes, so empty ones mean "no location" and a wrong one is told on the page."""
    error, point = "", None
    try:
        point = hall_map.parse_point(lat, lng)
    except DomainError as exc:
        error = exc.message
    if item is not None:
        found = [h for h, _ in halls.halls_for_item(db_session=db, item_id=item)]
        rows = presenters.hall_outs(db_session=db, clock=clock, rows=list(dict.fromkeys(found)))
    elif point is not None:
        ranked = hall_map.nearest(db_session=db, lat=point[0], lng=point[1], limit=50, kind=_kind(kind))
        rows = presenters.hall_outs(db_session=db, clock=clock, rows=[h for h, _ in ranked], distances={h.id: km for h, km in ranked})
    else:
        rows = presenters.hall_outs(db_session=db, clock=clock, rows=halls.list_halls(db_session=db, kind=_kind(kind)))
    return render(request, "appointments/halls.html", status_code=422 if error else 200, rows=rows, kinds=list(HallKind),
                  kind=kind, lat=lat, lng=lng, item=item, error=error)


@router.get("/halls/map", response_class=HTMLResponse)
def hall_svg_map(request: Request, db: Db, clock: Now, region: Annotated[str, Query(max_length=40)] = "",
                 lat: Annotated[str, Query(max_length=30)] = "", lng: Annotated[str, Query(max_length=30)] = "") -> HTMLResponse:
    """The map with numbered halls and the list beside it; a chosen district or street, or the browser's location
    (lat/lng), centres the map and orders the halls by distance. A wrong choice is told on the page with a 4xx."""
    error, status, place = "", 200, None
    try:
        place = hall_map.choose_place(db_session=db, region=region, lat=lat, lng=lng)
    except DomainError as exc:
        error, status = exc.message, exc.status_code
    view = hall_map.map_view(db_session=db, place=place)
    listed = [h for h, _ in view.ranked] + view.unplaced
    rows = presenters.hall_outs(db_session=db, clock=clock, rows=listed, distances={h.id: km for h, km in view.ranked})
    return render(request, "appointments/map.html", status_code=status, view=view, rows=rows, kinds=HallKind,
                  choices=hall_map.region_choices(db_session=db), selected=place.region_code if place else "", error=error)


@router.get("/halls/directory", response_class=HTMLResponse)
def directory(request: Request, db: Db) -> HTMLResponse:
    rows = presenters.directory_rows(db_session=db, rows=halls.list_halls(db_session=db))
    return render(request, "appointments/directory.html", rows=rows)


@router.get("/halls/{hall_id}", response_class=HTMLResponse)
def hall_detail(request: Request, hall_id: Id, db: Db, clock: Now,
                me: Annotated[PersonActor | None, Depends(optional_person)]) -> HTMLResponse:
    hall = presenters.hall_out(db_session=db, clock=clock, hall=halls.get(db_session=db, hall_id=hall_id))
    return render(request, "appointments/hall.html", h=hall, me=me, error="")


@router.get("/halls/{hall_id}/screen", response_class=HTMLResponse)
def big_screen(request: Request, hall_id: Id, db: Db, clock: Now) -> HTMLResponse:
    """大厅叫号屏: refreshes itself every few seconds without any script."""
    hall = halls.get(db_session=db, hall_id=hall_id)
    return render(request, "appointments/screen.html", hall=hall, q=presenters.queue_out(db_session=db, clock=clock, hall=hall))


KIOSK_COOKIE = "tb_kiosk"
KIOSK_COOKIE_SECONDS = 400 * 24 * 3600  # about what browsers allow; every visit of the machine renews it


def kiosk_path(hall_id: int) -> str:
    return f"/halls/{hall_id}/kiosk"


def set_kiosk_cookie(request: Request, response: Response, *, hall_id: int, token: str) -> None:
    """The machine's token, sent only to this hall's ticket machine pages and never readable by scripts."""
    response.set_cookie(KIOSK_COOKIE, token, max_age=KIOSK_COOKIE_SECONDS, httponly=True, samesite="strict",
                        secure=get_settings().secure_cookies or request.url.scheme == "https", path=kiosk_path(hall_id))


def _device(request: Request, db: Session, clock: Clock, hall_id: int) -> KioskDevice:
    return kiosks.authenticate(db_session=db, clock=clock, hall_id=hall_id, token=request.cookies.get(KIOSK_COOKIE))


def _kiosk(request: Request, db: Session, clock: Clock, hall_id: int, *, device: KioskDevice | None, error: str = "",
           refused: str = "", msg: str = "", status_code: int = 200) -> HTMLResponse:
    """The machine's page; without an enrolled device only the notice and the box for the 登记码."""
    hall = presenters.hall_out(db_session=db, clock=clock, hall=halls.get(db_session=db, hall_id=hall_id))
    return render(request, "appointments/kiosk.html", status_code=status_code, h=hall, device=device, error=error,
                  refused=refused, msg=msg, id_kinds=KINDS_FOR_FORM)


def _refused(request: Request, db: Session, clock: Clock, hall_id: int, exc: DomainError) -> HTMLResponse:
    return _kiosk(request, db, clock, hall_id, device=None, refused=exc.message, status_code=exc.status_code)


def _slip(request: Request, db: Session, clock: Clock, ticket) -> HTMLResponse:
    return render(request, "appointments/slip.html", tk=presenters.ticket_out(db_session=db, clock=clock, ticket=ticket),
                  taken=ticket.taken_at)


@router.get("/halls/{hall_id}/kiosk", response_class=HTMLResponse)
def kiosk(request: Request, hall_id: Id, db: Db, clock: Now) -> HTMLResponse:
    """取号机: read the ID card (its number arrives in the field) to fetch today's booking, or take a walk-in ticket.
    Only a machine that hall staff enrolled sees the forms; any other browser gets the notice."""
    halls.get(db_session=db, hall_id=hall_id)
    try:
        device = _device(request, db, clock, hall_id)
    except Forbidden as exc:
        return _kiosk(request, db, clock, hall_id, device=None, refused=exc.message)
    db.commit()  # last seen
    msg = f"本机已登记为取号机“{device.name}”。" if request.query_params.get("enrolled") == "1" else ""
    response = _kiosk(request, db, clock, hall_id, device=device, msg=msg)
    set_kiosk_cookie(request, response, hall_id=hall_id, token=request.cookies[KIOSK_COOKIE])
    return response


@router.post("/halls/{hall_id}/kiosk/enroll", response_class=HTMLResponse)
def kiosk_enroll(request: Request, hall_id: Id, db: Db, clock: Now, _csrf: Csrf,
                 code: Annotated[str, Form(max_length=40)] = "") -> Response:
    """The machine types the 登记码 that staff generated on their own workstation, and becomes the hall's ticket machine."""
    hall = halls.get(db_session=db, hall_id=hall_id)

    def done(new) -> Response:
        response = see_other(kiosk_path(hall.id), enrolled=1)
        set_kiosk_cookie(request, response, hall_id=hall.id, token=new.token)
        return response

    return form_action(
        db, lambda: kiosks.pair(db_session=db, clock=clock, hall=hall, code=code, client_ip=client_ip(request)), done=done,
        failed=lambda exc: _kiosk(request, db, clock, hall_id, device=None, refused=exc.message, status_code=exc.status_code),
    )


def _act(request: Request, db: Session, clock: Clock, hall_id: int, issue: Callable[[KioskDevice], T],
         done: Callable[[T], Response]) -> Response:
    """Authenticate the machine, count the use against its limits, run `issue(device)`, commit and answer `done(ticket)`;
    a refusal is shown on the machine's page."""
    try:
        device = _device(request, db, clock, hall_id)
    except Forbidden as exc:
        return _refused(request, db, clock, hall_id, exc)

    def change() -> T:
        kiosks.count_use(db_session=db, clock=clock, device=device)
        db.commit()  # a lookup that finds nothing counts all the same: that is what a probe looks like
        return issue(device)

    return form_action(db, change, done=done, failed=lambda exc: _kiosk(
        request, db, clock, hall_id, device=device, error=exc.message, status_code=exc.status_code))


@router.post("/halls/{hall_id}/kiosk/booking", response_class=HTMLResponse)
def kiosk_booking(request: Request, hall_id: Id, db: Db, clock: Now, _csrf: Csrf,
                  id_number: Annotated[str, Form(max_length=40)] = "",
                  id_kind: Annotated[str, Form(max_length=30)] = "resident_id") -> Response:
    """The booked person's slip, shown at once: reading the ID again reprints the same ticket, so a reload is harmless."""
    hall = halls.get(db_session=db, hall_id=hall_id)
    return _act(request, db, clock, hall_id, lambda device: queue.kiosk_ticket(
        db_session=db, clock=clock, hall=hall, id_kind=id_kind, id_number=id_number, kiosk_id=device.id),
        done=lambda ticket: _slip(request, db, clock, ticket))


@router.post("/halls/{hall_id}/kiosk/walk-in", response_class=HTMLResponse)
def kiosk_walk_in(request: Request, hall_id: Id, db: Db, clock: Now, _csrf: Csrf,
                  group_id: Annotated[int, Form(ge=1, le=2**31 - 1)], phone: Annotated[str, Form(max_length=20)] = "") -> Response:
    hall = halls.get(db_session=db, hall_id=hall_id)
    return _act(request, db, clock, hall_id, lambda device: queue.walk_in(
        db_session=db, clock=clock, hall=hall, group_id=group_id, phone=phone, kiosk_id=device.id),
        done=lambda ticket: see_other(f"/halls/{hall_id}/kiosk/tickets/{ticket.id}"))


@router.get("/halls/{hall_id}/kiosk/tickets/{ticket_id}", response_class=HTMLResponse)
def kiosk_ticket(request: Request, hall_id: Id, ticket_id: Id, db: Db, clock: Now) -> HTMLResponse:
    """The printed queue slip: number, group, people ahead, windows; nothing personal. Only the machine that printed the
    ticket shows it, for a few minutes."""
    halls.get(db_session=db, hall_id=hall_id)
    try:
        device = _device(request, db, clock, hall_id)
    except Forbidden as exc:
        return _refused(request, db, clock, hall_id, exc)
    db.commit()  # last seen
    return _slip(request, db, clock, kiosks.slip(db_session=db, clock=clock, device=device, ticket_id=ticket_id))
