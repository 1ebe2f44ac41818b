"""Background work of help tickets: the follow-up of closed tickets whose expected date has come (CONS-09)."""

from __future__ import annotations

from datetime import timedelta

from tongban.helpdesk import closing
from tongban.notify.outbox import JobContext, periodic

FOLLOW_UP_EVERY = timedelta(hours=1)  # the dates are days; an hour is soon enough


@periodic("helpdesk.follow_up", every=FOLLOW_UP_EVERY)
def ask_follow_ups(ctx: JobContext) -> None:
    closing.ask_follow_ups(db_session=ctx.db_session, clock=ctx.clock)
