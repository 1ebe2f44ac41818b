"""JSON API of the staff workbench: queues, window intake, acceptance, review, decision, delivery (002 8.4-8.7; 004)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response
from sqlalchemy.orm import Session

from tongban.accounts.access import Permission, StaffActor
from tongban.cases import applicants, decisions, delivery, files, handling, queues, presenters
from tongban.cases import service as cases
from tongban.cases.enums import CaseChannel, Opinion
from tongban.cases.models import Case
from tongban.cases.schemas import (
    AcceptIn, CaseListOut, CaseOut, DecideIn, MissingListIn, OpinionIn, OriginalsCheckedIn, PickupIn, PostIn, ProcedureEndIn,
    ProcedureIn, ProgressOut, RefuseIn, TodoOut, VersionedIn, WindowApplicationIn,
)
from tongban.core.clock import Clock
from tongban.core.errors import Conflict, Forbidden
from tongban.web.deps import Db, Id, Library, Now, Staff

router = APIRouter(prefix="/api/v1/staff", tags=["cases (staff)"])



def _case(db: Session, actor: StaffActor, case_id: int, version: int | None = None) -> Case:
    case = cases.get(db_session=db, case_id=case_id)
    if not applicants.staff_may_see(db_session=db, actor=actor, case=case):
        raise Forbidden("OUT_OF_SCOPE", "只能查看本机构、本地区的办件")
    if version is not None and version != case.version:
        raise Conflict("CONCURRENT_UPDATE", "该办件刚被他人处理，请刷新后查看最新状态")
    return case


def _out(db: Session, clock: Clock, case: Case) -> CaseOut:
    return presenters.detail(db_session=db, clock=clock, case=case, for_applicant=False)


@router.get("/cases", response_model=CaseListOut, summary="办件队列（按岗位）")
def queue(
    db: Db, clock: Now, actor: Staff,
    name: Annotated[str, Query(alias="queue", pattern=f"^({'|'.join(queues.NAMES)})$")] = "all",
    limit: Annotated[int, Query(ge=1, le=100)] = 20, offset: Annotated[int, Query(ge=0, le=10**6)] = 0,
) -> CaseListOut:
    found = queues.listing(db_session=db, clock=clock, actor=actor, name=name, limit=limit, offset=offset)
    return CaseListOut(cases=[presenters.summary(db, r.case) for r in found.rows], total=found.total)


@router.get("/todo", response_model=list[TodoOut], summary="我的待办：本岗位各队列的件数、超期和预警件数")
def todo(db: Db, clock: Now, actor: Staff) -> list[TodoOut]:
    return [TodoOut(queue=t.queue.name, label=t.queue.label, total=t.total, overdue=t.overdue, warned=t.warned,
                    at_least=t.more, urgent=[presenters.summary(db, r.case) for r in t.urgent])
            for t in queues.todo(db_session=db, clock=clock, actor=actor)]


@router.post("/cases", status_code=201, response_model=CaseOut, summary="窗口代为申报（未注册的办事人也可）")
def window_intake(body: WindowApplicationIn, db: Db, clock: Now, library: Library, actor: Staff, response: Response,
                  key: Annotated[str, Query(alias="idempotency_key", min_length=8, max_length=80)]) -> CaseOut:
    actor.require(Permission.case_accept)
    applicant = applicants.walk_in(db_session=db, **body.applicant.model_dump())
    submission = cases.Submission(
        item_id=body.item_id, form=dict(body.form), exemptions=dict(body.exemptions), uploads=files.decode_uploads(body.files),
        pledge=body.pledge, delivery_method=body.delivery_method,
    )
    from tongban.catalog import service as catalog

    item = catalog.get_item(db_session=db, item_id=body.item_id)
    actor.require(Permission.case_accept, agency_id=item.agency_id, region_code=item.region_code)
    case = cases.submit(db_session=db, clock=clock, library=library, applicant=applicant, submission=submission,
                        channel=CaseChannel.window, submitter_ref=actor.ref, idempotency_key=key, staff=actor)
    db.commit()
    response.headers["Location"] = f"/api/v1/staff/cases/{case.id}"
    return _out(db, clock, case)


@router.get("/cases/{case_id}", response_model=CaseOut, summary="办件详情")
def case_detail(case_id: Id, db: Db, clock: Now, actor: Staff) -> CaseOut:
    return _out(db, clock, _case(db, actor, case_id))


@router.get("/cases/{case_id}/files/{file_id}", summary="下载申请材料", response_class=Response)
def case_file(case_id: Id, file_id: Id, db: Db, actor: Staff) -> Response:
    case = _case(db, actor, case_id)
    row, data = cases.file_of(db_session=db, case_id=case.id, file_id=file_id)
    return Response(data, media_type=row.content_type, headers={"Content-Disposition": "attachment"})


@router.get("/cases/{case_id}/documents/{document_id}", summary="下载文书（PDF）", response_class=Response)
def case_document(case_id: Id, document_id: Id, db: Db, clock: Now, actor: Staff) -> Response:
    case = _case(db, actor, case_id)
    doc = presenters.document_of(db_session=db, clock=clock, case=case, document_id=document_id)
    return Response(doc.pdf, media_type="application/pdf", headers={"Content-Disposition": f'attachment; filename="{doc.number}.pdf"'})


def _act(db: Session, clock: Clock, case: Case) -> CaseOut:
    db.commit()
    return _out(db, clock, case)


@router.post("/cases/{case_id}/accept", response_model=CaseOut, summary="受理（出具受理通知书）")
def accept(case_id: Id, body: AcceptIn, db: Db, clock: Now, actor: Staff) -> CaseOut:
    case = _case(db, actor, case_id, body.version)
    handling.accept(db_session=db, clock=clock, actor=actor, case=case, on_site=body.on_site,
                    on_site_at=body.on_site_at)
    return _act(db, clock, case)


@router.post("/cases/{case_id}/originals-checked", response_model=CaseOut, summary="记录原件已核验（现场核验原件后）")
def originals_checked(case_id: Id, body: OriginalsCheckedIn, db: Db, clock: Now, actor: Staff) -> CaseOut:
    case = _case(db, actor, case_id, body.version)
    handling.record_originals_checked(db_session=db, clock=clock, actor=actor, case=case, note=body.note)
    return _act(db, clock, case)


@router.post("/cases/{case_id}/refuse", response_model=CaseOut, summary="不予受理（书面说明理由）")
def refuse(case_id: Id, body: RefuseIn, db: Db, clock: Now, actor: Staff) -> CaseOut:
    case = _case(db, actor, case_id, body.version)
    handling.refuse(db_session=db, clock=clock, actor=actor, case=case, reasons=body.reasons)
    return _act(db, clock, case)


def _missing(body: MissingListIn) -> list[handling.Missing]:
    return [handling.Missing(m.material_key, m.reason) for m in body.missing]


@router.post("/cases/{case_id}/supplement-request", response_model=CaseOut, summary="一次性告知补正")
def supplement_request(case_id: Id, body: MissingListIn, db: Db, clock: Now, actor: Staff) -> CaseOut:
    case = _case(db, actor, case_id, body.version)
    handling.request_supplement(db_session=db, clock=clock, actor=actor, case=case, missing=_missing(body), deadline=body.deadline)
    return _act(db, clock, case)


@router.post("/cases/{case_id}/accept-with-deficiency", response_model=CaseOut, summary="容缺受理")
def deficiency(case_id: Id, body: MissingListIn, db: Db, clock: Now, actor: Staff) -> CaseOut:
    case = _case(db, actor, case_id, body.version)
    handling.accept_with_deficiency(db_session=db, clock=clock, actor=actor, case=case, missing=_missing(body), deadline=body.deadline)
    return _act(db, clock, case)


@router.post("/cases/{case_id}/review", response_model=CaseOut, summary="开始审查")
def start_review(case_id: Id, body: VersionedIn, db: Db, clock: Now, actor: Staff) -> CaseOut:
    case = _case(db, actor, case_id, body.version)
    handling.start_review(db_session=db, clock=clock, actor=actor, case=case)
    return _act(db, clock, case)


@router.post("/cases/{case_id}/opinion", response_model=CaseOut, summary="提出审查意见（并联审批各部门各自提出）")
def opinion(case_id: Id, body: OpinionIn, db: Db, clock: Now, actor: Staff) -> CaseOut:
    case = _case(db, actor, case_id, body.version)
    handling.record_opinion(db_session=db, clock=clock, actor=actor, case=case, opinion=Opinion(body.opinion), reasons=body.reasons)
    return _act(db, clock, case)


@router.post("/cases/{case_id}/special-procedures", response_model=CaseOut, summary="启动特别程序（暂停计时）")
def special_start(case_id: Id, body: ProcedureIn, db: Db, clock: Now, actor: Staff) -> CaseOut:
    case = _case(db, actor, case_id, body.version)
    handling.start_special_procedure(db_session=db, clock=clock, actor=actor, case=case, name=body.name, note=body.note)
    return _act(db, clock, case)


@router.post("/cases/{case_id}/special-procedures/end", response_model=CaseOut, summary="结束特别程序（恢复计时）")
def special_end(case_id: Id, body: ProcedureEndIn, db: Db, clock: Now, actor: Staff) -> CaseOut:
    case = _case(db, actor, case_id, body.version)
    handling.end_special_procedure(db_session=db, clock=clock, actor=actor, case=case, outcome=body.outcome)
    return _act(db, clock, case)


@router.post("/cases/{case_id}/decide", response_model=CaseOut, summary="作出决定（准予或不予）")
def decide(case_id: Id, body: DecideIn, db: Db, clock: Now, actor: Staff) -> CaseOut:
    case = _case(db, actor, case_id, body.version)
    decisions.decide(db_session=db, clock=clock, actor=actor, case=case, approve=body.approve, reasons=body.reasons,
                     licence_fields=body.licence_fields)
    return _act(db, clock, case)


@router.post("/cases/{case_id}/deliver/window", response_model=CaseOut, summary="窗口领取（核验证件）")
def deliver_window(case_id: Id, body: PickupIn, db: Db, clock: Now, actor: Staff) -> CaseOut:
    case = _case(db, actor, case_id, body.version)
    delivery.pickup_at_window(db_session=db, clock=clock, actor=actor, case=case, id_kind=body.id_kind, id_number=body.id_number)
    return _act(db, clock, case)


@router.post("/cases/{case_id}/deliver/post", response_model=CaseOut, summary="邮寄送达（登记运单号）")
def deliver_post(case_id: Id, body: PostIn, db: Db, clock: Now, actor: Staff) -> CaseOut:
    case = _case(db, actor, case_id, body.version)
    delivery.post(db_session=db, clock=clock, actor=actor, case=case, carrier=body.carrier,
                  tracking_number=body.tracking_number, address=body.address)
    return _act(db, clock, case)


@router.post("/cases/{case_id}/deliver/locker-code", response_model=CaseOut, summary="重新发放自助柜取件码")
def locker_code(case_id: Id, body: VersionedIn, db: Db, clock: Now, actor: Staff) -> CaseOut:
    case = _case(db, actor, case_id, body.version)
    delivery.reissue_locker_code(db_session=db, clock=clock, actor=actor, case=case)
    return _act(db, clock, case)


@router.get("/case-lookup", response_model=list[ProgressOut], summary="热线、自助终端查询：按办件编号或证件号码")
def lookup(
    db: Db, clock: Now, actor: Staff,
    number: Annotated[str | None, Query(max_length=40)] = None, id_number: Annotated[str | None, Query(max_length=40)] = None,
) -> list[ProgressOut]:
    found = cases.staff_lookup(db_session=db, clock=clock, actor=actor, number=number, identifier=id_number)
    db.commit()
    return [presenters.progress(db_session=db, case=c) for c in found]
