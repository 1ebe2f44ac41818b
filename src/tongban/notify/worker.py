"""The job worker: the loop behind `tongban worker` (one or more processes) and the server's thread on SQLite."""

from __future__ import annotations

import importlib
import importlib.util
import multiprocessing
import os
import pkgutil
import signal
import socket
import threading
from collections.abc import Mapping
from datetime import timedelta

from sqlalchemy.orm import Session, sessionmaker

import tongban
from tongban.core import db as core_db
from tongban.core.clock import Clock, SystemClock
from tongban.core.logs import configure_logging, get_logger
from tongban.notify.outbox import DEFAULT_LEASE, run_once, schedule_periodic

log = get_logger(__name__)

# Modules whose import registers job handlers (`@handler`, `@periodic`), besides every domain's `jobs.py`.
# tongban.models comes first: handlers' tables refer to other domains' tables.
HANDLER_MODULES = ["tongban.models", "tongban.notify.outbox", "tongban.notify.service", "tongban.notify.codes"]


def load_handlers() -> None:
    """Import the modules that register handlers: the list above, then `tongban.<domain>.jobs` where it exists."""
    for name in HANDLER_MODULES:
        importlib.import_module(name)
    for module in pkgutil.iter_modules(tongban.__path__):
        if module.ispkg and importlib.util.find_spec(f"tongban.{module.name}.jobs") is not None:
            importlib.import_module(f"tongban.{module.name}.jobs")


def worker_id(name: str = "", index: int = 0) -> str:
    return f"{name or socket.gethostname()}:{os.getpid()}:{index}"


class Worker:
    """Schedules periodic jobs and runs due ones until told to stop; idle, it polls every `poll` seconds."""

    def __init__(
        self, *, session_factory: sessionmaker[Session], clock: Clock, worker_id: str, batch: int = 20,
        poll: float = 1.0, lease: timedelta = DEFAULT_LEASE, deps: Mapping[str, object] | None = None,
    ) -> None:
        self.session_factory, self.clock, self.worker_id = session_factory, clock, worker_id
        self.batch, self.poll, self.lease = batch, poll, lease
        self.deps = dict(deps or {})
        self.stopping = threading.Event()
        self.processed = 0

    def tick(self) -> int:
        """One round: this period's periodic jobs, then one batch of due jobs. Returns jobs claimed."""
        with self.session_factory() as session, session.begin():
            schedule_periodic(db_session=session, clock=self.clock)
        claimed = run_once(
            session_factory=self.session_factory, clock=self.clock, worker_id=self.worker_id, batch=self.batch,
            lease=self.lease, deps=self.deps, should_stop=self.stopping.is_set,
        )
        self.processed += claimed
        return claimed

    def run(self, *, once: bool = False) -> int:
        """Work until stop() (or, with once, until nothing is due). Returns how many jobs were claimed."""
        log.info("worker started", extra={"worker": self.worker_id})
        while not self.stopping.is_set():
            try:
                claimed = self.tick()
            except Exception:  # the database went away or a failure hook broke: log, wait, try again
                log.exception("worker round failed", extra={"worker": self.worker_id})
                if once:
                    raise
                self.stopping.wait(self.poll)
                continue
            if claimed == 0:
                if once:
                    break
                self.stopping.wait(self.poll)
        log.info("worker stopped", extra={"worker": self.worker_id, "processed": self.processed})
        return self.processed

    def stop(self) -> None:
        self.stopping.set()


def _default_deps() -> dict[str, object]:
    """Built once per worker, not per job (an HTTP gateway keeps its connection pool)."""
    from tongban.notify.sms import gateway_from_settings

    return {"sms_gateway": gateway_from_settings()}


def _process_main(name: str, index: int, once: bool, batch: int, poll: float) -> None:
    """One worker process: its own engine, handlers loaded, SIGTERM finishes the current job and exits."""
    configure_logging()
    core_db.configure()  # never reuse a connection pool inherited through fork
    load_handlers()
    worker = Worker(
        session_factory=core_db.session_factory(), clock=SystemClock(), worker_id=worker_id(name, index),
        batch=batch, poll=poll, deps=_default_deps(),
    )
    previous = {sig: signal.signal(sig, lambda *_: worker.stop()) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        worker.run(once=once)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def run_workers(*, concurrency: int = 1, once: bool = False, name: str = "", batch: int = 20, poll: float = 1.0) -> int:
    """`tongban worker`: run `concurrency` worker processes; SIGTERM or Ctrl+C stops them gracefully.

    Returns the exit code: 0, or 1 when a worker process failed.
    """
    if concurrency <= 1:
        _process_main(name, 0, once, batch, poll)
        return 0
    context = multiprocessing.get_context("spawn")
    processes = [
        context.Process(target=_process_main, args=(name, index, once, batch, poll), name=f"tongban-worker-{index}")
        for index in range(concurrency)
    ]
    for process in processes:
        process.start()

    def forward(signum, _frame) -> None:
        for process in processes:
            if process.is_alive() and process.pid:
                os.kill(process.pid, signal.SIGTERM)

    previous = {sig: signal.signal(sig, forward) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        for process in processes:
            process.join()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return 0 if all(p.exitcode == 0 for p in processes) else 1


class InprocessWorker:
    """The worker as a daemon thread of the web server (SQLite installs: one process does everything)."""

    def __init__(self, *, clock: Clock, deps: Mapping[str, object] | None = None, poll: float = 1.0) -> None:
        load_handlers()
        self.worker = Worker(
            session_factory=core_db.session_factory(), clock=clock, worker_id=worker_id("inprocess"), poll=poll,
            deps=deps or _default_deps(),
        )
        self.thread = threading.Thread(target=self.worker.run, name="tongban-worker", daemon=True)

    def start(self) -> InprocessWorker:
        self.thread.start()
        return self

    def stop(self, timeout: float = 10.0) -> None:
        self.worker.stop()
        self.thread.join(timeout)


def start_inprocess_worker(*, clock: Clock, deps: Mapping[str, object] | None = None) -> InprocessWorker | None:
    """Start the thread when the database is SQLite; on PostgreSQL run `tongban worker` processes instead."""
    if core_db.get_engine().dialect.name != "sqlite":
        log.info("in-process worker off on this database; run `tongban worker`")
        return None
    return InprocessWorker(clock=clock, deps=deps).start()
