"""The staff JSON API of ratings: ratings of the agency, the rectification ledger and its steps, aggregates (JSON
and CSV), performance, and return visits (/api/v1/staff/ratings)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response

from tongban.accounts.access import Permission
from tongban.core.csvsafe import write_csv
from tongban.ratings import aggregates, presenters, rectification, service, visits
from tongban.ratings.schemas import (AggregateOut, AggregateRowOut, DrawIn, DrawOut, Ledger, LedgerRow, StaffRatingList,
                                     StaffRatingOut, TextIn, VerifyIn, VisitList, VisitOut, VisitRecordIn)
from tongban.ratings.enums import VisitState
from tongban.supervision.scope import scope_for
from tongban.web.deps import Db, Id, Now, Staff, staff_with

router = APIRouter(prefix="/api/v1/staff/ratings", tags=["ratings-staff"])
Supervisor = staff_with(Permission.supervise)
Month = Annotated[str, Query(pattern=r"^\d{4}-\d{2}$")]


@router.get("", response_model=StaffRatingList, summary="本机构（本地区）的评价")
def ratings(db: Db, clock: Now, actor: Staff, bad: bool = False) -> StaffRatingList:
    rows = service.staff_list(db_session=db, actor=actor, bad_only=bad)
    return StaffRatingList(items=[presenters.staff_view(db, clock, actor, r) for r in rows])


@router.get("/ledger", response_model=Ledger, summary="整改台账")
def ledger(db: Db, clock: Now, actor: Staff, view: Annotated[str, Query(max_length=10)] = "open") -> Ledger:
    rows = rectification.ledger(db_session=db, clock=clock, actor=actor, view=view)
    return Ledger(items=[LedgerRow(task=presenters.task_view(db, clock, t, staff=True),
                                   rating=presenters.staff_view(db, clock, actor, r, task=t)) for t, r in rows])


def _task(db, clock, actor, task) -> StaffRatingOut:
    db.commit()
    from tongban.ratings.models import Rating

    return presenters.staff_view(db, clock, actor, db.get(Rating, task.rating_id), task=task)


@router.post("/tasks/{task_id}/verify", response_model=StaffRatingOut, summary="核实差评（属实，或无效并说明原因）")
def verify(task_id: Id, body: VerifyIn, db: Db, clock: Now, actor: Staff) -> StaffRatingOut:
    return _task(db, clock, actor, rectification.verify(db_session=db, clock=clock, actor=actor, task_id=task_id,
                                                        true=body.true, invalid_kind=body.invalid_kind, note=body.note))


@router.post("/tasks/{task_id}/rectify", response_model=StaffRatingOut, summary="记录整改措施")
def rectify(task_id: Id, body: TextIn, db: Db, clock: Now, actor: Staff) -> StaffRatingOut:
    return _task(db, clock, actor, rectification.rectify(db_session=db, clock=clock, actor=actor, task_id=task_id,
                                                         text=body.text))


@router.post("/tasks/{task_id}/feedback", response_model=StaffRatingOut, summary="向评价人反馈整改结果（短信和站内消息）")
def feedback(task_id: Id, body: TextIn, db: Db, clock: Now, actor: Staff) -> StaffRatingOut:
    return _task(db, clock, actor, rectification.feed_back(db_session=db, clock=clock, actor=actor, task_id=task_id,
                                                           text=body.text))


def _aggregate(db, actor, by, month_from, month_to, agency_id, region) -> list[aggregates.Row]:
    scope = scope_for(db_session=db, actor=actor, agency_id=agency_id, region=region)
    return aggregates.aggregate(db_session=db, by=by, month_from=month_from, month_to=month_to,
                                region_prefix=scope.region_prefix, agency_id=scope.agency_id)


@router.get("/stats", response_model=AggregateOut, summary="评价统计：满意率、差评率、维度（按部门、事项、大厅、窗口、人员、渠道、月份）")
def stats(db: Db, actor: Supervisor, month_from: Month, month_to: Month, by: Annotated[str, Query(max_length=10)] = "agency",
          agency_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
          region: Annotated[str, Query(max_length=6)] = "") -> AggregateOut:
    rows = _aggregate(db, actor, by, month_from, month_to, agency_id, region)
    return AggregateOut(by=by, month_from=month_from, month_to=month_to, rows=[AggregateRowOut(
        key=r.key, label=r.label, count=r.count, satisfied=r.satisfied, bad=r.bad, satisfaction_rate=r.satisfaction_rate,
        bad_rate=r.bad_rate, dimensions=r.dimensions) for r in rows])


@router.get("/stats.csv", summary="评价统计导出（CSV）")
def stats_csv(db: Db, actor: Supervisor, month_from: Month, month_to: Month,
              by: Annotated[str, Query(max_length=10)] = "agency",
              agency_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
              region: Annotated[str, Query(max_length=6)] = "") -> Response:
    rows = _aggregate(db, actor, by, month_from, month_to, agency_id, region)
    labels = aggregates.dimension_labels()
    body = write_csv([[r.label, r.count, r.satisfied, r.bad, round(r.satisfaction_rate or 0, 4), round(r.bad_rate or 0, 4),
                       *[r.dimensions.get(d, 0) for d in labels]] for r in rows],
                     header=["分组", "评价数", "满意数", "差评数", "满意率", "差评率", *labels.values()])
    return Response(body, media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="ratings-{by}-{month_from}-{month_to}.csv"'})


@router.get("/visits", response_model=VisitList, summary="回访抽样清单")
def visit_list(db: Db, actor: Staff, month: Month) -> VisitList:
    return VisitList(items=[_visit(db, v) for v in visits.listing(db_session=db, actor=actor, month=month)])


def _visit(db, v) -> VisitOut:
    from tongban.ratings.models import Rating

    rating = db.get(Rating, v.rating_id) if v.rating_id else None
    return VisitOut(id=v.id, month=v.month, subject_kind=v.subject_kind, subject_ref=v.subject_ref, state=v.state,
                    state_label=VisitState(v.state).label, method=v.method, answer_level=v.answer_level, note=v.note,
                    rating_level=rating.level if rating else None)


@router.post("/visits/draw", response_model=DrawOut, summary="抽取本月回访样本（可重复执行，结果不变）")
def draw(body: DrawIn, db: Db, clock: Now, actor: Supervisor) -> DrawOut:
    drawn = visits.draw(db_session=db, clock=clock, month=body.month)
    db.commit()
    return DrawOut(month=body.month, drawn=drawn)


@router.post("/visits/{visit_id}", response_model=VisitOut, summary="记录回访结果")
def record_visit(visit_id: Id, body: VisitRecordIn, db: Db, clock: Now, actor: Staff) -> VisitOut:
    row = visits.record(db_session=db, clock=clock, actor=actor, visit_id=visit_id, method=body.method,
                        reached=body.reached, answer_level=body.answer_level, note=body.note)
    db.commit()
    return _visit(db, row)
