"""Background work of cases: rendering, sealing and signing the notices a step has issued (CASE-09, LIC-02)."""

from __future__ import annotations

from tongban.cases import documents
from tongban.notify.outbox import JobContext, handler


@handler(documents.RENDER_JOB)
def render_document(ctx: JobContext) -> None:
    document = ctx.db_session.get(documents.Document, ctx.payload["document_id"])
    if document is not None:  # a document is never deleted; a missing one means its case's transaction rolled back
        documents.render(db_session=ctx.db_session, clock=ctx.clock, document=document)
