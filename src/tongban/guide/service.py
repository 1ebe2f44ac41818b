"""Builds the one view every guide format renders from the item's published version (GUIDE-02)."""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict

from sqlalchemy.orm import Session

from tongban.appointments import halls
from tongban.catalog import reads as catalog_reads
from tongban.catalog import regions, service
from tongban.catalog.schemas import ItemContent
from tongban.guide.presenters import AgencyView, AttachmentView, GuideView, RelatedItem


def _related(item) -> RelatedItem | None:
    """A linked item (`catalog_reads.ItemFacts`, or a child as `catalog.service.children_of` lists it) if published."""
    if item is None or item.live_version_id is None:
        return None
    return RelatedItem(id=item.id, name=item.name, relation=item.relation, situation=item.situation)


def _attachments(db_session: Session, content: ItemContent) -> dict[str, AttachmentView]:
    wanted = {m.sample_sha256 for m in content.materials} | {m.template_sha256 for m in content.materials}
    wanted.add(content.result.sample_sha256)
    wanted.discard(None)
    found = catalog_reads.attachments(db_session=db_session, sha256s=wanted)
    return {
        sha: AttachmentView(sha256=sha, filename=a.filename, content_type=a.content_type, url=f"/api/v1/attachments/{sha}")
        for sha, a in found.items()
    }


def build_view(*, db_session: Session, item_id: int, base_url: str = "") -> GuideView:
    item = service.get_item(db_session=db_session, item_id=item_id)
    version = service.live_version(db_session=db_session, item=item)
    content = ItemContent.model_validate(version.content)
    # Whether the item can be booked is what the halls' service lists say (the booking page reads the same lists),
    # not a flag kept beside them: every guide format shows one answer, and no 预约 link leads nowhere.
    content = content.model_copy(update={"booking": bool(halls.halls_for_item(db_session=db_session, item_id=item.id))})
    agency = item.agency
    entry = item.directory_entry
    parent = catalog_reads.find_item(db_session=db_session, item_id=item.parent_id) if item.parent_id else None
    alternative = catalog_reads.find_item(db_session=db_session, item_id=item.alternative_item_id) if item.alternative_item_id else None
    return GuideView(
        item_id=item.id,
        implementation_code=item.implementation_code,
        code_scheme=item.code_scheme,
        basic_code=entry.basic_code if entry else "",
        content=content,
        agency=AgencyView(
            code=agency.code,
            name=agency.name,
            region_code=agency.region_code,
            region_name=regions.region_full_name(db_session=db_session, code=agency.region_code),
            level=agency.level,
            address=agency.address,
            consult_phone=agency.consult_phone,
            complaint_phone=agency.complaint_phone,
            hours=agency.hours,
            email=agency.email,
        ),
        version_number=version.number,
        published_at=version.published_at,
        status=item.status,
        status_reason=item.status_reason,
        alternative=item.alternative,
        alternative_item=_related(alternative),
        parent=_related(parent),
        children=[r for r in (_related(c) for c in service.children_of(db_session=db_session, item_id=item.id)) if r],
        attachments=_attachments(db_session, content),
        url=f"{base_url.rstrip('/')}/items/{item.id}",
    )


def page_stamp(*, db_session: Session, item_id: int) -> str | None:
    """A digest of everything a guide shows (the live version and its content digest, the item's status and links,
    its agency's contact details, its children and parent, whether a hall books it), read in two small queries, so
    a rendered guide can be kept until one of them changes: publishing a version is a new live version, a new stamp.
    None when the item is unknown or unpublished (the caller renders, which answers the error)."""
    facts = catalog_reads.page_facts(db_session=db_session, item_id=item_id)
    if facts is None or facts[0] is None:
        return None
    booking = sorted((hall.id, group.id) for hall, group in halls.halls_for_item(db_session=db_session, item_id=item_id))
    return hashlib.sha256(repr((facts, booking)).encode()).hexdigest()[:24]


MAX_VIEWS = 256
_views: OrderedDict[tuple, GuideView] = OrderedDict()
_views_lock = threading.Lock()


def cached_view(*, db_session: Session, item_id: int) -> GuideView:
    """`build_view`, kept per `page_stamp` (two small queries instead of validating the whole content again): what
    answers questions about a guide many times a second (the assistant) reads it from here. A frozen view, shared."""
    stamp = page_stamp(db_session=db_session, item_id=item_id)
    if stamp is None:
        return build_view(db_session=db_session, item_id=item_id)  # unknown or unpublished: the same error as the page
    key = (str(db_session.get_bind().url), item_id, stamp)
    with _views_lock:
        found = _views.get(key)
        if found is not None:
            _views.move_to_end(key)
            return found
    view = build_view(db_session=db_session, item_id=item_id)
    with _views_lock:
        _views[key] = view
        while len(_views) > MAX_VIEWS:
            _views.popitem(last=False)
    return view
