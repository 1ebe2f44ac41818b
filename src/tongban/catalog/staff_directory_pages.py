"""Staff pages of the directory list: compile, revise, review, publish, history, import (CAT-02); thin.

A refusal of who acts (out of scope, not permitted, own change: Forbidden) is not a form error: it leaves the
handler and the app answers with its error page, status 403 and the code, as the item pages do (CAT-11, ACC-12).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, TypeVar

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, ValidationError
from sqlalchemy.orm import Session

from tongban.accounts.access import StaffActor
from tongban.catalog import directory
from tongban.catalog.directory_schemas import DIRECTORY_LEVELS, EntryElements, EntryIn
from tongban.catalog.enums import ItemType
from tongban.core.errors import DomainError, Forbidden, InvalidInput, NotFound
from tongban.core.validation import humanize
from tongban.web.actions import form_action, see_other
from tongban.web.deps import Csrf, Db, Now, Staff, csrf_token
from tongban.web.rendering import render

router = APIRouter(prefix="/staff/directory", include_in_schema=False)
M = TypeVar("M", bound=BaseModel)


def _ctx(request: Request, actor: StaffActor) -> dict:
    return {
        "actor": actor, "csrf": csrf_token(request), "msg": request.query_params.get("msg", ""),
        "item_types": list(ItemType), "levels": DIRECTORY_LEVELS, "entry_states": directory.EntryState.labels,
    }


def _basis(lines: str) -> list[dict]:
    """One law or regulation per line: 《title》 and, after a space, the article."""
    out = []
    for n, line in enumerate((x.strip() for x in lines.splitlines()), 1):
        if line:
            title, _, article = line.partition(" ")
            out.append({"key": f"b{n}", "title": title, "article": article.strip()[:100]})
    return out


def _validated(model: type[M], data: dict) -> M:
    """A form of the wrong shape is refused like a rule: `InvalidInput` with the first problem, in Chinese."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise InvalidInput("FORM_INVALID", humanize(exc.errors())[0]) from None


def _refused_to(url: str, limit: int | None = None) -> Callable[[DomainError], Response]:
    """A refusal goes back to `url` with its reason as the note; Forbidden is not a form error (see above)."""
    def failed(exc: DomainError) -> Response:
        if isinstance(exc, Forbidden):
            raise exc
        return see_other(url, msg=exc.message[:limit])
    return failed


@router.get("", response_class=HTMLResponse)
def directory_list(request: Request, db: Db, actor: Staff, region_code: str = "", q: str = "") -> HTMLResponse:
    entries, total = directory.list_entries(db_session=db, region_code=region_code or None, q=q or None, limit=300)
    counts = directory.implementation_counts(db_session=db, entry_ids=[e.id for e in entries])
    return render(
        request, "catalog/staff_directory.html", entries=entries, total=total, counts=counts, q=q, region_code=region_code,
        pending=directory.pending_reviews(db_session=db, actor=actor), form={}, errors=[], **_ctx(request, actor),
    )


@router.post("/new", response_class=HTMLResponse)
def new_entry(
    request: Request, db: Db, clock: Now, actor: Staff, _csrf: Csrf,
    basic_code: Annotated[str, Form(max_length=100)] = "",
    code_scheme: Annotated[str, Form(max_length=40)] = "tongban",
    region_code: Annotated[str, Form(max_length=12)] = "",
    level: Annotated[str, Form(max_length=20)] = "",
    name: Annotated[str, Form(max_length=200)] = "",
    item_type: Annotated[str, Form(max_length=30)] = "",
    legal_basis: Annotated[str, Form(max_length=20_000)] = "",
    change_note: Annotated[str, Form(max_length=500)] = "",
) -> HTMLResponse:
    form = dict(basic_code=basic_code, code_scheme=code_scheme or "tongban", region_code=region_code, level=level, name=name,
                item_type=item_type, change_note=change_note)

    def failed(exc: DomainError) -> Response:
        if isinstance(exc, Forbidden):
            raise exc
        entries, total = directory.list_entries(db_session=db, limit=300)
        return render(
            request, "catalog/staff_directory.html", status_code=422, entries=entries, total=total, counts={}, q="",
            region_code="", pending=[], form={**form, "legal_basis": legal_basis}, errors=[exc.message], **_ctx(request, actor),
        )

    return form_action(
        db, lambda: directory.create_entry(db_session=db, clock=clock, actor=actor,
                                           entry_in=_validated(EntryIn, {**form, "legal_basis": _basis(legal_basis)})),
        done=lambda revision: see_other(f"/staff/directory/{revision.entry_id}", msg="目录事项草稿已创建"), failed=failed,
    )


@router.get("/{entry_id}", response_class=HTMLResponse)
def directory_entry(request: Request, entry_id: int, db: Db, actor: Staff) -> HTMLResponse:
    entry = directory.get_entry(db_session=db, entry_id=entry_id)
    pending = directory.open_revision(db_session=db, entry_id=entry_id)
    source = pending or entry
    basis_lines = "\n".join(f"{b.get('title', '')} {b.get('article', '')}".strip() for b in (source.legal_basis or []))
    manages = directory.may_manage(db_session=db, actor=actor, entry=entry)
    return render(
        request, "catalog/staff_directory_entry.html", entry=entry, pending=pending, source=source, basis_lines=basis_lines,
        history=directory.history(db_session=db, entry_id=entry_id), items=directory.implementations(db_session=db, entry_id=entry_id),
        may_compile=_may_compile(db, actor, entry.region_code),
        may_manage=manages and pending is not None and actor.ref not in directory.proposers(pending),
        **_ctx(request, actor),
    )


def _may_compile(db: Session, actor: StaffActor, region_code: str) -> bool:
    try:
        directory.require_compiler(db_session=db, actor=actor, region_code=region_code)
    except DomainError:
        return False
    return True


@router.post("/{entry_id}/draft")
def save_draft(
    entry_id: int, db: Db, clock: Now, actor: Staff, _csrf: Csrf,
    name: Annotated[str, Form(max_length=200)] = "",
    item_type: Annotated[str, Form(max_length=30)] = "",
    legal_basis: Annotated[str, Form(max_length=20_000)] = "",
    change_note: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    elements = {"name": name, "item_type": item_type, "legal_basis": _basis(legal_basis), "change_note": change_note}
    return form_action(
        db, lambda: directory.save_draft(db_session=db, clock=clock, actor=actor, entry_id=entry_id,
                                         elements=_validated(EntryElements, elements)),
        done=lambda _: see_other(f"/staff/directory/{entry_id}", msg="修订草稿已保存"),
        failed=_refused_to(f"/staff/directory/{entry_id}"),
    )


@router.post("/revisions/{revision_id}/{action}")
def revision_action(
    revision_id: int, action: str, db: Db, clock: Now, actor: Staff, _csrf: Csrf,
    comment: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    revision = directory.get_revision(db_session=db, revision_id=revision_id)
    entry_id = revision.entry_id
    actions = {
        "submit": lambda: directory.submit(db_session=db, clock=clock, actor=actor, revision_id=revision_id),
        "approve": lambda: directory.approve(db_session=db, clock=clock, actor=actor, revision_id=revision_id, comment=comment),
        "return": lambda: directory.return_revision(db_session=db, clock=clock, actor=actor, revision_id=revision_id, reasons=comment),
        "publish": lambda: directory.publish(db_session=db, clock=clock, actor=actor, revision_id=revision_id),
    }
    if action not in actions:
        raise NotFound("UNKNOWN_ACTION", "不支持的操作")
    done = {"submit": "已提交管理机构审核", "approve": "已审核通过", "return": "已退回", "publish": "已发布：实施清单今后以此为准"}[action]
    return form_action(db, actions[action], done=lambda _: see_other(f"/staff/directory/{entry_id}", msg=done),
                       failed=_refused_to(f"/staff/directory/{entry_id}"))


@router.post("/import")
async def import_file(request: Request, db: Db, clock: Now, actor: Staff, _csrf: Csrf, file: Annotated[UploadFile, File()]) -> Response:
    data = await file.read(5 * 1024 * 1024 + 1)

    def import_entries() -> dict:
        if len(data) > 5 * 1024 * 1024:
            raise DomainError("FILE_TOO_LARGE", "导入文件不能超过 5 MB")
        return directory.import_entries(db_session=db, clock=clock, actor=actor, data=data, filename=file.filename or "")

    return form_action(db, import_entries, failed=_refused_to("/staff/directory", limit=500), done=lambda report: see_other(
        "/staff/directory",
        msg=f"已导入：新增 {report['created']} 项、修订 {report['updated']} 项（均已提交审核），未变 {report['unchanged']} 项"))
