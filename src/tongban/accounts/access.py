"""Who may do what to which object: staff roles and scope, citizens' ownership, application policies (002 §7; 003)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from enum import StrEnum

from tongban.core.enums import LabelledEnum
from tongban.core.errors import Forbidden


class StaffRole(LabelledEnum):
    """Posts of government-side users (002 §7; 001 6.2), plus catalog maintenance and administration."""

    consultant = "consultant", "在线咨询人员（服务专员）"
    advisor = "advisor", "顾问专员（首席代表）"
    acceptor = "acceptor", "受理人"
    reviewer = "reviewer", "审查人"
    decider = "decider", "决定人"
    dispatcher = "dispatcher", "送件人"
    supervisor = "supervisor", "管理专员"
    operator = "operator", "运行维护人员"
    tech_support = "tech_support", "技术支持人员"
    catalog_editor = "catalog_editor", "事项编辑（实施机构）"
    catalog_reviewer = "catalog_reviewer", "事项审核（管理机构）"
    manager = "manager", "管理部门负责人"
    admin = "admin", "系统管理员"


ROLE_LABELS = {role: role.label for role in StaffRole}


class Permission(StrEnum):
    catalog_edit = "catalog_edit"
    catalog_review = "catalog_review"
    window_register = "window_register"  # open accounts for people and organisations at a window
    account_view = "account_view"  # look a registered user up (hotline and account care; audited)
    account_disable = "account_disable"  # disable, and ask for re-enabling
    account_approve = "account_approve"  # approve re-enabling (a manager)
    staff_admin = "staff_admin"
    policy_admin = "policy_admin"
    audit_read = "audit_read"
    case_accept = "case_accept"
    case_review = "case_review"
    case_decide = "case_decide"
    case_dispatch = "case_dispatch"
    consult_answer = "consult_answer"
    supervise = "supervise"
    queue_call = "queue_call"  # call tickets at a hall window, record no-shows and force majeure
    hall_admin = "hall_admin"  # hall, window and booking settings
    rectify = "rectify"  # verify and rectify bad ratings of the agency; sees who rated (RATE-03)


# There is no calendar permission of its own: the working-day calendar is platform-wide configuration, kept by
# system administrators. Every member of staff may read it (every case's deadline comes from it).
CALENDAR_PERMISSION = Permission.policy_admin


_P = Permission
ROLE_PERMISSIONS: dict[StaffRole, frozenset[Permission]] = {
    StaffRole.consultant: frozenset({_P.consult_answer, _P.window_register, _P.account_view, _P.queue_call}),
    StaffRole.advisor: frozenset({_P.consult_answer}),
    # A window reads its applicants on their cases (agency-scoped); account look-up is for account care.
    StaffRole.acceptor: frozenset({_P.case_accept, _P.window_register, _P.queue_call}),
    StaffRole.reviewer: frozenset({_P.case_review}),
    StaffRole.decider: frozenset({_P.case_decide}),
    StaffRole.dispatcher: frozenset({_P.case_dispatch}),
    StaffRole.supervisor: frozenset({_P.supervise, _P.audit_read, _P.account_view, _P.rectify}),
    StaffRole.operator: frozenset({_P.account_view, _P.account_disable, _P.window_register}),
    StaffRole.tech_support: frozenset(),
    StaffRole.catalog_editor: frozenset({_P.catalog_edit}),
    StaffRole.catalog_reviewer: frozenset({_P.catalog_review}),
    StaffRole.manager: frozenset({_P.account_view, _P.account_approve, _P.audit_read, _P.rectify}),
    StaffRole.admin: frozenset(set(Permission) - {_P.account_approve}),
}


def region_prefix(code: str) -> str:
    """510000 → 51, 511600 → 5116: a region covers every code that starts with its prefix."""
    code = code.strip()
    for size in (2, 4):
        if code[size:].strip("0") == "":
            return code[:size]
    return code


@dataclass(frozen=True)
class StaffActor:
    """A signed-in member of staff as every domain sees them."""

    staff_id: int
    name: str
    roles: frozenset[StaffRole]
    agency_id: int | None  # None: the management agency of the region, not one department
    region_code: str
    token_id: int | None = None
    permissions: frozenset[Permission] = field(default=frozenset())

    def __post_init__(self) -> None:
        granted: set[Permission] = set()
        for role in self.roles:
            granted |= ROLE_PERMISSIONS[role]
        object.__setattr__(self, "permissions", frozenset(granted))

    @property
    def ref(self) -> str:
        return f"staff:{self.staff_id}"

    def has(self, permission: Permission) -> bool:
        return permission in self.permissions

    def covers(self, *, agency_id: int | None = None, region_code: str | None = None) -> bool:
        """Staff of an agency act on their agency's objects; management staff on their region's."""
        if self.agency_id is not None and agency_id is not None and agency_id != self.agency_id:
            return False
        if region_code is not None and not region_code.startswith(region_prefix(self.region_code)):
            return False
        return True

    def require(self, permission: Permission, *, agency_id: int | None = None, region_code: str | None = None) -> None:
        """The one check every domain calls before a staff action on an object."""
        if not self.has(permission):
            raise Forbidden("NOT_PERMITTED", "您的岗位没有这项操作的权限")
        if not self.covers(agency_id=agency_id, region_code=region_code):
            raise Forbidden("OUT_OF_SCOPE", "只能处理本机构、本地区的业务")

    # The catalog's foundation rules, expressed through permissions and scope.
    def may_edit(self, agency_id: int, *, region_code: str | None = None) -> bool:
        return self.has(Permission.catalog_edit) and self.covers(agency_id=agency_id, region_code=region_code)

    def may_review(self) -> bool:
        """Holds the reviewing post at all (menus); whether it reaches one item is `require_management`'s question."""
        return self.has(Permission.catalog_review)

    def require_edit(self, agency_id: int, *, region_code: str | None = None) -> None:
        """An implementing agency's staff change their own agency's items, within their region."""
        if self.has(Permission.catalog_edit) and not self.covers(agency_id=agency_id):
            raise Forbidden("NOT_YOUR_AGENCY", "只能编辑本机构实施的事项")
        self.require(Permission.catalog_edit, agency_id=agency_id, region_code=region_code)

    def require_management(
        self, permission: Permission, *, region_code: str | None, manages: str | None, responsible: str | None
    ) -> None:
        """Review and publishing belong to the management agency responsible for the object's region (003 事项管理动态化).

        `manages`: the region whose management agency (政务服务管理机构) the actor belongs to, None for staff of an
        ordinary department. `responsible`: the region whose management agency answers for the object (the same
        level, or the nearest level above that has one); None when no level has one, and then any management
        agency above the object may act. `region_code` None: a text for the whole portal (the province's).
        """
        self.require(permission, region_code=region_code or None)
        if manages is None:
            raise Forbidden("NOT_MANAGEMENT", "只有政务服务管理机构的人员可以审核、发布，实施机构的人员不能审核发布")
        if not region_code:
            allowed = len(region_prefix(manages)) <= 2
        elif responsible is None:
            allowed = region_code.startswith(region_prefix(manages))
        else:
            allowed = manages == responsible
        if not allowed:
            raise Forbidden("OUT_OF_SCOPE", "只能由该地区同级的政务服务管理机构审核、发布")

    def require_not_proposer(self, proposers: Collection[str]) -> None:
        """Four eyes: whoever drafted or submitted a change never reviews or publishes it, whatever roles they hold."""
        if self.ref in proposers:
            raise Forbidden("OWN_CHANGE", "不能审核或发布本人起草、提交的修改，须由管理机构的另一位工作人员办理")


@dataclass(frozen=True)
class PersonActor:
    """A signed-in natural person; organisations act through them under a delegation."""

    person_id: int
    name: str
    id_kind: str
    session_id: int | None = None

    @property
    def ref(self) -> str:
        return f"person:{self.person_id}"

    def require_self(self, person_id: int | None) -> None:
        """Per-object check for a person's own things; 404-like wording avoids confirming others exist."""
        if person_id != self.person_id:
            raise Forbidden("NOT_YOURS", "您无权查看或操作他人的信息")
