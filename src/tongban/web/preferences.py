"""The reader's shell preferences (language, large text, simple mode) from the query or cookies, kept in cookies
when chosen by link; pure ASGI, so request bodies stream through it untouched."""

from __future__ import annotations

from http.cookies import SimpleCookie

from starlette.datastructures import MutableHeaders
from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tongban.web.i18n import translator

CHOICES = (("lang", "tb_lang"), ("large", "tb_large"), ("simple", "tb_simple"))
YEAR = 31536000


def _cookie(name: str, value: str) -> str:
    morsel = SimpleCookie()
    morsel[name] = value
    morsel[name]["max-age"] = YEAR
    morsel[name]["path"] = "/"
    morsel[name]["samesite"] = "lax"
    return morsel.output(header="").strip()


_DEFAULT_T = translator("zh")


def _has_cookies(scope: Scope) -> bool:
    return any(name == b"cookie" for name, _ in scope["headers"])


class PreferencesMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        state = scope.setdefault("state", {})
        if not scope.get("query_string") and not _has_cookies(scope):  # nothing chosen: the defaults, nothing parsed
            state.update(lang="zh", t=_DEFAULT_T, large=False, simple=False)
            await self.app(scope, receive, send)
            return
        conn = HTTPConnection(scope)
        query, cookies = conn.query_params, conn.cookies
        lang = query.get("lang") or cookies.get("tb_lang") or "zh"
        state["lang"] = "en" if lang == "en" else "zh"
        state["t"] = translator(state["lang"])
        state["large"] = (query.get("large") or cookies.get("tb_large")) == "1"
        state["simple"] = (query.get("simple") or cookies.get("tb_simple")) == "1"
        chosen = [_cookie(cookie, query[key]) for key, cookie in CHOICES if key in query]
        if not chosen:
            await self.app(scope, receive, send)
            return

        async def send_with_cookies(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for value in chosen:
                    headers.append("set-cookie", value)
            await send(message)

        await self.app(scope, receive, send_with_cookies)
