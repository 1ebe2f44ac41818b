"""Timestamps keep their instant on both databases, whatever offset the caller's datetime carries."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.pool import NullPool

from tongban.core import db
from tongban.core.clock import SHANGHAI
from tongban.notify.models import Job


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


def _job_values(when: datetime) -> dict:
    return {"kind": "test.noop", "payload": {"n": 1}, "status": "queued", "attempts": 0, "max_attempts": 1,
            "run_after": when, "locked_by": None, "locked_until": None, "last_error": "", "dedupe_key": None, "created_at": when,
            "finished_at": None}


def test_a_row_inserted_with_insert_persistent_is_an_object_the_session_needs_not_load_or_flush(db_session):
    from sqlalchemy import event, inspect

    when = datetime(2026, 11, 20, 9, 30, tzinfo=SHANGHAI)
    job = db.insert_persistent(db_session, Job, _job_values(when))
    state = inspect(job)
    assert state.persistent and job.id is not None and not state.expired_attributes and not db_session.dirty
    statements = []

    def seen(_conn, _cursor, statement, *_args):
        statements.append(statement)

    engine = db_session.get_bind()  # the session's own engine: a test before may have rebound the process's
    event.listen(engine, "before_cursor_execute", seen)
    try:
        assert (job.kind, job.payload, job.run_after) == ("test.noop", {"n": 1}, when)  # read from the object, no SELECT
        assert db_session.get(Job, job.id) is job
        db_session.flush()
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert statements == []
    db_session.commit()
    assert db_session.scalars(select(Job.kind).where(Job.id == job.id)).one() == "test.noop"


def test_a_row_inserted_with_insert_persistent_is_gone_with_a_rollback_and_its_object_transient_like_a_flushed_one(db_session):
    from sqlalchemy import inspect

    job = db.insert_persistent(db_session, Job, _job_values(datetime(2026, 11, 20, 1, 30, tzinfo=timezone.utc)))
    db_session.rollback()
    assert inspect(job).transient and job.kind == "test.noop"  # still readable, as after a rolled-back flush
    assert db_session.scalars(select(Job)).all() == []


def test_insert_persistent_refuses_values_that_leave_a_column_to_be_loaded_later(db_session):
    values = _job_values(datetime(2026, 11, 20, 1, 30, tzinfo=timezone.utc))
    del values["dedupe_key"]
    with pytest.raises(ValueError, match="dedupe_key"):
        db.insert_persistent(db_session, Job, values)
    assert db_session.scalars(select(Job)).all() == []


def test_a_row_written_with_core_and_attached_is_persistent_and_a_rolled_back_one_leaves_no_object_behind(db_session):
    """SQLite gives a rolled-back row's id out again: the object of the row that is gone must not stand in the way."""
    from sqlalchemy import event, inspect

    when = datetime(2026, 11, 20, 1, 30, tzinfo=timezone.utc)
    insert = Job.__table__.insert()
    first_id = db_session.connection().execute(insert, _job_values(when)).inserted_primary_key[0]
    first = db.attach_persistent(db_session, Job, {**_job_values(when), "id": first_id})
    assert inspect(first).persistent and db_session.get(Job, first_id) is first and not db_session.dirty
    db_session.rollback()
    again_id = db_session.connection().execute(insert, {**_job_values(when), "kind": "test.again"}).inserted_primary_key[0]
    again = db.attach_persistent(db_session, Job, {**_job_values(when), "kind": "test.again", "id": again_id})
    statements = []

    def seen(_conn, _cursor, statement, *_args):
        statements.append(statement)

    engine = db_session.get_bind()
    event.listen(engine, "before_cursor_execute", seen)
    try:
        assert db_session.get(Job, again_id) is again and again.kind == "test.again"  # from the object, no SELECT
        db_session.flush()
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert statements == []
    db_session.commit()
    assert db_session.scalars(select(Job.kind).where(Job.id.in_([first_id, again_id]))).all() == ["test.again"]


# What a minor SQLAlchemy release may change without notice: the session's and the instance state's private
# bookkeeping. The speed of the hot paths comes from documented APIs only (ORM flush with version_id_col,
# ORM bulk UPDATE by primary key, Core statements, make_transient_to_detached).
PRIVATE_ORM_NAMES = ("._transaction", "_new[", "new_instance(", "_commit_all", "set_committed_value", "class_manager",
                     "_sa_instance_state", "._identity_map", "_expire_attributes")


def test_no_module_reaches_into_sqlalchemy_private_bookkeeping():
    from pathlib import Path

    import tongban

    root = Path(tongban.__file__).parent
    found = [f"{path.relative_to(root)}:{number}: {name}"
             for path in sorted(root.rglob("*.py"))
             for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
             for name in PRIVATE_ORM_NAMES if name in line]
    assert found == []
