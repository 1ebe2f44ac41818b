"""Public pages of help tickets: ask a person (/help/new, prefilled from /ask), my tickets, a ticket with its replies,
close and follow-up, the look-up by number and check code, and the published list of services (/help/services)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, Response

from tongban.assistant.service import HOTLINE
from tongban.core.errors import DomainError, InvalidInput
from tongban.helpdesk import closing, directory, presenters, service, sessions, transcript
from tongban.helpdesk.enums import FOLLOW_UP_ANSWERS, Outcome, SessionMode
from tongban.web.actions import form_action, see_other
from tongban.web.deps import Csrf, Db, Hub, Id, LongText, MaybeMe, Me, Now, Short, client_ip
from tongban.web.rendering import render

router = APIRouter(include_in_schema=False)
Big = Annotated[str, Form(max_length=20_000)]
OptionalId = Annotated[str, Query(max_length=12, pattern=r"^\d{0,10}$")]
# The questions asked at /ask before asking a person, `context|question` each (transcript.Turn.token).
TurnsQuery = Annotated[list[str], Query(max_length=transcript.MAX_TURNS * 4)]
TurnsForm = Annotated[list[str], Form(max_length=transcript.MAX_TURNS * 4)]


def _int(value: str) -> int | None:
    return int(value) if value.isdigit() and 0 < int(value) < 2**31 else None


def _form(request: Request, *, values: dict, me, error: str = "", status_code: int = 200) -> HTMLResponse:
    return render(request, "helpdesk/new.html", values=values, me=me, error=error, hotline=HOTLINE,
                  max_chars=service.QUESTION_MAX, status_code=status_code)


@router.get("/help/new", response_class=HTMLResponse)
def new_ticket(request: Request, me: MaybeMe, q: Annotated[str, Query(max_length=2000)] = "", item: OptionalId = "",
               agency: OptionalId = "", turn: TurnsQuery = []) -> HTMLResponse:
    turns = [t[:300] for t in turn][-transcript.MAX_TURNS:]
    return _form(request, me=me, values={"question": q, "assistant_question": q[:200], "item_id": item,
                                         "agency_id": agency, "turns": turns})


@router.post("/help/tickets", response_class=HTMLResponse)
def create_ticket(request: Request, db: Db, clock: Now, hub: Hub, me: MaybeMe, _: Csrf, question: Big = "",
                  channel: Short = "web", contact_name: Short = "", contact_phone: Short = "", contact_email: Short = "",
                  item_id: Short = "", agency_id: Short = "", assistant_question: LongText = "",
                  turn: TurnsForm = []) -> Response:
    values = {"question": question[:service.QUESTION_MAX], "channel": channel, "contact_name": contact_name,
              "contact_phone": contact_phone, "contact_email": contact_email, "item_id": item_id, "agency_id": agency_id,
              "assistant_question": assistant_question[:200], "turns": [t[:300] for t in turn][-transcript.MAX_TURNS:]}

    def change():
        ticket_in = service.TicketIn(
            question=question, channel=channel if channel in ("web", "mobile", "terminal") else "web",
            contact_name=contact_name, contact_phone=contact_phone, contact_email=contact_email, item_id=_int(item_id),
            agency_id=_int(agency_id), assistant_question=assistant_question, assistant_item_id=_int(item_id),
            turns=tuple(transcript.parse_turns(turn)))
        return service.open_ticket(db_session=db, clock=clock, ticket_in=ticket_in, person=me, hub=hub)

    return form_action(
        db, change,
        done=lambda t: render(request, "helpdesk/created.html", status_code=201, ticket=presenters.created(db, t)),
        failed=lambda exc: _form(request, me=me, values=values, error=exc.message, status_code=exc.status_code),
    )


@router.get("/help/tickets", response_class=HTMLResponse)
def my_tickets(request: Request, db: Db, me: Me) -> HTMLResponse:
    rows = [presenters.person_view(db, t) for t in service.mine(db_session=db, person=me)]
    return render(request, "helpdesk/mine.html", tickets=rows)


def _ticket_page(request: Request, db, ticket, *, own: bool, error: str = "", status_code: int = 200) -> HTMLResponse:
    return render(request, "helpdesk/ticket.html", status_code=status_code, ticket=presenters.person_view(db, ticket),
                  own=own, error=error, msg=request.query_params.get("msg", ""), outcomes=list(Outcome),
                  answers=FOLLOW_UP_ANSWERS)


@router.get("/help/tickets/{number}", response_class=HTMLResponse)
def my_ticket(number: str, request: Request, db: Db, me: Me) -> HTMLResponse:
    return _ticket_page(request, db, service.for_person(db_session=db, person=me, number=number), own=True)


@router.post("/help/tickets/{number}/close", response_class=HTMLResponse)
def close_ticket(number: str, request: Request, db: Db, clock: Now, me: Me, _: Csrf, outcome: Short = "pending",
                 note: Big = "") -> Response:
    ticket = service.for_person(db_session=db, person=me, number=number)
    return form_action(
        db, lambda: closing.close_by_person(db_session=db, clock=clock, person=me, ticket=ticket, outcome=outcome, note=note),
        done=lambda t: see_other(f"/help/tickets/{t.number}", msg="已结案，感谢您的反馈"),
        failed=lambda exc: _failed(request, db, me, number, exc),
    )


@router.post("/help/tickets/{number}/follow-up", response_class=HTMLResponse)
def follow_up(number: str, request: Request, db: Db, clock: Now, me: Me, _: Csrf, answer: Short = "",
              note: Big = "") -> Response:
    ticket = service.for_person(db_session=db, person=me, number=number)
    return form_action(
        db, lambda: closing.record_follow_up(db_session=db, clock=clock, ticket=ticket, answer=answer, note=note,
                                             author=me.ref, author_name=me.name),
        done=lambda t: see_other(f"/help/tickets/{t.number}", msg="已记录，谢谢"),
        failed=lambda exc: _failed(request, db, me, number, exc),
    )


def _failed(request: Request, db, me, number: str, exc: DomainError) -> HTMLResponse:
    ticket = service.for_person(db_session=db, person=me, number=number)
    return _ticket_page(request, db, ticket, own=True, error=exc.message, status_code=exc.status_code)


def _session_page(request: Request, db, clock, ticket, *, values: dict | None = None, error: str = "",
                  status_code: int = 200) -> HTMLResponse:
    return render(request, "helpdesk/session.html", status_code=status_code, ticket=presenters.person_view(db, ticket),
                  desks=presenters.desks(sessions.options(db_session=db, clock=clock, ticket=ticket)),
                  modes=list(SessionMode), values=values or {"mode": "video"}, error=error)


@router.get("/help/tickets/{number}/session", response_class=HTMLResponse)
def session_form(number: str, request: Request, db: Db, clock: Now, me: Me) -> Response:
    """Book video or voice help (视频帮办 / 语音帮办) in a working-hours slot of a remote help desk (CONS-12)."""
    ticket = service.for_person(db_session=db, person=me, number=number)
    page = _session_page(request, db, clock, ticket)
    db.commit()  # the desk's slots of the booking window, opened as days roll forward
    return page


@router.post("/help/tickets/{number}/sessions", response_class=HTMLResponse)
def book_session(number: str, request: Request, db: Db, clock: Now, me: Me, _: Csrf, slot_id: Short = "",
                 mode: Short = "", contact_note: Short = "") -> Response:
    ticket = service.for_person(db_session=db, person=me, number=number)
    values = {"slot_id": slot_id, "mode": mode, "contact_note": contact_note}

    def change():
        slot = _int(slot_id)
        if slot is None:
            raise InvalidInput("SLOT_REQUIRED", "请选择预约时段")
        return sessions.book(db_session=db, clock=clock, person=me, ticket=ticket, slot_id=slot, mode=mode,
                             contact_note=contact_note)

    return form_action(
        db, change,
        done=lambda s: see_other(f"/help/tickets/{ticket.number}", msg=f"已预约{SessionMode(s.mode).label}：{sessions.when(s)}"),
        failed=lambda exc: _session_page(request, db, clock, ticket, values=values, error=exc.message,
                                         status_code=exc.status_code),
    )


@router.post("/help/tickets/{number}/sessions/{session_id}/cancel", response_class=HTMLResponse)
def cancel_session(number: str, session_id: Id, request: Request, db: Db, clock: Now, me: Me, _: Csrf) -> Response:
    ticket = service.for_person(db_session=db, person=me, number=number)
    return form_action(
        db, lambda: sessions.cancel(db_session=db, clock=clock, person=me, ticket=ticket, session_id=session_id),
        done=lambda s: see_other(f"/help/tickets/{ticket.number}", msg="已取消远程帮办预约"),
        failed=lambda exc: _failed(request, db, me, number, exc),
    )


@router.get("/help/lookup", response_class=HTMLResponse)
def lookup_form(request: Request) -> HTMLResponse:
    return render(request, "helpdesk/lookup.html", error="", number="")


@router.post("/help/lookup", response_class=HTMLResponse)
def lookup(request: Request, db: Db, clock: Now, _: Csrf, number: Short = "", code: Short = "") -> HTMLResponse:
    try:
        ticket = service.look_up(db_session=db, clock=clock, number=number, code=code, client_ip=client_ip(request))
    except DomainError as exc:
        db.rollback()
        return render(request, "helpdesk/lookup.html", error=exc.message, number=number[:20], status_code=exc.status_code)
    db.commit()
    return _ticket_page(request, db, ticket, own=False)


@router.get("/help/services", response_class=HTMLResponse)
def services(request: Request, db: Db, region: Annotated[str, Query(pattern=r"^\d{0,12}$")] = "") -> HTMLResponse:
    return render(request, "helpdesk/services.html", places=presenters.service_places(db, region or None),
                  labels=directory.SERVICES)
