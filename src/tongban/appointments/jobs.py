"""Appointment jobs: the booking confirmation, and closing past booking days hourly so no-shows count (002 8.2.2e)."""

from __future__ import annotations

from datetime import timedelta

from tongban.appointments import bookings, calling
from tongban.notify.outbox import JobContext, handler, periodic


@handler(bookings.CONFIRM_JOB)
def confirm(ctx: JobContext) -> None:
    """The booking confirmation: its inbox and SMS deliveries commit with this job's `done`."""
    bookings.send_confirmation(db_session=ctx.db_session, clock=ctx.clock, appointment_id=ctx.payload["appointment_id"])


@periodic("appointments.close_days", every=timedelta(hours=1))
def close_days(ctx: JobContext) -> None:
    """Runs in the job's transaction; the no-show marks and suspension messages commit with the job's `done`."""
    calling.close_day(db_session=ctx.db_session, clock=ctx.clock)
