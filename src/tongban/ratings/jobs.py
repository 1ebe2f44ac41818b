"""Background work of ratings: reminders to rate newly completed services (RATE-01), the monthly return-visit draw (RATE-08)."""

from __future__ import annotations

from datetime import timedelta

from tongban.notify.outbox import JobContext, periodic
from tongban.ratings import reminders, visits

REMIND_EVERY = timedelta(minutes=10)


@periodic("ratings.remind", every=REMIND_EVERY)
def remind(ctx: JobContext) -> None:
    reminders.run(db_session=ctx.db_session, clock=ctx.clock)


@periodic("ratings.return_visits", every=timedelta(days=1))
def draw_return_visits(ctx: JobContext) -> None:
    """Each day, the previous month's sample (drawing again adds nothing: the draw is reproducible and unique)."""
    first = ctx.clock.today().replace(day=1)
    last_month = (first - timedelta(days=1)).strftime("%Y-%m")
    visits.draw(db_session=ctx.db_session, clock=ctx.clock, month=last_month)
