"""Staff pages of bundles (/staff/bundles): the list, a new bundle, and one bundle: edit its draft as JSON (checked
on save), the checker's findings and the question flow picture, submit for review, reject or publish (a reviewer of
the region's management agency who did not draft it), withdraw."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from tongban.accounts.access import StaffActor
from tongban.bundles import graph, presenters, service
from tongban.bundles.definition import BundleDefinition
from tongban.core.errors import DomainError, InvalidInput
from tongban.web.actions import form_action, see_other
from tongban.web.deps import Csrf, Db, Id, Now, Short, Staff
from tongban.web.rendering import render

router = APIRouter(prefix="/staff", include_in_schema=False)
Big = Annotated[str, Form(max_length=200_000)]
Reasons = Annotated[str, Form(max_length=1000)]


def _json(text: str) -> object:
    try:
        return json.loads(text)
    except ValueError as exc:
        raise InvalidInput("BUNDLE_JSON_INVALID", f"不是有效的 JSON（第 {getattr(exc, 'lineno', '?')} 行附近）") from None


def _refused(request: Request, exc: DomainError) -> HTMLResponse:
    return render(request, "error.html", status_code=exc.status_code, message=exc.message, code=exc.code,
                  status=exc.status_code)


@router.get("/bundles", response_class=HTMLResponse)
def bundle_list(request: Request, db: Db, actor: Staff) -> Response:
    try:
        service.require_staff_reader(actor)
    except DomainError as exc:
        return _refused(request, exc)
    rows = [presenters.staff_bundle(db, b, with_problems=False) for b in service.all_bundles(db_session=db)]
    return render(request, "bundles_staff_list.html", actor=actor, bundles=rows, text="", error="",
                  msg=request.query_params.get("msg", ""))


@router.post("/bundles", response_class=HTMLResponse)
def create(request: Request, db: Db, clock: Now, actor: Staff, _: Csrf, definition: Big = "", note: Short = "") -> Response:
    def failed(exc: DomainError) -> HTMLResponse:
        rows = [presenters.staff_bundle(db, b, with_problems=False) for b in service.all_bundles(db_session=db)]
        return render(request, "bundles_staff_list.html", actor=actor, bundles=rows, text=definition, error=exc.message,
                      msg="", status_code=exc.status_code)

    return form_action(db, lambda: service.save_draft(db_session=db, clock=clock, actor=actor, data=_json(definition),
                                                      note=note),
                       done=lambda v: see_other(f"/staff/bundles/{v.bundle_id}", msg="草稿已保存"), failed=failed)


def _detail(request: Request, db, actor: StaffActor, bundle_id: int, *, text: str | None = None, error: str = "",
            status_code: int = 200) -> HTMLResponse:
    bundle = service.get(db_session=db, bundle_id=bundle_id)
    view = presenters.staff_bundle(db, bundle)
    newest = view["versions"][0] if view["versions"] else None
    picture = ""
    if newest is not None:
        try:
            picture = graph.flow_svg(BundleDefinition.model_validate(newest["definition"]))
        except ValidationError:
            picture = ""
    reviewable = newest is not None and newest["state"] == "in_review" and service.may_review(
        db_session=db, actor=actor, bundle=bundle, version=service.get_version(db_session=db, version_id=newest["id"]))
    if text is None:
        text = json.dumps(newest["definition"], ensure_ascii=False, indent=1) if newest else ""
    return render(request, "bundles_staff_detail.html", actor=actor, bundle=view, newest=newest, text=text,
                  error=error, picture=picture, reviewable=reviewable, msg=request.query_params.get("msg", ""),
                  may_manage=service.may_review(db_session=db, actor=actor, bundle=bundle), status_code=status_code)


@router.get("/bundles/{bundle_id}", response_class=HTMLResponse)
def bundle_detail(request: Request, bundle_id: Id, db: Db, actor: Staff) -> Response:
    try:
        service.require_staff_reader(actor)
        return _detail(request, db, actor, bundle_id)
    except DomainError as exc:
        return _refused(request, exc)


@router.post("/bundles/{bundle_id}/draft", response_class=HTMLResponse)
def save_draft(request: Request, bundle_id: Id, db: Db, clock: Now, actor: Staff, _: Csrf, definition: Big = "",
               note: Short = "") -> Response:
    return form_action(
        db, lambda: service.save_draft(db_session=db, clock=clock, actor=actor, data=_json(definition),
                                       bundle_id=bundle_id, note=note),
        done=lambda v: see_other(f"/staff/bundles/{bundle_id}", msg=f"第 {v.number} 版草稿已保存"),
        failed=lambda exc: _detail(request, db, actor, bundle_id, text=definition, error=exc.message,
                                   status_code=exc.status_code))


def _step(request: Request, db, actor: StaffActor, bundle_id: int, change, msg: str) -> Response:
    return form_action(db, change, done=lambda v: see_other(f"/staff/bundles/{bundle_id}", msg=msg),
                       failed=lambda exc: _detail(request, db, actor, bundle_id, error=exc.message,
                                                  status_code=exc.status_code))


@router.post("/bundles/{bundle_id}/versions/{version_id}/submit", response_class=HTMLResponse)
def submit(request: Request, bundle_id: Id, version_id: Id, db: Db, clock: Now, actor: Staff, _: Csrf) -> Response:
    return _step(request, db, actor, bundle_id,
                 lambda: service.submit(db_session=db, clock=clock, actor=actor, version_id=version_id), "已提交审核")


@router.post("/bundles/{bundle_id}/versions/{version_id}/publish", response_class=HTMLResponse)
def publish(request: Request, bundle_id: Id, version_id: Id, db: Db, clock: Now, actor: Staff, _: Csrf) -> Response:
    return _step(request, db, actor, bundle_id,
                 lambda: service.publish(db_session=db, clock=clock, actor=actor, version_id=version_id), "已发布")


@router.post("/bundles/{bundle_id}/versions/{version_id}/reject", response_class=HTMLResponse)
def reject(request: Request, bundle_id: Id, version_id: Id, db: Db, clock: Now, actor: Staff, _: Csrf,
           reasons: Reasons = "") -> Response:
    return _step(request, db, actor, bundle_id,
                 lambda: service.reject(db_session=db, clock=clock, actor=actor, version_id=version_id, reasons=reasons),
                 "已退回修改")


@router.post("/bundles/{bundle_id}/status", response_class=HTMLResponse)
def set_status(request: Request, bundle_id: Id, db: Db, clock: Now, actor: Staff, _: Csrf, status: Short = "") -> Response:
    return _step(request, db, actor, bundle_id,
                 lambda: service.set_status(db_session=db, clock=clock, actor=actor, bundle_id=bundle_id, status=status),
                 "状态已更新")
