"""The public JSON API of complaints: an SMS code for anonymous filing, file, my complaints, follow one, and the
look-up by number and check code (/api/v1/complaints); problem reports (/api/v1/feedback) and the 办不成事 desk
(/api/v1/desk), each the same service functions as the pages."""

from __future__ import annotations

from fastapi import APIRouter, Request

from tongban.complaints import desk, feedback, presenters, service
from tongban.complaints.schemas import (CodeRequest, ComplaintCreate, ComplaintCreated, ComplaintList, ComplaintOut, LookupIn,
                                        MatterCreate, MatterList, MatterOut, ReportCreate, ReportList, ReportOut)
from tongban.web.deps import Db, Gateway, MaybeMe, Me, Now, client_ip

router = APIRouter(prefix="/api/v1/complaints", tags=["complaints"])
feedback_router = APIRouter(prefix="/api/v1/feedback", tags=["complaints"])
desk_router = APIRouter(prefix="/api/v1/desk", tags=["complaints"])


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


@feedback_router.post("", response_model=ReportOut, status_code=201, summary="报告内容错误或平台故障（可不登录）")
def file_report(body: ReportCreate, request: Request, db: Db, clock: Now, me: MaybeMe) -> ReportOut:
    report = feedback.file_report(db_session=db, clock=clock, report_in=feedback.ReportIn(**body.model_dump()),
                                  client_ip=client_ip(request), person=me)
    out = presenters.report_view(db, report)
    db.commit()
    return out


@feedback_router.get("", response_model=ReportList, summary="我报告的问题及答复")
def my_reports(db: Db, me: Me) -> ReportList:
    return ReportList(items=[presenters.report_view(db, r) for r in feedback.mine(db_session=db, person=me)])


@desk_router.post("", response_model=MatterOut, status_code=201, summary="“办不成事”反映：网上登记")
def register_matter(body: MatterCreate, db: Db, clock: Now, me: Me) -> MatterOut:
    row = desk.register(db_session=db, clock=clock, person=me,
                        matter_in=desk.MatterIn(channel="online", **body.model_dump()))
    out = presenters.matter_view(db, clock, row)
    db.commit()
    return out


@desk_router.get("", response_model=MatterList, summary="我反映的“办不成事”及办理结果")
def my_matters(db: Db, clock: Now, me: Me) -> MatterList:
    return MatterList(items=[presenters.matter_view(db, clock, r) for r in desk.mine(db_session=db, person=me)])
