"""The working-day calendar's staff API: read a year, set or delete a day, import a year (SUP-01)."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response

from tongban.accounts.access import CALENDAR_PERMISSION
from tongban.core.errors import InvalidInput
from tongban.web.deps import Db, Now, Staff, staff_with
from tongban.workdays import service as workdays
from tongban.workdays.schemas import DayIn, DayOut, ImportOut, YearOut, day_out, year_out

router = APIRouter(prefix="/api/v1/staff/calendar", tags=["calendar"])

Manager = staff_with(CALENDAR_PERMISSION)


async def _import_rows(request: Request) -> list:
    """CSV text (text/csv or text/plain), or JSON: a list of rows, {"rows": [...]} or {"csv": "..."}."""
    body = await request.body()
    if len(body) > workdays.MAX_IMPORT_BYTES:
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


@router.get("/{year}", response_model=YearOut, summary="一年的法定节假日和调休上班日")
def api_year(year: int, db: Db, clock: Now, actor: Staff) -> YearOut:
    return year_out(db, clock, year)


@router.put("/days/{day}", response_model=DayOut, summary="新增或修改一天")
def api_set_day(day: str, body: DayIn, db: Db, clock: Now, actor: Manager) -> DayOut:
    row = workdays.set_day(db_session=db, clock=clock, day=day, kind=body.kind, name=body.name, by=actor.ref)
    db.commit()
    return day_out(row)


@router.delete("/days/{day}", status_code=204, summary="删除一天（恢复按周一至周五计算）")
def api_delete_day(day: str, db: Db, clock: Now, actor: Manager) -> Response:
    workdays.delete_day(db_session=db, clock=clock, day=day, by=actor.ref)
    db.commit()
    return Response(status_code=204)


@router.post("/{year}/import", response_model=ImportOut,
             summary="导入一年的安排（CSV：日期,类型,名称；或 JSON rows），替换该年原有数据并标记为已完整录入")
def api_import(year: int, db: Db, clock: Now, actor: Manager, rows: Annotated[list, Depends(_import_rows)]) -> ImportOut:
    count = workdays.import_year(db_session=db, clock=clock, year=year, rows=rows, by=actor.ref)
    db.commit()
    return ImportOut(year=year, imported=count)
