"""The staff JSON API of cross-region service (/api/v1/staff/crossregion): remote-window intake and the hand-over
lists (XREG-03), handling places and routing decisions (XREG-02), the liaison directory (XREG-04)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from tongban.accounts.access import region_prefix
from tongban.cases import files
from tongban.core import audit
from tongban.crossregion import liaisons, places, presenters, records, routing, window
from tongban.crossregion.schemas import (HandoverList, HandoverOut, HandOverIn, LiaisonIn, LiaisonList, LiaisonOut,
                                         PlaceIn, PlaceOut, RemoteIntakeIn, RouteList)
from tongban.web.deps import Db, Id, Library, Now, Staff

router = APIRouter(prefix="/api/v1/staff/crossregion", tags=["crossregion-staff"])


@router.post("/intake", status_code=201, response_model=HandoverOut,
             summary="异地收件：核验身份、形式审查、上传材料、选择领取方式，流转至属地（同一提交编号只流转一次）")
def intake(body: RemoteIntakeIn, db: Db, clock: Now, library: Library, actor: Staff, response: Response,
           key: Annotated[str, Query(alias="idempotency_key", min_length=8, max_length=80)]) -> HandoverOut:
    remote = window.RemoteIntake(
        item_id=body.item_id, name=body.applicant.name, id_kind=body.applicant.id_kind, id_number=body.applicant.id_number,
        phone=body.applicant.phone, form=dict(body.form), uploads=files.decode_uploads(body.files),
        delivery_choice=body.delivery_choice, delivery_address=body.delivery_address)
    row = window.intake(db_session=db, clock=clock, library=library, actor=actor, intake=remote, key=key)
    db.commit()
    response.headers["Location"] = f"/api/v1/staff/crossregion/handovers/{row.id}"
    return presenters.handover(row)


@router.get("/handovers", response_model=HandoverList, summary="跨域通办件：待反馈、已发出（收件地）、已接收（属地）")
def handovers(db: Db, actor: Staff, view: Annotated[str, Query(max_length=20)] = "awaiting") -> HandoverList:
    rows = records.listing(db_session=db, actor=actor, view=view)
    return HandoverList(items=[presenters.handover(r) for r in rows], total=len(rows))


@router.get("/handovers/{handover_id}", response_model=HandoverOut, summary="一个跨域通办件及其反馈")
def one_handover(handover_id: Id, db: Db, actor: Staff) -> HandoverOut:
    return presenters.handover(records.get(db_session=db, actor=actor, handover_id=handover_id))


@router.post("/handovers/{handover_id}/hand-over", response_model=HandoverOut, summary="收件地窗口向申请人交付结果（核验证件）")
def hand_over(handover_id: Id, body: HandOverIn, db: Db, clock: Now, actor: Staff) -> HandoverOut:
    row = window.hand_over(db_session=db, clock=clock, actor=actor, handover_id=handover_id, id_kind=body.id_kind,
                           id_number=body.id_number)
    db.commit()
    return presenters.handover(row)


@router.put("/places/{item_id}", response_model=PlaceOut, summary="设置事项的通办办理地（户籍地、居住地、不限）")
def set_place(item_id: Id, body: PlaceIn, db: Db, clock: Now, actor: Staff) -> PlaceOut:
    row = places.set_place(db_session=db, clock=clock, actor=actor, item_id=item_id, place=body.place, note=body.note)
    db.commit()
    chosen = places.parse_place(row.place)
    return PlaceOut(item_id=row.item_id, place=chosen.value, place_label=chosen.label, note=row.note)


@router.get("/routes", response_model=RouteList, summary="全流程网办的自动分发记录（本地区）")
def routes(db: Db, actor: Staff) -> RouteList:
    records.require_list(actor)
    return RouteList(items=[presenters.route(r) for r in routing.recent(db_session=db, region_code=actor.region_code)])


@router.get("/liaisons", response_model=LiaisonList, summary="跨域通办联络员名录（按地区、事项检索；电话已打码）")
def liaison_list(db: Db, actor: Staff, region_code: Annotated[str, Query(max_length=12)] = "",
                 item: Annotated[str, Query(max_length=100)] = "") -> LiaisonList:
    rows = liaisons.search(db_session=db, region_code=region_code, item=item)
    return LiaisonList(items=presenters.liaison_list(db, actor, rows), total=len(rows))


def _in(body: LiaisonIn) -> liaisons.LiaisonIn:
    return liaisons.LiaisonIn(**body.model_dump())


@router.post("/liaisons", status_code=201, response_model=LiaisonOut, summary="登记本地区的联络员")
def create_liaison(body: LiaisonIn, db: Db, clock: Now, actor: Staff) -> LiaisonOut:
    row = liaisons.create(db_session=db, clock=clock, actor=actor, liaison_in=_in(body))
    db.commit()
    return presenters.liaison_list(db, actor, [row], full=True)[0]


@router.get("/liaisons/{liaison_id}", response_model=LiaisonOut, summary="一位联络员（完整电话，查看留痕）")
def one_liaison(liaison_id: Id, db: Db, clock: Now, actor: Staff) -> LiaisonOut:
    row = liaisons.get(db_session=db, liaison_id=liaison_id)
    audit.record(db_session=db, clock=clock, actor=actor.ref, action="crossregion.liaison_view", object_kind="liaison",
                 object_id=str(row.id), details={"region": region_prefix(row.region_code)})
    out = presenters.liaison_list(db, actor, [row], full=True)[0]
    db.commit()
    return out


@router.put("/liaisons/{liaison_id}", response_model=LiaisonOut, summary="修改本地区的联络员")
def update_liaison(liaison_id: Id, body: LiaisonIn, db: Db, clock: Now, actor: Staff) -> LiaisonOut:
    row = liaisons.update(db_session=db, clock=clock, actor=actor, liaison_id=liaison_id, liaison_in=_in(body))
    db.commit()
    return presenters.liaison_list(db, actor, [row], full=True)[0]


@router.delete("/liaisons/{liaison_id}", status_code=204, summary="删除本地区的联络员")
def delete_liaison(liaison_id: Id, db: Db, clock: Now, actor: Staff) -> Response:
    liaisons.delete(db_session=db, clock=clock, actor=actor, liaison_id=liaison_id)
    db.commit()
    return Response(status_code=204)
