"""JSON API of the service map, booking and queue for the public and signed-in people (MAP-01…04, APPT-01…12)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query, Response

from tongban.appointments import bookings, halls, homevisits, kiosks, map as hall_map, queue, slots, presenters
from tongban.appointments.enums import HallKind
from tongban.appointments.models import KioskDevice
from tongban.appointments.schemas import (
    AppointmentListOut, AppointmentOut, BookingIn, DirectoryRow, HallListOut, HallOut, HomeVisitIn, HomeVisitOut, KioskLookupIn,
    OnlineTicketIn, QueueOut, SlotListOut, SlotOut, TicketOut, WalkInIn,
)
from tongban.web.deps import Db, Id, Me, Now

router = APIRouter(prefix="/api/v1", tags=["appointments"])
Kind = Annotated[HallKind | None, Query()]


@router.get("/halls", response_model=HallListOut, summary="政务服务场所列表：地址、事项、服务时间、排队、评价")
def hall_list(db: Db, clock: Now, kind: Kind = None, region: Annotated[str | None, Query(pattern=r"^\d{2,12}$")] = None) -> HallListOut:
    out = presenters.hall_outs(db_session=db, clock=clock, rows=halls.list_halls(db_session=db, kind=kind.value if kind else None,
                                                                           region_code=region))
    return HallListOut(halls=out, total=len(out))


@router.get("/halls/nearest", response_model=HallListOut, summary="离我最近的政务服务场所（按直线距离）")
def nearest(db: Db, clock: Now, lat: Annotated[float, Query(ge=-90, le=90)], lng: Annotated[float, Query(ge=-180, le=180)],
            limit: Annotated[int, Query(ge=1, le=50)] = 5, kind: Kind = None) -> HallListOut:
    ranked = hall_map.nearest(db_session=db, lat=lat, lng=lng, limit=limit, kind=kind.value if kind else None)
    out = presenters.hall_outs(db_session=db, clock=clock, rows=[h for h, _ in ranked], distances={h.id: km for h, km in ranked})
    return HallListOut(halls=out, total=len(out))


@router.get("/halls/directory", response_model=list[DirectoryRow], summary="政务服务通讯录：电话、邮箱、传真、地址、服务时间")
def directory(db: Db) -> list[DirectoryRow]:
    return presenters.directory_rows(db_session=db, rows=halls.list_halls(db_session=db))


@router.get("/halls/{hall_id}", response_model=HallOut, summary="场所详情")
def hall_detail(hall_id: Id, db: Db, clock: Now) -> HallOut:
    return presenters.hall_out(db_session=db, clock=clock, hall=halls.get(db_session=db, hall_id=hall_id))


@router.get("/halls/{hall_id}/slots", response_model=SlotListOut, summary="可预约时段（明天起，每半小时一段）")
def hall_slots(hall_id: Id, db: Db, clock: Now, group_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None) -> SlotListOut:
    hall = halls.get(db_session=db, hall_id=hall_id)
    if group_id is not None:
        halls.get_group(db_session=db, group_id=group_id, hall_id=hall.id)
    slots.open_slots(db_session=db, clock=clock, hall=hall)
    db.commit()
    first, last = slots.booking_days(clock, hall)
    rows = slots.list_slots(db_session=db, clock=clock, hall=hall, group_id=group_id)
    return SlotListOut(hall_id=hall.id, first_day=first, last_day=last, slots=[slot_out(s) for s in rows])


def slot_out(s) -> SlotOut:
    return SlotOut(id=s.id, group_id=s.group_id, day=s.day, start=halls.hhmm(s.start_minute), end=halls.hhmm(s.end_minute),
                   capacity=s.capacity, booked=s.booked, remaining=max(0, s.capacity - s.booked), extended=s.extended,
                   weekend=s.day.weekday() >= 5)


@router.get("/halls/{hall_id}/queue", response_model=QueueOut, summary="场所实时排队：等候人数、最近叫号")
def hall_queue(hall_id: Id, db: Db, clock: Now) -> QueueOut:
    return presenters.queue_out(db_session=db, clock=clock, hall=halls.get(db_session=db, hall_id=hall_id))


@router.post("/appointments", status_code=201, response_model=AppointmentOut, summary="预约：选择时段和事项，实时反馈结果")
def book(body: BookingIn, db: Db, clock: Now, me: Me, response: Response) -> AppointmentOut:
    row = bookings.book(db_session=db, clock=clock, actor=me, slot_id=body.slot_id, item_id=body.item_id, channel="api")
    db.commit()
    response.headers["Location"] = f"/api/v1/appointments/{row.id}"
    return presenters.appointment_out(db_session=db, clock=clock, row=row)


@router.get("/appointments", response_model=AppointmentListOut, summary="我的预约")
def my_appointments(db: Db, clock: Now, me: Me) -> AppointmentListOut:
    return AppointmentListOut(appointments=[presenters.appointment_out(db_session=db, clock=clock, row=r)
                                            for r in bookings.list_mine(db_session=db, actor=me)])


@router.get("/appointments/{appointment_id}", response_model=AppointmentOut, summary="预约详情（预约信息、受理条件、申请材料）")
def my_appointment(appointment_id: Id, db: Db, clock: Now, me: Me) -> AppointmentOut:
    return presenters.appointment_out(db_session=db, clock=clock, row=bookings.mine(db_session=db, actor=me, appointment_id=appointment_id))


@router.post("/appointments/{appointment_id}/cancel", response_model=AppointmentOut, summary="提前取消预约")
def cancel(appointment_id: Id, db: Db, clock: Now, me: Me) -> AppointmentOut:
    row = bookings.cancel(db_session=db, clock=clock, actor=me, appointment_id=appointment_id)
    db.commit()
    return presenters.appointment_out(db_session=db, clock=clock, row=row)


@router.post("/halls/{hall_id}/tickets", status_code=201, response_model=TicketOut, summary="线上取号（当天）")
def online_ticket(hall_id: Id, body: OnlineTicketIn, db: Db, clock: Now, me: Me) -> TicketOut:
    hall = halls.get(db_session=db, hall_id=hall_id)
    ticket = queue.online(db_session=db, clock=clock, actor=me, hall=hall, group_id=body.group_id)
    db.commit()
    return presenters.ticket_out(db_session=db, clock=clock, ticket=ticket)


@router.get("/tickets/{ticket_id}", response_model=TicketOut, summary="我的排队号：前面还有几人、到哪个窗口")
def my_ticket(ticket_id: Id, db: Db, clock: Now, me: Me) -> TicketOut:
    return presenters.ticket_out(db_session=db, clock=clock, ticket=queue.mine(db_session=db, actor=me, ticket_id=ticket_id))


def kiosk_device(hall_id: Id, db: Db, clock: Now, x_kiosk_token: Annotated[
        str | None, Header(description="本场所已登记取号机的令牌（工作人员登记取号机时获得）")] = None) -> KioskDevice:
    """Only the hall's enrolled ticket machines look bookings up by ID document and print tickets, each within its own
    rate limit (429 beyond it); every use counts, also a lookup that finds nothing."""
    device = kiosks.authenticate(db_session=db, clock=clock, hall_id=hall_id, token=x_kiosk_token)
    kiosks.count_use(db_session=db, clock=clock, device=device)
    db.commit()
    return device


Kiosk = Annotated[KioskDevice, Depends(kiosk_device)]


@router.post("/halls/{hall_id}/kiosk/booking-ticket", status_code=201, response_model=TicketOut,
             summary="取号机：凭身份证件调取当天预约并出号（须取号机令牌）")
def kiosk_booking_ticket(hall_id: Id, body: KioskLookupIn, db: Db, clock: Now, device: Kiosk) -> TicketOut:
    hall = halls.get(db_session=db, hall_id=hall_id)
    ticket = queue.kiosk_ticket(db_session=db, clock=clock, hall=hall, id_kind=body.id_kind, id_number=body.id_number,
                                kiosk_id=device.id)
    db.commit()
    return presenters.ticket_out(db_session=db, clock=clock, ticket=ticket)


@router.post("/halls/{hall_id}/kiosk/walk-in-ticket", status_code=201, response_model=TicketOut,
             summary="取号机：现场取号（须取号机令牌）")
def kiosk_walk_in(hall_id: Id, body: WalkInIn, db: Db, clock: Now, device: Kiosk) -> TicketOut:
    hall = halls.get(db_session=db, hall_id=hall_id)
    ticket = queue.walk_in(db_session=db, clock=clock, hall=hall, group_id=body.group_id, phone=body.phone, kiosk_id=device.id)
    db.commit()
    return presenters.ticket_out(db_session=db, clock=clock, ticket=ticket)


@router.post("/home-visits", status_code=201, response_model=HomeVisitOut, summary="申请上门服务（老年人、残疾人等）")
def request_home_visit(body: HomeVisitIn, db: Db, clock: Now, me: Me) -> HomeVisitOut:
    visit = homevisits.request(db_session=db, clock=clock, actor=me, visit_in=body)
    db.commit()
    return presenters.home_visit_out(visit)


@router.get("/home-visits", response_model=list[HomeVisitOut], summary="我申请的上门服务")
def my_home_visits(db: Db, me: Me) -> list[HomeVisitOut]:
    return [presenters.home_visit_out(v) for v in homevisits.mine(db_session=db, actor=me)]
