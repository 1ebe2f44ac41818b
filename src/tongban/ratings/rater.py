"""The window rater (评价器): a tablet at one window that shows the ticket just handled there and takes one tap
(002 8.8.1; RATE-01). It is enrolled as the hall's ticket machines are (appointments.kiosks: a one-time 登记码 from
staff, typed on the tablet) and then bound to its window; it only ever rates that window's last handled ticket."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from tongban.appointments import halls, kiosks
from tongban.appointments import reads as hall_reads
from tongban.core.clock import Clock
from tongban.core.errors import Conflict, Forbidden, NotFound
from tongban.ratings import service, subjects
from tongban.ratings.enums import SubjectKind
from tongban.ratings.models import Rating, WindowRater

SHOWN_FOR = timedelta(minutes=10)  # the person rates as they leave the window; later tickets need the SMS link
NOT_ENROLLED = ("RATER_NOT_ENROLLED", "本机未登记为这个窗口的评价器，请联系大厅工作人员登记")


def _window(db_session: Session, hall_id: int, number: int):
    hall = halls.get(db_session=db_session, hall_id=hall_id)
    if not hall_reads.window_exists(db_session=db_session, hall_id=hall.id, window_number=number):
        raise NotFound("WINDOW_NOT_FOUND", "没有找到这个窗口")
    return hall


def enroll(*, db_session: Session, clock: Clock, hall_id: int, number: int, code: str, client_ip: str) -> str:
    """The tablet types the 登记码 staff made for it (the hall's device enrolment) and is bound to this window;
    returns the token it keeps."""
    hall = _window(db_session, hall_id, number)
    enrolled = kiosks.pair(db_session=db_session, clock=clock, hall=hall, code=code, client_ip=client_ip)
    db_session.add(WindowRater(device_id=enrolled.device.id, hall_id=hall.id, window_number=number, created_at=clock.now()))
    db_session.flush()
    return enrolled.token


def authenticate(*, db_session: Session, clock: Clock, hall_id: int, number: int, token: str | None) -> WindowRater:
    try:
        device = kiosks.authenticate(db_session=db_session, clock=clock, hall_id=hall_id, token=token)
    except Forbidden:
        raise Forbidden(*NOT_ENROLLED) from None
    rater = db_session.scalar(select(WindowRater).where(WindowRater.device_id == device.id))
    if rater is None or rater.hall_id != hall_id or rater.window_number != number:
        raise Forbidden(*NOT_ENROLLED)
    return rater


def current(*, db_session: Session, clock: Clock, rater: WindowRater) -> subjects.Served | None:
    """The ticket handled last at this window in the last minutes, unless it is rated already."""
    visit = hall_reads.last_handled_at_window(db_session=db_session, hall_id=rater.hall_id,
                                              window_number=rater.window_number, since=clock.now() - SHOWN_FOR)
    if visit is None:
        return None
    if service.rating_of(db_session=db_session, kind=SubjectKind.visit.value, subject_id=visit.ticket_id) is not None:
        return None
    return subjects.from_visit(db_session, visit.ticket_id)


def rate(*, db_session: Session, clock: Clock, rater: WindowRater, ticket_id: int,
         rating_in: service.RatingIn) -> Rating:
    """One tap: only for the ticket the screen shows (the one just handled at this window)."""
    served = current(db_session=db_session, clock=clock, rater=rater)
    if served is None or served.id != ticket_id:
        raise Conflict("RATER_TICKET_GONE", "这个号已评价或已超过评价时间，感谢您的参与")
    return service.rate_at_window(db_session=db_session, clock=clock, served=served, rating_in=rating_in)
