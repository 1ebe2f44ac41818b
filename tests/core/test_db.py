"""Timestamps keep their instant on both databases, whatever offset the caller's datetime carries."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.pool import NullPool

from tongban.core import db
from tongban.core.clock import SHANGHAI
from tongban.notify.outbox import Job


def test_a_beijing_time_is_stored_and_compared_as_the_same_instant(db_session):
    beijing = datetime(2026, 11, 20, 9, 30, tzinfo=SHANGHAI)  # 01:30 UTC
    db_session.add(Job(kind="test.noop", payload={}, status="queued", attempts=0, max_attempts=1, run_after=beijing,
                       last_error="", created_at=beijing))
    db_session.commit()
    db_session.expire_all()
    stored = db_session.scalars(select(Job)).one()
    assert stored.run_after == beijing and stored.run_after.utcoffset() == timedelta(0)
    # A query bound with a Beijing time compares instants too: 09:00 Beijing is before 09:30 Beijing.
    earlier = datetime(2026, 11, 20, 9, 0, tzinfo=SHANGHAI)
    assert db_session.scalars(select(Job).where(Job.run_after > earlier)).one().id == stored.id
    assert db_session.scalars(select(Job).where(Job.run_after > earlier.astimezone(timezone.utc) + timedelta(hours=1))).all() == []


def test_a_pooled_connection_that_died_while_idle_is_replaced_before_a_request_gets_it(database_url, monkeypatch):
    """The pool tests connections that sat idle (and only those, so a busy server pays no ping per transaction)."""
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite has no server connection to lose")
    engine = db.make_engine(database_url)
    try:
        with engine.connect() as conn:
            first_pid = conn.execute(text("SELECT pg_backend_pid()")).scalar_one()
        killer = create_engine(database_url, poolclass=NullPool)  # from outside the pool, as a server restart would
        with killer.connect() as other:
            assert other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": first_pid}).scalar_one()
        killer.dispose()
        monkeypatch.setattr(db, "PING_AFTER_IDLE_S", 0.0)  # both now count as idle
        with engine.connect() as a, engine.connect() as b:
            pids = {a.execute(text("SELECT pg_backend_pid()")).scalar_one(), b.execute(text("SELECT pg_backend_pid()")).scalar_one()}
        assert first_pid not in pids and len(pids) == 2
    finally:
        engine.dispose()


def test_a_sqlite_commit_is_on_disk_before_it_returns(tmp_path):
    """Write-ahead log with synchronous=FULL: an acknowledged case number survives a power cut, not only a killed process."""
    engine = db.make_engine(f"sqlite:///{tmp_path / 'durable.db'}")
    try:
        with engine.connect() as conn:
            assert conn.execute(text("PRAGMA journal_mode")).scalar_one() == "wal"
            assert conn.execute(text("PRAGMA synchronous")).scalar_one() == 2  # FULL
            assert conn.execute(text("PRAGMA foreign_keys")).scalar_one() == 1
    finally:
        engine.dispose()
