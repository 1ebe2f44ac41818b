"""JSON API for applicants and the public: apply, my cases, supplement, withdraw, progress, payments, lockers (002 8.3-8.7)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Path, Query, Request, Response
from sqlalchemy.orm import Session

from tongban.accounts.access import PersonActor
from tongban.cases import applicants, delivery, files, lookup, payments, presenters
from tongban.cases import service as cases
from tongban.cases.documents import NoticeKind
from tongban.cases.schemas import (
    ApplicationFormOut, ApplicationIn, CaseListOut, CaseOut, LockerIn, ProgressOut, SupplementIn, WithdrawIn,
)
from tongban.catalog import service as catalog
from tongban.core.clock import Clock
from tongban.web.deps import client_ip, Db, Id, Library, Me, Now

router = APIRouter(prefix="/api/v1", tags=["cases"])
RESULT_KINDS = {NoticeKind.approval_decision.value, NoticeKind.licence.value}


def _mine(db: Session, clock: Clock, actor: PersonActor, case_id: int):
    case = cases.get(db_session=db, case_id=case_id)
    applicants.require_person(db_session=db, clock=clock, actor=actor, case=case)
    return case


@router.get("/items/{item_id}/application", response_model=ApplicationFormOut, summary="在线申请表：预填信息、可免提交的材料")
def application_form(
    item_id: Id, db: Db, clock: Now, library: Library, me: Me,
    organisation_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
) -> ApplicationFormOut:
    item = catalog.get_item(db_session=db, item_id=item_id)
    applicant = applicants.for_person(db_session=db, clock=clock, actor=me, organisation_id=organisation_id,
                                      item_code=item.implementation_code)
    return presenters.application_form(db_session=db, clock=clock, library=library, applicant=applicant, item_id=item_id)


@router.post("/cases", status_code=201, response_model=CaseOut, summary="提交申请（同一 Idempotency-Key 只生成一个办件）")
def submit(
    body: ApplicationIn, db: Db, clock: Now, library: Library, me: Me, response: Response,
    idempotency_key: Annotated[str, Header(alias="Idempotency-Key", min_length=1, max_length=80)],
    client_channel: Annotated[str | None, Header(alias="X-Client-Channel", max_length=20,
                                                 description="web（默认）、mobile 或 terminal")] = None,
) -> CaseOut:
    channel = cases.declared_channel(client_channel)  # CASE-18: recorded as the client declares it
    item = catalog.get_item(db_session=db, item_id=body.item_id)
    applicant = applicants.for_person(db_session=db, clock=clock, actor=me, organisation_id=body.organisation_id,
                                      item_code=item.implementation_code)
    submission = cases.Submission(
        item_id=body.item_id, form=dict(body.form), exemptions=dict(body.exemptions), uploads=files.decode_uploads(body.files),
        pledge=body.pledge, delivery_method=body.delivery_method, credit_opt_in=body.credit_opt_in,
    )
    case = cases.submit(
        db_session=db, clock=clock, library=library, applicant=applicant, submission=submission, channel=channel,
        submitter_ref=me.ref, idempotency_key=idempotency_key,
    )
    db.commit()  # the number is given only once the case is stored
    response.headers["Location"] = f"/api/v1/cases/{case.id}"
    return presenters.detail(db_session=db, clock=clock, case=case, for_applicant=True)


@router.get("/cases", response_model=CaseListOut, summary="我的办件")
def my_cases(
    db: Db, clock: Now, me: Me, limit: Annotated[int, Query(ge=1, le=100)] = 20, offset: Annotated[int, Query(ge=0, le=10**6)] = 0,
) -> CaseListOut:
    rows, total = cases.list_mine(db_session=db, clock=clock, actor=me, limit=limit, offset=offset)
    return CaseListOut(cases=[presenters.summary(db, c) for c in rows], total=total)


@router.get("/cases/{case_id}", response_model=CaseOut, summary="办件详情：材料、进度、文书、缴费、送达")
def my_case(case_id: Id, db: Db, clock: Now, me: Me) -> CaseOut:
    case = _mine(db, clock, me, case_id)
    return presenters.detail(db_session=db, clock=clock, case=case, for_applicant=True)


@router.post("/cases/{case_id}/supplement", response_model=CaseOut, summary="补正材料")
def supplement(case_id: Id, body: SupplementIn, db: Db, clock: Now, me: Me) -> CaseOut:
    case = _mine(db, clock, me, case_id)
    cases.supplement(db_session=db, clock=clock, case=case, uploads=files.decode_uploads(body.files), actor_ref=me.ref, actor_name=me.name)
    db.commit()
    return presenters.detail(db_session=db, clock=clock, case=case, for_applicant=True)


@router.post("/cases/{case_id}/withdraw", response_model=CaseOut, summary="撤回申请（作出决定前）")
def withdraw(case_id: Id, body: WithdrawIn, db: Db, clock: Now, me: Me) -> CaseOut:
    case = _mine(db, clock, me, case_id)
    cases.withdraw(db_session=db, clock=clock, case=case, actor_ref=me.ref, actor_name=me.name, reason=body.reason)
    db.commit()
    return presenters.detail(db_session=db, clock=clock, case=case, for_applicant=True)


@router.get("/cases/{case_id}/documents/{document_id}", summary="下载文书或电子证照（PDF）", response_class=Response)
def document(case_id: Id, document_id: Id, db: Db, clock: Now, me: Me) -> Response:
    case = _mine(db, clock, me, case_id)
    doc = presenters.document_of(db_session=db, clock=clock, case=case, document_id=document_id)
    if doc.kind in RESULT_KINDS:
        delivery.downloaded(db_session=db, clock=clock, case=case, actor_ref=me.ref, actor_name=me.name)
        db.commit()
    return Response(doc.pdf, media_type="application/pdf", headers={"Content-Disposition": f'attachment; filename="{doc.number}.pdf"'})


@router.get("/cases/{case_id}/files/{file_id}", summary="下载本人提交的材料", response_class=Response)
def own_file(case_id: Id, file_id: Id, db: Db, clock: Now, me: Me) -> Response:
    case = _mine(db, clock, me, case_id)
    row, data = cases.file_of(db_session=db, case_id=case.id, file_id=file_id)
    return Response(data, media_type=row.content_type, headers={"Content-Disposition": "attachment"})


@router.get("/me/licences", summary="我的电子证照（本人及可代办单位的证照，含证照栏目）")
def my_licences(db: Db, clock: Now, me: Me) -> dict:
    rows = applicants.my_licences(db_session=db, clock=clock, actor=me)
    return {"licences": [{"number": r.number, "type_code": r.type_code, "type_name": r.type_name, "holder_name": r.holder_name,
                          "subject_kind": r.subject_kind, "valid_from": r.valid_from.isoformat(),
                          "valid_until": r.valid_until.isoformat() if r.valid_until else None,
                          "status": r.status.value, "status_label": r.status.label,
                          "fields": [{"label": label, "value": value} for label, value in r.fields],
                          "verify_url": r.verify_url, "check_code": r.check_code} for r in rows],
            "total": len(rows)}


@router.get("/case-progress", response_model=ProgressOut,
            summary="凭办件编号查询进度（加手机号或证件号码后四位可看申请人和材料情况）")
def progress(
    request: Request, db: Db, clock: Now,
    number: Annotated[str, Query(min_length=1, max_length=40)],
    digits: Annotated[str | None, Query(min_length=4, max_length=4, pattern=r"^[0-9Xx]{4}$")] = None,
) -> ProgressOut:
    found = lookup.look_up(db_session=db, clock=clock, number=number, digits=digits, client_ip=client_ip(request))
    db.commit()  # this address's lookup is counted
    return found


@router.get("/case-progress/t/{token}", response_model=ProgressOut, summary="扫描受理通知书二维码查询进度")
def progress_by_token(token: Annotated[str, Path(min_length=10, max_length=64)], db: Db) -> ProgressOut:
    return lookup.by_tracking(db_session=db, token=token)


@router.post("/payments/callback", summary="支付平台回调（签名校验，重复回调无副作用）")
async def payment_callback(
    request: Request, db: Db, clock: Now, signature: Annotated[str, Header(alias="X-Tongban-Signature", max_length=200)],
) -> dict:
    body = await request.body()
    payment = payments.handle_callback(
        db_session=db, clock=clock, gateway=payments.gateway_from_settings(), body=body, signature=signature,
    )
    db.commit()
    return {"order_number": payment.order_number, "status": payment.status}


@router.post("/lockers/pickup", summary="24小时自助柜凭取件码领取（保管期内有效）")
def locker_pickup(body: LockerIn, request: Request, db: Db, clock: Now) -> dict:
    case = delivery.locker_pickup(db_session=db, clock=clock, case_number=body.case_number, code=body.code,
                                  client_ip=client_ip(request))
    db.commit()
    return {"case_number": case.case_number, "state": case.state}


@router.post("/cases/{case_id}/locker-code", response_model=CaseOut, summary="重新获取自助柜取件码（发送到手机）")
def renew_locker_code(case_id: Id, db: Db, clock: Now, me: Me) -> CaseOut:
    case = _mine(db, clock, me, case_id)
    delivery.renew_locker_code(db_session=db, clock=clock, case=case)
    db.commit()
    return presenters.detail(db_session=db, clock=clock, case=case, for_applicant=True)
