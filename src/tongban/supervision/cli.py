"""`tongban supervision …` commands: run the deadline scan now, print statistics (SUP-03, SUP-04)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

supervision_app = typer.Typer(help="电子监察", no_args_is_help=True)
console = Console()


@supervision_app.command("scan")
def scan_command() -> None:
    """立即扫描在办件的时限：记录新的预警、超期并督办（worker 每个周期也会自动执行）。"""
    from tongban.core import db as core_db
    from tongban.core.clock import SystemClock
    from tongban.supervision import warnings

    with core_db.session_scope() as session:
        result = warnings.scan(db_session=session, clock=SystemClock())
    console.print(f"扫描在办件 {result.scanned} 件，新增预警/超期 {len(result.raised)} 条，督办消息 {result.dispatched} 条")


@supervision_app.command("stats")
def stats_command(
    dimension: Annotated[str, typer.Option(help="agency / item / staff / period")] = "agency",
    start: Annotated[str, typer.Option(help="开始日期，默认 90 天前")] = "",
    end: Annotated[str, typer.Option(help="结束日期，默认今天")] = "",
    region: Annotated[str, typer.Option(help="行政区划代码前缀，默认全部")] = "",
) -> None:
    """打印统计表（全部地区，运维用；页面和接口按管辖范围显示）。"""
    from tongban.core import db as core_db
    from tongban.core.clock import SystemClock
    from tongban.core.errors import DomainError
    from tongban.supervision import stats
    from tongban.supervision.scope import Scope

    clock = SystemClock()
    with core_db.session_scope() as session:
        try:
            period = stats.period_of(clock=clock, start=start or None, end=end or None)
            report = stats.report(db_session=session, clock=clock, scope=Scope(region_prefix=region.strip()), period=period,
                                  dimension=dimension)
        except DomainError as exc:
            console.print(f"[red]{exc.message}[/red]")
            raise typer.Exit(2) from None
        table = Table(title=f"按{report.dimension.label}统计 {period.start} 至 {period.end}")
        for column in ("", "收件", "受理", "办结", "按时办结率", "平均天数", "退件率", "出错率", "故障剔除"):
            table.add_column(column or report.dimension.label)
        for row in [*report.rows, report.total]:
            table.add_row(row.label, str(row.received), str(row.accepted), str(row.decided), stats.percent(row.on_time_rate),
                          "—" if row.average_days is None else f"{row.average_days:.1f}", stats.percent(row.return_rate),
                          stats.percent(row.error_rate), str(row.excluded))
    console.print(table)
