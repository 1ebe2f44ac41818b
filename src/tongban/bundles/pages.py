"""Public pages of bundles: the list (/bundles), the progressive questions one per screen (/bundles/{id}: answers
travel in the query string, so back and change work without JavaScript), and the plan (/bundles/{id}/plan)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from tongban.bundles import flow, graph, planning, presenters, service
from tongban.core.errors import DomainError
from tongban.web.deps import Db, Id, Now
from tongban.web.rendering import render

router = APIRouter(include_in_schema=False)
RESERVED = ("go", "was", "msg")
MAX_PARAMS = 60


def _answers(request: Request) -> dict[str, str]:
    params = list(request.query_params.multi_items())[:MAX_PARAMS]
    return {k[:40]: v[:40] for k, v in params if k not in RESERVED and v}


def _problem(request: Request, bundle_id: int, exc: DomainError) -> HTMLResponse:
    return render(request, "bundles_problem.html", status_code=exc.status_code, message=exc.message,
                  bundle_id=bundle_id)


@router.get("/bundles", response_class=HTMLResponse)
def bundle_list(request: Request, db: Db) -> HTMLResponse:
    rows = [presenters.summary(db, bundle, definition) for bundle, definition in service.public_list(db_session=db)]
    groups = [(label, [r for r in rows if r["audience"] == key]) for key, label in presenters.AUDIENCE_LABELS.items()]
    return render(request, "bundles_list.html", groups=[g for g in groups if g[1]], total=len(rows))


@router.get("/bundles/{bundle_id}", response_class=HTMLResponse)
def bundle_flow(request: Request, bundle_id: Id, db: Db) -> Response:
    try:
        bundle, _version, definition = service.live_definition(db_session=db, bundle_id=bundle_id)
    except DomainError as exc:
        return _problem(request, bundle_id, exc)
    info = presenters.summary(db, bundle, definition)
    answers = _answers(request)
    if not answers and request.query_params.get("go") != "1":
        return render(request, "bundles_start.html", bundle=info)
    try:
        walk = flow.walk(definition, answers, partial=True)
    except DomainError as exc:
        return _problem(request, bundle_id, exc)
    if walk.complete:
        return RedirectResponse(f"/bundles/{bundle_id}/plan?{presenters.answers_query(answers)}", status_code=303)
    steps = presenters.steps_view(bundle_id, walk)
    back = (f"/bundles/{bundle_id}?{presenters.answers_query({s.question.id: s.value for s in walk.steps[:-1]}, go='1')}"
            if walk.steps else f"/bundles/{bundle_id}")
    return render(request, "bundles_question.html", bundle=info, question=presenters.question_view(walk.next_question),
                  answers=answers, steps=steps, back=back, number=len(walk.steps) + 1,
                  was=request.query_params.get("was", ""))


@router.get("/bundles/{bundle_id}/plan", response_class=HTMLResponse)
def bundle_plan(request: Request, bundle_id: Id, db: Db, clock: Now) -> Response:
    answers = _answers(request)
    try:
        bundle, _version, definition = service.live_definition(db_session=db, bundle_id=bundle_id)
        made = planning.make_plan(db_session=db, clock=clock, bundle_id=bundle_id, answers=answers)
        walk = flow.walk(definition, made.answers)
    except DomainError as exc:
        return _problem(request, bundle_id, exc)
    view = presenters.plan_view(db, made)
    return render(request, "bundles_plan.html", bundle=presenters.summary(db, bundle, definition), plan=view,
                  steps=presenters.steps_view(bundle_id, walk), picture=graph.plan_svg(made, f"{definition.name}办理流程图"))
