"""Demo publications: real national policies and laws (summaries only) and demo-hall announcements."""

from __future__ import annotations

import json
from importlib import resources

from sqlalchemy import select
from sqlalchemy.orm import Session

from tongban.catalog import regions
from tongban.core.clock import Clock
from tongban.core.errors import NotFound
from tongban.publications import service
from tongban.publications.models import Publication
from tongban.publications.schemas import PublicationIn

DEMO_FILE = "publications.json"
SEEDED_BY = "演示数据"


def demo_entries() -> list[dict]:
    text = resources.files("tongban.data").joinpath("demo").joinpath(DEMO_FILE).read_text(encoding="utf-8")
    return json.loads(text)["publications"]


def _agency_id(db_session: Session, code: str | None) -> int | None:
    """Announcements belong to a demo agency when the demo catalog is seeded; otherwise to none."""
    if not code:
        return None
    try:
        return regions.get_agency_by_code(db_session=db_session, code=code).id
    except NotFound:
        return None


def seed_demo(*, db_session: Session, clock: Clock) -> int:
    """Add the demo publications whose titles (or 文号) are not there yet; returns how many were added."""
    existing = set(db_session.scalars(select(Publication.title)))
    numbers = set(db_session.scalars(select(Publication.document_number).where(Publication.document_number != "")))
    added = 0
    for raw in demo_entries():
        fields = {k: v for k, v in raw.items() if k != "agency_code"}
        if fields["title"] in existing or fields.get("document_number") in numbers:
            continue
        entry = PublicationIn.model_validate({**fields, "agency_id": _agency_id(db_session, raw.get("agency_code"))})
        service.add_trusted(db_session=db_session, clock=clock, publication_in=entry, by=SEEDED_BY)
        existing.add(entry.title)
        added += 1
    return added
