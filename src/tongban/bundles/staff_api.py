"""The staff JSON API of bundles (/api/v1/staff/bundles): list, draft (create or edit a definition as JSON, checked),
the checker's findings, submit for review, reject, publish (a reviewer of the region's management agency), withdraw;
the same service functions as the staff pages."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from tongban.bundles import graph, presenters, service
from tongban.bundles.definition import BundleDefinition
from tongban.bundles.schemas import DraftIn, ReasonsIn, StaffBundleList, StaffBundleOut, StatusIn, VersionOut
from tongban.core.errors import InvalidInput
from tongban.web.deps import Db, Id, Now, Staff

router = APIRouter(prefix="/api/v1/staff/bundles", tags=["bundles-staff"])
MAX_IMPORT_BYTES = 5 * 1024 * 1024


@router.get("", response_model=StaffBundleList, summary="全部一件事及其状态")
def list_bundles(db: Db, actor: Staff) -> StaffBundleList:
    service.require_staff_reader(actor)
    rows = [presenters.staff_bundle(db, b, with_problems=False) for b in service.all_bundles(db_session=db)]
    return StaffBundleList(bundles=[{k: v for k, v in r.items() if k != "versions"} for r in rows], total=len(rows))


@router.post("", response_model=VersionOut, status_code=201, summary="新建一件事（草稿，定义为 JSON）")
def create(body: DraftIn, db: Db, clock: Now, actor: Staff) -> VersionOut:
    version = service.save_draft(db_session=db, clock=clock, actor=actor, data=body.definition, note=body.note)
    out = VersionOut(**presenters.version_view(version))
    db.commit()
    return out


async def definitions_body(request: Request) -> object:
    """The uploaded definitions, read and parsed here so the route itself runs in the thread pool."""
    data = await request.body()
    if len(data) > MAX_IMPORT_BYTES:
        raise InvalidInput("FILE_TOO_LARGE", "导入文件不能超过 5 MB")
    try:
        return json.loads(data)
    except ValueError:
        raise InvalidInput("BAD_JSON", "导入文件不是有效的 JSON（应为导出的一件事定义数组）") from None


@router.post("/import", summary="导入一件事定义（请求体为导出的 JSON；逐个检查，有一个不通过则全部不写入；管理机构审核人员）")
def import_definitions(db: Db, clock: Now, actor: Staff, parsed: Annotated[object, Depends(definitions_body)]) -> dict:
    read, made = service.import_definitions(db_session=db, clock=clock, data=parsed, by=actor.name, actor=actor)
    db.commit()
    return {"read": read, "published": made}


@router.get("/{bundle_id}", response_model=StaffBundleOut, summary="一个一件事：各版本和检查结果")
def get_bundle(bundle_id: Id, db: Db, actor: Staff) -> StaffBundleOut:
    service.require_staff_reader(actor)
    return StaffBundleOut(**presenters.staff_bundle(db, service.get(db_session=db, bundle_id=bundle_id)))


@router.get("/{bundle_id}/graph.svg", summary="问答流程图（SVG）")
def flow_graph(bundle_id: Id, db: Db, actor: Staff) -> Response:
    service.require_staff_reader(actor)
    versions = service.history(db_session=db, bundle_id=bundle_id)
    definition = BundleDefinition.model_validate(versions[0].definition)
    return Response(graph.flow_svg(definition), media_type="image/svg+xml")


@router.put("/{bundle_id}/draft", response_model=VersionOut, summary="修改草稿（新建或更新未提交的版本）")
def save_draft(bundle_id: Id, body: DraftIn, db: Db, clock: Now, actor: Staff) -> VersionOut:
    version = service.save_draft(db_session=db, clock=clock, actor=actor, data=body.definition, bundle_id=bundle_id,
                                 note=body.note)
    out = VersionOut(**presenters.version_view(version))
    db.commit()
    return out


@router.post("/versions/{version_id}/submit", response_model=VersionOut, summary="提交审核（须通过检查）")
def submit(version_id: Id, db: Db, clock: Now, actor: Staff) -> VersionOut:
    out = VersionOut(**presenters.version_view(service.submit(db_session=db, clock=clock, actor=actor, version_id=version_id)))
    db.commit()
    return out


@router.post("/versions/{version_id}/reject", response_model=VersionOut, summary="退回修改（写明理由）")
def reject(version_id: Id, body: ReasonsIn, db: Db, clock: Now, actor: Staff) -> VersionOut:
    version = service.reject(db_session=db, clock=clock, actor=actor, version_id=version_id, reasons=body.reasons)
    out = VersionOut(**presenters.version_view(version))
    db.commit()
    return out


@router.post("/versions/{version_id}/publish", response_model=VersionOut, summary="审核通过并发布（管理机构，非起草人）")
def publish(version_id: Id, db: Db, clock: Now, actor: Staff) -> VersionOut:
    out = VersionOut(**presenters.version_view(service.publish(db_session=db, clock=clock, actor=actor, version_id=version_id)))
    db.commit()
    return out


@router.post("/{bundle_id}/status", response_model=StaffBundleOut, summary="停用或恢复一件事")
def set_status(bundle_id: Id, body: StatusIn, db: Db, clock: Now, actor: Staff) -> StaffBundleOut:
    bundle = service.set_status(db_session=db, clock=clock, actor=actor, bundle_id=bundle_id, status=body.status)
    out = StaffBundleOut(**presenters.staff_bundle(db, bundle))
    db.commit()
    return out
