"""The `tongban` command: serve, database, seed, import/export, catalog lint, accounts, audit, search."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from tongban.core import db as core_db
from tongban.core.clock import SystemClock
from tongban.core.errors import DomainError

app = typer.Typer(help="通办 tongban：一体化政务服务平台", no_args_is_help=True, add_completion=False)
db_app = typer.Typer(help="数据库", no_args_is_help=True)
seed_app = typer.Typer(help="示例数据", no_args_is_help=True)
import_app = typer.Typer(help="导入事项", no_args_is_help=True)
catalog_app = typer.Typer(help="事项库", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(seed_app, name="seed")
app.add_typer(import_app, name="import")
app.add_typer(catalog_app, name="catalog")
from tongban.accounts.cli import accounts_app, audit_app, baselib_app, staff_app  # noqa: E402

app.add_typer(staff_app, name="staff")
app.add_typer(accounts_app, name="accounts")
app.add_typer(audit_app, name="audit")
app.add_typer(baselib_app, name="baselib")
regions_app = typer.Typer(help="行政区划", no_args_is_help=True)
app.add_typer(regions_app, name="regions")
from tongban.workdays.cli import calendar_app  # noqa: E402

app.add_typer(calendar_app, name="calendar")
from tongban.appointments.cli import appointments_app  # noqa: E402
from tongban.supervision.cli import supervision_app  # noqa: E402

app.add_typer(supervision_app, name="supervision")
app.add_typer(appointments_app, name="appointments")
from tongban.bundles.cli import bundles_app  # noqa: E402
from tongban.credit.cli import credit_app  # noqa: E402
from tongban.crossregion.cli import crossregion_app  # noqa: E402
from tongban.policies.cli import policies_app  # noqa: E402

app.add_typer(bundles_app, name="bundle")
app.add_typer(credit_app, name="credit")
app.add_typer(policies_app, name="policy")
app.add_typer(crossregion_app, name="crossregion")

console = Console(stderr=True)
clock = SystemClock()


def _fail(exc: DomainError) -> None:
    console.print(f"[red]错误 {exc.code}[/red]：{exc.message}")
    if isinstance(exc.details, list):
        for line in exc.details[:20]:
            console.print(f"  - {line}")
    raise typer.Exit(2)


def _progress(label: str) -> Progress:
    return Progress(
        TextColumn(label), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=console, transient=False
    )


def _ready_to_start(settings) -> None:
    """What `serve` and `worker` check before starting: the adapters allowed in this environment (exit 3), a database
    that answers and whose schema is current (exit 4); then say which adapters are in use."""
    from tongban.core.config import DevelopmentAdapterError, check_adapters
    from tongban.core.migrate import behind

    try:
        in_use = check_adapters(settings)
    except DevelopmentAdapterError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(3) from None

    try:
        lagging = behind(settings.database_url)
    except Exception as exc:  # noqa: BLE001  (any driver's error: the message names it)
        console.print(f"[red]无法连接数据库（{settings.database_url.split('@')[-1]}）：{exc.__class__.__name__}。请检查 TONGBAN_DATABASE_URL。[/red]")
        raise typer.Exit(4) from None
    if lagging is not None:
        have, want = lagging
        console.print(f"[red]数据库结构不是最新（数据库为 {have or '空库'}，程序需要 {want}），拒绝启动。"
                      "请先运行 tongban db upgrade（或 make run，它会先迁移并载入演示数据）。[/red]")
        raise typer.Exit(4)
    console.print(f"运行环境 {settings.env}；使用的适配器：" + "；".join(f"{a.role} {a.choice}" for a in in_use))


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="监听地址")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="端口")] = 8000,
    workers: Annotated[int, typer.Option(help="进程数（PostgreSQL 时可多进程）")] = 1,
) -> None:
    """启动门户与接口服务（开发用适配器只在 TONGBAN_ENV=development 时可用）。"""
    import uvicorn

    from tongban.core.config import get_settings, serving_at

    public_url = serving_at(host, port)  # documents' QR codes and 核验地址 follow --host/--port unless TONGBAN_PUBLIC_URL is set
    settings = get_settings()
    _ready_to_start(settings)
    console.print(f"通办已启动：http://{host}:{port}/  （接口文档 /docs，Ctrl+C 退出）；文书二维码与核验地址使用 {public_url}")
    uvicorn.run("tongban.app:serve_app", factory=True, host=host, port=port, workers=workers, log_level="info")


@db_app.command("upgrade")
def db_upgrade() -> None:
    """执行数据库迁移到最新版本，并载入行政区划代码和 chinesecalendar 已知年份的节假日安排。"""
    from tongban.catalog.regions import load_regions
    from tongban.core.migrate import upgrade

    from tongban.accounts.policies import ensure_defaults
    from tongban.workdays.service import seed_from_chinesecalendar

    upgrade()
    with core_db.session_scope() as session:
        added = load_regions(db_session=session)
        ensure_defaults(db_session=session, clock=clock)
        seeded = seed_from_chinesecalendar(db_session=session, clock=clock)
    console.print(f"数据库已是最新版本（新增行政区划 {added} 条，新增节假日安排 {len(seeded)} 年）")


@seed_app.command("demo")
def seed_demo(if_empty: Annotated[bool, typer.Option("--if-empty", help="事项库非空时跳过")] = False) -> None:
    """载入演示事项库（幂等：重复执行不会产生变化）。"""
    from tongban.catalog.demo import catalog_is_empty
    from tongban.catalog.demo import seed_demo as run

    with core_db.session_scope() as session:
        skip_catalog = if_empty and not catalog_is_empty(db_session=session)
    if skip_catalog:
        console.print("事项库已有数据，跳过演示事项")
        _seed_demo_accounts()
        return
    with core_db.session_scope() as session:
        with _progress("载入演示事项") as bar:
            task = bar.add_task("seed", total=None)
            try:
                report = run(db_session=session, clock=clock, progress=lambda i, n: bar.update(task, completed=i, total=n))
            except DomainError as exc:
                _fail(exc)
    from tongban.publications.demo import seed_demo as seed_publications

    with core_db.session_scope() as session:
        publications = seed_publications(db_session=session, clock=clock)
    console.print(
        f"演示数据：实施机构 {report['agencies']} 个，事项 {report['items']} 项（新建 {report['created']}，更新 {report['updated']}），"
        f"新增政策法规与公告 {publications} 篇"
    )
    _seed_demo_accounts()


def _seed_demo_accounts() -> None:
    from tongban.accounts.demo import seed_demo as seed_accounts

    with core_db.session_scope() as session:
        counts = seed_accounts(db_session=session, clock=clock)
    console.print(
        f"演示账号：人口库 {counts['population']} 人，法人库 {counts['legal_persons']} 家，新开账号 {counts['accounts']} 个"
        "（工作人员 admin/manager/window/examiner/decider/editor/reviewer/cityreviewer/supervisor，各自做什么见 README，市民 李梅 511602198507261174；密码 tongban-demo1；"
        "短信验证码写入 var/sms.jsonl）"
    )
    from tongban.appointments.demo import seed_demo as seed_appointments
    from tongban.supervision.demo import seed_demo as seed_supervision

    from tongban.knowledge.demo import seed_demo as seed_knowledge
    from tongban.complaints.demo import seed_demo as seed_complaints
    from tongban.ratings.demo import seed_demo as seed_ratings
    from tongban.bundles.demo import seed_demo as seed_bundles
    from tongban.credit.demo import seed_demo as seed_credit
    from tongban.policies.demo import seed_demo as seed_policies
    from tongban.crossregion.demo import seed_demo as seed_crossregion

    # ratings after supervision (its demo closes the case that is rated)
    for seed in (seed_supervision, seed_appointments, seed_knowledge, seed_ratings, seed_complaints, seed_bundles,
                 seed_credit, seed_policies, seed_crossregion):
        with core_db.session_scope() as session:
            line = seed(db_session=session, clock=clock)
        if line:
            console.print(line)


@import_app.command("sichuan")
def import_sichuan(path: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="items.json")]) -> None:
    """导入四川政务服务网事项（广安区 1,135 项），保留原编码；可重复执行。"""
    from tongban.catalog.sichuan import import_sichuan as run

    with core_db.session_scope() as session:
        with _progress("导入四川事项") as bar:
            task = bar.add_task("import", total=None)
            try:
                report = run(db_session=session, clock=clock, path=path, progress=lambda i, n: bar.update(task, completed=i, total=n))
            except DomainError as exc:
                _fail(exc)
    _print_report(report)


@import_app.command("file")
def import_file(
    path: Annotated[Path, typer.Argument(exists=True, dir_okay=False)],
    fmt: Annotated[str, typer.Option("--format", help="json、csv 或 xlsx；默认按扩展名")] = "",
) -> None:
    """从 JSON、CSV 或 XLSX 导入事项（与导出格式相同）。"""
    from tongban.catalog.exchange import import_items

    fmt = fmt or path.suffix.lstrip(".").lower()
    with core_db.session_scope() as session:
        with _progress("导入事项") as bar:
            task = bar.add_task("import", total=None)
            try:
                report = import_items(
                    db_session=session, clock=clock, data=path.read_bytes(), fmt=fmt, by="命令行导入",
                    progress=lambda i, n: bar.update(task, completed=i, total=n),
                )
            except DomainError as exc:
                _fail(exc)
    _print_report(report)


def _print_report(report) -> None:
    console.print(
        f"新建 {report.created}，更新 {report.updated}，未变 {report.unchanged}，新建机构 {report.agencies_created}"
    )
    for line in report.errors[:50]:
        console.print(f"[yellow]  {line}[/yellow]")


@app.command("export")
def export(
    path: Annotated[Path, typer.Argument(help="输出文件；扩展名决定格式")],
    fmt: Annotated[str, typer.Option("--format", help="json、csv 或 xlsx")] = "",
) -> None:
    """导出全部已发布事项（JSON、CSV 或 XLSX，可再导入）。"""
    from tongban.catalog.exchange import export_items

    fmt = fmt or path.suffix.lstrip(".").lower()
    with core_db.session_scope() as session:
        try:
            data = export_items(db_session=session, fmt=fmt)
        except DomainError as exc:
            _fail(exc)
    path.write_bytes(data)
    console.print(f"已导出到 {path}（{len(data)} 字节）")


@catalog_app.command("lint")
def catalog_lint(as_json: Annotated[bool, typer.Option("--json", help="输出 JSON")] = False) -> None:
    """检查事项库：无依据的条件或材料、兜底材料、缺样本、循环前置、环节问题、线上线下不一致、跨区域不一致。"""
    from tongban.catalog.lint import run_lint

    with core_db.session_scope() as session:
        findings = run_lint(db_session=session)
    if as_json:
        typer.echo(json.dumps([f.__dict__ for f in findings], ensure_ascii=False, indent=1))
    else:
        for f in findings:
            typer.echo(f"{f.severity.upper():7} {f.code:28} [{f.item_id}] {f.item_name}：{f.message}")
        typer.echo(f"共 {len(findings)} 条问题")
    if any(f.severity == "error" for f in findings):
        raise typer.Exit(1)


@regions_app.command("add")
def regions_add(
    code: Annotated[str, typer.Argument(help="9 位乡镇（街道）或 12 位村（社区）代码")],
    name: Annotated[str, typer.Argument(help="名称")],
    parent: Annotated[str, typer.Option(help="上级区划代码")],
) -> None:
    """新增乡镇（街道）或村（社区）。"""
    from tongban.catalog.regions import add_region

    with core_db.session_scope() as session:
        try:
            region = add_region(db_session=session, code=code, name=name, parent_code=parent)
        except DomainError as exc:
            _fail(exc)
        console.print(f"已新增 {region.name}（{region.code}，{region.level}）")


@regions_app.command("list")
def regions_list(parent: Annotated[str, typer.Option(help="上级区划代码")] = "000000") -> None:
    """列出下级行政区划。"""
    from tongban.catalog.regions import children

    with core_db.session_scope() as session:
        for region in children(db_session=session, code=parent):
            typer.echo(f"{region.code}\t{region.name}\t{region.level}")


if __name__ == "__main__":
    app()


# ---------------------------------------------------------------- search

eval_app = typer.Typer(help="质量评估", no_args_is_help=True)
app.add_typer(eval_app, name="eval")
from tongban.knowledge.cli import consult_app, eval_routing  # noqa: E402

app.add_typer(consult_app, name="consult")
eval_app.command("routing")(eval_routing)


@eval_app.command("search")
def eval_search(
    sichuan: Annotated[Path, typer.Option("--sichuan", exists=True, dir_okay=False, help="四川事项 items.json")],
    queries: Annotated[Path, typer.Option("--queries", exists=True, dir_okay=False, help="检索词 TSV：检索词<TAB>期望事项|期望事项")],
    as_json: Annotated[bool, typer.Option("--json", help="最后一行输出 JSON 结果")] = False,
    misses: Annotated[bool, typer.Option("--misses", help="列出未排第一的检索词")] = False,
) -> None:
    """把四川事项载入临时数据库，逐条检索，输出 MRR、前5命中率与 p50/p99 延迟。"""
    from tongban.search.evaluate import engine_search, evaluate, load_queries, sichuan_engine

    try:
        pairs = load_queries(queries)
    except ValueError as exc:
        console.print(f"[red]错误[/red]：{exc}")
        raise typer.Exit(2) from None
    with _progress("载入四川事项") as bar:
        task = bar.add_task("import", total=None)
        engine = sichuan_engine(sichuan, clock, progress=lambda i, n: bar.update(task, completed=i, total=n))
    metrics = evaluate(engine_search(engine), pairs)
    if misses:
        for miss in metrics.misses:
            console.print(f"  [{miss.rank or '-'}] {miss.query} → {'|'.join(miss.expected)}；前三：{'、'.join(miss.got)}")
    typer.echo(f"事项 {len(engine)} 条，检索词 {metrics.n} 条")
    typer.echo(f"MRR {metrics.mrr:.3f}  前5命中率 {metrics.hit5:.3f}  p50 {metrics.p50_ms:.2f} ms  p99 {metrics.p99_ms:.2f} ms")
    if as_json:
        typer.echo(json.dumps(metrics.as_dict()))


@eval_app.command("assistant")
def eval_assistant(
    sichuan: Annotated[Path, typer.Option("--sichuan", exists=True, dir_okay=False, help="四川事项 items.json")],
    queries: Annotated[Path, typer.Option("--queries", exists=True, dir_okay=False, help="问题 TSV：问题<TAB>期望事项|期望事项<TAB>所问信息")],
    as_json: Annotated[bool, typer.Option("--json", help="最后一行输出 JSON 结果")] = False,
    misses: Annotated[bool, typer.Option("--misses", help="列出答错的问题")] = False,
) -> None:
    """把四川事项载入临时数据库，逐条提问，输出事项命中率、所问信息准确率、转其他途径的正确率与延迟。"""
    from tongban.assistant.evaluate import assistant_answer, evaluate, load_questions, sichuan_session
    from tongban.search.service import SearchHub

    try:
        questions = load_questions(queries)
    except ValueError as exc:
        console.print(f"[red]错误[/red]：{exc}")
        raise typer.Exit(2) from None
    with _progress("载入四川事项") as bar:
        task = bar.add_task("import", total=None)
        session = sichuan_session(sichuan, clock, progress=lambda i, n: bar.update(task, completed=i, total=n))
    with session:
        metrics = evaluate(assistant_answer(session, clock, SearchHub()), questions)
    if misses:
        for miss in metrics.misses:
            console.print(f"  {miss}")
    typer.echo(f"问题 {metrics.n} 条，反问 {metrics.asked_back} 条")
    typer.echo(f"事项首位命中 {metrics.item_hit1:.3f}  前5命中 {metrics.item_hit5:.3f}  所问信息 {metrics.fact_acc:.3f}  "
               f"无事项转出 {metrics.no_item_ok:.3f}  p50 {metrics.p50_ms:.2f} ms  p99 {metrics.p99_ms:.2f} ms")
    if as_json:
        typer.echo(json.dumps(metrics.as_dict()))


@app.command("search")
def search_command(
    q: Annotated[str, typer.Argument(help="检索词")],
    limit: Annotated[int, typer.Option(help="条数")] = 10,
) -> None:
    """在当前数据库中检索（与门户同一引擎）。"""
    from tongban.search.service import SearchHub

    with core_db.session_scope() as session:
        engine = SearchHub().engine_for(session, clock)
    plan, result = engine.search(q, limit=limit)
    for group in plan.groups:
        official = [a.text for a in group.alternatives if not a.literal]
        if official:
            typer.echo(f"理解：{group.span} → {'、'.join(official)}")
    typer.echo(f"共 {result.total} 条")
    for n, hit in enumerate(result.hits, start=1):
        typer.echo(f"{n:>2}. {hit.doc.title}  （{hit.doc.subtitle}）  {hit.score:.2f}")


# ---------------------------------------------------------------- jobs (outbox worker)

jobs_app = typer.Typer(help="后台作业", no_args_is_help=True)
app.add_typer(jobs_app, name="jobs")


@app.command()
def worker(
    once: Annotated[bool, typer.Option("--once", help="处理完当前到期的作业后退出（可由 cron 调用）")] = False,
    concurrency: Annotated[int, typer.Option("--concurrency", "-c", min=1, help="工作进程数（PostgreSQL 上可多进程、多机）")] = 1,
    name: Annotated[str, typer.Option(help="工作进程名前缀（默认主机名），记录在作业的 locked_by")] = "",
    batch: Annotated[int, typer.Option(min=1, max=500, help="每次领取的作业数")] = 20,
    poll: Annotated[float, typer.Option(min=0.05, help="空闲时查询间隔（秒）")] = 1.0,
) -> None:
    """运行后台作业：消息通知、时限扫描、提醒。SIGTERM 或 Ctrl+C 时做完手头作业再退出。"""
    from tongban.core.config import get_settings
    from tongban.notify.worker import run_workers

    settings = get_settings()
    _ready_to_start(settings)  # the worker sends the SMS and seals the documents: the same rules as `serve`
    console.print(f"后台作业进程已启动（{concurrency} 个进程，Ctrl+C 退出）")
    raise typer.Exit(run_workers(concurrency=concurrency, once=once, name=name, batch=batch, poll=poll))


@jobs_app.command("status")
def jobs_status() -> None:
    """按状态统计作业，并列出最近的失败作业。"""
    from tongban.notify.outbox import counts, dead_jobs

    with core_db.session_scope() as session:
        by_status = counts(db_session=session)
        dead = dead_jobs(db_session=session, limit=20)
        typer.echo("  ".join(f"{status} {n}" for status, n in sorted(by_status.items())) or "没有作业")
        for job in dead:
            typer.echo(f"[{job.id}] {job.kind} 尝试 {job.attempts} 次：{job.last_error[:120]}")


@jobs_app.command("retry")
def jobs_retry(job_id: Annotated[int, typer.Argument(help="失败作业编号")]) -> None:
    """让失败（dead）的作业重新排队。"""
    from tongban.notify.outbox import retry

    with core_db.session_scope() as session:
        try:
            job = retry(db_session=session, clock=clock, job_id=job_id)
        except DomainError as exc:
            _fail(exc)
        console.print(f"作业 {job.id}（{job.kind}）已重新排队")
