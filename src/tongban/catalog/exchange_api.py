"""JSON routes for catalog lint (CAT-12), open-data export and import (CAT-14; DATA-03); thin."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response

from tongban.accounts.access import Permission
from tongban.catalog import exchange, lint
from tongban.core.errors import InvalidInput
from tongban.web.deps import Db, Now, Staff

router = APIRouter(prefix="/api/v1/catalog", tags=["catalog"])

MAX_IMPORT_BYTES = 50 * 1024 * 1024


def exchange_format(format: Annotated[str, Query(description="json、csv 或 xlsx")] = "json") -> str:  # noqa: A002
    fmt = format.strip().lower()
    if fmt not in exchange.MEDIA_TYPES:
        raise InvalidInput("BAD_FORMAT", f"不支持的格式“{format}”：格式必须是 json、csv 或 xlsx")
    return fmt


Format = Annotated[str, Depends(exchange_format)]


async def request_body(request: Request) -> bytes:
    """The raw uploaded file; read here so the route itself can run in the thread pool."""
    data = await request.body()
    if not data:
        raise InvalidInput("EMPTY_FILE", "请在请求体中上传要导入的文件")
    if len(data) > MAX_IMPORT_BYTES:
        raise InvalidInput("FILE_TOO_LARGE", "导入文件不能超过 50 MB")
    return data


@router.get("/lint", summary="事项库检查（工作人员）")
def run_lint(db: Db, staff: Staff, item_id: int | None = None) -> dict:
    findings = lint.run_lint(db_session=db, item_ids=[item_id] if item_id is not None else None)
    return {"findings": [asdict(f) for f in findings], "counts": lint.counts(findings), "codes": lint.CODES}


@router.get("/export", summary="导出已发布事项（开放数据：JSON、CSV、XLSX）")
def export(db: Db, fmt: Format) -> Response:
    data = exchange.export_items(db_session=db, fmt=fmt)
    return Response(
        data,
        media_type=exchange.MEDIA_TYPES[fmt],
        headers={"Content-Disposition": f'attachment; filename="tongban-catalog.{fmt}"'},
    )


@router.post("/import", summary="导入事项（管理机构审核人员，仅限本机构负责的地区；请求体为文件）")
def import_items(
    db: Db, clock: Now, staff: Staff, fmt: Format, data: Annotated[bytes, Depends(request_body)]
) -> dict:
    staff.require(Permission.catalog_review)  # before reading the file; each item's scope is checked by the import
    report = exchange.import_items(db_session=db, clock=clock, data=data, fmt=fmt, by=staff.name, actor=staff)
    db.commit()
    return asdict(report)
