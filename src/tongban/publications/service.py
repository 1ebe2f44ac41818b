"""Policy documents, laws and regulations, and announcements: publish, edit, withdraw, list (003 我要看).

A withdrawn publication stays in the table for the record; readers no longer see it, and the
search index learns of the withdrawal through `changed_since`.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tongban.accounts.access import Permission, StaffActor
from tongban.catalog import regions
from tongban.core import audit
from tongban.core.clock import Clock
from tongban.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from tongban.publications.enums import PublicationKind, PublicationStatus
from tongban.publications.models import Publication
from tongban.publications.schemas import PublicationIn

MAX_LIMIT = 100


# ---------------------------------------------------------------- reading


def get(*, db_session: Session, publication_id: int, include_withdrawn: bool = False) -> Publication:
    row = db_session.get(Publication, publication_id)
    if row is None or (row.status == PublicationStatus.withdrawn and not include_withdrawn):
        raise NotFound("PUBLICATION_NOT_FOUND", "没有找到这篇政策法规或公告，可能已被撤回")
    return row


def _kind(kind: PublicationKind | str | None) -> PublicationKind | None:
    if kind in (None, ""):
        return None
    try:
        return PublicationKind(kind)
    except ValueError:
        allowed = "、".join(k.value for k in PublicationKind)
        raise InvalidInput("BAD_KIND", f"类别必须是 {allowed} 之一") from None


def list_published(
    *, db_session: Session, kind: PublicationKind | str | None = None, limit: int = 20, offset: int = 0
) -> tuple[list[Publication], int]:
    """Published rows, newest document first, and how many there are in all."""
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidInput("BAD_LIMIT", f"每页数量应在 1 到 {MAX_LIMIT} 之间")
    if offset < 0:
        raise InvalidInput("BAD_OFFSET", "偏移量不能为负数")
    wanted = _kind(kind)
    where = [Publication.status == PublicationStatus.published.value]
    if wanted is not None:
        where.append(Publication.kind == wanted.value)
    total = db_session.scalar(select(func.count(Publication.id)).where(*where)) or 0
    rows = db_session.scalars(
        select(Publication).where(*where).order_by(Publication.issued_on.desc(), Publication.id.desc()).limit(limit).offset(offset)
    )
    return list(rows), total


def kind_counts(*, db_session: Session) -> dict[str, int]:
    rows = db_session.execute(
        select(Publication.kind, func.count())
        .where(Publication.status == PublicationStatus.published.value)
        .group_by(Publication.kind)
    )
    return dict(rows.all())


def changed_since(*, db_session: Session, since: datetime | None) -> list[Publication]:
    """Every row (withdrawn included) changed at or after `since`; all rows when `since` is None."""
    query = select(Publication).order_by(Publication.updated_at, Publication.id)
    if since is not None:
        query = query.where(Publication.updated_at >= since)
    return list(db_session.scalars(query))


def change_stamp(*, db_session: Session) -> tuple[int, datetime | None]:
    """(row count, latest updated_at): changes whenever a row is added, edited or withdrawn."""
    count, latest = db_session.execute(select(func.count(Publication.id), func.max(Publication.updated_at))).one()
    return count or 0, latest


# ---------------------------------------------------------------- writing


def _require_rights(db_session: Session, actor: StaffActor, agency_id: int | None, region_code: str) -> None:
    """An agency publishes its own texts; the management agency responsible for a region publishes for it.

    A text without agency and region (a national law or policy shown on the portal) is the province's management
    agency's to publish. Every check goes through the actor's scope: the agency, its region and the text's region.
    """
    places: set[str] = {region_code} if region_code else set()
    if agency_id is not None:
        places.add(regions.get_agency(db_session=db_session, agency_id=agency_id).region_code)
        if actor.has(Permission.catalog_edit) and actor.agency_id == agency_id:
            for place in sorted(places):
                actor.require(Permission.catalog_edit, agency_id=agency_id, region_code=place)
            return
    if not actor.has(Permission.catalog_review):
        if agency_id is None:
            raise Forbidden("NOT_PERMITTED", "未指定发布机构的政策法规和公告只能由政务服务管理机构人员发布")
        raise Forbidden("NOT_YOUR_AGENCY", "只能发布或修改本机构的政策法规和公告")
    for place in sorted(places) or [None]:
        regions.require_management(db_session=db_session, actor=actor, permission=Permission.catalog_review, region_code=place)


def _record(db_session: Session, clock: Clock, actor: StaffActor, action: str, row: Publication) -> None:
    audit.record(
        db_session=db_session, clock=clock, actor=actor.ref, action=action, object_kind="publication", object_id=row.id,
        details={"title": row.title, "agency_id": row.agency_id, "region_code": row.region_code},
    )


def _check_number_free(db_session: Session, publication_in: PublicationIn, own_id: int | None) -> None:
    if not publication_in.document_number:
        return
    query = select(Publication.id).where(
        Publication.document_number == publication_in.document_number,
        Publication.status == PublicationStatus.published.value,
    )
    if own_id is not None:
        query = query.where(Publication.id != own_id)
    if db_session.scalar(query.limit(1)) is not None:
        raise Conflict("DOCUMENT_NUMBER_TAKEN", f"文号 {publication_in.document_number} 已有一篇已发布的文件")


def _apply(db_session: Session, row: Publication, publication_in: PublicationIn) -> None:
    """Copy the input onto the row, filling issuer and region from the agency when left empty."""
    issuer, region_code = publication_in.issuer, publication_in.region_code
    if publication_in.agency_id is not None:
        agency = regions.get_agency(db_session=db_session, agency_id=publication_in.agency_id)
        issuer = issuer or agency.name
        region_code = region_code or agency.region_code
    if region_code:
        regions.get_region(db_session=db_session, code=region_code)
    if not issuer:
        raise InvalidInput("ISSUER_REQUIRED", "请填写发布机关，或选择发布机构")
    row.kind = publication_in.kind.value
    row.title = publication_in.title
    row.document_number = publication_in.document_number
    row.issuer = issuer
    row.agency_id = publication_in.agency_id
    row.region_code = region_code
    row.summary = publication_in.summary
    row.body = publication_in.body
    row.source_url = publication_in.source_url
    row.issued_on = publication_in.issued_on


def create(*, db_session: Session, clock: Clock, actor: StaffActor, publication_in: PublicationIn) -> Publication:
    _require_rights(db_session, actor, publication_in.agency_id, publication_in.region_code)
    row = add_trusted(db_session=db_session, clock=clock, publication_in=publication_in, by=actor.name)
    _record(db_session, clock, actor, "publication.create", row)
    return row


def add_trusted(*, db_session: Session, clock: Clock, publication_in: PublicationIn, by: str) -> Publication:
    """Publish without a staff actor: for seeds and imports run by an operator."""
    _check_number_free(db_session, publication_in, None)
    now = clock.now()
    row = Publication(status=PublicationStatus.published.value, created_at=now, updated_at=now, created_by=by)
    _apply(db_session, row, publication_in)
    db_session.add(row)
    db_session.flush()
    return row


def update(
    *, db_session: Session, clock: Clock, actor: StaffActor, publication_id: int, publication_in: PublicationIn
) -> Publication:
    """Replace the content of a published text; moving it to another agency needs rights on both."""
    row = get(db_session=db_session, publication_id=publication_id, include_withdrawn=True)
    if row.status == PublicationStatus.withdrawn:
        raise Conflict("PUBLICATION_WITHDRAWN", "已撤回的政策法规或公告不能再修改")
    _require_rights(db_session, actor, row.agency_id, row.region_code)
    _require_rights(db_session, actor, publication_in.agency_id, publication_in.region_code)
    _check_number_free(db_session, publication_in, row.id)
    _apply(db_session, row, publication_in)
    row.updated_at = clock.now()
    db_session.flush()
    _record(db_session, clock, actor, "publication.update", row)
    return row


def withdraw(*, db_session: Session, clock: Clock, actor: StaffActor, publication_id: int) -> Publication:
    """Stop showing a text; withdrawing it again changes nothing."""
    row = get(db_session=db_session, publication_id=publication_id, include_withdrawn=True)
    _require_rights(db_session, actor, row.agency_id, row.region_code)
    if row.status == PublicationStatus.withdrawn:
        return row
    row.status = PublicationStatus.withdrawn.value
    row.updated_at = clock.now()
    db_session.flush()
    _record(db_session, clock, actor, "publication.withdraw", row)
    return row
