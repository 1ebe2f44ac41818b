"""Staff pages for people: look a person up by ID number, their account page, and registering a person at the window
with an SMS code to their phone (003 后台管理; ACC-02, ACC-08)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from tongban.accounts import agreements, persons
from tongban.accounts.access import Permission, StaffActor
from tongban.accounts.identity import KINDS_FOR_FORM, mask_phone, normalize_phone, validate
from tongban.accounts.presenters import staff_ctx, staff_person
from tongban.accounts.verification import CodePurpose, send_code
from tongban.core.errors import DomainError, Forbidden
from tongban.web.actions import form_action
from tongban.web.deps import Csrf, Db, Gateway, Library, Now, Staff, Text, client_ip
from tongban.web.rendering import render

router = APIRouter(prefix="/staff", include_in_schema=False)


def _people_page(request: Request, actor: StaffActor, *, error: str = "", status_code: int = 200, form: dict | None = None,
                 step: str = "details", sent_to: str = "") -> HTMLResponse:
    if not (actor.has(Permission.window_register) or actor.has(Permission.account_view)):
        raise Forbidden("NOT_PERMITTED", "您的岗位没有这项操作的权限")
    return render(request, "accounts/staff_people.html", status_code=status_code, error=error, form=form or {}, step=step,
                  sent_to=sent_to, kinds=KINDS_FOR_FORM, **staff_ctx(request, actor))


@router.get("/people", response_class=HTMLResponse)
def people(request: Request, actor: Staff) -> HTMLResponse:
    return _people_page(request, actor)


@router.post("/people/find", response_class=HTMLResponse)
def find_person(request: Request, db: Db, clock: Now, actor: Staff, _csrf: Csrf, id_kind: Text = "resident_id", id_number: Text = "") -> Response:
    # A POST keeps the ID number out of URLs and access logs.
    actor.require(Permission.account_view)
    try:
        person = persons.find_for_staff(db_session=db, clock=clock, actor=actor, id_kind=id_kind, id_number=id_number)
        db.commit()
    except DomainError as exc:
        db.commit()  # a search that found nothing is audited too (so this is no form_action, which rolls back)
        return _people_page(request, actor, error=exc.message, status_code=exc.status_code, form={"find_kind": id_kind})
    return RedirectResponse(f"/staff/people/{person.id}", status_code=303)


@router.get("/people/{person_id}", response_class=HTMLResponse)
def person_page(request: Request, person_id: int, db: Db, clock: Now, actor: Staff) -> HTMLResponse:
    shown = staff_person(db, clock, actor, person_id)
    db.commit()
    return render(request, "accounts/staff_person.html", error="", **shown, **staff_ctx(request, actor))


def _window_form(name: str, id_kind: str, id_number: str, nationality: str, phone: str) -> dict:
    return {"name": name, "id_kind": id_kind, "id_number": id_number, "nationality": nationality, "phone": phone}


@router.post("/people/code", response_class=HTMLResponse)
def window_code(request: Request, db: Db, clock: Now, gateway: Gateway, actor: Staff, _csrf: Csrf, name: Text = "",
                id_kind: Text = "resident_id", id_number: Text = "", nationality: Text = "", phone: Text = "") -> Response:
    form = _window_form(name, id_kind, id_number, nationality, phone)

    def send() -> str:
        """Send the code; returns the phone number it went to."""
        actor.require(Permission.window_register)
        validate(id_kind, id_number, nationality=nationality.strip().upper() or None, today=persons.today(clock))
        number = normalize_phone(phone)
        send_code(db_session=db, clock=clock, gateway=gateway, phone=number, purpose=CodePurpose.window,
                  client_ip=client_ip(request))
        return number

    return form_action(
        db, send, done=lambda number: _people_page(request, actor, form=form, step="code", sent_to=mask_phone(number)),
        failed=lambda exc: _people_page(request, actor, error=exc.message, status_code=exc.status_code, form=form),
    )


@router.post("/people/new", response_class=HTMLResponse)
def window_register(request: Request, db: Db, clock: Now, library: Library, actor: Staff, _csrf: Csrf, name: Text = "",
                    id_kind: Text = "resident_id", id_number: Text = "", nationality: Text = "", phone: Text = "",
                    code: Annotated[str, Form(max_length=10)] = "") -> Response:
    def created(registered: tuple) -> Response:
        person, password = registered
        return render(request, "accounts/staff_person_created.html", person=persons.view(db_session=db, person=person),
                      password=password, agreement=agreements.current("person"), **staff_ctx(request, actor))

    return form_action(
        db, lambda: persons.register_at_window(
            db_session=db, clock=clock, library=library, actor=actor, name=name, id_kind=id_kind, id_number=id_number,
            phone=phone, sms_code=code.strip(), nationality=nationality.strip().upper() or None,
        ),
        done=created,
        failed=lambda exc: _people_page(request, actor, error=exc.message, status_code=exc.status_code, step="code",
                                        form=_window_form(name, id_kind, id_number, nationality, phone)),
    )
