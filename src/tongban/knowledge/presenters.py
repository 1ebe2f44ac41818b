"""Plain shapes of entries for the JSON routes and pages (one place, so the API and the pages say the same)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from tongban.knowledge import service
from tongban.knowledge.models import FaqEntry, FaqVersion
from tongban.knowledge.reads import faq_url
from tongban.knowledge.schemas import FaqEntryOut, FaqVersionOut, PublicFaqOut


def public_out(db_session: Session, version: FaqVersion, score: float | None = None) -> PublicFaqOut:
    entry = service.get_entry(db_session=db_session, entry_id=version.entry_id)
    return PublicFaqOut(
        id=entry.id, question=version.question, answer=version.answer, variants=list(version.variants),
        item_ids=list(version.item_ids), owner_name=service.owner_name(db_session=db_session, entry=entry),
        valid_until=version.valid_until, url=faq_url(entry.id), score=score,
    )


def entry_out(db_session: Session, entry: FaqEntry) -> FaqEntryOut:
    return FaqEntryOut(
        id=entry.id, owner_agency_id=entry.owner_agency_id, owner_name=service.owner_name(db_session=db_session, entry=entry),
        region_code=entry.region_code,
        versions=[FaqVersionOut.model_validate(v) for v in service.history(db_session=db_session, entry_id=entry.id)],
    )


def paragraphs(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]
