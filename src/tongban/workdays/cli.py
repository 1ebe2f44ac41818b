"""`tongban calendar`: due dates on the working-day calendar, and entering each year's holidays (SUP-01)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from tongban.core import db as core_db
from tongban.core.clock import SystemClock
from tongban.core.errors import DomainError
from tongban.workdays import service as workdays

calendar_app = typer.Typer(help="工作日历：法定节假日、调休上班日与办理时限", no_args_is_help=True)
console = Console(stderr=True)
clock = SystemClock()

# `due --strict` exits with this when the result is a weekends-only guess for a year not entered.
EXIT_UNKNOWN_YEAR = 3


def _fail(exc: DomainError) -> None:
    console.print(f"[red]错误 {exc.code}[/red]：{exc.message}")
    if isinstance(exc.details, list):
        for line in exc.details[:20]:
            console.print(f"  - {line}")
    raise typer.Exit(2)


@calendar_app.command("due")
def due(
    start: Annotated[str, typer.Argument(help="起算日，如 2026-09-30（当日不计）")],
    days: Annotated[int, typer.Argument(help="天数 N")],
    natural: Annotated[bool, typer.Option("--natural", help="按自然日计算")] = False,
    explain: Annotated[bool, typer.Option("--explain", help="在标准错误输出说明跳过了哪些日子")] = False,
    strict: Annotated[bool, typer.Option("--strict", help=f"涉及未录入年份时退出码为 {EXIT_UNKNOWN_YEAR}")] = False,
) -> None:
    """输出 START 之后第 N 个工作日（或自然日）的日期，ISO 格式。

    结果涉及尚未录入节假日安排的年份时，该年按仅周末休息计算，日期照常输出，标准错误输出警告，
    退出码仍为 0，以免脚本中断；需要脚本察觉时加 --strict（退出码 3）。
    """
    unit = workdays.LimitUnit.natural_day if natural else workdays.LimitUnit.working_day
    with core_db.session_scope() as session:
        try:
            result = workdays.add_days(db_session=session, start=workdays.parse_date(start), days=days, unit=unit)
        except DomainError as exc:
            _fail(exc)
    typer.echo(result.due.isoformat())
    if explain:
        console.print(result.explanation, highlight=False)
    if result.flagged:
        years = "、".join(str(y) for y in result.unknown_years)
        console.print(f"[yellow]警告[/yellow]：{years} 年的节假日安排尚未录入，该年按仅周末休息计算，结果可能不准确。"
                      f"请用 tongban calendar import 录入。", highlight=False)
        if strict:
            raise typer.Exit(EXIT_UNKNOWN_YEAR)


@calendar_app.command("seed")
def seed() -> None:
    """从 chinesecalendar 载入它已知的年份（已录入的年份不变，可重复执行）。"""
    with core_db.session_scope() as session:
        years = workdays.seed_from_chinesecalendar(db_session=session, clock=clock)
    if years:
        console.print(f"已载入 {years[0]}–{years[-1]} 年共 {len(years)} 年的节假日安排")
    else:
        console.print("chinesecalendar 已知的年份都已录入，没有变化")


@calendar_app.command("import")
def import_year(
    year: Annotated[int, typer.Argument(help="年份")],
    path: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="CSV 文件，每行：日期,类型,名称（类型 holiday 或 workday）")],
    by: Annotated[str, typer.Option(help="记录在操作审计中的操作人")] = "命令行导入",
) -> None:
    """用 CSV 替换一年的法定节假日和调休上班日，并标记该年已完整录入；有任何一行错误则不导入。"""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        console.print("[red]错误[/red]：文件不是 UTF-8 编码，请另存为 UTF-8 的 CSV")
        raise typer.Exit(2) from None
    with core_db.session_scope() as session:
        try:
            count = workdays.import_year(db_session=session, clock=clock, year=year, rows=workdays.parse_csv(text), by=by)
        except DomainError as exc:
            _fail(exc)
    console.print(f"{year} 年已导入 {count} 天，并标记为已完整录入")


@calendar_app.command("show")
def show(year: Annotated[int, typer.Argument(help="年份")]) -> None:
    """以 CSV（日期,类型,名称）列出一年的法定节假日和调休上班日；输出可修改后再导入。"""
    with core_db.session_scope() as session:
        try:
            days = workdays.list_days(db_session=session, year=year)
        except DomainError as exc:
            _fail(exc)
        entered = workdays.get_year(db_session=session, year=year)
        status = _year_status(entered)
    for row in days:
        typer.echo(f"{row.day.isoformat()},{row.kind},{row.name}")
    holidays = sum(row.kind == workdays.DayKind.holiday for row in days)
    console.print(f"{year} 年：{status}；法定节假日 {holidays} 天，调休上班日 {len(days) - holidays} 天", highlight=False)


@calendar_app.command("years")
def years() -> None:
    """列出已录入的年份，并提示今年、明年是否缺少节假日安排。"""
    with core_db.session_scope() as session:
        rows = [(row.year, _year_status(row)) for row in workdays.list_years(db_session=session)]
        missing = workdays.missing_years(db_session=session, clock=clock)
    for year, status in rows:
        typer.echo(f"{year}\t{status}")
    if missing:
        console.print(f"[yellow]警告[/yellow]：{'、'.join(map(str, missing))} 年的节假日安排尚未录入", highlight=False)


def _year_status(row: workdays.CalendarYear | None) -> str:
    if row is None:
        return "未录入（按仅周末休息计算，结果会被标记）"
    state = "已完整录入" if row.complete else "部分录入，尚未确认完整"
    return f"{state}（来源 {row.source}，{row.updated_at.date().isoformat()} 更新）"
