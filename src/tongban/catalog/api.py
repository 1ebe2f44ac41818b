"""JSON routes of the catalog (/api/v1/items, versions, regions, agencies); thin by design."""

from __future__ import annotations

from typing import Annotated

from urllib.parse import quote

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from tongban.catalog import presenters, regions, service
from tongban.catalog.enums import ItemType, Level
from tongban.catalog.models import Attachment
from tongban.catalog.schemas import (
    DraftIn,
    ItemCreateIn,
    ItemDetailOut,
    ItemListOut,
    ReturnIn,
    ReviewIn,
    StatusIn,
    VersionOut,
)
from tongban.catalog.taxonomy import ATTRIBUTE_TAGS, LIFE_STAGE_GROUPS, ORG_THEMES, PERSON_THEMES
from tongban.core.errors import NotFound
from tongban.guide.service import page_stamp
from tongban.web import render_cache
from tongban.web.deps import Db, Now, Staff

router = APIRouter(prefix="/api/v1", tags=["catalog"])



@router.get("/items", response_model=ItemListOut, summary="已发布事项列表（可筛选）")
def list_items(
    db: Db,
    filters: Annotated[service.ItemFilter, Depends(presenters.item_filter)],
    limit: Annotated[int, Query(ge=1, le=500)] = 20,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> ItemListOut:
    rows, total = service.list_items(db_session=db, filters=filters, limit=limit, offset=offset)
    return ItemListOut(items=[presenters.summary(r) for r in rows], total=total, limit=limit, offset=offset)


@router.get("/items/{item_id}", response_model=ItemDetailOut, summary="事项全部要素（已发布版本）")
def get_item(item_id: int, request: Request, db: Db) -> Response:
    stamp = render_cache.stamp(request, ("page_stamp", item_id), lambda: page_stamp(db_session=db, item_id=item_id))
    if stamp is None:  # unknown or unpublished: the same error answer as ever
        return JSONResponse(presenters.detail(db, service.get_item(db_session=db, item_id=item_id)).model_dump(mode="json"))

    def fresh() -> render_cache.Rendered:
        out = presenters.detail(db, service.get_item(db_session=db, item_id=item_id))
        body = JSONResponse(out.model_dump(mode="json")).body
        return render_cache.rendered(body, "application/json")

    return render_cache.respond(request, render_cache.cache_of(request).get_or_render(("item_json", item_id, stamp), fresh))


@router.get("/items/{item_id}/versions", response_model=list[VersionOut], summary="事项版本历史")
def item_versions(item_id: int, db: Db) -> list[VersionOut]:
    return [presenters.version_out(v) for v in service.history(db_session=db, item_id=item_id)]


@router.get("/versions/{version_id}", summary="某一版本的全部内容")
def get_version(version_id: int, db: Db, staff: Staff) -> dict:
    version = service.get_version(db_session=db, version_id=version_id)
    return {"version": presenters.version_out(version).model_dump(), "content": version.content}


@router.post("/items", response_model=VersionOut, status_code=201, summary="新建事项（草稿）")
def create_item(body: ItemCreateIn, db: Db, clock: Now, staff: Staff) -> VersionOut:
    version = service.create_item(
        db_session=db, clock=clock, actor=staff, identity=body.identity, content=body.content, change_note=body.change_note
    )
    db.commit()
    return presenters.version_out(version)


@router.put("/items/{item_id}/draft", response_model=VersionOut, summary="保存修改草稿")
def save_draft(item_id: int, body: DraftIn, db: Db, clock: Now, staff: Staff) -> VersionOut:
    version = service.save_draft(
        db_session=db, clock=clock, actor=staff, item_id=item_id, content=body.content, change_note=body.change_note
    )
    db.commit()
    return presenters.version_out(version)


@router.post("/versions/{version_id}/submit", response_model=VersionOut, summary="提交审核")
def submit(version_id: int, db: Db, clock: Now, staff: Staff) -> VersionOut:
    version = service.submit(db_session=db, clock=clock, actor=staff, version_id=version_id)
    db.commit()
    return presenters.version_out(version)


@router.post("/versions/{version_id}/approve", response_model=VersionOut, summary="审核通过")
def approve(version_id: int, body: ReviewIn, db: Db, clock: Now, staff: Staff) -> VersionOut:
    version = service.approve(db_session=db, clock=clock, actor=staff, version_id=version_id, comment=body.comment)
    db.commit()
    return presenters.version_out(version)


@router.post("/versions/{version_id}/return", response_model=VersionOut, summary="退回修改（须写明理由）")
def return_version(version_id: int, body: ReturnIn, db: Db, clock: Now, staff: Staff) -> VersionOut:
    version = service.return_version(db_session=db, clock=clock, actor=staff, version_id=version_id, reasons=body.reasons)
    db.commit()
    return presenters.version_out(version)


@router.post("/versions/{version_id}/publish", response_model=VersionOut, summary="发布为唯一在用版本")
def publish(version_id: int, db: Db, clock: Now, staff: Staff) -> VersionOut:
    version = service.publish(db_session=db, clock=clock, actor=staff, version_id=version_id)
    db.commit()
    return presenters.version_out(version)


@router.post("/items/{item_id}/status", summary="暂停、停止或恢复办理")
def set_status(item_id: int, body: StatusIn, db: Db, clock: Now, staff: Staff) -> dict:
    item = service.set_status(
        db_session=db,
        clock=clock,
        actor=staff,
        item_id=item_id,
        status=body.status,
        reason=body.reason,
        alternative=body.alternative,
        alternative_item_id=body.alternative_item_id,
    )
    db.commit()
    return {"id": item.id, "status": item.status, "status_reason": item.status_reason, "alternative": item.alternative}


@router.get("/attachments/{sha256}", summary="下载示例样本或空白表格")
def attachment(sha256: str, db: Db) -> Response:
    row = db.get(Attachment, sha256) if len(sha256) == 64 else None
    if row is None:
        raise NotFound("ATTACHMENT_NOT_FOUND", "没有找到这个文件")
    return Response(
        row.data,
        media_type=row.content_type,
        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{_quote(row.filename)}", "Cache-Control": "public, max-age=31536000, immutable"},
    )


def _quote(name: str) -> str:
    return quote(name)


@router.get("/regions", summary="行政区划（GB/T 2260）")
def list_regions(db: Db, parent: Annotated[str, Query(pattern=r"^\d{6,12}$")] = "000000") -> dict:
    rows = regions.children(db_session=db, code=parent)
    return {"parent": parent, "regions": [{"code": r.code, "name": r.name, "level": r.level} for r in rows]}


class RegionIn(BaseModel):
    code: Annotated[str, Field(pattern=r"^\d{9}$|^\d{12}$")]
    name: Annotated[str, Field(min_length=1, max_length=100)]
    parent_code: Annotated[str, Field(pattern=r"^\d{6,12}$")]


@router.post("/regions", status_code=201, summary="新增乡镇（街道）或村（社区）（管理人员）")
def add_region(body: RegionIn, db: Db, staff: Staff) -> dict:
    region = regions.add_region(db_session=db, code=body.code, name=body.name, parent_code=body.parent_code, actor=staff)
    db.commit()
    return {"code": region.code, "name": region.name, "level": region.level, "parent_code": region.parent_code}


@router.get("/agencies", summary="实施机构")
def list_agencies(db: Db, region_code: Annotated[str | None, Query(pattern=r"^\d{6,12}$")] = None, level: Level | None = None) -> dict:
    rows = regions.list_agencies(db_session=db, region_code=region_code, level=level.value if level else None)
    return {
        "agencies": [
            {
                "id": a.id,
                "code": a.code,
                "name": a.name,
                "region_code": a.region_code,
                "level": a.level,
                "is_management": a.is_management,
                "address": a.address,
                "consult_phone": a.consult_phone,
                "complaint_phone": a.complaint_phone,
                "hours": a.hours,
            }
            for a in rows
        ]
    }


@router.get("/taxonomy", summary="分类：事项类型、层级、主题、生命周期、标签")
def taxonomy() -> dict:
    return {
        "item_types": {t.value: {"label": t.label, "gbt_code": t.gbt_code} for t in ItemType},
        "levels": {lv.value: lv.label for lv in Level},
        "themes": {"person": PERSON_THEMES, "org": ORG_THEMES},
        "life_stages": LIFE_STAGE_GROUPS,
        "tags": ATTRIBUTE_TAGS,
    }
