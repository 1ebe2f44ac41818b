"""Giving a rating: one per service, five levels and the GB/T 39735 dimensions, only by the person served; an
addendum once; who may see whom (002 8.8.1, 8.8.2; RATE-01, RATE-02). One rule for the pages and the API."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tongban.accounts.access import Permission, PersonActor, StaffActor, region_prefix
from tongban.core.clock import SHANGHAI, Clock
from tongban.core.errors import Conflict, Forbidden, InvalidInput, NotFound, Unauthorized
from tongban.core.text import clean_text
from tongban.ratings import links, subjects
from tongban.ratings.enums import SERVICE_KINDS, Channel, Dimension, Level, SubjectKind, dimension_mask, level_of
from tongban.ratings.models import Rating

COMMENT_MAX = 500
ALREADY = ("ALREADY_RATED", "这项服务已经评价过了，每项服务只能评价一次（可以追加一次评价）")
NOT_YOURS = ("RATING_NOT_YOURS", "只有接受这项服务的本人才能评价")


@dataclass(frozen=True)
class RatingIn:
    level: int
    dimensions: list[str] = field(default_factory=list)
    comment: str = ""
    channel: str = "web"


def _level(value) -> Level:
    try:
        return level_of(int(value))
    except (TypeError, ValueError):
        raise InvalidInput("BAD_LEVEL", "评价等级只能是 1 至 5：" + "、".join(f"{l.code} {l.label}" for l in Level)) from None


def _dimensions(values: list[str]) -> list[str]:
    chosen: list[str] = []
    for value in values or []:
        try:
            dimension = Dimension(value)
        except ValueError:
            raise InvalidInput("BAD_DIMENSION", "评价维度只能是：" + "、".join(d.label for d in Dimension)) from None
        if dimension.value not in chosen:
            chosen.append(dimension.value)
    return chosen


def _channel(value: str) -> Channel:
    """A signed-in person rates on the web or the mobile app; links and window raters set their own channel."""
    if value not in (Channel.web.value, Channel.mobile.value):
        raise InvalidInput("BAD_CHANNEL", "评价渠道只能是：政务服务网、移动端")
    return Channel(value)


def checked(rating_in: RatingIn) -> tuple[Level, list[str], str]:
    """Level, dimensions and comment as stored; 不满意 and 非常不满意 need a dimension and a comment (RATE-02)."""
    level = _level(rating_in.level)
    dimensions = _dimensions(rating_in.dimensions)
    comment = clean_text(rating_in.comment, what="评价内容", limit=COMMENT_MAX, required=level.bad, code="COMMENT")
    if level.bad and not dimensions:
        raise InvalidInput("DIMENSION_REQUIRED", f"选择“{level.label}”时，请至少选择一个不满意的方面")
    return level, dimensions, comment


def store_once(db_session: Session, row: Rating) -> Rating:
    """The unique (subject, rater) constraint decides between two submissions at once: one is stored, the other is
    refused with 409, and the caller's transaction goes on (a savepoint holds the failed insert)."""
    try:
        with db_session.begin_nested():
            db_session.add(row)
            db_session.flush()
    except IntegrityError:
        raise Conflict(*ALREADY) from None
    return row


def _store(db_session: Session, clock: Clock, served: subjects.Served, rating_in: RatingIn, *, channel: Channel,
           person_id: int | None, rater_key: str = "", token_hash: str | None = None) -> Rating:
    level, dimensions, comment = checked(rating_in)
    if served.kind in SERVICE_KINDS:
        subjects.require_complete(served)
    now = clock.now()
    row = Rating(
        subject_kind=served.kind.value, subject_id=served.id, rater_key=rater_key, subject_ref=served.ref[:40],
        level=level.code, dimensions=dimensions, dimension_mask=dimension_mask(dimensions) if level.bad else 0, comment=comment, addendum="",
        channel=channel.value,
        person_id=person_id, item_id=served.item_id, item_name=served.item_name[:200], agency_id=served.agency_id,
        region_code=served.region_code, hall_id=served.hall_id, window_number=served.window_number,
        staff_ref=served.staff_ref, staff_name=served.staff_name[:100], token_hash=token_hash,
        month=now.astimezone(SHANGHAI).strftime("%Y-%m"), valid=True, invalid_kind="", invalid_reason="", created_at=now,
    )
    if token_hash is not None and db_session.scalar(select(Rating.id).where(Rating.token_hash == token_hash)):
        raise Conflict("RATING_LINK_USED", "这个评价链接已经用过了，每项服务只能评价一次")
    store_once(db_session, row)
    if level.bad:
        from tongban.ratings import rectification

        rectification.open_task(db_session=db_session, clock=clock, rating=row)
    return row


def rate(*, db_session: Session, clock: Clock, person: PersonActor, kind: str, subject_id: int,
         rating_in: RatingIn) -> Rating:
    """The signed-in person rates a service they received (their case, ticket or visit)."""
    subject_kind = subjects.kind_of(kind)
    if subject_kind is SubjectKind.guide:
        return rate_guide(db_session=db_session, clock=clock, person=person, item_id=subject_id, rating_in=rating_in)
    served = subjects.resolve(db_session, subject_kind, subject_id)
    if served.person_id is None or served.person_id != person.person_id:
        raise Forbidden(*NOT_YOURS)
    return _store(db_session, clock, served, rating_in, channel=_channel(rating_in.channel), person_id=person.person_id)


def rate_by_link(*, db_session: Session, clock: Clock, token: str, rating_in: RatingIn,
                 person: PersonActor | None = None) -> Rating:
    """Whoever holds the signed link sent to the person served rates that service, once."""
    claim = links.read(token, today=clock.today())
    served = subjects.resolve(db_session, claim.kind, claim.subject_id)
    if person is not None and served.person_id is not None and served.person_id != person.person_id:
        raise Forbidden(*NOT_YOURS)
    return _store(db_session, clock, served, rating_in, channel=Channel.sms_link,
                  person_id=served.person_id, token_hash=claim.hash)


def rate_guide(*, db_session: Session, clock: Clock, person: PersonActor, item_id: int, rating_in: RatingIn) -> Rating:
    """Anyone signed in rates an item's guide, once per person per published version."""
    served = subjects.resolve(db_session, SubjectKind.guide, item_id)
    return _store(db_session, clock, served, rating_in, channel=_channel(rating_in.channel), person_id=person.person_id,
                  rater_key=person.ref)


def rate_at_window(*, db_session: Session, clock: Clock, served: subjects.Served, rating_in: RatingIn) -> Rating:
    """A tap on the window rater for the ticket just handled there (`rater.current`); a bad one also names what
    was wrong and says why, as everywhere."""
    return _store(db_session, clock, served, rating_in, channel=Channel.window, person_id=served.person_id)


def submit(*, db_session: Session, clock: Clock, person: PersonActor | None, token: str, kind: str, subject_id: int,
           rating_in: RatingIn) -> Rating:
    """The one entry of the page and the API: a token rates by its link, otherwise the signed-in person."""
    if token:
        return rate_by_link(db_session=db_session, clock=clock, token=token, rating_in=rating_in, person=person)
    if person is None:
        raise Unauthorized("LOGIN_REQUIRED", "请先登录，或使用短信中的评价链接")
    return rate(db_session=db_session, clock=clock, person=person, kind=kind, subject_id=subject_id, rating_in=rating_in)


def rating_of(*, db_session: Session, kind: str, subject_id: int) -> Rating | None:
    return db_session.scalar(select(Rating).where(Rating.subject_kind == kind, Rating.subject_id == subject_id,
                                                  Rating.rater_key == ""))


def for_person(*, db_session: Session, person: PersonActor, rating_id: int) -> Rating:
    row = db_session.get(Rating, rating_id)
    if row is None or row.person_id != person.person_id:
        raise NotFound("RATING_NOT_FOUND", "没有找到这条评价")
    return row


def mine(*, db_session: Session, person: PersonActor, limit: int = 100) -> list[Rating]:
    query = select(Rating).where(Rating.person_id == person.person_id).order_by(Rating.id.desc()).limit(limit)
    return list(db_session.scalars(query))


def add_addendum(*, db_session: Session, clock: Clock, person: PersonActor, rating_id: int, text: str) -> Rating:
    """追加评价: once, never an edit of the rating itself."""
    row = for_person(db_session=db_session, person=person, rating_id=rating_id)
    body = clean_text(text, what="追加评价", limit=COMMENT_MAX, code="ADDENDUM")
    if row.addendum_at is not None:
        raise Conflict("ADDENDUM_EXISTS", "每条评价只能追加一次")
    row.addendum, row.addendum_at = body, clock.now()
    db_session.flush()
    return row


# --- staff ---------------------------------------------------------------------------------------------------------

def sees_raters(actor: StaffActor) -> bool:
    """Who gave a rating is shown only to rectification and supervision staff."""
    return actor.has(Permission.rectify) or actor.has(Permission.supervise)


def staff_may_see(actor: StaffActor, row: Rating) -> bool:
    in_region = row.region_code.startswith(region_prefix(actor.region_code)) if row.region_code else True
    if actor.agency_id is not None:
        return row.agency_id == actor.agency_id and in_region
    return in_region


def for_staff(*, db_session: Session, actor: StaffActor, rating_id: int) -> Rating:
    row = db_session.get(Rating, rating_id)
    if row is None or not staff_may_see(actor, row):
        raise NotFound("RATING_NOT_FOUND", "没有找到这条评价")
    return row


def staff_list(*, db_session: Session, actor: StaffActor, bad_only: bool = False, limit: int = 200) -> list[Rating]:
    """The ratings of the actor's agency (or region, for management staff), newest first."""
    query = select(Rating)
    if actor.agency_id is not None:
        query = query.where(Rating.agency_id == actor.agency_id)
    prefix = region_prefix(actor.region_code)
    query = query.where(Rating.region_code.startswith(prefix, autoescape=True))
    if bad_only:
        query = query.where(Rating.level >= 4)
    return list(db_session.scalars(query.order_by(Rating.id.desc()).limit(limit)))
