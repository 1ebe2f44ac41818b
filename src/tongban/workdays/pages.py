"""Working-day calendar for administrators (page and JSON API) and the public due-date API (SUP-01)."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, File, Form, Query, Request, Response, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from tongban.accounts.access import Permission, StaffActor
from tongban.core.clock import Clock
from tongban.core.errors import DomainError, InvalidInput
from tongban.web.deps import Csrf, Db, Now, Text, get_staff
from tongban.web.pages import render
from tongban.workdays import service as workdays

router = APIRouter()

# There is no calendar permission yet; the calendar is platform-wide configuration, kept by system administrators.
# Every member of staff may read it: deadlines on every case come from it, and the supervision dashboard links to it.
MANAGE = Permission.policy_admin
MAX_IMPORT_BYTES = 200_000
WEEKDAYS = "一二三四五六日"


def _manager(actor: Annotated[StaffActor, Depends(get_staff)]) -> StaffActor:
    actor.require(MANAGE)
    return actor


Manager = Annotated[StaffActor, Depends(_manager)]
Reader = Annotated[StaffActor, Depends(get_staff)]


# --- schemas ----------------------------------------------------------------------------------------

class DayIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: str = Field(max_length=20, description="holiday（法定节假日）或 workday（调休上班日）")
    name: str = Field("", max_length=60, description="名称，如 春节")


class DayOut(BaseModel):
    date: date
    kind: str
    kind_label: str
    name: str
    source: str
    updated_at: datetime
    updated_by: str


class YearOut(BaseModel):
    year: int
    entered: bool
    complete: bool = Field(description="已完整录入；否则涉及该年的时限按仅周末休息计算并被标记")
    source: str | None
    days: list[DayOut]
    missing_years: list[int] = Field(description="今年、明年中尚未录入的年份")


class ImportOut(BaseModel):
    year: int
    imported: int


class NamedDay(BaseModel):
    date: date
    name: str


class DueOut(BaseModel):
    start: date
    days: int
    unit: str
    due: date
    flagged: bool = Field(description="涉及未录入节假日安排的年份，结果按仅周末休息估算")
    unknown_years: list[int]
    holidays_skipped: list[NamedDay]
    weekend_days_skipped: int
    makeup_workdays: list[NamedDay]
    explanation: str


def _day_out(row: workdays.CalendarDay) -> DayOut:
    return DayOut(date=row.day, kind=row.kind, kind_label=workdays.DayKind(row.kind).label, name=row.name, source=row.source,
                  updated_at=row.updated_at, updated_by=row.updated_by)


def _year_out(db: Session, clock: Clock, year: int) -> YearOut:
    days = workdays.list_days(db_session=db, year=year)
    entered = workdays.get_year(db_session=db, year=year)
    return YearOut(year=year, entered=entered is not None, complete=bool(entered and entered.complete),
                   source=entered.source if entered else None, days=[_day_out(d) for d in days],
                   missing_years=workdays.missing_years(db_session=db, clock=clock))


async def _import_rows(request: Request) -> list:
    """CSV text (text/csv or text/plain), or JSON: a list of rows, {"rows": [...]} or {"csv": "..."}."""
    body = await request.body()
    if len(body) > MAX_IMPORT_BYTES:
        raise InvalidInput("IMPORT_TOO_LARGE", "导入内容过大（上限 200 KB）")
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput("IMPORT_NOT_UTF8", "导入内容应为 UTF-8 编码") from None
    if "json" not in request.headers.get("content-type", ""):
        return workdays.parse_csv(text)
    try:
        data = json.loads(text)
    except ValueError:
        raise InvalidInput("JSON_INVALID", "请求内容不是合法的 JSON") from None
    if isinstance(data, dict) and isinstance(data.get("csv"), str):
        return workdays.parse_csv(data["csv"])
    rows = data.get("rows") if isinstance(data, dict) else data
    if not isinstance(rows, list) or not all(isinstance(r, (dict, list)) for r in rows):
        raise InvalidInput("IMPORT_ROWS_INVALID", '导入内容应为 {"rows": [{"date": "2027-01-01", "kind": "holiday", "name": "元旦"}]}')
    return rows


# --- JSON API ---------------------------------------------------------------------------------------

@router.get("/api/v1/calendar/due", response_model=DueOut, tags=["calendar"], summary="计算办理时限的截止日（起算日当日不计）")
def api_due(
    db: Db,
    start: Annotated[str, Query(max_length=20, description="起算日，如 2026-09-30")],
    days: Annotated[int, Query(ge=0, le=workdays.MAX_LIMIT_DAYS, description="天数")],
    unit: Annotated[str, Query(max_length=20, description="working_day（工作日）或 natural_day（自然日）")] = "working_day",
) -> DueOut:
    result = workdays.add_days(db_session=db, start=workdays.parse_date(start), days=days, unit=unit)
    return DueOut(start=result.start, days=result.days, unit=result.unit.value, due=result.due, flagged=result.flagged,
                  unknown_years=result.unknown_years, weekend_days_skipped=result.weekend_days_skipped,
                  holidays_skipped=[NamedDay(date=d, name=n) for d, n in result.holidays_skipped],
                  makeup_workdays=[NamedDay(date=d, name=n) for d, n in result.makeup_workdays],
                  explanation=result.explanation)


@router.get("/api/v1/staff/calendar/{year}", response_model=YearOut, tags=["calendar"], summary="一年的法定节假日和调休上班日")
def api_year(year: int, db: Db, clock: Now, actor: Reader) -> YearOut:
    return _year_out(db, clock, year)


@router.put("/api/v1/staff/calendar/days/{day}", response_model=DayOut, tags=["calendar"], summary="新增或修改一天")
def api_set_day(day: str, body: DayIn, db: Db, clock: Now, actor: Manager) -> DayOut:
    row = workdays.set_day(db_session=db, clock=clock, day=day, kind=body.kind, name=body.name, by=actor.ref)
    db.commit()
    return _day_out(row)


@router.delete("/api/v1/staff/calendar/days/{day}", status_code=204, tags=["calendar"], summary="删除一天（恢复按周一至周五计算）")
def api_delete_day(day: str, db: Db, clock: Now, actor: Manager) -> Response:
    workdays.delete_day(db_session=db, clock=clock, day=day, by=actor.ref)
    db.commit()
    return Response(status_code=204)


@router.post("/api/v1/staff/calendar/{year}/import", response_model=ImportOut, tags=["calendar"],
             summary="导入一年的安排（CSV：日期,类型,名称；或 JSON rows），替换该年原有数据并标记为已完整录入")
def api_import(year: int, db: Db, clock: Now, actor: Manager, rows: Annotated[list, Depends(_import_rows)]) -> ImportOut:
    count = workdays.import_year(db_session=db, clock=clock, year=year, rows=rows, by=actor.ref)
    db.commit()
    return ImportOut(year=year, imported=count)


# --- page ---------------------------------------------------------------------------------------------

def _page(request: Request, db: Session, clock: Clock, actor: StaffActor, year: int, *, error: str = "",
          status_code: int = 200, csv_text: str | None = None) -> HTMLResponse:
    days = workdays.list_days(db_session=db, year=year)
    if csv_text is None:
        csv_text = "\n".join(f"{d.day.isoformat()},{d.kind},{d.name}" for d in days)
    return render(
        request, "workdays/staff_calendar.html", status_code=status_code, actor=actor, may_edit=actor.has(MANAGE),
        msg=request.query_params.get("msg", ""),
        error=error, year=year, days=[(d, WEEKDAYS[d.day.weekday()], workdays.DayKind(d.kind).label) for d in days],
        entered=workdays.get_year(db_session=db, year=year), years=workdays.list_years(db_session=db),
        missing=workdays.missing_years(db_session=db, clock=clock), kinds=list(workdays.DayKind), csv_text=csv_text,
    )


def _back(year: int, message: str) -> RedirectResponse:
    return RedirectResponse(f"/staff/calendar?year={year}&msg={quote(message)}", status_code=303)


def _form_year(value: str, clock: Clock) -> int:
    try:
        year = int(value) if value.strip() else clock.today().year
    except ValueError:
        raise InvalidInput("CALENDAR_YEAR_INVALID", "年份应为四位数字") from None
    if year not in workdays.YEAR_RANGE:
        raise InvalidInput("CALENDAR_YEAR_INVALID", "年份超出范围")
    return year


@router.get("/staff/calendar", response_class=HTMLResponse, include_in_schema=False)
def calendar_page(request: Request, db: Db, clock: Now, actor: Reader,
                  year: Annotated[str, Query(max_length=10)] = "") -> HTMLResponse:
    return _page(request, db, clock, actor, _form_year(year, clock))


@router.post("/staff/calendar/days", response_class=HTMLResponse, include_in_schema=False)
def calendar_set_day(request: Request, db: Db, clock: Now, actor: Manager, _csrf: Csrf, day: Text, kind: Text,
                     name: Text = "", year: Text = "") -> Response:
    shown = _form_year(year, clock)
    try:
        row = workdays.set_day(db_session=db, clock=clock, day=day, kind=kind, name=name, by=actor.ref)
    except DomainError as exc:
        db.rollback()
        return _page(request, db, clock, actor, shown, error=exc.message, status_code=exc.status_code)
    db.commit()
    return _back(row.day.year, f"已保存 {row.day.isoformat()}：{workdays.DayKind(row.kind).label} {row.name}")


@router.post("/staff/calendar/days/delete", response_class=HTMLResponse, include_in_schema=False)
def calendar_delete_day(request: Request, db: Db, clock: Now, actor: Manager, _csrf: Csrf, day: Text, year: Text = "") -> Response:
    shown = _form_year(year, clock)
    try:
        workdays.delete_day(db_session=db, clock=clock, day=day, by=actor.ref)
    except DomainError as exc:
        db.rollback()
        return _page(request, db, clock, actor, shown, error=exc.message, status_code=exc.status_code)
    db.commit()
    return _back(shown, f"已删除 {day}，该日恢复按周一至周五计算")


@router.post("/staff/calendar/import", response_class=HTMLResponse, include_in_schema=False)
def calendar_import(request: Request, db: Db, clock: Now, actor: Manager, _csrf: Csrf, year: Text,
                    csv_text: Annotated[str, Form(max_length=MAX_IMPORT_BYTES)] = "",
                    file: Annotated[UploadFile | None, File()] = None) -> Response:
    shown = _form_year(year, clock)
    if file is not None and file.filename:
        data = file.file.read(MAX_IMPORT_BYTES + 1)
        if len(data) > MAX_IMPORT_BYTES:
            return _page(request, db, clock, actor, shown, error="文件过大（上限 200 KB）", status_code=422)
        try:
            csv_text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            return _page(request, db, clock, actor, shown, error="文件不是 UTF-8 编码，请另存为 UTF-8 的 CSV", status_code=422)
    try:
        count = workdays.import_year(db_session=db, clock=clock, year=shown, rows=workdays.parse_csv(csv_text), by=actor.ref)
    except DomainError as exc:
        db.rollback()
        details = exc.details if isinstance(exc.details, list) else []
        message = "；".join([exc.message, *details[1:10]])
        return _page(request, db, clock, actor, shown, error=message, status_code=exc.status_code, csv_text=csv_text)
    db.commit()
    return _back(shown, f"{shown} 年已导入 {count} 天，并标记为已完整录入")


@router.post("/staff/calendar/complete", response_class=HTMLResponse, include_in_schema=False)
def calendar_complete(request: Request, db: Db, clock: Now, actor: Manager, _csrf: Csrf, year: Text,
                      complete: Text = "1") -> Response:
    shown = _form_year(year, clock)
    try:
        workdays.set_year_complete(db_session=db, clock=clock, year=shown, complete=complete == "1", by=actor.ref)
    except DomainError as exc:
        db.rollback()
        return _page(request, db, clock, actor, shown, error=exc.message, status_code=exc.status_code)
    db.commit()
    return _back(shown, f"{shown} 年已确认为完整录入" if complete == "1" else f"{shown} 年已改为未完整录入")
