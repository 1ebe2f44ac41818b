"""Request size limits per route class, answered with 413 before the body is read (pure ASGI)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tongban.core.config import Settings, get_settings

CODE = "REQUEST_TOO_LARGE"


@dataclass(frozen=True)
class RouteClass:
    name: str
    paths: tuple[re.Pattern, ...]


# Routes that take case materials: the application and supplement pages and their JSON twins (base64 files),
# and the window's intake. Everything else (sign-in, progress, forms, JSON) is the small class.
UPLOADS = RouteClass("upload", tuple(re.compile(p) for p in (
    r"^/items/\d+/apply$", r"^/cases/\d+/supplement$", r"^/staff/cases/new$",
    r"^/api/v1/cases$", r"^/api/v1/cases/\d+/supplement$", r"^/api/v1/staff/cases$",
)))
IMPORTS = RouteClass("import", (re.compile(r"^/api/v1/catalog/import$"),))


def limit_for(path: str, settings: Settings) -> tuple[str, int]:
    """The route class of a path and its limit in bytes."""
    if any(p.match(path) for p in UPLOADS.paths):
        return UPLOADS.name, settings.max_upload_mb * 1024 * 1024
    if any(p.match(path) for p in IMPORTS.paths):
        return IMPORTS.name, settings.max_import_mb * 1024 * 1024
    return "default", settings.max_body_kb * 1024


def _content_length(scope: Scope) -> int | None:
    """The declared Content-Length, when it is a plain number (else the body is counted as it arrives)."""
    for name, value in scope["headers"]:
        if name == b"content-length":
            return int(value) if value.isdigit() else None
    return None


def _size(limit: int) -> str:
    return f"{limit // (1024 * 1024)} MB" if limit >= 1024 * 1024 else f"{limit // 1024} KB"


def message(route_class: str, limit: int) -> str:
    if route_class == UPLOADS.name:
        return f"提交的内容过大：一次上传的材料合计不能超过 {_size(limit)}（每个文件不超过 10 MB），请压缩或分次补充"
    if route_class == IMPORTS.name:
        return f"导入文件不能超过 {_size(limit)}"
    return f"提交的内容过大：不能超过 {_size(limit)}"


class BodyTooLarge(HTTPException):
    """Raised from `receive` when a body without a (truthful) length passes the limit while it is read."""

    def __init__(self, route_class: str, limit: int) -> None:
        super().__init__(status_code=413, headers={"Connection": "close"})
        self.code, self.message = CODE, message(route_class, limit)


class BodyLimitMiddleware:
    """Refuses a declared Content-Length over the route's limit without reading a byte, and counts the bytes of
    every other body as it streams, so a chunked upload is cut off at the limit rather than read whole.

    The limit is looked up only for a request that declares a length or sends body bytes: a GET without a body
    (most requests) costs no settings read and no path matching."""

    def __init__(self, app: ASGIApp, respond) -> None:
        # respond(request, status, code, message, headers) builds the JSON or HTML error answer
        self.app, self.respond = app, respond

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        limit: tuple[str, int] | None = None
        if declared is not None:
            limit = limit_for(scope["path"], get_settings())
            if declared > limit[1]:
                await self._refuse(scope, receive, send, BodyTooLarge(*limit))
                return
        received, started = 0, False

        async def limited_receive() -> Message:
            nonlocal received, limit
            msg = await receive()
            if msg["type"] == "http.request" and msg.get("body"):
                received += len(msg["body"])
                if limit is None:
                    limit = limit_for(scope["path"], get_settings())
                if received > limit[1]:
                    raise BodyTooLarge(*limit)
            return msg

        async def watched_send(msg: Message) -> None:
            nonlocal started
            started = started or msg["type"] == "http.response.start"
            await send(msg)

        try:
            await self.app(scope, limited_receive, watched_send)
        except BodyTooLarge as exc:  # raised where no exception handler was in between
            if started:
                raise
            await self._refuse(scope, receive, send, exc)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send, exc: BodyTooLarge) -> None:
        response = self.respond(Request(scope, receive), 413, exc.code, exc.message, exc.headers)
        await response(scope, receive, send)
