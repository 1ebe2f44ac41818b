"""The `tongban bundle` commands: list, check (exits 1 and names the path on a problem), graph, import and export."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.console import Console

from tongban.bundles import check as checker
from tongban.bundles import graph, service
from tongban.bundles.definition import BundleDefinition, parse
from tongban.core import db as core_db
from tongban.core.clock import SystemClock
from tongban.core.errors import DomainError

bundles_app = typer.Typer(help="一件事：列表、检查与流程图", no_args_is_help=True)
console = Console()
clock = SystemClock()


def _find(session, ref: str):
    """A bundle by id or by code."""
    if ref.isdigit():
        return service.get(db_session=session, bundle_id=int(ref))
    for bundle in service.all_bundles(db_session=session):
        if bundle.code == ref:
            return bundle
    raise typer.BadParameter(f"没有找到一件事 {ref}")


def _newest(session, bundle) -> tuple[str, BundleDefinition]:
    """The version to check: the open draft when there is one, else the live one."""
    version = service.open_version(db_session=session, bundle_id=bundle.id)
    if version is None and bundle.live_version_id is not None:
        version = service.get_version(db_session=session, version_id=bundle.live_version_id)
    if version is None:
        versions = service.history(db_session=session, bundle_id=bundle.id)
        version = versions[0]
    return f"第 {version.number} 版", BundleDefinition.model_validate(version.definition)


@bundles_app.command("list")
def list_bundles() -> None:
    """列出全部一件事及其状态。"""
    with core_db.session_scope() as session:
        for bundle in service.all_bundles(db_session=session):
            console.print(f"{bundle.id:>4}  {bundle.code:<18} {bundle.name}  {service.STATUS_LABELS.get(bundle.status, bundle.status)}")


@bundles_app.command("check")
def check(
    ref: str = typer.Argument("", help="一件事的编号或编码；不填则检查全部"),
    file: Path | None = typer.Option(None, "--file", help="检查一个 JSON 定义文件（不读数据库中的一件事）"),
) -> None:
    """检查一件事：每个问题可到达、没有死路、每个结果都能得出、事项均在办、规则不矛盾。有问题时退出码为 1。"""
    failed = False
    with core_db.session_scope() as session:
        targets: list[tuple[str, BundleDefinition | None, str]] = []
        if file is not None:
            try:
                targets.append((str(file), parse(json.loads(file.read_text(encoding="utf-8"))), ""))
            except (DomainError, ValueError) as exc:
                targets.append((str(file), None, getattr(exc, "message", str(exc))))
        else:
            bundles = [_find(session, ref)] if ref else service.all_bundles(db_session=session)
            for bundle in bundles:
                label, definition = _newest(session, bundle)
                targets.append((f"{bundle.code} {bundle.name}（{label}）", definition, ""))
        for name, definition, error in targets:
            problems = [error] if error else [p.describe() for p in checker.check(definition, db_session=session)]
            if problems:
                failed = True
                console.print(f"[red]✗[/red] {name}")
                for line in problems:
                    console.print(f"    {line}", markup=False)
            else:
                console.print(f"[green]✓[/green] {name}")
        if not targets:
            console.print("没有一件事")
    if failed:
        raise typer.Exit(1)


@bundles_app.command("graph")
def draw(
    ref: str = typer.Argument(..., help="一件事的编号或编码"),
    svg: bool = typer.Option(False, "--svg", help="输出 SVG 流程图"),
    out: Path | None = typer.Option(None, "--out", help="写入文件（默认输出到屏幕）"),
) -> None:
    """画出一件事的问答流程图（SVG）；不加 --svg 时以文字列出。"""
    with core_db.session_scope() as session:
        _label, definition = _newest(session, _find(session, ref))
    if svg:
        text = graph.flow_svg(definition)
    else:
        lines = []
        for q in definition.questions:
            lines.append(f"[{q.id}] {q.text}")
            lines += [f"    {o.label} → {o.next or '结束'}" for o in q.options]
        text = "\n".join(lines)
    if out is not None:
        out.write_text(text, encoding="utf-8")
        console.print(f"已写入 {out}")
    else:
        typer.echo(text)


@bundles_app.command("import")
def import_file(path: Path = typer.Argument(..., help="一个定义（对象）或多个定义（数组）的 JSON 文件")) -> None:
    """导入一件事定义：检查通过后发布（与事项目录一同交换）。"""
    data = json.loads(path.read_text(encoding="utf-8"))
    try:
        with core_db.session_scope() as session:
            read, made = service.import_definitions(db_session=session, clock=clock, data=data, by="导入")
    except DomainError as exc:
        console.print(f"[red]导入失败，未写入任何内容：[/red]{exc.message}", markup=True)
        raise typer.Exit(1) from None
    console.print(f"导入 {read} 个一件事，新发布 {made} 个")


@bundles_app.command("export")
def export(out: Path | None = typer.Option(None, "--out", help="写入文件（默认输出到屏幕）")) -> None:
    """导出全部已发布一件事的定义（JSON 数组）。"""
    with core_db.session_scope() as session:
        text = json.dumps(service.export_definitions(db_session=session), ensure_ascii=False, indent=1)
    if out is not None:
        out.write_text(text + "\n", encoding="utf-8")
        console.print(f"已写入 {out}")
    else:
        typer.echo(text)
