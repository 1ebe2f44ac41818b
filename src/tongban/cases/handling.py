"""Acceptance and review by staff: accept, refuse, one supplement notice, tolerant acceptance, on-site checks,
special procedures and opinions (CASE-06 … CASE-12; 002 8.4-8.5; 004)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from tongban.accounts.access import Permission, StaffActor
from tongban.cases import applicants, clocks, lifecycle, notices, payments, progress
from tongban.cases.enums import CaseState, EventKind, MaterialStatus, Opinion
from tongban.cases.models import Case, CaseMaterial, CasePost
from tongban.cases.service import material_lines_of, materials_of
from tongban.catalog import service as catalog
from tongban.catalog import reads as catalog_reads
from tongban.catalog.schemas import ItemContent
from tongban.core.clock import SHANGHAI, Clock
from tongban.core.config import get_settings
from tongban.core.errors import Conflict, InvalidInput
from tongban.workdays import service as workdays

S = CaseState
MAX_REASON = 2000


@dataclass(frozen=True)
class Missing:
    """One thing the applicant must still hand in, and why (a supplement or deficiency notice line)."""

    material_key: str
    reason: str = ""


def content_of(db_session: Session, case: Case) -> ItemContent:
    """The item's content the case was filed under."""
    return catalog.content_of_version(db_session=db_session, version_id=case.item_version_id, digest=case.item_content_sha256)


def _reason(text: str, *, required: bool, what: str) -> str:
    value = (text or "").strip()
    if required and not value:
        raise InvalidInput("REASON_REQUIRED", f"请写明{what}")
    if len(value) > MAX_REASON:
        raise InvalidInput("REASON_TOO_LONG", f"{what}最多 {MAX_REASON} 字")
    return value


def _deadline(db_session: Session, clock: Clock, deadline: date | None, default_days: int) -> date:
    today = clock.today()
    if deadline is None:
        return workdays.add_days(db_session=db_session, start=today, days=default_days, unit="working_day").due
    if deadline <= today or deadline > today + timedelta(days=180):
        raise InvalidInput("DEADLINE_RANGE", "期限应在今天之后、180 天以内")
    return deadline


def _mark_missing(db_session: Session, clock: Clock, case: Case, missing: list[Missing]) -> list[CaseMaterial]:
    if not missing:
        raise InvalidInput("NOTHING_MISSING", "请至少列出一项需要补正的材料")
    rows = {r.material_key: r for r in materials_of(db_session=db_session, case_id=case.id)}
    marked: list[CaseMaterial] = []
    for item in missing:
        row = rows.get(item.material_key)
        if row is None:
            raise InvalidInput("UNKNOWN_MATERIAL", "列出的材料不属于该办件")
        row.status, row.required, row.updated_at = MaterialStatus.missing.value, True, clock.now()
        if item.reason.strip():
            row.standard = _reason(item.reason, required=False, what="补正要求")
        marked.append(row)
    return marked


def _open_pause(db_session: Session, clock: Clock, case: Case, kind: str, name: str, note: str = "") -> None:
    clocks.open_pause(db_session=db_session, clock=clock, case=case, kind=kind, name=name, note=note)


def _close_pause(db_session: Session, clock: Clock, case: Case, kind: str) -> None:
    clocks.end_pauses(db_session=db_session, clock=clock, case=case, kind=kind)


_INSERT_POST = CasePost.__table__.insert()


def _open_posts(db_session: Session, case: Case, content: ItemContent) -> None:
    """The lead agency's post, and one per co-agency of parallel approval (CASE-20)."""
    rows = [{"case_id": case.id, "agency_id": case.agency_id, "lead": True}]
    for code in content.parallel_agencies:
        agency = catalog_reads.agency_by_code(db_session=db_session, code=code)
        if agency is not None and agency.id != case.agency_id:
            rows.append({"case_id": case.id, "agency_id": agency.id, "lead": False})
    db_session.connection().execute(_INSERT_POST, [
        {**row, "opinion": None, "reasons": "", "staff_id": None, "staff_name": "", "at": None} for row in rows
    ])


def on_site_time(value: datetime | None, clock: Clock) -> datetime:
    """When the originals are checked (CASE-10): a moment after now and within 90 days; naive times are Beijing time."""
    if value is None:
        raise InvalidInput("ON_SITE_TIME_REQUIRED", "请填写现场核验原件的时间")
    at = value if value.tzinfo is not None else value.replace(tzinfo=SHANGHAI)
    if at <= clock.now() or at > clock.now() + timedelta(days=90):
        raise InvalidInput("ON_SITE_TIME_RANGE", "现场核验时间应在现在之后、90 天以内")
    return at


def chinese_time(value: datetime) -> str:
    local = value.astimezone(SHANGHAI)
    return f"{notices.chinese_date(local.date())} {local:%H:%M}"


def accept(
    *, db_session: Session, clock: Clock, actor: StaffActor, case: Case, on_site: str = "", on_site_at: datetime | None = None,
) -> Case:
    """受理: everything required is in; the acceptance notice starts the clock. Where originals are checked on
    site, the applicant is told the time (`on_site_at`) and the place (`on_site`) (CASE-06, CASE-10)."""
    applicants.require_staff(db_session=db_session, actor=actor, case=case, permission=Permission.case_accept)
    lifecycle.require_state(case, S.submitted, action="受理")
    rows = material_lines_of(db_session=db_session, case_id=case.id)
    still = [r.name for r in rows if r.required and r.status == MaterialStatus.missing.value]
    if still:
        raise Conflict("MATERIALS_MISSING", f"材料不齐，不能直接受理：{'、'.join(still)}。请一次性告知补正或容缺受理")
    content = content_of(db_session, case)
    on_site = _reason(on_site, required=content.on_site_verification, what="现场核验原件的地点")
    check_at = on_site_time(on_site_at, clock) if content.on_site_verification else None
    # The case's new columns are set first and written with its events in one statement; nothing read
    # meanwhile depends on them, so no autoflush may write them earlier.
    with db_session.no_autoflush:
        case.accepted_at = clock.now()
        settings = get_settings()
        fee_lines, fee_event = payments.assess_fees(db_session=db_session, clock=clock, case=case, content=content,
                                                    gateway=settings.payment_gateway)
        paragraphs = ["你（单位）提交的申请材料齐全、符合法定形式，本机关决定予以受理。"]
        if case.promised_limit_days is not None or case.legal_limit_days is not None:
            limit = case.promised_limit_days or case.legal_limit_days
            unit = "个自然日" if case.limit_unit == "natural_day" else "个工作日"
            paragraphs.append(f"本机关将自受理之日起 {limit} {unit}内作出决定（特别程序所需时间不计算在内）。")
        if fee_lines:
            paragraphs.append("应缴费用：" + "；".join(f"{f.name} {f.amount_fen / 100:.2f} 元" for f in fee_lines))
        paragraphs.append("可扫描二维码或凭办件编号在政务服务网“我要查”查询办理进度。")
        document = notices.issue(
            db_session=db_session, clock=clock, case=case, kind=notices.NoticeKind.acceptance_notice, acceptor=actor.name,
            verify_base_url=settings.public_url,
            fields=[("收到材料", notices.material_lines(rows, status=MaterialStatus.provided.value)),
                    ("免提交材料", notices.material_lines(rows, status=MaterialStatus.exempted.value)),
                    ("受理日期", notices.chinese_date(clock.today()))],
            paragraphs=paragraphs,
        )
        clocks.start(db_session=db_session, clock=clock, case=case)
        events = [fee_event] if fee_event is not None else []
        events.append(lifecycle.Entry(EventKind.accepted, actor.ref, actor.name, to_state=S.accepted, document_id=document.id))
        lifecycle.append(db_session=db_session, clock=clock, case=case, entries=events)
        _open_posts(db_session, case, content)
        check = ""
        if check_at is not None:
            check = f"请于{chinese_time(check_at)}到{on_site}核验原件。"
            _on_site_notice(db_session, clock, actor, case, check_at, on_site)
        progress.push(db_session=db_session, clock=clock, case=case, step="已受理", sms=bool(check),
                      detail=f"受理通知书已发送，请在“我的办件”中查看。{check}")
    db_session.flush()
    return case


def _on_site_notice(db_session: Session, clock: Clock, actor: StaffActor, case: Case, at: datetime, place: str) -> None:
    """Tell the applicant when and where originals are checked (CASE-10)."""
    document = notices.issue(
        db_session=db_session, clock=clock, case=case, kind=notices.NoticeKind.on_site_check_notice, acceptor=actor.name,
        fields=[("核验时间", chinese_time(at)), ("核验地点", place)],
        paragraphs=["请携带申请材料原件和本人有效身份证件，按上述时间到指定地点核验。"],
    )
    lifecycle.record(db_session=db_session, clock=clock, case=case, kind=EventKind.on_site_check_scheduled, actor_ref=actor.ref,
                     actor_name=actor.name, reason=f"{chinese_time(at)}，{place}", document_id=document.id,
                     data={"at": at.astimezone(SHANGHAI).isoformat(), "place": place})


@dataclass(frozen=True)
class OriginalsCheck:
    """The on-site check of originals set at acceptance, and who recorded it done and when (CASE-10)."""

    at: str  # when and where the applicant was asked to come, as told
    place: str
    checked_by: str = ""
    checked_at: datetime | None = None

    @property
    def done(self) -> bool:
        return self.checked_at is not None


def originals_check(*, db_session: Session, case: Case) -> OriginalsCheck | None:
    """The case's check of originals; None where acceptance asked for none."""
    found: OriginalsCheck | None = None
    for event in lifecycle.events_of(db_session=db_session, case_id=case.id):
        if event.kind == EventKind.on_site_check_scheduled.value:
            at = datetime.fromisoformat(event.data["at"]) if event.data.get("at") else None
            found = OriginalsCheck(chinese_time(at) if at else "", event.data.get("place", ""))
        elif event.kind == EventKind.originals_checked.value and found is not None:
            found = OriginalsCheck(found.at, found.place, event.actor_name, event.at)
    return found


CHECKABLE = (S.accepted, S.accepted_with_deficiency, S.under_review, S.special_procedure)


def record_originals_checked(*, db_session: Session, clock: Clock, actor: StaffActor, case: Case, note: str = "") -> Case:
    """原件已核验: the window (or the reviewer) has seen the originals; recorded as a step with who and when,
    and the applicant is told. An approval waits for it where acceptance asked for the check (CASE-10)."""
    permission = Permission.case_accept if actor.has(Permission.case_accept) else Permission.case_review
    applicants.require_staff(db_session=db_session, actor=actor, case=case, permission=permission)
    lifecycle.require_state(case, *CHECKABLE, action="记录原件已核验")
    check = originals_check(db_session=db_session, case=case)
    if check is None:
        raise Conflict("ORIGINALS_CHECK_NOT_SET", "该办件受理时未要求现场核验原件，无需记录")
    if check.done:
        raise Conflict("ORIGINALS_ALREADY_CHECKED",
                       f"原件已由{check.checked_by}于{chinese_time(check.checked_at)}核验，无需重复记录")
    note = _reason(note, required=False, what="核验说明")
    lifecycle.record(db_session=db_session, clock=clock, case=case, kind=EventKind.originals_checked, actor_ref=actor.ref,
                     actor_name=actor.name, reason=note or "申请材料原件已当面核验，与提交的材料一致",
                     data={"checked_at": clock.now().astimezone(SHANGHAI).isoformat()})
    progress.push(db_session=db_session, clock=clock, case=case, step="原件已核验",
                  detail="现场核验原件已完成，办件继续办理。")
    db_session.flush()
    return case


def require_originals_checked(*, db_session: Session, case: Case) -> None:
    """Before an approval: where acceptance asked for the check of originals, it must be recorded (CASE-10)."""
    check = originals_check(db_session=db_session, case=case)
    if check is not None and not check.done:
        raise Conflict("ORIGINALS_NOT_CHECKED",
                       f"申请材料原件尚未核验（约定{check.at}在{check.place}核验）：请先记录“原件已核验”，再作出准予决定")


def refuse(*, db_session: Session, clock: Clock, actor: StaffActor, case: Case, reasons: str) -> Case:
    """不予受理 with written reasons (CASE-06)."""
    applicants.require_staff(db_session=db_session, actor=actor, case=case, permission=Permission.case_accept)
    lifecycle.require_state(case, S.submitted, S.supplement_requested, action="不予受理")
    reasons = _reason(reasons, required=True, what="不予受理的理由")
    agency = catalog_reads.find_agency(db_session=db_session, agency_id=case.agency_id)
    document = notices.issue(
        db_session=db_session, clock=clock, case=case, kind=notices.NoticeKind.refusal_notice, acceptor=actor.name,
        fields=[("不予受理理由", reasons)],
        paragraphs=["经审查，你（单位）的申请不予受理。如不服本决定，可以依法申请行政复议或者提起行政诉讼。",
                    f"如有疑问请联系：{agency.consult_phone if agency and agency.consult_phone else agency.name if agency else ''}"],
    )
    _close_pause(db_session, clock, case, "supplement")
    lifecycle.record(db_session=db_session, clock=clock, case=case, kind=EventKind.refused, to_state=S.refused,
                     actor_ref=actor.ref, actor_name=actor.name, reason=reasons, document_id=document.id)
    case.closed_at = clock.now()
    progress.push(db_session=db_session, clock=clock, case=case, step="不予受理", detail=f"理由：{reasons}", result=True)
    db_session.flush()
    return case


def request_supplement(
    *, db_session: Session, clock: Clock, actor: StaffActor, case: Case, missing: list[Missing], deadline: date | None = None,
) -> Case:
    """一次性告知: every missing item, its standard and the deadline in one notice (CASE-06, CASE-09)."""
    applicants.require_staff(db_session=db_session, actor=actor, case=case, permission=Permission.case_accept)
    lifecycle.require_state(case, S.submitted, action="要求补正")
    marked = _mark_missing(db_session, clock, case, missing)
    case.supplement_deadline = _deadline(db_session, clock, deadline, default_days=5)
    lines = "；".join(f"{i}. {r.name}：{r.standard or '按申请材料要求提交'}" for i, r in enumerate(marked, 1))
    document = notices.issue(
        db_session=db_session, clock=clock, case=case, kind=notices.NoticeKind.supplement_notice, acceptor=actor.name,
        fields=[("需补正的材料及标准", lines), ("补正期限", notices.chinese_date(case.supplement_deadline))],
        paragraphs=["你（单位）提交的申请材料不齐全或者不符合法定形式，现一次性告知需要补正的全部内容。",
                    "请在补正期限内通过政务服务网或到窗口补正；补正期间不计入办理时限。"],
    )
    _open_pause(db_session, clock, case, "supplement", "补正材料")
    lifecycle.record(db_session=db_session, clock=clock, case=case, kind=EventKind.supplement_requested,
                     to_state=S.supplement_requested, actor_ref=actor.ref, actor_name=actor.name, reason=lines,
                     data={"materials": [r.material_key for r in marked], "deadline": case.supplement_deadline.isoformat()},
                     document_id=document.id)
    progress.push(db_session=db_session, clock=clock, case=case, step="需要补正材料", sms=True,
                  detail=f"请在{notices.chinese_date(case.supplement_deadline)}前补正：{lines}")
    db_session.flush()
    return case


def accept_with_deficiency(
    *, db_session: Session, clock: Clock, actor: StaffActor, case: Case, missing: list[Missing], deadline: date | None = None,
) -> Case:
    """容缺受理: accepted now; the secondary items missing must come by the deadline (CASE-07)."""
    applicants.require_staff(db_session=db_session, actor=actor, case=case, permission=Permission.case_accept)
    lifecycle.require_state(case, S.submitted, action="容缺受理")
    marked = _mark_missing(db_session, clock, case, missing)
    content = content_of(db_session, case)
    case.deficiency_deadline = _deadline(db_session, clock, deadline, default_days=10)
    case.accepted_at = clock.now()
    lines = "；".join(f"{i}. {r.name}：{r.standard or '按申请材料要求提交'}" for i, r in enumerate(marked, 1))
    document = notices.issue(
        db_session=db_session, clock=clock, case=case, kind=notices.NoticeKind.deficiency_notice, acceptor=actor.name,
        fields=[("容缺材料及标准", lines), ("补齐期限", notices.chinese_date(case.deficiency_deadline))],
        paragraphs=["你（单位）的申请主要材料齐全，本机关决定容缺受理。",
                    "请在期限内补齐上述材料；逾期未补齐的，本机关将依法作出不予许可的决定并说明理由。"],
    )
    payments.assess(db_session=db_session, clock=clock, case=case, content=content)
    lifecycle.record(db_session=db_session, clock=clock, case=case, kind=EventKind.accepted_with_deficiency,
                     to_state=S.accepted_with_deficiency, actor_ref=actor.ref, actor_name=actor.name, reason=lines,
                     data={"materials": [r.material_key for r in marked], "deadline": case.deficiency_deadline.isoformat()},
                     document_id=document.id)
    _open_posts(db_session, case, content)
    clocks.start(db_session=db_session, clock=clock, case=case)
    progress.push(db_session=db_session, clock=clock, case=case, step="已容缺受理", sms=True,
                  detail=f"请在{notices.chinese_date(case.deficiency_deadline)}前补齐：{lines}")
    db_session.flush()
    return case


def exempt_from_review(*, db_session: Session, clock: Clock, case: Case, reason: str, decide_by: date | None = None) -> Case:
    """免审 for this case (credit approval, CRED-04): after acceptance it waits for the decider, not a reviewer, and a
    decider decides it straight away (see `decisions.decide`); `decide_by`, a day sooner than the limit (即审即批),
    puts it first in the queues. A parallel approval still waits for the co-agencies' opinions. Not a step of the
    case: set while it is submitted or waiting to be accepted, and shown to staff with the reason."""
    lifecycle.require_state(case, S.submitted, S.supplement_requested, action="适用免审")
    reason = (reason or "").strip()
    if not reason or len(reason) > 200:
        raise InvalidInput("EXEMPTION_REASON", "免审须写明依据（200字以内）")
    case.review_exemption, case.decide_by = reason, decide_by
    db_session.flush()
    return case


def exempt(case: Case) -> bool:
    """Whether the decider may decide this case straight after acceptance without a review step (免审)."""
    return bool(case.review_exemption)


def start_review(*, db_session: Session, clock: Clock, actor: StaffActor, case: Case) -> Case:
    applicants.require_staff(db_session=db_session, actor=actor, case=case, permission=Permission.case_review)
    lifecycle.require_state(case, S.accepted, action="开始审查")
    lifecycle.record(db_session=db_session, clock=clock, case=case, kind=EventKind.review_started, to_state=S.under_review,
                     actor_ref=actor.ref, actor_name=actor.name)
    progress.push(db_session=db_session, clock=clock, case=case, step="进入审查")
    db_session.flush()
    return case


def record_opinion(
    *, db_session: Session, clock: Clock, actor: StaffActor, case: Case, opinion: Opinion, reasons: str,
) -> None:
    """审查意见 against the item's review standard; in parallel approval, each agency its own (CASE-11, CASE-20)."""
    applicants.require_staff(db_session=db_session, actor=actor, case=case, permission=Permission.case_review, lead=False)
    lifecycle.require_state(case, S.under_review, action="提出审查意见")
    reasons = _reason(reasons, required=True, what="审查意见")
    agency_id = actor.agency_id if actor.agency_id is not None else case.agency_id
    post = db_session.connection().execute(_POST_OF, {"case_key": case.id, "agency_key": agency_id}).first()
    if post is None:
        raise InvalidInput("NO_POST", "本机构不是该办件的审查部门")
    if post.opinion is not None and post.staff_id != actor.staff_id:
        raise Conflict("OPINION_GIVEN", f"本部门已由{post.staff_name}提出审查意见")
    agency = notices.agency_lines(db_session=db_session, agency_id=agency_id)
    standard = content_of(db_session, case).review_standard  # what the opinion was given against, kept with it
    lifecycle.record(db_session=db_session, clock=clock, case=case, kind=EventKind.opinion_recorded, actor_ref=actor.ref,
                     actor_name=actor.name, reason=reasons,
                     data={"opinion": opinion.value, "agency": agency.name if agency else "", "lead": post.lead,
                           "review_standard": standard})
    values = {"opinion": opinion.value, "reasons": reasons, "staff_id": actor.staff_id, "staff_name": actor.name,
              "at": clock.now()}
    # ORM bulk UPDATE by primary key: one UPDATE, and a post this session already holds as an object shows it.
    db_session.execute(_UPDATE_POST, [{"id": post.id, **values}])
    db_session.flush()


_POST = CasePost.__table__
# Built once: a statement made per call spends more on its cache key than the database on the query.
_POST_OF = select(_POST.c.id, _POST.c.lead, _POST.c.opinion, _POST.c.staff_id, _POST.c.staff_name).where(
    _POST.c.case_id == bindparam("case_key"), _POST.c.agency_id == bindparam("agency_key"))
_UPDATE_POST = update(CasePost)


def start_special_procedure(
    *, db_session: Session, clock: Clock, actor: StaffActor, case: Case, name: str, note: str = "",
) -> Case:
    """特别程序 (hearing, expert review, site survey …): the applicant is told; the clock stops (CASE-11)."""
    applicants.require_staff(db_session=db_session, actor=actor, case=case, permission=Permission.case_review)
    lifecycle.require_state(case, S.under_review, action="启动特别程序")
    content = content_of(db_session, case)
    name = _reason(name, required=True, what="特别程序名称")
    allowed = {p.name: p for p in content.special_procedures}
    if allowed and name not in allowed:
        raise InvalidInput("PROCEDURE_UNKNOWN", f"该事项的特别程序为：{'、'.join(allowed)}")
    note = _reason(note, required=False, what="说明")
    limit = allowed[name].max_days if name in allowed else None
    document = notices.issue(
        db_session=db_session, clock=clock, case=case, kind=notices.NoticeKind.special_procedure_notice,
        fields=[("特别程序", name), ("预计时间", f"不超过 {limit} 日" if limit else "以实际需要为准"), ("说明", note or "无")],
        paragraphs=["根据有关规定，你（单位）的申请需要履行上述特别程序，所需时间不计算在办理时限内。"],
    )
    _open_pause(db_session, clock, case, "special_procedure", name, note)
    lifecycle.record(db_session=db_session, clock=clock, case=case, kind=EventKind.special_procedure_started,
                     to_state=S.special_procedure, actor_ref=actor.ref, actor_name=actor.name, reason=f"{name}：{note}".rstrip("："),
                     document_id=document.id)
    progress.push(db_session=db_session, clock=clock, case=case, step=f"进入特别程序（{name}）", sms=True,
                  detail=f"预计{'不超过 ' + str(limit) + ' 日' if limit else '以实际需要为准'}，该期间不计入办理时限。")
    db_session.flush()
    return case


def end_special_procedure(*, db_session: Session, clock: Clock, actor: StaffActor, case: Case, outcome: str) -> Case:
    applicants.require_staff(db_session=db_session, actor=actor, case=case, permission=Permission.case_review)
    lifecycle.require_state(case, S.special_procedure, action="结束特别程序")
    outcome = _reason(outcome, required=True, what="特别程序的结果")
    _close_pause(db_session, clock, case, "special_procedure")
    lifecycle.record(db_session=db_session, clock=clock, case=case, kind=EventKind.special_procedure_ended,
                     to_state=S.under_review, actor_ref=actor.ref, actor_name=actor.name, reason=outcome)
    clocks.recompute(db_session=db_session, clock=clock, case=case)
    progress.push(db_session=db_session, clock=clock, case=case, step="特别程序结束", detail="办件恢复计时，继续审查。")
    db_session.flush()
    return case
