"""The `tongban credit` commands."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

from tongban.core import db as core_db
from tongban.core.clock import SystemClock

credit_app = typer.Typer(help="信用审批：名单、信用等级、承诺核查与信用修复", no_args_is_help=True)
console = Console()


@credit_app.command("lists")
def show_lists(kind: Annotated[str, typer.Option(help="instant / exempt_review / tolerant / pledge；留空为全部")] = "") -> None:
    """列出信用审批事项清单。"""
    from tongban.core.errors import DomainError
    from tongban.credit import lists

    with core_db.session_scope() as session:
        try:
            rows = lists.entries(db_session=session, list_kind=kind)
        except DomainError as exc:
            console.print(f"[red]错误 {exc.code}[/red]：{exc.message}")
            raise typer.Exit(2) from None
        for e in rows:
            console.print(f"{e.list_kind.label}\t#{e.item_id} {e.item_name}\t{e.agency_name}")
        console.print(f"共 {len(rows)} 条")


@credit_app.command("grade")
def grade(number: Annotated[str, typer.Argument(help="居民身份证号码或统一社会信用代码")],
          id_kind: Annotated[str, typer.Option(help="证件类型；法人填 uscc")] = "resident_id") -> None:
    """查询一个主体在信用库中现行有效的信用等级。"""
    from tongban.baselib.service import TableBaseLibrary

    with core_db.session_scope() as session:
        standing = TableBaseLibrary(session).credit_of(id_kind, number.strip().upper(), today=SystemClock().today())
        if standing is None:
            console.print("信用库中没有有效记录（按一般程序办理）")
        else:
            console.print(f"{standing.grade.label}（{standing.source}，有效期至 {standing.valid_until}）{standing.reason}")
