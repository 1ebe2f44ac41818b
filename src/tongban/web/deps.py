"""Request-scoped dependencies shared by every domain's routes: session, clock, who is asking, CSRF."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from typing import Annotated, Any, Protocol

from fastapi import Depends, Form, Path, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from tongban.accounts import sessions
from tongban.accounts.access import Permission, PersonActor, StaffActor
from tongban.accounts.staff import authenticate_token
from tongban.baselib.service import BaseLibrary, TableBaseLibrary
from tongban.core.clock import Clock
from tongban.core.db import session_factory
from tongban.core.errors import Forbidden, Unauthorized
from tongban.notify.sms import SmsGateway
from tongban.search.service import SearchHub

PERSON_COOKIE = "tb_session"
STAFF_COOKIE = "tb_staff"
CSRF_COOKIE = "tb_csrf"
STAFF_TOKEN_PREFIX = "tbs_"
# Declared on the routes that need a signed-in caller, so the OpenAPI document says so (and lists 401/403);
# reading the token stays with `bearer` and the cookies below.
BEARER = HTTPBearer(
    auto_error=False, scheme_name="bearer",
    description="个人：POST /api/v1/auth/login 得到的令牌；工作人员：以 tbs_ 开头的工作人员令牌。页面使用会话 Cookie。",
)


# The dependencies that do no I/O are `async def`: FastAPI runs a plain `def` dependency in the thread pool, and
# every such hop costs more than a cached page's own work. The routes themselves stay `def` (they block on the
# database), and so do the dependencies that read it.

async def get_db() -> AsyncIterator[Session]:
    """A session per request; routes commit explicitly before they acknowledge a write.

    Opening a session connects to nothing; a session that never used the database closes at once, one that did
    (a transaction left open, a pooled connection to give back) closes in the thread pool like the route ran."""
    session = session_factory()()
    try:
        yield session
    finally:
        if session.in_transaction():
            await run_in_threadpool(session.close)  # close rolls back what the route did not commit
        else:
            session.close()


async def get_clock(request: Request) -> Clock:
    return request.app.state.clock


async def get_gateway(request: Request) -> SmsGateway:
    return request.app.state.sms_gateway


async def get_hub(request: Request) -> SearchHub:
    return request.app.state.search_hub


async def get_library(db: Session = Depends(get_db)) -> BaseLibrary:
    return TableBaseLibrary(db)


def client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    return header[7:].strip() if header.lower().startswith("bearer ") else None


class SignedIn(Protocol):
    """What these dependencies read of the session `accounts.sessions.resolve` answers (and hand back to accounts)."""

    subject_kind: str
    subject_id: int
    restricted: bool
    csrf_token: str


def _session(request: Request, db: Session, clock: Clock, subject_kind: str, cookie: str) -> SignedIn | None:
    """The caller's session from a bearer header (API) or the cookie (pages); None when anonymous."""
    token = bearer(request)
    if token and not token.startswith(STAFF_TOKEN_PREFIX):
        row = sessions.resolve(db_session=db, clock=clock, token=token, transport="bearer")
    elif request.cookies.get(cookie) and not token:
        row = sessions.resolve(db_session=db, clock=clock, token=request.cookies[cookie], transport="cookie")
    else:
        return None
    if row.subject_kind != subject_kind:
        return None
    request.state.auth_session = row
    request.state.auth_subject = (row.subject_kind, row.subject_id)  # for the page header, after the session closed
    return row


async def optional_person(request: Request, db: Session = Depends(get_db), clock: Clock = Depends(get_clock)) -> PersonActor | None:
    """The signed-in person on a page open to everyone; an anonymous visitor (no token, no cookie) costs no hop."""
    if bearer(request) is None and not request.cookies.get(PERSON_COOKIE):
        return None
    return await run_in_threadpool(_optional_person, request, db, clock)


def _optional_person(request: Request, db: Session, clock: Clock) -> PersonActor | None:
    try:
        row = _session(request, db, clock, "person", PERSON_COOKIE)
    except Unauthorized:
        return None
    if row is None or row.restricted:
        return None
    return sessions.person_actor(db_session=db, session=row)


def get_person_any(
    request: Request, db: Session = Depends(get_db), clock: Clock = Depends(get_clock),
    _token: HTTPAuthorizationCredentials | None = Depends(BEARER),
) -> PersonActor:
    """A signed-in person, even one who must still change the password or sign the agreement."""
    row = _session(request, db, clock, "person", PERSON_COOKIE)
    if row is None:
        raise Unauthorized("LOGIN_REQUIRED", "请先登录")
    return sessions.person_actor(db_session=db, session=row)


async def get_person(request: Request, actor: PersonActor = Depends(get_person_any)) -> PersonActor:
    if request.state.auth_session.restricted:
        raise Forbidden("ACCOUNT_SETUP_REQUIRED", "请先修改初始密码并确认服务协议，再继续办理")
    return actor


def get_staff(
    request: Request, db: Session = Depends(get_db), clock: Clock = Depends(get_clock),
    _token: HTTPAuthorizationCredentials | None = Depends(BEARER),
) -> StaffActor:
    token = bearer(request)
    if token and token.startswith(STAFF_TOKEN_PREFIX):
        return authenticate_token(db_session=db, clock=clock, token=token)
    row = _session(request, db, clock, "staff", STAFF_COOKIE)
    if row is None:
        raise Unauthorized("STAFF_LOGIN_REQUIRED", "请先以工作人员身份登录（接口调用请使用工作人员令牌）")
    if row.restricted:
        raise Forbidden("PASSWORD_CHANGE_REQUIRED", "请先修改初始密码")
    return sessions.staff_actor(db_session=db, session=row)


def csrf_token(request: Request) -> str:
    """The token forms carry: the session's once signed in, else a cookie-bound one for sign-in forms."""
    row = getattr(request.state, "auth_session", None)
    if row is not None:
        return row.csrf_token
    token = request.cookies.get(CSRF_COOKIE) or getattr(request.state, "new_csrf", None)
    if not token:
        token = secrets.token_urlsafe(24)
        request.state.new_csrf = token  # the page middleware sets it as a cookie on the way out
    return token


def check_csrf(request: Request, csrf: Annotated[str, Form(max_length=100)] = "") -> None:
    """Every page form that changes something carries the token; a forged cross-site post has none."""
    row = getattr(request.state, "auth_session", None)
    expected = row.csrf_token if row is not None and row.transport == "cookie" else request.cookies.get(CSRF_COOKIE, "")
    if not expected or not csrf or not secrets.compare_digest(expected, csrf):
        raise Forbidden("CSRF_FAILED", "页面已过期，请刷新后重新提交")


# The parameter types every route module uses, declared once: `db: Db`, `clock: Now`, `actor: Staff`, `_: Csrf`.
Db = Annotated[Session, Depends(get_db)]
Now = Annotated[Clock, Depends(get_clock)]
Staff = Annotated[StaffActor, Depends(get_staff)]
Me = Annotated[PersonActor, Depends(get_person)]  # a signed-in citizen whose account is set up
MeAny = Annotated[PersonActor, Depends(get_person_any)]  # also one who must still change an initial password
MaybeMe = Annotated[PersonActor | None, Depends(optional_person)]  # pages open to everyone
Library = Annotated[BaseLibrary, Depends(get_library)]
Gateway = Annotated[SmsGateway, Depends(get_gateway)]
Hub = Annotated[SearchHub, Depends(get_hub)]  # the search index the app holds
Id = Annotated[int, Path(ge=1, le=2**31 - 1)]  # a row id in a URL: beyond int4 is a 422, not a database error
Csrf = Annotated[None, Depends(check_csrf)]
# Form text fields by length: a name or code, a line of text, a paragraph, a long body.
Short = Annotated[str, Form(max_length=100)]
Text = Annotated[str, Form(max_length=200)]
LongText = Annotated[str, Form(max_length=2000)]
Long = Annotated[str, Form(max_length=20_000)]


async def _posted(request: Request) -> FormData:
    """The whole form body, for forms whose fields are named by the item (fields `f_<key>`, files by material key)."""
    return await request.form()


Posted = Annotated[FormData, Depends(_posted)]


def staff_with(permission: Permission) -> Any:
    """The parameter type of a route only staff holding `permission` may use: `actor: staff_with(P)`."""

    def dependency(actor: Staff) -> StaffActor:
        actor.require(permission)
        return actor

    return Annotated[StaffActor, Depends(dependency)]
