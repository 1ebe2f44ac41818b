"""Security headers on every answer (CSP without inline script, no framing, referrer policy, nosniff) and
Secure cookies whenever the portal is reached over https; pure ASGI, so bodies stream through untouched."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tongban.core.config import get_settings

# Pages load scripts only from /static; styles may be inline (style attributes and per-page <style> blocks
# carry no script); hall photos may come from an https address the hall's staff gave.
PAGE_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: https:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
    "frame-ancestors 'none'"
)
# Swagger UI and ReDoc (web.docs) come from the package and start from a static file: scripts from this server only,
# like every page; they add a worker (ReDoc) and inline styles, and show no user content.
DOCS_PATHS = ("/docs", "/redoc")
DOCS_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self'; "
    "worker-src 'self' blob:; connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
    "frame-ancestors 'none'"
)
FIXED = {
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "X-Content-Type-Options": "nosniff",
    "Permissions-Policy": "geolocation=(self), camera=(), microphone=()",
}


def _encoded(policy: str) -> tuple[tuple[bytes, bytes], ...]:
    return tuple((name.lower().encode(), value.encode()) for name, value in {"Content-Security-Policy": policy, **FIXED}.items())


_PAGE_HEADERS, _DOCS_HEADERS = _encoded(PAGE_POLICY), _encoded(DOCS_POLICY)


def secure_cookie(value: str) -> str:
    """A Set-Cookie value with the Secure attribute (once)."""
    attributes = [part.strip().lower() for part in value.split(";")[1:]]
    return value if "secure" in attributes else f"{value}; Secure"


def _secure(value: bytes) -> bytes:
    return secure_cookie(value.decode("latin-1")).encode("latin-1")


def with_security_headers(headers: list[tuple[bytes, bytes]], defaults: tuple[tuple[bytes, bytes], ...]) -> list:
    """The answer's headers plus each default it does not set itself (a route may send its own policy); cookies
    marked Secure when the configuration says so. The settings are read only for an answer that sets a cookie."""
    present = {name.lower() for name, _ in headers}
    out = [*headers, *(pair for pair in defaults if pair[0] not in present)]
    if b"set-cookie" in present and get_settings().secure_cookies:
        out = [(name, _secure(value) if name.lower() == b"set-cookie" else value) for name, value in out]
    return out


class SecurityHeadersMiddleware:
    """Pure ASGI: adds the headers to the start of every answer and leaves the body alone."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        defaults = _DOCS_HEADERS if scope["path"] in DOCS_PATHS else _PAGE_HEADERS

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": with_security_headers(list(message.get("headers", ())), defaults)}
            await send(message)

        await self.app(scope, receive, send_with_headers)
