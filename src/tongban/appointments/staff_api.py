"""Staff JSON API: hall and window settings, ticket machines, the calling station, green channel, no-shows and force
majeure."""

from __future__ import annotations


from fastapi import APIRouter
from sqlalchemy.orm import Session

from tongban.appointments import bookings, calling, halls, homevisits, kiosks, queue, slots, presenters
from tongban.appointments.schemas import (
    AppointmentOut, GreenTicketIn, GroupIn, HallIn, HallOut, HomeVisitOut, KioskDeviceOut, KioskEnrolledOut, KioskEnrollIn, ReasonIn,
    ScheduleIn, SessionIn, StaffBookingIn, TicketOut, WindowIn,
)
from tongban.core.clock import Clock
from tongban.web.deps import Db, Id, Now, Staff

router = APIRouter(prefix="/api/v1/staff", tags=["appointments-staff"])


def _hall_saved(db: Session, clock: Clock, hall) -> HallOut:
    slots.rebuild(db_session=db, clock=clock, hall=hall)
    db.commit()
    return presenters.hall_out(db_session=db, clock=clock, hall=hall)


@router.post("/halls", status_code=201, response_model=HallOut, summary="新建政务服务场所")
def create_hall(body: HallIn, db: Db, clock: Now, actor: Staff) -> HallOut:
    return _hall_saved(db, clock, halls.save_hall(db_session=db, clock=clock, actor=actor, hall_in=body))


@router.put("/halls/{hall_id}", response_model=HallOut, summary="修改场所信息和预约设置")
def update_hall(hall_id: Id, body: HallIn, db: Db, clock: Now, actor: Staff) -> HallOut:
    return _hall_saved(db, clock, halls.save_hall(db_session=db, clock=clock, actor=actor, hall_in=body, hall_id=hall_id))


@router.put("/halls/{hall_id}/sessions", response_model=HallOut, summary="设置服务时间（含周末、延时时段）")
def set_sessions(hall_id: Id, body: list[SessionIn], db: Db, clock: Now, actor: Staff) -> HallOut:
    hall = halls.get(db_session=db, hall_id=hall_id)
    halls.set_sessions(db_session=db, clock=clock, actor=actor, hall=hall, sessions=body)
    return _hall_saved(db, clock, hall)


@router.post("/halls/{hall_id}/groups", status_code=201, response_model=HallOut, summary="新建窗口分组（事项、取号字头、平均办件时长）")
def add_group(hall_id: Id, body: GroupIn, db: Db, clock: Now, actor: Staff) -> HallOut:
    hall = halls.get(db_session=db, hall_id=hall_id)
    halls.save_group(db_session=db, clock=clock, actor=actor, hall=hall, group_in=body)
    return _hall_saved(db, clock, hall)


@router.put("/halls/{hall_id}/groups/{group_id}", response_model=HallOut, summary="修改窗口分组")
def update_group(hall_id: Id, group_id: Id, body: GroupIn, db: Db, clock: Now, actor: Staff) -> HallOut:
    hall = halls.get(db_session=db, hall_id=hall_id)
    halls.save_group(db_session=db, clock=clock, actor=actor, hall=hall, group_in=body, group_id=group_id)
    return _hall_saved(db, clock, hall)


@router.post("/halls/{hall_id}/windows", status_code=201, response_model=HallOut, summary="新建窗口")
def add_window(hall_id: Id, body: WindowIn, db: Db, clock: Now, actor: Staff) -> HallOut:
    hall = halls.get(db_session=db, hall_id=hall_id)
    halls.save_window(db_session=db, clock=clock, actor=actor, hall=hall, window_in=body)
    return _hall_saved(db, clock, hall)


@router.put("/halls/{hall_id}/windows/{window_id}", response_model=HallOut, summary="修改窗口（分组、协办分组、启停）")
def update_window(hall_id: Id, window_id: Id, body: WindowIn, db: Db, clock: Now, actor: Staff) -> HallOut:
    hall = halls.get(db_session=db, hall_id=hall_id)
    halls.save_window(db_session=db, clock=clock, actor=actor, hall=hall, window_in=body, window_id=window_id)
    return _hall_saved(db, clock, hall)


@router.get("/halls/{hall_id}/kiosks", response_model=list[KioskDeviceOut], summary="本场所登记的取号机")
def list_kiosks(hall_id: Id, db: Db, actor: Staff) -> list[KioskDeviceOut]:
    hall = halls.get(db_session=db, hall_id=hall_id)
    return [presenters.kiosk_out(d) for d in kiosks.list_devices(db_session=db, actor=actor, hall=hall)]


@router.post("/halls/{hall_id}/kiosks", status_code=201, response_model=KioskEnrolledOut,
             summary="登记取号机（令牌仅返回一次，取号机请求时放在 X-Kiosk-Token 请求头）")
def enroll_kiosk(hall_id: Id, body: KioskEnrollIn, db: Db, clock: Now, actor: Staff) -> KioskEnrolledOut:
    hall = halls.get(db_session=db, hall_id=hall_id)
    new = kiosks.enroll(db_session=db, clock=clock, actor=actor, hall=hall, name=body.name)
    db.commit()
    return KioskEnrolledOut(device=presenters.kiosk_out(new.device), token=new.token)


@router.post("/halls/{hall_id}/kiosks/{device_id}/revoke", response_model=KioskDeviceOut, summary="撤销取号机登记")
def revoke_kiosk(hall_id: Id, device_id: Id, db: Db, clock: Now, actor: Staff) -> KioskDeviceOut:
    hall = halls.get(db_session=db, hall_id=hall_id)
    device = kiosks.revoke(db_session=db, clock=clock, actor=actor, hall=hall, device_id=device_id)
    db.commit()
    return presenters.kiosk_out(device)


@router.post("/windows/{window_id}/call-next", summary="叫下一位（本组优先，空闲时协助其他分组）")
def call_next(window_id: Id, db: Db, clock: Now, actor: Staff) -> dict:
    ticket = calling.call_next(db_session=db, clock=clock, actor=actor, window_id=window_id)
    db.commit()
    if ticket is None:
        return {"ticket": None, "message": "当前没有等候的号"}
    return {"ticket": presenters.ticket_out(db_session=db, clock=clock, ticket=ticket).model_dump(mode="json"), "message": ""}


@router.post("/tickets/{ticket_id}/recall", response_model=TicketOut, summary="重呼")
def recall(ticket_id: Id, db: Db, clock: Now, actor: Staff) -> TicketOut:
    ticket = calling.recall(db_session=db, clock=clock, actor=actor, ticket_id=ticket_id)
    db.commit()
    return presenters.ticket_out(db_session=db, clock=clock, ticket=ticket)


@router.post("/tickets/{ticket_id}/handled", response_model=TicketOut, summary="办结")
def handled(ticket_id: Id, db: Db, clock: Now, actor: Staff) -> TicketOut:
    ticket = calling.finish(db_session=db, clock=clock, actor=actor, ticket_id=ticket_id, outcome="handled")
    db.commit()
    return presenters.ticket_out(db_session=db, clock=clock, ticket=ticket)


@router.post("/tickets/{ticket_id}/no-show", response_model=TicketOut, summary="过号（叫号未到）")
def no_show(ticket_id: Id, db: Db, clock: Now, actor: Staff) -> TicketOut:
    ticket = calling.finish(db_session=db, clock=clock, actor=actor, ticket_id=ticket_id, outcome="no_show")
    db.commit()
    return presenters.ticket_out(db_session=db, clock=clock, ticket=ticket)


@router.post("/halls/{hall_id}/green-channel-tickets", status_code=201, response_model=TicketOut, summary="绿色通道取号（免预约、优先叫号）")
def green_ticket(hall_id: Id, body: GreenTicketIn, db: Db, clock: Now, actor: Staff) -> TicketOut:
    hall = halls.get(db_session=db, hall_id=hall_id)
    ticket = queue.green_channel(db_session=db, clock=clock, actor=actor, hall=hall, group_id=body.group_id,
                                 reason=body.reason, phone=body.phone)
    db.commit()
    return presenters.ticket_out(db_session=db, clock=clock, ticket=ticket)


@router.post("/appointments/{appointment_id}/force-majeure", response_model=AppointmentOut, summary="登记不可抗力（不计失约）")
def force_majeure(appointment_id: Id, body: ReasonIn, db: Db, clock: Now, actor: Staff) -> AppointmentOut:
    row = bookings.force_majeure(db_session=db, clock=clock, actor=actor, appointment_id=appointment_id, reason=body.reason)
    db.commit()
    return presenters.appointment_out(db_session=db, clock=clock, row=row)


@router.post("/appointments/{appointment_id}/refuse", response_model=AppointmentOut, summary="不同意预约（须说明理由）")
def refuse(appointment_id: Id, body: ReasonIn, db: Db, clock: Now, actor: Staff) -> AppointmentOut:
    row = bookings.refuse(db_session=db, clock=clock, actor=actor, appointment_id=appointment_id, reason=body.reason)
    db.commit()
    return presenters.appointment_out(db_session=db, clock=clock, row=row)


@router.post("/appointments", status_code=201, response_model=AppointmentOut,
             summary="代为预约（窗口或电话；按证件号码找到实名用户，本人收到预约信息）")
def book_for(body: StaffBookingIn, db: Db, clock: Now, actor: Staff) -> AppointmentOut:
    row = bookings.book_for(db_session=db, clock=clock, actor=actor, id_kind=body.id_kind, id_number=body.id_number,
                            slot_id=body.slot_id, item_id=body.item_id, channel=body.channel)
    db.commit()
    return presenters.appointment_out(db_session=db, clock=clock, row=row)


@router.get("/halls/{hall_id}/home-visits", response_model=list[HomeVisitOut], summary="本场所的上门服务申请")
def hall_home_visits(hall_id: Id, db: Db, actor: Staff) -> list[HomeVisitOut]:
    return [presenters.home_visit_out(v) for v in homevisits.for_hall(db_session=db, actor=actor, hall_id=hall_id)]


@router.post("/home-visits/{visit_id}/schedule", response_model=HomeVisitOut, summary="安排上门日期")
def schedule_visit(visit_id: Id, body: ScheduleIn, db: Db, clock: Now, actor: Staff) -> HomeVisitOut:
    visit = homevisits.decide(db_session=db, clock=clock, actor=actor, visit_id=visit_id, status="scheduled", day=body.day, note=body.note)
    db.commit()
    return presenters.home_visit_out(visit)


@router.post("/home-visits/{visit_id}/decline", response_model=HomeVisitOut, summary="不能安排上门（须说明理由）")
def decline_visit(visit_id: Id, body: ReasonIn, db: Db, clock: Now, actor: Staff) -> HomeVisitOut:
    visit = homevisits.decide(db_session=db, clock=clock, actor=actor, visit_id=visit_id, status="declined", note=body.reason)
    db.commit()
    return presenters.home_visit_out(visit)
