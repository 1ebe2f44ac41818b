"""Working-day calendar: official holidays and make-up workdays, and limits counted on them (SUP-01; 002 9.2.1.8).

Other domains use this module as the calendar's interface: its functions, ``WorkingCalendar``, ``DueDate`` and the
names imported below (``DayKind``, ``LimitUnit``, ``CalendarDay``, ``CalendarYear``).
"""

from __future__ import annotations

import csv
import io
import secrets
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import Date, bindparam, delete, insert, or_, select
from sqlalchemy.orm import Session

from tongban.core import audit
from tongban.core.clock import Clock
from tongban.core.errors import InvalidInput, NotFound
from tongban.workdays.enums import DayKind, LimitUnit
from tongban.workdays.models import CalendarDay, CalendarYear

MAX_LIMIT_DAYS = 3650  # ten years of days: far beyond any legal limit, small enough to walk day by day
YEAR_RANGE = range(1950, 2200)
MAX_IMPORT_BYTES = 200_000  # one year's CSV is a few KB


_KIND_WORDS = {
    DayKind.holiday: {"holiday", "法定节假日", "节假日", "放假", "假", "休"},
    DayKind.workday: {"workday", "调休上班日", "上班", "补班", "班"},
}
_HOLIDAY_NAMES = {
    "New Year's Day": "元旦", "Spring Festival": "春节", "Tomb-sweeping Day": "清明节", "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节", "National Day": "国庆节", "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "抗战胜利70周年纪念日",
}


# The special days of a year as read under its revision, shared by the process's calendars.
_DAYS_BY_REVISION: dict[tuple[int, str], dict[date, tuple[DayKind, str]]] = {}
_DAYS_MAX = 64
_DAYS_LOCK = threading.Lock()
# A year with no row has no days either: every way of entering a day writes its year's row (and a new revision).
_NOT_ENTERED = "not-entered"
_YEAR_TABLE = CalendarYear.__table__
_YEARS = select(_YEAR_TABLE.c.year, _YEAR_TABLE.c.complete, _YEAR_TABLE.c.revision)
_DAY_TABLE = CalendarDay.__table__
_DAYS_BETWEEN = select(_DAY_TABLE.c.day, _DAY_TABLE.c.kind, _DAY_TABLE.c.name).where(
    _DAY_TABLE.c.day >= bindparam("first", type_=Date), _DAY_TABLE.c.day <= bindparam("last", type_=Date))


@dataclass(frozen=True)
class DueDate:
    """A limit's last day and how it was reached; ``unknown_years`` flags years counted as weekends-only."""

    start: date
    days: int
    unit: LimitUnit
    due: date
    counted: list[date] = field(default_factory=list)
    holidays_skipped: list[tuple[date, str]] = field(default_factory=list)
    weekend_days_skipped: int = 0
    makeup_workdays: list[tuple[date, str]] = field(default_factory=list)
    unknown_years: list[int] = field(default_factory=list)

    @property
    def flagged(self) -> bool:
        return bool(self.unknown_years)

    @property
    def explanation(self) -> str:
        if self.unit is LimitUnit.natural_day:
            last = self.start + timedelta(days=self.days)
            text = f"自 {self.start.isoformat()} 起算（当日不计），第 {self.days} 个自然日为 {last.isoformat()}"
            if self.due != last:
                text += f"，逢法定节假日或周末顺延至 {self.due.isoformat()}"
            return text + self._unknown_note() + "。"
        text = f"自 {self.start.isoformat()} 起算（当日不计），第 {self.days} 个工作日为 {self.due.isoformat()}"
        if self.holidays_skipped:
            names = "、".join(dict.fromkeys(name or "节假日" for _, name in self.holidays_skipped))
            text += f"；其间法定节假日 {len(self.holidays_skipped)} 天（{names}）不计"
        if self.weekend_days_skipped:
            text += f"；周末 {self.weekend_days_skipped} 天不计"
        if self.makeup_workdays:
            days = "、".join(d.isoformat() for d, _ in self.makeup_workdays)
            text += f"；调休上班日 {len(self.makeup_workdays)} 天（{days}）计入"
        return text + self._unknown_note() + "。"

    def _unknown_note(self) -> str:
        if not self.unknown_years:
            return ""
        years = "、".join(str(y) for y in self.unknown_years)
        return f"。注意：{years} 年的节假日安排尚未录入，该年暂按仅周末休息计算，结果可能不准确，请管理员录入后重新计算"


@dataclass(frozen=True)
class DayStatus:
    day: date
    working: bool
    kind: DayKind | None
    name: str
    known: bool  # False: the year is not entered, ``working`` is the weekends-only guess


class WorkingCalendar:
    """A read-only view of the holiday table for one computation or a batch of them.

    On first use it reads the entered years with their revisions (one small query). A year's special days are
    then taken from the process's copy read under the same revision, or read (two years at a time) and kept,
    so a due date costs one query, not one per day. Build one per batch (e.g. a deadline scan) and call its
    methods; it does not see later changes.
    """

    def __init__(self, db_session: Session) -> None:
        self._db = db_session
        self._years: dict[int, tuple[bool, str]] | None = None  # year → (complete, revision)
        self._loaded: set[int] = set()
        self._days: dict[date, tuple[DayKind, str]] = {}

    def _year_rows(self) -> dict[int, tuple[bool, str]]:
        if self._years is None:
            self._years = {year: (bool(complete), revision or "")
                           for year, complete, revision in self._db.execute(_YEARS)}
        return self._years

    def known(self, year: int) -> bool:
        return self._year_rows().get(year, (False, ""))[0]

    def _load(self, year: int) -> None:
        years = self._year_rows()
        wanted = range(year, min(year + 1, 9999) + 1)  # most limits cross at most one new year
        revisions = {y: years.get(y, (False, _NOT_ENTERED))[1] for y in wanted}
        todo = []
        for y, revision in revisions.items():
            kept = _DAYS_BY_REVISION.get((y, revision)) if revision else None
            if kept is None:
                todo.append(y)
            else:
                self._days.update(kept)
        if todo:
            read: dict[int, dict[date, tuple[DayKind, str]]] = {y: {} for y in todo}
            rows = self._db.execute(_DAYS_BETWEEN, {"first": date(todo[0], 1, 1), "last": date(todo[-1], 12, 31)})
            for day, kind, name in rows:
                read[day.year][day] = (DayKind(kind), name)
            for y, days in read.items():
                self._days.update(days)
                if revisions[y]:
                    with _DAYS_LOCK:
                        if len(_DAYS_BY_REVISION) >= _DAYS_MAX:
                            _DAYS_BY_REVISION.pop(next(iter(_DAYS_BY_REVISION)))
                        _DAYS_BY_REVISION[(y, revisions[y])] = days
        self._loaded.update(wanted)

    def status(self, day: date) -> DayStatus:
        if day.year not in self._loaded:
            self._load(day.year)
        special = self._days.get(day)
        if special is not None:
            return DayStatus(day, special[0] is DayKind.workday, special[0], special[1], self.known(day.year))
        return DayStatus(day, day.weekday() < 5, None, "", self.known(day.year))

    def is_working_day(self, day: date) -> bool:
        return self.status(day).working

    def _unknown(self, first: date, last: date) -> list[int]:
        return [y for y in range(first.year, last.year + 1) if not self.known(y)] if first <= last else []

    def add_working_days(self, *, start: date, days: int) -> DueDate:
        _check_days(days)
        day, counted, holidays, makeup, weekend = start, [], [], [], 0
        one, special_days = timedelta(days=1), self._days
        try:  # reads the loaded table directly: a case's every step computes a limit of up to hundreds of days
            while len(counted) < days:
                day += one
                if day.year not in self._loaded:
                    self._load(day.year)
                special = special_days.get(day)
                if special is None:
                    if day.weekday() < 5:
                        counted.append(day)
                    else:
                        weekend += 1
                elif special[0] is DayKind.holiday:
                    holidays.append((day, special[1]))
                else:
                    makeup.append((day, special[1]))
                    counted.append(day)
        except OverflowError:
            raise InvalidInput("DATE_OUT_OF_RANGE", "计算结果超出了日期范围") from None
        return DueDate(start=start, days=days, unit=LimitUnit.working_day, due=day, counted=counted, holidays_skipped=holidays,
                       weekend_days_skipped=weekend, makeup_workdays=makeup,
                       unknown_years=self._unknown(start + timedelta(days=1), day))

    def add_natural_days(self, *, start: date, days: int, roll_to_working_day: bool = False) -> DueDate:
        """Natural days; with ``roll_to_working_day`` a last day on a holiday or weekend moves to the next working day."""
        _check_days(days)
        try:
            due = start + timedelta(days=days)
            holidays, weekend, last_counted = [], 0, due
            while roll_to_working_day and days and not self.is_working_day(due):
                status = self.status(due)
                if status.kind is DayKind.holiday:
                    holidays.append((due, status.name))
                else:
                    weekend += 1
                due += timedelta(days=1)
        except OverflowError:
            raise InvalidInput("DATE_OUT_OF_RANGE", "计算结果超出了日期范围") from None
        counted = [start + timedelta(days=n) for n in range(1, days + 1)]
        unknown = self._unknown(last_counted, due) if roll_to_working_day and days else []
        return DueDate(start=start, days=days, unit=LimitUnit.natural_day, due=due, counted=counted,
                       holidays_skipped=holidays, weekend_days_skipped=weekend, unknown_years=unknown)

    def working_days_between(self, *, start: date, end: date) -> int:
        """Working days after ``start`` up to and including ``end``; negative when ``end`` comes first."""
        if end < start:
            return -self.working_days_between(start=end, end=start)
        return sum(1 for n in range(1, (end - start).days + 1) if self.is_working_day(start + timedelta(days=n)))


def _check_days(days: int) -> None:
    if isinstance(days, bool) or not isinstance(days, int) or not 0 <= days <= MAX_LIMIT_DAYS:
        raise InvalidInput("LIMIT_DAYS_INVALID", f"天数应为 0 到 {MAX_LIMIT_DAYS} 之间的整数")


def _check_year(year: int) -> None:
    if year not in YEAR_RANGE:
        raise InvalidInput("CALENDAR_YEAR_INVALID", f"年份应在 {YEAR_RANGE.start} 到 {YEAR_RANGE.stop - 1} 之间")


def parse_date(value: str | date) -> date:
    """An ISO date (2026-10-01) from people's input, with a Chinese message when it is not one."""
    if isinstance(value, date):
        return value
    text = str(value).strip().replace("/", "-")
    try:
        return date.fromisoformat(text) if len(text) == 10 else date(*(int(p) for p in text.split("-")))
    except (ValueError, TypeError, OverflowError):
        raise InvalidInput("DATE_INVALID", f"日期“{str(value)[:20]}”无效，应写成 2026-10-01 这样的格式") from None


def parse_kind(value: str) -> DayKind:
    word = str(value).strip().lower()
    for kind, words in _KIND_WORDS.items():
        if word in words:
            return kind
    raise InvalidInput("DAY_KIND_INVALID", f"类型“{str(value)[:20]}”无效，应为 holiday（法定节假日）或 workday（调休上班日）")


def _clean(day: date, kind: DayKind, name: str) -> str:
    name = str(name or "").strip()
    if len(name) > 60:
        raise InvalidInput("DAY_NAME_TOO_LONG", "名称不能超过 60 个字符")
    if kind is DayKind.workday and day.weekday() < 5:
        raise InvalidInput("WORKDAY_NOT_WEEKEND", f"{day.isoformat()} 本来就是工作日，调休上班日应为周六或周日")
    return name


def _touch_year(db_session: Session, clock: Clock, year: int, by: str) -> CalendarYear:
    row = db_session.get(CalendarYear, year)
    if row is None:
        row = CalendarYear(year=year, complete=False, source="admin", updated_at=clock.now(), updated_by=by)
        db_session.add(row)
    row.updated_at, row.updated_by, row.revision = clock.now(), by, secrets.token_hex(8)
    return row


# --- reading ----------------------------------------------------------------------------------------

def add_working_days(*, db_session: Session, start: date, days: int) -> DueDate:
    """The ``days``-th working day after ``start`` (``start`` not counted)."""
    return WorkingCalendar(db_session).add_working_days(start=start, days=days)


def add_natural_days(*, db_session: Session, start: date, days: int, roll_to_working_day: bool = False) -> DueDate:
    return WorkingCalendar(db_session).add_natural_days(start=start, days=days, roll_to_working_day=roll_to_working_day)


def add_days(*, db_session: Session, start: date, days: int, unit: LimitUnit | str = LimitUnit.working_day) -> DueDate:
    if unit not in LimitUnit.__members__:
        raise InvalidInput("LIMIT_UNIT_INVALID", "时限单位应为 working_day（工作日）或 natural_day（自然日）")
    if LimitUnit(unit) is LimitUnit.natural_day:
        return add_natural_days(db_session=db_session, start=start, days=days)
    return add_working_days(db_session=db_session, start=start, days=days)


def working_days_between(*, db_session: Session, start: date, end: date) -> int:
    return WorkingCalendar(db_session).working_days_between(start=start, end=end)


def is_working_day(*, db_session: Session, day: date) -> bool:
    """Weekends-only for a year not entered; use ``describe_day`` to see whether the answer is a guess."""
    return WorkingCalendar(db_session).is_working_day(day)


def describe_day(*, db_session: Session, day: date) -> DayStatus:
    return WorkingCalendar(db_session).status(day)


def list_days(*, db_session: Session, year: int) -> list[CalendarDay]:
    _check_year(year)
    query = select(CalendarDay).where(CalendarDay.day >= date(year, 1, 1), CalendarDay.day <= date(year, 12, 31))
    return list(db_session.scalars(query.order_by(CalendarDay.day)))


def get_year(*, db_session: Session, year: int) -> CalendarYear | None:
    return db_session.get(CalendarYear, year)


def list_years(*, db_session: Session) -> list[CalendarYear]:
    return list(db_session.scalars(select(CalendarYear).order_by(CalendarYear.year)))


def missing_years(*, db_session: Session, clock: Clock, ahead: int = 1) -> list[int]:
    """This year and the next ``ahead`` years when they are not entered: the dashboard's warning."""
    this = clock.today().year
    known = set(db_session.scalars(select(CalendarYear.year).where(CalendarYear.complete.is_(True))))
    return [y for y in range(this, this + ahead + 1) if y not in known]


# --- changing ---------------------------------------------------------------------------------------

def seed_from_chinesecalendar(*, db_session: Session, clock: Clock, years: Iterable[int] | None = None) -> list[int]:
    """Enter the years chinesecalendar knows (2004–2026 in 1.11) that are not entered yet; returns the years added.

    Idempotent: a year already in the table (seeded earlier, or entered by an administrator) is left alone.
    """
    from chinese_calendar import constants

    supported = set(range(min(constants.holidays).year, max(constants.holidays).year + 1))
    wanted = sorted(supported & set(years if years is not None else supported))
    present = set(db_session.scalars(select(CalendarYear.year).where(CalendarYear.year.in_(wanted)))) if wanted else set()
    todo = [y for y in wanted if y not in present]
    if not todo:
        return []
    now, rows = clock.now(), []
    for kind, table in ((DayKind.holiday, constants.holidays), (DayKind.workday, constants.workdays)):
        rows += [{"day": d, "kind": kind.value, "name": _HOLIDAY_NAMES.get(n, n), "source": "chinesecalendar",
                  "updated_at": now, "updated_by": "system"} for d, n in table.items() if d.year in todo]
    # Days of a year with no year row are leftovers of nothing entered; clear them so the insert cannot collide.
    db_session.execute(delete(CalendarDay).where(or_(*(CalendarDay.day.between(date(y, 1, 1), date(y, 12, 31)) for y in todo))))
    db_session.execute(insert(CalendarDay), rows)
    db_session.add_all(CalendarYear(year=y, complete=True, source="chinesecalendar", updated_at=now, updated_by="system",
                                    revision=secrets.token_hex(8)) for y in todo)
    db_session.flush()
    return todo


def set_day(*, db_session: Session, clock: Clock, day: date | str, kind: DayKind | str, name: str = "", by: str) -> CalendarDay:
    """Add or change one holiday or make-up workday; a year touched this way is not complete until confirmed or imported."""
    day, kind = parse_date(day), parse_kind(kind)
    _check_year(day.year)
    name = _clean(day, kind, name)
    row = db_session.get(CalendarDay, day)
    before = None if row is None else {"kind": row.kind, "name": row.name}
    if row is None:
        row = CalendarDay(day=day)
        db_session.add(row)
    row.kind, row.name, row.source, row.updated_at, row.updated_by = kind.value, name, "admin", clock.now(), by
    _touch_year(db_session, clock, day.year, by)
    audit.record(db_session=db_session, clock=clock, actor=by, action="calendar.set_day", object_kind="calendar_day",
                 object_id=day.isoformat(), details={"before": before, "after": {"kind": kind.value, "name": name}})
    db_session.flush()
    return row


def delete_day(*, db_session: Session, clock: Clock, day: date | str, by: str) -> None:
    """The day goes back to the Monday-to-Friday rule."""
    day = parse_date(day)
    row = db_session.get(CalendarDay, day)
    if row is None:
        raise NotFound("CALENDAR_DAY_NOT_FOUND", f"{day.isoformat()} 不是已录入的法定节假日或调休上班日")
    audit.record(db_session=db_session, clock=clock, actor=by, action="calendar.delete_day", object_kind="calendar_day",
                 object_id=day.isoformat(), details={"before": {"kind": row.kind, "name": row.name}})
    db_session.delete(row)
    _touch_year(db_session, clock, day.year, by)
    db_session.flush()


def set_year_complete(*, db_session: Session, clock: Clock, year: int, complete: bool, by: str) -> CalendarYear:
    """Confirm (or withdraw) that a year entered day by day is the whole announced arrangement."""
    _check_year(year)
    if complete and not list_days(db_session=db_session, year=year):
        raise InvalidInput("CALENDAR_YEAR_EMPTY", f"{year} 年还没有录入任何节假日，不能确认为已完整录入")
    row = _touch_year(db_session, clock, year, by)
    row.complete = complete
    audit.record(db_session=db_session, clock=clock, actor=by, action="calendar.year_complete", object_kind="calendar_year",
                 object_id=year, details={"complete": complete})
    db_session.flush()
    return row


def parse_csv(text: str) -> list[list[str]]:
    """CSV (or tab-separated) text as rows; line numbers stay those of the text, for error messages."""
    text = text.lstrip("\ufeff")
    first = next((line for line in text.splitlines() if line.strip()), "")
    dialect = "excel-tab" if "\t" in first and "," not in first else "excel"
    return list(csv.reader(io.StringIO(text), dialect=dialect))


def _row_cells(row: Sequence[str] | Mapping[str, str]) -> list[str]:
    if isinstance(row, Mapping):
        return [str(row.get(k) or "").strip() for k in ("date", "kind", "name")]
    return [str(c if c is not None else "").strip() for c in row]


def import_year(*, db_session: Session, clock: Clock, year: int, rows: Iterable[Sequence[str] | Mapping[str, str]], by: str) -> int:
    """Replace a year's holidays and make-up workdays with rows ``date,kind,name`` and mark it complete; all or nothing."""
    _check_year(year)
    parsed: dict[date, tuple[DayKind, str]] = {}
    lines: dict[date, int] = {}
    errors: list[str] = []
    for line, row in enumerate(rows, start=1):
        cells = _row_cells(row)
        while cells and not cells[-1]:
            cells.pop()
        if not cells or cells[0].startswith("#") or cells[0].lower() in ("date", "日期"):
            continue  # blank line, comment or header
        try:
            if len(cells) > 3:
                raise InvalidInput("ROW_SHAPE", "应为“日期,类型,名称”三列")
            day = parse_date(cells[0])
            kind = parse_kind(cells[1] if len(cells) > 1 else "")
            name = _clean(day, kind, cells[2] if len(cells) > 2 else "")
            if day.year != year:
                raise InvalidInput("DAY_OUTSIDE_YEAR", f"日期 {day.isoformat()} 不在 {year} 年内")
            if day in parsed:
                raise InvalidInput("DAY_DUPLICATE", f"日期 {day.isoformat()} 与第 {lines[day]} 行重复")
        except InvalidInput as exc:
            errors.append(f"第 {line} 行：{exc.message}")
            continue
        parsed[day], lines[day] = (kind, name), line
    if errors:
        more = f"（共 {len(errors)} 行有误）" if len(errors) > 1 else ""
        raise InvalidInput("CALENDAR_ROWS_INVALID", f"{errors[0]}{more}；没有导入任何数据", details=errors)
    if not parsed:
        raise InvalidInput("CALENDAR_EMPTY", f"没有可导入的日期：{year} 年的安排至少应有法定节假日")
    now = clock.now()
    db_session.execute(delete(CalendarDay).where(CalendarDay.day >= date(year, 1, 1), CalendarDay.day <= date(year, 12, 31)))
    db_session.execute(insert(CalendarDay), [
        {"day": d, "kind": k.value, "name": n, "source": "admin", "updated_at": now, "updated_by": by}
        for d, (k, n) in sorted(parsed.items())
    ])
    row = _touch_year(db_session, clock, year, by)
    row.complete, row.source = True, "admin"
    audit.record(db_session=db_session, clock=clock, actor=by, action="calendar.import", object_kind="calendar_year", object_id=year,
                 details={"holidays": sum(k is DayKind.holiday for k, _ in parsed.values()),
                          "workdays": sum(k is DayKind.workday for k, _ in parsed.values())})
    db_session.flush()
    return len(parsed)
