"""Public pages of credit: the item lists (/credit/lists) and my credit with repair (/credit/mine)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from tongban.credit import lists, pledges, presenters
from tongban.credit.enums import ListKind
from tongban.web.actions import form_action, see_other
from tongban.web.deps import Csrf, Db, Id, LongText, Me, Now
from tongban.web.rendering import render

router = APIRouter(include_in_schema=False)


@router.get("/credit/lists", response_class=HTMLResponse)
def credit_lists(request: Request, db: Db, kind: Annotated[str, Query(max_length=20)] = "") -> HTMLResponse:
    chosen = kind if kind in ListKind._value2member_map_ else ""
    rows = lists.entries(db_session=db, list_kind=chosen, public=True)
    groups = {k: [presenters.entry(e) for e in rows if e.list_kind is k] for k in ListKind}
    return render(request, "credit/credit_lists.html", groups=groups, kinds=list(ListKind), kind=chosen)


def _mine(request: Request, db, me, *, error: str = "", status_code: int = 200) -> HTMLResponse:
    rows = [presenters.exclusion(db, x) for x in pledges.mine(db_session=db, actor=me)]
    return render(request, "credit/credit_mine.html", exclusions=rows, error=error, status_code=status_code,
                  msg=request.query_params.get("msg", ""))


@router.get("/credit/mine", response_class=HTMLResponse)
def my_credit(request: Request, db: Db, me: Me) -> HTMLResponse:
    return _mine(request, db, me)


@router.post("/credit/exclusions/{exclusion_id}/repair", response_class=HTMLResponse)
def apply_repair(exclusion_id: Id, request: Request, db: Db, clock: Now, me: Me, _: Csrf, evidence: LongText = "") -> Response:
    return form_action(
        db, lambda: pledges.apply_repair(db_session=db, clock=clock, exclusion_id=exclusion_id, evidence=evidence,
                                         subject_hash=pledges.person_key(db_session=db, actor=me), person=me),
        done=lambda r: see_other("/credit/mine", msg="信用修复申请已提交，请等待审核"),
        failed=lambda exc: _mine(request, db, me, error=exc.message, status_code=exc.status_code),
    )
