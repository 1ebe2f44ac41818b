"""The public JSON API of bundles (/api/v1/bundles): the list (BND-01), one bundle with its question flow, the next
question for some answers, and a person's plan (BND-02 … 06). The same service functions as the pages."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Query, Response

from tongban.bundles import flow, planning, presenters, service
from tongban.bundles.schemas import AnswersIn, BundleDetail, BundleList, NextOut, PlanOut
from tongban.web.deps import Db, Id, Now

router = APIRouter(prefix="/api/v1/bundles", tags=["bundles"])


@router.get("", response_model=BundleList, summary="一件事清单：名称、涉及事项、牵头部门和配合部门")
def list_bundles(db: Db, audience: Annotated[str, Query(pattern=r"^(|person|org)$")] = "",
                 region: Annotated[str, Query(pattern=r"^\d{0,12}$")] = "") -> BundleList:
    rows = service.public_list(db_session=db, region_prefix=region, audience=audience)
    bundles = [presenters.summary(db, bundle, definition) for bundle, definition in rows]
    return BundleList(bundles=bundles, total=len(bundles))


@router.get("/export", summary="导出全部已发布一件事的定义（开放数据，JSON 数组；与事项目录一同交换）")
def export(db: Db) -> Response:
    data = json.dumps(service.export_definitions(db_session=db), ensure_ascii=False, indent=1).encode()
    return Response(data, media_type="application/json",
                    headers={"Content-Disposition": 'attachment; filename="tongban-bundles.json"'})


@router.get("/{bundle_id}", response_model=BundleDetail, summary="一个一件事：事项、部门、问答流程和规则")
def get_bundle(bundle_id: Id, db: Db) -> BundleDetail:
    bundle, _version, definition = service.live_definition(db_session=db, bundle_id=bundle_id)
    return BundleDetail(**presenters.detail(db, bundle, definition))


@router.post("/{bundle_id}/next", response_model=NextOut, summary="递进式问答：按已有回答给出下一个问题")
def next_question(bundle_id: Id, body: AnswersIn, db: Db) -> NextOut:
    _bundle, _version, definition = service.live_definition(db_session=db, bundle_id=bundle_id)
    walk = flow.walk(definition, flow.clean_answers(body.answers), partial=True)
    return NextOut(complete=walk.complete,
                   question=presenters.question_view(walk.next_question) if walk.next_question else None,
                   answered=[{"question": s.question.id, "value": s.value, "label": s.label} for s in walk.steps])


@router.post("/{bundle_id}/plan", response_model=PlanOut,
             summary="办理方案：适用事项及原因、合并材料清单、合并表单、办理顺序和整体时限")
def plan(bundle_id: Id, body: AnswersIn, db: Db, clock: Now) -> PlanOut:
    made = planning.make_plan(db_session=db, clock=clock, bundle_id=bundle_id, answers=body.answers)
    return PlanOut(**presenters.plan_view(db, made))
