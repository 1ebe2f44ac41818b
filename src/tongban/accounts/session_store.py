"""The session store: open, resolve and end sign-in sessions (003 用户登录).

Split from the login flows in sessions.py so that persons and staff, which end or restrict sessions when a
password changes, depend on the store alone, and the login flows depend on persons and staff: one way."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from tongban.accounts.models import AuthSession, Person, StaffAccount
from tongban.core import limits
from tongban.core.clock import Clock
from tongban.core.errors import Unauthorized
from tongban.core.security import token_hash

SESSION_TTL = {"cookie": timedelta(hours=8), "bearer": timedelta(hours=12)}
IDLE_LIMIT = timedelta(minutes=30)  # pages only; API clients hold their token for its lifetime


@dataclass(frozen=True)
class NewSession:
    token: str
    csrf_token: str
    row: AuthSession


def open_session(*, db_session: Session, clock: Clock, subject_kind: str, subject_id: int, transport: str = "cookie",
                 restricted: bool = False) -> NewSession:
    clear, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(24)
    now = clock.now()
    row = AuthSession(token_hash=token_hash(clear), subject_kind=subject_kind, subject_id=subject_id, transport=transport,
                      csrf_token=csrf, restricted=restricted, created_at=now, expires_at=now + SESSION_TTL[transport],
                      last_seen_at=now)
    db_session.add(row)
    db_session.flush()
    return NewSession(token=clear, csrf_token=csrf, row=row)


def resolve(*, db_session: Session, clock: Clock, token: str | None, transport: str) -> AuthSession:
    if not token:
        raise Unauthorized("LOGIN_REQUIRED", "请先登录")
    row = db_session.scalar(select(AuthSession).where(AuthSession.token_hash == token_hash(token)))
    now = clock.now()
    if row is None or row.revoked_at is not None or row.expires_at <= now or row.transport != transport:
        raise Unauthorized("SESSION_EXPIRED", "登录已失效，请重新登录")
    if transport == "cookie" and now - row.last_seen_at > IDLE_LIMIT:
        row.revoked_at = now
        limits.refuse(db_session, Unauthorized("SESSION_EXPIRED", "长时间未操作，请重新登录"))
    account = db_session.get(StaffAccount if row.subject_kind == "staff" else Person, row.subject_id)
    if account is None or account.status != "active":
        raise Unauthorized("ACCOUNT_DISABLED", "账号已被禁用，如有疑问请联系政务服务大厅")
    if now - row.last_seen_at > timedelta(minutes=1):  # no write on every request
        row.last_seen_at = now
    return row


def end_sessions(*, db_session: Session, clock: Clock, subject_kind: str, subject_id: int, keep: int | None = None) -> None:
    """End every live session of an account (password changed, account disabled), but the one kept."""
    query = update(AuthSession).where(
        AuthSession.subject_kind == subject_kind, AuthSession.subject_id == subject_id, AuthSession.revoked_at.is_(None)
    )
    if keep is not None:
        query = query.where(AuthSession.id != keep)
    db_session.execute(query.values(revoked_at=clock.now()))


def set_restricted(*, db_session: Session, session_id: int | None, restricted: bool) -> None:
    """Limit a session to the first-login steps, or lift that limit once they are done."""
    if session_id is not None:
        db_session.execute(update(AuthSession).where(AuthSession.id == session_id).values(restricted=restricted))


def end_session(*, db_session: Session, clock: Clock, token: str) -> None:
    db_session.execute(
        update(AuthSession).where(AuthSession.token_hash == token_hash(token), AuthSession.revoked_at.is_(None))
        .values(revoked_at=clock.now())
    )
