"""JSON API for staff: window registration, account status, staff accounts, access policies, audit (ACC-02, 08, 09, 12)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from tongban.accounts import persons, policies, staff, status
from tongban.accounts.access import Permission
from tongban.accounts.identity import normalize_phone
from tongban.accounts.schemas import (
    AuditOut, DecisionIn, PersonOut, PolicyIn, PolicyOut, ReasonIn, StaffCreatedOut, StaffIn, StaffOut, StatusRequestOut,
    WindowCodeIn, WindowPersonIn, WindowPersonOut,
)
from tongban.accounts.verification import CodePurpose, send_code
from tongban.core.models import AuditEntry
from tongban.web.deps import client_ip, Db, Gateway, Library, Now, Staff

router = APIRouter(prefix="/api/v1/staff", tags=["staff"])


def _person_out(db: Session, person_id: int) -> PersonOut:
    person = persons.get(db_session=db, person_id=person_id)
    return persons.view(db_session=db, person=person)


def _staff_out(row) -> StaffOut:
    return StaffOut(id=row.id, username=row.username, name=row.name, roles=row.roles, agency_id=row.agency_id,
                    region_code=row.region_code, status=row.status)


@router.post("/window-codes", status_code=202, summary="窗口注册：向申请人手机发送确认码")
def window_code(body: WindowCodeIn, request: Request, db: Db, clock: Now, gateway: Gateway, actor: Staff) -> dict:
    actor.require(Permission.window_register)
    send_code(db_session=db, clock=clock, gateway=gateway, phone=normalize_phone(body.phone), purpose=CodePurpose.window,
              client_ip=client_ip(request))
    db.commit()
    return {"sent": True}


@router.post("/persons", status_code=201, response_model=WindowPersonOut, summary="窗口注册自然人账号（随机初始密码）")
def window_register(body: WindowPersonIn, db: Db, clock: Now, library: Library, actor: Staff) -> WindowPersonOut:
    person, password = persons.register_at_window(
        db_session=db, clock=clock, library=library, actor=actor, name=body.name, id_kind=body.id_kind,
        id_number=body.id_number, phone=body.phone, sms_code=body.sms_code, nationality=body.nationality,
    )
    db.commit()
    return WindowPersonOut(person=_person_out(db, person.id), initial_password=password)


@router.get("/persons/{person_id}", response_model=PersonOut, summary="查看用户账号（脱敏；热线和账号管理岗位，留痕）")
def person(person_id: int, db: Db, clock: Now, actor: Staff) -> PersonOut:
    out = persons.view_for_staff(db_session=db, clock=clock, actor=actor, person_id=person_id)
    db.commit()
    return out


@router.post("/accounts/{kind}/{account_id}/disable", status_code=204, summary="禁用账号（须填原因，立即生效）")
def disable(kind: str, account_id: int, body: ReasonIn, db: Db, clock: Now, actor: Staff) -> Response:
    status.disable(db_session=db, clock=clock, actor=actor, ref=status.AccountRef(kind, account_id), reason=body.reason)
    db.commit()
    return Response(status_code=204)


@router.post("/accounts/{kind}/{account_id}/enable-requests", status_code=201, response_model=StatusRequestOut,
             summary="申请解禁（须管理部门负责人审核）")
def request_enable(kind: str, account_id: int, body: ReasonIn, db: Db, clock: Now, actor: Staff) -> StatusRequestOut:
    row = status.request_enable(db_session=db, clock=clock, actor=actor, ref=status.AccountRef(kind, account_id), reason=body.reason)
    db.commit()
    return StatusRequestOut(id=row.id, account_kind=row.account_kind, account_id=row.account_id, reason=row.reason, status=row.status)


@router.get("/enable-requests", response_model=list[StatusRequestOut], summary="待审核的解禁申请")
def enable_requests(db: Db, actor: Staff) -> list[StatusRequestOut]:
    return [StatusRequestOut(id=r.id, account_kind=r.account_kind, account_id=r.account_id, reason=r.reason, status=r.status)
            for r in status.pending_requests(db_session=db, actor=actor)]


@router.post("/enable-requests/{request_id}/decision", response_model=StatusRequestOut, summary="审核解禁申请（通过后短信告知用户）")
def decide_enable(request_id: int, body: DecisionIn, db: Db, clock: Now, gateway: Gateway, actor: Staff) -> StatusRequestOut:
    row = status.decide_enable(db_session=db, clock=clock, gateway=gateway, actor=actor, request_id=request_id,
                               approve=body.approve, note=body.note)
    db.commit()
    return StatusRequestOut(id=row.id, account_kind=row.account_kind, account_id=row.account_id, reason=row.reason, status=row.status)


@router.post("/staff-accounts", status_code=201, response_model=StaffCreatedOut, summary="开通工作人员账号")
def create_staff(body: StaffIn, db: Db, clock: Now, actor: Staff) -> StaffCreatedOut:
    row, password = staff.create(db_session=db, clock=clock, by=actor, staff_in=staff.StaffIn(**body.model_dump()))
    db.commit()
    return StaffCreatedOut(staff=_staff_out(row), initial_password=password)


@router.get("/staff-accounts", response_model=list[StaffOut], summary="本机构、本地区的工作人员")
def list_staff(db: Db, actor: Staff) -> list[StaffOut]:
    return [_staff_out(row) for row in staff.list_in_scope(db_session=db, actor=actor)]


@router.get("/staff-accounts/{staff_id}", response_model=StaffOut, summary="查看工作人员账号")
def get_staff_account(staff_id: int, db: Db, actor: Staff) -> StaffOut:
    return _staff_out(staff.get_in_scope(db_session=db, actor=actor, staff_id=staff_id, permission=Permission.staff_admin))


@router.get("/policies", response_model=list[PolicyOut], summary="各应用的访问策略")
def list_policies(db: Db, actor: Staff) -> list[PolicyOut]:
    actor.require(Permission.policy_admin)
    return [PolicyOut.model_validate(row, from_attributes=True) for row in policies.list_all(db_session=db)]


@router.put("/policies/{application}", response_model=PolicyOut, summary="调整一个应用的访问策略（不影响其他应用）")
def put_policy(application: str, body: PolicyIn, db: Db, clock: Now, actor: Staff) -> PolicyOut:
    row = policies.update_policy(db_session=db, clock=clock, actor=actor, application=application,
                                 policy_in=policies.PolicyIn(**body.model_dump()))
    db.commit()
    return PolicyOut.model_validate(row, from_attributes=True)


@router.get("/audit", response_model=list[AuditOut], summary="操作审计记录")
def audit_entries(
    db: Db, actor: Staff,
    object_kind: Annotated[str | None, Query(max_length=30)] = None,
    object_id: Annotated[str | None, Query(max_length=40)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[AuditOut]:
    actor.require(Permission.audit_read)
    query = select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(limit)
    if object_kind:
        query = query.where(AuditEntry.object_kind == object_kind)
    if object_id:
        query = query.where(AuditEntry.object_id == object_id)
    return [AuditOut.model_validate(row, from_attributes=True) for row in db.scalars(query)]
