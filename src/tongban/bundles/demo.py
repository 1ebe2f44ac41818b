"""Demo data of bundles: the shipped bundles (`tongban/data/bundles/*.json`, ten from the national lists of
"高效办成一件事" with their real items in 广安区), loaded through the import path (checked, then published)."""

from __future__ import annotations

import json
from importlib import resources

from sqlalchemy.orm import Session

from tongban.bundles import service
from tongban.catalog import reads as catalog_reads
from tongban.core.clock import Clock

SEEDED_BY = "演示数据"


def shipped_definitions() -> list[tuple[str, dict]]:
    """Every shipped bundle definition as (file name, JSON data), in file-name order."""
    folder = resources.files("tongban.data").joinpath("bundles")
    names = sorted(entry.name for entry in folder.iterdir() if entry.name.endswith(".json"))
    return [(name, json.loads(folder.joinpath(name).read_text(encoding="utf-8"))) for name in names]


def seed_demo(*, db_session: Session, clock: Clock) -> str:
    """Idempotent; answers one line for the console, or "" when there was nothing to add (or no catalog yet)."""
    if not catalog_reads.has_items(db_session=db_session):
        return ""
    made = 0
    for _name, data in shipped_definitions():
        _bundle, changed = service.import_definition(db_session=db_session, clock=clock, data=data, by=SEEDED_BY)
        made += 1 if changed else 0
    db_session.flush()
    return f"一件事：发布 {made} 个" if made else ""
