"""Staff pages of ratings: the rectification ledger (整改台账) with each task's steps, the statistics with an SVG
chart and CSV export, and the month's return visits (/staff/ratings)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, Response

from tongban.accounts.access import Permission
from tongban.ratings import aggregates, presenters, rectification, visits
from tongban.ratings.enums import InvalidKind, Level, VisitMethod, VisitState
from tongban.supervision.charts import bar_chart
from tongban.supervision.scope import scope_for
from tongban.web.actions import form_action, see_other
from tongban.web.deps import Csrf, Db, Id, Now, Short, Staff, staff_with
from tongban.web.rendering import render

router = APIRouter(prefix="/staff/ratings", include_in_schema=False)
Big = Annotated[str, Form(max_length=20_000)]
Supervisor = staff_with(Permission.supervise)


def _ledger(request: Request, db, clock, actor, view: str, *, error: str = "", status_code: int = 200) -> HTMLResponse:
    rows = rectification.ledger(db_session=db, clock=clock, actor=actor, view=view)
    items = [(presenters.task_view(db, clock, t, staff=True), presenters.staff_view(db, clock, actor, r, task=t))
             for t, r in rows]
    return render(request, "ratings/staff_ledger.html", items=items, view=view, views=rectification.LEDGER_VIEWS,
                  invalid_kinds=list(InvalidKind), error=error, msg=request.query_params.get("msg", ""),
                  status_code=status_code)


@router.get("", response_class=HTMLResponse)
def ledger(request: Request, db: Db, clock: Now, actor: Staff, view: Annotated[str, Query(max_length=10)] = "open") -> HTMLResponse:
    return _ledger(request, db, clock, actor, view)


def _act(request: Request, db, clock, actor, change, done_msg: str) -> Response:
    return form_action(db, change, done=lambda _t: see_other("/staff/ratings?view=all", msg=done_msg),
                       failed=lambda exc: _ledger(request, db, clock, actor, "all", error=exc.message,
                                                  status_code=exc.status_code))


@router.post("/tasks/{task_id}/verify", response_class=HTMLResponse)
def verify(request: Request, task_id: Id, db: Db, clock: Now, actor: Staff, _: Csrf, verdict: Short = "",
           invalid_kind: Short = "", note: Big = "") -> Response:
    return _act(request, db, clock, actor, lambda: rectification.verify(
        db_session=db, clock=clock, actor=actor, task_id=task_id, true=verdict == "true", invalid_kind=invalid_kind,
        note=note), "已记录核实结果")


@router.post("/tasks/{task_id}/rectify", response_class=HTMLResponse)
def rectify(request: Request, task_id: Id, db: Db, clock: Now, actor: Staff, _: Csrf, text: Big = "") -> Response:
    return _act(request, db, clock, actor, lambda: rectification.rectify(
        db_session=db, clock=clock, actor=actor, task_id=task_id, text=text), "已记录整改措施")


@router.post("/tasks/{task_id}/feedback", response_class=HTMLResponse)
def feedback(request: Request, task_id: Id, db: Db, clock: Now, actor: Staff, _: Csrf, text: Big = "") -> Response:
    return _act(request, db, clock, actor, lambda: rectification.feed_back(
        db_session=db, clock=clock, actor=actor, task_id=task_id, text=text), "已反馈给评价人")


@router.get("/stats", response_class=HTMLResponse)
def stats(request: Request, db: Db, clock: Now, actor: Supervisor, by: Annotated[str, Query(max_length=10)] = "agency",
          month_from: Annotated[str, Query(max_length=7)] = "", month_to: Annotated[str, Query(max_length=7)] = "") -> HTMLResponse:
    month = clock.today().strftime("%Y-%m")
    month_from, month_to = month_from or month, month_to or month
    scope = scope_for(db_session=db, actor=actor)
    rows = aggregates.aggregate(db_session=db, by=by, month_from=month_from, month_to=month_to,
                                region_prefix=scope.region_prefix, agency_id=scope.agency_id)
    chart = bar_chart("满意率（%）", [(r.label, None if r.satisfaction_rate is None else r.satisfaction_rate * 100)
                                    for r in rows], maximum=100)
    bad_chart = bar_chart("差评率（%）", [(r.label, None if r.bad_rate is None else r.bad_rate * 100) for r in rows],
                          maximum=100)
    return render(request, "ratings/staff_stats.html", rows=rows, by=by, groupings=aggregates.BY, chart=chart,
                  bad_chart=bad_chart, month_from=month_from, month_to=month_to, labels=aggregates.dimension_labels())


def _visits(request: Request, db, clock, actor, month: str, *, error: str = "", status_code: int = 200) -> HTMLResponse:
    rows = visits.listing(db_session=db, actor=actor, month=month)
    return render(request, "ratings/staff_visits.html", rows=rows, month=month, methods=list(VisitMethod),
                  states={s.value: s.label for s in VisitState}, levels=list(Level), error=error,
                  msg=request.query_params.get("msg", ""), status_code=status_code)


@router.get("/visits", response_class=HTMLResponse)
def visit_list(request: Request, db: Db, clock: Now, actor: Staff, month: Annotated[str, Query(max_length=7)] = "") -> HTMLResponse:
    return _visits(request, db, clock, actor, month or clock.today().strftime("%Y-%m"))


@router.post("/visits/{visit_id}", response_class=HTMLResponse)
def record_visit(request: Request, visit_id: Id, db: Db, clock: Now, actor: Staff, _: Csrf, month: Short = "",
                 method: Short = "", reached: Short = "yes", answer_level: Short = "", note: Big = "") -> Response:
    return form_action(db, lambda: visits.record(
        db_session=db, clock=clock, actor=actor, visit_id=visit_id, method=method, reached=reached == "yes",
        answer_level=int(answer_level) if answer_level.isdigit() else None, note=note),
        done=lambda v: see_other(f"/staff/ratings/visits?month={v.month}", msg="已记录回访结果"),
        failed=lambda exc: _visits(request, db, clock, actor, month[:7] or clock.today().strftime("%Y-%m"),
                                   error=exc.message, status_code=exc.status_code))
