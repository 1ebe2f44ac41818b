"""The public JSON API of help tickets: ask a person, my tickets, read by number and check code, close, answer the
follow-up, and the published list of consult/guide/assist services (/api/v1/help)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from tongban.helpdesk import closing, presenters, service, sessions, transcript
from tongban.helpdesk.schemas import (CloseIn, DeskList, FollowUpIn, LookupIn, ServiceListOut, SessionIn, TicketCreate,
                                      TicketCreated, TicketList, TicketOut)
from tongban.web.deps import Db, Hub, Id, MaybeMe, Me, Now, client_ip

router = APIRouter(prefix="/api/v1/help", tags=["helpdesk"])


@router.post("/tickets", response_model=TicketCreated, status_code=201, summary="转人工：登记咨询诉求（网站、移动端、自助终端）")
def create_ticket(body: TicketCreate, db: Db, clock: Now, hub: Hub, me: MaybeMe) -> TicketCreated:
    turns = tuple(transcript.Turn(t.question, t.context) for t in body.conversation)
    ticket_in = service.TicketIn(**body.model_dump(exclude={"conversation"}), turns=turns)
    ticket = service.open_ticket(db_session=db, clock=clock, ticket_in=ticket_in, person=me, hub=hub)
    out = presenters.created(db, ticket)
    db.commit()
    return out


@router.get("/tickets", response_model=TicketList, summary="我的咨询工单")
def my_tickets(db: Db, me: Me) -> TicketList:
    return TicketList(items=[presenters.person_view(db, t) for t in service.mine(db_session=db, person=me)])


@router.get("/tickets/{number}", response_model=TicketOut, summary="我的一个咨询工单及其答复")
def my_ticket(number: str, db: Db, me: Me) -> TicketOut:
    return presenters.person_view(db, service.for_person(db_session=db, person=me, number=number))


@router.post("/lookup", response_model=TicketOut, summary="凭工单编号和 4 位查询码查看工单（热线、来信来电）")
def look_up(body: LookupIn, request: Request, db: Db, clock: Now) -> TicketOut:
    ticket = service.look_up(db_session=db, clock=clock, number=body.number, code=body.code, client_ip=client_ip(request))
    out = presenters.person_view(db, ticket)
    db.commit()
    return out


@router.post("/tickets/{number}/close", response_model=TicketOut, summary="看过答复后结案")
def close_ticket(number: str, body: CloseIn, db: Db, clock: Now, me: Me) -> TicketOut:
    ticket = service.for_person(db_session=db, person=me, number=number)
    closing.close_by_person(db_session=db, clock=clock, person=me, ticket=ticket, outcome=body.outcome, note=body.note)
    db.commit()
    return presenters.person_view(db, ticket)


@router.post("/tickets/{number}/follow-up", response_model=TicketOut, summary="回访：是否已取得办理结果")
def follow_up(number: str, body: FollowUpIn, db: Db, clock: Now, me: Me) -> TicketOut:
    ticket = service.for_person(db_session=db, person=me, number=number)
    closing.record_follow_up(db_session=db, clock=clock, ticket=ticket, answer=body.answer, note=body.note,
                             author=me.ref, author_name=me.name)
    db.commit()
    return presenters.person_view(db, ticket)


@router.get("/tickets/{number}/session-slots", response_model=DeskList,
            summary="远程帮办：可预约的视频、语音帮办时段（工作日工作时间）")
def session_slots(number: str, db: Db, clock: Now, me: Me) -> DeskList:
    ticket = service.for_person(db_session=db, person=me, number=number)
    out = DeskList(items=presenters.desks(sessions.options(db_session=db, clock=clock, ticket=ticket)))
    db.commit()
    return out


@router.post("/tickets/{number}/sessions", response_model=TicketOut, status_code=201, summary="预约视频帮办或语音帮办")
def book_session(number: str, body: SessionIn, db: Db, clock: Now, me: Me) -> TicketOut:
    ticket = service.for_person(db_session=db, person=me, number=number)
    sessions.book(db_session=db, clock=clock, person=me, ticket=ticket, slot_id=body.slot_id, mode=body.mode,
                  contact_note=body.contact_note)
    db.commit()
    return presenters.person_view(db, ticket)


@router.post("/tickets/{number}/sessions/{session_id}/cancel", response_model=TicketOut, summary="取消远程帮办预约")
def cancel_session(number: str, session_id: Id, db: Db, clock: Now, me: Me) -> TicketOut:
    ticket = service.for_person(db_session=db, person=me, number=number)
    sessions.cancel(db_session=db, clock=clock, person=me, ticket=ticket, session_id=session_id)
    db.commit()
    return presenters.person_view(db, ticket)


@router.get("/services", response_model=ServiceListOut, summary="咨询、导办、帮办服务清单（各大厅和部门）")
def services(db: Db, region: Annotated[str, Query(pattern=r"^\d{0,12}$")] = "") -> ServiceListOut:
    return ServiceListOut(items=presenters.service_places(db, region or None))
