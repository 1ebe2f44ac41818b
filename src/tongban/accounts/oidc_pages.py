"""Linked registration and sign-in through the trusted identity provider, 统一身份认证平台 (OIDC; ACC-03)."""

from __future__ import annotations

from typing import Annotated

import httpx
from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from tongban.accounts import oidc, persons, sessions
from tongban.accounts.presenters import new_session, sign_in
from tongban.core.config import get_settings
from tongban.core.errors import DomainError, Unauthorized
from tongban.web.actions import form_action
from tongban.web.deps import Db, Now
from tongban.web.rendering import render

router = APIRouter(include_in_schema=False)

OIDC_COOKIE = "tb_oidc"


def _not_configured(request: Request) -> HTMLResponse:
    return render(request, "error.html", status_code=404, status=404, code="OIDC_NOT_CONFIGURED",
                  message="未配置统一身份认证平台")


@router.get("/auth/oidc/start")
def oidc_start(request: Request) -> Response:
    config = oidc.provider_from_env()
    if config is None:
        return _not_configured(request)
    with httpx.Client(timeout=5) as http:
        metadata = oidc.discover(config, http=http)
    auth = oidc.start(config, metadata)
    response = RedirectResponse(auth.url, status_code=303)
    # Random secrets only this browser holds; the state is compared with the callback's, the verifier proves the code.
    response.set_cookie(OIDC_COOKIE, f"{auth.state}.{auth.nonce}.{auth.code_verifier}", max_age=600, httponly=True,
                        samesite="lax", secure=get_settings().secure_cookies, path="/auth/oidc")
    return response


@router.get("/auth/oidc/callback")
def oidc_callback(request: Request, db: Db, clock: Now, code: Annotated[str, Query(max_length=2000)] = "",
                  state: Annotated[str, Query(max_length=500)] = "", error: Annotated[str, Query(max_length=100)] = "") -> Response:
    config = oidc.provider_from_env()
    if config is None:
        return _not_configured(request)
    expected, _, rest = request.cookies.get(OIDC_COOKIE, "").partition(".")
    nonce, _, verifier = rest.partition(".")

    def link() -> sessions.NewSession:
        if error or not code:
            raise Unauthorized("OIDC_CANCELLED", "统一身份认证平台未完成登录，请重新发起")
        with httpx.Client(timeout=5) as http:
            metadata = oidc.discover(config, http=http)
            identity = oidc.finish(config, metadata, http=http, code=code, state=state, expected_state=expected, nonce=nonce,
                                   code_verifier=verifier, now=clock.now())
        person = persons.register_linked(db_session=db, clock=clock, issuer=identity.issuer, subject=identity.subject,
                                         name=identity.name, id_number=identity.id_number)
        view = persons.view(db_session=db, person=person)
        return new_session(request, db, clock, person.id, restricted=view.agreement_pending or view.must_change_password)

    def failed(exc: DomainError) -> Response:
        response = render(request, "error.html", status_code=exc.status_code, status=exc.status_code, code=exc.code,
                          message=exc.message)
        response.delete_cookie(OIDC_COOKIE, path="/auth/oidc")
        return response

    def signed_in(new: sessions.NewSession) -> Response:
        response = sign_in(RedirectResponse("/account/setup" if new.row.restricted else "/account", status_code=303), new)
        response.delete_cookie(OIDC_COOKIE, path="/auth/oidc")
        return response

    return form_action(db, link, done=signed_in, failed=failed)
