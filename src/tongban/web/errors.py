"""Maps domain and validation errors to 4xx JSON for the API and to a readable page for people."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from pydantic import ValidationError
from sqlalchemy.exc import DataError, IntegrityError
from sqlalchemy.orm.exc import StaleDataError
from starlette.exceptions import HTTPException as StarletteHTTPException

from tongban.core.errors import DomainError
from tongban.core.logs import get_logger
from tongban.core.validation import humanize

log = get_logger("web.errors")

_HTTP_MESSAGES = {
    404: ("NOT_FOUND", "您访问的页面或数据不存在"),
    405: ("METHOD_NOT_ALLOWED", "不支持这种请求方式"),
    401: ("UNAUTHORIZED", "请先登录"),
    403: ("FORBIDDEN", "没有权限"),
}


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/") or "application/json" in request.headers.get("accept", "")


def _respond(request: Request, status: int, code: str, message: str, details=None):
    if _wants_json(request):
        body = {"error": {"code": code, "message": message}}
        if details is not None:
            body["error"]["details"] = details
        return JSONResponse(body, status_code=status)
    templates = request.app.state.templates
    return HTMLResponse(
        templates.get_template("error.html").render(
            request=request, status=status, code=code, message=message, details=details or [], t=request.state.t
        ),
        status_code=status,
    )


_SETUP_PAGES = {"PASSWORD_CHANGE_REQUIRED": "/staff/password", "ACCOUNT_SETUP_REQUIRED": "/account/setup"}


def _to_login(request: Request) -> RedirectResponse:
    """A page that needs a signed-in user sends the browser to the right login, then back."""
    path = request.url.path
    if path.startswith("/staff"):
        return RedirectResponse("/staff/", status_code=303)
    target = path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/login?{urlencode({'next': target})}", status_code=303)


def install(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def domain_error(request: Request, exc: DomainError):
        log.info("domain error", extra={"code": exc.code, "path": request.url.path})
        if request.method == "GET" and not _wants_json(request):
            if exc.status_code == 401:
                return _to_login(request)
            if exc.code in _SETUP_PAGES:  # finish the first-login steps before anything else
                return RedirectResponse(_SETUP_PAGES[exc.code], status_code=303)
        return _respond(request, exc.status_code, exc.code, exc.message, exc.details)

    @app.exception_handler(RequestValidationError)
    async def request_invalid(request: Request, exc: RequestValidationError):
        message, details = humanize(exc.errors(), from_request=True)
        return _respond(request, 422, "INVALID_INPUT", message, details)

    @app.exception_handler(ValidationError)
    async def model_invalid(request: Request, exc: ValidationError):
        message, details = humanize(exc.errors())
        return _respond(request, 422, "INVALID_INPUT", message, details)

    @app.exception_handler(IntegrityError)
    async def integrity(request: Request, exc: IntegrityError):
        log.warning("integrity error", extra={"path": request.url.path})
        return _respond(request, 409, "CONFLICT", "数据与已有记录冲突，请刷新后重试")

    @app.exception_handler(StaleDataError)
    async def stale(request: Request, exc: StaleDataError):
        # optimistic locking: someone else changed the same record first; nothing of this request was written
        return _respond(request, 409, "CONCURRENT_UPDATE", "该记录刚被他人处理，请刷新后查看最新状态")

    @app.exception_handler(DataError)
    @app.exception_handler(OverflowError)
    async def out_of_range(request: Request, exc: Exception):
        # e.g. an id beyond the database's integer range: the request is wrong, not the server
        return _respond(request, 422, "OUT_OF_RANGE", "参数超出允许的范围，请检查后重试")

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException):
        code, message = _HTTP_MESSAGES.get(exc.status_code, ("HTTP_ERROR", "请求无法处理"))
        return _respond(request, exc.status_code, code, message)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception):
        log.exception("unhandled error", extra={"path": request.url.path})
        return _respond(request, 500, "INTERNAL_ERROR", "系统繁忙，请稍后再试；如问题持续请拨打 12345 热线")
