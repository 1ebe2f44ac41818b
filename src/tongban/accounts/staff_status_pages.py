"""Account status at the workbench: disable a person's or a staff member's account, ask for it to be enabled again,
and the manager's approvals of those requests (003 后台管理; ACC-08)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from tongban.accounts import persons, staff, status
from tongban.accounts.access import StaffActor
from tongban.accounts.presenters import staff_accounts, staff_ctx, staff_person
from tongban.core.clock import Clock
from tongban.core.errors import DomainError, InvalidInput
from tongban.web.actions import form_action, see_other
from tongban.web.deps import Csrf, Db, Gateway, LongText, Now, Staff
from tongban.web.rendering import render

router = APIRouter(prefix="/staff", include_in_schema=False)


def _status_refused(request: Request, db: Session, clock: Clock, actor: StaffActor, kind: str,
                    account_id: int) -> Callable[[DomainError], HTMLResponse]:
    """The page the status form was on, again with the refusal: the person's page, or the staff accounts."""
    def failed(exc: DomainError) -> HTMLResponse:
        if kind == "person":
            shown = staff_person(db, clock, actor, account_id)
            db.commit()
            return render(request, "accounts/staff_person.html", status_code=exc.status_code, error=exc.message, **shown,
                          **staff_ctx(request, actor))
        return render(request, "accounts/staff_accounts.html", status_code=exc.status_code, error=exc.message,
                      **staff_accounts(db, actor), **staff_ctx(request, actor))
    return failed


def _status_done(kind: str, account_id: int, message: str) -> Response:
    return see_other(f"/staff/people/{account_id}" if kind == "person" else "/staff/accounts", msg=message)


@router.post("/accounts/{kind}/{account_id}/disable", response_class=HTMLResponse)
def disable(request: Request, kind: str, account_id: int, db: Db, clock: Now, actor: Staff, _csrf: Csrf,
            reason: LongText = "") -> Response:
    return form_action(
        db, lambda: status.disable(db_session=db, clock=clock, actor=actor, ref=status.AccountRef(kind, account_id), reason=reason),
        done=lambda _: _status_done(kind, account_id, "账号已禁用，登录状态已同时失效"),
        failed=_status_refused(request, db, clock, actor, kind, account_id),
    )


@router.post("/accounts/{kind}/{account_id}/enable-request", response_class=HTMLResponse)
def request_enable(request: Request, kind: str, account_id: int, db: Db, clock: Now, actor: Staff, _csrf: Csrf,
                   reason: LongText = "") -> Response:
    return form_action(
        db, lambda: status.request_enable(db_session=db, clock=clock, actor=actor, ref=status.AccountRef(kind, account_id),
                                          reason=reason),
        done=lambda _: _status_done(kind, account_id, "解禁申请已提交，等待管理部门负责人审核"),
        failed=_status_refused(request, db, clock, actor, kind, account_id),
    )


def _account_label(db: Session, kind: str, account_id: int) -> str:
    if kind == "person":
        view = persons.view(db_session=db, person=persons.get(db_session=db, person_id=account_id))
        return f"{view.name}（{view.id_kind_label} {view.id_number_masked}）"
    row = staff.get(db_session=db, staff_id=account_id)
    return f"工作人员 {row.name}（{row.username}）"


def _approvals_page(request: Request, db: Session, actor: StaffActor, *, error: str = "", status_code: int = 200) -> HTMLResponse:
    rows = status.pending_requests(db_session=db, actor=actor)
    pending = [(r, _account_label(db, r.account_kind, r.account_id), staff.get(db_session=db, staff_id=r.requested_by)) for r in rows]
    return render(request, "accounts/staff_approvals.html", status_code=status_code, pending=pending, error=error,
                  **staff_ctx(request, actor))


@router.get("/approvals", response_class=HTMLResponse)
def approvals(request: Request, db: Db, actor: Staff) -> HTMLResponse:
    return _approvals_page(request, db, actor)


@router.post("/approvals/{request_id}", response_class=HTMLResponse)
def decide(request: Request, request_id: int, db: Db, clock: Now, gateway: Gateway, actor: Staff, _csrf: Csrf,
           decision: Annotated[str, Form(max_length=10)] = "", note: LongText = "") -> Response:
    def decide_enable() -> None:
        if decision not in ("approve", "reject"):
            raise InvalidInput("DECISION", "请选择通过或不通过")
        status.decide_enable(db_session=db, clock=clock, gateway=gateway, actor=actor, request_id=request_id,
                             approve=decision == "approve", note=note)

    return form_action(
        db, decide_enable,
        done=lambda _: see_other("/staff/approvals",
                                 msg="已解除禁用；账号绑定了手机号的，系统已短信告知" if decision == "approve" else "已驳回解禁申请"),
        failed=lambda exc: _approvals_page(request, db, actor, error=exc.message, status_code=exc.status_code),
    )
