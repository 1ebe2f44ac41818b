"""Portal pages for people: registration, login, account, organisations and delegation (003 5-1 用户注册, 5-2, 用户登录)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Annotated
from urllib.parse import urlencode

import httpx
import segno
from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from markupsafe import Markup
from sqlalchemy.orm import Session

from tongban.accounts import agreements, delegation, oidc, organisations, persons, sessions
from tongban.accounts.access import PersonActor
from tongban.accounts.identity import KINDS_FOR_FORM, mask_phone, normalize_phone, validate
from tongban.accounts.schemas import PersonOut
from tongban.accounts.verification import CodePurpose, send_code
from tongban.baselib.service import LIBRARY_FACTORS, BaseLibrary
from tongban.core.clock import SHANGHAI, Clock, as_utc
from tongban.core.config import get_settings
from tongban.core.errors import DomainError, InvalidInput, NotFound, Unauthorized
from tongban.notify.sms import SmsGateway
from tongban.web.deps import (
    CSRF_COOKIE, PERSON_COOKIE, Csrf, Db, Now, Short, client_ip, get_gateway, get_library, get_person, get_person_any,
    optional_person,
)
from tongban.web.pages import render

router = APIRouter(include_in_schema=False)
Gateway = Annotated[SmsGateway, Depends(get_gateway)]
Library = Annotated[BaseLibrary, Depends(get_library)]
Me = Annotated[PersonActor, Depends(get_person)]
MeAny = Annotated[PersonActor, Depends(get_person_any)]
MaybeMe = Annotated[PersonActor | None, Depends(optional_person)]
Secret = Annotated[str, Form(max_length=128)]

QR_COOKIE = "tb_qr"
OIDC_COOKIE = "tb_oidc"
MESSAGES = {
    "registered": "注册成功，欢迎使用通办！", "password": "密码已修改。", "phone": "手机号已更新。",
    "reset": "密码已重置，请用新密码登录。", "org": "法人账号注册成功。", "granted": "已完成授权。",
    "requested": "授权申请已提交，请等待法定代表人审批。", "decided": "已处理授权申请。", "changed": "授权已变更。",
    "revoked": "授权已取消。", "renounced": "您已放弃该单位的授权。", "setup": "账号设置已完成。",
}
VIA_LABELS = {"online": "网上实名注册", "window": "政务服务大厅注册", "linked": "统一身份认证平台关联注册"}
STATUS_LABELS = {"requested": "待审批", "active": "有效", "rejected": "已驳回", "revoked": "已取消", "expired": "已过期"}
FACTOR_CHOICES = [(f.value, f.label) for f in LIBRARY_FACTORS]


# --- small helpers ---------------------------------------------------------------------------------

def _notice(request: Request) -> str:
    return MESSAGES.get(request.query_params.get("msg", ""), "")


def _go(url: str, msg: str = "") -> RedirectResponse:
    if msg:
        url += ("&" if "?" in url else "?") + urlencode({"msg": msg})
    return RedirectResponse(url, status_code=303)


def _safe_next(value: str | None) -> str:
    """Only a path on this site: never another host ("//evil", "/\\evil") nor a header-splitting value."""
    if value and value.startswith("/") and not value.startswith("//") and "\\" not in value and value.isprintable():
        return value
    return ""


def _sign_in(response: Response, new: sessions.NewSession) -> Response:
    secure = get_settings().secure_cookies
    response.set_cookie(PERSON_COOKIE, new.token, httponly=True, samesite="lax", secure=secure, path="/")
    response.set_cookie(CSRF_COOKIE, new.csrf_token, httponly=True, samesite="lax", secure=secure, path="/")
    return response


def _new_session(request: Request, db: Session, clock: Clock, person_id: int, *, restricted: bool) -> sessions.NewSession:
    """A fresh token every time someone signs in; whatever the browser held before is ended, never promoted."""
    old = request.cookies.get(PERSON_COOKIE)
    if old:
        sessions.end_session(db_session=db, clock=clock, token=old)
    return sessions.open_session(db_session=db, clock=clock, subject_kind="person", subject_id=person_id,
                                 transport="cookie", restricted=restricted)


def _person_view(db: Session, person_id: int) -> PersonOut:
    return persons.view(db_session=db, person=persons.get(db_session=db, person_id=person_id))


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def _until(value: str) -> datetime:
    """A date typed on the form means "to the end of that day" in Shanghai."""
    try:
        day = date.fromisoformat(value.strip())
    except ValueError:
        raise InvalidInput("DATE_FORMAT", "请按“年-月-日”填写截止日期，例如 2027-06-30") from None
    return datetime.combine(day + timedelta(days=1), time.min, tzinfo=SHANGHAI)


def _day(value: datetime, *, last: bool = False) -> str:
    moment = as_utc(value) - (timedelta(microseconds=1) if last else timedelta(0))
    return moment.astimezone(SHANGHAI).date().isoformat()


def _wants_json(request: Request) -> bool:
    return "application/json" in request.headers.get("accept", "")


# --- registration (ACC-01) ------------------------------------------------------------------------

def _oidc_name() -> str:
    """The identity provider's name when one is configured, else "": login and register link to it only then."""
    try:
        config = oidc.provider_from_env()
    except RuntimeError:  # half configured: the link would only lead to an error page
        return ""
    return config.name if config else ""


def _register_ctx(values: dict, **extra) -> dict:
    return {"v": values, "kinds": KINDS_FOR_FORM, "factor_choices": FACTOR_CHOICES,
            "agreement": agreements.current("person"), "oidc_name": _oidc_name(), **extra}


@router.get("/register", response_class=HTMLResponse)
def register_page(request: Request) -> HTMLResponse:
    return render(request, "accounts/register.html", **_register_ctx({"id_kind": "resident_id"}))


@router.post("/register/code", response_class=HTMLResponse)
def register_code(
    request: Request, db: Db, clock: Now, gateway: Gateway, _: Csrf, name: Short = "", id_kind: Short = "resident_id",
    id_number: Short = "", nationality: Short = "", phone: Short = "",
) -> HTMLResponse:
    values = {"name": name.strip(), "id_kind": id_kind, "id_number": id_number, "nationality": nationality, "phone": phone}
    try:
        if not values["name"]:
            raise InvalidInput("NAME_REQUIRED", "请填写姓名")
        values["id_number"] = validate(id_kind, id_number, nationality=nationality or None, today=persons.today(clock)).number
        values["phone"] = normalize_phone(phone)
        send_code(db_session=db, clock=clock, gateway=gateway, phone=values["phone"], purpose=CodePurpose.register,
                  client_ip=client_ip(request))
        db.commit()
    except DomainError as exc:
        return render(request, "accounts/register.html", status_code=exc.status_code, error=exc.message, **_register_ctx(values))
    return render(request, "accounts/register_verify.html", sent=True, factors=[("", "")] * 2, **_register_ctx(values))


@router.post("/register", response_class=HTMLResponse)
def register(
    request: Request, db: Db, clock: Now, library: Library, _: Csrf, name: Short = "", id_kind: Short = "",
    id_number: Short = "", nationality: Short = "", phone: Short = "", sms_code: Short = "",
    factor_kind: Annotated[list[str], Form(max_length=5)] = [], factor_number: Annotated[list[str], Form(max_length=5)] = [],
    password: Secret = "", password2: Secret = "", agree: Short = "", agreement_version: Short = "",
) -> Response:
    values = {"name": name, "id_kind": id_kind, "id_number": id_number, "nationality": nationality, "phone": phone,
              "sms_code": sms_code}
    factors = list(zip(factor_kind, factor_number))
    try:
        if password != password2:
            raise InvalidInput("PASSWORD_MISMATCH", "两次输入的密码不一致")
        person = persons.register_online(db_session=db, clock=clock, library=library, client_ip=client_ip(request),
                                         registration=persons.Registration(
            name=name, id_kind=id_kind, id_number=id_number, phone=phone, sms_code=sms_code, password=password,
            agreement_version=agreement_version if agree else "", nationality=nationality or None,
            factors={kind: number for kind, number in factors if number.strip()},
        ))
        new = _new_session(request, db, clock, person.id, restricted=False)
        db.commit()
    except DomainError as exc:
        db.rollback()
        rows = (factors + [("", "")] * 2)[:max(2, len(factors))]
        return render(request, "accounts/register_verify.html", status_code=exc.status_code, error=exc.message,
                      factors=rows, **_register_ctx(values))
    return _sign_in(_go("/account", "registered"), new)


# --- login: password then SMS code (ACC-05) -------------------------------------------------------

def _after_login(new: sessions.NewSession, next_url: str) -> Response:
    target = "/account/setup" if new.row.restricted else (_safe_next(next_url) or "/account")
    return _sign_in(RedirectResponse(target, status_code=303), new)


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, next: Annotated[str, Query(max_length=500)] = "") -> HTMLResponse:
    return render(request, "accounts/login.html", next=_safe_next(next), notice=_notice(request), oidc_name=_oidc_name())


@router.post("/login", response_class=HTMLResponse)
def login(request: Request, db: Db, clock: Now, gateway: Gateway, _: Csrf, identifier: Short = "", password: Secret = "",
          next: Annotated[str, Form(max_length=500)] = "") -> HTMLResponse:
    next = _safe_next(next)
    try:
        challenge = sessions.begin_login(db_session=db, clock=clock, gateway=gateway, identifier=identifier, password=password,
                                         client_ip=client_ip(request), transport="cookie")
        db.commit()
    except DomainError as exc:
        return render(request, "accounts/login.html", status_code=exc.status_code, error=exc.message,
                      identifier=identifier, next=next, oidc_name=_oidc_name())
    return render(request, "accounts/login_verify.html", challenge=challenge.token, phone_masked=challenge.phone_masked, next=next)


@router.get("/login/verify")
def login_verify_page() -> RedirectResponse:
    return RedirectResponse("/login", status_code=303)


@router.post("/login/verify", response_class=HTMLResponse)
def login_verify(request: Request, db: Db, clock: Now, _: Csrf, challenge: Short = "", code: Short = "",
                 phone_masked: Short = "", next: Annotated[str, Form(max_length=500)] = "") -> Response:
    next = _safe_next(next)
    try:
        new = sessions.complete_login(db_session=db, clock=clock, challenge=challenge, code=code,
                                      replaces=request.cookies.get(PERSON_COOKIE))
        db.commit()
    except DomainError as exc:
        if exc.code in ("LOGIN_EXPIRED", "ACCOUNT_DISABLED"):
            return render(request, "accounts/login.html", status_code=exc.status_code, error=exc.message, next=next,
                          oidc_name=_oidc_name())
        return render(request, "accounts/login_verify.html", status_code=exc.status_code, error=exc.message,
                      challenge=challenge, phone_masked=phone_masked, next=next)
    return _after_login(new, next)


# --- QR login: the computer shows a code, the signed-in phone confirms it -------------------------

@router.get("/login/qr", response_class=HTMLResponse)
def qr_page(request: Request, db: Db, clock: Now) -> HTMLResponse:
    started = sessions.qr_start(db_session=db, clock=clock)
    db.commit()
    confirm_url = str(request.url_for("qr_confirm_page")) + "?" + urlencode({"code": started.code})
    svg = Markup(segno.make(confirm_url).svg_inline(scale=6))
    response = render(request, "accounts/login_qr.html", svg=svg, confirm_url=confirm_url,
                      minutes=max(1, started.expires_in // 60))
    response.set_cookie(QR_COOKIE, started.poll_secret, max_age=started.expires_in, httponly=True, samesite="lax",
                        secure=get_settings().secure_cookies, path="/login/qr")
    return response


@router.post("/login/qr/poll")
def qr_poll(request: Request, db: Db, clock: Now, _: Csrf) -> Response:
    as_json = _wants_json(request)
    try:
        new = sessions.qr_poll(db_session=db, clock=clock, poll_secret=request.cookies.get(QR_COOKIE, ""), transport="cookie")
        db.commit()
    except DomainError as exc:
        if as_json:
            return JSONResponse({"status": "expired", "message": exc.message}, status_code=exc.status_code)
        return render(request, "accounts/login_qr_wait.html", status_code=exc.status_code, error=exc.message)
    if new is None:
        if as_json:
            return JSONResponse({"status": "pending"})
        return render(request, "accounts/login_qr_wait.html", notice="手机上还没有确认。请在手机上点“确认登录”后再试。")
    target = "/account/setup" if new.row.restricted else "/account"
    response = JSONResponse({"status": "confirmed", "next": target}) if as_json else RedirectResponse(target, status_code=303)
    response.delete_cookie(QR_COOKIE, path="/login/qr")
    old = request.cookies.get(PERSON_COOKIE)
    if old:
        sessions.end_session(db_session=db, clock=clock, token=old)
        db.commit()
    return _sign_in(response, new)


@router.get("/login/qr/confirm", name="qr_confirm_page", response_class=HTMLResponse)
def qr_confirm_page(request: Request, me: Me, code: Annotated[str, Query(max_length=100)] = "") -> HTMLResponse:
    return render(request, "accounts/qr_confirm.html", code=code, me=me)


@router.post("/login/qr/confirm", response_class=HTMLResponse)
def qr_confirm(request: Request, db: Db, clock: Now, me: Me, _: Csrf, code: Short = "") -> HTMLResponse:
    try:
        sessions.qr_confirm(db_session=db, clock=clock, actor=me, code=code)
        db.commit()
    except DomainError as exc:
        return render(request, "accounts/qr_confirm.html", status_code=exc.status_code, error=exc.message, code=code, me=me)
    return render(request, "accounts/qr_confirm.html", done=True, me=me)


# --- logout ---------------------------------------------------------------------------------------

@router.get("/logout", response_class=HTMLResponse)
def logout_page(request: Request) -> HTMLResponse:
    return render(request, "accounts/logout.html")


@router.post("/logout")
def logout(request: Request, db: Db, clock: Now, _me: MaybeMe, _: Csrf) -> RedirectResponse:
    token = request.cookies.get(PERSON_COOKIE)
    if token:
        sessions.end_session(db_session=db, clock=clock, token=token)
        db.commit()
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(PERSON_COOKIE, path="/")
    response.delete_cookie(CSRF_COOKIE, path="/")
    return response


# --- my account -----------------------------------------------------------------------------------

@router.get("/account", response_class=HTMLResponse)
def account(request: Request, db: Db, clock: Now, me: MeAny) -> Response:
    if request.state.auth_session.restricted:
        return RedirectResponse("/account/setup", status_code=303)
    orgs = [(organisations.view(org), role)
            for org, role in delegation.organisations_for(db_session=db, clock=clock, person_id=me.person_id)]
    view = _person_view(db, me.person_id)
    return render(request, "accounts/account.html", me=view, via=VIA_LABELS.get(view.registered_via, view.registered_via),
                  orgs=orgs, notice=_notice(request))


def _setup_page(request: Request, db: Session, me: PersonActor, status_code: int = 200, **extra) -> HTMLResponse:
    return render(request, "accounts/setup.html", status_code=status_code, me=_person_view(db, me.person_id),
                  agreement=agreements.current("person"), **extra)


def _setup_done(request: Request, db: Session, clock: Clock, me: PersonActor, msg: str) -> Response:
    """Back to the setup page while a step remains; the services lift the session's limit after the last one."""
    view = _person_view(db, me.person_id)
    if view.must_change_password or view.agreement_pending:
        return _go("/account/setup")
    return _go("/account", msg)


@router.get("/account/setup", response_class=HTMLResponse)
def setup_page(request: Request, db: Db, clock: Now, me: MeAny) -> Response:
    view = _person_view(db, me.person_id)
    if not view.must_change_password and not view.agreement_pending:
        return _setup_done(request, db, clock, me, "setup")
    return _setup_page(request, db, me)


@router.post("/account/agreement", response_class=HTMLResponse)
def sign_agreement(request: Request, db: Db, clock: Now, me: MeAny, _: Csrf, agree: Short = "",
                   agreement_version: Short = "") -> Response:
    try:
        if not agree:
            raise InvalidInput("AGREEMENT_REQUIRED", "请阅读并勾选“我已阅读并同意”")
        persons.sign_agreement(db_session=db, clock=clock, actor=me, version=agreement_version)
        db.commit()
    except DomainError as exc:
        db.rollback()
        return _setup_page(request, db, me, exc.status_code, error=exc.message)
    return _setup_done(request, db, clock, me, "setup")


@router.get("/account/password", response_class=HTMLResponse)
def password_page(request: Request, db: Db, me: MeAny) -> HTMLResponse:
    return render(request, "accounts/password.html", me=_person_view(db, me.person_id))


@router.post("/account/password", response_class=HTMLResponse)
def change_password(request: Request, db: Db, clock: Now, me: MeAny, _: Csrf, current: Secret = "", new: Secret = "",
                    new2: Secret = "", back: Short = "") -> Response:
    try:
        if new != new2:
            raise InvalidInput("PASSWORD_MISMATCH", "两次输入的密码不一致")
        persons.set_password(db_session=db, clock=clock, actor=me, current=current or None, new=new)
        db.commit()
    except DomainError as exc:
        db.rollback()
        if back == "setup":
            return _setup_page(request, db, me, exc.status_code, error=exc.message)
        return render(request, "accounts/password.html", status_code=exc.status_code, error=exc.message,
                      me=_person_view(db, me.person_id))
    return _setup_done(request, db, clock, me, "password")


@router.get("/account/phone", response_class=HTMLResponse)
def phone_page(request: Request, db: Db, me: Me) -> HTMLResponse:
    return render(request, "accounts/phone.html", me=_person_view(db, me.person_id), new_phone="")


@router.post("/account/phone/code", response_class=HTMLResponse)
def phone_code(request: Request, db: Db, clock: Now, gateway: Gateway, me: Me, _: Csrf, which: Short = "new",
               new_phone: Short = "") -> HTMLResponse:
    view = _person_view(db, me.person_id)
    try:
        if which == "old":
            phone = persons.get(db_session=db, person_id=me.person_id).phone
            if not phone:
                raise NotFound("NO_PHONE", "账号尚未绑定手机号")
            purpose, sent_to = CodePurpose.phone_old, view.phone_masked
        else:
            phone = new_phone = normalize_phone(new_phone)
            purpose, sent_to = CodePurpose.phone_new, mask_phone(new_phone)
        send_code(db_session=db, clock=clock, gateway=gateway, phone=phone, purpose=purpose, client_ip=client_ip(request))
        db.commit()
    except DomainError as exc:
        return render(request, "accounts/phone.html", status_code=exc.status_code, error=exc.message, me=view, new_phone=new_phone)
    return render(request, "accounts/phone.html", me=view, new_phone=new_phone, notice=f"验证码已发送至 {sent_to}")


@router.post("/account/phone", response_class=HTMLResponse)
def change_phone(request: Request, db: Db, clock: Now, me: Me, _: Csrf, old_code: Short = "", new_phone: Short = "",
                 new_code: Short = "") -> Response:
    view = _person_view(db, me.person_id)
    try:
        if view.phone_masked:
            persons.change_phone(db_session=db, clock=clock, actor=me, old_code=old_code, new_phone=new_phone, new_code=new_code)
        else:
            persons.bind_phone(db_session=db, clock=clock, actor=me, phone=new_phone, sms_code=new_code)
        db.commit()
    except DomainError as exc:
        db.rollback()
        return render(request, "accounts/phone.html", status_code=exc.status_code, error=exc.message, me=view, new_phone=new_phone)
    return _go("/account", "phone")


# --- forgotten password (ACC-06) ------------------------------------------------------------------

@router.get("/password/reset", response_class=HTMLResponse)
def reset_page(request: Request) -> HTMLResponse:
    return render(request, "accounts/password_reset.html", step=1, phone="")


@router.post("/password/reset/code", response_class=HTMLResponse)
def reset_code(request: Request, db: Db, clock: Now, gateway: Gateway, _: Csrf, phone: Short = "") -> HTMLResponse:
    try:
        phone = normalize_phone(phone)
        persons.request_reset_code(db_session=db, clock=clock, gateway=gateway, phone=phone, client_ip=client_ip(request))
        db.commit()
    except DomainError as exc:
        return render(request, "accounts/password_reset.html", status_code=exc.status_code, error=exc.message, step=1, phone=phone)
    return render(request, "accounts/password_reset.html", step=2, phone=phone, phone_masked=mask_phone(phone),
                  notice="如果该手机号已绑定账号，验证码已发送，5 分钟内有效。")


@router.post("/password/reset", response_class=HTMLResponse)
def reset(request: Request, db: Db, clock: Now, _: Csrf, phone: Short = "", code: Short = "", password: Secret = "",
          password2: Secret = "") -> Response:
    try:
        if password != password2:
            raise InvalidInput("PASSWORD_MISMATCH", "两次输入的密码不一致")
        persons.reset_password(db_session=db, clock=clock, phone=phone, sms_code=code, new=password)
        db.commit()
    except DomainError as exc:
        db.rollback()
        return render(request, "accounts/password_reset.html", status_code=exc.status_code, error=exc.message, step=2,
                      phone=phone, phone_masked=mask_phone(phone), code=code)
    return _go("/login", "reset")


# --- linked registration through the trusted identity provider (ACC-03) ---------------------------

def _not_configured(request: Request) -> HTMLResponse:
    return render(request, "error.html", status_code=404, status=404, code="OIDC_NOT_CONFIGURED",
                  message="未配置统一身份认证平台")


@router.get("/auth/oidc/start")
def oidc_start(request: Request) -> Response:
    config = oidc.provider_from_env()
    if config is None:
        return _not_configured(request)
    with httpx.Client(timeout=5) as http:
        metadata = oidc.discover(config, http=http)
    auth = oidc.start(config, metadata)
    response = RedirectResponse(auth.url, status_code=303)
    # Random secrets only this browser holds; the state is compared with the callback's, the verifier proves the code.
    response.set_cookie(OIDC_COOKIE, f"{auth.state}.{auth.nonce}.{auth.code_verifier}", max_age=600, httponly=True,
                        samesite="lax", secure=get_settings().secure_cookies, path="/auth/oidc")
    return response


@router.get("/auth/oidc/callback")
def oidc_callback(request: Request, db: Db, clock: Now, code: Annotated[str, Query(max_length=2000)] = "",
                  state: Annotated[str, Query(max_length=500)] = "", error: Annotated[str, Query(max_length=100)] = "") -> Response:
    config = oidc.provider_from_env()
    if config is None:
        return _not_configured(request)
    expected, _, rest = request.cookies.get(OIDC_COOKIE, "").partition(".")
    nonce, _, verifier = rest.partition(".")
    try:
        if error or not code:
            raise Unauthorized("OIDC_CANCELLED", "统一身份认证平台未完成登录，请重新发起")
        with httpx.Client(timeout=5) as http:
            metadata = oidc.discover(config, http=http)
            identity = oidc.finish(config, metadata, http=http, code=code, state=state, expected_state=expected, nonce=nonce,
                                   code_verifier=verifier, now=clock.now())
        person = persons.register_linked(db_session=db, clock=clock, issuer=identity.issuer, subject=identity.subject,
                                         name=identity.name, id_number=identity.id_number)
        view = persons.view(db_session=db, person=person)
        new = _new_session(request, db, clock, person.id, restricted=view.agreement_pending or view.must_change_password)
        db.commit()
    except DomainError as exc:
        db.rollback()
        response = render(request, "error.html", status_code=exc.status_code, status=exc.status_code, code=exc.code,
                          message=exc.message)
        response.delete_cookie(OIDC_COOKIE, path="/auth/oidc")
        return response
    response = _sign_in(RedirectResponse("/account/setup" if new.row.restricted else "/account", status_code=303), new)
    response.delete_cookie(OIDC_COOKIE, path="/auth/oidc")
    return response
