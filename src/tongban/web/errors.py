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
from tongban.web.body_limits import BodyTooLarge
from tongban.web.header import Header, header_for
from tongban.web.i18n import translator

log = get_logger("web.errors")

_HTTP_MESSAGES = {
    404: ("NOT_FOUND", "您访问的页面或数据不存在"),
    405: ("METHOD_NOT_ALLOWED", "不支持这种请求方式"),
    401: ("UNAUTHORIZED", "请先登录"),
    403: ("FORBIDDEN", "没有权限"),
    413: ("REQUEST_TOO_LARGE", "提交的内容过大"),
}


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/") or "application/json" in request.headers.get("accept", "")


def _respond(request: Request, status: int, code: str, message: str, details=None, headers=None):
    if _wants_json(request):
        body = {"error": {"code": code, "message": message}}
        if details is not None:
            body["error"]["details"] = details
        return JSONResponse(body, status_code=status, headers=headers)
    templates = request.app.state.templates
    state = request.state
    if not hasattr(state, "t"):  # answered before the page middleware ran (an oversized body): plain defaults
        state.lang, state.t, state.large, state.simple = "zh", translator("zh"), False, False
    return HTMLResponse(
        templates.get_template("error.html").render(
            request=request, status=status, code=code, message=message, details=details or [], t=state.t,
            header=header_for(request) if status < 500 else Header(),  # a 5xx may be the database itself
        ),
        status_code=status,
        headers=headers,
    )


def respond(request: Request, status: int, code: str, message: str, headers=None):
    """The error answer (JSON for the API, a page for people) for middleware that answers by itself."""
    return _respond(request, status, code, message, headers=headers)


BAD_ADDRESS = "页面地址中的参数有误，可能是链接不完整或已过时。请返回上一页，或从首页重新进入。"
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
        if request.method in ("GET", "HEAD") and not _wants_json(request):
            # A page address someone followed or typed: parameter names and allowed values are for the log, not
            # for the person, who gets what to do next. A malformed id in the path is a page that does not exist.
            log.info("bad page address", extra={"path": request.url.path, "query": request.url.query, "errors": details})
            if any(e.get("loc", ("",))[0] == "path" for e in exc.errors()):
                return _respond(request, 404, *_HTTP_MESSAGES[404])
            return _respond(request, 422, "INVALID_INPUT", BAD_ADDRESS)
        return _respond(request, 422, "INVALID_INPUT", message, details)

    @app.exception_handler(ValidationError)
    async def model_invalid(request: Request, exc: ValidationError):
        message, details = humanize(exc.errors())
        if request.method in ("GET", "HEAD") and not _wants_json(request):  # built from the page's address
            log.info("bad page address", extra={"path": request.url.path, "query": request.url.query, "errors": details})
            return _respond(request, 422, "INVALID_INPUT", BAD_ADDRESS)
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
        if isinstance(exc, BodyTooLarge):
            return _respond(request, 413, exc.code, exc.message, headers=exc.headers)
        if exc.status_code == 400:  # the framework could not parse the body: bad input like any other, documented as 422
            return _respond(request, 422, "BODY_UNREADABLE", "提交的内容无法读取：请以 UTF-8 编码的 JSON 或表单提交")
        code, message = _HTTP_MESSAGES.get(exc.status_code, ("HTTP_ERROR", "请求无法处理"))
        return _respond(request, exc.status_code, code, message, headers=exc.headers)  # e.g. Allow on a 405

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception):
        log.exception("unhandled error", extra={"path": request.url.path})
        return _respond(request, 500, "INTERNAL_ERROR", "系统繁忙，请稍后再试；如问题持续请拨打 12345 热线")
