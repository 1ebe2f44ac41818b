"""JSON routes of the directory list (/api/v1/directory): read it, compile, review, publish, import (CAT-02); thin."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from tongban.catalog import directory
from tongban.catalog.directory_schemas import (
    EntryDetailOut,
    EntryElements,
    EntryIn,
    EntryListOut,
    EntryOut,
    ImportOut,
    ReturnIn,
    ReviewIn,
    RevisionOut,
)
from tongban.catalog.enums import Level
from tongban.catalog.models import DirectoryEntry, DirectoryRevision
from tongban.core.errors import InvalidInput
from tongban.web.deps import Db, Now, Staff

router = APIRouter(prefix="/api/v1/directory", tags=["directory"])

MAX_IMPORT_BYTES = 5 * 1024 * 1024


def entry_out(entry: DirectoryEntry, count: int = 0) -> EntryOut:
    return EntryOut(
        id=entry.id, basic_code=entry.basic_code, code_scheme=entry.code_scheme, name=entry.name, item_type=entry.item_type,
        level=entry.level, region_code=entry.region_code, state=entry.state, legal_basis=entry.legal_basis or [],
        published_at=entry.published_at, implementations=count,
    )


def revision_out(revision: DirectoryRevision) -> RevisionOut:
    return RevisionOut.model_validate(revision, from_attributes=True)


@router.get("", response_model=EntryListOut, summary="基本目录（已发布及待审核的目录事项）")
def list_entries(
    db: Db,
    region_code: Annotated[str | None, Query(pattern=r"^\d{6}$")] = None,
    level: Level | None = None,
    q: Annotated[str | None, Query(max_length=100)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> EntryListOut:
    rows, total = directory.list_entries(
        db_session=db, region_code=region_code, level=level.value if level else None, q=q, citable_only=True,
        limit=limit, offset=offset,
    )
    counts = directory.implementation_counts(db_session=db, entry_ids=[r.id for r in rows])
    return EntryListOut(entries=[entry_out(r, counts.get(r.id, 0)) for r in rows], total=total)


@router.get("/{entry_id}", response_model=EntryDetailOut, summary="目录事项及引用它的实施清单")
def get_entry(entry_id: int, db: Db) -> EntryDetailOut:
    entry = directory.get_entry(db_session=db, entry_id=entry_id)
    items = directory.implementations(db_session=db, entry_id=entry_id)
    base = entry_out(entry, len(items)).model_dump()
    return EntryDetailOut(
        **base,
        items=[{"id": i.id, "implementation_code": i.implementation_code, "name": i.name, "region_code": i.region_code,
                "agency": i.agency.name, "relation": i.relation} for i in items],
    )


@router.get("/{entry_id}/history", response_model=list[RevisionOut], summary="目录事项的修订历史（工作人员）")
def entry_history(entry_id: int, db: Db, staff: Staff) -> list[RevisionOut]:
    return [revision_out(r) for r in directory.history(db_session=db, entry_id=entry_id)]


@router.post("", response_model=RevisionOut, status_code=201, summary="编制新的目录事项（本级编制部门，草稿）")
def create_entry(body: EntryIn, db: Db, clock: Now, staff: Staff) -> RevisionOut:
    revision = directory.create_entry(db_session=db, clock=clock, actor=staff, entry_in=body)
    db.commit()
    return revision_out(revision)


@router.put("/{entry_id}/draft", response_model=RevisionOut, summary="修订目录事项（草稿）")
def save_draft(entry_id: int, body: EntryElements, db: Db, clock: Now, staff: Staff) -> RevisionOut:
    revision = directory.save_draft(db_session=db, clock=clock, actor=staff, entry_id=entry_id, elements=body)
    db.commit()
    return revision_out(revision)


@router.post("/revisions/{revision_id}/submit", response_model=RevisionOut, summary="提交管理机构审核")
def submit(revision_id: int, db: Db, clock: Now, staff: Staff) -> RevisionOut:
    revision = directory.submit(db_session=db, clock=clock, actor=staff, revision_id=revision_id)
    db.commit()
    return revision_out(revision)


@router.post("/revisions/{revision_id}/approve", response_model=RevisionOut, summary="审核通过（同级政务服务管理机构）")
def approve(revision_id: int, body: ReviewIn, db: Db, clock: Now, staff: Staff) -> RevisionOut:
    revision = directory.approve(db_session=db, clock=clock, actor=staff, revision_id=revision_id, comment=body.comment)
    db.commit()
    return revision_out(revision)


@router.post("/revisions/{revision_id}/return", response_model=RevisionOut, summary="退回修改（须写明理由）")
def return_revision(revision_id: int, body: ReturnIn, db: Db, clock: Now, staff: Staff) -> RevisionOut:
    revision = directory.return_revision(db_session=db, clock=clock, actor=staff, revision_id=revision_id, reasons=body.reasons)
    db.commit()
    return revision_out(revision)


@router.post("/revisions/{revision_id}/publish", response_model=RevisionOut, summary="发布（同级政务服务管理机构）")
def publish(revision_id: int, db: Db, clock: Now, staff: Staff) -> RevisionOut:
    revision = directory.publish(db_session=db, clock=clock, actor=staff, revision_id=revision_id)
    db.commit()
    return revision_out(revision)


async def _body(request: Request) -> bytes:
    data = await request.body()
    if not data:
        raise InvalidInput("EMPTY_FILE", "请在请求体中上传要导入的文件")
    if len(data) > MAX_IMPORT_BYTES:
        raise InvalidInput("FILE_TOO_LARGE", "导入文件不能超过 5 MB")
    return data


@router.post("/import", response_model=ImportOut, summary="从文件导入本级目录（JSON 或 CSV；逐项提交审核）")
def import_entries(
    db: Db, clock: Now, staff: Staff, data: Annotated[bytes, Depends(_body)],
    format: Annotated[str, Query(pattern=r"^(json|csv)$")] = "json",  # noqa: A002
) -> ImportOut:
    report = directory.import_entries(db_session=db, clock=clock, actor=staff, data=data, filename=f"upload.{format}")
    db.commit()
    return ImportOut(**report)
