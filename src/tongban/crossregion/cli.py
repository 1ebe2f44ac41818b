"""The `tongban crossregion` commands."""

from __future__ import annotations

import typer
from rich.console import Console

from tongban.core import db as core_db
from tongban.crossregion import handover, liaisons, records, zone
from tongban.crossregion.enums import Side
from tongban.crossregion.models import Handover

crossregion_app = typer.Typer(help="跨域通办：清单、异地代收与联络员名录", no_args_is_help=True)
console = Console()


@crossregion_app.command("items")
def list_items(scope: str = typer.Option("province", help="province（全省通办）或 cross_province（跨省通办）"),
               region: str = typer.Option("", help="行政区划代码，如 511602")) -> None:
    """列出全省通办或跨省通办事项及其办理地。"""
    with core_db.session_scope() as session:
        found, total = zone.items(db_session=session, scope=scope, region_code=region or None, limit=200)
        for item in found:
            console.print(f"{item.id:>6}  {item.region_code}  {item.name}  {item.agency_name}  {item.place.label}")
        console.print(f"共 {total} 项")


@crossregion_app.command("liaisons")
def list_liaisons(region: str = typer.Option("", help="行政区划代码"), item: str = typer.Option("", help="事项")) -> None:
    """查询跨域通办联络员名录（电话已打码）。"""
    from tongban.core.pii import mask_phone

    with core_db.session_scope() as session:
        for row in liaisons.search(db_session=session, region_code=region, item=item):
            console.print(f"{row.region_code}  {row.contact_name}  {mask_phone(row.phone)}  {'、'.join(row.items)}")


@crossregion_app.command("handovers")
def list_handovers(side: str = typer.Option("sent", help="sent（收件地）或 received（属地）")) -> None:
    """列出本安装的跨域通办交接记录。"""
    from sqlalchemy import select

    with core_db.session_scope() as session:
        rows = session.scalars(select(Handover).where(Handover.side == Side(side).value).order_by(Handover.id.desc()).limit(100))
        for row in rows:
            console.print(f"{row.id:>5}  {row.envelope_id[:12]}  {row.origin_region}→{row.handling_region}  "
                          f"{row.item_name}  {row.case_number}  {row.state}")
    console.print(f"本安装：{handover.installation()}；列表视图：{'、'.join(records.VIEWS.values())}")
