"""Signing in by QR code: the computer shows a code, the person's signed-in phone confirms it (ACC-05)."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

import segno
from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from markupsafe import Markup

from tongban.accounts import sessions
from tongban.accounts.presenters import sign_in
from tongban.core.config import get_settings
from tongban.core.errors import DomainError
from tongban.web.actions import form_action
from tongban.web.deps import PERSON_COOKIE, Csrf, Db, Me, Now, Short
from tongban.web.rendering import render

router = APIRouter(include_in_schema=False)

QR_COOKIE = "tb_qr"


def _wants_json(request: Request) -> bool:
    return "application/json" in request.headers.get("accept", "")


@router.get("/login/qr", response_class=HTMLResponse)
def qr_page(request: Request, db: Db, clock: Now) -> HTMLResponse:
    started = sessions.qr_start(db_session=db, clock=clock)
    db.commit()
    confirm_url = str(request.url_for("qr_confirm_page")) + "?" + urlencode({"code": started.code})
    svg = Markup(segno.make(confirm_url).svg_inline(scale=6))
    response = render(request, "accounts/login_qr.html", svg=svg, confirm_url=confirm_url,
                      minutes=max(1, started.expires_in // 60))
    response.set_cookie(QR_COOKIE, started.poll_secret, max_age=started.expires_in, httponly=True, samesite="lax",
                        secure=get_settings().secure_cookies, path="/login/qr")
    return response


@router.post("/login/qr/poll")
def qr_poll(request: Request, db: Db, clock: Now, _: Csrf) -> Response:
    as_json = _wants_json(request)

    def failed(exc: DomainError) -> Response:
        if as_json:
            return JSONResponse({"status": "expired", "message": exc.message}, status_code=exc.status_code)
        return render(request, "accounts/login_qr_wait.html", status_code=exc.status_code, error=exc.message)

    def answered(new: sessions.NewSession | None) -> Response:
        if new is None:
            if as_json:
                return JSONResponse({"status": "pending"})
            return render(request, "accounts/login_qr_wait.html", notice="手机上还没有确认。请在手机上点“确认登录”后再试。")
        target = "/account/setup" if new.row.restricted else "/account"
        response = JSONResponse({"status": "confirmed", "next": target}) if as_json else RedirectResponse(target, status_code=303)
        response.delete_cookie(QR_COOKIE, path="/login/qr")
        old = request.cookies.get(PERSON_COOKIE)
        if old:
            sessions.end_session(db_session=db, clock=clock, token=old)
            db.commit()
        return sign_in(response, new)

    return form_action(db, lambda: sessions.qr_poll(db_session=db, clock=clock, poll_secret=request.cookies.get(QR_COOKIE, ""),
                                                    transport="cookie"),
                       done=answered, failed=failed)


@router.get("/login/qr/confirm", name="qr_confirm_page", response_class=HTMLResponse)
def qr_confirm_page(request: Request, me: Me, code: Annotated[str, Query(max_length=100)] = "") -> HTMLResponse:
    return render(request, "accounts/qr_confirm.html", code=code, me=me)


@router.post("/login/qr/confirm", response_class=HTMLResponse)
def qr_confirm(request: Request, db: Db, clock: Now, me: Me, _: Csrf, code: Short = "") -> Response:
    return form_action(
        db, lambda: sessions.qr_confirm(db_session=db, clock=clock, actor=me, code=code),
        done=lambda _: render(request, "accounts/qr_confirm.html", done=True, me=me),
        failed=lambda exc: render(request, "accounts/qr_confirm.html", status_code=exc.status_code, error=exc.message,
                                  code=code, me=me),
    )
