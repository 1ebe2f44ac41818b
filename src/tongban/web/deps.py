"""Request-scoped dependencies shared by every domain's routes: session, clock, staff."""

from __future__ import annotations

from collections.abc import Iterator

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from tongban.accounts.service import StaffActor, authenticate
from tongban.core.clock import Clock
from tongban.core.db import session_factory

STAFF_COOKIE = "tb_staff"
CSRF_COOKIE = "tb_csrf"


def get_db() -> Iterator[Session]:
    """A session per request; routes commit explicitly before they acknowledge a write."""
    session = session_factory()()
    try:
        yield session
    finally:
        session.rollback()
        session.close()


def get_clock(request: Request) -> Clock:
    return request.app.state.clock


def bearer_or_cookie(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip()
    return request.cookies.get(STAFF_COOKIE)


def get_staff(request: Request, db: Session = Depends(get_db), clock: Clock = Depends(get_clock)) -> StaffActor:
    return authenticate(db_session=db, clock=clock, token=bearer_or_cookie(request))
