"""The public JSON API of complaints: an SMS code for anonymous filing, file, my complaints, follow one, and the
look-up by number and check code (/api/v1/complaints)."""

from __future__ import annotations

from fastapi import APIRouter, Request

from tongban.complaints import presenters, service
from tongban.complaints.schemas import CodeRequest, ComplaintCreate, ComplaintCreated, ComplaintList, ComplaintOut, LookupIn
from tongban.web.deps import Db, Gateway, MaybeMe, Me, Now, client_ip

router = APIRouter(prefix="/api/v1/complaints", tags=["complaints"])


@router.post("/sms-code", status_code=202, summary="未登录投诉：获取短信验证码")
def sms_code(body: CodeRequest, request: Request, db: Db, clock: Now, gateway: Gateway) -> dict:
    service.send_code(db_session=db, clock=clock, gateway=gateway, phone_number=body.phone, client_ip=client_ip(request))
    db.commit()
    return {"sent": True}


@router.post("", response_model=ComplaintCreated, status_code=201, summary="投诉（网站、移动端；登录或凭手机验证码）")
def file_complaint(body: ComplaintCreate, db: Db, clock: Now, me: MaybeMe) -> ComplaintCreated:
    complaint = service.file_complaint(db_session=db, clock=clock, complaint_in=service.ComplaintIn(**body.model_dump()),
                                       person=me)
    out = presenters.created(db, complaint)
    db.commit()
    return out


@router.get("", response_model=ComplaintList, summary="我的投诉")
def my_complaints(db: Db, me: Me) -> ComplaintList:
    return ComplaintList(items=[presenters.person_view(db, c) for c in service.mine(db_session=db, person=me)])


@router.post("/lookup", response_model=ComplaintOut, summary="凭投诉编号和 6 位查询码查看处理进度和结果")
def look_up(body: LookupIn, request: Request, db: Db, clock: Now) -> ComplaintOut:
    complaint = service.look_up(db_session=db, clock=clock, number=body.number, code=body.code, client_ip=client_ip(request))
    out = presenters.person_view(db, complaint)
    db.commit()
    return out


@router.get("/{number}", response_model=ComplaintOut, summary="我的一个投诉：处理进度和结果")
def my_complaint(number: str, db: Db, me: Me) -> ComplaintOut:
    return presenters.person_view(db, service.for_person(db_session=db, person=me, number=number))
