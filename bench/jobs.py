"""Throughput of the job outbox (jobs/s) beside plain inserts of the same rows (inserts/s), same run.

Each job's handler inserts one row, in the transaction that also marks the job done; the peer
inserts the same rows directly, one transaction per row, with the same number of processes. The
ratio jobs/s ÷ inserts/s is what claiming, leasing and marking done cost on top of the work itself.
SQLite runs in a temporary file; PostgreSQL runs when a server URL is given (a scratch database is
created and dropped).

    .venv/bin/python bench/jobs.py [--jobs 5000] [--pg postgresql+psycopg://postgres@127.0.0.1:5432/postgres] [--json]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TONGBAN_DATA_KEY", "00112233445566778899aabbccddeeff")  # scratch databases only
os.environ.setdefault("TONGBAN_INDEX_KEY", "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0")
os.environ.setdefault("TONGBAN_LOG_LEVEL", "WARNING")

from sqlalchemy import create_engine, text  # noqa: E402

from tongban.core import db as core_db  # noqa: E402
from tongban.core.clock import SystemClock  # noqa: E402
from tongban.notify.outbox import JobContext, enqueue, handler  # noqa: E402

SCRATCH_DB = "tongban_bench_jobs"


@handler("bench.effect")
def _effect(ctx: JobContext) -> None:
    ctx.db_session.execute(text("INSERT INTO bench_effect (ref, note) VALUES (:ref, :note)"), ctx.payload)


def _rows(n: int) -> list[dict]:
    return [{"ref": i, "note": f"办件 TB2026112{i:07d} 已受理"} for i in range(n)]


def _drain(url: str, index: int, ready, go) -> None:
    from tongban.notify.worker import Worker

    core_db.configure(url)
    worker = Worker(session_factory=core_db.session_factory(), clock=SystemClock(), worker_id=f"bench{index}", batch=50)
    ready.release()
    go.wait()
    worker.run(once=True)


def _insert(url: str, rows: list[dict], ready, go) -> None:
    engine = core_db.make_engine(url)
    statement = text("INSERT INTO bench_effect (ref, note) VALUES (:ref, :note)")
    ready.release()
    go.wait()
    for row in rows:
        with engine.begin() as conn:
            conn.execute(statement, row)


def _timed(target, args_per_process: list[tuple]) -> float:
    """Start the processes, wait until each is set up, then time them from one signal to the last exit."""
    context = multiprocessing.get_context("spawn")
    ready, go = context.Semaphore(0), context.Event()
    processes = [context.Process(target=target, args=(*args, ready, go)) for args in args_per_process]
    for process in processes:
        process.start()
    for _ in processes:
        ready.acquire()
    start = time.perf_counter()
    go.set()
    for process in processes:
        process.join()
    if any(p.exitcode for p in processes):
        raise SystemExit("a benchmark process failed")
    return time.perf_counter() - start


def _reset(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM bench_effect"))
        conn.execute(text("DELETE FROM outbox_job"))
    engine.dispose()


def _count(url: str, sql: str) -> int:
    engine = create_engine(url)
    with engine.connect() as conn:
        value = conn.execute(text(sql)).scalar()
    engine.dispose()
    return value


def measure(url: str, jobs: int, processes: int) -> dict:
    rows = _rows(jobs)
    _reset(url)
    core_db.configure(url)
    start = time.perf_counter()
    with core_db.session_scope() as session:
        for row in rows:
            enqueue(db_session=session, clock=SystemClock(), kind="bench.effect", payload=row)
    enqueue_rate = jobs / (time.perf_counter() - start)
    core_db.get_engine().dispose()
    drained = _timed(_drain, [(url, i) for i in range(processes)])
    done = _count(url, "SELECT count(*) FROM outbox_job WHERE kind = 'bench.effect' AND status = 'done'")
    effects, distinct = _count(url, "SELECT count(*) FROM bench_effect"), _count(url, "SELECT count(DISTINCT ref) FROM bench_effect")
    if not done == effects == distinct == jobs:
        raise SystemExit(f"not exactly once: {done} done, {effects} effects, {distinct} distinct of {jobs}")
    _reset(url)
    inserted = _timed(_insert, [(url, rows[i::processes]) for i in range(processes)])
    jobs_per_s, inserts_per_s = jobs / drained, jobs / inserted
    return {"jobs": jobs, "processes": processes, "enqueue_per_s": round(enqueue_rate), "jobs_per_s": round(jobs_per_s),
            "inserts_per_s": round(inserts_per_s), "ratio": round(jobs_per_s / inserts_per_s, 3)}


def _prepare(url: str) -> None:
    from tongban.core.migrate import upgrade

    upgrade(url)
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE bench_effect (id INTEGER PRIMARY KEY, ref INTEGER NOT NULL, note TEXT NOT NULL)"
                          if url.startswith("sqlite") else
                          "CREATE TABLE bench_effect (id serial PRIMARY KEY, ref integer NOT NULL, note text NOT NULL)"))
    engine.dispose()


def _scratch_pg(server_url: str, create: bool) -> str:
    head, _, _ = server_url.rpartition("/")
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{SCRATCH_DB}"'))
        if create:
            conn.execute(text(f'CREATE DATABASE "{SCRATCH_DB}"'))
    admin.dispose()
    return f"{head}/{SCRATCH_DB}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--jobs", type=int, default=5000)
    ap.add_argument("--pg", default=os.environ.get("TONGBAN_BENCH_PG_URL", ""),
                    help="PostgreSQL server URL (any database on it); a scratch database is created there")
    ap.add_argument("--json", action="store_true", help="last line: one JSON object with all figures")
    args = ap.parse_args()

    results: dict[str, dict] = {}
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        _prepare(url)
        results["sqlite_1"] = measure(url, args.jobs, 1)
    if args.pg:
        url = _scratch_pg(args.pg, create=True)
        try:
            _prepare(url)
            results["postgresql_1"] = measure(url, args.jobs, 1)
            results["postgresql_3"] = measure(url, args.jobs, 3)
        finally:
            core_db.get_engine().dispose()
            _scratch_pg(args.pg, create=False)
    else:
        print("PostgreSQL skipped (give --pg URL or TONGBAN_BENCH_PG_URL)", file=sys.stderr)

    print(f"{args.jobs} jobs; each inserts one row. Peer: the same rows inserted directly, one transaction each.")
    print(f"{'database':12} {'procs':>5} {'enqueue/s':>10} {'jobs/s':>8} {'inserts/s':>10} {'jobs÷inserts':>13}")
    for name, r in results.items():
        print(f"{name.split('_')[0]:12} {r['processes']:>5} {r['enqueue_per_s']:>10,} {r['jobs_per_s']:>8,} "
              f"{r['inserts_per_s']:>10,} {r['ratio']:>13.2f}")
    if args.json:
        print(json.dumps({"bench": "jobs", **{f"{k}_{m}": v for k, r in results.items() for m, v in r.items()},
                          "ratio": results["sqlite_1"]["ratio"]}))


if __name__ == "__main__":
    main()
