"""Public pages: file a complaint (/complaints/new), my complaints and one with its result, the look-up by number and
check code; report a problem (/feedback/new); the 办不成事 desk online (/desk/new)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, Response

from tongban.catalog import regions
from tongban.catalog import reads as catalog_reads
from tongban.complaints import desk, feedback, presenters, service
from tongban.complaints.enums import MatterKind, MatterOutcome, ReportKind
from tongban.complaints.common import TEXT_MAX
from tongban.core.errors import DomainError
from tongban.web.actions import form_action, see_other
from tongban.web.deps import Csrf, Db, Gateway, MaybeMe, Me, Now, Short, client_ip
from tongban.web.rendering import render

router = APIRouter(include_in_schema=False)
Big = Annotated[str, Form(max_length=20_000)]
OptionalId = Annotated[str, Query(max_length=12, pattern=r"^\d{0,10}$")]


def _int(value: str) -> int | None:
    value = (value or "").strip()
    return int(value) if value.isdigit() and 0 < int(value) < 2**31 else None


# --- complaints ---------------------------------------------------------------------------------------------------

def _complaint_form(request: Request, db, *, values: dict, me, error: str = "", msg: str = "",
                    status_code: int = 200) -> HTMLResponse:
    return render(request, "complaints/new.html", values=values, me=me, error=error, msg=msg, max_chars=TEXT_MAX,
                  agencies=regions.list_agencies(db_session=db), status_code=status_code)


@router.get("/complaints/new", response_class=HTMLResponse)
def new_complaint(request: Request, db: Db, me: MaybeMe, agency: OptionalId = "", item: OptionalId = "",
                  hall: OptionalId = "", case: Annotated[str, Query(max_length=40)] = "") -> HTMLResponse:
    return _complaint_form(request, db, me=me, values={"agency_id": agency, "item_id": item, "hall_id": hall,
                                                         "case_number": case})


def _values(content, agency_id, item_id, case_number, hall_id, contact_name, contact_phone, disclose, channel) -> dict:
    return {"content": content[:TEXT_MAX], "agency_id": agency_id, "item_id": item_id, "case_number": case_number[:40],
            "hall_id": hall_id, "contact_name": contact_name, "contact_phone": contact_phone, "disclose": disclose,
            "channel": channel}


@router.post("/complaints/sms-code", response_class=HTMLResponse)
def complaint_code(request: Request, db: Db, clock: Now, gateway: Gateway, me: MaybeMe, _: Csrf, content: Big = "",
                   agency_id: Short = "", item_id: Short = "", case_number: Short = "", hall_id: Short = "",
                   contact_name: Short = "", contact_phone: Short = "", disclose: Short = "",
                   channel: Short = "web") -> Response:
    values = _values(content, agency_id, item_id, case_number, hall_id, contact_name, contact_phone, disclose, channel)
    return form_action(
        db, lambda: service.send_code(db_session=db, clock=clock, gateway=gateway, phone_number=contact_phone,
                                      client_ip=client_ip(request)),
        done=lambda _: _complaint_form(request, db, me=me, values=values, msg="验证码已发送，请查看短信，5 分钟内有效"),
        failed=lambda exc: _complaint_form(request, db, me=me, values=values, error=exc.message,
                                           status_code=exc.status_code),
    )


@router.post("/complaints", response_class=HTMLResponse)
def file_complaint(request: Request, db: Db, clock: Now, me: MaybeMe, _: Csrf, content: Big = "", agency_id: Short = "",
                   item_id: Short = "", case_number: Short = "", hall_id: Short = "", contact_name: Short = "",
                   contact_phone: Short = "", sms_code: Short = "", disclose: Short = "",
                   channel: Short = "web") -> Response:
    values = _values(content, agency_id, item_id, case_number, hall_id, contact_name, contact_phone, disclose, channel)
    complaint_in = service.ComplaintIn(
        content=content, agency_id=_int(agency_id), channel=channel, item_id=_int(item_id), case_number=case_number,
        hall_id=_int(hall_id), contact_name=contact_name, contact_phone=contact_phone, sms_code=sms_code,
        disclose_identity=disclose == "1")
    return form_action(
        db, lambda: service.file_complaint(db_session=db, clock=clock, complaint_in=complaint_in, person=me),
        done=lambda c: render(request, "complaints/created.html", status_code=201, complaint=presenters.created(db, c)),
        failed=lambda exc: _complaint_form(request, db, me=me, values=values, error=exc.message,
                                           status_code=exc.status_code),
    )


@router.get("/complaints", response_class=HTMLResponse)
def my_complaints(request: Request, db: Db, me: Me) -> HTMLResponse:
    rows = [presenters.person_view(db, c) for c in service.mine(db_session=db, person=me)]
    return render(request, "complaints/mine.html", complaints=rows)


@router.get("/complaints/lookup", response_class=HTMLResponse)
def lookup_form(request: Request) -> HTMLResponse:
    return render(request, "complaints/lookup.html", error="", number="")


@router.post("/complaints/lookup", response_class=HTMLResponse)
def lookup(request: Request, db: Db, clock: Now, _: Csrf, number: Short = "", code: Short = "") -> HTMLResponse:
    try:
        complaint = service.look_up(db_session=db, clock=clock, number=number, code=code, client_ip=client_ip(request))
    except DomainError as exc:
        db.rollback()
        return render(request, "complaints/lookup.html", error=exc.message, number=number[:20], status_code=exc.status_code)
    db.commit()
    return render(request, "complaints/complaint.html", complaint=presenters.person_view(db, complaint))


@router.get("/complaints/{number}", response_class=HTMLResponse)
def my_complaint(number: str, request: Request, db: Db, me: Me) -> HTMLResponse:
    complaint = service.for_person(db_session=db, person=me, number=number)
    return render(request, "complaints/complaint.html", complaint=presenters.person_view(db, complaint))



# --- problem reports (RATE-09) --------------------------------------------------------------------------------------

def _report_form(request: Request, db, *, values: dict, me, error: str = "", status_code: int = 200) -> HTMLResponse:
    item = catalog_reads.find_item(db_session=db, item_id=_int(values.get("item_id", ""))) if _int(
        values.get("item_id", "")) else None
    return render(request, "complaints/feedback_new.html", values=values, me=me, error=error, item=item,
                  kinds=list(ReportKind), max_chars=TEXT_MAX, status_code=status_code)


@router.get("/feedback/new", response_class=HTMLResponse)
def new_report(request: Request, db: Db, me: MaybeMe, item: OptionalId = "",
               page: Annotated[str, Query(max_length=300)] = "") -> HTMLResponse:
    return _report_form(request, db, me=me, values={"item_id": item, "page": page,
                                                      "kind": "content" if item else "fault"})


@router.post("/feedback", response_class=HTMLResponse)
def file_report(request: Request, db: Db, clock: Now, me: MaybeMe, _: Csrf, body: Big = "", kind: Short = "content",
                item_id: Short = "", page: Annotated[str, Form(max_length=300)] = "",
                contact_phone: Short = "") -> Response:
    values = {"body": body[:TEXT_MAX], "kind": kind, "item_id": item_id, "page": page, "contact_phone": contact_phone}
    report_in = feedback.ReportIn(body=body, kind=kind, item_id=_int(item_id), page=page, contact_phone=contact_phone)
    return form_action(
        db, lambda: feedback.file_report(db_session=db, clock=clock, report_in=report_in, client_ip=client_ip(request),
                                         person=me),
        done=lambda r: render(request, "complaints/feedback_done.html", status_code=201, report=r, me=me),
        failed=lambda exc: _report_form(request, db, me=me, values=values, error=exc.message,
                                        status_code=exc.status_code),
    )


@router.get("/feedback", response_class=HTMLResponse)
def my_reports(request: Request, db: Db, me: Me) -> HTMLResponse:
    return render(request, "complaints/feedback_mine.html", reports=feedback.mine(db_session=db, person=me),
                  kinds={k.value: k.label for k in ReportKind})


# --- the 办不成事 desk online (RATE-11) -----------------------------------------------------------------------------

def _desk_form(request: Request, db, *, me, values: dict, error: str = "", status_code: int = 200) -> HTMLResponse:
    return render(request, "complaints/desk_new.html", me=me, values=values, error=error, max_chars=TEXT_MAX,
                  agencies=regions.list_agencies(db_session=db), status_code=status_code)


@router.get("/desk/new", response_class=HTMLResponse)
def new_matter(request: Request, db: Db, me: MaybeMe, item: OptionalId = "") -> HTMLResponse:
    return _desk_form(request, db, me=me, values={"item_id": item})


@router.post("/desk", response_class=HTMLResponse)
def register_matter(request: Request, db: Db, clock: Now, me: Me, _: Csrf, matter: Big = "", agency_id: Short = "",
                    item_id: Short = "", contact_phone: Short = "") -> Response:
    values = {"matter": matter[:TEXT_MAX], "agency_id": agency_id, "item_id": item_id, "contact_phone": contact_phone}
    matter_in = desk.MatterIn(matter=matter, channel="online", agency_id=_int(agency_id), item_id=_int(item_id),
                              contact_phone=contact_phone)
    return form_action(
        db, lambda: desk.register(db_session=db, clock=clock, matter_in=matter_in, person=me),
        done=lambda row: see_other("/desk", msg=f"已登记 {row.number}，我们将在 {row.due.isoformat()} 前答复您"),
        failed=lambda exc: _desk_form(request, db, me=me, values=values, error=exc.message, status_code=exc.status_code),
    )


@router.get("/desk", response_class=HTMLResponse)
def my_matters(request: Request, db: Db, me: Me) -> HTMLResponse:
    return render(request, "complaints/desk_mine.html", rows=desk.mine(db_session=db, person=me),
                  kinds={k.value: k.label for k in MatterKind}, outcomes={o.value: o.label for o in MatterOutcome},
                  msg=request.query_params.get("msg", ""))
