"""The staff JSON API of complaints: the queue, hotline and letter entry, and the handling steps
(/api/v1/staff/complaints); problem reports (/api/v1/staff/feedback), staff suggestions (/api/v1/staff/suggestions)
and the 办不成事 desk's ledger (/api/v1/staff/desk), each the same service functions as the staff pages."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from tongban.complaints import desk, feedback, presenters, service, suggestions
from tongban.complaints.schemas import (AnswerIn, AssignIn, ClassifyIn, ComplaintCreate, ComplaintCreated, DisposeIn,
                                        MatterList, MatterOut, NoteIn, ReasonIn, ReplyIn, ReportList, ReportOut, ResolveIn,
                                        StaffComplaintList, StaffComplaintOut, StaffMatterCreate, SuggestionCreate,
                                        SuggestionList, SuggestionOut, VerifyIn)
from tongban.web.deps import Db, Id, Now, Staff

router = APIRouter(prefix="/api/v1/staff/complaints", tags=["complaints-staff"])
feedback_router = APIRouter(prefix="/api/v1/staff/feedback", tags=["complaints-staff"])
suggestions_router = APIRouter(prefix="/api/v1/staff/suggestions", tags=["complaints-staff"])
desk_router = APIRouter(prefix="/api/v1/staff/desk", tags=["complaints-staff"])
View = Annotated[str, Query(max_length=20)]


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


# --- problem reports (RATE-09) ------------------------------------------------------------------------------------

@feedback_router.get("", response_model=ReportList, summary="问题反馈队列：内容错误归事项所属部门，平台故障归运维")
def report_queue(db: Db, actor: Staff, view: View = "open") -> ReportList:
    return ReportList(items=[presenters.report_view(db, r) for r in feedback.queue(db_session=db, actor=actor, view=view)])


@feedback_router.post("/{report_id}/reply", response_model=ReportOut, summary="答复报告人")
def report_reply(report_id: Id, body: ReplyIn, db: Db, clock: Now, actor: Staff) -> ReportOut:
    report = feedback.reply(db_session=db, clock=clock, actor=actor, report_id=report_id, text=body.text)
    out = presenters.report_view(db, report)
    db.commit()
    return out


# --- staff suggestions (RATE-10) ----------------------------------------------------------------------------------

@suggestions_router.get("", response_model=SuggestionList, summary="工作人员建议：待我答复、我提出的、全部")
def suggestion_list(db: Db, clock: Now, actor: Staff, view: View = "to_answer") -> SuggestionList:
    rows = suggestions.listing(db_session=db, actor=actor, view=view)
    return SuggestionList(items=[presenters.suggestion_view(db, clock, r) for r in rows])


@suggestions_router.post("", response_model=SuggestionOut, status_code=201, summary="提出改进事项或流程的建议（一个月内答复）")
def propose(body: SuggestionCreate, db: Db, clock: Now, actor: Staff) -> SuggestionOut:
    row = suggestions.propose(db_session=db, clock=clock, actor=actor, suggestion_in=suggestions.SuggestionIn(**body.model_dump()))
    return _suggestion_done(db, clock, row)


@suggestions_router.get("/{suggestion_id}", response_model=SuggestionOut, summary="一条建议")
def suggestion(suggestion_id: Id, db: Db, clock: Now, actor: Staff) -> SuggestionOut:
    return presenters.suggestion_view(db, clock, suggestions.get(db_session=db, actor=actor, suggestion_id=suggestion_id))


def _suggestion_done(db, clock, row) -> SuggestionOut:
    out = presenters.suggestion_view(db, clock, row)
    db.commit()
    return out


@suggestions_router.post("/{suggestion_id}/adopt", response_model=SuggestionOut, summary="采纳（办事指南的建议生成事项草稿版本）")
def adopt(suggestion_id: Id, body: NoteIn, db: Db, clock: Now, actor: Staff) -> SuggestionOut:
    return _suggestion_done(db, clock, suggestions.adopt(db_session=db, clock=clock, actor=actor,
                                                         suggestion_id=suggestion_id, note=body.note))


@suggestions_router.post("/{suggestion_id}/reject", response_model=SuggestionOut, summary="不采纳（须说明理由）")
def reject(suggestion_id: Id, body: ReasonIn, db: Db, clock: Now, actor: Staff) -> SuggestionOut:
    return _suggestion_done(db, clock, suggestions.reject(db_session=db, clock=clock, actor=actor,
                                                          suggestion_id=suggestion_id, reason=body.reason))


@suggestions_router.post("/{suggestion_id}/deliberate", response_model=SuggestionOut, summary="提交审议")
def deliberate(suggestion_id: Id, body: NoteIn, db: Db, clock: Now, actor: Staff) -> SuggestionOut:
    return _suggestion_done(db, clock, suggestions.deliberate(db_session=db, clock=clock, actor=actor,
                                                              suggestion_id=suggestion_id, note=body.note))


# --- the 办不成事 desk (RATE-11) ------------------------------------------------------------------------------------

@desk_router.get("", response_model=MatterList, summary="“办不成事”台账（可按月份、状态、结果、类别筛选）")
def matter_ledger(db: Db, clock: Now, actor: Staff, month: View = "", status: View = "", outcome: View = "",
                  kind: View = "") -> MatterList:
    rows = desk.ledger(db_session=db, actor=actor, filters=desk.LedgerFilter(month=month, status=status, outcome=outcome,
                                                                             kind=kind))
    return MatterList(items=[presenters.matter_view(db, clock, r) for r in rows])


@desk_router.post("", response_model=MatterOut, status_code=201, summary="窗口登记“办不成事”（当场解决的一并办结）")
def register_matter(body: StaffMatterCreate, db: Db, clock: Now, actor: Staff) -> MatterOut:
    row = desk.register(db_session=db, clock=clock, staff=actor, resolution=body.resolution,
                        matter_in=desk.MatterIn(**body.model_dump(exclude={"resolution"})))
    return _matter_done(db, clock, row)


@desk_router.get("/{matter_id}", response_model=MatterOut, summary="一件“办不成事”")
def matter(matter_id: Id, db: Db, clock: Now, actor: Staff) -> MatterOut:
    return presenters.matter_view(db, clock, desk.get(db_session=db, actor=actor, matter_id=matter_id))


def _matter_done(db, clock, row) -> MatterOut:
    out = presenters.matter_view(db, clock, row)
    db.commit()
    return out


@desk_router.post("/{matter_id}/classify", response_model=MatterOut, summary="调整类别和答复期限")
def classify(matter_id: Id, body: ClassifyIn, db: Db, clock: Now, actor: Staff) -> MatterOut:
    return _matter_done(db, clock, desk.classify(db_session=db, clock=clock, actor=actor, matter_id=matter_id, kind=body.kind))


@desk_router.post("/{matter_id}/resolve", response_model=MatterOut, summary="办结：解决，或书面答复不能办理的理由")
def resolve(matter_id: Id, body: ResolveIn, db: Db, clock: Now, actor: Staff) -> MatterOut:
    return _matter_done(db, clock, desk.resolve(db_session=db, clock=clock, actor=actor, matter_id=matter_id,
                                                outcome=body.outcome, resolution=body.resolution))
