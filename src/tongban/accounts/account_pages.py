"""My account: the overview, the first steps a new or linked account must take (agreement, own password), the
password and the phone number (ACC-01, ACC-03, ACC-06)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from tongban.accounts import agreements, delegation, organisations, persons
from tongban.accounts.access import PersonActor
from tongban.accounts.identity import mask_phone, normalize_phone
from tongban.accounts.presenters import notice
from tongban.accounts.schemas import PersonOut
from tongban.accounts.verification import CodePurpose, send_code
from tongban.core.clock import Clock
from tongban.core.errors import DomainError, InvalidInput, NotFound
from tongban.web.actions import form_action, see_other
from tongban.web.deps import Csrf, Db, Gateway, Me, MeAny, Now, Short, client_ip
from tongban.web.rendering import render

router = APIRouter(include_in_schema=False)
Secret = Annotated[str, Form(max_length=128)]

VIA_LABELS = {"online": "网上实名注册", "window": "政务服务大厅注册", "linked": "统一身份认证平台关联注册"}


def _person_view(db: Session, person_id: int) -> PersonOut:
    return persons.view(db_session=db, person=persons.get(db_session=db, person_id=person_id))


@router.get("/account", response_class=HTMLResponse)
def account(request: Request, db: Db, clock: Now, me: MeAny) -> Response:
    if request.state.auth_session.restricted:
        return RedirectResponse("/account/setup", status_code=303)
    orgs = [(organisations.view(org), role)
            for org, role in delegation.organisations_for(db_session=db, clock=clock, person_id=me.person_id)]
    view = _person_view(db, me.person_id)
    return render(request, "accounts/account.html", me=view, via=VIA_LABELS.get(view.registered_via, view.registered_via),
                  orgs=orgs, notice=notice(request))


# --- first steps: the agreement and an own password -----------------------------------------------

def _setup_page(request: Request, db: Session, me: PersonActor, status_code: int = 200, **extra) -> HTMLResponse:
    return render(request, "accounts/setup.html", status_code=status_code, me=_person_view(db, me.person_id),
                  agreement=agreements.current("person"), **extra)


def _setup_done(request: Request, db: Session, clock: Clock, me: PersonActor, msg: str) -> Response:
    """Back to the setup page while a step remains; the services lift the session's limit after the last one."""
    view = _person_view(db, me.person_id)
    if view.must_change_password or view.agreement_pending:
        return see_other("/account/setup")
    return see_other("/account", msg=msg)


@router.get("/account/setup", response_class=HTMLResponse)
def setup_page(request: Request, db: Db, clock: Now, me: MeAny) -> Response:
    view = _person_view(db, me.person_id)
    if not view.must_change_password and not view.agreement_pending:
        return _setup_done(request, db, clock, me, "setup")
    return _setup_page(request, db, me)


@router.post("/account/agreement", response_class=HTMLResponse)
def sign_agreement(request: Request, db: Db, clock: Now, me: MeAny, _: Csrf, agree: Short = "",
                   agreement_version: Short = "") -> Response:
    def sign() -> None:
        if not agree:
            raise InvalidInput("AGREEMENT_REQUIRED", "请阅读并勾选“我已阅读并同意”")
        persons.sign_agreement(db_session=db, clock=clock, actor=me, version=agreement_version)

    return form_action(db, sign, done=lambda _: _setup_done(request, db, clock, me, "setup"),
                       failed=lambda exc: _setup_page(request, db, me, exc.status_code, error=exc.message))


# --- password and phone ---------------------------------------------------------------------------

@router.get("/account/password", response_class=HTMLResponse)
def password_page(request: Request, db: Db, me: MeAny) -> HTMLResponse:
    return render(request, "accounts/password.html", me=_person_view(db, me.person_id))


@router.post("/account/password", response_class=HTMLResponse)
def change_password(request: Request, db: Db, clock: Now, me: MeAny, _: Csrf, current: Secret = "", new: Secret = "",
                    new2: Secret = "", back: Short = "") -> Response:
    def set_password() -> None:
        if new != new2:
            raise InvalidInput("PASSWORD_MISMATCH", "两次输入的密码不一致")
        persons.set_password(db_session=db, clock=clock, actor=me, current=current or None, new=new)

    def failed(exc: DomainError) -> Response:
        if back == "setup":
            return _setup_page(request, db, me, exc.status_code, error=exc.message)
        return render(request, "accounts/password.html", status_code=exc.status_code, error=exc.message,
                      me=_person_view(db, me.person_id))

    return form_action(db, set_password, done=lambda _: _setup_done(request, db, clock, me, "password"), failed=failed)


@router.get("/account/phone", response_class=HTMLResponse)
def phone_page(request: Request, db: Db, me: Me) -> HTMLResponse:
    return render(request, "accounts/phone.html", me=_person_view(db, me.person_id), new_phone="")


@router.post("/account/phone/code", response_class=HTMLResponse)
def phone_code(request: Request, db: Db, clock: Now, gateway: Gateway, me: Me, _: Csrf, which: Short = "new",
               new_phone: Short = "") -> Response:
    view = _person_view(db, me.person_id)

    def send() -> str:
        """Send the code; returns the masked number it went to."""
        nonlocal new_phone
        if which == "old":
            phone = persons.get(db_session=db, person_id=me.person_id).phone
            if not phone:
                raise NotFound("NO_PHONE", "账号尚未绑定手机号")
            purpose, sent_to = CodePurpose.phone_old, view.phone_masked
        else:
            phone = new_phone = normalize_phone(new_phone)
            purpose, sent_to = CodePurpose.phone_new, mask_phone(new_phone)
        send_code(db_session=db, clock=clock, gateway=gateway, phone=phone, purpose=purpose, client_ip=client_ip(request))
        return sent_to

    return form_action(
        db, send,
        done=lambda sent_to: render(request, "accounts/phone.html", me=view, new_phone=new_phone,
                                    notice=f"验证码已发送至 {sent_to}"),
        failed=lambda exc: render(request, "accounts/phone.html", status_code=exc.status_code, error=exc.message, me=view,
                                  new_phone=new_phone),
    )


@router.post("/account/phone", response_class=HTMLResponse)
def change_phone(request: Request, db: Db, clock: Now, me: Me, _: Csrf, old_code: Short = "", new_phone: Short = "",
                 new_code: Short = "") -> Response:
    view = _person_view(db, me.person_id)

    def change() -> None:
        if view.phone_masked:
            persons.change_phone(db_session=db, clock=clock, actor=me, old_code=old_code, new_phone=new_phone, new_code=new_code)
        else:
            persons.bind_phone(db_session=db, clock=clock, actor=me, phone=new_phone, sms_code=new_code)

    return form_action(
        db, change, done=lambda _: see_other("/account", msg="phone"),
        failed=lambda exc: render(request, "accounts/phone.html", status_code=exc.status_code, error=exc.message, me=view,
                                  new_phone=new_phone),
    )
