"""Staff workbench for the catalog: edit drafts, submit, review, publish, suspend, lint (CAT-11, CAT-12)."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from tongban.accounts.access import StaffActor
from tongban.catalog import regions, service, presenters
from tongban.catalog.models import ItemVersion, ServiceItem
from tongban.catalog.schemas import ItemContent, ItemIdentity
from tongban.core.errors import DomainError, Forbidden
from tongban.core.validation import humanize
from tongban.web.deps import Csrf, Db, Now, Staff, csrf_token
from tongban.web.rendering import render

router = APIRouter(prefix="/staff", include_in_schema=False)






def _back(url: str, message: str = "") -> RedirectResponse:
    sep = "&" if "?" in url else "?"
    return RedirectResponse(f"{url}{sep}msg={message}" if message else url, status_code=303)


def _parse_content(raw: str) -> tuple[ItemContent | None, str, list]:
    try:
        return ItemContent.model_validate(json.loads(raw)), "", []
    except json.JSONDecodeError as exc:
        return None, f"内容不是合法的 JSON（第 {exc.lineno} 行第 {exc.colno} 列）", []
    except ValidationError as exc:
        message, details = humanize(exc.errors())
        return None, message, details


def _ctx(request: Request, actor: StaffActor) -> dict:
    return {"actor": actor, "csrf": csrf_token(request), "msg": request.query_params.get("msg", "")}


@router.get("/items", response_class=HTMLResponse)
def staff_items(request: Request, db: Db, actor: Staff) -> HTMLResponse:
    query = select(ServiceItem).order_by(ServiceItem.id.desc())
    if actor.agency_id is not None and not actor.may_review():
        query = query.where(ServiceItem.agency_id == actor.agency_id)
    items = list(db.scalars(query.limit(300)))
    pending = {v.item_id: v for v in db.scalars(select(ItemVersion).where(ItemVersion.item_id.in_([i.id for i in items]), ItemVersion.state.in_(["draft", "submitted", "returned", "approved"])))}
    return render(request, "catalog/staff_items.html", items=items, pending=pending, **_ctx(request, actor))


@router.get("/review", response_class=HTMLResponse)
def review_queue(request: Request, db: Db, actor: Staff) -> HTMLResponse:
    versions = list(db.scalars(select(ItemVersion).where(ItemVersion.state.in_(["submitted", "approved"])).order_by(ItemVersion.submitted_at)))
    items = {i.id: i for i in db.scalars(select(ServiceItem).where(ServiceItem.id.in_([v.item_id for v in versions])))}
    # The queue lists what this reviewer's management agency answers for, not every region's changes.
    versions = [v for v in versions if service.may_review(db_session=db, actor=actor, item=items[v.item_id])]
    return render(request, "catalog/staff_review.html", versions=versions, items=items, **_ctx(request, actor))


def _template_content(actor: StaffActor, db: Session) -> str:
    agency = regions.get_agency(db_session=db, agency_id=actor.agency_id) if actor.agency_id else None
    skeleton = ItemContent(
        name="（事项名称）",
        item_type="licensing",
        level=agency.level if agency else "county",
        audiences=["person"],
        address=agency.address if agency else "",
        hours=agency.hours if agency else "",
        consult_phone=agency.consult_phone if agency else "",
        complaint_phone=agency.complaint_phone if agency else "",
    )
    return json.dumps(skeleton.model_dump(mode="json"), ensure_ascii=False, indent=2)


@router.get("/items/new", response_class=HTMLResponse)
def new_item_form(request: Request, db: Db, actor: Staff) -> HTMLResponse:
    agencies = regions.list_agencies(db_session=db)
    if actor.agency_id is not None and not actor.may_review():
        agencies = [a for a in agencies if a.id == actor.agency_id]
    return render(
        request, "catalog/staff_new.html", agencies=agencies, content=_template_content(actor, db), identity={}, errors=[], **_ctx(request, actor)
    )


@router.post("/items/new", response_class=HTMLResponse)
def new_item(
    request: Request,
    db: Db,
    clock: Now,
    actor: Staff,
    _csrf: Csrf,
    implementation_code: Annotated[str, Form(max_length=100)] = "",
    basic_code: Annotated[str, Form(max_length=100)] = "",
    agency_code: Annotated[str, Form(max_length=40)] = "",
    parent_code: Annotated[str, Form(max_length=100)] = "",
    relation: Annotated[str, Form(max_length=10)] = "main",
    situation: Annotated[str, Form(max_length=300)] = "",
    content: Annotated[str, Form(max_length=200_000)] = "",
    change_note: Annotated[str, Form(max_length=500)] = "",
) -> HTMLResponse:
    form = dict(implementation_code=implementation_code, basic_code=basic_code, agency_code=agency_code, parent_code=parent_code, relation=relation, situation=situation)
    parsed, message, details = _parse_content(content)
    try:
        agency = regions.get_agency_by_code(db_session=db, code=agency_code)
        identity = ItemIdentity(region_code=agency.region_code, **form)
        if parsed is None:
            raise DomainError("INVALID_CONTENT", message, details=details)
        version = service.create_item(db_session=db, clock=clock, actor=actor, identity=identity, content=parsed, change_note=change_note)
    except Forbidden:
        db.rollback()
        raise
    except (DomainError, ValidationError) as exc:
        db.rollback()
        error = exc.message if isinstance(exc, DomainError) else humanize(exc.errors())[0]
        extra = exc.details if isinstance(exc, DomainError) and isinstance(exc.details, list) else []
        agencies = regions.list_agencies(db_session=db)
        return render(
            request, "catalog/staff_new.html", status_code=422, agencies=agencies, content=content, identity=form,
            errors=[error, *[f"{d['field']}：{d['message']}" for d in extra if isinstance(d, dict)]], **_ctx(request, actor),
        )
    db.commit()
    return _back(f"/staff/items/{version.item_id}", "草稿已创建")


@router.get("/items/{item_id}", response_class=HTMLResponse)
def staff_item(request: Request, item_id: int, db: Db, actor: Staff) -> HTMLResponse:
    item = service.get_item(db_session=db, item_id=item_id)
    pending = service.open_version(db_session=db, item_id=item_id)
    source = pending or (db.get(ItemVersion, item.live_version_id) if item.live_version_id else None)
    content = json.dumps(source.content, ensure_ascii=False, indent=2) if source else ""
    return render(
        request,
        "catalog/staff_item.html",
        item=item,
        pending=pending,
        history=[presenters.version_out(v) for v in service.history(db_session=db, item_id=item_id)],
        content=content,
        changes=_changes(db, item, pending),
        errors=[],
        may_edit=actor.may_edit(item.agency_id, region_code=item.region_code),
        **_review_flags(db, actor, item, pending),
        **_ctx(request, actor),
    )


def _review_flags(db: Session, actor: StaffActor, item: ServiceItem, pending: ItemVersion | None) -> dict:
    """Show review, publishing and status buttons only to whom the service would let use them."""
    manages = service.may_review(db_session=db, actor=actor, item=item)
    own = pending is not None and actor.ref in service.proposers(db_session=db, version_id=pending.id)
    return {"may_manage": manages, "may_review": manages and not own}


def _changes(db: Session, item: ServiceItem, pending: ItemVersion | None) -> list[str]:
    """Top-level elements that differ between the pending version and the live one, for reviewers."""
    if pending is None or item.live_version_id is None:
        return []
    live = db.get(ItemVersion, item.live_version_id).content
    return [key for key in pending.content if pending.content.get(key) != live.get(key)]


@router.post("/items/{item_id}/draft", response_class=HTMLResponse)
def save_draft(
    request: Request,
    item_id: int,
    db: Db,
    clock: Now,
    actor: Staff,
    _csrf: Csrf,
    content: Annotated[str, Form(max_length=200_000)] = "",
    change_note: Annotated[str, Form(max_length=500)] = "",
) -> HTMLResponse:
    parsed, message, details = _parse_content(content)
    if parsed is None:
        item = service.get_item(db_session=db, item_id=item_id)
        return render(
            request, "catalog/staff_item.html", status_code=422, item=item, pending=service.open_version(db_session=db, item_id=item_id),
            history=[presenters.version_out(v) for v in service.history(db_session=db, item_id=item_id)], content=content, changes=[],
            errors=[message, *[f"{d['field']}：{d['message']}" for d in details]], may_edit=True, may_manage=False, may_review=False,
            **_ctx(request, actor),
        )
    service.save_draft(db_session=db, clock=clock, actor=actor, item_id=item_id, content=parsed, change_note=change_note)
    db.commit()
    return _back(f"/staff/items/{item_id}", "草稿已保存")


@router.post("/versions/{version_id}/{action}")
def version_action(
    version_id: int,
    action: str,
    db: Db,
    clock: Now,
    actor: Staff,
    _csrf: Csrf,
    comment: Annotated[str, Form(max_length=2000)] = "",
) -> RedirectResponse:
    actions = {
        "submit": lambda: service.submit(db_session=db, clock=clock, actor=actor, version_id=version_id),
        "approve": lambda: service.approve(db_session=db, clock=clock, actor=actor, version_id=version_id, comment=comment),
        "return": lambda: service.return_version(db_session=db, clock=clock, actor=actor, version_id=version_id, reasons=comment),
        "publish": lambda: service.publish(db_session=db, clock=clock, actor=actor, version_id=version_id),
    }
    if action not in actions:
        raise Forbidden("UNKNOWN_ACTION", "不支持的操作")
    version = actions[action]()
    db.commit()
    done = {"submit": "已提交审核", "approve": "已审核通过", "return": "已退回", "publish": "已发布，各渠道同步更新"}[action]
    return _back(f"/staff/items/{version.item_id}", done)


@router.post("/items/{item_id}/status")
def item_status(
    item_id: int,
    db: Db,
    clock: Now,
    actor: Staff,
    _csrf: Csrf,
    status: Annotated[str, Form(max_length=20)] = "active",
    reason: Annotated[str, Form(max_length=500)] = "",
    alternative: Annotated[str, Form(max_length=500)] = "",
) -> RedirectResponse:
    service.set_status(db_session=db, clock=clock, actor=actor, item_id=item_id, status=status, reason=reason, alternative=alternative)
    db.commit()
    return _back(f"/staff/items/{item_id}", "办理状态已更新")


@router.get("/lint", response_class=HTMLResponse)
def lint_page(request: Request, db: Db, actor: Staff) -> HTMLResponse:
    from tongban.catalog.lint import CODES, run_lint

    findings = run_lint(db_session=db)
    counts: dict[str, int] = {}
    for f in findings:
        counts[f.code] = counts.get(f.code, 0) + 1
    return render(request, "catalog/staff_lint.html", findings=findings, counts=counts, codes=CODES, **_ctx(request, actor))
