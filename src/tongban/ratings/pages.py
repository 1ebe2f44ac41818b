"""Public pages of ratings: the rating form (signed link or from one's own case/ticket page), my ratings with the
rectification feedback, and the window rater tablet (/halls/{id}/windows/{n}/rater)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, Response

from tongban.core.config import get_settings
from tongban.core.errors import DomainError
from tongban.helpdesk import reads as help_reads
from tongban.ratings import presenters, rater, rectification, service
from tongban.ratings.enums import Dimension, Level
from tongban.web.actions import form_action, see_other
from tongban.web.deps import Csrf, Db, Id, MaybeMe, Me, Now, Posted, Short, client_ip
from tongban.web.rendering import render

router = APIRouter(include_in_schema=False)
Big = Annotated[str, Form(max_length=20_000)]
RATER_COOKIE = "tb_rater"
RATER_COOKIE_SECONDS = 400 * 24 * 3600


def _form(request: Request, *, values: dict, me, error: str = "", status_code: int = 200) -> HTMLResponse:
    return render(request, "ratings/new.html", values=values, me=me, error=error, levels=list(Level),
                  dimensions=list(Dimension), max_chars=service.COMMENT_MAX, status_code=status_code)


@router.get("/ratings/new", response_class=HTMLResponse)
def new_rating(request: Request, db: Db, me: MaybeMe, token: Annotated[str, Query(max_length=200)] = "",
               kind: Annotated[str, Query(max_length=20)] = "", id: Annotated[int, Query(ge=0, le=2**31 - 1)] = 0,
               number: Annotated[str, Query(max_length=20)] = "") -> HTMLResponse:
    if number and kind == "help_ticket":
        id = help_reads.ticket_id(db_session=db, number=number) or 0
    return _form(request, me=me, values={"token": token, "subject_kind": kind, "subject_id": id, "dimensions": []})


@router.post("/ratings", response_class=HTMLResponse)
def create_rating(request: Request, db: Db, clock: Now, me: MaybeMe, _: Csrf, data: Posted) -> Response:
    values = {"token": str(data.get("token", ""))[:200], "subject_kind": str(data.get("subject_kind", ""))[:20],
              "subject_id": str(data.get("subject_id", "0"))[:12], "level": str(data.get("level", ""))[:4],
              "dimensions": [str(d)[:20] for d in data.getlist("dimensions") if d][:10],
              "comment": str(data.get("comment", ""))[:20_000]}
    subject_id = int(values["subject_id"]) if values["subject_id"].isdigit() else 0
    level = int(values["level"]) if values["level"].lstrip("-").isdigit() else 0
    rating_in = service.RatingIn(level=level, dimensions=values["dimensions"], comment=values["comment"],
                                 channel="mobile" if data.get("channel") == "mobile" else "web")
    values["comment"] = values["comment"][:service.COMMENT_MAX]
    return form_action(
        db, lambda: service.submit(db_session=db, clock=clock, person=me, token=values["token"], kind=values["subject_kind"],
                                   subject_id=subject_id, rating_in=rating_in),
        done=lambda row: render(request, "ratings/thanks.html", status_code=201, rating=presenters.person_view(db, clock, row)),
        failed=lambda exc: _form(request, me=me, values=values, error=exc.message, status_code=exc.status_code),
    )


def _mine(request: Request, db, clock, me, *, error: str = "", status_code: int = 200) -> HTMLResponse:
    rows = [presenters.person_view(db, clock, r) for r in service.mine(db_session=db, person=me)]
    return render(request, "ratings/mine.html", ratings=rows, error=error, msg=request.query_params.get("msg", ""),
                  status_code=status_code)


@router.get("/ratings/mine", response_class=HTMLResponse)
def mine(request: Request, db: Db, clock: Now, me: Me) -> HTMLResponse:
    return _mine(request, db, clock, me)


@router.post("/ratings/{rating_id}/addendum", response_class=HTMLResponse)
def addendum(request: Request, rating_id: Id, db: Db, clock: Now, me: Me, _: Csrf, text: Big = "") -> Response:
    return form_action(db, lambda: service.add_addendum(db_session=db, clock=clock, person=me, rating_id=rating_id, text=text),
                       done=lambda _row: see_other("/ratings/mine", msg="已追加评价"),
                       failed=lambda exc: _mine(request, db, clock, me, error=exc.message, status_code=exc.status_code))


@router.post("/ratings/{rating_id}/satisfied", response_class=HTMLResponse)
def satisfied(request: Request, rating_id: Id, db: Db, clock: Now, me: Me, _: Csrf, answer: Short = "") -> Response:
    return form_action(db, lambda: rectification.answer(db_session=db, clock=clock, person=me, rating_id=rating_id,
                                                        satisfied=answer == "yes"),
                       done=lambda _task: see_other("/ratings/mine", msg="感谢您的反馈"),
                       failed=lambda exc: _mine(request, db, clock, me, error=exc.message, status_code=exc.status_code))


# --- the window rater ----------------------------------------------------------------------------------------------

def rater_path(hall_id: int, number: int) -> str:
    return f"/halls/{hall_id}/windows/{number}/rater"


def _set_cookie(request: Request, response: Response, hall_id: int, number: int, token: str) -> None:
    response.set_cookie(RATER_COOKIE, token, max_age=RATER_COOKIE_SECONDS, httponly=True, samesite="strict",
                        secure=get_settings().secure_cookies or request.url.scheme == "https",
                        path=rater_path(hall_id, number))


def _rater_page(request: Request, *, hall_id: int, number: int, served=None, enrolled: bool, error: str = "",
                msg: str = "", status_code: int = 200) -> HTMLResponse:
    return render(request, "ratings/rater.html", status_code=status_code, hall_id=hall_id, number=number, served=served,
                  enrolled=enrolled, error=error, msg=msg, levels=list(Level), path=rater_path(hall_id, number))


@router.get("/halls/{hall_id}/windows/{number}/rater", response_class=HTMLResponse)
def rater_page(request: Request, hall_id: Id, number: Id, db: Db, clock: Now) -> HTMLResponse:
    """The tablet's screen: the ticket just handled at this window and five buttons; refreshes itself."""
    try:
        device = rater.authenticate(db_session=db, clock=clock, hall_id=hall_id, number=number,
                                    token=request.cookies.get(RATER_COOKIE))
    except DomainError as exc:
        db.rollback()
        return _rater_page(request, hall_id=hall_id, number=number, enrolled=False, error=exc.message)
    served = rater.current(db_session=db, clock=clock, rater=device)
    db.commit()
    return _rater_page(request, hall_id=hall_id, number=number, served=served, enrolled=True,
                       msg=request.query_params.get("msg", ""))


@router.post("/halls/{hall_id}/windows/{number}/rater/enroll", response_class=HTMLResponse)
def rater_enroll(request: Request, hall_id: Id, number: Id, db: Db, clock: Now, _: Csrf, code: Short = "") -> Response:
    def done(token: str) -> Response:
        response = see_other(rater_path(hall_id, number), msg="本机已登记为评价器")
        _set_cookie(request, response, hall_id, number, token)
        return response

    return form_action(db, lambda: rater.enroll(db_session=db, clock=clock, hall_id=hall_id, number=number, code=code,
                                                client_ip=client_ip(request)),
                       done=done, failed=lambda exc: _rater_page(request, hall_id=hall_id, number=number, enrolled=False,
                                                                 error=exc.message, status_code=exc.status_code))


@router.post("/halls/{hall_id}/windows/{number}/rater", response_class=HTMLResponse)
def rater_tap(request: Request, hall_id: Id, number: Id, db: Db, clock: Now, _: Csrf, data: Posted) -> Response:
    ticket_id, level = str(data.get("ticket_id", ""))[:12], str(data.get("level", ""))[:4]
    rating_in = service.RatingIn(level=int(level) if level.isdigit() else 0, comment=str(data.get("comment", ""))[:20_000],
                                 dimensions=[str(d)[:20] for d in data.getlist("dimensions") if d][:10])

    def change():
        device = rater.authenticate(db_session=db, clock=clock, hall_id=hall_id, number=number,
                                    token=request.cookies.get(RATER_COOKIE))
        ticket = int(ticket_id) if ticket_id.isdigit() and int(ticket_id) < 2**31 else 0
        return rater.rate(db_session=db, clock=clock, rater=device, ticket_id=ticket, rating_in=rating_in)

    def failed(exc: DomainError) -> HTMLResponse:
        served = None
        if exc.status_code != 403:
            device = rater.authenticate(db_session=db, clock=clock, hall_id=hall_id, number=number,
                                        token=request.cookies.get(RATER_COOKIE))
            served = rater.current(db_session=db, clock=clock, rater=device)
        return _rater_page(request, hall_id=hall_id, number=number, served=served, enrolled=exc.status_code != 403,
                           error=exc.message, status_code=exc.status_code)

    return form_action(db, change, done=lambda _row: see_other(rater_path(hall_id, number), msg="感谢您的评价！"),
                       failed=failed)
