"""Scheduled appointment work: close past booking days hourly, so no-shows count and suspensions start (002 8.2.2e)."""

from __future__ import annotations

from datetime import timedelta

from tongban.appointments import calling
from tongban.notify.outbox import JobContext, periodic


@periodic("appointments.close_days", every=timedelta(hours=1))
def close_days(ctx: JobContext) -> None:
    """Runs in the job's transaction; the no-show marks and suspension messages commit with the job's `done`."""
    calling.close_day(db_session=ctx.db_session, clock=ctx.clock)
