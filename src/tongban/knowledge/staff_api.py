"""Staff JSON routes of the knowledge base: search, write, review, withdraw, log questions, analyse (CONS-03, 10)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query

from tongban.accounts.access import Permission
from tongban.knowledge import analysis, presenters, service
from tongban.knowledge.schemas import FaqEntryOut, FaqIn, QuestionGroupOut, QuestionIn, ReasonIn, StaffHitOut
from tongban.web.deps import Db, Id, Now, Staff, staff_with

router = APIRouter(prefix="/api/v1/staff/faq", tags=["knowledge (staff)"])
Reviewer = staff_with(Permission.catalog_review)


@router.get("", response_model=list[StaffHitOut], summary="知识库检索：已发布的问答和本人可编辑的草稿")
def search_faq(db: Db, clock: Now, actor: Staff, q: Annotated[str, Query(max_length=service.QUERY_MAX)],
               limit: Annotated[int, Query(ge=1, le=service.MAX_LIMIT)] = 20) -> list[StaffHitOut]:
    hits = service.search(db_session=db, clock=clock, actor=actor, q=q, limit=limit)
    return [StaffHitOut(entry_id=h.entry.id, version_id=h.version.id, number=h.version.number, state=h.version.state,
                        question=h.version.question, answer=h.version.answer, score=h.score, valid=h.valid) for h in hits]


@router.post("", response_model=FaqEntryOut, status_code=201, summary="新建问答（草稿）")
def create_faq(body: FaqIn, db: Db, clock: Now, actor: Staff) -> FaqEntryOut:
    version = service.create_entry(db_session=db, clock=clock, actor=actor, faq_in=body)
    db.commit()
    return presenters.entry_out(db, service.get_entry(db_session=db, entry_id=version.entry_id))


@router.get("/analysis", response_model=list[QuestionGroupOut], summary="高频问题分析（只看，不生成草稿）")
def analyse_faq(db: Db, clock: Now, actor: Staff, since: date,
                region_code: Annotated[str, Query(pattern=r"^\d{6}$")] = "") -> list[QuestionGroupOut]:
    report = analysis.analyse(db_session=db, clock=clock, since=service.since_start(since), region_code=region_code or actor.region_code,
                              propose=False)
    return [QuestionGroupOut.model_validate(g, from_attributes=True) for g in report.groups]


@router.post("/analysis", response_model=list[QuestionGroupOut], summary="高频问题分析，并把无答复的问题组作为草稿交给负责机构")
def propose_faq(db: Db, clock: Now, actor: Reviewer, since: date,
                region_code: Annotated[str, Query(pattern=r"^\d{6}$")] = "") -> list[QuestionGroupOut]:
    report = analysis.analyse(db_session=db, clock=clock, since=service.since_start(since), region_code=region_code or actor.region_code)
    db.commit()
    return [QuestionGroupOut.model_validate(g, from_attributes=True) for g in report.groups]


@router.post("/questions", status_code=201, summary="登记一个被问到的问题（热线、窗口），供高频问题分析")
def log_question(body: QuestionIn, db: Db, clock: Now, actor: Staff) -> dict:
    row = service.record_question(db_session=db, clock=clock, text=body.text, channel=body.channel, source=body.source)
    db.commit()
    return {"id": row.id, "text": row.text}


@router.get("/{entry_id}", response_model=FaqEntryOut, summary="一条问答及其全部版本")
def get_faq(entry_id: Id, db: Db, actor: Staff) -> FaqEntryOut:
    return presenters.entry_out(db, service.get_entry(db_session=db, entry_id=entry_id))


@router.put("/{entry_id}", response_model=FaqEntryOut, summary="修改问答（编辑草稿，或从已发布版本开始新版本）")
def update_faq(entry_id: Id, body: FaqIn, db: Db, clock: Now, actor: Staff) -> FaqEntryOut:
    service.save_draft(db_session=db, clock=clock, actor=actor, entry_id=entry_id, faq_in=body)
    db.commit()
    return presenters.entry_out(db, service.get_entry(db_session=db, entry_id=entry_id))


@router.post("/{entry_id}/withdraw", response_model=FaqEntryOut, summary="撤下已发布的问答")
def withdraw_faq(entry_id: Id, body: ReasonIn, db: Db, clock: Now, actor: Staff) -> FaqEntryOut:
    service.withdraw(db_session=db, clock=clock, actor=actor, entry_id=entry_id, reason=body.reason)
    db.commit()
    return presenters.entry_out(db, service.get_entry(db_session=db, entry_id=entry_id))


@router.post("/versions/{version_id}/submit", response_model=FaqEntryOut, summary="送审")
def submit_faq(version_id: Id, db: Db, clock: Now, actor: Staff) -> FaqEntryOut:
    version = service.submit(db_session=db, clock=clock, actor=actor, version_id=version_id)
    db.commit()
    return presenters.entry_out(db, service.get_entry(db_session=db, entry_id=version.entry_id))


@router.post("/versions/{version_id}/publish", response_model=FaqEntryOut, summary="审核通过并发布（管理机构）")
def publish_faq(version_id: Id, body: ReasonIn, db: Db, clock: Now, actor: Staff) -> FaqEntryOut:
    version = service.publish(db_session=db, clock=clock, actor=actor, version_id=version_id, comment=body.reason)
    db.commit()
    return presenters.entry_out(db, service.get_entry(db_session=db, entry_id=version.entry_id))


@router.post("/versions/{version_id}/return", response_model=FaqEntryOut, summary="退回修改（管理机构）")
def return_faq(version_id: Id, body: ReasonIn, db: Db, clock: Now, actor: Staff) -> FaqEntryOut:
    version = service.return_version(db_session=db, clock=clock, actor=actor, version_id=version_id, reasons=body.reason)
    db.commit()
    return presenters.entry_out(db, service.get_entry(db_session=db, entry_id=version.entry_id))
