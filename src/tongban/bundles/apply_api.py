"""The public JSON API of bundle submission (BND-07): the merged form, one submission, my bundle cases, one bundle case,
and taking every result at once (/api/v1/bundles)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Path, Query, Request, Response

from tongban.bundles import apply_form, case_presenters, handling, submission, together
from tongban.bundles.case_schemas import BundleApplicationIn, BundleCaseListOut, BundleCaseOut, BundleFormOut
from tongban.cases import applicants, files
from tongban.cases.schemas import WithdrawIn
from tongban.cases import service as cases
from tongban.web.deps import Db, Id, Library, Me, Now

router = APIRouter(prefix="/api/v1/bundles", tags=["bundles"])
Number = Annotated[str, Path(min_length=1, max_length=40)]


@router.get("/cases/mine", response_model=BundleCaseListOut, summary="我的一件事办件")
def mine(db: Db, clock: Now, me: Me) -> BundleCaseListOut:
    rows = handling.mine(db_session=db, clock=clock, actor=me)
    return BundleCaseListOut(bundle_cases=[case_presenters.detail(db, r) for r in rows])


@router.get("/cases/{number}", response_model=BundleCaseOut, summary="一件事办件：各事项的部门、状态和暂停原因")
def one(number: Number, db: Db, clock: Now, me: Me) -> BundleCaseOut:
    return case_presenters.detail(db, handling.for_person(db_session=db, clock=clock, actor=me, number=number))


@router.post("/cases/{number}/take", response_model=BundleCaseOut, summary="一次领取全部办理结果（全部办结后）")
def take(number: Number, db: Db, clock: Now, me: Me) -> BundleCaseOut:
    row = handling.for_person(db_session=db, clock=clock, actor=me, number=number)
    together.take_all(db_session=db, clock=clock, actor=me, bundle_case=row)
    db.commit()
    return case_presenters.detail(db, row)


@router.post("/cases/{number}/withdraw", response_model=BundleCaseOut,
             summary="撤回一件事（尚未作出决定的事项全部撤回；已作出决定的结果仍统一送达）")
def withdraw(number: Number, body: WithdrawIn, db: Db, clock: Now, me: Me) -> BundleCaseOut:
    row = handling.for_person(db_session=db, clock=clock, actor=me, number=number)
    handling.withdraw(db_session=db, clock=clock, actor=me, bundle_case=row, reason=body.reason)
    db.commit()
    return case_presenters.detail(db, row)


@router.get("/{bundle_id}/application", response_model=BundleFormOut, summary="一件事合并申请表：预填信息、合并材料")
def application(bundle_id: Id, request: Request, db: Db, clock: Now, library: Library, me: Me,
                organisation_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None) -> BundleFormOut:
    """The answers are the query's other parameters (question id = option value)."""
    answers = {k: v[:40] for k, v in request.query_params.items() if k != "organisation_id"}
    plan = submission.make_plan(db_session=db, clock=clock, bundle_id=bundle_id, answers=answers)
    applicant = applicants.for_person(db_session=db, clock=clock, actor=me, organisation_id=organisation_id)
    return case_presenters.form_out(apply_form.application_form(db_session=db, clock=clock, library=library,
                                                                applicant=applicant, plan=plan))


@router.post("/{bundle_id}/cases", status_code=201, response_model=BundleCaseOut,
             summary="一次申报（同一 Idempotency-Key 只生成一个一件事办件；要么全部事项都立案，要么都不立案）")
def submit(
    bundle_id: Id, body: BundleApplicationIn, db: Db, clock: Now, library: Library, me: Me, response: Response,
    idempotency_key: Annotated[str, Header(alias="Idempotency-Key", min_length=1, max_length=80)],
    client_channel: Annotated[str | None, Header(alias="X-Client-Channel", max_length=20)] = None,
) -> BundleCaseOut:
    channel = cases.declared_channel(client_channel)
    applicant = applicants.for_person(db_session=db, clock=clock, actor=me, organisation_id=body.organisation_id)
    sub = submission.BundleSubmission(bundle_id=bundle_id, answers=dict(body.answers), form=dict(body.form),
                                      uploads=files.decode_uploads(body.files), exemptions=dict(body.exemptions),
                                      delivery_method=body.delivery_method)
    row = submission.submit(db_session=db, clock=clock, library=library, applicant=applicant, submission=sub, channel=channel,
                            submitter_ref=me.ref, idempotency_key=idempotency_key)
    db.commit()
    response.headers["Location"] = f"/api/v1/bundles/cases/{row.number}"
    return case_presenters.detail(db, row)
