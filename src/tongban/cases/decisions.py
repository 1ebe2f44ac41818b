"""Decisions: reviewer's opinion then decider, or on the spot; approve with an e-licence, deny with reasons
and contact; tolerant acceptance left unfixed becomes a denial (CASE-07, CASE-12, CASE-14, CASE-17; 004)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from tongban.accounts.access import Permission, StaffActor
from tongban.cases import applicants, delivery, lifecycle, notices, progress
from tongban.cases.enums import CaseState, EventKind, MaterialStatus, Opinion
from tongban.cases.handling import _reason, content_of
from tongban.cases.models import Case, CasePost
from tongban.cases.service import materials_of
from tongban.catalog.models import Agency
from tongban.catalog.schemas import ItemContent
from tongban.core.clock import Clock
from tongban.core.config import get_settings
from tongban.core.errors import Conflict, Forbidden

S = CaseState
SYSTEM = ("system", "系统")


_POST = CasePost.__table__
_SIGNATURES = (select(_POST.c.agency_id, _POST.c.lead, _POST.c.opinion, _POST.c.staff_id)
               .where(_POST.c.case_id == bindparam("case_key")).order_by(_POST.c.id))


def _check_signatures(db_session: Session, actor: StaffActor, case: Case, approve: bool) -> None:
    """Reviewer's opinion, then a different decider: two signatures, no more (CASE-12). Every co-agency of a
    parallel approval must have given its opinion first (CASE-20)."""
    posts = db_session.connection().execute(_SIGNATURES, {"case_key": case.id}).all()
    waiting = [p for p in posts if p.opinion is None]
    if waiting:
        names = "、".join(agency.name for p in waiting if (agency := db_session.get(Agency, p.agency_id)) is not None)
        raise Conflict("OPINIONS_PENDING", f"尚有部门未提出审查意见：{names}")
    lead = next(p for p in posts if p.lead)
    if lead.staff_id == actor.staff_id:
        raise Forbidden("SAME_PERSON", "审查人与决定人不能为同一人")
    against = [p for p in posts if p.opinion == Opinion.deny.value]
    if approve and against:
        raise Conflict("OPINION_AGAINST", "有部门的审查意见为不予许可，不能作出准予决定")


def decide(
    *, db_session: Session, clock: Clock, actor: StaffActor, case: Case, approve: bool, reasons: str = "",
) -> Case:
    """决定. From review: after the opinions. From acceptance: only where the item allows on-the-spot decisions."""
    content = content_of(db_session, case)
    if case.state == S.accepted.value:
        if not content.review_rules.on_the_spot:
            raise Conflict("REVIEW_REQUIRED", "该事项不能当场决定，须经审查后由决定人决定")
        if not (actor.has(Permission.case_decide) or actor.has(Permission.case_accept)):
            raise Forbidden("NOT_PERMITTED", "您的岗位没有作出决定的权限")
        applicants.require_staff(db_session=db_session, actor=actor, case=case,
                                 permission=Permission.case_decide if actor.has(Permission.case_decide) else Permission.case_accept)
        on_the_spot = True
    else:
        applicants.require_staff(db_session=db_session, actor=actor, case=case, permission=Permission.case_decide)
        lifecycle.require_state(case, S.under_review, action="作出决定")
        _check_signatures(db_session, actor, case, approve)
        on_the_spot = False
    reasons = _reason(reasons, required=not approve, what="不予许可的理由")
    # Nothing read while deciding is changed by it, so the case row is written once, not before every read.
    with db_session.no_autoflush:
        if approve:
            return _approve(db_session, clock, actor.ref, actor.name, case, content, reasons, on_the_spot)
        return _deny(db_session, clock, actor.ref, actor.name, case, reasons, on_the_spot)


def _validity(content: ItemContent, today: date) -> date | None:
    years = content.result.validity_years
    if years is None:
        return None
    try:
        return today.replace(year=today.year + years)
    except ValueError:  # 29 February
        return today.replace(year=today.year + years, day=28)


def _approve(db_session, clock, actor_ref, actor_name, case, content, reasons, on_the_spot) -> Case:
    from tongban.cases import licences

    today = clock.today()
    base_url = get_settings().public_url
    licence = None
    agency = notices.agency_lines(db_session=db_session, agency_id=case.agency_id)  # the issuer and the notice's
    if content.result.licence_type:
        licence = licences.issue(
            db_session=db_session, clock=clock, agency_id=case.agency_id, item_id=case.item_id, case_id=case.id,
            type_code=content.result.licence_type, type_name=content.result.name or content.result.licence_type,
            holder_kind=case.subject_kind, person_id=case.person_id if case.subject_kind == "person" else None,
            organisation_id=case.organisation_id, holder_name=case.applicant_name,
            holder_identifier=case.applicant_identifier, valid_from=today, valid_until=_validity(content, today),
            data={"事项": case.item_name, "办件编号": case.case_number}, verify_base_url=base_url, issuer=agency,
        )
        case.licence_id = licence.id
    fields = [("决定", "准予许可"), ("办理结果", content.result.name or "准予")]
    if licence is not None:
        until = notices.chinese_date(licence.valid_until) if licence.valid_until else "长期"
        fields += [("电子证照编号", licence.number), ("有效期", f"{notices.chinese_date(licence.valid_from)}至{until}")]
    fields.append(("决定日期", notices.chinese_date(today)))
    document = notices.issue(
        db_session=db_session, clock=clock, case=case, kind=notices.NoticeKind.approval_decision, fields=fields,
        verify_base_url=base_url, agency=agency, paragraphs=[f"经审查，你（单位）的申请符合法定条件、标准，本机关决定准予许可。{reasons}".strip(),
                    "电子证照与纸质证照具有同等效力，可扫描二维码核验。" if licence is not None else ""],
    )
    case.decision, case.decision_reasons, case.decided_at = "approved", reasons, clock.now()
    events = [lifecycle.Entry(EventKind.approved, actor_ref, actor_name, to_state=S.approved, reason=reasons,
                              data={"on_the_spot": on_the_spot}, document_id=document.id)]
    if licence is not None:
        events.append(lifecycle.Entry(EventKind.licence_issued, actor_ref, actor_name,
                                      reason=f"{licence.type_name} {licence.number}", document_id=licence.document_id))
    events.append(delivery.prepare(db_session=db_session, clock=clock, case=case))
    lifecycle.append(db_session=db_session, clock=clock, case=case, entries=events)
    progress.push(db_session=db_session, clock=clock, case=case, step="已办结（准予）",
                  detail="决定书" + ("和电子证照" if licence is not None else "") + "可在“我的办件”中查看。", result=True)
    db_session.flush()
    return case


def _deny(db_session, clock, actor_ref, actor_name, case, reasons, on_the_spot) -> Case:
    agency = db_session.get(Agency, case.agency_id)
    contact = (agency.consult_phone or agency.address or agency.name) if agency else ""
    document = notices.issue(
        db_session=db_session, clock=clock, case=case, kind=notices.NoticeKind.denial_decision,
        fields=[("决定", "不予许可"), ("理由", reasons), ("联系方式", contact), ("决定日期", notices.chinese_date(clock.today()))],
        paragraphs=["经审查，你（单位）的申请不符合法定条件、标准，本机关决定不予许可。",
                    "如不服本决定，可以自收到本决定书之日起六十日内依法申请行政复议，或者在六个月内依法提起行政诉讼。"],
    )
    case.decision, case.decision_reasons, case.decided_at, case.closed_at = "denied", reasons, clock.now(), clock.now()
    lifecycle.record(db_session=db_session, clock=clock, case=case, kind=EventKind.denied, to_state=S.denied,
                     actor_ref=actor_ref, actor_name=actor_name, reason=reasons, data={"on_the_spot": on_the_spot},
                     document_id=document.id)
    progress.push(db_session=db_session, clock=clock, case=case, step="已办结（不予许可）", detail=f"理由：{reasons}", result=True)
    db_session.flush()
    return case


def deny_unfixed_deficiencies(*, db_session: Session, clock: Clock) -> list[Case]:
    """容缺 deadline passed with items still missing: a denial with the reasons (CASE-07). Run by the hourly `cases.deadlines` job."""
    query = select(Case).where(Case.state == S.accepted_with_deficiency.value, Case.deficiency_deadline < clock.today())
    denied: list[Case] = []
    for case in db_session.scalars(query).all():
        still = [r.name for r in materials_of(db_session=db_session, case_id=case.id)
                 if r.required and r.status == MaterialStatus.missing.value]
        reasons = f"容缺受理后未在{notices.chinese_date(case.deficiency_deadline)}前补齐材料：{'、'.join(still)}"
        denied.append(_deny(db_session, clock, *SYSTEM, case, reasons, False))
    return denied


RENEWAL_OPEN = (S.accepted, S.accepted_with_deficiency, S.under_review, S.special_procedure)


def deem_renewals(*, db_session: Session, clock: Clock) -> list[Case]:
    """A renewal not decided before the licence expires counts as granted (行政许可法第五十条; CASE-17). Run by the `cases.deadlines` job."""
    from tongban.cases.licences import License

    query = (
        select(Case).join(License, License.id == Case.renews_licence_id)
        .where(Case.state.in_([s.value for s in RENEWAL_OPEN]), License.valid_until < clock.today())
    )
    renewed: list[Case] = []
    for case in db_session.scalars(query).all():
        old = db_session.get(License, case.renews_licence_id)
        content = content_of(db_session, case)
        reasons = f"原证照 {old.number} 已于{notices.chinese_date(old.valid_until)}届满，行政机关逾期未作出决定，视为准予延续"
        lifecycle.record(db_session=db_session, clock=clock, case=case, kind=EventKind.deemed_renewed, actor_ref=SYSTEM[0],
                         actor_name=SYSTEM[1], reason=reasons)
        if case.state == S.special_procedure.value:
            lifecycle.record(db_session=db_session, clock=clock, case=case, kind=EventKind.special_procedure_ended,
                             to_state=S.under_review, actor_ref=SYSTEM[0], actor_name=SYSTEM[1], reason="视为准予延续")
        if case.state == S.accepted_with_deficiency.value:
            lifecycle.record(db_session=db_session, clock=clock, case=case, kind=EventKind.deficiency_fixed,
                             to_state=S.accepted, actor_ref=SYSTEM[0], actor_name=SYSTEM[1], reason="视为准予延续")
        renewed.append(_approve(db_session, clock, *SYSTEM, case, content, reasons, False))
    return renewed
