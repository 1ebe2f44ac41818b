"""The lead window's bundle cases (一件事, BND-07): its queue, one acceptance for all parts, each part linking to its
agency's ordinary case page, and the unified hand-over of all results (统一出件)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from tongban.accounts.access import StaffActor
from tongban.accounts.identity import KINDS_FOR_FORM
from tongban.bundles import case_presenters, handling, together
from tongban.web.actions import form_action, see_other
from tongban.web.deps import Csrf, Db, Id, Now, Staff
from tongban.web.rendering import render

router = APIRouter(include_in_schema=False)
Short = Annotated[str, Form(max_length=40)]
Address = Annotated[str, Form(max_length=300)]
TABS = (("submitted", "待统一受理", ("submitted",)), ("held", "暂停（补正/不予）", ("held",)),
        ("ready", "待统一出件", ("ready",)), ("accepted", "办理中", ("accepted",)), ("all", "全部", None))


@router.get("/staff/bundle-cases", response_class=HTMLResponse)
def queue_page(request: Request, db: Db, actor: Staff, tab: Annotated[str, Query(max_length=20)] = "submitted") -> HTMLResponse:
    current = next((t for t in TABS if t[0] == tab), TABS[0])
    rows = handling.lead_queue(db_session=db, actor=actor, states=current[2])
    return render(request, "bundles/bundles_staff_cases.html", actor=actor, tabs=TABS, current=current,
                  rows=[case_presenters.detail(db, r) for r in rows], msg=request.query_params.get("msg", ""))


def _detail(request: Request, db: Session, actor: StaffActor, row, *, error: str = "", status_code: int = 200,
            msg: str = "") -> HTMLResponse:
    view = case_presenters.detail(db, row)
    paper = {together.method_of(v.case) for v in handling.views(db_session=db, bundle_case=row)
             if v.case.state == "approved" and together.method_of(v.case) != together.DOWNLOAD}
    return render(request, "bundles/bundles_staff_case.html", status_code=status_code, actor=actor, b=view, error=error,
                  msg=msg, lead=handling.is_lead_window(db_session=db, actor=actor, bundle_case=row), methods=paper,
                  on_site=handling.needs_on_site(db_session=db, bundle_case=row) if row.state == "submitted" else [],
                  originals=[c.item_name for c in handling.pending_originals(db_session=db, bundle_case=row)],
                  id_kinds=KINDS_FOR_FORM)


@router.get("/staff/bundle-cases/{bundle_case_id}", response_class=HTMLResponse)
def detail_page(request: Request, bundle_case_id: Id, db: Db, actor: Staff) -> HTMLResponse:
    row = handling.for_staff(db_session=db, actor=actor, bundle_case_id=bundle_case_id)
    return _detail(request, db, actor, row, msg=request.query_params.get("msg", "")[:100])


@router.post("/staff/bundle-cases/{bundle_case_id}/accept", response_class=HTMLResponse)
def accept(request: Request, bundle_case_id: Id, db: Db, clock: Now, actor: Staff, _csrf: Csrf, on_site: Address = "",
           on_site_at: Annotated[datetime | None, Form()] = None) -> Response:
    row = handling.for_staff(db_session=db, actor=actor, bundle_case_id=bundle_case_id)
    return form_action(db, lambda: handling.accept(db_session=db, clock=clock, actor=actor, bundle_case=row, on_site=on_site,
                                                   on_site_at=on_site_at),
                       done=lambda r: see_other(f"/staff/bundle-cases/{r.id}", msg="已统一受理"),
                       failed=lambda exc: _detail(request, db, actor, row, error=exc.message, status_code=exc.status_code))


@router.post("/staff/bundle-cases/{bundle_case_id}/originals", response_class=HTMLResponse)
def originals(request: Request, bundle_case_id: Id, db: Db, clock: Now, actor: Staff, _csrf: Csrf) -> Response:
    row = handling.for_staff(db_session=db, actor=actor, bundle_case_id=bundle_case_id)
    return form_action(db, lambda: handling.originals_checked(db_session=db, clock=clock, actor=actor, bundle_case=row),
                       done=lambda n: see_other(f"/staff/bundle-cases/{row.id}", msg=f"已记录 {n} 个事项的原件核验"),
                       failed=lambda exc: _detail(request, db, actor, row, error=exc.message, status_code=exc.status_code))


@router.post("/staff/bundle-cases/{bundle_case_id}/deliver", response_class=HTMLResponse)
def deliver(request: Request, bundle_case_id: Id, db: Db, clock: Now, actor: Staff, _csrf: Csrf,
            id_kind: Short = "resident_id", id_number: Short = "", carrier: Short = "", tracking_number: Short = "",
            address: Address = "") -> Response:
    row = handling.for_staff(db_session=db, actor=actor, bundle_case_id=bundle_case_id)
    return form_action(db, lambda: together.hand_over(db_session=db, clock=clock, actor=actor, bundle_case=row, id_kind=id_kind,
                                                      id_number=id_number, carrier=carrier, tracking_number=tracking_number,
                                                      address=address),
                       done=lambda r: see_other(f"/staff/bundle-cases/{r.id}", msg="已统一出件"),
                       failed=lambda exc: _detail(request, db, actor, row, error=exc.message, status_code=exc.status_code))
