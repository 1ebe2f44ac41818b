"""Registering an organisation at the window: by its legal representative in person, or by an agent with a letter of
authorisation (003 后台管理; ACC-04)."""

from __future__ import annotations

from datetime import date, datetime, time

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from tongban.accounts import agreements, organisations, persons
from tongban.accounts.access import Permission, StaffActor
from tongban.accounts.identity import KINDS_FOR_FORM
from tongban.accounts.presenters import staff_ctx
from tongban.core.clock import SHANGHAI
from tongban.core.errors import InvalidInput
from tongban.web.actions import form_action
from tongban.web.deps import Csrf, Db, Library, LongText, Now, Staff, Text
from tongban.web.rendering import render

router = APIRouter(prefix="/staff", include_in_schema=False)


def _orgs_page(request: Request, actor: StaffActor, *, error: str = "", status_code: int = 200, form: dict | None = None,
               which: str = "") -> HTMLResponse:
    actor.require(Permission.window_register)
    return render(request, "accounts/staff_orgs.html", status_code=status_code, error=error, which=which, form=form or {},
                  kinds=KINDS_FOR_FORM, **staff_ctx(request, actor))


def _org_created(request: Request, actor: StaffActor, org) -> HTMLResponse:
    return render(request, "accounts/staff_org_created.html", org=organisations.view(org), agreement=agreements.current("org"),
                  **staff_ctx(request, actor))


@router.get("/orgs/new", response_class=HTMLResponse)
def orgs_form(request: Request, actor: Staff) -> HTMLResponse:
    return _orgs_page(request, actor)


@router.post("/orgs/window", response_class=HTMLResponse)
def org_window(request: Request, db: Db, clock: Now, library: Library, actor: Staff, _csrf: Csrf, uscc: Text = "",
               legal_rep_id_kind: Text = "resident_id", legal_rep_id_number: Text = "") -> Response:
    form = {"uscc": uscc, "legal_rep_id_kind": legal_rep_id_kind, "legal_rep_id_number": legal_rep_id_number}
    return form_action(
        db, lambda: organisations.register_at_window(db_session=db, clock=clock, library=library, actor=actor, uscc=uscc,
                                                     legal_rep_id_kind=legal_rep_id_kind,
                                                     legal_rep_id_number=legal_rep_id_number),
        done=lambda org: _org_created(request, actor, org),
        failed=lambda exc: _orgs_page(request, actor, error=exc.message, status_code=exc.status_code, form=form, which="window"),
    )


def _end_of_day(text: str) -> datetime:
    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput("VALIDITY", "请按“年-月-日”填写授权有效期，例如 2027-12-31") from None
    return datetime.combine(day, time(23, 59, 59), tzinfo=SHANGHAI)


@router.post("/orgs/proxy", response_class=HTMLResponse)
def org_proxy(request: Request, db: Db, clock: Now, library: Library, actor: Staff, _csrf: Csrf, uscc: Text = "",
              legal_rep_id_kind: Text = "resident_id", legal_rep_id_number: Text = "", agent_id_kind: Text = "resident_id",
              agent_id_number: Text = "", agent_name: Text = "", letter_reference: Text = "", valid_until: Text = "",
              item_codes: LongText = "") -> Response:
    form = {"uscc": uscc, "legal_rep_id_kind": legal_rep_id_kind, "legal_rep_id_number": legal_rep_id_number,
            "agent_id_kind": agent_id_kind, "agent_id_number": agent_id_number, "agent_name": agent_name,
            "letter_reference": letter_reference, "valid_until": valid_until, "item_codes": item_codes}

    def register():
        actor.require(Permission.window_register)
        agent = persons.identify(db_session=db, id_kind=agent_id_kind, id_number=agent_id_number, name=agent_name, role="经办人",
                                 by_staff=True)
        return organisations.register_by_proxy(
            db_session=db, clock=clock, library=library, actor=actor, uscc=uscc, legal_rep_id_kind=legal_rep_id_kind,
            legal_rep_id_number=legal_rep_id_number, agent_person_id=agent.id,
            letter_reference=letter_reference, valid_until=_end_of_day(valid_until),
            item_scope=[line.strip() for line in item_codes.splitlines() if line.strip()],
        )

    return form_action(
        db, register, done=lambda org: _org_created(request, actor, org),
        failed=lambda exc: _orgs_page(request, actor, error=exc.message, status_code=exc.status_code, form=form, which="proxy"),
    )
