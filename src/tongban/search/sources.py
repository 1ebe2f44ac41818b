"""What the index holds, built from the one published source: items, their FAQs, publications (SRCH-01, SRCH-08).

Nothing here is edited by hand: every document is derived from an item's live version or a
published publication, so search shows what the guide shows.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from tongban.catalog.enums import ItemType
from tongban.catalog.schemas import ItemContent
from tongban.catalog.taxonomy import life_stage_label, tag_label, theme_label
from tongban.search.index import SearchDoc


class IndexedAgency(Protocol):
    name: str
    short_name: str


class IndexedItem(Protocol):
    """What indexing reads of an item as `catalog.service.published_since` yields it (its content comes beside it)."""

    id: int
    region_code: str
    agency_id: int
    situation: str
    status: str
    updated_at: datetime
    agency: IndexedAgency | None


def region_keys(code: str) -> list[str]:
    """The region and every region above it, as trimmed code prefixes: 511602 → 51, 5116, 511602."""
    code = (code or "").strip()
    if not code:
        return []
    keys = []
    for width in (2, 4, 6, 9, 12):
        if len(code) >= width:
            part = code[:width]
            rest = code[width:]
            keys.append(part)
            if not rest.strip("0"):
                break
    return keys


def region_key(code: str) -> str:
    """The filter form of a region code: 510000 → 51, 511600 → 5116."""
    keys = region_keys(code)
    return keys[-1] if keys else ""


def _body(content: ItemContent) -> str:
    parts: list[str] = []
    parts += [c.text for c in content.conditions]
    parts += [m.name for m in content.materials]
    parts += [f"{s.name}：{s.description}" for s in content.steps]
    parts += [f.name for f in content.fees]
    parts += [p.name for p in content.special_procedures]
    parts += [b.title for b in content.legal_basis]
    parts += [content.review_standard, content.limit_note, content.quantity_limit, content.intermediary_services]
    return "\n".join(p for p in parts if p and p.strip())


def item_facets(item: IndexedItem, content: ItemContent) -> dict[str, list[str]]:
    forms = [content.handling_form.value]
    if content.handling_form.value == "both":
        forms += ["online", "offline"]
    item_type = ItemType(content.item_type)
    return {
        "kind": ["item"],
        "audience": [a.value for a in content.audiences],
        "region": region_keys(item.region_code),
        "level": [content.level.value],
        "agency": [str(item.agency_id)],
        "theme": list(content.themes),
        "life_stage": list(content.life_stages),
        "tag": list(content.tags),
        "handling_form": forms,
        "handling_scope": [content.handling_scope.value],
        "item_type": [item_type.value],
        "nature": [item_type.nature],
    }


def item_documents(item: IndexedItem, content: ItemContent) -> list[SearchDoc]:
    """The item itself and one document per FAQ of its guide."""
    agency = item.agency
    keywords = [ItemType(content.item_type).label, content.result.name, item.situation]
    keywords += [theme_label(t) for t in content.themes]
    keywords += [life_stage_label(s) for s in content.life_stages]
    keywords += [tag_label(t) for t in content.tags]
    facets = item_facets(item, content)
    agency_text = "\n".join(x for x in (agency.name, agency.short_name) if x) if agency else ""
    docs = [
        SearchDoc(
            key=f"item:{item.id}",
            kind="item",
            title=content.name,
            url=f"/items/{item.id}",
            fields={
                "name": content.name,
                "aliases": "\n".join(content.aliases),
                "keywords": "\n".join(k for k in keywords if k),
                "agency": agency_text,
                "body": _body(content),
            },
            facets=facets,
            region_code=item.region_code,
            status=item.status,
            subtitle=agency.name if agency else "",
        )
    ]
    for number, faq in enumerate(content.faqs, start=1):
        docs.append(
            SearchDoc(
                key=f"faq:{item.id}:{number}",
                kind="faq",
                title=faq.question,
                url=f"/items/{item.id}#faq-{number}",
                fields={"name": faq.question, "keywords": content.name, "body": faq.answer},
                facets={**facets, "kind": ["faq"]},
                region_code=item.region_code,
                status=item.status,
                subtitle=content.name,
            )
        )
    return docs


def publication_document(publication, agency_name: str = "") -> SearchDoc:
    facets = {"kind": [publication.kind], "region": region_keys(publication.region_code)}
    if publication.agency_id:
        facets["agency"] = [str(publication.agency_id)]
    return SearchDoc(
        key=f"publication:{publication.id}",
        kind=publication.kind,
        title=publication.title,
        url=f"/publications/{publication.id}",
        fields={
            "name": publication.title,
            "aliases": publication.document_number,
            "agency": "\n".join(x for x in (publication.issuer, agency_name) if x),
            "body": "\n".join(x for x in (publication.summary, publication.body) if x),
        },
        facets=facets,
        region_code=publication.region_code,
        subtitle=" ".join(x for x in (publication.issuer, publication.document_number) if x),
    )
