"""Disabling accounts with a reason and re-enabling them only after a manager's approval, with SMS notice (003 后台管理)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from tongban.accounts.access import Permission, StaffActor
from tongban.accounts import sessions
from tongban.accounts.models import Person, StaffAccount, StatusRequest
from tongban.core import audit
from tongban.core.clock import Clock
from tongban.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from tongban.notify.service import notify
from tongban.notify.sms import SmsGateway

KINDS = {"person": Person, "staff": StaffAccount}
ENABLED_TEXT = "您的账号已经管理部门审核解除禁用，现在可以正常登录。如非本人申请，请联系政务服务大厅。"


@dataclass(frozen=True)
class AccountRef:
    kind: str
    id: int


def _load(db_session: Session, actor: StaffActor, ref: AccountRef, permission: Permission) -> Person | StaffAccount:
    model = KINDS.get(ref.kind)
    if model is None:
        raise InvalidInput("ACCOUNT_KIND", "账号类型只能是 person 或 staff")
    account = db_session.get(model, ref.id)
    if account is None:
        raise NotFound("ACCOUNT_NOT_FOUND", "没有这个账号")
    if isinstance(account, StaffAccount):
        actor.require(permission, agency_id=account.agency_id, region_code=account.region_code)
    else:
        actor.require(permission)
    return account


def disable(*, db_session: Session, clock: Clock, actor: StaffActor, ref: AccountRef, reason: str) -> None:
    """Takes effect at once: the account's sessions end with it."""
    if not reason.strip():
        raise InvalidInput("REASON_REQUIRED", "请填写禁用原因")
    account = _load(db_session, actor, ref, Permission.account_disable)
    if ref.kind == "staff" and account.id == actor.staff_id:
        raise Forbidden("SELF_DISABLE", "不能禁用自己的账号")
    if account.status == "disabled":
        raise Conflict("ALREADY_DISABLED", "该账号已是禁用状态")
    account.status = "disabled"
    sessions.end_sessions(db_session=db_session, clock=clock, subject_kind=ref.kind, subject_id=ref.id)
    audit.record(db_session=db_session, clock=clock, actor=actor.ref, action=f"{ref.kind}.disable", object_kind=ref.kind,
                 object_id=ref.id, details={"reason": reason.strip()})


def request_enable(*, db_session: Session, clock: Clock, actor: StaffActor, ref: AccountRef, reason: str) -> StatusRequest:
    if not reason.strip():
        raise InvalidInput("REASON_REQUIRED", "请填写解禁理由")
    account = _load(db_session, actor, ref, Permission.account_disable)
    if account.status != "disabled":
        raise Conflict("NOT_DISABLED", "该账号没有被禁用")
    pending = db_session.scalar(select(StatusRequest.id).where(
        StatusRequest.account_kind == ref.kind, StatusRequest.account_id == ref.id, StatusRequest.status == "pending"))
    if pending:
        raise Conflict("REQUEST_PENDING", "该账号已有待审核的解禁申请")
    row = StatusRequest(account_kind=ref.kind, account_id=ref.id, action="enable", reason=reason.strip(),
                        requested_by=actor.staff_id, requested_at=clock.now(), status="pending")
    db_session.add(row)
    db_session.flush()
    audit.record(db_session=db_session, clock=clock, actor=actor.ref, action=f"{ref.kind}.enable_request",
                 object_kind=ref.kind, object_id=ref.id, details={"request_id": row.id, "reason": row.reason})
    return row


def decide_enable(*, db_session: Session, clock: Clock, gateway: SmsGateway, actor: StaffActor, request_id: int,
                  approve: bool, note: str = "") -> StatusRequest:
    """A manager, not the requester, decides; an approval re-enables and tells the user by SMS.

    The SMS is a notification in the outbox: it goes out through `gateway` once the decision has committed."""
    row = db_session.get(StatusRequest, request_id)
    if row is None:
        raise NotFound("REQUEST_NOT_FOUND", "没有这个解禁申请")
    account = _load(db_session, actor, AccountRef(row.account_kind, row.account_id), Permission.account_approve)
    if row.status != "pending":
        raise Conflict("REQUEST_DECIDED", "该申请已处理")
    if row.requested_by == actor.staff_id:
        raise Forbidden("SAME_PERSON", "解禁须由申请人以外的管理部门负责人审核")
    row.status = "approved" if approve else "rejected"
    row.decided_by, row.decided_at, row.decision_note = actor.staff_id, clock.now(), note.strip()
    if approve:
        account.status, account.failed_logins, account.locked_until = "active", 0, None
        if account.phone:
            notify(db_session=db_session, clock=clock, kind="notice", channels=("sms",), phone=account.phone,
                   person_id=account.id if row.account_kind == "person" else None,
                   fields={"title": "账号已解除禁用", "body": ENABLED_TEXT}, send_after_commit={"sms_gateway": gateway})
    audit.record(db_session=db_session, clock=clock, actor=actor.ref, action=f"{row.account_kind}.enable_{row.status}",
                 object_kind=row.account_kind, object_id=row.account_id, details={"request_id": row.id, "sms": approve and bool(account.phone)})
    return row


def pending_requests(*, db_session: Session, actor: StaffActor) -> list[StatusRequest]:
    actor.require(Permission.account_approve)
    return list(db_session.scalars(select(StatusRequest).where(StatusRequest.status == "pending").order_by(StatusRequest.id)))
