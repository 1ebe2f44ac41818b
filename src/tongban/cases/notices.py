"""The written notices of a case, sealed and signed: acceptance, refusal, supplement, decisions … (CASE-09; 004)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from tongban.cases import documents, hooks
from tongban.cases.documents import NoticeKind
from tongban.cases.models import Case, CaseMaterial, Document
from tongban.catalog import reads as catalog_reads
from tongban.core.clock import Clock
from tongban.core.config import get_settings
from tongban.core.errors import NotFound

__all__ = ["NoticeKind", "issue", "material_lines", "for_case", "chinese_date"]

TITLES = {
    NoticeKind.acceptance_notice: "受理通知书",
    NoticeKind.refusal_notice: "不予受理通知书",
    NoticeKind.supplement_notice: "一次性告知补正材料通知书",
    NoticeKind.deficiency_notice: "容缺受理通知书",
    NoticeKind.pledge_notice: "告知承诺书",
    NoticeKind.on_site_check_notice: "现场核验原件通知书",
    NoticeKind.special_procedure_notice: "特别程序告知书",
    NoticeKind.approval_decision: "准予许可决定书",
    NoticeKind.denial_decision: "不予许可决定书",
    NoticeKind.payment_receipt: "缴费收据",
}


def chinese_date(value: date) -> str:
    return f"{value.year}年{value.month}月{value.day}日"


def material_lines(rows: list[CaseMaterial], *, status: str) -> str:
    chosen = [r for r in rows if r.status == status]
    return "；".join(f"{i}. {r.name}" + (f"（{r.exemption_ref}）" if r.exemption_ref else "") for i, r in enumerate(chosen, 1)) or "无"


def agency_lines(*, db_session: Session, agency_id: int) -> catalog_reads.AgencyFacts | None:
    """The agency as notices print it and a licence's issuer needs it (None when there is no such agency), so a
    step that issues both reads it once."""
    return catalog_reads.find_agency(db_session=db_session, agency_id=agency_id)


def issue(
    *,
    db_session: Session,
    clock: Clock,
    case: Case,
    kind: NoticeKind,
    fields: list[tuple[str, str]],
    paragraphs: list[str],
    acceptor: str = "",
    title: str | None = None,
    verify_base_url: str | None = None,
    agency=None,
) -> documents.Issued:
    """Every notice names the item, the case, the applicant, the acceptor and the agency, then its own parts.
    `agency`: the case's agency as `agency_lines` gives it, when the step has read it already."""
    if agency is None or agency.id != case.agency_id:
        agency = agency_lines(db_session=db_session, agency_id=case.agency_id)
    if agency is None:
        raise NotFound("AGENCY_NOT_FOUND", "未找到该实施机构")
    head = [("事项名称", case.item_name), ("办件编号", case.case_number or ""), ("申请人", case.applicant_name)]
    if acceptor:
        head.append(("受理人", acceptor))
    extra = hooks.notice_code(db_session=db_session, clock=clock, case=case, kind=kind)
    if extra is not None:
        paragraphs = [*paragraphs, extra[2]]
    tail = [("受理机构", agency.name)]
    if agency.consult_phone:
        tail.append(("咨询电话", agency.consult_phone))
    return documents.store(
        db_session=db_session, clock=clock, agency_id=case.agency_id, agency_name=agency.name, kind=kind, case_id=case.id,
        title=title or TITLES[kind], fields=head + fields + tail, paragraphs=[p for p in paragraphs if p],
        case_number=case.case_number, verify_base_url=verify_base_url or get_settings().public_url,
        extra_qr=extra[:2] if extra is not None else None,
    )


def for_case(*, db_session: Session, case_id: int) -> list[Document]:
    return list(db_session.scalars(select(Document).where(Document.case_id == case_id).order_by(Document.id)))
