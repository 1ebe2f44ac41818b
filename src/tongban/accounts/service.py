"""Staff tokens: create, authenticate, revoke (foundation for CAT-11 editing and review)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from tongban.accounts.models import StaffToken
from tongban.core.clock import Clock
from tongban.core.errors import Forbidden, InvalidInput, NotFound, Unauthorized
from tongban.core.security import new_token, token_hash


class StaffRole(StrEnum):
    editor = "editor"  # an implementing agency's catalog editor: proposes changes
    reviewer = "reviewer"  # the management agency: reviews and publishes
    admin = "admin"

    @property
    def label(self) -> str:
        return {"editor": "事项编辑（实施机构）", "reviewer": "事项审核（管理机构）", "admin": "系统管理员"}[self.value]


@dataclass(frozen=True)
class StaffActor:
    token_id: int
    name: str
    role: StaffRole
    agency_id: int | None

    def may_edit(self, agency_id: int) -> bool:
        return self.role is StaffRole.admin or (self.role is StaffRole.editor and self.agency_id == agency_id)

    def may_review(self) -> bool:
        return self.role in (StaffRole.reviewer, StaffRole.admin)

    def require_review(self) -> None:
        if not self.may_review():
            raise Forbidden("NOT_A_REVIEWER", "只有管理机构的审核人员可以审核或发布事项")

    def require_edit(self, agency_id: int) -> None:
        if not self.may_edit(agency_id):
            raise Forbidden("NOT_YOUR_AGENCY", "只能编辑本机构实施的事项")


def create_token(*, db_session: Session, clock: Clock, name: str, role: str, agency_id: int | None) -> tuple[StaffToken, str]:
    """Store a new token's hash and return the row and the clear token (shown once)."""
    try:
        staff_role = StaffRole(role)
    except ValueError:
        raise InvalidInput("BAD_ROLE", f"角色必须是 {'、'.join(r.value for r in StaffRole)} 之一") from None
    if not name.strip():
        raise InvalidInput("NAME_REQUIRED", "请填写令牌持有人姓名")
    if staff_role is StaffRole.editor and agency_id is None:
        raise InvalidInput("AGENCY_REQUIRED", "事项编辑令牌必须绑定实施机构")
    clear = new_token()
    row = StaffToken(
        name=name.strip(),
        role=staff_role.value,
        agency_id=agency_id,
        token_hash=token_hash(clear),
        created_at=clock.now(),
    )
    db_session.add(row)
    db_session.flush()
    return row, clear


def authenticate(*, db_session: Session, clock: Clock, token: str | None) -> StaffActor:
    if not token:
        raise Unauthorized("TOKEN_REQUIRED", "请先使用工作人员令牌登录")
    row = db_session.scalar(select(StaffToken).where(StaffToken.token_hash == token_hash(token.strip())))
    if row is None or row.revoked_at is not None:
        raise Unauthorized("TOKEN_INVALID", "工作人员令牌无效或已被吊销")
    row.last_used_at = clock.now()
    return StaffActor(token_id=row.id, name=row.name, role=StaffRole(row.role), agency_id=row.agency_id)


def revoke_token(*, db_session: Session, clock: Clock, token_id: int) -> StaffToken:
    row = db_session.get(StaffToken, token_id)
    if row is None:
        raise NotFound("TOKEN_NOT_FOUND", "没有这个令牌")
    if row.revoked_at is None:
        row.revoked_at = clock.now()
    return row


def list_tokens(*, db_session: Session) -> list[StaffToken]:
    return list(db_session.scalars(select(StaffToken).order_by(StaffToken.id)))
