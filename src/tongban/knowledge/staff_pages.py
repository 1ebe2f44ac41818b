"""Staff pages of the knowledge base: list and search, write and review entries, frequent question analysis."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from tongban.accounts.access import Permission, StaffActor
from tongban.catalog.regions import list_agencies
from tongban.core.clock import Clock
from tongban.core.errors import DomainError, Forbidden, InvalidInput
from tongban.core.validation import humanize
from tongban.knowledge import analysis, service
from tongban.knowledge.enums import FaqState
from tongban.knowledge.schemas import FaqIn
from tongban.web.actions import form_action, see_other
from tongban.web.deps import Csrf, Db, Id, Long, Now, Posted, Staff, Text, staff_with
from tongban.web.rendering import render

router = APIRouter(prefix="/staff/faq", include_in_schema=False)
Reviewer = staff_with(Permission.catalog_review)
FIELDS = ("question", "answer", "variants", "item_ids", "valid_from", "valid_until", "owner_agency_id", "region_code")


def _faq_in(data) -> tuple[FaqIn | None, dict, str]:
    """The posted form as FaqIn: variants one per line, items as numbers separated by spaces or commas."""
    values = {k: str(data.get(k) or "")[:20_000] for k in FIELDS}
    raw = {
        "question": values["question"], "answer": values["answer"],
        "variants": [line.strip() for line in values["variants"].splitlines() if line.strip()],
        "item_ids": [t for t in re.split(r"[\s,，、]+", values["item_ids"]) if t],
        "valid_from": values["valid_from"] or None, "valid_until": values["valid_until"] or None,
        "owner_agency_id": values["owner_agency_id"] or None, "region_code": values["region_code"],
    }
    try:
        return FaqIn.model_validate(raw), values, ""
    except ValidationError as exc:
        return None, values, humanize(exc.errors())[0]


def _agencies(db: Session, actor: StaffActor) -> list:
    return [a for a in list_agencies(db_session=db) if actor.covers(agency_id=a.id, region_code=a.region_code)]


@router.get("", response_class=HTMLResponse)
def faq_home(request: Request, db: Db, clock: Now, actor: Staff, q: Annotated[str, Query(max_length=service.QUERY_MAX)] = "",
             state: Annotated[str, Query(pattern=r"^[a-z]*$", max_length=20)] = "") -> HTMLResponse:
    hits, error = [], ""
    if q.strip():
        try:
            hits = service.search(db_session=db, clock=clock, actor=actor, q=q)
        except InvalidInput as exc:
            error = exc.message
    states = {s.value for s in FaqState}
    rows = service.list_for_staff(db_session=db, actor=actor, state=state if state in states else "")
    return render(request, "knowledge/staff_list.html", actor=actor, q=q, hits=hits, rows=rows, error=error,
                  state=state, states=list(FaqState), FaqState=FaqState, msg=request.query_params.get("msg", ""),
                  status_code=422 if error else 200)


def _form(request: Request, db: Session, actor: StaffActor, *, values: dict | None = None, error: str = "",
          status_code: int = 200) -> HTMLResponse:
    return render(request, "knowledge/staff_new.html", actor=actor, values=values or {}, error=error,
                  agencies=_agencies(db, actor), status_code=status_code)


@router.get("/new", response_class=HTMLResponse)
def faq_new(request: Request, db: Db, actor: Staff) -> HTMLResponse:
    return _form(request, db, actor, values={"owner_agency_id": str(actor.agency_id or "")})


@router.post("", response_class=HTMLResponse)
def faq_create(request: Request, db: Db, clock: Now, actor: Staff, _csrf: Csrf, data: Posted) -> Response:
    faq_in, values, error = _faq_in(data)
    if faq_in is None:
        return _form(request, db, actor, values=values, error=error, status_code=422)
    return form_action(
        db, lambda: service.create_entry(db_session=db, clock=clock, actor=actor, faq_in=faq_in),
        done=lambda v: see_other(f"/staff/faq/{v.entry_id}", msg="已保存草稿"),
        failed=lambda exc: _form(request, db, actor, values=values, error=exc.message, status_code=exc.status_code),
    )


def _entry_page(request: Request, db: Session, clock: Clock, actor: StaffActor, entry_id: int, *, values: dict | None = None,
                error: str = "", status_code: int = 200) -> HTMLResponse:
    entry = service.get_entry(db_session=db, entry_id=entry_id)
    versions = service.history(db_session=db, entry_id=entry_id)
    current = versions[0]
    if values is None:
        values = {"question": current.question, "answer": current.answer, "variants": "\n".join(current.variants),
                  "item_ids": " ".join(str(i) for i in current.item_ids),
                  "valid_from": current.valid_from.isoformat() if current.valid_from else "",
                  "valid_until": current.valid_until.isoformat() if current.valid_until else ""}
    published = service.published_version(db_session=db, entry_id=entry_id)
    return render(
        request, "knowledge/staff_entry.html", status_code=status_code, actor=actor, entry=entry, versions=versions,
        current=current, values=values, error=error, msg=request.query_params.get("msg", ""), FaqState=FaqState,
        owner=service.owner_name(db_session=db, entry=entry), published=published,
        valid_now=published is not None and service.is_valid(published, clock.today()),
        may_edit=service.may_edit(db_session=db, actor=actor, entry=entry),
        may_review=current.state == FaqState.review.value and service.may_review(db_session=db, actor=actor, entry=entry, version=current),
    )


@router.get("/analysis", response_class=HTMLResponse)
def faq_analysis(request: Request, db: Db, clock: Now, actor: Staff,
                 since: Annotated[str, Query(max_length=10)] = "") -> HTMLResponse:
    error = ""
    try:
        day = date.fromisoformat(since) if since else clock.today() - timedelta(days=30)
    except ValueError:
        day, error = clock.today() - timedelta(days=30), "日期格式应为 YYYY-MM-DD"
    try:
        report = analysis.analyse(db_session=db, clock=clock, since=service.since_start(day), region_code=actor.region_code, propose=False)
    except DomainError as exc:
        report, error = None, exc.message
    return render(request, "knowledge/staff_analysis.html", actor=actor, since=day, report=report, error=error,
                  may_propose=actor.has(Permission.catalog_review), msg=request.query_params.get("msg", ""),
                  status_code=422 if error else 200)


@router.post("/analysis", response_class=HTMLResponse)
def faq_propose(request: Request, db: Db, clock: Now, actor: Reviewer, _csrf: Csrf, since: Text) -> Response:
    try:
        day = date.fromisoformat(since.strip())
    except ValueError:
        return render(request, "knowledge/staff_analysis.html", actor=actor, since=clock.today(), report=None,
                      error="日期格式应为 YYYY-MM-DD", may_propose=True, msg="", status_code=422)
    return form_action(
        db, lambda: analysis.analyse(db_session=db, clock=clock, since=service.since_start(day), region_code=actor.region_code),
        done=lambda r: see_other("/staff/faq/analysis", since=day.isoformat(),
                                 msg=f"已分析 {r.questions} 个问题：新建草稿 {r.proposed} 条，更新 {r.updated} 条"),
        failed=lambda exc: render(request, "knowledge/staff_analysis.html", actor=actor, since=day, report=None,
                                  error=exc.message, may_propose=True, msg="", status_code=exc.status_code),
    )


@router.get("/{entry_id}", response_class=HTMLResponse)
def faq_entry(entry_id: Id, request: Request, db: Db, clock: Now, actor: Staff) -> HTMLResponse:
    return _entry_page(request, db, clock, actor, entry_id)


def _refused(request: Request, db: Session, clock: Clock, actor: StaffActor, entry_id: int, values: dict | None = None):
    def failed(exc: DomainError) -> Response:
        if isinstance(exc, Forbidden):
            raise exc
        return _entry_page(request, db, clock, actor, entry_id, values=values, error=exc.message, status_code=exc.status_code)
    return failed


@router.post("/{entry_id}", response_class=HTMLResponse)
def faq_save(entry_id: Id, request: Request, db: Db, clock: Now, actor: Staff, _csrf: Csrf, data: Posted) -> Response:
    faq_in, values, error = _faq_in(data)
    if faq_in is None:
        return _entry_page(request, db, clock, actor, entry_id, values=values, error=error, status_code=422)
    return form_action(
        db, lambda: service.save_draft(db_session=db, clock=clock, actor=actor, entry_id=entry_id, faq_in=faq_in),
        done=lambda v: see_other(f"/staff/faq/{entry_id}", msg=f"第 {v.number} 版草稿已保存"),
        failed=_refused(request, db, clock, actor, entry_id, values),
    )


@router.post("/{entry_id}/withdraw", response_class=HTMLResponse)
def faq_withdraw(entry_id: Id, request: Request, db: Db, clock: Now, actor: Staff, _csrf: Csrf, reason: Long = "") -> Response:
    return form_action(
        db, lambda: service.withdraw(db_session=db, clock=clock, actor=actor, entry_id=entry_id, reason=reason),
        done=lambda v: see_other(f"/staff/faq/{entry_id}", msg="已撤下，公众不再看到这条问答"),
        failed=_refused(request, db, clock, actor, entry_id),
    )


def _version_action(request: Request, db: Session, clock: Clock, actor: StaffActor, version_id: int, change, message: str):
    version = service.get_version(db_session=db, version_id=version_id)
    entry_id = version.entry_id
    return form_action(db, change, done=lambda v: see_other(f"/staff/faq/{entry_id}", msg=message),
                       failed=_refused(request, db, clock, actor, entry_id))


@router.post("/versions/{version_id}/submit", response_class=HTMLResponse)
def faq_submit(version_id: Id, request: Request, db: Db, clock: Now, actor: Staff, _csrf: Csrf) -> Response:
    return _version_action(request, db, clock, actor, version_id,
                           lambda: service.submit(db_session=db, clock=clock, actor=actor, version_id=version_id), "已送审")


@router.post("/versions/{version_id}/publish", response_class=HTMLResponse)
def faq_publish(version_id: Id, request: Request, db: Db, clock: Now, actor: Staff, _csrf: Csrf, reason: Long = "") -> Response:
    return _version_action(request, db, clock, actor, version_id, lambda: service.publish(
        db_session=db, clock=clock, actor=actor, version_id=version_id, comment=reason), "已审核通过并发布")


@router.post("/versions/{version_id}/return", response_class=HTMLResponse)
def faq_return(version_id: Id, request: Request, db: Db, clock: Now, actor: Staff, _csrf: Csrf, reason: Long = "") -> Response:
    return _version_action(request, db, clock, actor, version_id, lambda: service.return_version(
        db_session=db, clock=clock, actor=actor, version_id=version_id, reasons=reason), "已退回修改")
