"""Staff accounts: creation with roles and scope, API tokens, look-up (002 §7; 003 后台管理)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from tongban.accounts.access import Permission, StaffActor, StaffRole
from tongban.accounts.identity import normalize_phone
from tongban.accounts.models import StaffAccount, StaffToken
from tongban.accounts import session_store
from tongban.accounts.passwords import check_password, check_strength, hash_password, initial_password
from tongban.accounts.verification import phone_hash
from tongban.core import audit
from tongban.core.clock import Clock
from tongban.core.errors import Conflict, InvalidInput, NotFound, Unauthorized
from tongban.core.security import new_token, token_hash

_USERNAME = re.compile(r"^[a-z][a-z0-9_.-]{2,59}$")


@dataclass(frozen=True)
class StaffIn:
    username: str
    name: str
    roles: list[str]
    region_code: str
    agency_id: int | None = None
    phone: str | None = None


def parse_roles(values: list[str]) -> frozenset[StaffRole]:
    roles = set()
    for value in values:
        try:
            roles.add(StaffRole(value.strip()))
        except ValueError:
            names = "、".join(f"{r.label}({r.value})" for r in StaffRole)
            raise InvalidInput("BAD_ROLE", f"没有岗位“{value}”，可选：{names}") from None
    if not roles:
        raise InvalidInput("ROLE_REQUIRED", "请至少选择一个岗位")
    return frozenset(roles)


def actor_for(account: StaffAccount, *, token_id: int | None = None) -> StaffActor:
    return StaffActor(
        staff_id=account.id, name=account.name, roles=frozenset(StaffRole(r) for r in account.roles),
        agency_id=account.agency_id, region_code=account.region_code, token_id=token_id,
    )


def create(
    *, db_session: Session, clock: Clock, staff_in: StaffIn, by: StaffActor | None, by_ref: str = "cli"
) -> tuple[StaffAccount, str]:
    """Open a staff account with a random initial password that must be changed at first login."""
    roles = parse_roles(staff_in.roles)
    username = staff_in.username.strip().lower()
    if not _USERNAME.match(username):
        raise InvalidInput("USERNAME_FORMAT", "用户名须以字母开头，3–60 位小写字母、数字、点、下划线或连字符")
    if not re.fullmatch(r"\d{6}", staff_in.region_code or ""):
        raise InvalidInput("REGION_CODE", "所属地区须为 6 位行政区划代码")
    if not staff_in.name.strip():
        raise InvalidInput("NAME_REQUIRED", "请填写姓名")
    if staff_in.agency_id is None and roles & {StaffRole.catalog_editor, StaffRole.acceptor, StaffRole.reviewer, StaffRole.decider}:
        raise InvalidInput("AGENCY_REQUIRED", "受理、审查、决定和事项编辑岗位必须属于一个实施机构")
    if by is not None:
        by.require(Permission.staff_admin, agency_id=staff_in.agency_id, region_code=staff_in.region_code)
        by_ref = by.ref
    if db_session.scalar(select(StaffAccount.id).where(StaffAccount.username == username)):
        raise Conflict("USERNAME_TAKEN", "这个用户名已被使用")
    phone = normalize_phone(staff_in.phone) if staff_in.phone else None
    password = initial_password()
    account = StaffAccount(
        username=username, name=staff_in.name.strip(), roles=sorted(r.value for r in roles), agency_id=staff_in.agency_id,
        region_code=staff_in.region_code, phone=phone, phone_hash=phone_hash(phone) if phone else None,
        password_hash=hash_password(password), must_change_password=True, status="active", created_at=clock.now(),
    )
    db_session.add(account)
    db_session.flush()
    audit.record(db_session=db_session, clock=clock, actor=by_ref, action="staff.create", object_kind="staff",
                 object_id=account.id, details={"username": username, "roles": account.roles, "agency_id": account.agency_id})
    return account, password


def get(*, db_session: Session, staff_id: int) -> StaffAccount:
    account = db_session.get(StaffAccount, staff_id)
    if account is None:
        raise NotFound("STAFF_NOT_FOUND", "没有这个工作人员账号")
    return account


def get_in_scope(*, db_session: Session, actor: StaffActor, staff_id: int, permission: Permission) -> StaffAccount:
    """Look up another staff account only within the actor's agency and region (no cross-agency peeking)."""
    account = get(db_session=db_session, staff_id=staff_id)
    actor.require(permission, agency_id=account.agency_id, region_code=account.region_code)
    return account


def list_in_scope(*, db_session: Session, actor: StaffActor) -> list[StaffAccount]:
    actor.require(Permission.staff_admin)
    rows = db_session.scalars(select(StaffAccount).order_by(StaffAccount.id))
    return [row for row in rows if actor.covers(agency_id=row.agency_id, region_code=row.region_code)]


def create_token(*, db_session: Session, clock: Clock, staff_id: int, label: str) -> tuple[StaffToken, str]:
    """An API token for a staff account; the clear token is shown once and only its hash kept."""
    account = get(db_session=db_session, staff_id=staff_id)
    clear = new_token()
    row = StaffToken(staff_id=account.id, label=label.strip() or "API", token_hash=token_hash(clear), created_at=clock.now())
    db_session.add(row)
    db_session.flush()
    audit.record(db_session=db_session, clock=clock, actor="cli", action="staff.token_create", object_kind="staff",
                 object_id=account.id, details={"token_id": row.id, "label": row.label})
    return row, clear


def authenticate_token(*, db_session: Session, clock: Clock, token: str) -> StaffActor:
    row = db_session.scalar(select(StaffToken).where(StaffToken.token_hash == token_hash(token.strip())))
    if row is None or row.revoked_at is not None:
        raise Unauthorized("TOKEN_INVALID", "工作人员令牌无效或已被吊销")
    account = db_session.get(StaffAccount, row.staff_id)
    if account is None or account.status != "active":
        raise Unauthorized("ACCOUNT_DISABLED", "该工作人员账号已被禁用")
    row.last_used_at = clock.now()
    return actor_for(account, token_id=row.id)


def revoke_token(*, db_session: Session, clock: Clock, token_id: int) -> StaffToken:
    row = db_session.get(StaffToken, token_id)
    if row is None:
        raise NotFound("TOKEN_NOT_FOUND", "没有这个令牌")
    if row.revoked_at is None:
        row.revoked_at = clock.now()
        audit.record(db_session=db_session, clock=clock, actor="cli", action="staff.token_revoke", object_kind="staff",
                     object_id=row.staff_id, details={"token_id": row.id})
    return row


def list_tokens(*, db_session: Session) -> list[StaffToken]:
    return list(db_session.scalars(select(StaffToken).order_by(StaffToken.id)))


def set_roles(*, db_session: Session, clock: Clock, actor: StaffActor, staff_id: int, roles: list[str]) -> StaffAccount:
    account = get_in_scope(db_session=db_session, actor=actor, staff_id=staff_id, permission=Permission.staff_admin)
    account.roles = sorted(r.value for r in parse_roles(roles))
    audit.record(db_session=db_session, clock=clock, actor=actor.ref, action="staff.roles", object_kind="staff",
                 object_id=account.id, details={"roles": account.roles})
    return account


def set_password(*, db_session: Session, clock: Clock, actor: StaffActor, current: str, new: str, session_id: int | None) -> StaffAccount:
    """Staff change the initial password at first login, and later whenever they like."""
    account = get(db_session=db_session, staff_id=actor.staff_id)
    if not check_password(account.password_hash, current):
        raise InvalidInput("PASSWORD_WRONG", "当前密码不正确")
    check_strength(new, phone=account.phone)
    if check_password(account.password_hash, new):
        raise InvalidInput("PASSWORD_SAME", "新密码不能与原密码相同")
    account.password_hash, account.must_change_password = hash_password(new), False
    session_store.end_sessions(db_session=db_session, clock=clock, subject_kind="staff", subject_id=account.id, keep=session_id)
    session_store.set_restricted(db_session=db_session, session_id=session_id, restricted=False)
    audit.record(db_session=db_session, clock=clock, actor=actor.ref, action="staff.password_change", object_kind="staff",
                 object_id=account.id)
    return account
