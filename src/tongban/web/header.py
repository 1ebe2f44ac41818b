"""Who the page header is for: signed-in person (with the inbox's unread count), member of staff, or nobody."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request
from sqlalchemy import inspect
from sqlalchemy.orm import Session

from tongban.accounts import sessions
from tongban.accounts.access import StaffActor
from tongban.core import db as core_db
from tongban.core.errors import Unauthorized
from tongban.notify import inbox
from tongban.web.deps import PERSON_COOKIE, STAFF_COOKIE


@dataclass(frozen=True)
class Header:
    person: bool = False  # a person is signed in: 我的空间, 消息 and 退出 instead of 登录 and 注册
    unread: int = 0  # the person's unread inbox messages
    staff: bool = False  # a member of staff is signed in (on staff pages: no citizen sign-in links at all)
    staff_cookie: bool = False  # the browser holds a staff session: 工作台 rather than 工作人员入口


def _subject(request: Request) -> tuple[str, int] | None:
    """(kind, id) of the session the page resolved, if any. An error page renders after the request's database
    session closed, so only what was loaded is read: nothing may be fetched from a detached row."""
    subject = getattr(request.state, "auth_subject", None)
    if subject is not None:
        return subject
    row = getattr(request.state, "auth_session", None)
    if row is None:
        return None
    loaded = inspect(row).dict
    kind, subject_id = loaded.get("subject_kind"), loaded.get("subject_id")
    return (kind, subject_id) if kind and subject_id else None


def _person_id(request: Request, session: Session) -> int | None:
    """The signed-in person: from the session the page already resolved, else from the cookie."""
    subject = _subject(request)
    if subject is not None:
        return subject[1] if subject[0] == "person" else None
    token = request.cookies.get(PERSON_COOKIE)
    if not token:
        return None
    try:
        found = sessions.resolve(db_session=session, clock=request.app.state.clock, token=token, transport="cookie")
    except Unauthorized:  # expired or revoked: the header offers 登录 again
        return None
    return found.subject_id if found.subject_kind == "person" else None


def header_for(request: Request, actor: object = None) -> Header:
    """For a signed-in person one count query (and one session look-up when the page did not need the person);
    nothing is written: the page that needs the person records the session's activity."""
    subject = _subject(request)
    staff = isinstance(actor, StaffActor) or (subject is not None and subject[0] == "staff")
    staff_cookie = staff or bool(request.cookies.get(STAFF_COOKIE))
    if request.url.path.startswith("/staff") or not (subject is not None or request.cookies.get(PERSON_COOKIE)):
        return Header(staff=staff, staff_cookie=staff_cookie)
    session = core_db.session_factory()()
    try:
        person_id = _person_id(request, session)
        if person_id is None:
            return Header(staff=staff, staff_cookie=staff_cookie)
        unread = inbox.unread_count(db_session=session, person_id=person_id)
    finally:
        session.rollback()
        session.close()
    return Header(person=True, unread=unread, staff=staff, staff_cookie=staff_cookie)
