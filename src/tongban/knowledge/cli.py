"""`tongban consult analyse` (frequent question analysis, CONS-10) and `tongban eval routing` (message routing)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from tongban.core import db as core_db
from tongban.core.clock import SystemClock
from tongban.core.errors import DomainError

consult_app = typer.Typer(help="咨询服务：知识库与高频问题分析", no_args_is_help=True)
console = Console(stderr=True)
clock = SystemClock()


@consult_app.command("analyse")
def analyse(
    since: Annotated[str, typer.Option("--since", help="起始日期 YYYY-MM-DD")],
    region: Annotated[str, typer.Option("--region", help="事项以外的问题交给哪个地区的政务服务管理机构")] = "510000",
    dry_run: Annotated[bool, typer.Option("--dry-run", help="只分析，不生成草稿")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="输出 JSON")] = False,
) -> None:
    """把起始日期以来被问到的问题按意思归组；没有合适答复的问题组作为草稿交给负责机构。"""
    from tongban.knowledge import analysis, service

    try:
        day = date.fromisoformat(since)
    except ValueError:
        console.print("[red]错误[/red]：起始日期的格式应为 YYYY-MM-DD")
        raise typer.Exit(2) from None
    try:
        with core_db.session_scope() as session:
            report = analysis.analyse(db_session=session, clock=clock, since=service.since_start(day), region_code=region,
                                      propose=not dry_run)
            groups = [{"representative": g.representative, "count": g.count, "examples": g.examples,
                       "answered_by": g.answered_by, "answer_score": g.answer_score, "item_id": g.item_id,
                       "proposal_entry_id": g.proposal_entry_id} for g in report.groups]
    except DomainError as exc:
        console.print(f"[red]错误 {exc.code}[/red]：{exc.message}")
        raise typer.Exit(2) from None
    if as_json:
        typer.echo(json.dumps({"questions": report.questions, "groups": groups, "proposed": report.proposed,
                               "updated": report.updated}, ensure_ascii=False))
        return
    typer.echo(f"问题 {report.questions} 个，问题组 {len(groups)} 组；新建草稿 {report.proposed} 条，更新 {report.updated} 条")
    for g in groups:
        answered = f"已有答复 #{g['answered_by']}" if g["answered_by"] else "无合适答复"
        typer.echo(f"  {g['count']:>4} 次  {g['representative']}  （{answered}）")


def eval_routing(
    messages: Annotated[Path, typer.Option("--messages", exists=True, dir_okay=False, help="带一级分类的留言 CSV")],
    as_json: Annotated[bool, typer.Option("--json", help="输出一行 JSON")] = False,
    folds: Annotated[int, typer.Option("--folds", help="交叉验证折数")] = 5,
) -> None:
    """留言分派：按一级分类做 k 折交叉验证，同一次运行中给出对照（TF-IDF + 逻辑回归）的成绩。"""
    from tongban.knowledge import routing

    try:
        result = routing.cross_validate(routing.load_messages(messages), k=folds)
    except ValueError as exc:
        console.print(f"[red]错误[/red]：{exc}")
        raise typer.Exit(2) from None
    if as_json:
        typer.echo(json.dumps({k: result[k] for k in ("accuracy", "macro_f1", "n", "peer_accuracy")}))
        return
    typer.echo(f"留言 {result['n']} 条，{result['classes']} 类，{folds} 折交叉验证")
    typer.echo(f"准确率 {result['accuracy']:.3f}  宏平均 F1 {result['macro_f1']:.3f}  "
               f"对照（TF-IDF + 逻辑回归）准确率 {result['peer_accuracy']:.3f}  F1 {result['peer_macro_f1']:.3f}")
