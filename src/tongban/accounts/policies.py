"""Per-application access policies that change one application without disturbing the others (003 应用访问控制)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from tongban.accounts.access import Permission, PersonActor, StaffActor, StaffRole
from tongban.accounts.identity import IdKind
from tongban.accounts.models import AccessPolicy
from tongban.core import audit
from tongban.core.clock import Clock
from tongban.core.errors import Forbidden, InvalidInput, NotFound, Unauthorized

SUBJECT_KINDS = ("person", "org_agent", "staff")

# Applications every installation starts with; administrators tune each row afterwards.
DEFAULTS: dict[str, dict] = {
    "portal": {"label": "门户浏览与检索", "allow_anonymous": True, "subject_kinds": list(SUBJECT_KINDS)},
    "space": {"label": "个人和法人空间", "subject_kinds": ["person", "org_agent"]},
    "apply": {"label": "网上申报", "subject_kinds": ["person", "org_agent"]},
    "consult": {"label": "在线咨询", "subject_kinds": ["person", "org_agent"]},
    "appointments": {"label": "网上预约", "subject_kinds": ["person", "org_agent"]},
    "workbench": {"label": "工作人员工作台", "subject_kinds": ["staff"]},
    "exchange": {"label": "数据交换接口", "subject_kinds": ["staff"], "staff_roles": ["admin", "catalog_reviewer", "operator"]},
}


@dataclass(frozen=True)
class PolicyIn:
    enabled: bool
    allow_anonymous: bool
    subject_kinds: list[str]
    staff_roles: list[str]
    id_kinds: list[str]


def ensure_defaults(*, db_session: Session, clock: Clock) -> None:
    existing = set(db_session.scalars(select(AccessPolicy.application)))
    for application, values in DEFAULTS.items():
        if application not in existing:
            db_session.add(AccessPolicy(application=application, label=values["label"], enabled=True,
                                        allow_anonymous=values.get("allow_anonymous", False),
                                        subject_kinds=values.get("subject_kinds", []), staff_roles=values.get("staff_roles", []),
                                        id_kinds=[], updated_at=clock.now(), updated_by="system"))
    db_session.flush()


def get(*, db_session: Session, application: str) -> AccessPolicy:
    row = db_session.scalar(select(AccessPolicy).where(AccessPolicy.application == application))
    if row is None:
        raise NotFound("APPLICATION_UNKNOWN", "没有这个应用的访问策略")
    return row


def list_all(*, db_session: Session) -> list[AccessPolicy]:
    return list(db_session.scalars(select(AccessPolicy).order_by(AccessPolicy.application)))


def update_policy(*, db_session: Session, clock: Clock, actor: StaffActor, application: str, policy_in: PolicyIn) -> AccessPolicy:
    actor.require(Permission.policy_admin)
    for kind in policy_in.subject_kinds:
        if kind not in SUBJECT_KINDS:
            raise InvalidInput("SUBJECT_KIND", "用户类型只能是 person、org_agent 或 staff")
    for role in policy_in.staff_roles:
        if role not in StaffRole.__members__:
            raise InvalidInput("BAD_ROLE", f"没有岗位“{role}”")
    for kind in policy_in.id_kinds:
        if kind not in IdKind.__members__:
            raise InvalidInput("ID_KIND_UNKNOWN", f"没有证件类型“{kind}”")
    row = get(db_session=db_session, application=application)
    before = {"enabled": row.enabled, "anonymous": row.allow_anonymous, "subjects": row.subject_kinds,
              "roles": row.staff_roles, "id_kinds": row.id_kinds}
    row.enabled, row.allow_anonymous = policy_in.enabled, policy_in.allow_anonymous
    row.subject_kinds, row.staff_roles, row.id_kinds = list(policy_in.subject_kinds), list(policy_in.staff_roles), list(policy_in.id_kinds)
    row.updated_at, row.updated_by = clock.now(), actor.ref
    audit.record(db_session=db_session, clock=clock, actor=actor.ref, action="policy.update", object_kind="policy",
                 object_id=application, details={"before": before, "after": {"enabled": row.enabled, "anonymous": row.allow_anonymous,
                                                 "subjects": row.subject_kinds, "roles": row.staff_roles, "id_kinds": row.id_kinds}})
    return row


def check(*, db_session: Session, application: str, actor: PersonActor | StaffActor | None, as_org_agent: bool = False) -> None:
    """Raise unless this application's policy admits the caller; other applications are not consulted."""
    row = db_session.scalar(select(AccessPolicy).where(AccessPolicy.application == application))
    if row is None:
        if actor is None:
            raise Unauthorized("LOGIN_REQUIRED", "请先登录")
        return  # no policy row yet: only signed-in users, as before policies existed
    if not row.enabled:
        raise Forbidden("APPLICATION_CLOSED", f"“{row.label}”暂停服务")
    if actor is None:
        if row.allow_anonymous:
            return
        raise Unauthorized("LOGIN_REQUIRED", f"使用“{row.label}”需要先登录实名账号")
    if isinstance(actor, StaffActor):
        if "staff" not in row.subject_kinds or (row.staff_roles and not {r.value for r in actor.roles} & set(row.staff_roles)):
            raise Forbidden("POLICY_DENIED", f"您的账号不能使用“{row.label}”")
        return
    kind = "org_agent" if as_org_agent else "person"
    if kind not in row.subject_kinds:
        raise Forbidden("POLICY_DENIED", f"您的账号不能使用“{row.label}”")
    if row.id_kinds and actor.id_kind not in row.id_kinds:
        raise Forbidden("POLICY_DENIED", f"“{row.label}”暂不支持您的证件类型")
