"""The staff JSON API of help tickets: queues, hotline/letter/e-mail entry, take, reply, transfer, guide, assist,
close and follow-up (/api/v1/staff/help)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from tongban.accounts.access import Permission
from tongban.helpdesk import closing, handling, presenters, service, sessions
from tongban.helpdesk.schemas import (ChecklistIn, CloseIn, DraftIn, FollowUpIn, GuideIn, HeldIn, PrecheckIn, ReplyIn,
                                      StaffSessionList, StaffTicketList, StaffTicketOut, TicketCreate, TicketCreated,
                                      TransferIn)
from tongban.web.deps import Db, Id, Now, Staff, staff_with

router = APIRouter(prefix="/api/v1/staff/help", tags=["helpdesk-staff"])
Consultant = staff_with(Permission.consult_answer)


@router.get("/tickets", response_model=StaffTicketList, summary="工单队列：本机构、我负责的、超期与预警、待回访")
def queue(db: Db, clock: Now, actor: Staff,
          view: Annotated[str, Query(max_length=20)] = "agency") -> StaffTicketList:
    rows = service.queue(db_session=db, clock=clock, actor=actor, view=view)
    return StaffTicketList(items=[presenters.staff_view(db, clock, t, entries=False) for t in rows])


@router.post("/tickets", response_model=TicketCreated, status_code=201, summary="代为登记：热线来电、来信、电子邮件")
def register(body: TicketCreate, db: Db, clock: Now, actor: Consultant) -> TicketCreated:
    ticket = service.open_ticket(db_session=db, clock=clock, ticket_in=service.TicketIn(**body.model_dump(exclude={"conversation"})),
                                 staff=actor)
    out = presenters.created(db, ticket)
    db.commit()
    return out


@router.get("/tickets/{ticket_id}", response_model=StaffTicketOut, summary="一个工单")
def get_ticket(ticket_id: Id, db: Db, clock: Now, actor: Staff) -> StaffTicketOut:
    return presenters.staff_view(db, clock, service.for_staff(db_session=db, actor=actor, ticket_id=ticket_id))


def _done(db, clock, ticket) -> StaffTicketOut:
    db.commit()
    return presenters.staff_view(db, clock, ticket)


@router.post("/tickets/{ticket_id}/take", response_model=StaffTicketOut, summary="接单（首问负责）")
def take(ticket_id: Id, db: Db, clock: Now, actor: Consultant) -> StaffTicketOut:
    return _done(db, clock, handling.take(db_session=db, clock=clock, actor=actor, ticket_id=ticket_id))


@router.post("/tickets/{ticket_id}/reply", response_model=StaffTicketOut, summary="答复")
def reply(ticket_id: Id, body: ReplyIn, db: Db, clock: Now, actor: Consultant) -> StaffTicketOut:
    return _done(db, clock, handling.reply(db_session=db, clock=clock, actor=actor, ticket_id=ticket_id, body=body.body,
                                           complete=body.complete))


@router.post("/tickets/{ticket_id}/transfer", response_model=StaffTicketOut, summary="转办到其他部门或下级（须写明理由）")
def transfer(ticket_id: Id, body: TransferIn, db: Db, clock: Now, actor: Consultant) -> StaffTicketOut:
    return _done(db, clock, handling.transfer(db_session=db, clock=clock, actor=actor, ticket_id=ticket_id,
                                              agency_id=body.agency_id, reason=body.reason))


@router.post("/tickets/{ticket_id}/guide", response_model=StaffTicketOut, summary="导办：发送指南章节")
def guide(ticket_id: Id, body: GuideIn, db: Db, clock: Now, actor: Consultant) -> StaffTicketOut:
    return _done(db, clock, handling.send_guide_link(db_session=db, clock=clock, actor=actor, ticket_id=ticket_id,
                                                     item_id=body.item_id, section=body.section, note=body.note))


@router.post("/tickets/{ticket_id}/checklist", response_model=StaffTicketOut, summary="导办：发送个人材料清单")
def checklist(ticket_id: Id, body: ChecklistIn, db: Db, clock: Now, actor: Consultant) -> StaffTicketOut:
    return _done(db, clock, handling.send_checklist(db_session=db, clock=clock, actor=actor, ticket_id=ticket_id,
                                                    item_id=body.item_id, conditional=body.conditional, note=body.note))


@router.post("/tickets/{ticket_id}/precheck", response_model=StaffTicketOut, summary="帮办：材料与要素预审")
def precheck(ticket_id: Id, body: PrecheckIn, db: Db, clock: Now, actor: Consultant) -> StaffTicketOut:
    checks = [handling.Check(c.subject, c.ok, c.fix) for c in body.checks]
    return _done(db, clock, handling.precheck(db_session=db, clock=clock, actor=actor, ticket_id=ticket_id, checks=checks,
                                              note=body.note))


@router.post("/tickets/{ticket_id}/draft", response_model=StaffTicketOut, summary="导办：与申请人共同填写申请表，保存为预填申请表")
def draft(ticket_id: Id, body: DraftIn, db: Db, clock: Now, actor: Consultant) -> StaffTicketOut:
    return _done(db, clock, handling.prepare_draft(db_session=db, clock=clock, actor=actor, ticket_id=ticket_id,
                                                   values=body.values))


@router.post("/tickets/{ticket_id}/close", response_model=StaffTicketOut, summary="结案")
def close(ticket_id: Id, body: CloseIn, db: Db, clock: Now, actor: Consultant) -> StaffTicketOut:
    return _done(db, clock, closing.close(db_session=db, clock=clock, actor=actor, ticket_id=ticket_id,
                                          outcome=body.outcome, note=body.note, expected=body.expected))


@router.post("/tickets/{ticket_id}/follow-up", response_model=StaffTicketOut, summary="记录回访结果")
def follow_up(ticket_id: Id, body: FollowUpIn, db: Db, clock: Now, actor: Consultant) -> StaffTicketOut:
    return _done(db, clock, closing.staff_follow_up(db_session=db, clock=clock, actor=actor, ticket_id=ticket_id,
                                                    answer=body.answer, note=body.note))


@router.get("/sessions", response_model=StaffSessionList, summary="远程帮办：已预约的视频、语音帮办（本机构）")
def upcoming_sessions(db: Db, clock: Now, actor: Staff) -> StaffSessionList:
    return StaffSessionList(items=presenters.staff_sessions(sessions.upcoming(db_session=db, clock=clock, actor=actor)))


@router.post("/sessions/{session_id}/held", response_model=StaffTicketOut, summary="远程帮办：记录已完成（随后可评价）")
def session_held(session_id: Id, body: HeldIn, db: Db, clock: Now, actor: Consultant) -> StaffTicketOut:
    session = sessions.record_held(db_session=db, clock=clock, actor=actor, session_id=session_id, note=body.note)
    return _done(db, clock, service.for_staff(db_session=db, actor=actor, ticket_id=session.ticket_id))
