"""The `tongban policy` commands."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

from tongban.core import db as core_db
from tongban.core.clock import SystemClock
from tongban.core.errors import DomainError

policies_app = typer.Typer(help="免申即享：政策匹配与兑现", no_args_is_help=True)
console = Console()
clock = SystemClock()


def _fail(exc: DomainError) -> None:
    console.print(f"[red]错误 {exc.code}[/red]：{exc.message}")
    raise typer.Exit(2)


@policies_app.command("list")
def list_policies() -> None:
    """列出政策。"""
    from tongban.policies import rules, service

    with core_db.session_scope() as session:
        for policy in service.all_policies(db_session=session):
            text = "；".join(c.describe() for c in rules.parse(policy.conditions))
            console.print(f"#{policy.id} {policy.name}（{policy.status}）：{policy.benefit}｜{text}")


@policies_app.command("match")
def match(policy_id: Annotated[int, typer.Argument(help="政策编号")],
          dry_run: Annotated[bool, typer.Option("--dry-run", help="只试算，列出符合条件的人（脱敏），不告知、不发放")] = False) -> None:
    """把政策条件与基础库比对：告知符合条件的人，告知期满未放弃的自动发放。"""
    from tongban.baselib.service import TableBaseLibrary
    from tongban.policies import service

    with core_db.session_scope() as session:
        try:
            policy = service.get(db_session=session, policy_id=policy_id)
            library = TableBaseLibrary(session)
            if dry_run:
                result = service.dry_run(db_session=session, clock=clock, library=library, policy=policy)
                for person in result.shown:
                    console.print(f"  {person.name_masked}\t{person.id_masked}\t{person.data}")
                console.print(f"试算：符合条件 {result.eligible} 人（已告知 {result.already_offered} 人），未写入任何记录")
                session.rollback()
                return
            done = service.match(db_session=session, clock=clock, library=library, policy=policy, by="cli")
        except DomainError as exc:
            _fail(exc)
    console.print(f"符合条件 {done.eligible} 人，新告知 {done.offered} 人（站内信/短信 {done.notified} 人）")


@policies_app.command("grant-due")
def grant_due() -> None:
    """发放告知期已满且未放弃的待遇（每日任务 policies.match 也会做）。"""
    from tongban.policies import service

    with core_db.session_scope() as session:
        count = service.grant_due(db_session=session, clock=clock, by="cli")
    console.print(f"已发放 {count} 项")
