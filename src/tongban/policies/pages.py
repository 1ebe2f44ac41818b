"""Public pages of policies: the benefits offered to me without applying, and declining one (/policies/mine)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from tongban.policies import presenters, service
from tongban.web.actions import form_action, see_other
from tongban.web.deps import Csrf, Db, Id, Me, Now, Text
from tongban.web.rendering import render

router = APIRouter(include_in_schema=False)


def _mine(request: Request, db, me, *, error: str = "", status_code: int = 200) -> HTMLResponse:
    grants = [presenters.grant(g, p) for g, p in service.mine(db_session=db, actor=me)]
    return render(request, "policies/policies_mine.html", grants=grants, error=error, status_code=status_code,
                  msg=request.query_params.get("msg", ""))


@router.get("/policies/mine", response_class=HTMLResponse)
def my_grants(request: Request, db: Db, me: Me) -> HTMLResponse:
    return _mine(request, db, me)


@router.post("/policies/grants/{grant_id}/decline", response_class=HTMLResponse)
def decline(grant_id: Id, request: Request, db: Db, clock: Now, me: Me, _: Csrf, reason: Text = "") -> Response:
    return form_action(
        db, lambda: service.decline(db_session=db, clock=clock, actor=me, grant_id=grant_id, reason=reason),
        done=lambda g: see_other("/policies/mine", msg="已放弃这项待遇"),
        failed=lambda exc: _mine(request, db, me, error=exc.message, status_code=exc.status_code),
    )
