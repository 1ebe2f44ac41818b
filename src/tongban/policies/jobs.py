"""Background work of policies: each day, match every active policy against the population library and grant the
offers whose notice period has ended (POL-01)."""

from __future__ import annotations

from datetime import timedelta

from tongban.baselib.service import TableBaseLibrary
from tongban.notify.outbox import JobContext, periodic
from tongban.policies import service


@periodic("policies.match", every=timedelta(days=1))
def match_and_grant(ctx: JobContext) -> None:
    service.run_all(db_session=ctx.db_session, clock=ctx.clock, library=TableBaseLibrary(ctx.db_session))
