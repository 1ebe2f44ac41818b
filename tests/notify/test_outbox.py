"""The outbox: jobs commit with their cause, run once with their effects, retry, die, come back after a crash."""

from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from tongban.core import db as core_db
from tongban.notify import outbox
from tongban.notify.models import Job, JobStatus
from tongban.notify.outbox import enqueue, handler, run_once, schedule_periodic
from tongban.notify.worker import Worker

FAILURES: list[tuple[int, str, bool]] = []


@handler("test.follow_up")
def _follow_up(ctx: outbox.JobContext) -> None:
    """A database effect: another job, parked far in the future so nobody runs it."""
    enqueue(db_session=ctx.db_session, clock=ctx.clock, kind="test.mark", payload={"of": ctx.job.id},
            run_after=ctx.clock.now() + timedelta(days=365))


@handler("test.flaky", on_failure=lambda ctx, error, final: FAILURES.append((ctx.job.id, error, final)))
def _flaky(ctx: outbox.JobContext) -> None:
    _follow_up(ctx)  # written, then undone by the failure below
    raise RuntimeError(f"gateway refused 13912345678 ({ctx.payload['n']})")


@handler("test.noop")
def _noop(ctx: outbox.JobContext) -> None:
    pass


@pytest.fixture
def factory(db_session):
    FAILURES.clear()
    return core_db.session_factory()


def _add(factory, clock, kind: str, n: int = 1, **extra) -> list[int]:
    with factory() as session, session.begin():
        jobs = [enqueue(db_session=session, clock=clock, kind=kind, payload={"n": i}, **extra) for i in range(n)]
        session.flush()
        return [job.id for job in jobs]


def _job(factory, job_id: int) -> Job:
    with factory() as session:
        return session.get(Job, job_id)


def _marks(factory) -> list[int]:
    with factory() as session:
        return [job.payload["of"] for job in session.scalars(select(Job).where(Job.kind == "test.mark"))]


def test_a_job_commits_or_vanishes_with_the_transaction_that_enqueues_it(factory, clock):
    with factory() as session:
        enqueue(db_session=session, clock=clock, kind="test.noop", payload={"n": 1})
        session.rollback()
    with factory() as session:
        assert session.scalar(select(func.count(Job.id))) == 0
    with pytest.raises(TypeError):  # a payload that cannot be stored fails in the caller's request
        enqueue(db_session=factory(), clock=clock, kind="test.noop", payload={"when": clock.now()})
    [job_id] = _add(factory, clock, "test.noop")
    job = _job(factory, job_id)
    assert (job.status, job.attempts, job.run_after) == ("queued", 0, clock.now())


def test_the_handler_effects_and_done_commit_together(factory, clock):
    ids = _add(factory, clock, "test.follow_up", 3)
    assert run_once(session_factory=factory, clock=clock, worker_id="w1") == 3
    assert sorted(_marks(factory)) == ids
    for job_id in ids:
        job = _job(factory, job_id)
        assert (job.status, job.attempts, job.locked_by, job.finished_at) == ("done", 1, None, clock.now())
    assert run_once(session_factory=factory, clock=clock, worker_id="w1") == 0  # nothing runs twice


def test_failures_back_off_exponentially_then_the_job_is_dead(factory, clock):
    [job_id] = _add(factory, clock, "test.flaky", max_attempts=3)
    start = clock.now()
    run_once(session_factory=factory, clock=clock, worker_id="w1")
    job = _job(factory, job_id)
    assert (job.status, job.attempts, job.run_after) == ("failed", 1, start + timedelta(seconds=10))
    assert "13912345678" not in job.last_error and "139****5678" in job.last_error  # personal data masked
    assert _marks(factory) == []  # the failed attempt's effects were rolled back
    assert run_once(session_factory=factory, clock=clock, worker_id="w1") == 0  # not due yet
    clock.advance(seconds=10)
    run_once(session_factory=factory, clock=clock, worker_id="w1")
    assert _job(factory, job_id).run_after == clock.now() + timedelta(seconds=20)
    clock.advance(seconds=20)
    run_once(session_factory=factory, clock=clock, worker_id="w1")
    job = _job(factory, job_id)
    assert (job.status, job.attempts, job.finished_at) == ("dead", 3, clock.now())
    assert [final for _, _, final in FAILURES] == [False, False, True]
    clock.advance(hours=2)
    assert run_once(session_factory=factory, clock=clock, worker_id="w1") == 0
    assert outbox.backoff(20) == timedelta(hours=1)


def test_an_operator_retries_a_dead_job(factory, clock):
    [job_id] = _add(factory, clock, "test.flaky", max_attempts=1)
    run_once(session_factory=factory, clock=clock, worker_id="w1")
    with factory() as session:
        assert outbox.counts(db_session=session) == {"dead": 1}
        assert [j.id for j in outbox.dead_jobs(db_session=session)] == [job_id]
        outbox.retry(db_session=session, clock=clock, job_id=job_id)
        session.commit()
    assert _job(factory, job_id).status == "queued"
    with factory() as session, pytest.raises(outbox.NotFound):
        outbox.retry(db_session=session, clock=clock, job_id=job_id)


def test_a_job_of_an_unknown_kind_fails_clearly(factory, clock):
    [job_id] = _add(factory, clock, "test.nobody_handles_this", max_attempts=1)
    run_once(session_factory=factory, clock=clock, worker_id="w1")
    job = _job(factory, job_id)
    assert job.status == "dead" and "no handler" in job.last_error


def test_a_killed_workers_job_is_taken_again_after_its_lease(factory, clock):
    [job_id] = _add(factory, clock, "test.follow_up")
    [stale] = outbox.claim(session_factory=factory, clock=clock, worker_id="dead-worker", lease=timedelta(minutes=5))
    assert (stale.id, stale.kind, stale.attempts) == (job_id, "test.follow_up", 1)
    assert run_once(session_factory=factory, clock=clock, worker_id="w2") == 0  # the lease still holds
    clock.advance(minutes=6)
    assert run_once(session_factory=factory, clock=clock, worker_id="w2") == 1
    job = _job(factory, job_id)
    assert (job.status, job.attempts) == ("done", 2)
    # the first worker wakes up late: it no longer owns the job and does not run it again
    with factory() as session:
        assert outbox.run_job(db_session=session, clock=clock, worker_id="dead-worker", job=stale, deps={}) is False
    assert _marks(factory) == [job_id]


def test_a_job_that_keeps_killing_its_worker_ends_dead(factory, clock):
    [job_id] = _add(factory, clock, "test.noop", max_attempts=2)
    for n in range(2):
        outbox.claim(session_factory=factory, clock=clock, worker_id=f"crash{n}", lease=timedelta(minutes=1))
        clock.advance(minutes=2)
    run_once(session_factory=factory, clock=clock, worker_id="w3")
    job = _job(factory, job_id)
    assert (job.status, job.attempts) == ("dead", 2) and "处理进程中止" in job.last_error


def test_a_stopping_worker_gives_back_the_jobs_it_has_not_started(factory, clock):
    ids = _add(factory, clock, "test.noop", 5)
    calls = iter([False, False, True])
    assert run_once(session_factory=factory, clock=clock, worker_id="w1", should_stop=lambda: next(calls)) == 5
    statuses = [(_job(factory, i).status, _job(factory, i).attempts, _job(factory, i).locked_by) for i in ids]
    assert statuses == [("done", 1, None)] * 2 + [("queued", 0, None)] * 3


def test_dedupe_keys_and_periodic_slots_are_taken_once(factory, clock):
    with factory() as session, session.begin():
        first = enqueue(db_session=session, clock=clock, kind="test.noop", payload={}, dedupe_key="once:1")
        assert enqueue(db_session=session, clock=clock, kind="test.noop", payload={}, dedupe_key="once:1") is None
        assert first is not None and first.dedupe_key == "once:1"
    outbox.periodic("test.scan", every=timedelta(minutes=10))(_noop)
    try:
        for _ in range(3):  # three workers wake in the same period
            with factory() as session, session.begin():
                schedule_periodic(db_session=session, clock=clock)
        clock.advance(minutes=10)
        with factory() as session, session.begin():
            schedule_periodic(db_session=session, clock=clock)
        with factory() as session:
            keys = sorted(session.scalars(select(Job.dedupe_key).where(Job.kind == "test.scan")))
    finally:
        outbox._PERIODIC.pop("test.scan")
    assert keys == ["test.scan:2026-11-20T01:30:00", "test.scan:2026-11-20T01:40:00"]


def test_purge_removes_done_jobs_after_a_week(factory, clock):
    [old] = _add(factory, clock, "test.noop")
    run_once(session_factory=factory, clock=clock, worker_id="w1")
    clock.advance(days=8)
    [kept] = _add(factory, clock, "test.flaky", max_attempts=1)
    run_once(session_factory=factory, clock=clock, worker_id="w1")
    [purge] = _add(factory, clock, "outbox.purge")
    run_once(session_factory=factory, clock=clock, worker_id="w1")
    assert _job(factory, old) is None and _job(factory, kept).status == "dead" and _job(factory, purge).status == "done"


def test_worker_threads_share_the_queue_and_run_each_job_once(factory, clock):
    ids = _add(factory, clock, "test.follow_up", 300)
    workers = [Worker(session_factory=factory, clock=clock, worker_id=f"t{n}", batch=7, poll=0.01) for n in range(4)]
    threads = [threading.Thread(target=w.run, kwargs={"once": True}) for w in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(_marks(factory)) == ids
    # Which threads got work depends on timing (a fast one may drain the queue before the others claim);
    # sharing across processes is proven by tests/notify/test_worker_pg.py. Here: all done, none twice.
    assert sum(w.processed for w in workers) >= len(ids)
    with factory() as session:
        rows = session.execute(select(Job.status, Job.attempts).where(Job.id.in_(ids))).all()
    assert set(rows) == {(JobStatus.done.value, 1)}


def test_the_server_runs_jobs_in_a_thread_on_sqlite(factory, clock, sms, engine):
    if engine.dialect.name != "sqlite":
        pytest.skip("on PostgreSQL jobs run in `tongban worker` processes")
    from fastapi.testclient import TestClient

    from tongban.app import create_app

    app = create_app(clock=clock, sms_gateway=sms, inprocess_worker=True)
    with TestClient(app):
        [job_id] = _add(factory, clock, "test.follow_up")
        deadline = time.monotonic() + 10
        while _job(factory, job_id).status != "done" and time.monotonic() < deadline:
            time.sleep(0.05)
    assert _job(factory, job_id).status == "done" and _marks(factory) == [job_id]


def test_the_worker_command_runs_what_is_due_and_operators_see_the_queue(factory, clock, database_url, monkeypatch):
    from typer.testing import CliRunner

    from tongban.cli import app

    monkeypatch.setenv("TONGBAN_DATABASE_URL", database_url)
    [job_id] = _add(factory, clock, "test.follow_up", run_after=datetime(2000, 1, 1, tzinfo=timezone.utc))
    [dead] = _add(factory, clock, "test.flaky", max_attempts=1, run_after=datetime(2000, 1, 1, tzinfo=timezone.utc))
    result = CliRunner().invoke(app, ["worker", "--once"])
    assert result.exit_code == 0, result.output
    assert _job(factory, job_id).status == "done" and _marks(factory) == [job_id]
    status = CliRunner().invoke(app, ["jobs", "status"])
    assert "dead 1" in status.output and f"[{dead}] test.flaky" in status.output and "139****5678" in status.output
    assert CliRunner().invoke(app, ["jobs", "retry", str(dead)]).exit_code == 0
    assert _job(factory, dead).status == "queued"
    assert CliRunner().invoke(app, ["jobs", "retry", str(job_id)]).exit_code == 2
