"""Staff pages of e-supervision under /staff/supervision: dashboard, monitoring, statistics with charts and CSV,
platform faults, handling errors and each member of staff's dispatches (SUP-03 … SUP-06)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from tongban.accounts.access import Permission, StaffActor, region_prefix
from tongban.cases.enums import CaseState
from tongban.catalog import regions
from tongban.core.clock import SHANGHAI
from tongban.core.errors import DomainError, InvalidInput
from tongban.supervision import charts, faults, flags, monitor, rules, stats, warnings
from tongban.supervision.enums import ClockStatus, DispatchRole, ErrorKind, FaultCause
from tongban.supervision.scope import require_supervisor, scope_for
from tongban.supervision.status import Thresholds
from tongban.web.actions import form_action, see_other
from tongban.web.deps import Csrf, Db, Now, Staff
from tongban.web.rendering import render

router = APIRouter(include_in_schema=False)
Q = Annotated[str, Query(max_length=20)]
Text = Annotated[str, Form(max_length=2000)]
Short = Annotated[str, Form(max_length=40)]
STATUS_STYLES = {"red": "red", "yellow": "warn", "paused": "", "normal": "ok", "on_time": "ok", "late": "red"}


def _agency_id(value: str) -> int | None:
    value = (value or "").strip()
    if not value:
        return None
    if not value.isdigit() or not 0 < int(value) < 2**31:
        raise InvalidInput("AGENCY_INVALID", "部门选择无效")
    return int(value)


def _agencies(db: Session, actor: StaffActor) -> list:
    prefix = region_prefix(actor.region_code)
    return [a for a in regions.list_agencies(db_session=db)
            if a.region_code.startswith(prefix) and (actor.agency_id is None or a.id == actor.agency_id)]


def _error_page(request: Request, actor: StaffActor, exc: DomainError) -> HTMLResponse:
    return render(request, "supervision/error.html", status_code=exc.status_code, actor=actor, error=exc.message)


def _filters(db: Session, actor: StaffActor, agency: str, region: str):
    return scope_for(db_session=db, actor=actor, agency_id=_agency_id(agency), region=region)


@router.get("/staff/supervision", response_class=HTMLResponse)
def dashboard(request: Request, db: Db, clock: Now, actor: Staff, agency: Q = "", region: Q = "") -> Response:
    if not actor.has(Permission.supervise):
        return RedirectResponse("/staff/supervision/dispatches", status_code=303)
    try:
        scope = _filters(db, actor, agency, region)
        live = monitor.monitor(db_session=db, clock=clock, scope=scope, level="warned", limit=20)
        period = stats.period_of(clock=clock)
        facts = stats.collect(db_session=db, clock=clock, scope=scope, period=period)  # read once, drawn three ways
        by_agency = stats.report(db_session=db, clock=clock, scope=scope, period=period, dimension="agency", facts=facts)
        by_month = stats.report(db_session=db, clock=clock, scope=scope, period=period, dimension="period", facts=facts)
        flagged = flags.flagged_items(db_session=db, clock=clock, scope=scope, period=period, facts=facts)
    except DomainError as exc:
        return _error_page(request, actor, exc)
    months = [r.label for r in by_month.rows]
    context = dict(
        actor=actor, live=live, period=period, total=by_agency.total, flagged=flagged, styles=STATUS_STYLES,
        agencies=_agencies(db, actor), agency=agency, region=region, ClockStatus=ClockStatus, percent=stats.percent,
        on_time_chart=charts.bar_chart("各部门按时办结率（%）", [(r.label, None if r.on_time_rate is None else r.on_time_rate * 100)
                                                          for r in by_agency.rows[:12]], maximum=100, fmt="{:.1f}"),
        volume_chart=charts.line_chart("每月收件与办结", months, [("收件", [r.received for r in by_month.rows]),
                                                          ("办结", [r.decided for r in by_month.rows])]),
        status_chart=charts.bar_chart("在办件计时状态", [(ClockStatus(k).label, v) for k, v in sorted(live.counts.items())]),
    )
    return render(request, "supervision/dashboard.html", **context)


@router.get("/staff/supervision/monitor", response_class=HTMLResponse)
def monitor_page(request: Request, db: Db, clock: Now, actor: Staff, agency: Q = "", region: Q = "", level: Q = "warned") -> Response:
    try:
        scope = _filters(db, actor, agency, region)
        live = monitor.monitor(db_session=db, clock=clock, scope=scope, level=level)
    except DomainError as exc:
        return _error_page(request, actor, exc)
    return render(request, "supervision/monitor.html", actor=actor, live=live, styles=STATUS_STYLES, agencies=_agencies(db, actor),
                  agency=agency, region=region, level=live.level, ClockStatus=ClockStatus,
                  state_labels={s.value: s.label for s in CaseState},
                  levels=[("warned", "预警和超期"), ("red", "超期"), ("yellow", "预警"), ("paused", "暂停计时"), ("all", "全部在办")])


def _stats(db, clock, actor, dimension, start, end, agency, region):
    dimension = stats.parse_dimension(dimension or "agency")
    scope = _filters(db, actor, agency, region)
    period = stats.period_of(clock=clock, start=start or None, end=end or None)
    facts = stats.collect(db_session=db, clock=clock, scope=scope, period=period)
    return stats.report(db_session=db, clock=clock, scope=scope, period=period, dimension=dimension, facts=facts), scope, facts


@router.get("/staff/supervision/stats", response_class=HTMLResponse)
def stats_page(request: Request, db: Db, clock: Now, actor: Staff, dimension: Q = "agency", start: Q = "", end: Q = "",
               agency: Q = "", region: Q = "") -> Response:
    try:
        report, scope, facts = _stats(db, clock, actor, dimension, start, end, agency, region)
        flagged = flags.flagged_items(db_session=db, clock=clock, scope=scope, period=report.period, facts=facts)
    except DomainError as exc:
        return _error_page(request, actor, exc)
    rows = report.rows[:30]
    query = urlencode({"dimension": report.dimension.value, "start": report.period.start, "end": report.period.end,
                       "agency": agency, "region": region})
    return render(
        request, "supervision/stats.html", actor=actor, report=report, rows=rows, flagged=flagged, percent=stats.percent,
        dimensions=list(stats.Dimension), agencies=_agencies(db, actor), agency=agency, region=region, query=query,
        on_time_chart=charts.bar_chart(f"按{report.dimension.label}：按时办结率（%）",
                                       [(r.label, None if r.on_time_rate is None else r.on_time_rate * 100) for r in rows[:15]],
                                       maximum=100, fmt="{:.1f}"),
        return_chart=charts.bar_chart(f"按{report.dimension.label}：退件率（%）",
                                      [(r.label, None if r.return_rate is None else r.return_rate * 100) for r in rows[:15]],
                                      maximum=100, fmt="{:.1f}"),
        volume_chart=charts.line_chart("每月收件与办结", [r.label for r in rows], [("收件", [r.received for r in rows]),
                                                                         ("办结", [r.decided for r in rows])])
        if report.dimension is stats.Dimension.period else
        charts.bar_chart(f"按{report.dimension.label}：收件量", [(r.label, r.received) for r in rows[:15]]),
    )


@router.get("/staff/supervision/stats.csv")
def stats_csv(request: Request, db: Db, clock: Now, actor: Staff, dimension: Q = "agency", start: Q = "", end: Q = "",
              agency: Q = "", region: Q = "") -> Response:
    try:
        report, _, _ = _stats(db, clock, actor, dimension, start, end, agency, region)
    except DomainError as exc:
        return _error_page(request, actor, exc)
    name = f"电子监察统计-{report.dimension.label}-{report.period.start}至{report.period.end}.csv"
    fallback = f"supervision-{report.dimension.value}.csv"
    return Response(stats.to_csv(report), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name)}"})


# --- platform faults and handling errors ----------------------------------------------------------------

def threshold_text(thresholds: Thresholds) -> str:
    """When a case turns yellow, in words: the page says what the setting does, not which variable holds it."""
    parts = []
    if thresholds.share > 0:
        parts.append(f"剩余时限不超过总时限的 {thresholds.share * 100:.3g}%")
    if thresholds.days > 0:
        parts.append(f"剩余不超过 {thresholds.days} 天（工作日时限按工作日计）")
    if not parts:
        return "不作黄色预警，超过时限时红色预警"
    return "或".join(parts) + "时黄色预警，超过时限时红色预警"


def _faults_page(request, db, actor, *, error: str = "", status_code: int = 200, form: dict | None = None) -> HTMLResponse:
    return render(request, "supervision/faults.html", status_code=status_code, actor=actor, error=error,
                  default_rule=threshold_text(Thresholds.from_settings()), threshold_text=threshold_text, Thresholds=Thresholds,
                  msg="" if error else request.query_params.get("msg", ""), faults=faults.list_faults(db_session=db, actor=actor),
                  errors=faults.errors_in_scope(db_session=db, actor=actor), causes=list(FaultCause), kinds=list(ErrorKind),
                  agencies=_agencies(db, actor), form=form or {}, FaultCause=FaultCause, ErrorKind=ErrorKind,
                  rules=rules.rules_in_scope(db_session=db, actor=actor))


@router.get("/staff/supervision/faults", response_class=HTMLResponse)
def faults_page(request: Request, db: Db, actor: Staff) -> HTMLResponse:
    require_supervisor(actor)
    return _faults_page(request, db, actor)


def _when(value: str, what: str) -> datetime:
    text = (value or "").strip().replace("T", " ")
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidInput("DATETIME_INVALID", f"{what}应写成 2026-11-20 09:30 这样的格式") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=SHANGHAI)


@router.post("/staff/supervision/faults", response_class=HTMLResponse)
def record_fault(request: Request, db: Db, clock: Now, actor: Staff, _csrf: Csrf, started_at: Short = "", ended_at: Short = "",
                 cause: Short = "", description: Text = "", agency: Short = "") -> Response:
    require_supervisor(actor)
    form = {"started_at": started_at, "ended_at": ended_at, "cause": cause, "description": description, "agency": agency}
    return form_action(
        db, lambda: faults.record_fault(db_session=db, clock=clock, actor=actor, started_at=_when(started_at, "开始时间"),
                                        ended_at=_when(ended_at, "结束时间"), cause=cause, description=description,
                                        agency_id=_agency_id(agency)),
        done=lambda _: see_other("/staff/supervision/faults", msg="平台故障已登记，期间超期的办件不计入绩效"),
        failed=lambda exc: _faults_page(request, db, actor, error=exc.message, status_code=exc.status_code, form=form),
    )


@router.post("/staff/supervision/errors", response_class=HTMLResponse)
def record_error(request: Request, db: Db, clock: Now, actor: Staff, _csrf: Csrf, case_number: Short = "", kind: Short = "",
                 note: Text = "") -> Response:
    require_supervisor(actor)
    return form_action(
        db, lambda: faults.record_error(db_session=db, clock=clock, actor=actor, case_number=case_number, kind=kind, note=note),
        done=lambda _: see_other("/staff/supervision/faults", msg="差错已登记，计入出错率"),
        failed=lambda exc: _faults_page(request, db, actor, error=exc.message, status_code=exc.status_code,
                                        form={"case_number": case_number, "kind": kind, "note": note}),
    )


def _number(value: str, kind, what: str):
    try:
        return kind((value or "0").strip() or "0")
    except ValueError:
        raise InvalidInput("NUMBER_INVALID", f"{what}应为数字") from None


@router.post("/staff/supervision/rules", response_class=HTMLResponse)
def set_rule(request: Request, db: Db, clock: Now, actor: Staff, _csrf: Csrf, code: Short = "", share: Short = "",
             days: Short = "", delete: Short = "") -> Response:
    require_supervisor(actor)

    def change():
        item = rules.item_by_code(db_session=db, actor=actor, code=code)
        if delete:
            rules.delete_rule(db_session=db, clock=clock, actor=actor, item_id=item.id)
        else:
            rules.set_rule(db_session=db, clock=clock, actor=actor, item_id=item.id, share=_number(share, float, "剩余比例"),
                           days=_number(days, int, "剩余天数"))
        return item

    return form_action(
        db, change,
        done=lambda item: see_other("/staff/supervision/faults",
                                    msg="已恢复全局预警阈值" if delete else f"已为“{item.name}”单独设置预警阈值"),
        failed=lambda exc: _faults_page(request, db, actor, error=exc.message, status_code=exc.status_code,
                                        form={"code": code, "share": share, "days": days}),
    )


# --- my dispatches ----------------------------------------------------------------------------------------

@router.get("/staff/supervision/dispatches", response_class=HTMLResponse)
def dispatches_page(request: Request, db: Db, clock: Now, actor: Staff) -> HTMLResponse:
    """Shown once, the dispatches count as read; the page still marks which ones were new this time."""
    rows = warnings.dispatches_for(db_session=db, staff_id=actor.staff_id)
    unread = {d.id for d, _ in rows if d.read_at is None}
    if unread:
        warnings.mark_read(db_session=db, clock=clock, staff_id=actor.staff_id, dispatch_ids=unread)
        db.commit()
    return render(request, "supervision/dispatches.html", actor=actor, rows=rows, unread=unread, DispatchRole=DispatchRole)

