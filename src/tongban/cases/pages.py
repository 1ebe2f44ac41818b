"""The applicant's cases: my cases, the case page with its timeline, documents, payment and delivery, supplement and
withdrawal (CASE-04, CASE-05, CASE-16, CASE-19, CASE-22; 002 8.3.6-8.3.7, 8.7)."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session
from starlette.datastructures import UploadFile

from tongban.accounts.access import PersonActor
from tongban.cases import applicants, delivery, files, licences, lifecycle, presenters
from tongban.cases import service as cases
from tongban.cases.documents import NoticeKind
from tongban.cases.enums import CaseState, MaterialStatus
from tongban.cases.models import Case
from tongban.catalog.enums import DeliveryMethod
from tongban.core.clock import Clock
from tongban.core.errors import DomainError
from tongban.web.actions import form_action, see_other
from tongban.web.deps import Csrf, Db, Id, Me, Now, Posted
from tongban.supervision import status as clock_status
from tongban.web.rendering import render

router = APIRouter(include_in_schema=False)


PAGE_SIZE = 20
RESULT_KINDS = frozenset({NoticeKind.approval_decision.value, NoticeKind.licence.value})
SUPPLEMENT_STATES = frozenset({CaseState.supplement_requested.value, CaseState.accepted_with_deficiency.value})
MESSAGES = {
    "supplemented": "补正材料已提交。", "withdrawn": "申请已撤回，本办件不再办理。", "paid": "缴费已完成，电子收据见下方“文书”。",
    "payment_failed": "缴费没有成功，您可以再试一次。", "locker_code": "新的取件码已发送到您的手机，原取件码不再有效。",
}
STATE_STYLES = {"approved": "ok", "delivered": "ok", "refused": "red", "denied": "red", "withdrawn": "",
                "supplement_requested": "warn", "accepted_with_deficiency": "warn"}


def _mine(db: Session, clock: Clock, actor: PersonActor, case_id: int) -> Case:
    """The case, when this person may see it; otherwise the same "not found" as for a case that does not exist."""
    case = cases.get(db_session=db, case_id=case_id)
    applicants.require_person(db_session=db, clock=clock, actor=actor, case=case)
    return case


# --- my cases --------------------------------------------------------------------------------------

@router.get("/cases", response_class=HTMLResponse)
def my_cases(request: Request, db: Db, clock: Now, me: Me, page: Annotated[int, Query(ge=1, le=10_000)] = 1) -> HTMLResponse:
    rows, total = cases.list_mine(db_session=db, clock=clock, actor=me, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
    pages = max(1, -(-total // PAGE_SIZE))
    return render(request, "cases/my_cases.html", rows=[presenters.summary(db, c) for c in rows], total=total, page=page,
                  pages=pages, styles=STATE_STYLES)


@router.get("/licences", response_class=HTMLResponse)
def my_licences(request: Request, db: Db, clock: Now, me: Me) -> HTMLResponse:
    """我的证照: the same list as GET /api/v1/me/licences, each licence with its type's own fields."""
    rows = applicants.my_licences(db_session=db, clock=clock, actor=me)
    return render(request, "cases/my_licences.html", rows=rows)


# --- the case page ----------------------------------------------------------------------------------

def _case_page(request: Request, db: Session, clock: Clock, case: Case, *, error: str = "", status_code: int = 200) -> HTMLResponse:
    out = presenters.detail(db_session=db, clock=clock, case=case, for_applicant=True)
    state = CaseState(case.state)
    missing = [m for m in out.materials if m.status == MaterialStatus.missing.value]
    unpaid = out.payment is not None and out.payment.status != "paid"
    return render(
        request, "cases/case.html", status_code=status_code, c=out, error=error,
        submitted=request.query_params.get("submitted") == "1", notice=MESSAGES.get(request.query_params.get("msg", ""), ""),
        may_supplement=case.state in SUPPLEMENT_STATES, missing=missing,
        may_withdraw=lifecycle.allowed(state, CaseState.withdrawn), unpaid=unpaid, result_kinds=RESULT_KINDS,
        delivery_choice=DeliveryMethod(case.delivery_method).label if case.delivery_method else "",
        accept=files.ACCEPT_ATTRIBUTE, styles=STATE_STYLES,
        deadline=out.supplement_deadline or out.deficiency_deadline,
        clock_status=clock_status.evaluate(db_session=db, clock=clock, case=case),  # SUP-01/02: how the dates were computed
        licence_fields=licences.fields_of_case(db_session=db, case=case),  # the licence type's own fields (LIC-01)
    )


@router.get("/cases/{case_id}", response_class=HTMLResponse)
def case_page(request: Request, case_id: Id, db: Db, clock: Now, me: Me) -> HTMLResponse:
    return _case_page(request, db, clock, _mine(db, clock, me, case_id))


def _disposition(filename: str, fallback: str) -> str:
    """Chinese file names travel RFC 5987-encoded; the ASCII fallback is for old browsers."""
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename)}"


@router.get("/cases/{case_id}/documents/{document_id}.pdf")
def document_pdf(case_id: Id, document_id: Id, db: Db, clock: Now, me: Me) -> Response:
    """A notice, decision, receipt or licence as its sealed PDF; downloading the result is its delivery when chosen."""
    case = _mine(db, clock, me, case_id)
    document = presenters.document_of(db_session=db, clock=clock, case=case, document_id=document_id)
    if document.kind in RESULT_KINDS:
        delivery.downloaded(db_session=db, clock=clock, case=case, actor_ref=me.ref, actor_name=me.name)
        db.commit()
    return Response(bytes(document.pdf), media_type="application/pdf",
                    headers={"Content-Disposition": _disposition(f"{document.title}-{document.number}.pdf", f"{document.number}.pdf")})


@router.get("/cases/{case_id}/files/{file_id}")
def own_file(case_id: Id, file_id: Id, db: Db, clock: Now, me: Me) -> Response:
    """A material the applicant handed in, decrypted for them only."""
    case = _mine(db, clock, me, case_id)
    row, data = cases.file_of(db_session=db, case_id=case.id, file_id=file_id)
    return Response(data, media_type=row.content_type,
                    headers={"Content-Disposition": _disposition(row.filename, f"material-{row.id}{files.EXTENSIONS.get(row.content_type, '')}"),
                             "X-Content-Type-Options": "nosniff"})


# --- supplement (CASE-06, CASE-07) -----------------------------------------------------------------

@router.post("/cases/{case_id}/supplement", response_class=HTMLResponse)
def supplement(request: Request, case_id: Id, db: Db, clock: Now, me: Me, _csrf: Csrf, data: Posted) -> Response:
    case = _mine(db, clock, me, case_id)
    uploads = []
    for name, part in data.multi_items():
        if name.startswith("file_") and isinstance(part, UploadFile) and part.filename:
            uploads.append(files.Upload(name[len("file_"):], part.filename, part.file.read(files.MAX_FILE_BYTES + 1)))
    return form_action(
        db, lambda: cases.supplement(db_session=db, clock=clock, case=case, uploads=uploads, actor_ref=me.ref, actor_name=me.name),
        done=lambda _: see_other(f"/cases/{case.id}", msg="supplemented"),
        failed=lambda exc: _case_page(request, db, clock, _mine(db, clock, me, case_id), error=exc.message,
                                      status_code=exc.status_code),
    )


@router.post("/cases/{case_id}/locker-code", response_class=HTMLResponse)
def renew_locker_code(case_id: Id, db: Db, clock: Now, me: Me, _csrf: Csrf) -> Response:
    """A new locker code sent to the applicant's phone (CASE-16): one that strangers' guesses stopped is replaced."""
    case = _mine(db, clock, me, case_id)
    delivery.renew_locker_code(db_session=db, clock=clock, case=case)
    db.commit()
    return RedirectResponse(f"/cases/{case.id}?msg=locker_code", status_code=303)


# --- withdraw (CASE-22) ----------------------------------------------------------------------------

@router.get("/cases/{case_id}/withdraw", response_class=HTMLResponse)
def withdraw_page(request: Request, case_id: Id, db: Db, clock: Now, me: Me) -> HTMLResponse:
    """The confirmation step: what withdrawing means, an optional reason, and a way back."""
    case = _mine(db, clock, me, case_id)
    return render(request, "cases/withdraw.html", c=presenters.summary(db, case),
                  may_withdraw=lifecycle.allowed(CaseState(case.state), CaseState.withdrawn), reason="", error="")


@router.post("/cases/{case_id}/withdraw", response_class=HTMLResponse)
def withdraw(request: Request, case_id: Id, db: Db, clock: Now, me: Me, _csrf: Csrf,
             reason: Annotated[str, Form(max_length=2000)] = "") -> Response:
    case = _mine(db, clock, me, case_id)

    def failed(exc: DomainError) -> Response:
        case = _mine(db, clock, me, case_id)
        return render(request, "cases/withdraw.html", status_code=exc.status_code, c=presenters.summary(db, case),
                      may_withdraw=lifecycle.allowed(CaseState(case.state), CaseState.withdrawn), reason=reason,
                      error=exc.message)

    return form_action(
        db, lambda: cases.withdraw(db_session=db, clock=clock, case=case, actor_ref=me.ref, actor_name=me.name, reason=reason),
        done=lambda _: see_other(f"/cases/{case.id}", msg="withdrawn"), failed=failed,
    )
