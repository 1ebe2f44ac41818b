"""Background work of cases: sealing the notices a step has issued (CASE-09, LIC-02) and the deadlines that
decide on their own: unfixed tolerant acceptances (CASE-07) and renewals left undecided (CASE-17)."""

from __future__ import annotations

from datetime import timedelta

from tongban.cases import decisions, documents, licences  # noqa: F401 (licences registers the render hook of its documents)
from tongban.notify.outbox import JobContext, handler, periodic

DEADLINES_EVERY = timedelta(hours=1)  # the deadlines are days; an hour is soon enough and cheap


@handler(documents.RENDER_JOB)
def render_document(ctx: JobContext) -> None:
    document = ctx.db_session.get(documents.Document, ctx.payload["document_id"])
    if document is not None:  # a document is never deleted; a missing one means its case's transaction rolled back
        documents.render(db_session=ctx.db_session, clock=ctx.clock, document=document)


@periodic("cases.deadlines", every=DEADLINES_EVERY)
def decide_lapsed(ctx: JobContext) -> None:
    """Denials for deficiencies not fixed in time and deemed renewals, in the job's transaction: once per period."""
    decisions.deny_unfixed_deficiencies(db_session=ctx.db_session, clock=ctx.clock)
    decisions.deem_renewals(db_session=ctx.db_session, clock=ctx.clock)
