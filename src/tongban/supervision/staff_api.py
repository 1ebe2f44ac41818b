"""JSON API of e-supervision under /api/v1/supervision (SUP-01 … SUP-06). Thin: parse, check, call, return."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response
from sqlalchemy.orm import Session

from tongban.accounts.access import StaffActor
from tongban.cases import applicants
from tongban.cases import service as cases
from tongban.core.clock import SHANGHAI, Clock
from tongban.core.errors import Forbidden
from tongban.supervision import faults, flags, monitor, rules, stats, warnings
from tongban.supervision.enums import ErrorKind, FaultCause
from tongban.supervision.schemas import (
    ClockOut, DispatchOut, ErrorIn, ErrorOut, FaultIn, FaultOut, FlagOut, MonitoredOut, MonitorOut, ReasonOut, StageOut,
    StatsOut, WarningRuleIn, WarningRuleOut, clock_out, stats_out,
)
from tongban.supervision.scope import scope_for
from tongban.supervision.status import evaluate
from tongban.web.deps import Db, Id, Now, Staff

router = APIRouter(prefix="/api/v1/supervision", tags=["supervision"])
AgencyQ = Annotated[int | None, Query(ge=1, le=2**31 - 1, description="实施机构 id")]
RegionQ = Annotated[str, Query(max_length=12, description="行政区划代码，须在本人管辖范围内")]
DateQ = Annotated[str, Query(max_length=20, description="日期，如 2026-11-01")]


def case_clock(db: Session, clock: Clock, actor: StaffActor, case_id: int) -> ClockOut:
    case = cases.get(db_session=db, case_id=case_id)
    if not applicants.staff_may_see(db_session=db, actor=actor, case=case):
        raise Forbidden("OUT_OF_SCOPE", "只能查看本机构、本地区的办件")
    return clock_out(evaluate(db_session=db, clock=clock, case=case))


@router.get("/cases/{case_id}/clock", response_model=ClockOut, summary="办件的法定、承诺时限如何计算：起算日、暂停、跳过的节假日")
def api_case_clock(case_id: Id, db: Db, clock: Now, actor: Staff) -> ClockOut:
    return case_clock(db, clock, actor, case_id)


@router.get("/monitor", response_model=MonitorOut, summary="实时监控：在办件按环节和计时状态，预警、超期件在前")
def api_monitor(db: Db, clock: Now, actor: Staff, agency_id: AgencyQ = None, region: RegionQ = "",
                level: Annotated[str, Query(max_length=10)] = "warned") -> MonitorOut:
    scope = scope_for(db_session=db, actor=actor, agency_id=agency_id, region=region)
    out = monitor.monitor(db_session=db, clock=clock, scope=scope, level=level)
    return MonitorOut(
        level=out.level, counts=out.counts, total=out.total, calendar_missing_years=out.missing_years,
        stages=[StageOut(state=s.value, label=s.label, counts=c) for s, c in out.stages],
        cases=[MonitoredOut(case_id=m.case.id, case_number=m.case.case_number or "", item_name=m.case.item_name,
                            agency_id=m.case.agency_id, agency_name=m.agency_name, region_code=m.case.region_code,
                            state=m.case.state, status=m.status.status.value, status_label=m.status.status.label,
                            due=m.due, remaining=m.remaining, dispatched=m.dispatched, excused=m.excused) for m in out.rows],
    )


def _report(db, clock, actor, dimension, start, end, agency_id, region) -> stats.Report:
    scope = scope_for(db_session=db, actor=actor, agency_id=agency_id, region=region)
    period = stats.period_of(clock=clock, start=start or None, end=end or None)
    return stats.report(db_session=db, clock=clock, scope=scope, period=period, dimension=dimension)


@router.get("/stats", response_model=StatsOut, summary="统计：收件、受理、办结、按时办结率、平均办理天数、退件率、出错率")
def api_stats(db: Db, clock: Now, actor: Staff, dimension: Annotated[str, Query(max_length=10)] = "agency",
              start: DateQ = "", end: DateQ = "", agency_id: AgencyQ = None, region: RegionQ = "") -> StatsOut:
    return stats_out(_report(db, clock, actor, dimension, start, end, agency_id, region))


@router.get("/stats.csv", summary="统计表 CSV（UTF-8 BOM，Excel 可直接打开）", response_class=Response)
def api_stats_csv(db: Db, clock: Now, actor: Staff, dimension: Annotated[str, Query(max_length=10)] = "agency",
                  start: DateQ = "", end: DateQ = "", agency_id: AgencyQ = None, region: RegionQ = "") -> Response:
    report = _report(db, clock, actor, dimension, start, end, agency_id, region)
    name = f"supervision-{report.dimension.value}-{report.period.start}-{report.period.end}.csv"
    return Response(stats.to_csv(report), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@router.get("/flags", response_model=list[FlagOut], summary="退件率、出错率（及差评率、投诉率）偏高、需整改的事项")
def api_flags(db: Db, clock: Now, actor: Staff, start: DateQ = "", end: DateQ = "", agency_id: AgencyQ = None,
              region: RegionQ = "") -> list[FlagOut]:
    scope = scope_for(db_session=db, actor=actor, agency_id=agency_id, region=region)
    period = stats.period_of(clock=clock, start=start or None, end=end or None)
    return [FlagOut(item_id=f.item_id, item_name=f.item_name,
                    reasons=[ReasonOut(kind=r.kind, label=r.label, count=r.count, total=r.total, rate=r.rate,
                                       threshold=r.threshold) for r in f.reasons])
            for f in flags.flagged_items(db_session=db, clock=clock, scope=scope, period=period)]


def fault_out(f) -> FaultOut:
    return FaultOut(id=f.id, started_at=f.started_at, ended_at=f.ended_at, cause=f.cause, cause_label=FaultCause(f.cause).label,
                    description=f.description, region_code=f.region_code, agency_id=f.agency_id, item_id=f.item_id,
                    recorded_by_name=f.recorded_by_name, recorded_at=f.recorded_at)


def _local(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=SHANGHAI)


@router.get("/faults", response_model=list[FaultOut], summary="已登记的平台故障")
def api_faults(db: Db, actor: Staff) -> list[FaultOut]:
    return [fault_out(f) for f in faults.list_faults(db_session=db, actor=actor)]


@router.post("/faults", response_model=FaultOut, status_code=201, summary="登记平台故障：期间内超期的办件不计入绩效")
def api_record_fault(body: FaultIn, db: Db, clock: Now, actor: Staff) -> FaultOut:
    fault = faults.record_fault(db_session=db, clock=clock, actor=actor, started_at=_local(body.started_at),
                                ended_at=_local(body.ended_at), cause=body.cause, description=body.description,
                                agency_id=body.agency_id, item_id=body.item_id)
    db.commit()
    return fault_out(fault)


@router.post("/errors", response_model=ErrorOut, status_code=201, summary="登记办件差错（计入出错率）")
def api_record_error(body: ErrorIn, db: Db, clock: Now, actor: Staff) -> ErrorOut:
    row = faults.record_error(db_session=db, clock=clock, actor=actor, case_number=body.case_number, kind=body.kind,
                              note=body.note)
    db.commit()
    return ErrorOut(id=row.id, case_id=row.case_id, kind=row.kind, kind_label=ErrorKind(row.kind).label, note=row.note,
                    recorded_at=row.recorded_at)


@router.get("/dispatches", response_model=list[DispatchOut], summary="发给我的预警、超期督办消息")
def api_dispatches(db: Db, actor: Staff) -> list[DispatchOut]:
    return [DispatchOut(id=d.id, case_id=w.case_id, level=w.level, role=d.role, title=d.title, body=d.body,
                        created_at=d.created_at, read_at=d.read_at)
            for d, w in warnings.dispatches_for(db_session=db, staff_id=actor.staff_id)]


@router.put("/items/{item_id}/warning-rule", response_model=WarningRuleOut, summary="为一个事项单独设置预警阈值（覆盖全局设置）")
def api_set_rule(item_id: Id, body: WarningRuleIn, db: Db, clock: Now, actor: Staff) -> WarningRuleOut:
    rule = rules.set_rule(db_session=db, clock=clock, actor=actor, item_id=item_id, share=body.share, days=body.days)
    db.commit()
    return WarningRuleOut(item_id=rule.item_id, share=rule.share, days=rule.days, updated_at=rule.updated_at)


@router.delete("/items/{item_id}/warning-rule", status_code=204, summary="删除事项的预警阈值，恢复全局设置")
def api_delete_rule(item_id: Id, db: Db, clock: Now, actor: Staff) -> Response:
    rules.delete_rule(db_session=db, clock=clock, actor=actor, item_id=item_id)
    db.commit()
    return Response(status_code=204)
