"""The bad-rating rate as a supervision rate source (SUP-05; RATE-06): items whose share of valid bad ratings is
above the threshold are flagged for rectification. Invalid ratings and platform faults are left out."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, case, func, not_, or_, select
from sqlalchemy.orm import Session

from tongban.ratings import settings
from tongban.ratings.models import Rating


class BadRatingSource:
    kind = "bad_rating"
    label = "差评率"

    @property
    def threshold(self) -> float:
        return settings.bad_rating_threshold()

    @property
    def min_total(self) -> int:
        return settings.bad_rating_min_total()

    def item_rates(self, *, db_session: Session, item_ids: list[int], start: datetime, end: datetime) -> dict[int, tuple[int, int]]:
        from tongban.accounts.access import region_prefix
        from tongban.supervision import faults

        if not item_ids:
            return {}
        where = and_(Rating.item_id.in_(item_ids), Rating.created_at >= faults.utc(start), Rating.created_at < faults.utc(end),
                     Rating.valid.is_(True), Rating.subject_kind != "guide")
        hit = []
        for fault in faults.faults_between(db_session=db_session, start=start, end=end):
            clause = and_(Rating.created_at >= fault.started_at, Rating.created_at < fault.ended_at,
                          Rating.region_code.startswith(region_prefix(fault.region_code), autoescape=True))
            if fault.agency_id is not None:
                clause = and_(clause, Rating.agency_id == fault.agency_id)
            if fault.item_id is not None:
                clause = and_(clause, Rating.item_id == fault.item_id)
            hit.append(clause)
        if hit:
            where = and_(where, not_(and_(Rating.level >= 4, or_(*hit))))
        query = (select(Rating.item_id, func.sum(case((Rating.level >= 4, 1), else_=0)), func.count())
                 .where(where).group_by(Rating.item_id))
        return {item_id: (int(bad or 0), int(total)) for item_id, bad, total in db_session.execute(query)}


def register() -> None:
    from tongban.supervision.flags import register_rate_source

    register_rate_source(BadRatingSource())
