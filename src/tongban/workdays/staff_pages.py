"""The working-day calendar's staff page: read a year, and (system administrators) keep it (SUP-01)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from tongban.accounts.access import CALENDAR_PERMISSION, StaffActor
from tongban.core.clock import Clock
from tongban.core.errors import InvalidInput
from tongban.web.actions import form_action, see_other
from tongban.web.deps import Csrf, Db, Now, Staff, Text, staff_with
from tongban.web.rendering import render
from tongban.workdays import service as workdays

router = APIRouter(prefix="/staff/calendar", include_in_schema=False)

Manager = staff_with(CALENDAR_PERMISSION)
WEEKDAYS = "一二三四五六日"


def _page(request: Request, db: Session, clock: Clock, actor: StaffActor, year: int, *, error: str = "",
          status_code: int = 200, csv_text: str | None = None) -> HTMLResponse:
    days = workdays.list_days(db_session=db, year=year)
    if csv_text is None:
        csv_text = "\n".join(f"{d.day.isoformat()},{d.kind},{d.name}" for d in days)
    return render(
        request, "workdays/staff_calendar.html", status_code=status_code, actor=actor,
        may_edit=actor.has(CALENDAR_PERMISSION), msg=request.query_params.get("msg", ""),
        error=error, year=year, days=[(d, WEEKDAYS[d.day.weekday()], workdays.DayKind(d.kind).label) for d in days],
        entered=workdays.get_year(db_session=db, year=year), years=workdays.list_years(db_session=db),
        missing=workdays.missing_years(db_session=db, clock=clock), kinds=list(workdays.DayKind), csv_text=csv_text,
    )


def _form_year(value: str, clock: Clock) -> int:
    try:
        year = int(value) if value.strip() else clock.today().year
    except ValueError:
        raise InvalidInput("CALENDAR_YEAR_INVALID", "年份应为四位数字") from None
    if year not in workdays.YEAR_RANGE:
        raise InvalidInput("CALENDAR_YEAR_INVALID", "年份超出范围")
    return year


def _back(year: int, message: str) -> Response:
    return see_other("/staff/calendar", msg=message, year=year)


@router.get("", response_class=HTMLResponse)
def calendar_page(request: Request, db: Db, clock: Now, actor: Staff,
                  year: Annotated[str, Query(max_length=10)] = "") -> HTMLResponse:
    return _page(request, db, clock, actor, _form_year(year, clock))


@router.post("/days", response_class=HTMLResponse)
def calendar_set_day(request: Request, db: Db, clock: Now, actor: Manager, _csrf: Csrf, day: Text, kind: Text,
                     name: Text = "", year: Text = "") -> Response:
    shown = _form_year(year, clock)
    return form_action(
        db, lambda: workdays.set_day(db_session=db, clock=clock, day=day, kind=kind, name=name, by=actor.ref),
        done=lambda row: _back(row.day.year, f"已保存 {row.day.isoformat()}：{workdays.DayKind(row.kind).label} {row.name}"),
        failed=lambda exc: _page(request, db, clock, actor, shown, error=exc.message, status_code=exc.status_code),
    )


@router.post("/days/delete", response_class=HTMLResponse)
def calendar_delete_day(request: Request, db: Db, clock: Now, actor: Manager, _csrf: Csrf, day: Text, year: Text = "") -> Response:
    shown = _form_year(year, clock)
    return form_action(
        db, lambda: workdays.delete_day(db_session=db, clock=clock, day=day, by=actor.ref),
        done=lambda _: _back(shown, f"已删除 {day}，该日恢复按周一至周五计算"),
        failed=lambda exc: _page(request, db, clock, actor, shown, error=exc.message, status_code=exc.status_code),
    )


@router.post("/import", response_class=HTMLResponse)
def calendar_import(request: Request, db: Db, clock: Now, actor: Manager, _csrf: Csrf, year: Text,
                    csv_text: Annotated[str, Form(max_length=workdays.MAX_IMPORT_BYTES)] = "",
                    file: Annotated[UploadFile | None, File()] = None) -> Response:
    shown = _form_year(year, clock)
    if file is not None and file.filename:
        data = file.file.read(workdays.MAX_IMPORT_BYTES + 1)
        if len(data) > workdays.MAX_IMPORT_BYTES:
            return _page(request, db, clock, actor, shown, error="文件过大（上限 200 KB）", status_code=422)
        try:
            csv_text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            return _page(request, db, clock, actor, shown, error="文件不是 UTF-8 编码，请另存为 UTF-8 的 CSV", status_code=422)

    def failed(exc):
        details = exc.details if isinstance(exc.details, list) else []
        message = "；".join([exc.message, *details[1:10]])
        return _page(request, db, clock, actor, shown, error=message, status_code=exc.status_code, csv_text=csv_text)

    return form_action(
        db, lambda: workdays.import_year(db_session=db, clock=clock, year=shown, rows=workdays.parse_csv(csv_text), by=actor.ref),
        done=lambda count: _back(shown, f"{shown} 年已导入 {count} 天，并标记为已完整录入"), failed=failed,
    )


@router.post("/complete", response_class=HTMLResponse)
def calendar_complete(request: Request, db: Db, clock: Now, actor: Manager, _csrf: Csrf, year: Text,
                      complete: Text = "1") -> Response:
    shown = _form_year(year, clock)
    return form_action(
        db, lambda: workdays.set_year_complete(db_session=db, clock=clock, year=shown, complete=complete == "1", by=actor.ref),
        done=lambda _: _back(shown, f"{shown} 年已确认为完整录入" if complete == "1" else f"{shown} 年已改为未完整录入"),
        failed=lambda exc: _page(request, db, clock, actor, shown, error=exc.message, status_code=exc.status_code),
    )
