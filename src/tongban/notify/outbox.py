"""Transactional outbox (事务性发件箱): work enqueued with the change that causes it, run once by workers.

A domain calls `enqueue(...)` inside its own transaction; the job row commits or vanishes with the
change. Workers claim due jobs (`FOR UPDATE SKIP LOCKED` on PostgreSQL, one atomic UPDATE on SQLite,
which serialises writers), run each handler in a transaction that also marks the job done, so a
job's database effects commit exactly once. Failures retry with exponential backoff and end `dead`.
A worker killed mid-job leaves a lease that expires; another worker then takes the job again.
A job somebody is waiting for (an SMS code) may also be run by the process that enqueued it, right after
its transaction commits (`run_after_commit`): claimed like any other, so it still runs once.
"""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from sqlalchemy import and_, bindparam, delete, event, func, literal, or_, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from tongban.core import limits
from tongban.core.clock import Clock
from tongban.core.db import UtcDateTime, dialect_insert
from tongban.core.errors import NotFound
from tongban.core.logs import get_logger
from tongban.core.pii import mask_text
from tongban.notify.models import Job, JobStatus

log = get_logger(__name__)

BACKOFF_BASE = timedelta(seconds=10)
BACKOFF_CAP = timedelta(hours=1)
DEFAULT_LEASE = timedelta(minutes=5)
KEEP_DONE = timedelta(days=7)


_INSERT_JOB = Job.__table__.insert()


@dataclass
class JobContext:
    """What a handler gets: the session of the transaction that will also mark the job done."""

    db_session: Session
    clock: Clock
    job: Job
    deps: Mapping[str, object] = field(default_factory=dict)  # injected senders (tests, workers)

    @property
    def payload(self) -> dict:
        return self.job.payload


HandlerFn = Callable[[JobContext], None]
FailureFn = Callable[[JobContext, str, bool], None]  # (context, error text, final)


@dataclass(frozen=True)
class Handler:
    kind: str
    run: HandlerFn
    on_failure: FailureFn | None = None


@dataclass(frozen=True)
class Periodic:
    kind: str
    every: timedelta


_HANDLERS: dict[str, Handler] = {}
_PERIODIC: dict[str, Periodic] = {}


def handler(kind: str, *, on_failure: FailureFn | None = None) -> Callable[[HandlerFn], HandlerFn]:
    """Register the function that runs jobs of `kind`. It must not commit: the worker does, with the job."""

    def register(fn: HandlerFn) -> HandlerFn:
        known = _HANDLERS.get(kind)
        if known and (known.run.__module__, known.run.__qualname__) != (fn.__module__, fn.__qualname__):
            raise ValueError(f"two handlers for job kind {kind!r}")
        _HANDLERS[kind] = Handler(kind, fn, on_failure)
        return fn

    return register


def periodic(kind: str, *, every: timedelta) -> Callable[[HandlerFn], HandlerFn]:
    """Register a handler that workers schedule once per period, however many of them run."""

    def register(fn: HandlerFn) -> HandlerFn:
        handler(kind)(fn)
        _PERIODIC[kind] = Periodic(kind, every)
        return fn

    return register


def registered_kinds() -> list[str]:
    return sorted(_HANDLERS)


# --- enqueueing ----------------------------------------------------------------------------------


def enqueue(
    *, db_session: Session, clock: Clock, kind: str, payload: dict, run_after: datetime | None = None,
    dedupe_key: str | None = None, max_attempts: int = 5,
) -> Job | None:
    """Add a job to the caller's transaction. With a dedupe_key already taken nothing is added (None)."""
    values = _job_values(clock, kind, payload, run_after, dedupe_key, max_attempts)
    if dedupe_key is None:
        job = Job(**values)
        db_session.add(job)
        return job
    statement = dialect_insert(db_session.get_bind().dialect.name)(Job).values(**values).on_conflict_do_nothing(index_elements=["dedupe_key"]).returning(Job.id)
    new_id = db_session.execute(statement).scalar()
    return db_session.get(Job, new_id) if new_id else None


def _job_values(clock: Clock, kind: str, payload: dict, run_after: datetime | None, dedupe_key: str | None,
                max_attempts: int) -> dict:
    json.dumps(payload)  # a payload that cannot be stored fails here, in the caller's request, not later
    now = clock.now()
    return dict(_queued(kind, max_attempts), payload=payload, run_after=run_after or now, dedupe_key=dedupe_key, created_at=now)


def _queued(kind: str, max_attempts: int) -> dict:
    """A new job's bookkeeping: queued, never tried, no error."""
    return dict(kind=kind, status=JobStatus.queued.value, attempts=0, max_attempts=max_attempts, last_error="")


def enqueue_now(*, db_session: Session, clock: Clock, kind: str, payload: dict, max_attempts: int = 5) -> None:
    """`enqueue` for a hot path: one Core INSERT in the caller's transaction, at once, with no Job object to flush
    (and no separate check of the payload: the INSERT, sent now, fails in the caller's request just the same)."""
    now = clock.now()
    db_session.connection().execute(_INSERT_JOB, dict(_queued(kind, max_attempts), payload=payload, run_after=now,
                                                      dedupe_key=None, created_at=now))


def insert_from(*, source, payload, kind: str, max_attempts: int = 5):
    """An INSERT of one queued job per row of `source` (a CTE), `payload` being a JSON expression over its columns,
    due at the bind parameter `now`. On PostgreSQL a data-modifying CTE lets a hot path write its row and the job
    that follows it up in one statement."""
    fixed = _queued(kind, max_attempts)
    now = bindparam("now", type_=UtcDateTime)
    rows = select(*(literal(value) for value in fixed.values()), payload, now, now).select_from(source)
    return Job.__table__.insert().from_select([*fixed, "payload", "run_after", "created_at"], rows)


def slot_start(now: datetime, every: timedelta) -> datetime:
    """The start of the period that `now` falls in, counted from the Unix epoch in UTC."""
    epoch = datetime(1970, 1, 1, tzinfo=timezone.utc)
    return epoch + every * ((now - epoch) // every)


def schedule_periodic(*, db_session: Session, clock: Clock) -> int:
    """Enqueue this period's run of every periodic kind; the dedupe key makes N workers add it once."""
    now = clock.now()
    wanted = {}
    for spec in _PERIODIC.values():
        slot = slot_start(now, spec.every)
        wanted[f"{spec.kind}:{slot.isoformat(timespec='seconds').removesuffix('+00:00')}"] = (spec, slot)
    if not wanted:
        return 0
    known = set(db_session.scalars(select(Job.dedupe_key).where(Job.dedupe_key.in_(list(wanted)))))
    added = 0
    for key, (spec, slot) in wanted.items():
        if key not in known and enqueue(
            db_session=db_session, clock=clock, kind=spec.kind, payload={"slot": slot.isoformat()}, run_after=slot,
            dedupe_key=key,
        ):
            added += 1
    return added


# --- claiming and running ------------------------------------------------------------------------


def backoff(attempts: int) -> timedelta:
    """Wait before the next attempt: 10 s, 20 s, 40 s … at most an hour."""
    return min(BACKOFF_BASE * 2 ** max(attempts - 1, 0), BACKOFF_CAP)


def _is_postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def _due(now: datetime):
    return or_(
        and_(Job.status.in_((JobStatus.queued.value, JobStatus.failed.value)), Job.run_after <= now),
        and_(Job.status == JobStatus.running.value, Job.locked_until < now),  # its worker died: lease expired
    )


def claim(
    *, session_factory: sessionmaker[Session], clock: Clock, worker_id: str, batch: int = 20,
    lease: timedelta = DEFAULT_LEASE, job_ids: Sequence[int] | None = None,
) -> list[Job]:
    """Take up to `batch` due jobs (among `job_ids` when given) for this worker in one statement and commit the claim.

    Returns detached copies of the claimed rows: handlers read kind and payload without another query.
    """
    now = clock.now()
    with session_factory() as session, session.begin():
        candidates = select(Job.id).where(_due(now)).order_by(Job.run_after, Job.id).limit(batch)
        if job_ids is not None:
            candidates = candidates.where(Job.id.in_(list(job_ids)))
        if _is_postgres(session):
            candidates = candidates.with_for_update(skip_locked=True)
        statement = (
            update(Job).where(Job.id.in_(candidates.scalar_subquery()), _due(now))
            .values(status=JobStatus.running.value, locked_by=worker_id, locked_until=now + lease, attempts=Job.attempts + 1)
            .returning(Job.id, Job.kind, Job.payload, Job.attempts, Job.max_attempts, Job.dedupe_key)
            .execution_options(synchronize_session=False)
        )
        rows = session.execute(statement).all()
    return [
        Job(id=row.id, kind=row.kind, payload=row.payload, attempts=row.attempts, max_attempts=row.max_attempts,
            dedupe_key=row.dedupe_key, status=JobStatus.running.value, locked_by=worker_id, locked_until=now + lease)
        for row in sorted(rows, key=lambda r: r.id)
    ]


def run_once(
    *, session_factory: sessionmaker[Session], clock: Clock, worker_id: str, batch: int = 20,
    lease: timedelta = DEFAULT_LEASE, deps: Mapping[str, object] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> int:
    """Claim due jobs and run them one by one; returns how many were claimed (0: nothing was due)."""
    jobs = claim(session_factory=session_factory, clock=clock, worker_id=worker_id, batch=batch, lease=lease)
    with session_factory() as session:
        for position, job in enumerate(jobs):
            if should_stop and should_stop():
                release(db_session=session, worker_id=worker_id, job_ids=[j.id for j in jobs[position:]])
                break
            run_job(db_session=session, clock=clock, worker_id=worker_id, job=job, deps=deps or {})
    return len(jobs)


_AFTER_COMMIT = "outbox.after_commit"


def run_after_commit(*, db_session: Session, clock: Clock, job_id: int, deps: Mapping[str, object]) -> None:
    """Run this queued job in this process as soon as the caller's transaction commits, not at the worker's next poll.

    For a message somebody is waiting for (an SMS code): it leaves at once, yet never inside the transaction that
    wrote it, and it stays an ordinary outbox job. If this run fails, or the process dies first, a worker retries
    it; if a worker claims it first, this run finds nothing to do. A rollback forgets it together with the job.
    """
    if _AFTER_COMMIT not in db_session.info:
        db_session.info[_AFTER_COMMIT] = []
        event.listen(db_session, "after_commit", _run_committed)
        event.listen(db_session, "after_transaction_end", _forget_ended)
    db_session.info[_AFTER_COMMIT].append((job_id, clock, deps))


def _run_committed(session: Session) -> None:
    if session.get_nested_transaction() is not None:  # a savepoint was released: the jobs are not committed yet
        return
    waiting, session.info[_AFTER_COMMIT] = session.info[_AFTER_COMMIT], []
    if not waiting:
        return
    factory = sessionmaker(bind=session.get_bind(), expire_on_commit=False)
    runner = f"{socket.gethostname()}:{os.getpid()}:after-commit"
    for job_id, clock, deps in waiting:
        try:  # the caller's transaction is committed: nothing here may fail it, and the job keeps its retries
            for job in claim(session_factory=factory, clock=clock, worker_id=runner, job_ids=[job_id]):
                with factory() as job_session:
                    run_job(db_session=job_session, clock=clock, worker_id=runner, job=job, deps=deps)
        except SQLAlchemyError:
            log.exception("job not run after commit; a worker will run it", extra={"job_id": job_id})


def _forget_ended(session: Session, transaction) -> None:
    """The outermost transaction ended: its jobs ran (commit) or vanished with it (rollback)."""
    if transaction.parent is None:
        session.info[_AFTER_COMMIT] = []


def release(*, db_session: Session, worker_id: str, job_ids: list[int]) -> None:
    """Give back claimed jobs not started (the worker is stopping), so nobody waits for their lease."""
    with db_session.begin():
        db_session.execute(
            update(Job).where(Job.id.in_(job_ids), Job.locked_by == worker_id, Job.status == JobStatus.running.value)
            .values(status=JobStatus.queued.value, locked_by=None, locked_until=None, attempts=Job.attempts - 1)
            .execution_options(synchronize_session=False)
        )


def _owned(session: Session, job_id: int, worker_id: str) -> Job | None:
    query = select(Job).where(Job.id == job_id, Job.locked_by == worker_id, Job.status == JobStatus.running.value)
    if _is_postgres(session):
        query = query.with_for_update()
    return session.scalars(query).first()


_jobs = Job.__table__
# Built once: this statement runs for every job, and building it costs more than running it on SQLite.
_MARK_DONE = (
    update(_jobs)
    .where(_jobs.c.id == bindparam("job_id"), _jobs.c.locked_by == bindparam("worker_id"),
           _jobs.c.status == JobStatus.running.value)
    .values(status=JobStatus.done.value, finished_at=bindparam("now"), locked_by=None, locked_until=None, last_error="")
)


def run_job(*, db_session: Session, clock: Clock, worker_id: str, job: Job, deps: Mapping[str, object]) -> bool:
    """Run one claimed job in its own transaction; True when it is done.

    Its effects and its `done` commit together, and `done` is written only while this worker still
    holds the job: if the lease ran out and another worker took it, everything here is rolled back.
    """
    session = db_session
    try:
        if job.attempts > job.max_attempts:
            raise LeaseExpired("作业多次未能完成（处理进程中止），不再重试")
        spec = _HANDLERS.get(job.kind)
        if spec is None:
            raise LookupError(f"no handler for job kind {job.kind!r}")
        spec.run(JobContext(session, clock, job, deps))
        finished = session.execute(_MARK_DONE, {"job_id": job.id, "worker_id": worker_id, "now": clock.now()})
        if finished.rowcount != 1:
            session.rollback()
            return False
        session.commit()
        return True
    except Exception as error:  # any failure of a handler is recorded on its job and retried
        session.rollback()
        _record_failure(db_session=session, clock=clock, worker_id=worker_id, job_id=job.id, error=error, deps=deps)
        return False
    finally:
        session.expunge_all()  # the next job starts from fresh rows


class LeaseExpired(Exception):
    """A job whose workers kept dying before finishing it."""


def _record_failure(
    *, db_session: Session, clock: Clock, worker_id: str, job_id: int, error: Exception, deps: Mapping[str, object],
) -> None:
    text = mask_text(f"{type(error).__name__}: {error}")[:2000]
    session = db_session
    with session.begin():
        job = _owned(session, job_id, worker_id)
        if job is None:
            return
        now, final = clock.now(), job.attempts >= job.max_attempts
        job.attempts = min(job.attempts, job.max_attempts)
        job.last_error, job.locked_by, job.locked_until = text, None, None
        if final:
            job.status, job.finished_at = JobStatus.dead.value, now
        else:
            job.status, job.run_after = JobStatus.failed.value, now + backoff(job.attempts)
        log.warning("job failed", extra={"job_id": job_id, "kind": job.kind, "attempts": job.attempts,
                                         "final": final, "error": text})
        spec = _HANDLERS.get(job.kind)
        if spec and spec.on_failure:
            spec.on_failure(JobContext(session, clock, job, deps), text, final)


# --- operators ------------------------------------------------------------------------------------


def counts(*, db_session: Session) -> dict[str, int]:
    rows = db_session.execute(select(Job.status, func.count(Job.id)).group_by(Job.status))
    return {status: n for status, n in rows}


def dead_jobs(*, db_session: Session, limit: int = 50) -> list[Job]:
    query = select(Job).where(Job.status == JobStatus.dead.value).order_by(Job.finished_at.desc()).limit(limit)
    return list(db_session.scalars(query))


def retry(*, db_session: Session, clock: Clock, job_id: int) -> Job:
    """Give a dead job another round of attempts."""
    job = db_session.get(Job, job_id)
    if job is None or job.status != JobStatus.dead.value:
        raise NotFound("JOB_NOT_DEAD", f"没有编号为 {job_id} 的失败作业")
    job.status, job.attempts, job.run_after, job.finished_at = JobStatus.queued.value, 0, clock.now(), None
    return job


@periodic("outbox.purge", every=timedelta(hours=1))
def purge_done(ctx: JobContext) -> None:
    """Finished jobs are kept a week for inspection, then removed; dead ones stay until handled."""
    cutoff = ctx.clock.now() - KEEP_DONE
    ctx.db_session.execute(delete(Job).where(Job.status == JobStatus.done.value, Job.finished_at < cutoff))
    limits.purge(db_session=ctx.db_session, clock=ctx.clock)
