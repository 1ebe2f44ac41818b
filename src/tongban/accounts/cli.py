"""`tongban staff|accounts|audit|baselib`: staff accounts and tokens, window registration, audit check, base libraries."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from tongban.core import db as core_db
from tongban.core.clock import SystemClock
from tongban.core.errors import DomainError

staff_app = typer.Typer(help="工作人员账号与接口令牌", no_args_is_help=True)
accounts_app = typer.Typer(help="用户账号（窗口注册）", no_args_is_help=True)
audit_app = typer.Typer(help="操作审计", no_args_is_help=True)
baselib_app = typer.Typer(help="人口库、法人库", no_args_is_help=True)

console = Console(stderr=True)
clock = SystemClock()


def _fail(exc: DomainError) -> None:
    console.print(f"[red]错误 {exc.code}[/red]：{exc.message}")
    raise typer.Exit(2)


@staff_app.command("create")
def staff_create(
    username: Annotated[str, typer.Option(help="登录用户名（小写字母开头）")],
    name: Annotated[str, typer.Option(help="姓名")],
    roles: Annotated[str, typer.Option(help="岗位，逗号分隔：consultant, advisor, acceptor, reviewer, decider, dispatcher, "
                                             "supervisor, operator, tech_support, catalog_editor, catalog_reviewer, manager, admin")],
    region: Annotated[str, typer.Option(help="所属地区（6 位区划代码）")] = "510000",
    agency_code: Annotated[str, typer.Option(help="所属实施机构的统一社会信用代码；管理机构人员留空")] = "",
    phone: Annotated[str, typer.Option(help="手机号（登录验证码和通知用）")] = "",
) -> None:
    """开通工作人员账号；初始密码只显示这一次，首次登录须修改。"""
    from tongban.accounts import staff
    from tongban.catalog.regions import get_agency_by_code

    with core_db.session_scope() as session:
        try:
            agency_id = get_agency_by_code(db_session=session, code=agency_code).id if agency_code else None
            account, password = staff.create(
                db_session=session, clock=clock, by=None, by_ref="cli",
                staff_in=staff.StaffIn(username=username, name=name, roles=[r for r in roles.split(",") if r.strip()],
                                       region_code=region, agency_id=agency_id, phone=phone or None),
            )
        except DomainError as exc:
            _fail(exc)
        account_id = account.id
    console.print(f"工作人员账号 #{account_id}（{username}）已开通。初始密码（只显示这一次，首次登录须修改）：")
    typer.echo(password)


@staff_app.command("list")
def staff_list() -> None:
    """列出工作人员账号。"""
    from sqlalchemy import select

    from tongban.accounts.models import StaffAccount

    with core_db.session_scope() as session:
        for row in session.scalars(select(StaffAccount).order_by(StaffAccount.id)):
            typer.echo(f"#{row.id}\t{row.username}\t{row.name}\t{','.join(row.roles)}\t{row.region_code}\t{row.status}")


@staff_app.command("create-token")
def create_token(
    username: Annotated[str, typer.Option(help="工作人员用户名")],
    label: Annotated[str, typer.Option(help="用途说明")] = "API",
) -> None:
    """为工作人员账号创建接口令牌；令牌只显示这一次，库中只存其 SM3 摘要。"""
    from sqlalchemy import select

    from tongban.accounts import staff
    from tongban.accounts.models import StaffAccount

    with core_db.session_scope() as session:
        account = session.scalar(select(StaffAccount).where(StaffAccount.username == username.strip().lower()))
        if account is None:
            _fail(DomainError("STAFF_NOT_FOUND", "没有这个工作人员账号"))
        row, clear = staff.create_token(db_session=session, clock=clock, staff_id=account.id, label=label)
        token_id = row.id
    console.print(f"令牌 #{token_id} 已创建。请妥善保存，它不会再次显示：")
    typer.echo(clear)


@staff_app.command("revoke-token")
def revoke_token(token_id: int) -> None:
    """吊销令牌。"""
    from tongban.accounts import staff

    with core_db.session_scope() as session:
        try:
            staff.revoke_token(db_session=session, clock=clock, token_id=token_id)
        except DomainError as exc:
            _fail(exc)
    console.print(f"令牌 #{token_id} 已吊销")


@staff_app.command("list-tokens")
def list_tokens() -> None:
    """列出令牌（不含令牌本身）。"""
    from tongban.accounts import staff

    with core_db.session_scope() as session:
        for row in staff.list_tokens(db_session=session):
            state = "已吊销" if row.revoked_at else "有效"
            typer.echo(f"#{row.id}\tstaff #{row.staff_id}\t{row.label}\t{state}\t创建于 {row.created_at:%Y-%m-%d %H:%M}")


@accounts_app.command("create-person")
def create_person(
    name: Annotated[str, typer.Option(help="姓名")],
    id_number: Annotated[str, typer.Option(help="证件号码")],
    phone: Annotated[str, typer.Option(help="手机号码")],
    id_kind: Annotated[str, typer.Option(help="证件类型，默认居民身份证 resident_id")] = "resident_id",
    nationality: Annotated[str, typer.Option(help="国籍（护照必填，ISO 3166 三位字母）")] = "",
) -> None:
    """窗口注册：核验证件后开通账号，显示随机初始密码（首次登录须修改，手机号在首次登录时以验证码确认）。"""
    from tongban.accounts import persons
    from tongban.accounts.identity import mask
    from tongban.baselib.service import TableBaseLibrary

    with core_db.session_scope() as session:
        try:
            person, password = persons.register_at_window(
                db_session=session, clock=clock, library=TableBaseLibrary(session), actor=None, name=name, id_kind=id_kind,
                id_number=id_number, phone=phone, nationality=nationality or None,
            )
        except DomainError as exc:
            _fail(exc)
        person_id, masked = person.id, mask(person.id_kind, person.id_number)
    console.print(f"账号 #{person_id}（{name}，{masked}）已开通。初始密码（只显示这一次，首次登录须修改）：")
    typer.echo(password)


@audit_app.command("verify")
def audit_verify() -> None:
    """核对审计记录的 SM3 哈希链；有记录被改动或删除时以非零状态退出，并指出第一条问题记录。"""
    from tongban.core.audit import verify

    with core_db.session_scope() as session:
        result = verify(db_session=session)
    if result.ok:
        console.print(f"审计链完整：共 {result.checked} 条记录")
        return
    console.print(f"[red]审计链被破坏[/red]：{result.reason}（已核对 {result.checked} 条）")
    typer.echo(f"first bad entry: seq {result.bad_seq}")
    raise typer.Exit(1)


@baselib_app.command("import")
def baselib_import(
    library: Annotated[str, typer.Argument(help="population（人口库）、legal-persons（法人库）、credit（信用库）或 attributes（人口属性）")],
    path: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="CSV 文件（UTF-8）")],
) -> None:
    """从 CSV 导入基础库。人口库列：id_kind,id_number,name,status,social_security_card,bank_card,housing_fund,driving_licence；
    法人库列：uscc,name,org_kind,legal_rep_name,legal_rep_id_kind,legal_rep_id_number,status；
    信用库列：subject,grade,valid_until,source（可选 reason,id_kind）；人口属性列：id_kind,id_number,attribute,value（可选 source）。"""
    from tongban.baselib import service

    run = {"population": service.import_population, "legal-persons": service.import_legal_persons,
           "credit": service.import_credit, "attributes": service.import_attributes}.get(library)
    if run is None:
        _fail(DomainError("LIBRARY_UNKNOWN", "基础库只能是 population、legal-persons、credit 或 attributes"))
    with console.status("导入中…") as status, core_db.session_scope() as session:
        try:
            result = run(db_session=session, clock=clock, path=path, progress=lambda n: status.update(f"已读 {n} 行"))
        except DomainError as exc:
            _fail(exc)
    console.print(f"新增 {result.added} 条，更新 {result.updated} 条，跳过 {len(result.errors or [])} 条")
    for line in (result.errors or [])[:20]:
        console.print(f"  - {line}")
    if result.errors:
        raise typer.Exit(1)
