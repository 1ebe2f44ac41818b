"""Guide downloads: full PDF, self-service print PDF and the flow picture (GUIDE-01, GUIDE-03, CAT-07)."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Request, Response

from tongban.guide import flow, pdf
from tongban.guide.service import build_view
from tongban.web.deps import Db

router = APIRouter(prefix="/api/v1", tags=["guide"])


def _download(data: bytes, media_type: str, filename: str, inline: bool = False) -> Response:
    disposition = "inline" if inline else "attachment"
    return Response(data, media_type=media_type, headers={"Content-Disposition": f"{disposition}; filename*=UTF-8''{quote(filename)}"})


@router.get("/items/{item_id}/guide.pdf", summary="办事指南 PDF（完整版）")
def guide_pdf(item_id: int, request: Request, db: Db) -> Response:
    view = build_view(db_session=db, item_id=item_id, base_url=str(request.base_url))
    return _download(pdf.guide_pdf(view), "application/pdf", f"{view.content.name}-办事指南.pdf")


@router.get("/items/{item_id}/print.pdf", summary="自助终端打印版 PDF")
def print_pdf(item_id: int, request: Request, db: Db) -> Response:
    view = build_view(db_session=db, item_id=item_id, base_url=str(request.base_url))
    return _download(pdf.print_pdf(view), "application/pdf", f"{view.content.name}-打印版.pdf", inline=True)


@router.get("/items/{item_id}/flow.svg", summary="办理流程图（SVG）")
def flow_svg(item_id: int, db: Db, lang: str = "zh") -> Response:
    view = build_view(db_session=db, item_id=item_id)
    return Response(flow.flow_svg(view.content, lang=lang), media_type="image/svg+xml")
