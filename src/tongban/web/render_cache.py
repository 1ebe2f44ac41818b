"""Rendered answers kept per published state (guide pages, item JSON, the home page), with ETag and 304 (GUIDE-02).

A published version never changes, so what is rendered from it is kept, keyed on a stamp the service reads in
one small query (the live version id plus everything else the answer shows); publishing makes a new stamp and so
a new key, and the old entry ages out of the bounded LRU. Only answers that are the same for every reader are
kept: a page with a signed-in person's header (name links, unread count, the session's CSRF token) is rendered
for that request alone, and answered with its own ETag.

The stamp itself is not read for every request: `stamp` keeps it until this process commits anything (any
session's commit, so a publication made here shows on the very next request) or, for a change another process
made (another `serve --workers` process, the worker, the command line), until STAMP_TTL_S has passed.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import format_datetime
from typing import TypeVar

from fastapi import Request, Response
from sqlalchemy import event
from sqlalchemy.orm import Session

from tongban.web.deps import PERSON_COOKIE, STAFF_COOKIE, bearer

T = TypeVar("T")
MAX_ENTRIES = 512
MAX_STAMPS = 4096
STAMP_TTL_S = 1.0  # how long a stamp is trusted while this process commits nothing (others' changes show by then)


_commit_token = object()  # replaced whenever a session of this process commits: stamps read before are read again


@event.listens_for(Session, "after_commit")
def _committed(_session: Session) -> None:
    global _commit_token
    _commit_token = object()  # one assignment: atomic for the request threads that compare it


@dataclass(frozen=True)
class Rendered:
    body: bytes
    media_type: str
    etag: str  # a strong validator: the digest of the bytes
    last_modified: datetime | None = None


def rendered(body: bytes | str, media_type: str, last_modified: datetime | None = None) -> Rendered:
    data = body.encode() if isinstance(body, str) else body
    return Rendered(data, media_type, f'"{hashlib.sha256(data).hexdigest()[:32]}"', last_modified)


class RenderCache:
    """A bounded, thread-safe LRU of rendered answers (route functions run in the thread pool)."""

    def __init__(self, max_entries: int = MAX_ENTRIES, stamp_ttl: float = STAMP_TTL_S,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self.max_entries, self.stamp_ttl, self.monotonic = max_entries, stamp_ttl, monotonic
        self._entries: OrderedDict[Hashable, Rendered] = OrderedDict()
        self._stamps: OrderedDict[Hashable, tuple[object, float, object]] = OrderedDict()
        self._lock = threading.Lock()

    def stamp(self, key: Hashable, read: Callable[[], T]) -> T:
        """What `read` (a stamp query) answered, kept until this process commits or stamp_ttl seconds pass."""
        token, now = _commit_token, self.monotonic()  # the token first: a commit while reading makes it stale
        found = self._stamps.get(key)
        if found is not None and found[0] is token and now - found[1] < self.stamp_ttl:
            return found[2]  # type: ignore[return-value]
        value = read()
        with self._lock:
            self._stamps[key] = (token, now, value)
            self._stamps.move_to_end(key)
            while len(self._stamps) > MAX_STAMPS:
                self._stamps.popitem(last=False)
        return value

    def known_stamp(self, key: Hashable) -> tuple[bool, object]:
        """(True, the stamp) when `stamp` would answer it without reading; (False, None) when it would read."""
        found = self._stamps.get(key)
        if found is not None and found[0] is _commit_token and self.monotonic() - found[1] < self.stamp_ttl:
            return True, found[2]
        return False, None

    def peek(self, key: Hashable) -> Rendered | None:
        with self._lock:
            found = self._entries.get(key)
            if found is not None:
                self._entries.move_to_end(key)
            return found

    def get_or_render(self, key: Hashable, render: Callable[[], Rendered]) -> Rendered:
        with self._lock:
            found = self._entries.get(key)
            if found is not None:
                self._entries.move_to_end(key)
                return found
        made = render()  # outside the lock: two first readers may both render; both get the same bytes
        with self._lock:
            self._entries[key] = made
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)
        return made

    def __len__(self) -> int:
        return len(self._entries)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._stamps.clear()


def cache_of(request: Request) -> RenderCache:
    """The application's cache (one per app: `create_app` makes it, so a test's app starts empty)."""
    return request.app.state.render_cache


def stamp(request: Request, key: Hashable, read: Callable[[], T]) -> T:
    """The stamp `read` gives, read again only after this process committed or STAMP_TTL_S passed (see above)."""
    return cache_of(request).stamp(key, read)


def cached(request: Request, stamp_key: Hashable, page_parts: Callable[[object], tuple]) -> Response | None:
    """The answer for a shared reader when both its stamp and its page are already kept: no database and no thread,
    so an `async` route answers it on the event loop. None when anything would have to be read or rendered (the
    route then does the full work in the thread pool), also when the stamp says the page does not exist (None)."""
    if not shared_reader(request):
        return None
    cache = cache_of(request)
    known, value = cache.known_stamp(stamp_key)
    if not known or value is None:
        return None
    found = cache.peek(page_key(request, *page_parts(value)))
    return respond(request, found) if found is not None else None


def shared_reader(request: Request) -> bool:
    """Whether the answer is the same as any anonymous reader's: no person's session cookie or bearer token.
    (A staff cookie only turns 工作人员入口 into 工作台, so it is part of the key, not a reason to skip.)"""
    return not request.cookies.get(PERSON_COOKIE) and bearer(request) is None


def page_key(request: Request, *parts: Hashable) -> tuple:
    """What a shared page varies on besides its data: the shell's preferences, the query string (the mode links
    keep it), the address the page names itself by (QR codes, print) and whether a staff cookie is held."""
    state = request.state
    return (*parts, state.lang, state.large, state.simple, request.url.query, str(request.base_url),
            bool(request.cookies.get(STAFF_COOKIE)))


def _matches(if_none_match: str, etag: str) -> bool:
    if if_none_match.strip() == "*":
        return True
    return any(tag.strip().removeprefix("W/") == etag for tag in if_none_match.split(","))


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)


def respond(request: Request, answer: Rendered, headers: dict[str, str] | None = None, shared: bool = True) -> Response:
    """200 with the bytes, or 304 when the reader's If-None-Match names them. Readers revalidate every time
    (`no-cache`), so a newly published version is seen at once; a personal page is `private`."""
    validators = {
        "ETag": answer.etag,
        "Cache-Control": "no-cache" if shared else "private, no-cache",
        "Vary": "Cookie",
    }
    if answer.last_modified is not None:
        validators["Last-Modified"] = format_datetime(_utc(answer.last_modified), usegmt=True)
    if _matches(request.headers.get("if-none-match", ""), answer.etag):
        return Response(status_code=304, headers=validators)
    return Response(answer.body, media_type=answer.media_type, headers={**validators, **(headers or {})})


def respond_personal(request: Request, response: Response) -> Response:
    """A page rendered for this reader alone: its own ETag, `private`, and 304 when the reader has those bytes."""
    etag = rendered(response.body, response.media_type or "").etag
    if _matches(request.headers.get("if-none-match", ""), etag):
        return Response(status_code=304, headers={"ETag": etag, "Cache-Control": "private, no-cache", "Vary": "Cookie"})
    response.headers.update({"ETag": etag, "Cache-Control": "private, no-cache", "Vary": "Cookie"})
    return response
