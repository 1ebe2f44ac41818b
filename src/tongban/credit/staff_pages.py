"""Staff pages of credit: the desk (treated cases, pledge checks), the item lists, exclusions and repair review
(/staff/credit)."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from tongban.accounts.access import Permission, StaffActor, region_prefix
from tongban.core.errors import DomainError, InvalidInput
from tongban.credit import desk, lists, pledges, presenters
from tongban.credit.enums import ListKind
from tongban.web.actions import form_action, see_other
from tongban.web.deps import Csrf, Db, Id, LongText, Now, Short, Staff
from tongban.web.rendering import render

router = APIRouter(prefix="/staff/credit", include_in_schema=False)


def _refused(request: Request, exc: DomainError) -> HTMLResponse:
    return render(request, "error.html", status_code=exc.status_code, message=exc.message, code=exc.code,
                  status=exc.status_code)


def _desk(request: Request, db, clock, actor: StaffActor, *, error: str = "", status_code: int = 200) -> HTMLResponse:
    try:
        treated = [presenters.treatment(v) for v in desk.treatments(db_session=db, clock=clock, actor=actor)]
        checks = [presenters.check(db, clock, c) for c in pledges.checks(db_session=db, actor=actor)]
    except DomainError as exc:
        return _refused(request, exc)
    return render(request, "credit/credit_staff_desk.html", actor=actor, treated=treated, checks=checks, error=error,
                  status_code=status_code, msg=request.query_params.get("msg", ""))


@router.get("", response_class=HTMLResponse)
def credit_desk(request: Request, db: Db, clock: Now, actor: Staff) -> HTMLResponse:
    return _desk(request, db, clock, actor)


@router.post("/checks/{check_id}", response_class=HTMLResponse)
def record_check(check_id: Id, request: Request, db: Db, clock: Now, actor: Staff, _: Csrf, truthful: Short = "1",
                 finding: LongText = "") -> Response:
    return form_action(
        db, lambda: pledges.record_check(db_session=db, clock=clock, actor=actor, check_id=check_id,
                                         truthful=truthful != "0", finding=finding),
        done=lambda c: see_other("/staff/credit", msg="已记录核查结果"),
        failed=lambda exc: _desk(request, db, clock, actor, error=exc.message, status_code=exc.status_code),
    )


def _lists(request: Request, db, actor: StaffActor, *, error: str = "", values: dict | None = None,
           status_code: int = 200) -> HTMLResponse:
    rows = lists.entries(db_session=db, region_prefix=region_prefix(actor.region_code))
    return render(request, "credit/credit_staff_lists.html", actor=actor, entries=[presenters.entry(e) for e in rows],
                  kinds=list(ListKind), editor=actor.has(Permission.catalog_edit), error=error, values=values or {},
                  status_code=status_code, msg=request.query_params.get("msg", ""))


@router.get("/lists", response_class=HTMLResponse)
def list_page(request: Request, db: Db, actor: Staff) -> HTMLResponse:
    return _lists(request, db, actor)


def _int(value: str) -> int | None:
    value = (value or "").strip()
    return int(value) if value.isdigit() and 0 < int(value) < 2**31 else None


@router.post("/lists", response_class=HTMLResponse)
def add_entry(request: Request, db: Db, clock: Now, actor: Staff, _: Csrf, item_id: Short = "", list_kind: Short = "",
              check_days: Short = "", note: LongText = "") -> Response:
    values = {"item_id": item_id, "list_kind": list_kind, "check_days": check_days, "note": note[:300]}

    def change():
        item = _int(item_id)
        if item is None:
            raise InvalidInput("ITEM_REQUIRED", "请填写事项编号（数字）")
        return lists.add(db_session=db, clock=clock, actor=actor, item_id=item, list_kind=list_kind,
                         check_days=_int(check_days) if check_days.strip() else None, note=note)

    return form_action(db, change, done=lambda e: see_other("/staff/credit/lists", msg="已列入清单"),
                       failed=lambda exc: _lists(request, db, actor, error=exc.message, values=values,
                                                 status_code=exc.status_code))


@router.post("/lists/{entry_id}/remove", response_class=HTMLResponse)
def remove_entry(entry_id: Id, request: Request, db: Db, clock: Now, actor: Staff, _: Csrf) -> Response:
    return form_action(db, lambda: lists.remove(db_session=db, clock=clock, actor=actor, entry_id=entry_id),
                       done=lambda _r: see_other("/staff/credit/lists", msg="已移出清单"),
                       failed=lambda exc: _lists(request, db, actor, error=exc.message, status_code=exc.status_code))


def _exclusions(request: Request, db, actor: StaffActor, *, error: str = "", status_code: int = 200) -> HTMLResponse:
    try:
        rows = [presenters.exclusion(db, x) for x in pledges.exclusions(db_session=db, actor=actor, include_lifted=True)]
    except DomainError as exc:
        return _refused(request, exc)
    return render(request, "credit/credit_staff_exclusions.html", actor=actor, exclusions=rows,
                  reviewer=actor.has(Permission.supervise), error=error, status_code=status_code,
                  msg=request.query_params.get("msg", ""))


@router.get("/exclusions", response_class=HTMLResponse)
def exclusion_page(request: Request, db: Db, actor: Staff) -> HTMLResponse:
    return _exclusions(request, db, actor)


def _act(request: Request, db, actor: StaffActor, change: Callable, msg: str) -> Response:
    return form_action(db, change, done=lambda _r: see_other("/staff/credit/exclusions", msg=msg),
                       failed=lambda exc: _exclusions(request, db, actor, error=exc.message, status_code=exc.status_code))


@router.post("/exclusions/{exclusion_id}/repair", response_class=HTMLResponse)
def register_repair(exclusion_id: Id, request: Request, db: Db, clock: Now, actor: Staff, _: Csrf,
                    evidence: LongText = "") -> Response:
    return _act(request, db, actor, lambda: pledges.apply_repair(db_session=db, clock=clock, exclusion_id=exclusion_id,
                                                                 evidence=evidence, subject_hash=None, staff=actor),
                "已登记信用修复申请")


@router.post("/repairs/{repair_id}/review", response_class=HTMLResponse)
def review_repair(repair_id: Id, request: Request, db: Db, clock: Now, actor: Staff, _: Csrf, approve: Short = "1",
                  note: LongText = "") -> Response:
    return _act(request, db, actor, lambda: pledges.review_repair(db_session=db, clock=clock, actor=actor,
                                                                  repair_id=repair_id, approve=approve != "0", note=note),
                "已记录审核结果")
