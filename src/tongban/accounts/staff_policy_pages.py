"""Access policies: which kinds of account may use each application; one application's change leaves the others as
they are (003; ACC-09)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from tongban.accounts import policies
from tongban.accounts.access import Permission, StaffActor, StaffRole
from tongban.accounts.identity import KINDS_FOR_FORM
from tongban.accounts.presenters import staff_ctx
from tongban.web.actions import form_action, see_other
from tongban.web.deps import Csrf, Db, Now, Staff, Text
from tongban.web.rendering import render

router = APIRouter(prefix="/staff", include_in_schema=False)
Choices = Annotated[list[str], Form(max_length=40)]

SUBJECT_LABELS = {"person": "自然人", "org_agent": "法人经办人", "staff": "工作人员"}


def _policies_page(request: Request, db: Session, actor: StaffActor, *, error: str = "", status_code: int = 200) -> HTMLResponse:
    actor.require(Permission.policy_admin)
    return render(request, "accounts/staff_policies.html", status_code=status_code, error=error,
                  rows=policies.list_all(db_session=db), subject_kinds=[(k, SUBJECT_LABELS[k]) for k in policies.SUBJECT_KINDS],
                  roles=list(StaffRole), kinds=KINDS_FOR_FORM, **staff_ctx(request, actor))


@router.get("/policies", response_class=HTMLResponse)
def policies_page(request: Request, db: Db, actor: Staff) -> HTMLResponse:
    return _policies_page(request, db, actor)


@router.post("/policies/{application}", response_class=HTMLResponse)
def update_policy(request: Request, application: str, db: Db, clock: Now, actor: Staff, _csrf: Csrf, enabled: Text = "",
                  allow_anonymous: Text = "", subject_kinds: Choices = [], staff_roles: Choices = [],
                  id_kinds: Choices = []) -> Response:
    policy_in = policies.PolicyIn(enabled=bool(enabled), allow_anonymous=bool(allow_anonymous), subject_kinds=subject_kinds,
                                  staff_roles=staff_roles, id_kinds=id_kinds)
    return form_action(
        db, lambda: policies.update_policy(db_session=db, clock=clock, actor=actor, application=application, policy_in=policy_in),
        done=lambda row: see_other("/staff/policies", msg=f"“{row.label}”的访问策略已更新，其他应用不受影响"),
        failed=lambda exc: _policies_page(request, db, actor, error=exc.message, status_code=exc.status_code),
    )
