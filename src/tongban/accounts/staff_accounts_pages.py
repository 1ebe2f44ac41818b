"""Staff accounts: the accounts in the administrator's scope, and a new one with its first password shown once
(003 后台管理; ACC-12)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from tongban.accounts import staff
from tongban.accounts.presenters import staff_accounts, staff_ctx
from tongban.core.errors import InvalidInput
from tongban.web.actions import form_action
from tongban.web.deps import Csrf, Db, Now, Staff, Text
from tongban.web.rendering import render

router = APIRouter(prefix="/staff", include_in_schema=False)
Choices = Annotated[list[str], Form(max_length=40)]


@router.get("/accounts", response_class=HTMLResponse)
def accounts(request: Request, db: Db, actor: Staff) -> HTMLResponse:
    return render(request, "accounts/staff_accounts.html", error="", **staff_accounts(db, actor), **staff_ctx(request, actor))


@router.post("/accounts/new", response_class=HTMLResponse)
def create_account(request: Request, db: Db, clock: Now, actor: Staff, _csrf: Csrf, username: Text = "", name: Text = "",
                   roles: Choices = [], region_code: Text = "", agency_id: Text = "", phone: Text = "") -> Response:
    form = {"username": username, "name": name, "roles": roles, "region_code": region_code, "agency_id": agency_id, "phone": phone}

    def create() -> tuple:
        if agency_id and not agency_id.isdigit():
            raise InvalidInput("AGENCY", "请从列表中选择所属机构")
        staff_in = staff.StaffIn(username=username, name=name, roles=roles, region_code=region_code.strip(),
                                 agency_id=int(agency_id) if agency_id else None, phone=phone.strip() or None)
        return staff.create(db_session=db, clock=clock, staff_in=staff_in, by=actor)

    return form_action(
        db, create,
        done=lambda created: render(request, "accounts/staff_accounts.html", error="",
                                    **staff_accounts(db, actor, created=created), **staff_ctx(request, actor)),
        failed=lambda exc: render(request, "accounts/staff_accounts.html", status_code=exc.status_code, error=exc.message,
                                  **staff_accounts(db, actor, form=form), **staff_ctx(request, actor)),
    )
