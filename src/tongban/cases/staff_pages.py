"""Staff workbench for cases: queues per post, the case with its materials and notices, and every handling action
(CASE-06 … CASE-12, CASE-14, CASE-16, CASE-20). Window intake and look-up live in staff_intake_pages."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from tongban.accounts.access import Permission, StaffActor
from tongban.accounts.identity import KINDS_FOR_FORM, mask_phone
from tongban.cases import applicants, decisions, delivery, forms, handling, licences, queues, presenters
from tongban.cases import service as cases
from tongban.cases.enums import DECIDED_STATES, CaseState, DeliveryStatus, Opinion
from tongban.cases.models import Case, CasePost
from tongban.catalog.enums import FormFieldKind
from tongban.core.clock import Clock
from tongban.core.errors import Forbidden, InvalidInput
from tongban.web.actions import form_action, see_other
from tongban.web.deps import Csrf, Db, Id, Now, Staff
from tongban.supervision import status as clock_status
from tongban.web.rendering import render
from tongban.workdays import service as workdays

router = APIRouter(include_in_schema=False)
Version = Annotated[int, Form(ge=1, le=2**31 - 1)]
Text = Annotated[str, Form(max_length=500)]
Reason = Annotated[str, Form(max_length=2000)]
Keys = Annotated[list[str], Form(max_length=40)]

S = CaseState
PAGE = 20
STALE = "该办件刚被他人处理，请刷新后查看最新状态"
SUPPLEMENT_DAYS, DEFICIENCY_DAYS = 5, 10  # the service's defaults, shown in the forms
REVIEW_STEPS = {S.accepted: {"review"}, S.under_review: {"special_start"}, S.special_procedure: {"special_end"}}


# --- queues ----------------------------------------------------------------------------------------

def _row(row: queues.Row) -> dict:
    case = row.case
    return {
        "id": case.id, "number": case.case_number, "item": case.item_name, "applicant": case.applicant_name,
        "state_label": S(case.state).label, "submitted_at": case.submitted_at, "due": case.promised_due,
        "overdue": row.overdue, "warned": row.warned, "remaining": row.remaining,
    }


@router.get("/staff/cases", response_class=HTMLResponse)
def queue_page(request: Request, db: Db, clock: Now, actor: Staff, tab: Annotated[str, Query(max_length=20)] = "",
               q: Annotated[str, Query(max_length=40)] = "", page: Annotated[int, Query(ge=1, le=100_000)] = 1) -> HTMLResponse:
    current = queues.queue_named(actor, tab) if tab in queues.NAMES else queues.default_queue(actor)
    counts = queues.counts(db_session=db, actor=actor)
    found = queues.listing(db_session=db, clock=clock, actor=actor, name=current.name, number=q, limit=PAGE,
                           offset=(page - 1) * PAGE)
    pages = max(1, -(-found.total // PAGE))
    if page > pages:  # past the last page (the queue shrank meanwhile): show the last one
        page = pages
        found = queues.listing(db_session=db, clock=clock, actor=actor, name=current.name, number=q, limit=PAGE,
                               offset=(page - 1) * PAGE)
    return render(request, "cases/staff_cases.html", queues=queues.queues_for(actor), current=current, counts=counts,
                  rows=[_row(r) for r in found.rows], q=q.strip(), page=page, pages=pages, total=found.total, actor=actor,
                  msg=request.query_params.get("msg", ""))


# --- the case --------------------------------------------------------------------------------------

def _visible(db: Session, actor: StaffActor, case_id: int) -> Case:
    case = cases.get(db_session=db, case_id=case_id)
    if not applicants.staff_may_see(db_session=db, actor=actor, case=case):
        raise Forbidden("OUT_OF_SCOPE", "只能查看本机构、本地区的办件，以及本机构参与并联审批的办件")
    return case


def _own_post(db: Session, actor: StaffActor, case: Case) -> CasePost | None:
    agency_id = actor.agency_id if actor.agency_id is not None else case.agency_id
    return db.scalar(select(CasePost).where(CasePost.case_id == case.id, CasePost.agency_id == agency_id))


def _actions(db: Session, actor: StaffActor, case: Case, content, delivery_row, originals) -> set[str]:
    """The forms this member of staff may use on the case as it stands now. A co-agency only gives its opinion."""
    state, lead = S(case.state), actor.covers(agency_id=case.agency_id, region_code=case.region_code)
    found: set[str] = set()
    if lead and actor.has(Permission.case_accept):
        if state is S.submitted:
            found |= {"accept", "refuse", "supplement", "deficiency"}
        elif state is S.supplement_requested:
            found.add("refuse")
    if lead and actor.has(Permission.case_review):
        found |= REVIEW_STEPS.get(state, set())
    if state is S.under_review and actor.has(Permission.case_review) and _own_post(db, actor, case) is not None:
        found.add("opinion")
    if lead and state is S.under_review and (actor.has(Permission.case_decide) or _may_decide_own_review(db, actor, case, content)):
        found.add("decide")
    may_decide_here = actor.has(Permission.case_decide) or actor.has(Permission.case_accept)
    if lead and state is S.accepted and content.review_rules.on_the_spot and may_decide_here:
        found.add("decide_on_the_spot")
    elif lead and state is S.accepted and handling.exempt(case) and actor.has(Permission.case_decide) \
            and not decisions.co_agencies_waiting(db_session=db, case=case):
        found.add("decide_exempt")
    may_check = actor.has(Permission.case_accept) or actor.has(Permission.case_review)
    if lead and may_check and originals is not None and not originals.done and state in handling.CHECKABLE:
        found.add("originals")
    ready = delivery_row is not None and delivery_row.status == DeliveryStatus.ready.value
    if lead and state is S.approved and actor.has(Permission.case_dispatch) and ready:
        found.add(f"deliver_{delivery_row.method}")
    return found


def _may_decide_own_review(db: Session, actor: StaffActor, case: Case, content) -> bool:
    """The lead reviewer who gave the opinion decides too, where the item's review rules allow one person (CASE-12)."""
    if not decisions.one_person_may_sign(content.review_rules):
        return False
    post = _own_post(db, actor, case)
    return post is not None and post.lead and post.opinion is not None and post.staff_id == actor.staff_id


def _overdue(case: Case, today: date) -> bool:
    """Past the promised date while the decision is still to come (highlighted in red)."""
    pending = case.state not in {s.value for s in DECIDED_STATES} and not S(case.state).final
    return bool(pending and case.promised_due and case.promised_due < today)


def _form_rows(case: Case, out, content) -> list[tuple[str, str]]:
    """The application form by its labels; phone numbers and the applicant's ID number masked as elsewhere on the page."""
    fields = {f.key: f for f in forms.form_for(content)}
    rows = []
    for key, value in out.form.items():
        field = fields.get(key)
        if field is not None and field.kind is FormFieldKind.phone:
            value = mask_phone(value)
        elif case.subject_kind == "person" and value.strip().upper() == case.applicant_identifier.strip().upper():
            value = out.applicant_identifier
        rows.append((field.label if field else key, value))
    return rows


def _default_deadline(db: Session, clock: Clock, days: int) -> str:
    return workdays.add_days(db_session=db, start=clock.today(), days=days, unit="working_day").due.isoformat()


def _case_page(request: Request, db: Session, clock: Clock, actor: StaffActor, case: Case, *, error: str = "",
               status_code: int = 200) -> HTMLResponse:
    out = presenters.detail(db_session=db, clock=clock, case=case, for_applicant=False)
    content = handling.content_of(db, case)
    delivery_row = delivery.of(db_session=db, case_id=case.id)
    originals = handling.originals_check(db_session=db, case=case) if content.on_site_verification else None
    actions = _actions(db, actor, case, content, delivery_row, originals)
    context = {
        "case": out, "form_rows": _form_rows(case, out, content), "actions": actions,
        "content": content, "overdue": _overdue(case, clock.today()), "pending": [p for p in out.posts if p.opinion is None],
        "own_post": _own_post(db, actor, case) if "opinion" in actions else None, "id_kinds": KINDS_FOR_FORM,
        "supplement_due": _default_deadline(db, clock, SUPPLEMENT_DAYS) if "supplement" in actions else "",
        "deficiency_due": _default_deadline(db, clock, DEFICIENCY_DAYS) if "deficiency" in actions else "",
        "error": error, "actor": actor, "msg": "" if error else request.query_params.get("msg", ""),
        "clock_status": clock_status.evaluate(db_session=db, clock=clock, case=case),  # SUP-01/02/03
        "signing_rule": decisions.one_person_may_sign(content.review_rules) or "审查人与决定人不能为同一人。",
        "originals": originals,  # CASE-10: set at acceptance, recorded as a step, awaited by an approval
        "licence_form": decisions.licence_form(case, content) if actions & {"decide", "decide_on_the_spot", "decide_exempt"} else [],
        "licence_fields": licences.fields_of_case(db_session=db, case=case),
    }
    return render(request, "cases/staff_case.html", status_code=status_code, **context)


@router.get("/staff/cases/{case_id:int}", response_class=HTMLResponse)
def case_page(request: Request, case_id: Id, db: Db, clock: Now, actor: Staff) -> HTMLResponse:
    return _case_page(request, db, clock, actor, _visible(db, actor, case_id))


@router.get("/staff/cases/{case_id:int}/files/{file_id:int}")
def case_file(case_id: Id, file_id: Id, db: Db, actor: Staff) -> Response:
    case = _visible(db, actor, case_id)
    row, data = cases.file_of(db_session=db, case_id=case.id, file_id=file_id)
    fallback = f"material-{row.id}.{row.filename.rsplit('.', 1)[-1]}"
    disposition = f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(row.filename)}"
    return Response(data, media_type=row.content_type,
                    headers={"Content-Disposition": disposition, "X-Content-Type-Options": "nosniff", "Cache-Control": "no-store"})


@router.get("/staff/cases/{case_id:int}/documents/{document_id:int}.pdf")
def case_document(case_id: Id, document_id: Id, db: Db, clock: Now, actor: Staff) -> Response:
    case = _visible(db, actor, case_id)
    document = presenters.document_of(db_session=db, clock=clock, case=case, document_id=document_id)
    return Response(bytes(document.pdf), media_type="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="{document.number}.pdf"', "Cache-Control": "no-store"})


# --- actions ---------------------------------------------------------------------------------------

def _act(request: Request, db: Session, clock: Clock, actor: StaffActor, case_id: int, version: int, done: str,
         action: Callable[[Case], object]) -> Response:
    """Check the version the form was rendered with, act, commit, then go back to the case with a message.
    A domain error shows the case again with the reason; nothing of the failed action is kept."""
    case = _visible(db, actor, case_id)
    if case.version != version:
        return _case_page(request, db, clock, actor, case, error=STALE, status_code=409)
    return form_action(
        db, lambda: action(case), done=lambda _: see_other(f"/staff/cases/{case_id}", msg=done),
        failed=lambda exc: _case_page(request, db, clock, actor, _visible(db, actor, case_id), error=exc.message,
                                      status_code=exc.status_code),
    )


def _deadline(text: str) -> date | None:
    if not text.strip():
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput("DEADLINE_FORMAT", "请按“年-月-日”填写期限，例如 2026-11-27") from None


def _moment(text: str) -> datetime | None:
    """A date and time as the browser's datetime-local field sends it, in Beijing time."""
    if not text.strip():
        return None
    try:
        return datetime.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput("ON_SITE_TIME_FORMAT", "请按“年-月-日 时:分”填写核验时间，例如 2026-11-25 09:00") from None


def _missing(missing: list[str], material_keys: list[str], reasons: list[str]) -> list[handling.Missing]:
    """Ticked materials, each with the reason typed on its own line of the form."""
    typed = dict(zip(material_keys, reasons, strict=False))
    return [handling.Missing(key, typed.get(key, "")) for key in dict.fromkeys(missing)]


def _choice(value: str, what: str) -> bool:
    if value not in ("approve", "deny"):
        raise InvalidInput("CHOICE_REQUIRED", f"请选择{what}")
    return value == "approve"


@router.post("/staff/cases/{case_id:int}/accept", response_class=HTMLResponse)
def accept(request: Request, case_id: Id, version: Version, db: Db, clock: Now, actor: Staff, _csrf: Csrf,
           on_site: Text = "", on_site_at: Annotated[str, Form(max_length=30)] = "") -> Response:
    return _act(request, db, clock, actor, case_id, version, "已受理，受理通知书已出具",
                lambda c: handling.accept(db_session=db, clock=clock, actor=actor, case=c, on_site=on_site,
                                          on_site_at=_moment(on_site_at)))


@router.post("/staff/cases/{case_id:int}/originals-checked", response_class=HTMLResponse)
def originals_checked(request: Request, case_id: Id, version: Version, db: Db, clock: Now, actor: Staff, _csrf: Csrf,
                      note: Reason = "") -> Response:
    return _act(request, db, clock, actor, case_id, version, "已记录原件已核验，并告知申请人",
                lambda c: handling.record_originals_checked(db_session=db, clock=clock, actor=actor, case=c, note=note))


@router.post("/staff/cases/{case_id:int}/refuse", response_class=HTMLResponse)
def refuse(request: Request, case_id: Id, version: Version, db: Db, clock: Now, actor: Staff, _csrf: Csrf,
           reasons: Reason = "") -> Response:
    return _act(request, db, clock, actor, case_id, version, "已不予受理，不予受理通知书已出具",
                lambda c: handling.refuse(db_session=db, clock=clock, actor=actor, case=c, reasons=reasons))


@router.post("/staff/cases/{case_id:int}/supplement-request", response_class=HTMLResponse)
def supplement_request(request: Request, case_id: Id, version: Version, db: Db, clock: Now, actor: Staff, _csrf: Csrf,
                       missing: Keys = [], material_keys: Keys = [], reasons: Keys = [],
                       deadline: Annotated[str, Form(max_length=20)] = "") -> Response:
    return _act(request, db, clock, actor, case_id, version, "已一次性告知补正，补正通知书已出具",
                lambda c: handling.request_supplement(db_session=db, clock=clock, actor=actor, case=c,
                                                      missing=_missing(missing, material_keys, reasons), deadline=_deadline(deadline)))


@router.post("/staff/cases/{case_id:int}/accept-with-deficiency", response_class=HTMLResponse)
def accept_with_deficiency(request: Request, case_id: Id, version: Version, db: Db, clock: Now, actor: Staff, _csrf: Csrf,
                           missing: Keys = [], material_keys: Keys = [], reasons: Keys = [],
                           deadline: Annotated[str, Form(max_length=20)] = "") -> Response:
    return _act(request, db, clock, actor, case_id, version, "已容缺受理，容缺受理通知书已出具",
                lambda c: handling.accept_with_deficiency(db_session=db, clock=clock, actor=actor, case=c,
                                                          missing=_missing(missing, material_keys, reasons),
                                                          deadline=_deadline(deadline)))


@router.post("/staff/cases/{case_id:int}/review", response_class=HTMLResponse)
def start_review(request: Request, case_id: Id, version: Version, db: Db, clock: Now, actor: Staff, _csrf: Csrf) -> Response:
    return _act(request, db, clock, actor, case_id, version, "已开始审查",
                lambda c: handling.start_review(db_session=db, clock=clock, actor=actor, case=c))


@router.post("/staff/cases/{case_id:int}/opinion", response_class=HTMLResponse)
def opinion(request: Request, case_id: Id, version: Version, db: Db, clock: Now, actor: Staff, _csrf: Csrf,
            choice: Annotated[str, Form(max_length=10)] = "", reasons: Reason = "") -> Response:
    return _act(request, db, clock, actor, case_id, version, "审查意见已记录",
                lambda c: handling.record_opinion(db_session=db, clock=clock, actor=actor, case=c, reasons=reasons,
                                                  opinion=Opinion.approve if _choice(choice, "审查意见") else Opinion.deny))


@router.post("/staff/cases/{case_id:int}/special-procedures", response_class=HTMLResponse)
def special_start(request: Request, case_id: Id, version: Version, db: Db, clock: Now, actor: Staff, _csrf: Csrf,
                  name: Annotated[str, Form(max_length=200)] = "", note: Text = "") -> Response:
    return _act(request, db, clock, actor, case_id, version, "已启动特别程序并告知申请人，办理时限暂停计算",
                lambda c: handling.start_special_procedure(db_session=db, clock=clock, actor=actor, case=c, name=name, note=note))


@router.post("/staff/cases/{case_id:int}/special-procedures/end", response_class=HTMLResponse)
def special_end(request: Request, case_id: Id, version: Version, db: Db, clock: Now, actor: Staff, _csrf: Csrf,
                outcome: Reason = "") -> Response:
    return _act(request, db, clock, actor, case_id, version, "特别程序已结束，恢复计时",
                lambda c: handling.end_special_procedure(db_session=db, clock=clock, actor=actor, case=c, outcome=outcome))


@router.post("/staff/cases/{case_id:int}/decide", response_class=HTMLResponse)
def decide(request: Request, case_id: Id, version: Version, db: Db, clock: Now, actor: Staff, _csrf: Csrf,
           choice: Annotated[str, Form(max_length=10)] = "", reasons: Reason = "",
           licence_keys: Keys = [], licence_values: Keys = []) -> Response:
    # The licence type's fields that come from the decision, one key and one value per line of the form.
    given = dict(zip(licence_keys, licence_values, strict=False)) if licence_keys else None
    return _act(request, db, clock, actor, case_id, version, "决定已作出，决定书已出具",
                lambda c: decisions.decide(db_session=db, clock=clock, actor=actor, case=c, approve=_choice(choice, "准予或不予"),
                                           reasons=reasons, licence_fields=given))


@router.post("/staff/cases/{case_id:int}/deliver/window", response_class=HTMLResponse)
def deliver_window(request: Request, case_id: Id, version: Version, db: Db, clock: Now, actor: Staff, _csrf: Csrf,
                   id_kind: Annotated[str, Form(max_length=30)] = "resident_id",
                   id_number: Annotated[str, Form(max_length=40)] = "") -> Response:
    return _act(request, db, clock, actor, case_id, version, "已核验证件，办理结果已当面领取",
                lambda c: delivery.pickup_at_window(db_session=db, clock=clock, actor=actor, case=c, id_kind=id_kind,
                                                    id_number=id_number))


@router.post("/staff/cases/{case_id:int}/deliver/post", response_class=HTMLResponse)
def deliver_post(request: Request, case_id: Id, version: Version, db: Db, clock: Now, actor: Staff, _csrf: Csrf,
                 carrier: Annotated[str, Form(max_length=40)] = "", tracking_number: Annotated[str, Form(max_length=30)] = "",
                 address: Annotated[str, Form(max_length=300)] = "") -> Response:
    return _act(request, db, clock, actor, case_id, version, "已登记邮寄信息，办件已送达",
                lambda c: delivery.post(db_session=db, clock=clock, actor=actor, case=c, carrier=carrier,
                                        tracking_number=tracking_number, address=address))


@router.post("/staff/cases/{case_id:int}/deliver/locker-code", response_class=HTMLResponse)
def locker_code(request: Request, case_id: Id, version: Version, db: Db, clock: Now, actor: Staff, _csrf: Csrf) -> Response:
    return _act(request, db, clock, actor, case_id, version, "已重新发放取件码，申请人可在个人空间查看（24 小时内有效）",
                lambda c: delivery.reissue_locker_code(db_session=db, clock=clock, actor=actor, case=c))
