"""Decisions: reviewer's opinion then decider, or on the spot; approve with an e-licence, deny with reasons
and contact; tolerant acceptance left unfixed becomes a denial (CASE-07, CASE-12, CASE-14, CASE-17; 004)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from tongban.accounts.access import Permission, StaffActor
from tongban.cases import applicants, clocks, delivery, lifecycle, notices, progress
from tongban.cases.enums import CaseState, EventKind, MaterialStatus, Opinion
from tongban.cases.handling import _reason, content_of, exempt, require_originals_checked
from tongban.cases.models import Case, CasePost, License
from tongban.cases.service import form_data, materials_of
from tongban.catalog.enums import Actor, DeliveryMethod
from tongban.catalog import reads as catalog_reads
from tongban.catalog.schemas import ItemContent, ReviewRules
from tongban.core.clock import Clock
from tongban.core.config import get_settings
from tongban.core.errors import Conflict, Forbidden

S = CaseState
SYSTEM = ("system", "系统")


_POST = CasePost.__table__
_SIGNATURES = (select(_POST.c.agency_id, _POST.c.lead, _POST.c.opinion, _POST.c.staff_id, _POST.c.staff_name)
               .where(_POST.c.case_id == bindparam("case_key")).order_by(_POST.c.id))

CAPACITIES = {"acceptor": "受理人", "reviewer": "审查人", "decider": "决定人", "reviewer_decider": "审查人（兼决定人）"}


@dataclass(frozen=True)
class Signing:
    """Who signed a decision in which capacity (CASE-12); kept in the decision's event and shown in the timeline."""

    on_the_spot: bool
    signatures: tuple[tuple[str, str], ...] = ()  # (capacity, name); none for the system's own decisions

    def data(self) -> dict:
        found: dict = {"on_the_spot": self.on_the_spot}
        if self.signatures:
            found["signatures"] = [{"capacity": c, "capacity_label": CAPACITIES[c], "name": n} for c, n in self.signatures]
        return found

    def reason(self, reasons: str) -> str:
        if not self.signatures:
            return reasons
        line = "；".join(f"{CAPACITIES[c]} {n}" for c, n in self.signatures) + ("（当场决定）" if self.on_the_spot else "")
        return f"签署：{line}。{reasons}".strip()


SYSTEM_SIGNING = Signing(on_the_spot=False)
DECIDING_POSTS = frozenset({Actor.reviewer, Actor.decider})


def one_person_may_sign(rules: ReviewRules) -> str:
    """Why, under the item's review rules (审查工作细则), the reviewer may also decide, or "" where the rules
    demand a reviewer's opinion and then a different decider (003 决定): an on-the-spot decision after the
    written review, or a single review-and-decide post."""
    if rules.on_the_spot:
        return "该事项的审查工作细则允许审查人在书面审查后当场作出决定"
    if len({p.post for p in rules.posts} & DECIDING_POSTS) == 1:
        return "该事项的审查工作细则只设一个审查决定岗位，审查人可以作出决定"
    return ""


def _lead_post(db_session: Session, case: Case, approve: bool):
    """The lead agency's post once every post has its opinion (CASE-20); a 'deny' opinion bars approval."""
    posts = db_session.connection().execute(_SIGNATURES, {"case_key": case.id}).all()
    waiting = [p for p in posts if p.opinion is None]
    if waiting:
        names = "、".join(agency.name for p in waiting if (agency := catalog_reads.find_agency(db_session=db_session, agency_id=p.agency_id)) is not None)
        raise Conflict("OPINIONS_PENDING", f"尚有部门未提出审查意见：{names}")
    against = [p for p in posts if p.opinion == Opinion.deny.value]
    if approve and against:
        raise Conflict("OPINION_AGAINST", "有部门的审查意见为不予许可，不能作出准予决定")
    return next(p for p in posts if p.lead)


def _special_procedures_run(db_session: Session, case: Case) -> list[str]:
    pauses = clocks.pauses_by_case(db_session=db_session, case_ids=[case.id])[case.id]
    return [p.name for p in pauses if p.kind == "special_procedure"]


def _signing_after_review(db_session: Session, actor: StaffActor, case: Case, rules: ReviewRules, approve: bool) -> Signing:
    """Reviewer's opinion, then a different decider: two signatures, no more. The reviewer decides alone only
    where the item's review rules allow it and the review was written only: a special procedure (site check,
    expert review, hearing …) needs the reviewer's opinion and a decider's decision (003 决定; CASE-12)."""
    lead = _lead_post(db_session, case, approve)
    if lead.staff_id != actor.staff_id:
        if not actor.has(Permission.case_decide):
            raise Forbidden("NOT_PERMITTED", "您的岗位没有作出决定的权限")
        return Signing(False, (("reviewer", lead.staff_name), ("decider", actor.name)))
    why = one_person_may_sign(rules)
    if not why:
        raise Forbidden("SAME_PERSON", "该事项的审查工作细则设审查人和决定人两个岗位，审查人与决定人不能为同一人")
    procedures = _special_procedures_run(db_session, case)
    if procedures:
        raise Forbidden("SAME_PERSON", f"该办件经过{'、'.join(dict.fromkeys(procedures))}，须由审查人签署意见、由另一名决定人作出决定")
    return Signing(rules.on_the_spot, (("reviewer_decider", actor.name),))


def co_agencies_waiting(*, db_session: Session, case: Case) -> bool:
    """Whether a co-agency of a parallel approval still owes its opinion (CASE-20)."""
    return db_session.scalar(select(CasePost.id).where(
        CasePost.case_id == case.id, CasePost.lead.is_(False), CasePost.opinion.is_(None)).limit(1)) is not None


def decide(
    *, db_session: Session, clock: Clock, actor: StaffActor, case: Case, approve: bool, reasons: str = "",
    licence_fields: dict[str, object] | None = None,
) -> Case:
    """决定. From acceptance: where the item allows on-the-spot decisions, or by a decider where the case is exempted
    from review (免审, credit approval CRED-04) and no co-agency's opinion is owed. From review: after the opinions,
    by a different decider, or by the reviewer where the item's review rules allow one person (CASE-12).
    `licence_fields`: the values of the licence type's fields that come from the decision (key → text); a field
    not given is prefilled from the application form, and a required one still empty refuses the approval."""
    content = content_of(db_session, case)
    if case.state == S.accepted.value and not content.review_rules.on_the_spot and exempt(case):
        if not actor.has(Permission.case_decide):
            raise Forbidden("NOT_PERMITTED", "免审的办件由决定人作出决定，您的岗位没有作出决定的权限")
        applicants.require_staff(db_session=db_session, actor=actor, case=case, permission=Permission.case_decide)
        if co_agencies_waiting(db_session=db_session, case=case):
            raise Conflict("OPINIONS_PENDING", "该办件为并联审批，免审不免协办部门意见：请先开始审查，意见齐全后再作出决定")
        signing = Signing(False, (("decider", actor.name),))
    elif case.state == S.accepted.value:
        if not content.review_rules.on_the_spot:
            raise Conflict("REVIEW_REQUIRED", "该事项不能当场决定，须经审查后由决定人决定")
        if not (actor.has(Permission.case_decide) or actor.has(Permission.case_accept)):
            raise Forbidden("NOT_PERMITTED", "您的岗位没有作出决定的权限")
        deciding = actor.has(Permission.case_decide)
        applicants.require_staff(db_session=db_session, actor=actor, case=case,
                                 permission=Permission.case_decide if deciding else Permission.case_accept)
        signing = Signing(True, (("decider" if deciding else "acceptor", actor.name),))
    else:
        if not (actor.has(Permission.case_decide) or actor.has(Permission.case_review)):
            raise Forbidden("NOT_PERMITTED", "您的岗位没有作出决定的权限")
        applicants.require_staff(db_session=db_session, actor=actor, case=case,
                                 permission=Permission.case_decide if actor.has(Permission.case_decide) else Permission.case_review)
        lifecycle.require_state(case, S.under_review, action="作出决定")
        signing = _signing_after_review(db_session, actor, case, content.review_rules, approve)
    reasons = _reason(reasons, required=not approve, what="不予许可的理由")
    if approve and content.on_site_verification:  # a denial need not wait: the applicant may never come (CASE-10)
        require_originals_checked(db_session=db_session, case=case)
    fields = _licence_fields(case, content, licence_fields) if approve else None
    # Nothing read while deciding is changed by it, so the case row is written once, not before every read.
    with db_session.no_autoflush:
        if approve:
            return _approve(db_session, clock, actor.ref, actor.name, case, content, reasons, signing, fields)
        return _deny(db_session, clock, actor.ref, actor.name, case, reasons, signing)


def _validity(content: ItemContent, today: date) -> date | None:
    years = content.result.validity_years
    if years is None:
        return None
    try:
        return today.replace(year=today.year + years)
    except ValueError:  # 29 February
        return today.replace(year=today.year + years, day=28)


def _licence_fields(case: Case, content: ItemContent, given: dict | None, *, earlier: dict | None = None,
                    strict: bool = True):
    """The declared licence fields with their values, checked before anything is written; None without a declaration."""
    from tongban.cases import licences

    declaration = content.result.licence
    if not content.result.licence_type or declaration is None:
        return None
    return licences.fields_for(declaration=declaration, form=form_data(case), given=given, earlier=earlier, strict=strict)


def licence_form(case: Case, content: ItemContent) -> list[dict]:
    """The licence fields the approve form shows, prefilled from the application form ([] without a declaration)."""
    from tongban.cases import licences

    declaration = content.result.licence
    if not content.result.licence_type or declaration is None:
        return []
    return licences.prefill(declaration=declaration, form=form_data(case))


def _approve(db_session, clock, actor_ref, actor_name, case, content, reasons, signing: Signing, fields=None) -> Case:
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
            fields=fields,
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
    events = [lifecycle.Entry(EventKind.approved, actor_ref, actor_name, to_state=S.approved, reason=signing.reason(reasons),
                              data=signing.data(), document_id=document.id)]
    if licence is not None:
        events.append(lifecycle.Entry(EventKind.licence_issued, actor_ref, actor_name,
                                      reason=f"{licence.type_name} {licence.number}", document_id=licence.document_id))
    events.append(delivery.prepare(db_session=db_session, clock=clock, case=case))
    lifecycle.append(db_session=db_session, clock=clock, case=case, entries=events)
    progress.push(db_session=db_session, clock=clock, case=case, step="已办结（准予）", result=True,
                  detail="决定书" + ("和电子证照" if licence is not None else "") + "可在“我的办件”中查看。" + _delivery_hint(case))
    db_session.flush()
    return case


def _held(licence: License) -> dict[str, str]:
    from tongban.cases import licences

    return licences.held_values(licence)


DELIVERY_HINTS = {
    DeliveryMethod.online_download: "办理结果可在“我的办件”中下载。",
    DeliveryMethod.window_pickup: "请携带本人有效身份证件到窗口领取办理结果。",
    DeliveryMethod.post: "办理结果将邮寄送达，寄出后告知运单号。",
    DeliveryMethod.locker: "办理结果将放入24小时自助柜，取件码另行发送。",
}


def _delivery_hint(case: Case) -> str:
    """How the result reaches the applicant, told with the decision (CASE-15, CASE-19)."""
    method = DeliveryMethod(case.delivery_method) if case.delivery_method else DeliveryMethod.online_download
    return f"送达方式：{method.label}。{DELIVERY_HINTS[method]}"


def _deny(db_session, clock, actor_ref, actor_name, case, reasons, signing: Signing) -> Case:
    agency = catalog_reads.find_agency(db_session=db_session, agency_id=case.agency_id)
    contact = (agency.consult_phone or agency.address or agency.name) if agency else ""
    document = notices.issue(
        db_session=db_session, clock=clock, case=case, kind=notices.NoticeKind.denial_decision,
        fields=[("决定", "不予许可"), ("理由", reasons), ("联系方式", contact), ("决定日期", notices.chinese_date(clock.today()))],
        paragraphs=["经审查，你（单位）的申请不符合法定条件、标准，本机关决定不予许可。",
                    "如不服本决定，可以自收到本决定书之日起六十日内依法申请行政复议，或者在六个月内依法提起行政诉讼。"],
    )
    case.decision, case.decision_reasons, case.decided_at, case.closed_at = "denied", reasons, clock.now(), clock.now()
    lifecycle.record(db_session=db_session, clock=clock, case=case, kind=EventKind.denied, to_state=S.denied,
                     actor_ref=actor_ref, actor_name=actor_name, reason=signing.reason(reasons), data=signing.data(),
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
        denied.append(_deny(db_session, clock, *SYSTEM, case, reasons, SYSTEM_SIGNING))
    return denied


RENEWAL_OPEN = (S.accepted, S.accepted_with_deficiency, S.under_review, S.special_procedure)


def deem_renewals(*, db_session: Session, clock: Clock) -> list[Case]:
    """A renewal not decided before the licence expires counts as granted (行政许可法第五十条; CASE-17). Run by the `cases.deadlines` job."""
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
        # The system decides with what it has: the renewed licence's own values, then the form's.
        fields = _licence_fields(case, content, None, strict=False, earlier=_held(old))
        renewed.append(_approve(db_session, clock, *SYSTEM, case, content, reasons, SYSTEM_SIGNING, fields))
    return renewed
