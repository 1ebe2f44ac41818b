"""A person signs in with the password and then an SMS code, signs out, or resets a forgotten password by SMS
(003 5-2 用户登录; ACC-05, ACC-06)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from tongban.accounts import persons, sessions
from tongban.accounts.identity import mask_phone, normalize_phone
from tongban.accounts.presenters import notice, oidc_name, sign_in
from tongban.core.errors import DomainError, InvalidInput
from tongban.web.actions import form_action, see_other
from tongban.web.deps import CSRF_COOKIE, PERSON_COOKIE, Csrf, Db, Gateway, MaybeMe, Now, Short, client_ip
from tongban.web.rendering import render

router = APIRouter(include_in_schema=False)
Secret = Annotated[str, Form(max_length=128)]


def _safe_next(value: str | None) -> str:
    """Only a path on this site: never another host ("//evil", "/\\evil") nor a header-splitting value."""
    if value and value.startswith("/") and not value.startswith("//") and "\\" not in value and value.isprintable():
        return value
    return ""


# --- login: password then SMS code (ACC-05) -------------------------------------------------------

def _after_login(new: sessions.NewSession, next_url: str) -> Response:
    target = "/account/setup" if new.row.restricted else (_safe_next(next_url) or "/account")
    return sign_in(RedirectResponse(target, status_code=303), new)


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, next: Annotated[str, Query(max_length=500)] = "") -> HTMLResponse:
    return render(request, "accounts/login.html", next=_safe_next(next), notice=notice(request), oidc_name=oidc_name())


@router.post("/login", response_class=HTMLResponse)
def login(request: Request, db: Db, clock: Now, gateway: Gateway, _: Csrf, identifier: Short = "", password: Secret = "",
          next: Annotated[str, Form(max_length=500)] = "") -> Response:
    next = _safe_next(next)
    return form_action(
        db, lambda: sessions.begin_login(db_session=db, clock=clock, gateway=gateway, identifier=identifier, password=password,
                                         client_ip=client_ip(request), transport="cookie"),
        done=lambda challenge: render(request, "accounts/login_verify.html", challenge=challenge.token,
                                      phone_masked=challenge.phone_masked, next=next),
        failed=lambda exc: render(request, "accounts/login.html", status_code=exc.status_code, error=exc.message,
                                  identifier=identifier, next=next, oidc_name=oidc_name()),
    )


@router.get("/login/verify")
def login_verify_page() -> RedirectResponse:
    return RedirectResponse("/login", status_code=303)


@router.post("/login/verify", response_class=HTMLResponse)
def login_verify(request: Request, db: Db, clock: Now, _: Csrf, challenge: Short = "", code: Short = "",
                 phone_masked: Short = "", next: Annotated[str, Form(max_length=500)] = "") -> Response:
    next = _safe_next(next)

    def failed(exc: DomainError) -> Response:
        if exc.code in ("LOGIN_EXPIRED", "ACCOUNT_DISABLED"):
            return render(request, "accounts/login.html", status_code=exc.status_code, error=exc.message, next=next,
                          oidc_name=oidc_name())
        return render(request, "accounts/login_verify.html", status_code=exc.status_code, error=exc.message,
                      challenge=challenge, phone_masked=phone_masked, next=next)

    return form_action(db, lambda: sessions.complete_login(db_session=db, clock=clock, challenge=challenge, code=code,
                                                           replaces=request.cookies.get(PERSON_COOKIE)),
                       done=lambda new: _after_login(new, next), failed=failed)


# --- logout ---------------------------------------------------------------------------------------

@router.get("/logout", response_class=HTMLResponse)
def logout_page(request: Request) -> HTMLResponse:
    return render(request, "accounts/logout.html")


@router.post("/logout")
def logout(request: Request, db: Db, clock: Now, _me: MaybeMe, _: Csrf) -> RedirectResponse:
    token = request.cookies.get(PERSON_COOKIE)
    if token:
        sessions.end_session(db_session=db, clock=clock, token=token)
        db.commit()
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(PERSON_COOKIE, path="/")
    response.delete_cookie(CSRF_COOKIE, path="/")
    return response


# --- forgotten password (ACC-06) ------------------------------------------------------------------

@router.get("/password/reset", response_class=HTMLResponse)
def reset_page(request: Request) -> HTMLResponse:
    return render(request, "accounts/password_reset.html", step=1, phone="")


@router.post("/password/reset/code", response_class=HTMLResponse)
def reset_code(request: Request, db: Db, clock: Now, gateway: Gateway, _: Csrf, phone: Short = "") -> Response:
    def send() -> None:
        nonlocal phone
        phone = normalize_phone(phone)  # shown normalised from here on, also on a refusal
        persons.request_reset_code(db_session=db, clock=clock, gateway=gateway, phone=phone, client_ip=client_ip(request))

    return form_action(
        db, send,
        done=lambda _: render(request, "accounts/password_reset.html", step=2, phone=phone, phone_masked=mask_phone(phone),
                              notice="如果该手机号已绑定账号，验证码已发送，5 分钟内有效。"),
        failed=lambda exc: render(request, "accounts/password_reset.html", status_code=exc.status_code, error=exc.message,
                                  step=1, phone=phone),
    )


@router.post("/password/reset", response_class=HTMLResponse)
def reset(request: Request, db: Db, clock: Now, _: Csrf, phone: Short = "", code: Short = "", password: Secret = "",
          password2: Secret = "") -> Response:
    def reset_password() -> None:
        if password != password2:
            raise InvalidInput("PASSWORD_MISMATCH", "两次输入的密码不一致")
        persons.reset_password(db_session=db, clock=clock, phone=phone, sms_code=code, new=password)

    return form_action(
        db, reset_password, done=lambda _: see_other("/login", msg="reset"),
        failed=lambda exc: render(request, "accounts/password_reset.html", status_code=exc.status_code, error=exc.message,
                                  step=2, phone=phone, phone_masked=mask_phone(phone), code=code),
    )
