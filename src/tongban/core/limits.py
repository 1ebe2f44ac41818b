"""Attempt and rate limits shared by every process: counters in the database, one row per limit, key and window.

A limit says how many attempts a key (a phone, a case number, an address) may make in a window. The count is
an upsert (`INSERT … ON CONFLICT DO UPDATE SET count = count + 1 RETURNING count`), so concurrent requests in
any number of processes each see their own attempt counted. Keys are stored as keyed hashes: a limit on a
phone number or an ID number keeps no personal data.

The count is written in the caller's transaction. A refusal must still keep its count, so a path that fails
after `hit` commits before raising: `refuse(db_session, error)` does both.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from tongban.core.clock import Clock
from tongban.core.crypto import lookup_hash
from tongban.core.db import dialect_insert
from tongban.core.errors import DomainError, TooManyRequests
from tongban.core.models import AttemptCounter

EPOCH = datetime(2020, 1, 1, tzinfo=timezone.utc)


@dataclass(frozen=True)
class Limit:
    """At most `max` attempts per key in each `window`; beyond that `code` and `message` answer 429."""

    name: str
    max: int
    window: timedelta
    code: str = "TOO_MANY_ATTEMPTS"
    message: str = "尝试次数过多，请稍后再试"

    def window_start(self, now: datetime) -> datetime:
        span = int(self.window.total_seconds())
        elapsed = int((now - EPOCH).total_seconds())
        return EPOCH + timedelta(seconds=elapsed - elapsed % span)


def _key(limit: Limit, key: str) -> str:
    return lookup_hash("limit", f"{limit.name}\x1f{key}")


def count(*, db_session: Session, clock: Clock, limit: Limit, key: str) -> int:
    """Attempts already counted for `key` in the current window."""
    start = limit.window_start(clock.now())
    found = db_session.scalar(
        select(AttemptCounter.count).where(AttemptCounter.limit_name == limit.name,
                                           AttemptCounter.key_hash == _key(limit, key),
                                           AttemptCounter.window_start == start)
    )
    return found or 0


def _retry_after(limit: Limit, now: datetime) -> int:
    return max(1, math.ceil((limit.window_start(now) + limit.window - now).total_seconds()))


def exceeded(limit: Limit, now: datetime) -> TooManyRequests:
    wait = _retry_after(limit, now)
    return TooManyRequests(limit.code, limit.message, details={"retry_after": wait})


def check(*, db_session: Session, clock: Clock, limit: Limit, key: str) -> None:
    """Refuse (429) if `key` has used up this window's attempts; counts nothing."""
    if count(db_session=db_session, clock=clock, limit=limit, key=key) >= limit.max:
        raise exceeded(limit, clock.now())


def hit(*, db_session: Session, clock: Clock, limit: Limit, key: str, amount: int = 1) -> int:
    """Count `amount` attempts of `key` in the current window and return the window's total."""
    now = clock.now()
    start = limit.window_start(now)
    insert = dialect_insert(db_session.get_bind().dialect.name)
    statement = (
        insert(AttemptCounter)
        .values(limit_name=limit.name, key_hash=_key(limit, key), window_start=start, count=amount,
                expires_at=start + limit.window)
        .on_conflict_do_update(index_elements=["limit_name", "key_hash", "window_start"],
                               set_={"count": AttemptCounter.count + amount})
        .returning(AttemptCounter.count)
    )
    return db_session.execute(statement).scalar_one()


def take(*, db_session: Session, clock: Clock, limit: Limit, key: str) -> None:
    """Count one attempt and refuse it (429) if it goes over the limit: for rates, where every try counts."""
    if hit(db_session=db_session, clock=clock, limit=limit, key=key) > limit.max:
        raise exceeded(limit, clock.now())


def take_or_refuse(*, db_session: Session, clock: Clock, limit: Limit, key: str) -> None:
    """Like `take`, but a refused attempt still counts: over the limit, the count is kept (commit) and refused."""
    if hit(db_session=db_session, clock=clock, limit=limit, key=key) > limit.max:
        refuse(db_session, exceeded(limit, clock.now()))


def answer_secret(*, db_session: Session, clock: Clock, right: bool, wrong: DomainError, per_subject: Limit,
                  subject: str, per_address: Limit, address: str) -> None:
    """A short secret (a few digits) that opens one subject: a case's details, a ticket. Wrong answers are limited
    per subject, from anywhere, and per address; once either is used up the answer is refused unread, so the
    secret cannot be walked. A wrong answer is counted (commit) and refused with `wrong`."""
    check(db_session=db_session, clock=clock, limit=per_subject, key=subject)
    check(db_session=db_session, clock=clock, limit=per_address, key=address)
    if not right:
        hit(db_session=db_session, clock=clock, limit=per_subject, key=subject)
        hit(db_session=db_session, clock=clock, limit=per_address, key=address)
        refuse(db_session, wrong)


def reset(*, db_session: Session, limit: Limit, key: str) -> None:
    """Forget `key`'s attempts (after a success that proves the owner, say)."""
    db_session.execute(delete(AttemptCounter).where(AttemptCounter.limit_name == limit.name,
                                                    AttemptCounter.key_hash == _key(limit, key)))


def refuse(db_session: Session, error: DomainError) -> None:
    """Keep this request's counts (commit) and raise `error`: a refused attempt still counts."""
    db_session.commit()
    raise error


def purge(*, db_session: Session, clock: Clock) -> int:
    """Delete windows that have ended; run periodically by the jobs worker."""
    result = db_session.execute(delete(AttemptCounter).where(AttemptCounter.expires_at <= clock.now()))
    return result.rowcount or 0
