"""Several worker processes share one PostgreSQL queue (SKIP LOCKED) and run every job exactly once."""

from __future__ import annotations

import json
import multiprocessing
import os
import signal
import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select, text

from tongban.core import db as core_db
from tongban.core.clock import SystemClock
from tongban.notify.models import Job
from tongban.notify.outbox import JobContext, handler

pytestmark = pytest.mark.skipif(
    not os.environ.get("TONGBAN_TEST_DATABASE_URL", "").startswith("postgresql"),
    reason="needs PostgreSQL (TONGBAN_TEST_DATABASE_URL)",
)
RUNS = "test_job_run"


@handler("test.record_run")
def record_run(ctx: JobContext) -> None:
    """The job's effect: one row per execution. Deliberately no unique key: a second run would show."""
    ctx.db_session.execute(
        text(f"INSERT INTO {RUNS} (job_id, worker) VALUES (:job, :worker)"), {"job": ctx.job.id, "worker": ctx.job.locked_by}
    )
    if ctx.payload.get("slow"):
        time.sleep(0.01)


def _work(url: str, index: int, lease_seconds: float) -> None:
    """One worker process: its own engine; works until every job of the test is done."""
    from tongban.notify.worker import Worker

    core_db.configure(url)
    factory = core_db.session_factory()
    worker = Worker(session_factory=factory, clock=SystemClock(), worker_id=f"proc{index}:{os.getpid()}", batch=25,
                    poll=0.05, lease=timedelta(seconds=lease_seconds))
    signal.signal(signal.SIGTERM, lambda *_: worker.stop())
    while not worker.stopping.is_set():
        if worker.tick():
            continue
        with factory() as session:
            if not session.scalar(select(func.count(Job.id)).where(Job.kind == "test.record_run", Job.status != "done")):
                return
        time.sleep(0.05)


@pytest.fixture
def runs(db_session, database_url):
    with core_db.get_engine().begin() as conn:
        conn.execute(text(f"DROP TABLE IF EXISTS {RUNS}"))
        conn.execute(text(f"CREATE TABLE {RUNS} (id serial PRIMARY KEY, job_id integer NOT NULL, worker text NOT NULL)"))
    yield database_url
    with core_db.get_engine().begin() as conn:
        conn.execute(text(f"DROP TABLE {RUNS}"))


def _enqueue(n: int, **payload) -> None:
    with core_db.get_engine().begin() as conn:
        conn.execute(text(
            "INSERT INTO outbox_job (kind, payload, status, attempts, max_attempts, run_after, last_error, created_at) "
            "SELECT 'test.record_run', CAST(:payload AS json), 'queued', 0, 5, now(), '', now() FROM generate_series(1, :n)"
        ), {"n": n, "payload": json.dumps(payload)})


def _start(url: str, count: int, lease: float) -> list[multiprocessing.Process]:
    context = multiprocessing.get_context("spawn")
    processes = [context.Process(target=_work, args=(url, i, lease)) for i in range(count)]
    for process in processes:
        process.start()
    return processes


def _results() -> tuple[int, int, int, dict[str, int]]:
    with core_db.get_engine().connect() as conn:
        jobs = conn.execute(text("SELECT count(*) FROM outbox_job WHERE kind = 'test.record_run' AND status = 'done'")).scalar()
        total, distinct = conn.execute(text(f"SELECT count(*), count(DISTINCT job_id) FROM {RUNS}")).one()
        per_worker = dict(conn.execute(text(f"SELECT split_part(worker, ':', 1), count(*) FROM {RUNS} GROUP BY 1")).all())
    return jobs, total, distinct, per_worker


def test_three_worker_processes_run_ten_thousand_jobs_exactly_once(runs):
    _enqueue(10_000)
    processes = _start(runs, 3, lease=300)
    for process in processes:
        process.join(300)
    assert [p.exitcode for p in processes] == [0, 0, 0]
    done, executions, distinct, per_worker = _results()
    assert (done, executions, distinct) == (10_000, 10_000, 10_000)
    assert sorted(per_worker) == ["proc0", "proc1", "proc2"]  # all three shared the queue
    with core_db.get_engine().connect() as conn:
        assert conn.execute(text("SELECT max(attempts) FROM outbox_job WHERE kind = 'test.record_run'")).scalar() == 1


def test_a_worker_killed_mid_run_loses_nothing_and_doubles_nothing(runs):
    _enqueue(600, slow=True)
    processes = _start(runs, 3, lease=2)
    deadline = time.monotonic() + 60
    while _results()[1] < 100 and time.monotonic() < deadline:
        time.sleep(0.05)
    os.kill(processes[0].pid, signal.SIGKILL)  # mid-batch: its claimed jobs stay `running` until the lease ends
    for process in processes:
        process.join(120)
    assert [p.exitcode for p in processes[1:]] == [0, 0]
    done, executions, distinct, _ = _results()
    assert (done, executions, distinct) == (600, 600, 600)
