"""Staff workbench for accounts: sign-in with an SMS code, window registration, account status, staff, policies, audit (003 后台管理; ACC-02, 08, 09, 12)."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from tongban.accounts import agreements, audit_view, organisations, persons, policies, sessions, staff, status
from tongban.accounts.access import ROLE_LABELS, Permission, StaffActor, StaffRole
from tongban.accounts.identity import KINDS_FOR_FORM, mask_phone, normalize_phone, validate
from tongban.accounts.models import AuthSession
from tongban.accounts.verification import CodePurpose, send_code
from tongban.baselib.service import BaseLibrary
from tongban.cases import queues
from tongban.catalog import regions
from tongban.core import audit
from tongban.core.clock import SHANGHAI, Clock
from tongban.core.config import get_settings
from tongban.core.errors import DomainError, Forbidden, InvalidInput, Unauthorized
from tongban.notify.sms import SmsGateway
from tongban.web.deps import (
    CSRF_COOKIE, STAFF_COOKIE, Csrf, Db, LongText, Now, Staff, Text, check_csrf, client_ip, get_gateway, get_library,
    get_staff,
)
from tongban.web.pages import render

router = APIRouter(prefix="/staff", include_in_schema=False)
Gateway = Annotated[SmsGateway, Depends(get_gateway)]
Library = Annotated[BaseLibrary, Depends(get_library)]
CsrfField = Annotated[str, Form(max_length=100)]
Choices = Annotated[list[str], Form(max_length=40)]

SUBJECT_LABELS = {"person": "自然人", "org_agent": "法人经办人", "staff": "工作人员"}
AUDIT_PAGE = 200


def _ctx(request: Request, actor: StaffActor) -> dict:
    return {"actor": actor, "msg": request.query_params.get("msg", "")}


def _back(url: str, message: str = "") -> RedirectResponse:
    return RedirectResponse(f"{url}?msg={quote(message)}" if message else url, status_code=303)


def _staff_session(request: Request, db: Session, clock: Clock) -> AuthSession | None:
    """The browser's staff session, restricted or not; None when there is none."""
    try:
        row = sessions.resolve(db_session=db, clock=clock, token=request.cookies.get(STAFF_COOKIE), transport="cookie")
    except Unauthorized:
        return None
    if row.subject_kind != "staff":
        return None
    request.state.auth_session = row
    return row


def _set_cookie(response: Response, name: str, value: str) -> None:
    response.set_cookie(name, value, httponly=True, samesite="strict", secure=get_settings().secure_cookies, path="/")


# --- sign-in ---------------------------------------------------------------------------------------

def _login_page(request: Request, *, error: str = "", status_code: int = 200, step: str = "password", **extra) -> HTMLResponse:
    return render(request, "accounts/staff_login.html", status_code=status_code, error=error, step=step, **extra)


@router.get("/", response_class=HTMLResponse)
def login_form(request: Request, db: Db, clock: Now) -> Response:
    row = _staff_session(request, db, clock)
    if row is not None:
        return RedirectResponse("/staff/password" if row.restricted else "/staff/home", status_code=303)
    return _login_page(request)


@router.get("/login/verify", include_in_schema=False)
@router.get("/login", include_in_schema=False)
def login_address() -> Response:
    """The sign-in forms post here; someone who types the address (or reloads after a failed step) gets the form."""
    return RedirectResponse("/staff/", status_code=303)


@router.post("/login", response_class=HTMLResponse)
def login(request: Request, db: Db, clock: Now, gateway: Gateway, _csrf: Csrf,
          username: Annotated[str, Form(max_length=60)] = "", password: Annotated[str, Form(max_length=128)] = "") -> HTMLResponse:
    try:
        challenge = sessions.begin_login(db_session=db, clock=clock, gateway=gateway, identifier=username, password=password,
                                         client_ip=client_ip(request), subject_kind="staff", transport="cookie")
    except DomainError as exc:
        db.rollback()
        return _login_page(request, error=exc.message, status_code=exc.status_code, username=username)
    db.commit()
    return _login_page(request, step="code", challenge=challenge.token, phone_masked=challenge.phone_masked)


@router.post("/login/verify", response_class=HTMLResponse)
def login_verify(request: Request, db: Db, clock: Now, _csrf: Csrf, challenge: Annotated[str, Form(max_length=100)] = "",
                 code: Annotated[str, Form(max_length=10)] = "", phone_masked: Annotated[str, Form(max_length=20)] = "") -> Response:
    try:
        new = sessions.complete_login(db_session=db, clock=clock, challenge=challenge, code=code.strip(),
                                      replaces=request.cookies.get(STAFF_COOKIE))
        if new.row.subject_kind != "staff":
            raise Unauthorized("LOGIN_EXPIRED", "登录已超时，请重新输入账号和密码")
    except DomainError as exc:
        db.rollback()
        step = "password" if exc.code in ("LOGIN_EXPIRED", "ACCOUNT_DISABLED") else "code"
        return _login_page(request, error=exc.message, status_code=exc.status_code, step=step, challenge=challenge,
                           phone_masked=phone_masked)
    db.commit()
    response = RedirectResponse("/staff/password" if new.row.restricted else "/staff/home", status_code=303)
    _set_cookie(response, STAFF_COOKIE, new.token)
    _set_cookie(response, CSRF_COOKIE, new.csrf_token)
    return response


@router.post("/logout")
def logout(request: Request, db: Db, clock: Now, csrf: CsrfField = "") -> RedirectResponse:
    row = _staff_session(request, db, clock)
    if row is not None:
        check_csrf(request, csrf)
        sessions.end_session(db_session=db, clock=clock, token=request.cookies[STAFF_COOKIE])
        db.commit()
    response = RedirectResponse("/staff/", status_code=303)
    response.delete_cookie(STAFF_COOKIE, path="/")
    response.delete_cookie(CSRF_COOKIE, path="/")
    return response


def _own_session(request: Request, db: Session, clock: Clock) -> tuple[AuthSession, StaffActor]:
    """For the password page: a restricted session may use it, which get_staff refuses."""
    row = _staff_session(request, db, clock)
    if row is None:
        raise Unauthorized("STAFF_LOGIN_REQUIRED", "请先以工作人员身份登录")
    return row, sessions.staff_actor(db_session=db, session=row)


@router.get("/password", response_class=HTMLResponse)
def password_form(request: Request, db: Db, clock: Now) -> HTMLResponse:
    row, actor = _own_session(request, db, clock)
    return render(request, "accounts/staff_password.html", restricted=row.restricted, error="", **_ctx(request, actor))


@router.post("/password", response_class=HTMLResponse)
def change_password(request: Request, db: Db, clock: Now, csrf: CsrfField = "", current: Annotated[str, Form(max_length=128)] = "",
                    new: Annotated[str, Form(max_length=128)] = "", repeat: Annotated[str, Form(max_length=128)] = "") -> Response:
    row, actor = _own_session(request, db, clock)
    check_csrf(request, csrf)
    try:
        if new != repeat:
            raise InvalidInput("PASSWORD_REPEAT", "两次输入的新密码不一致")
        staff.set_password(db_session=db, clock=clock, actor=actor, current=current, new=new, session_id=row.id)
    except DomainError as exc:
        db.rollback()
        return render(request, "accounts/staff_password.html", status_code=exc.status_code, restricted=row.restricted,
                      error=exc.message, **_ctx(request, actor))
    db.commit()
    return _back("/staff/home", "密码已修改")


@router.get("/home", response_class=HTMLResponse)
def home(request: Request, db: Db, clock: Now) -> Response:
    try:
        actor = get_staff(request, db, clock)
    except Forbidden as exc:
        if exc.code != "PASSWORD_CHANGE_REQUIRED":
            raise
        return RedirectResponse("/staff/password", status_code=303)
    # The first screen is the actor's own to-do list, by the same queue rule as the case pages and the API.
    todo = queues.todo(db_session=db, clock=clock, actor=actor)
    return render(request, "accounts/staff_home.html", todo=todo, **_ctx(request, actor))


# --- people: look-up, status, window registration --------------------------------------------------

def _people_page(request: Request, actor: StaffActor, *, error: str = "", status_code: int = 200, form: dict | None = None,
                 step: str = "details", sent_to: str = "") -> HTMLResponse:
    if not (actor.has(Permission.window_register) or actor.has(Permission.account_view)):
        raise Forbidden("NOT_PERMITTED", "您的岗位没有这项操作的权限")
    return render(request, "accounts/staff_people.html", status_code=status_code, error=error, form=form or {}, step=step,
                  sent_to=sent_to, kinds=KINDS_FOR_FORM, **_ctx(request, actor))


def _person_page(request: Request, db: Session, clock: Clock, actor: StaffActor, person_id: int, *, error: str = "",
                 status_code: int = 200) -> HTMLResponse:
    person = persons.view_for_staff(db_session=db, clock=clock, actor=actor, person_id=person_id)
    db.commit()
    return render(request, "accounts/staff_person.html", status_code=status_code, error=error, person=person,
                  **_ctx(request, actor))


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
        db.commit()  # a search that found nothing is audited too
        return _people_page(request, actor, error=exc.message, status_code=exc.status_code, form={"find_kind": id_kind})
    return RedirectResponse(f"/staff/people/{person.id}", status_code=303)


@router.get("/people/{person_id}", response_class=HTMLResponse)
def person_page(request: Request, person_id: int, db: Db, clock: Now, actor: Staff) -> HTMLResponse:
    return _person_page(request, db, clock, actor, person_id)


def _window_form(name: str, id_kind: str, id_number: str, nationality: str, phone: str) -> dict:
    return {"name": name, "id_kind": id_kind, "id_number": id_number, "nationality": nationality, "phone": phone}


@router.post("/people/code", response_class=HTMLResponse)
def window_code(request: Request, db: Db, clock: Now, gateway: Gateway, actor: Staff, _csrf: Csrf, name: Text = "",
                id_kind: Text = "resident_id", id_number: Text = "", nationality: Text = "", phone: Text = "") -> HTMLResponse:
    form = _window_form(name, id_kind, id_number, nationality, phone)
    try:
        actor.require(Permission.window_register)
        validate(id_kind, id_number, nationality=nationality.strip().upper() or None, today=persons.today(clock))
        number = normalize_phone(phone)
        send_code(db_session=db, clock=clock, gateway=gateway, phone=number, purpose=CodePurpose.window,
                  client_ip=client_ip(request))
    except DomainError as exc:
        db.rollback()
        return _people_page(request, actor, error=exc.message, status_code=exc.status_code, form=form)
    db.commit()
    return _people_page(request, actor, form=form, step="code", sent_to=mask_phone(number))


@router.post("/people/new", response_class=HTMLResponse)
def window_register(request: Request, db: Db, clock: Now, library: Library, actor: Staff, _csrf: Csrf, name: Text = "",
                    id_kind: Text = "resident_id", id_number: Text = "", nationality: Text = "", phone: Text = "",
                    code: Annotated[str, Form(max_length=10)] = "") -> HTMLResponse:
    try:
        person, password = persons.register_at_window(
            db_session=db, clock=clock, library=library, actor=actor, name=name, id_kind=id_kind, id_number=id_number,
            phone=phone, sms_code=code.strip(), nationality=nationality.strip().upper() or None,
        )
    except DomainError as exc:
        db.rollback()
        form = _window_form(name, id_kind, id_number, nationality, phone)
        return _people_page(request, actor, error=exc.message, status_code=exc.status_code, form=form, step="code")
    db.commit()
    return render(request, "accounts/staff_person_created.html", person=persons.view(db_session=db, person=person),
                  password=password, agreement=agreements.current("person"), **_ctx(request, actor))


# --- account status: disable, ask to re-enable, approve ----------------------------------------------

def _status_error(request: Request, db: Session, clock: Clock, actor: StaffActor, kind: str, account_id: int,
                  exc: DomainError) -> HTMLResponse:
    if kind == "person":
        return _person_page(request, db, clock, actor, account_id, error=exc.message, status_code=exc.status_code)
    return _accounts_page(request, db, actor, error=exc.message, status_code=exc.status_code)


def _status_done(kind: str, account_id: int, message: str) -> RedirectResponse:
    return _back(f"/staff/people/{account_id}" if kind == "person" else "/staff/accounts", message)


@router.post("/accounts/{kind}/{account_id}/disable", response_class=HTMLResponse)
def disable(request: Request, kind: str, account_id: int, db: Db, clock: Now, actor: Staff, _csrf: Csrf,
            reason: LongText = "") -> Response:
    try:
        status.disable(db_session=db, clock=clock, actor=actor, ref=status.AccountRef(kind, account_id), reason=reason)
    except DomainError as exc:
        db.rollback()
        return _status_error(request, db, clock, actor, kind, account_id, exc)
    db.commit()
    return _status_done(kind, account_id, "账号已禁用，登录状态已同时失效")


@router.post("/accounts/{kind}/{account_id}/enable-request", response_class=HTMLResponse)
def request_enable(request: Request, kind: str, account_id: int, db: Db, clock: Now, actor: Staff, _csrf: Csrf,
                   reason: LongText = "") -> Response:
    try:
        status.request_enable(db_session=db, clock=clock, actor=actor, ref=status.AccountRef(kind, account_id), reason=reason)
    except DomainError as exc:
        db.rollback()
        return _status_error(request, db, clock, actor, kind, account_id, exc)
    db.commit()
    return _status_done(kind, account_id, "解禁申请已提交，等待管理部门负责人审核")


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
                  **_ctx(request, actor))


@router.get("/approvals", response_class=HTMLResponse)
def approvals(request: Request, db: Db, actor: Staff) -> HTMLResponse:
    return _approvals_page(request, db, actor)


@router.post("/approvals/{request_id}", response_class=HTMLResponse)
def decide(request: Request, request_id: int, db: Db, clock: Now, gateway: Gateway, actor: Staff, _csrf: Csrf,
           decision: Annotated[str, Form(max_length=10)] = "", note: LongText = "") -> Response:
    try:
        if decision not in ("approve", "reject"):
            raise InvalidInput("DECISION", "请选择通过或不通过")
        status.decide_enable(db_session=db, clock=clock, gateway=gateway, actor=actor, request_id=request_id,
                             approve=decision == "approve", note=note)
    except DomainError as exc:
        db.rollback()
        return _approvals_page(request, db, actor, error=exc.message, status_code=exc.status_code)
    db.commit()
    return _back("/staff/approvals", "已解除禁用；账号绑定了手机号的，系统已短信告知" if decision == "approve" else "已驳回解禁申请")


# --- organisations at the window -----------------------------------------------------------------

def _orgs_page(request: Request, actor: StaffActor, *, error: str = "", status_code: int = 200, form: dict | None = None,
               which: str = "") -> HTMLResponse:
    actor.require(Permission.window_register)
    return render(request, "accounts/staff_orgs.html", status_code=status_code, error=error, which=which, form=form or {},
                  kinds=KINDS_FOR_FORM, **_ctx(request, actor))


def _org_created(request: Request, actor: StaffActor, org) -> HTMLResponse:
    return render(request, "accounts/staff_org_created.html", org=organisations.view(org), agreement=agreements.current("org"),
                  **_ctx(request, actor))


@router.get("/orgs/new", response_class=HTMLResponse)
def orgs_form(request: Request, actor: Staff) -> HTMLResponse:
    return _orgs_page(request, actor)


@router.post("/orgs/window", response_class=HTMLResponse)
def org_window(request: Request, db: Db, clock: Now, library: Library, actor: Staff, _csrf: Csrf, uscc: Text = "",
               legal_rep_id_kind: Text = "resident_id", legal_rep_id_number: Text = "") -> HTMLResponse:
    try:
        org = organisations.register_at_window(db_session=db, clock=clock, library=library, actor=actor, uscc=uscc,
                                               legal_rep_id_kind=legal_rep_id_kind, legal_rep_id_number=legal_rep_id_number)
    except DomainError as exc:
        db.rollback()
        form = {"uscc": uscc, "legal_rep_id_kind": legal_rep_id_kind, "legal_rep_id_number": legal_rep_id_number}
        return _orgs_page(request, actor, error=exc.message, status_code=exc.status_code, form=form, which="window")
    db.commit()
    return _org_created(request, actor, org)


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
              item_codes: LongText = "") -> HTMLResponse:
    try:
        actor.require(Permission.window_register)
        agent = persons.identify(db_session=db, id_kind=agent_id_kind, id_number=agent_id_number, name=agent_name, role="经办人",
                                 by_staff=True)
        org = organisations.register_by_proxy(
            db_session=db, clock=clock, library=library, actor=actor, uscc=uscc, legal_rep_id_kind=legal_rep_id_kind,
            legal_rep_id_number=legal_rep_id_number, agent_person_id=agent.id,
            letter_reference=letter_reference, valid_until=_end_of_day(valid_until),
            item_scope=[line.strip() for line in item_codes.splitlines() if line.strip()],
        )
    except DomainError as exc:
        db.rollback()
        form = {"uscc": uscc, "legal_rep_id_kind": legal_rep_id_kind, "legal_rep_id_number": legal_rep_id_number,
                "agent_id_kind": agent_id_kind, "agent_id_number": agent_id_number, "agent_name": agent_name,
                "letter_reference": letter_reference, "valid_until": valid_until, "item_codes": item_codes}
        return _orgs_page(request, actor, error=exc.message, status_code=exc.status_code, form=form, which="proxy")
    db.commit()
    return _org_created(request, actor, org)


# --- staff accounts ----------------------------------------------------------------------------------

def _accounts_page(request: Request, db: Session, actor: StaffActor, *, error: str = "", status_code: int = 200,
                   form: dict | None = None, created: tuple | None = None) -> HTMLResponse:
    rows = staff.list_in_scope(db_session=db, actor=actor)
    agencies = regions.list_agencies(db_session=db)
    names = {a.id: a.name for a in agencies}
    if actor.agency_id is not None:
        agencies = [a for a in agencies if a.id == actor.agency_id]
    return render(request, "accounts/staff_accounts.html", status_code=status_code, error=error, rows=rows, agencies=agencies,
                  agency_names=names, roles=list(StaffRole), role_labels=ROLE_LABELS, form=form or {"region_code": actor.region_code, "roles": []},
                  created=created, **_ctx(request, actor))


@router.get("/accounts", response_class=HTMLResponse)
def accounts(request: Request, db: Db, actor: Staff) -> HTMLResponse:
    return _accounts_page(request, db, actor)


@router.post("/accounts/new", response_class=HTMLResponse)
def create_account(request: Request, db: Db, clock: Now, actor: Staff, _csrf: Csrf, username: Text = "", name: Text = "",
                   roles: Choices = [], region_code: Text = "", agency_id: Text = "", phone: Text = "") -> HTMLResponse:
    form = {"username": username, "name": name, "roles": roles, "region_code": region_code, "agency_id": agency_id, "phone": phone}
    try:
        if agency_id and not agency_id.isdigit():
            raise InvalidInput("AGENCY", "请从列表中选择所属机构")
        staff_in = staff.StaffIn(username=username, name=name, roles=roles, region_code=region_code.strip(),
                                 agency_id=int(agency_id) if agency_id else None, phone=phone.strip() or None)
        row, password = staff.create(db_session=db, clock=clock, staff_in=staff_in, by=actor)
    except DomainError as exc:
        db.rollback()
        return _accounts_page(request, db, actor, error=exc.message, status_code=exc.status_code, form=form)
    db.commit()
    return _accounts_page(request, db, actor, created=(row, password))


# --- access policies -------------------------------------------------------------------------------

def _policies_page(request: Request, db: Session, actor: StaffActor, *, error: str = "", status_code: int = 200) -> HTMLResponse:
    actor.require(Permission.policy_admin)
    return render(request, "accounts/staff_policies.html", status_code=status_code, error=error,
                  rows=policies.list_all(db_session=db), subject_kinds=[(k, SUBJECT_LABELS[k]) for k in policies.SUBJECT_KINDS],
                  roles=list(StaffRole), kinds=KINDS_FOR_FORM, **_ctx(request, actor))


@router.get("/policies", response_class=HTMLResponse)
def policies_page(request: Request, db: Db, actor: Staff) -> HTMLResponse:
    return _policies_page(request, db, actor)


@router.post("/policies/{application}", response_class=HTMLResponse)
def update_policy(request: Request, application: str, db: Db, clock: Now, actor: Staff, _csrf: Csrf, enabled: Text = "",
                  allow_anonymous: Text = "", subject_kinds: Choices = [], staff_roles: Choices = [],
                  id_kinds: Choices = []) -> Response:
    policy_in = policies.PolicyIn(enabled=bool(enabled), allow_anonymous=bool(allow_anonymous), subject_kinds=subject_kinds,
                                  staff_roles=staff_roles, id_kinds=id_kinds)
    try:
        row = policies.update_policy(db_session=db, clock=clock, actor=actor, application=application, policy_in=policy_in)
    except DomainError as exc:
        db.rollback()
        return _policies_page(request, db, actor, error=exc.message, status_code=exc.status_code)
    db.commit()
    return _back("/staff/policies", f"“{row.label}”的访问策略已更新，其他应用不受影响")


# --- audit -----------------------------------------------------------------------------------------

def _audit_page(request: Request, db: Session, actor: StaffActor, check: audit.Verification | None = None) -> HTMLResponse:
    rows = audit_view.trail(db_session=db, actor=actor, limit=AUDIT_PAGE)
    return render(request, "accounts/staff_audit.html", rows=rows, check=check, limit=AUDIT_PAGE, **_ctx(request, actor))


@router.get("/audit", response_class=HTMLResponse)
def audit_page(request: Request, db: Db, actor: Staff) -> HTMLResponse:
    return _audit_page(request, db, actor)


@router.post("/audit/verify", response_class=HTMLResponse)
def audit_verify(request: Request, db: Db, actor: Staff, _csrf: Csrf) -> HTMLResponse:
    actor.require(Permission.audit_read)
    return _audit_page(request, db, actor, audit.verify(db_session=db))
