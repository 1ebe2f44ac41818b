"""The staff JSON API of complaints: the queue, hotline and letter entry, and the handling steps
(/api/v1/staff/complaints)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from tongban.complaints import presenters, service
from tongban.complaints.schemas import (AnswerIn, AssignIn, ComplaintCreate, ComplaintCreated, DisposeIn,
                                        StaffComplaintList, StaffComplaintOut, VerifyIn)
from tongban.web.deps import Db, Id, Now, Staff

router = APIRouter(prefix="/api/v1/staff/complaints", tags=["complaints-staff"])


@router.get("", response_model=StaffComplaintList, summary="投诉队列：处理中、超期与预警、已反馈与归档、全部")
def queue(db: Db, clock: Now, actor: Staff, view: Annotated[str, Query(max_length=20)] = "open") -> StaffComplaintList:
    rows = service.queue(db_session=db, clock=clock, actor=actor, view=view)
    return StaffComplaintList(items=[presenters.staff_view(db, clock, actor, c) for c in rows])


@router.post("", response_model=ComplaintCreated, status_code=201, summary="代为登记：12345 热线、来信、电子邮件、短信投诉")
def register(body: ComplaintCreate, db: Db, clock: Now, actor: Staff) -> ComplaintCreated:
    complaint = service.file_complaint(db_session=db, clock=clock, complaint_in=service.ComplaintIn(**body.model_dump()),
                                       staff=actor)
    out = presenters.created(db, complaint)
    db.commit()
    return out


@router.get("/{complaint_id}", response_model=StaffComplaintOut, summary="一个投诉（被投诉单位看不到未同意公开的投诉人身份）")
def get_complaint(complaint_id: Id, db: Db, clock: Now, actor: Staff) -> StaffComplaintOut:
    complaint = service.for_staff(db_session=db, actor=actor, complaint_id=complaint_id)
    return presenters.staff_view(db, clock, actor, complaint)


def _done(db, clock, actor, complaint) -> StaffComplaintOut:
    db.commit()
    return presenters.staff_view(db, clock, actor, complaint)


@router.post("/{complaint_id}/verify", response_model=StaffComplaintOut, summary="投诉调查：属实，或不属实（无效投诉，须写明理由）")
def verify(complaint_id: Id, body: VerifyIn, db: Db, clock: Now, actor: Staff) -> StaffComplaintOut:
    return _done(db, clock, actor, service.verify(db_session=db, clock=clock, actor=actor, complaint_id=complaint_id,
                                                  valid=body.valid, reason=body.reason))


@router.post("/{complaint_id}/assign", response_model=StaffComplaintOut, summary="分类处置：属地管理优先、谁主管谁负责")
def assign(complaint_id: Id, body: AssignIn, db: Db, clock: Now, actor: Staff) -> StaffComplaintOut:
    return _done(db, clock, actor, service.assign(db_session=db, clock=clock, actor=actor, complaint_id=complaint_id,
                                                  agency_id=body.agency_id))


@router.post("/{complaint_id}/dispose", response_model=StaffComplaintOut, summary="处置：调查结论和处理措施")
def dispose(complaint_id: Id, body: DisposeIn, db: Db, clock: Now, actor: Staff) -> StaffComplaintOut:
    return _done(db, clock, actor, service.dispose(db_session=db, clock=clock, actor=actor, complaint_id=complaint_id,
                                                   finding=body.finding, action=body.action))


@router.post("/{complaint_id}/answer", response_model=StaffComplaintOut, summary="意见反馈：投诉人和被投诉单位")
def answer(complaint_id: Id, body: AnswerIn, db: Db, clock: Now, actor: Staff) -> StaffComplaintOut:
    return _done(db, clock, actor, service.answer(db_session=db, clock=clock, actor=actor, complaint_id=complaint_id,
                                                  to_complainant=body.to_complainant, to_agency=body.to_agency))


@router.post("/{complaint_id}/archive", response_model=StaffComplaintOut, summary="资料归档")
def archive(complaint_id: Id, db: Db, clock: Now, actor: Staff) -> StaffComplaintOut:
    return _done(db, clock, actor, service.archive(db_session=db, clock=clock, actor=actor, complaint_id=complaint_id))
