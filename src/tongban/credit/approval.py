"""Credit-based approval at submission (信用审批, CRED-02 … 06), through the cases hooks.

Before anything is written (`before_submit`): an applicant on the black list is refused, always, with the reason and
the way to repair (CRED-02, 06); a subject excluded for a false pledge may not pledge or opt in until repaired (CRED-06).
After the case is written (`after_submit`), when the applicant opted in (voluntary, CRED-06) the grade is looked up in
the credit library (CRED-05) and the treatments the item's lists allow are applied and recorded (CRED-04):

- red / orange: review exemption (免审: after acceptance the case goes to the decider's queue, no review step —
  `cases.handling.exempt_from_review`), instant approval (即审即批: exempt too, and to be decided the day it comes in —
  credit does not decide, a decider signs; the case's `decide_by` is that working day, it leads the queues and the
  credit desk's list), tolerant acceptance (容缺受理) — whichever lists the item is on;
- blue, or no record: the ordinary way;
- every pledged case (告知承诺, CRED-03) is processed first and gets a check of the pledged proofs, due in the pledge
  list's working days (20 by default).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from tongban.accounts.identity import mask
from tongban.baselib.service import ORG_KIND, BaseLibrary, CreditGrade, CreditStanding, credit_key
from tongban.cases import handling, progress
from tongban.core import audit
from tongban.core.clock import Clock
from tongban.core.errors import InvalidInput
from tongban.credit import lists
from tongban.credit.enums import ExclusionState, ListKind
from tongban.credit.models import CreditExclusion, CreditTreatment, PledgeCheck
from tongban.workdays import service as workdays

GOOD = (CreditGrade.red, CreditGrade.orange)
_LOOKED_UP = "credit.looked_up"  # session.info: the standing before_submit found, by submission
REPAIR_WAY = ("可在纠正失信行为、履行相关义务后，向认定单位申请信用修复（可通过“信用中国”网站或本平台“我的信用”提出），"
              "修复完成后即可正常办理")


@dataclass(frozen=True)
class Subject:
    kind: str  # person / org
    id_kind: str
    number: str

    @property
    def key(self) -> str:
        return credit_key(self.id_kind, self.number)

    @property
    def masked(self) -> str:
        if self.kind == "org":
            return self.number[:8] + "******" + self.number[-4:]
        return mask(self.id_kind, self.number)


def subject_of(applicant) -> Subject:
    """The credit subject of an application: the organisation (USCC) or the person (identity document)."""
    if applicant.subject_kind == "org":
        return Subject("org", ORG_KIND, applicant.identifier)
    return Subject("person", applicant.id_kind, applicant.identifier)


def active_exclusion(*, db_session: Session, subject_hash: str) -> CreditExclusion | None:
    """The subject's exclusion for a false pledge that is not lifted yet, if any."""
    return db_session.scalar(select(CreditExclusion).where(
        CreditExclusion.subject_hash == subject_hash, CreditExclusion.state != ExclusionState.lifted.value,
    ).order_by(CreditExclusion.id.desc()).limit(1))


def _black_message(standing: CreditStanding) -> str:
    why = f"（{standing.reason}）" if standing.reason else ""
    return (f"经查询公共信用信息，申请人被{standing.source}列入严重失信主体名单（黑名单）{why}，有效期至"
            f"{standing.valid_until.year}年{standing.valid_until.month}月{standing.valid_until.day}日，暂不能在线申请本事项。"
            f"{REPAIR_WAY}。")


def before_submit(*, db_session: Session, clock: Clock, library: BaseLibrary, applicant, item, content, submission,
                  channel, staff, **_) -> None:
    """Refuse a black-listed applicant (always), and pledge or credit approval to an excluded one; writes nothing."""
    subject = subject_of(applicant)
    standing = library.credit_of(subject.id_kind, subject.number, today=clock.today())
    db_session.info.setdefault(_LOOKED_UP, {})[id(submission)] = standing  # after_submit applies the same look-up
    if standing is not None and standing.grade is CreditGrade.black:
        raise InvalidInput("CREDIT_BLACKLISTED", _black_message(standing))
    if submission.pledge or submission.credit_opt_in:
        exclusion = active_exclusion(db_session=db_session, subject_hash=subject.key)
        if exclusion is not None:
            raise InvalidInput(
                "CREDIT_EXCLUDED",
                f"申请人曾作出不实承诺（{exclusion.reason}），在信用修复完成前不得适用告知承诺制和信用审批（即审即批）。"
                "请取消勾选“告知承诺”和“信用审批”，按一般程序提交全部材料；"
                "信用修复可在“我的信用”中提交整改证明，审核通过后解除限制。",
            )


def after_submit(*, db_session: Session, clock: Clock, case, content, applicant, submission, channel, staff, **_) -> None:
    """Record and apply the treatment of an opted-in case; open the check of a pledged case (CRED-03, 04)."""
    standing = db_session.info.get(_LOOKED_UP, {}).pop(id(submission), None)
    if not (submission.pledge or submission.credit_opt_in):
        return  # the ordinary way: no list to read (every online submission passes here)
    on_lists = lists.kinds_of_item(db_session=db_session, item_id=case.item_id)
    subject = subject_of(applicant)
    if submission.pledge:
        _open_pledge_check(db_session, clock, case, subject, on_lists.get(ListKind.pledge, lists.DEFAULT_CHECK_DAYS))
    if not submission.credit_opt_in:
        return
    grade = standing.grade if standing is not None else None
    applied: list[ListKind] = []
    decide_by = None
    if grade in GOOD:
        applied = [k for k in (ListKind.instant, ListKind.exempt_review, ListKind.tolerant) if k in on_lists]
        if submission.pledge and ListKind.pledge in on_lists:
            applied.append(ListKind.pledge)
        if ListKind.instant in applied:
            today = clock.today()
            decide_by = today if workdays.is_working_day(db_session=db_session, day=today) else \
                workdays.add_working_days(db_session=db_session, start=today, days=1).due
    note = _note(grade, applied, on_lists)
    skipping = [k for k in applied if k in (ListKind.instant, ListKind.exempt_review)]
    if skipping:  # the case goes to the decider straight after acceptance, an instant one first in the queue
        handling.exempt_from_review(
            db_session=db_session, clock=clock, case=case, decide_by=decide_by,
            reason=f"信用审批（{grade.label.split('（')[0]}，{standing.source}）：{'、'.join(k.label.split('（')[0] for k in skipping)}")
    db_session.add(CreditTreatment(
        case_id=case.id, subject_kind=subject.kind, grade=grade.value if grade else "",
        grade_source=standing.source if standing else "", opted_in=True, treatments=",".join(k.value for k in applied),
        note=note, decide_by=decide_by, agency_id=case.agency_id, region_code=case.region_code, created_at=clock.now(),
    ))
    db_session.flush()
    audit.record(db_session=db_session, clock=clock, actor=f"person:{applicant.person_id}" if staff is None else staff.ref,
                 action="credit.applied", object_kind="case", object_id=case.id,
                 details={"grade": grade.value if grade else "", "source": standing.source if standing else "",
                          "treatments": [k.value for k in applied], "lists": sorted(k.value for k in on_lists)})
    progress.push(db_session=db_session, clock=clock, case=case, step="已适用信用审批", detail=note)


def _note(grade: CreditGrade | None, applied: list[ListKind], on_lists: dict[ListKind, int]) -> str:
    if grade is None:
        return "未查询到有效的信用等级，按一般程序办理。"
    if grade not in GOOD:
        return f"信用等级为{grade.label}，按一般程序办理。"
    if not applied:
        return f"信用等级为{grade.label}，但本事项未列入即审即批、免审或容缺受理清单，按一般程序办理。"
    parts = "、".join(k.label.split("（")[0] for k in applied)
    text = f"信用等级为{grade.label}，本事项适用：{parts}。"
    if ListKind.instant in applied:
        text += "将在受理当日作出决定。"
    if ListKind.tolerant in applied:
        text += "次要材料欠缺的可先行受理，按告知的期限补齐。"
    return text


def _open_pledge_check(db_session: Session, clock: Clock, case, subject: Subject, days: int) -> PledgeCheck:
    due = workdays.add_working_days(db_session=db_session, start=clock.today(), days=days).due
    check = PledgeCheck(case_id=case.id, subject_kind=subject.kind, subject_hash=subject.key, subject_masked=subject.masked,
                        agency_id=case.agency_id, region_code=case.region_code, due_on=due, state="pending",
                        finding="", checked_by="", created_at=clock.now())
    db_session.add(check)
    db_session.flush()
    return check


def treatment_of(*, db_session: Session, case_id: int) -> CreditTreatment | None:
    return db_session.scalar(select(CreditTreatment).where(CreditTreatment.case_id == case_id))
