"""Render a page template with what every page carries: the CSRF token, the header and the request's language."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import HTMLResponse

from tongban.core.config import get_settings
from tongban.web.deps import CSRF_COOKIE, csrf_token
from tongban.web.header import header_for


def render(request: Request, template: str, status_code: int = 200, **context) -> HTMLResponse:
    env = request.app.state.templates
    context.setdefault("csrf", csrf_token(request))
    context.setdefault("header", header_for(request, context.get("actor")))
    html = env.get_template(template).render(request=request, t=request.state.t, **context)
    response = HTMLResponse(html, status_code=status_code)
    new = getattr(request.state, "new_csrf", None)
    if new:
        response.set_cookie(CSRF_COOKIE, new, httponly=True, samesite="lax", secure=get_settings().secure_cookies)
    return response
