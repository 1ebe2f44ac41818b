"""The audit trail at the workbench, and checking that its hash chain is unbroken (003 后台管理; ACC-08)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from tongban.accounts import audit_view
from tongban.accounts.access import Permission, StaffActor
from tongban.accounts.presenters import staff_ctx
from tongban.core import audit
from tongban.web.deps import Csrf, Db, Staff
from tongban.web.rendering import render

router = APIRouter(prefix="/staff", include_in_schema=False)

AUDIT_PAGE = 200


def _audit_page(request: Request, db: Session, actor: StaffActor, check: audit.Verification | None = None) -> HTMLResponse:
    rows = audit_view.trail(db_session=db, actor=actor, limit=AUDIT_PAGE)
    return render(request, "accounts/staff_audit.html", rows=rows, check=check, limit=AUDIT_PAGE, **staff_ctx(request, actor))


@router.get("/audit", response_class=HTMLResponse)
def audit_page(request: Request, db: Db, actor: Staff) -> HTMLResponse:
    return _audit_page(request, db, actor)


@router.post("/audit/verify", response_class=HTMLResponse)
def audit_verify(request: Request, db: Db, actor: Staff, _csrf: Csrf) -> HTMLResponse:
    actor.require(Permission.audit_read)
    return _audit_page(request, db, actor, audit.verify(db_session=db))
