"""`tongban appointments …` commands: open slots, close past days, list halls."""

from __future__ import annotations

import typer
from rich.console import Console

from tongban.appointments import calling, halls, queue, slots
from tongban.core import db as core_db
from tongban.core.clock import SystemClock

appointments_app = typer.Typer(help="预约、取号与服务地图", no_args_is_help=True)
console = Console()
clock = SystemClock()


@appointments_app.command("halls")
def list_halls() -> None:
    """列出政务服务场所、分组和今天的排队人数。"""
    with core_db.session_scope() as session:
        rows = halls.list_halls(db_session=session, active_only=False)
        waiting = queue.waiting_counts(db_session=session, clock=clock, hall_ids=[h.id for h in rows])
        for hall in rows:
            groups = "、".join(f"{g.ticket_prefix} {g.name}" for g in halls.groups_of(db_session=session, hall_id=hall.id))
            console.print(f"{hall.id:>4}  {hall.code:<14} {hall.name}  排队 {waiting.get(hall.id, 0)} 人  {groups}")


@appointments_app.command("open-slots")
def open_slots() -> None:
    """为每个可预约场所开放明天起的预约时段（页面打开时也会自动补齐）。"""
    with core_db.session_scope() as session:
        total = 0
        for hall in halls.list_halls(db_session=session):
            total += slots.open_slots(db_session=session, clock=clock, hall=hall)
    console.print(f"新开放预约时段 {total} 个")


@appointments_app.command("close-day")
def close_day() -> None:
    """结束已过去的预约日：未取号或取号未办理的预约记为失约，超过次数的暂停网上预约（每小时也自动执行）。"""
    with core_db.session_scope() as session:
        report = calling.close_day(db_session=session, clock=clock)
    console.print(f"记为失约 {report['no_shows']} 个，关闭未叫号的排队号 {report['tickets_closed']} 个")
