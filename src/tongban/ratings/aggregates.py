"""Ratings aggregated for management agencies (002 8.8.6, 8.8.7; RATE-06, RATE-07): by agency, item, hall, window,
staff, channel or month; count, satisfaction rate (levels 1–3), bad-rating rate (4–5), dimension counts. Invalid
ratings and bad ratings given during a recorded platform fault that hit their agency and item are left out."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import and_, case, func, not_, or_, select
from sqlalchemy.orm import Session

from tongban.core.clock import SHANGHAI
from tongban.core.errors import InvalidInput
from tongban.ratings.enums import Channel, Dimension
from tongban.ratings.models import Rating

BY = {"agency": ("部门", Rating.agency_id), "item": ("事项", Rating.item_id), "hall": ("大厅", Rating.hall_id),
      "window": ("窗口", None), "staff": ("工作人员", Rating.staff_ref), "channel": ("渠道", Rating.channel),
      "month": ("月份", Rating.month)}


@dataclass
class Row:
    key: str
    label: str
    count: int = 0
    satisfied: int = 0
    bad: int = 0
    dimensions: dict[str, int] = field(default_factory=dict)

    @property
    def satisfaction_rate(self) -> float | None:
        return self.satisfied / self.count if self.count else None

    @property
    def bad_rate(self) -> float | None:
        return self.bad / self.count if self.count else None


def fault_exclusion(db_session: Session, month_from: str, month_to: str):
    """A condition true for bad ratings given during a recorded platform fault that hit them (SUP-06)."""
    from tongban.accounts.access import region_prefix
    from tongban.supervision import faults

    start = datetime.strptime(month_from, "%Y-%m").replace(tzinfo=SHANGHAI)
    year, month = map(int, month_to.split("-"))
    end = datetime(year + month // 12, month % 12 + 1, 1, tzinfo=SHANGHAI)
    clauses = []
    for fault in faults.faults_between(db_session=db_session, start=start, end=end):
        clause = and_(Rating.created_at >= fault.started_at, Rating.created_at < fault.ended_at,
                      Rating.region_code.startswith(region_prefix(fault.region_code), autoescape=True))
        if fault.agency_id is not None:
            clause = and_(clause, Rating.agency_id == fault.agency_id)
        if fault.item_id is not None:
            clause = and_(clause, Rating.item_id == fault.item_id)
        clauses.append(clause)
    return and_(Rating.level >= 4, or_(*clauses)) if clauses else None


def _month(value: str) -> str:
    try:
        datetime.strptime(value, "%Y-%m")
    except ValueError:
        raise InvalidInput("BAD_MONTH", "月份应为 YYYY-MM，如 2026-11") from None
    return value


def counted(db_session: Session, *, month_from: str, month_to: str, region_prefix: str = "", agency_id: int | None = None):
    """The WHERE of every aggregate: the period, the scope, valid ratings, faults left out."""
    where = and_(Rating.month >= _month(month_from), Rating.month <= _month(month_to), Rating.valid.is_(True),
                 Rating.subject_kind != "guide")
    if region_prefix:
        where = and_(where, Rating.region_code.startswith(region_prefix, autoescape=True))
    if agency_id is not None:
        where = and_(where, Rating.agency_id == agency_id)
    excluded = fault_exclusion(db_session, month_from, month_to)
    return and_(where, not_(excluded)) if excluded is not None else where


def _dimension_sums() -> list:
    """Per dimension, the sum of its bit over the masks (set on bad ratings only): its count times the bit's value,
    in the same GROUP BY and without a CASE per row."""
    return [func.sum(Rating.dimension_mask.op("&")(1 << bit)) for bit, _ in enumerate(Dimension)]


def aggregate(*, db_session: Session, by: str, month_from: str, month_to: str, region_prefix: str = "",
              agency_id: int | None = None, dimensions: bool = True) -> list[Row]:
    """One GROUP BY: counts, satisfied and bad, and (with ``dimensions``) the dimension counts of bad ratings."""
    if by not in BY:
        raise InvalidInput("BAD_GROUPING", "统计维度只能是：" + "、".join(label for label, _ in BY.values()))
    where = counted(db_session, month_from=month_from, month_to=month_to, region_prefix=region_prefix, agency_id=agency_id)
    keys = [Rating.hall_id, Rating.window_number] if by == "window" else [BY[by][1]]
    sums = _dimension_sums() if dimensions else []
    query = (select(*keys, func.count(), func.sum(case((Rating.level <= 3, 1), else_=0)),
                    func.sum(case((Rating.level >= 4, 1), else_=0)), *sums)
             .where(where).group_by(*keys).order_by(*keys))
    rows: list[Row] = []
    for values in db_session.execute(query):
        key, (count, satisfied, bad, *chosen) = values[:len(keys)], values[len(keys):]
        name = "-".join("" if k is None else str(k) for k in key)
        rows.append(Row(name, name, int(count), int(satisfied or 0), int(bad or 0),
                        {d.value: int(n) >> bit for bit, (d, n) in enumerate(zip(Dimension, chosen)) if n}))
    _label(db_session, by, rows)
    return rows


def _label(db_session: Session, by: str, rows) -> None:
    from tongban.catalog import reads as catalog_reads

    for row in rows:
        if not row.key:
            row.label = "（未指定）"
        elif by == "agency":
            agency = catalog_reads.find_agency(db_session=db_session, agency_id=int(row.key))
            row.label = agency.name if agency else row.key
        elif by == "item":
            item = catalog_reads.find_item(db_session=db_session, item_id=int(row.key))
            row.label = item.name if item else row.key
        elif by == "channel":
            row.label = Channel(row.key).label
        elif by == "window":
            hall, _, number = row.key.partition("-")
            row.label = f"大厅{hall} {number}号窗口"
        elif by == "hall":
            row.label = f"大厅 {row.key}"


def hall_ratings(*, db_session: Session, hall_ids: list[int]) -> dict[int, tuple[float, str]]:
    """(satisfaction rate in %, label) per hall with valid ratings, in one query: what the hall pages show."""
    if not hall_ids:
        return {}
    query = (select(Rating.hall_id, func.count(), func.sum(case((Rating.level <= 3, 1), else_=0)))
             .where(Rating.hall_id.in_(hall_ids), Rating.valid.is_(True)).group_by(Rating.hall_id))
    found = {}
    for hall_id, count, satisfied in db_session.execute(query):
        rate = round(100 * int(satisfied or 0) / count, 1)
        found[hall_id] = (rate, f"满意率 {rate:.1f}%（{count} 条评价）")
    return found


def performance(*, db_session: Session, by: str, month_from: str, month_to: str, region_prefix: str = "",
                agency_id: int | None = None) -> list[Row]:
    """绩效 per agency or per staff member (RATE-07): valid ratings only, platform faults left out."""
    if by not in ("agency", "staff"):
        raise InvalidInput("BAD_GROUPING", "绩效只按部门或工作人员统计")
    return aggregate(db_session=db_session, by=by, month_from=month_from, month_to=month_to, region_prefix=region_prefix,
                     agency_id=agency_id, dimensions=False)


def dimension_labels() -> dict[str, str]:
    return {d.value: d.label for d in Dimension}


