"""Staff pages of policies: the list and a new policy, one policy with its dry run, matching and grants
(/staff/benefits)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from tongban.accounts.access import StaffActor
from tongban.catalog import regions
from tongban.core.errors import DomainError
from tongban.policies import presenters, rules, service
from tongban.web.actions import form_action, see_other
from tongban.web.deps import Csrf, Db, Id, Library, Long, Now, Short, Staff, Text
from tongban.web.rendering import render

router = APIRouter(prefix="/staff/benefits", include_in_schema=False)
EXAMPLE = '[{"field": "household_region", "op": "starts_with", "value": "511602"}, {"field": "age", "op": "gte", "value": 80}]'


def _refused(request: Request, exc: DomainError) -> HTMLResponse:
    return render(request, "error.html", status_code=exc.status_code, message=exc.message, code=exc.code,
                  status=exc.status_code)


def _list(request: Request, db, actor: StaffActor, *, values: dict | None = None, error: str = "",
          status_code: int = 200) -> HTMLResponse:
    try:
        rows = [presenters.policy(db, p) for p in service.list_for_staff(db_session=db, actor=actor)]
    except DomainError as exc:
        return _refused(request, exc)
    return render(request, "policies/policies_staff_list.html", actor=actor, policies=rows,
                  agencies=regions.list_agencies(db_session=db), fields=rules.FIELDS, operators=rules.OPERATORS,
                  values=values or {"conditions": EXAMPLE, "notice_days": "15", "region_code": actor.region_code},
                  error=error, status_code=status_code, msg=request.query_params.get("msg", ""))


@router.get("", response_class=HTMLResponse)
def policy_list(request: Request, db: Db, actor: Staff) -> HTMLResponse:
    return _list(request, db, actor)


def _int(value: str) -> int:
    value = (value or "").strip()
    return int(value) if value.lstrip("-").isdigit() and len(value) < 9 else 0


@router.post("", response_class=HTMLResponse)
def create(request: Request, db: Db, clock: Now, actor: Staff, _: Csrf, name: Short = "", benefit: Text = "",
           agency_id: Short = "", region_code: Short = "", notice_days: Short = "", conditions: Long = "",
           basis: Text = "") -> Response:
    values = {"name": name, "benefit": benefit, "agency_id": agency_id, "region_code": region_code,
              "notice_days": notice_days, "conditions": conditions, "basis": basis}
    policy_in = service.PolicyIn(name=name, benefit=benefit, agency_id=_int(agency_id), region_code=region_code,
                                 notice_days=_int(notice_days), conditions=conditions, basis=basis)
    return form_action(
        db, lambda: service.create(db_session=db, clock=clock, actor=actor, policy_in=policy_in),
        done=lambda p: see_other(f"/staff/benefits/{p.id}", msg="政策已保存，可先试算"),
        failed=lambda exc: _list(request, db, actor, values=values, error=exc.message, status_code=exc.status_code),
    )


def _page(request: Request, db, clock, actor: StaffActor, library, policy_id: int, *, trial: bool = False,
          error: str = "", status_code: int = 200) -> HTMLResponse:
    try:
        policy = service.get_for_staff(db_session=db, actor=actor, policy_id=policy_id)
        grants = [presenters.staff_grant(g) for g in service.grants_of(db_session=db, actor=actor, policy_id=policy_id)]
    except DomainError as exc:
        return _refused(request, exc)
    result = presenters.dry_run(service.dry_run(db_session=db, clock=clock, library=library, policy=policy)) if trial else None
    return render(request, "policies/policies_staff_policy.html", actor=actor, policy=presenters.policy(db, policy),
                  grants=grants, trial=result, error=error, status_code=status_code, msg=request.query_params.get("msg", ""))


@router.get("/{policy_id}", response_class=HTMLResponse)
def policy_page(policy_id: Id, request: Request, db: Db, clock: Now, actor: Staff, library: Library,
                dry_run: str = "") -> HTMLResponse:
    return _page(request, db, clock, actor, library, policy_id, trial=dry_run == "1")


@router.post("/{policy_id}/match", response_class=HTMLResponse)
def match(policy_id: Id, request: Request, db: Db, clock: Now, actor: Staff, library: Library, _: Csrf) -> Response:
    def change():
        policy = service.get_for_staff(db_session=db, actor=actor, policy_id=policy_id)
        return service.match(db_session=db, clock=clock, library=library, policy=policy, by=actor.ref)

    return form_action(
        db, change,
        done=lambda r: see_other(f"/staff/benefits/{policy_id}", msg=f"符合条件 {r.eligible} 人，新告知 {r.offered} 人"),
        failed=lambda exc: _page(request, db, clock, actor, library, policy_id, error=exc.message,
                                 status_code=exc.status_code),
    )


@router.post("/{policy_id}/status", response_class=HTMLResponse)
def set_status(policy_id: Id, request: Request, db: Db, clock: Now, actor: Staff, library: Library, _: Csrf,
               active: Short = "1") -> Response:
    return form_action(
        db, lambda: service.set_status(db_session=db, clock=clock, actor=actor, policy_id=policy_id, active=active == "1"),
        done=lambda p: see_other(f"/staff/benefits/{policy_id}", msg="已更新政策状态"),
        failed=lambda exc: _page(request, db, clock, actor, library, policy_id, error=exc.message,
                                 status_code=exc.status_code),
    )
