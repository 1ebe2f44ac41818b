"""Scheduled supervision work: the deadline scan, once per period however many workers run (SUP-03; 002 9.2.1.8)."""

from __future__ import annotations

from datetime import timedelta

from tongban.core.config import get_settings
from tongban.notify.outbox import JobContext, periodic
from tongban.supervision import warnings

SCAN_EVERY = timedelta(minutes=max(get_settings().scan_minutes, 1))


@periodic("supervision.scan", every=SCAN_EVERY)
def deadline_scan(ctx: JobContext) -> None:
    """Runs in the job's transaction: warnings, dispatches and their SMS jobs commit with the job's `done`."""
    warnings.scan(db_session=ctx.db_session, clock=ctx.clock)
