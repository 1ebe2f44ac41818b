"""After a pledge: the check of the pledged proofs by a due date (事后核查, CRED-03); a false pledge excludes the subject
from pledge and instant approval (CRED-06) until a credit repair — applied for with evidence, reviewed, lifted — is
complete. Every step is audited."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from tongban.accounts.access import Permission, PersonActor, StaffActor, region_prefix
from tongban.cases import progress
from tongban.cases import service as cases
from tongban.core import audit
from tongban.core.clock import Clock
from tongban.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from tongban.core.text import clean_text
from tongban.credit.enums import CheckState, ExclusionState, RepairState
from tongban.credit.models import CreditExclusion, CreditRepair, PledgeCheck

CASE_POSTS = (Permission.case_accept, Permission.case_review, Permission.case_decide, Permission.supervise)


def require_case_staff(actor: StaffActor, *, agency_id: int, region_code: str) -> None:
    """Window, review and decision staff of the case's agency (or management staff of its region) and supervisors."""
    if not any(actor.has(p) for p in CASE_POSTS):
        raise Forbidden("NOT_PERMITTED", "您的岗位不能办理信用审批和承诺核查")
    if not actor.covers(agency_id=agency_id, region_code=region_code):
        raise Forbidden("NOT_YOUR_CASE", "只能核查本部门（本地区）的办件")


def _require_reviewer(actor: StaffActor) -> None:
    if not actor.has(Permission.supervise):
        raise Forbidden("NOT_PERMITTED", "信用修复由管理专员审核")


def checks(*, db_session: Session, actor: StaffActor, state: str = "pending", limit: int = 200) -> list[PledgeCheck]:
    """The pledge checks the actor may record, the soonest due first."""
    if not any(actor.has(p) for p in CASE_POSTS):
        raise Forbidden("NOT_PERMITTED", "您的岗位不能办理信用审批和承诺核查")
    state = refuse_unknown_state(state)
    query = select(PledgeCheck).where(PledgeCheck.region_code.startswith(region_prefix(actor.region_code)))
    if actor.agency_id is not None and not actor.has(Permission.supervise):
        query = query.where(PledgeCheck.agency_id == actor.agency_id)
    if state:
        query = query.where(PledgeCheck.state == state)
    return list(db_session.scalars(query.order_by(PledgeCheck.due_on, PledgeCheck.id).limit(limit)))


def get_check(*, db_session: Session, actor: StaffActor, check_id: int) -> PledgeCheck:
    check = db_session.get(PledgeCheck, check_id)
    if check is None:
        raise NotFound("CHECK_NOT_FOUND", "没有找到这项承诺核查")
    require_case_staff(actor, agency_id=check.agency_id, region_code=check.region_code)
    return check


def check_of_case(*, db_session: Session, case_id: int) -> PledgeCheck | None:
    return db_session.scalar(select(PledgeCheck).where(PledgeCheck.case_id == case_id))


def record_check(*, db_session: Session, clock: Clock, actor: StaffActor, check_id: int, truthful: bool,
                 finding: str) -> PledgeCheck:
    """The result of the later check: true, or false with the reason — a false pledge opens an exclusion (CRED-06)."""
    check = get_check(db_session=db_session, actor=actor, check_id=check_id)
    if check.state != CheckState.pending.value:
        raise Conflict("CHECK_DONE", f"这项核查已记录为“{CheckState(check.state).label}”")
    finding = clean_text(finding, what="核查情况" if truthful else "不实的情形和理由", limit=1000, required=not truthful,
                         code="FINDING")
    check.state = (CheckState.true if truthful else CheckState.false).value
    check.finding, check.checked_by, check.checked_at = finding, actor.name, clock.now()
    db_session.flush()
    audit.record(db_session=db_session, clock=clock, actor=actor.ref, action="credit.pledge_checked", object_kind="case",
                 object_id=check.case_id, details={"check_id": check.id, "truthful": truthful, "finding": finding})
    case = cases.get(db_session=db_session, case_id=check.case_id)
    if truthful:
        progress.push(db_session=db_session, clock=clock, case=case, step="告知承诺核查：承诺属实", detail="")
        return check
    exclusion = CreditExclusion(subject_kind=check.subject_kind, subject_hash=check.subject_hash,
                                subject_masked=check.subject_masked, check_id=check.id,
                                reason=f"办件 {case.case_number} 承诺不实：{finding}", state=ExclusionState.active.value,
                                created_by=actor.name, created_at=clock.now())
    db_session.add(exclusion)
    db_session.flush()
    audit.record(db_session=db_session, clock=clock, actor=actor.ref, action="credit.excluded", object_kind="credit_exclusion",
                 object_id=exclusion.id, details={"case_id": case.id, "subject": check.subject_masked, "reason": finding})
    progress.push(db_session=db_session, clock=clock, case=case, step="告知承诺核查：承诺不实", sms=True,
                  detail=f"{finding}。信用修复完成前不得适用告知承诺制和即审即批；可在“我的信用”中申请信用修复。")
    return check


# --- exclusions and repair -------------------------------------------------------------------------------------------

def exclusions(*, db_session: Session, actor: StaffActor, include_lifted: bool = False) -> list[CreditExclusion]:
    if not any(actor.has(p) for p in CASE_POSTS):
        raise Forbidden("NOT_PERMITTED", "您的岗位不能查看信用限制")
    query = select(CreditExclusion)
    if not include_lifted:
        query = query.where(CreditExclusion.state != ExclusionState.lifted.value)
    return list(db_session.scalars(query.order_by(CreditExclusion.created_at.desc(), CreditExclusion.id.desc()).limit(500)))


def exclusions_of(*, db_session: Session, subject_hash: str) -> list[CreditExclusion]:
    return list(db_session.scalars(select(CreditExclusion).where(CreditExclusion.subject_hash == subject_hash)
                                   .order_by(CreditExclusion.id.desc())))


def repairs_of(*, db_session: Session, exclusion_id: int) -> list[CreditRepair]:
    return list(db_session.scalars(select(CreditRepair).where(CreditRepair.exclusion_id == exclusion_id)
                                   .order_by(CreditRepair.id)))


def pending_repairs(*, db_session: Session, actor: StaffActor) -> list[CreditRepair]:
    _require_reviewer(actor)
    return list(db_session.scalars(select(CreditRepair).where(CreditRepair.state == RepairState.submitted.value)
                                   .order_by(CreditRepair.submitted_at, CreditRepair.id)))


def apply_repair(*, db_session: Session, clock: Clock, exclusion_id: int, evidence: str, subject_hash: str | None,
                 person: PersonActor | None = None, staff: StaffActor | None = None) -> CreditRepair:
    """A repair application: by the excluded person (whose document's hash is `subject_hash`), or registered by staff
    for an organisation or a walk-in. One open application at a time."""
    exclusion = db_session.get(CreditExclusion, exclusion_id)
    if exclusion is None or (staff is None and exclusion.subject_hash != subject_hash):
        raise NotFound("EXCLUSION_NOT_FOUND", "没有找到您的这条信用限制记录")
    if staff is not None and not any(staff.has(p) for p in CASE_POSTS):
        raise Forbidden("NOT_PERMITTED", "您的岗位不能代为申请信用修复")
    if exclusion.state == ExclusionState.lifted.value:
        raise Conflict("ALREADY_LIFTED", "这条信用限制已经解除，无需修复")
    if exclusion.state == ExclusionState.repairing.value:
        raise Conflict("REPAIR_PENDING", "已有信用修复申请正在审核，请等待审核结果")
    evidence = clean_text(evidence, what="整改情况和证明材料说明", limit=2000, code="EVIDENCE")
    by = staff.ref if staff else person.ref if person else "unknown"
    repair = CreditRepair(exclusion_id=exclusion.id, evidence=evidence, applicant_ref=by, state=RepairState.submitted.value,
                          submitted_at=clock.now(), reviewed_by="", review_note="")
    db_session.add(repair)
    exclusion.state = ExclusionState.repairing.value
    db_session.flush()
    audit.record(db_session=db_session, clock=clock, actor=by, action="credit.repair_applied", object_kind="credit_exclusion",
                 object_id=exclusion.id, details={"repair_id": repair.id})
    return repair


def review_repair(*, db_session: Session, clock: Clock, actor: StaffActor, repair_id: int, approve: bool,
                  note: str) -> CreditRepair:
    """Approved: the exclusion is lifted; rejected (with a reason): it stays in force and may be applied for again."""
    _require_reviewer(actor)
    repair = db_session.get(CreditRepair, repair_id)
    if repair is None:
        raise NotFound("REPAIR_NOT_FOUND", "没有找到这份信用修复申请")
    if repair.state != RepairState.submitted.value:
        raise Conflict("REPAIR_DONE", f"这份申请已审核：{RepairState(repair.state).label}")
    note = clean_text(note, what="审核意见" if approve else "不予修复的理由", limit=1000, required=not approve, code="NOTE")
    exclusion = db_session.get(CreditExclusion, repair.exclusion_id)
    repair.state = (RepairState.approved if approve else RepairState.rejected).value
    repair.reviewed_by, repair.reviewed_at, repair.review_note = actor.name, clock.now(), note
    if approve:
        exclusion.state, exclusion.lifted_at = ExclusionState.lifted.value, clock.now()
    else:
        exclusion.state = ExclusionState.active.value
    db_session.flush()
    audit.record(db_session=db_session, clock=clock, actor=actor.ref, action="credit.repair_reviewed",
                 object_kind="credit_exclusion", object_id=exclusion.id,
                 details={"repair_id": repair.id, "approved": approve, "note": note})
    if exclusion.check_id is not None:
        check = db_session.get(PledgeCheck, exclusion.check_id)
        case = cases.get(db_session=db_session, case_id=check.case_id)
        progress.push(db_session=db_session, clock=clock, case=case, sms=True,
                      step="信用修复通过，限制已解除" if approve else "信用修复未通过",
                      detail="" if approve else f"理由：{note}。可补充整改材料后重新申请。")
    return repair


def refuse_unknown_state(value: str) -> str:
    if value and value not in CheckState._value2member_map_:
        raise InvalidInput("CHECK_STATE", "核查状态只能是 pending、true 或 false")
    return value


def person_key(*, db_session: Session, actor: PersonActor) -> str:
    """The credit key of a signed-in person: the shared hash of their identity document."""
    from tongban.accounts import persons

    return persons.get(db_session=db_session, person_id=actor.person_id).id_number_hash


def mine(*, db_session: Session, actor: PersonActor) -> list[CreditExclusion]:
    return exclusions_of(db_session=db_session, subject_hash=person_key(db_session=db_session, actor=actor))


def exclusion(*, db_session: Session, exclusion_id: int) -> CreditExclusion:
    row = db_session.get(CreditExclusion, exclusion_id)
    if row is None:
        raise NotFound("EXCLUSION_NOT_FOUND", "没有找到这条信用限制记录")
    return row
