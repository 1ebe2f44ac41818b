"""The shared attempt limiter: counts survive refusals, hold across sessions and threads, and keep no personal data."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import select

from tongban.core import db as core_db
from tongban.core import limits
from tongban.core.errors import InvalidInput, TooManyRequests
from tongban.core.models import AttemptCounter

LIMIT = limits.Limit("test-limit", 3, timedelta(minutes=10), "TEST_TOO_MANY", "太多了")


def test_take_refuses_beyond_the_limit_with_the_wait(db_session, clock):
    for _ in range(3):
        limits.take(db_session=db_session, clock=clock, limit=LIMIT, key="13800001234")
    with pytest.raises(TooManyRequests) as refused:
        limits.take(db_session=db_session, clock=clock, limit=LIMIT, key="13800001234")
    assert refused.value.code == "TEST_TOO_MANY" and 0 < refused.value.details["retry_after"] <= 600
    limits.take(db_session=db_session, clock=clock, limit=LIMIT, key="13800009999")  # another key has its own count


def test_a_new_window_starts_afresh_and_purge_removes_ended_ones(db_session, clock):
    for _ in range(3):
        limits.hit(db_session=db_session, clock=clock, limit=LIMIT, key="k")
    with pytest.raises(TooManyRequests):
        limits.check(db_session=db_session, clock=clock, limit=LIMIT, key="k")
    clock.advance(minutes=10)
    limits.check(db_session=db_session, clock=clock, limit=LIMIT, key="k")
    assert limits.purge(db_session=db_session, clock=clock) == 1
    assert db_session.scalar(select(AttemptCounter.count)) is None


def test_a_refused_attempt_still_counts_after_the_request_fails(db_session, clock):
    limits.hit(db_session=db_session, clock=clock, limit=LIMIT, key="k")
    with pytest.raises(InvalidInput):
        limits.refuse(db_session, InvalidInput("WRONG", "不对"))
    db_session.rollback()  # what the request does on its way out
    assert limits.count(db_session=db_session, clock=clock, limit=LIMIT, key="k") == 1


def test_keys_are_stored_hashed(db_session, clock):
    limits.hit(db_session=db_session, clock=clock, limit=LIMIT, key="110101199003070011")
    db_session.flush()
    stored = db_session.scalar(select(AttemptCounter.key_hash))
    assert "110101199003070011" not in stored and len(stored) == 64


def test_concurrent_hits_are_all_counted(db_session, clock, engine):
    """Eight sessions at once, as eight worker processes would: no hit is lost to a race."""
    factory = core_db.session_factory()
    barrier = threading.Barrier(8)
    errors: list[Exception] = []

    def one() -> None:
        session = factory()
        try:
            barrier.wait()
            for _ in range(5):
                limits.hit(db_session=session, clock=clock, limit=LIMIT, key="shared")
                session.commit()
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)
        finally:
            session.close()

    threads = [threading.Thread(target=one) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert limits.count(db_session=db_session, clock=clock, limit=LIMIT, key="shared") == 40
