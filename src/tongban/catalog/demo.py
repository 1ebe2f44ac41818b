"""The demo catalog written for this project: agencies and fully specified items (seed data)."""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import lru_cache
from importlib import resources

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tongban.catalog import directory, regions, service
from tongban.catalog.directory_schemas import EntryIn
from tongban.catalog.models import ServiceItem
from tongban.catalog.schemas import ItemDocument, Material
from tongban.core.clock import Clock

DEMO_FILES = ("items_person.json", "items_org.json")
SEEDED_BY = "演示数据"
# Streets (街道) below the county, where the demo's street service centres are: GB/T 2260 stops at the county, so
# townships are added with their 9-digit statistical codes, as an operator does with `tongban regions add`.
DEMO_TOWNSHIPS = (("511602001", "浓洄街道", "511602"), ("511602002", "北辰街道", "511602"))


def _read(name: str) -> dict:
    return json.loads(resources.files("tongban.data").joinpath("demo").joinpath(name).read_text(encoding="utf-8"))


def demo_documents() -> list[ItemDocument]:
    docs: list[ItemDocument] = []
    for name in DEMO_FILES:
        try:
            data = _read(name)
        except FileNotFoundError:
            continue
        docs.extend(ItemDocument.model_validate(raw) for raw in data["items"])
    ordered, cyclic = service.parents_first(docs, lambda d: d)
    return ordered + cyclic  # a parent cycle is reported by the service when it is published


@lru_cache(maxsize=2048)
def _sample(item_name: str, material_json: str) -> bytes:
    from tongban.guide.samples import sample_pdf

    return sample_pdf(item_name, Material.model_validate_json(material_json))


@lru_cache(maxsize=2048)
def _template(item_name: str, material_json: str) -> bytes:
    from tongban.guide.samples import blank_template_pdf

    return blank_template_pdf(item_name, Material.model_validate_json(material_json))


def _with_documents(db_session: Session, clock: Clock, doc: ItemDocument) -> ItemDocument:
    """Give every material a sample and every form a blank template (GUIDE-01)."""
    from tongban.catalog.lint import needs_template

    materials: list[Material] = []
    for material in doc.content.materials:
        update: dict = {}
        if material.sample_sha256 is None:
            update["sample_sha256"] = service.store_attachment(
                db_session=db_session,
                clock=clock,
                data=_sample(doc.content.name, material.model_dump_json()),
                filename=f"{material.name}（示例样本）.pdf",
                content_type="application/pdf",
            )
        if material.template_sha256 is None and needs_template(material):
            update["template_sha256"] = service.store_attachment(
                db_session=db_session,
                clock=clock,
                data=_template(doc.content.name, material.model_dump_json()),
                filename=f"{material.name}（空白表格）.pdf",
                content_type="application/pdf",
            )
        materials.append(material.model_copy(update=update))
    content = doc.content.model_copy(update={"materials": materials})
    return doc.model_copy(update={"content": content})


def seed_agencies(*, db_session: Session) -> int:
    regions.load_regions(db_session=db_session)
    for code, name, parent in DEMO_TOWNSHIPS:
        if not regions.region_exists(db_session=db_session, code=code):
            regions.add_region(db_session=db_session, code=code, name=name, parent_code=parent)
    rows = _read("agencies.json")["agencies"]
    for row in rows:
        fields = {k: v for k, v in row.items() if k not in ("code", "name", "region_code", "level", "key")}
        regions.upsert_agency(
            db_session=db_session, code=row["code"], name=row["name"], region_code=row["region_code"], level=row["level"], **fields
        )
    return len(rows)


def seed_directory(*, db_session: Session, clock: Clock) -> int:
    """The provincial directory list the demo items cite; it comes before them (CAT-02)."""
    rows = _read("directory.json")["entries"]
    for row in rows:
        directory.seed_entry(db_session=db_session, clock=clock, entry_in=EntryIn.model_validate(row), by=SEEDED_BY)
    return len(rows)


def seed_demo(*, db_session: Session, clock: Clock, progress: Callable[[int, int], None] | None = None) -> dict:
    """Idempotent: a second run changes nothing."""
    agencies = seed_agencies(db_session=db_session)
    entries = seed_directory(db_session=db_session, clock=clock)
    docs = demo_documents()
    created = updated = 0
    for index, doc in enumerate(docs, 1):
        existed = db_session.scalar(
            select(func.count(ServiceItem.id)).where(
                ServiceItem.code_scheme == doc.identity.code_scheme,
                ServiceItem.implementation_code == doc.identity.implementation_code,
            )
        )
        _, changed = service.upsert_published(
            db_session=db_session, clock=clock, document=_with_documents(db_session, clock, doc), by=SEEDED_BY
        )
        if changed:
            updated += 1 if existed else 0
            created += 0 if existed else 1
        if progress:
            progress(index, len(docs))
    db_session.flush()
    return {"agencies": agencies, "directory_entries": entries, "items": len(docs), "created": created, "updated": updated}


def catalog_is_empty(*, db_session: Session) -> bool:
    return not db_session.scalar(select(func.count(ServiceItem.id)))
