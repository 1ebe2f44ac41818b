"""What accounts' page modules share: the notes shown after a redirect, labels, dates as the forms show them,
the staff pages' common context and the pages that more than one staff feature shows again, and signing a browser in.

Route modules do not import each other (tests/web/test_routes.py); what two of them need lives here.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from fastapi import Request, Response
from sqlalchemy.orm import Session

from tongban.accounts import oidc, persons, sessions, staff
from tongban.accounts.access import ROLE_LABELS, StaffActor, StaffRole
from tongban.catalog import regions
from tongban.core.clock import SHANGHAI, Clock, as_utc
from tongban.core.config import get_settings
from tongban.web.deps import CSRF_COOKIE, PERSON_COOKIE

# The `msg` codes of the public pages' redirects and the note each one shows.
MESSAGES = {
    "registered": "注册成功，欢迎使用通办！", "password": "密码已修改。", "phone": "手机号已更新。",
    "reset": "密码已重置，请用新密码登录。", "org": "法人账号注册成功。", "granted": "已完成授权。",
    "requested": "授权申请已提交，请等待法定代表人审批。", "decided": "已处理授权申请。", "changed": "授权已变更。",
    "revoked": "授权已取消。", "renounced": "您已放弃该单位的授权。", "setup": "账号设置已完成。",
}
STATUS_LABELS = {"requested": "待审批", "active": "有效", "rejected": "已驳回", "revoked": "已取消", "expired": "已过期"}


def notice(request: Request) -> str:
    """The note for the `msg` code in the address; an unknown code shows nothing."""
    return MESSAGES.get(request.query_params.get("msg", ""), "")


def day(value: datetime, *, last: bool = False) -> str:
    """The Shanghai date of a moment; `last` for an end that is exclusive (the day before midnight)."""
    moment = as_utc(value) - (timedelta(microseconds=1) if last else timedelta(0))
    return moment.astimezone(SHANGHAI).date().isoformat()


def oidc_name() -> str:
    """The identity provider's name when one is configured, else "": login and register link to it only then."""
    try:
        config = oidc.provider_from_env()
    except RuntimeError:  # half configured: the link would only lead to an error page
        return ""
    return config.name if config else ""


# --- signing a person's browser in ------------------------------------------------------------------

def new_session(request: Request, db: Session, clock: Clock, person_id: int, *, restricted: bool) -> sessions.NewSession:
    """A fresh token every time someone signs in; whatever the browser held before is ended, never promoted."""
    old = request.cookies.get(PERSON_COOKIE)
    if old:
        sessions.end_session(db_session=db, clock=clock, token=old)
    return sessions.open_session(db_session=db, clock=clock, subject_kind="person", subject_id=person_id,
                                 transport="cookie", restricted=restricted)


def sign_in(response: Response, new: sessions.NewSession) -> Response:
    secure = get_settings().secure_cookies
    response.set_cookie(PERSON_COOKIE, new.token, httponly=True, samesite="lax", secure=secure, path="/")
    response.set_cookie(CSRF_COOKIE, new.csrf_token, httponly=True, samesite="lax", secure=secure, path="/")
    return response


# --- staff pages ------------------------------------------------------------------------------------

def staff_ctx(request: Request, actor: StaffActor) -> dict:
    """What every staff page of accounts shows: who is signed in and the note of the last action."""
    return {"actor": actor, "msg": request.query_params.get("msg", "")}


def staff_person(db: Session, clock: Clock, actor: StaffActor, person_id: int) -> dict:
    """accounts/staff_person.html's data: one person as staff see them (the look is audited; the caller commits)."""
    return {"person": persons.view_for_staff(db_session=db, clock=clock, actor=actor, person_id=person_id)}


def staff_accounts(db: Session, actor: StaffActor, *, form: dict | None = None, created: tuple | None = None) -> dict:
    """accounts/staff_accounts.html's data: the staff accounts in the actor's scope and the form for a new one."""
    rows = staff.list_in_scope(db_session=db, actor=actor)
    agencies = regions.list_agencies(db_session=db)
    names = {a.id: a.name for a in agencies}
    if actor.agency_id is not None:
        agencies = [a for a in agencies if a.id == actor.agency_id]
    return {"rows": rows, "agencies": agencies, "agency_names": names, "roles": list(StaffRole), "role_labels": ROLE_LABELS,
            "form": form or {"region_code": actor.region_code, "roles": []}, "created": created}
