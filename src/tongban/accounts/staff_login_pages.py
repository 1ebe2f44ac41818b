"""Staff sign-in with the password and an SMS code, the forced and voluntary password change, sign-out, and the
workbench's first screen, the actor's own to-do list (003 后台管理; ACC-02, ACC-05)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from tongban.accounts import sessions, staff
from tongban.accounts.access import StaffActor
from tongban.accounts.models import AuthSession
from tongban.accounts.presenters import staff_ctx
from tongban.cases import queues
from tongban.core.clock import Clock
from tongban.core.config import get_settings
from tongban.core.errors import DomainError, Forbidden, InvalidInput, Unauthorized
from tongban.web.actions import form_action, see_other
from tongban.web.deps import CSRF_COOKIE, STAFF_COOKIE, Csrf, Db, Gateway, Now, check_csrf, client_ip, get_staff
from tongban.web.rendering import render

router = APIRouter(prefix="/staff", include_in_schema=False)
CsrfField = Annotated[str, Form(max_length=100)]


def _staff_session(request: Request, db: Session, clock: Clock) -> AuthSession | None:
    """The browser's staff session, restricted or not; None when there is none."""
    try:
        row = sessions.resolve(db_session=db, clock=clock, token=request.cookies.get(STAFF_COOKIE), transport="cookie")
    except Unauthorized:
        return None
    if row.subject_kind != "staff":
        return None
    request.state.auth_session = row
    return row


def _set_cookie(response: Response, name: str, value: str) -> None:
    response.set_cookie(name, value, httponly=True, samesite="strict", secure=get_settings().secure_cookies, path="/")


def _login_page(request: Request, *, error: str = "", status_code: int = 200, step: str = "password", **extra) -> HTMLResponse:
    return render(request, "accounts/staff_login.html", status_code=status_code, error=error, step=step, **extra)


@router.get("/", response_class=HTMLResponse)
def login_form(request: Request, db: Db, clock: Now) -> Response:
    row = _staff_session(request, db, clock)
    if row is not None:
        return RedirectResponse("/staff/password" if row.restricted else "/staff/home", status_code=303)
    return _login_page(request)


@router.get("/login/verify", include_in_schema=False)
@router.get("/login", include_in_schema=False)
def login_address() -> Response:
    """The sign-in forms post here; someone who types the address (or reloads after a failed step) gets the form."""
    return RedirectResponse("/staff/", status_code=303)


@router.post("/login", response_class=HTMLResponse)
def login(request: Request, db: Db, clock: Now, gateway: Gateway, _csrf: Csrf,
          username: Annotated[str, Form(max_length=60)] = "", password: Annotated[str, Form(max_length=128)] = "") -> Response:
    return form_action(
        db, lambda: sessions.begin_login(db_session=db, clock=clock, gateway=gateway, identifier=username, password=password,
                                         client_ip=client_ip(request), subject_kind="staff", transport="cookie"),
        done=lambda challenge: _login_page(request, step="code", challenge=challenge.token,
                                           phone_masked=challenge.phone_masked),
        failed=lambda exc: _login_page(request, error=exc.message, status_code=exc.status_code, username=username),
    )


@router.post("/login/verify", response_class=HTMLResponse)
def login_verify(request: Request, db: Db, clock: Now, _csrf: Csrf, challenge: Annotated[str, Form(max_length=100)] = "",
                 code: Annotated[str, Form(max_length=10)] = "", phone_masked: Annotated[str, Form(max_length=20)] = "") -> Response:
    def complete() -> sessions.NewSession:
        new = sessions.complete_login(db_session=db, clock=clock, challenge=challenge, code=code.strip(),
                                      replaces=request.cookies.get(STAFF_COOKIE))
        if new.row.subject_kind != "staff":
            raise Unauthorized("LOGIN_EXPIRED", "登录已超时，请重新输入账号和密码")
        return new

    def failed(exc: DomainError) -> Response:
        step = "password" if exc.code in ("LOGIN_EXPIRED", "ACCOUNT_DISABLED") else "code"
        return _login_page(request, error=exc.message, status_code=exc.status_code, step=step, challenge=challenge,
                           phone_masked=phone_masked)

    def signed_in(new: sessions.NewSession) -> Response:
        response = RedirectResponse("/staff/password" if new.row.restricted else "/staff/home", status_code=303)
        _set_cookie(response, STAFF_COOKIE, new.token)
        _set_cookie(response, CSRF_COOKIE, new.csrf_token)
        return response

    return form_action(db, complete, done=signed_in, failed=failed)


@router.post("/logout")
def logout(request: Request, db: Db, clock: Now, csrf: CsrfField = "") -> RedirectResponse:
    row = _staff_session(request, db, clock)
    if row is not None:
        check_csrf(request, csrf)
        sessions.end_session(db_session=db, clock=clock, token=request.cookies[STAFF_COOKIE])
        db.commit()
    response = RedirectResponse("/staff/", status_code=303)
    response.delete_cookie(STAFF_COOKIE, path="/")
    response.delete_cookie(CSRF_COOKIE, path="/")
    return response


def _own_session(request: Request, db: Session, clock: Clock) -> tuple[AuthSession, StaffActor]:
    """For the password page: a restricted session may use it, which get_staff refuses."""
    row = _staff_session(request, db, clock)
    if row is None:
        raise Unauthorized("STAFF_LOGIN_REQUIRED", "请先以工作人员身份登录")
    return row, sessions.staff_actor(db_session=db, session=row)


@router.get("/password", response_class=HTMLResponse)
def password_form(request: Request, db: Db, clock: Now) -> HTMLResponse:
    row, actor = _own_session(request, db, clock)
    return render(request, "accounts/staff_password.html", restricted=row.restricted, error="", **staff_ctx(request, actor))


@router.post("/password", response_class=HTMLResponse)
def change_password(request: Request, db: Db, clock: Now, csrf: CsrfField = "", current: Annotated[str, Form(max_length=128)] = "",
                    new: Annotated[str, Form(max_length=128)] = "", repeat: Annotated[str, Form(max_length=128)] = "") -> Response:
    row, actor = _own_session(request, db, clock)
    check_csrf(request, csrf)

    def set_password() -> None:
        if new != repeat:
            raise InvalidInput("PASSWORD_REPEAT", "两次输入的新密码不一致")
        staff.set_password(db_session=db, clock=clock, actor=actor, current=current, new=new, session_id=row.id)

    return form_action(
        db, set_password, done=lambda _: see_other("/staff/home", msg="密码已修改"),
        failed=lambda exc: render(request, "accounts/staff_password.html", status_code=exc.status_code,
                                  restricted=row.restricted, error=exc.message, **staff_ctx(request, actor)),
    )


@router.get("/home", response_class=HTMLResponse)
def home(request: Request, db: Db, clock: Now) -> Response:
    try:
        actor = get_staff(request, db, clock)
    except Forbidden as exc:
        if exc.code != "PASSWORD_CHANGE_REQUIRED":
            raise
        return RedirectResponse("/staff/password", status_code=303)
    # The first screen is the actor's own to-do list, by the same queue rule as the case pages and the API.
    todo = queues.todo(db_session=db, clock=clock, actor=actor)
    return render(request, "accounts/staff_home.html", todo=todo, **staff_ctx(request, actor))
