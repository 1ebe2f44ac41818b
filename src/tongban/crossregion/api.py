"""The public JSON API of cross-region service: the 全省通办 and 跨省通办 item lists (/api/v1/crossregion, XREG-01)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from tongban.crossregion import presenters, zone
from tongban.crossregion.schemas import ZoneItemList
from tongban.web.deps import Db

router = APIRouter(prefix="/api/v1/crossregion", tags=["crossregion"])


@router.get("/items", response_model=ZoneItemList, summary="全省通办、跨省通办事项清单（可按地区、服务对象、主题筛选）")
def zone_items(
    db: Db, scope: Annotated[str, Query(max_length=20)] = "province",
    region_code: Annotated[str | None, Query(max_length=12)] = None,
    audience: Annotated[str | None, Query(max_length=10)] = None, theme: Annotated[str | None, Query(max_length=60)] = None,
    q: Annotated[str | None, Query(max_length=100)] = None, limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=10**6)] = 0,
) -> ZoneItemList:
    found, total = zone.items(db_session=db, scope=scope, region_code=region_code, audience=audience, theme=theme, q=q,
                              limit=limit, offset=offset)
    return ZoneItemList(items=[presenters.zone_item(i) for i in found], total=total)
