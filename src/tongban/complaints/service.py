"""Complaints (投诉, 002 8.8.4–8.8.5; RATE-04, RATE-05): filing from every channel, who may see what, the handling
steps (verify → assign → dispose → answer both sides → archive), the anonymous look-up and the complaint rate.
One rule for the pages and the API."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tongban.accounts import verification
from tongban.accounts.access import Permission, PersonActor, StaffActor, region_prefix
from tongban.appointments import halls
from tongban.cases import reads as case_reads
from tongban.catalog import reads as catalog_reads
from tongban.catalog import regions
from tongban.complaints.common import ANSWER_MAX, TEXT_MAX, clean_text, due_after, item_or_none, phone, warning
from tongban.complaints.enums import SELF_SERVICE_CHANNELS, Channel, ComplaintState, ComplaintStep
from tongban.complaints.models import Complaint, ComplaintStepRecord
from tongban.core import limits
from tongban.core.clock import Clock
from tongban.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from tongban.notify import service as notify
from tongban.notify.sms import SmsGateway
from tongban.supervision import flags

UNKNOWN = "没有找到这个投诉，请核对投诉编号"
LOOKUPS_FROM = limits.Limit("complaint-lookup", 60, timedelta(hours=1), "COMPLAINT_LOOKUP_TOO_MANY",
                            "查询过于频繁，请一小时后再试")
CODE_PER_COMPLAINT = limits.Limit("complaint-code", 10, timedelta(hours=1), "COMPLAINT_CODE_LOCKED",
                                  "这个投诉的查询码输错次数过多，请一小时后再试；也可以拨打 12345 热线查询")
CODE_FROM = limits.Limit("complaint-code-from", 20, timedelta(hours=1), "COMPLAINT_CODE_LOCKED",
                         "查询码输错次数过多，请一小时后再试")
# The steps whose clock runs, and which due date it runs against.
RUNNING = {ComplaintState.registered: "verify_due", ComplaintState.verified: "dispose_due",
           ComplaintState.assigned: "dispose_due", ComplaintState.disposed: "answer_due",
           ComplaintState.invalid: "answer_due"}


@dataclass(frozen=True)
class ComplaintIn:
    """A complaint as filed: against an agency (required), optionally an item, a case number and a hall."""

    content: str
    agency_id: int | None
    channel: str = "web"
    item_id: int | None = None
    case_number: str = ""
    hall_id: int | None = None
    contact_name: str = ""
    contact_phone: str = ""
    sms_code: str = ""
    disclose_identity: bool = False


def _channel(value: str) -> Channel:
    try:
        return Channel(value)
    except ValueError:
        raise InvalidInput("BAD_CHANNEL", f"渠道只能是：{'、'.join(c.label for c in Channel)}") from None


def send_code(*, db_session: Session, clock: Clock, gateway: SmsGateway, phone_number: str, client_ip: str) -> None:
    """An SMS code that proves an anonymous complainant holds the phone they leave (the platform's code limits)."""
    verification.send_code(db_session=db_session, clock=clock, gateway=gateway, phone=phone(phone_number, required=True),
                           purpose=verification.CodePurpose.complaint, client_ip=client_ip)


def _step(db_session: Session, clock: Clock, complaint: Complaint, kind: ComplaintStep, author: str,
          author_name: str = "", body: str = "", data: dict | None = None) -> None:
    db_session.add(ComplaintStepRecord(complaint_id=complaint.id, at=clock.now(), kind=kind.value, author=author,
                                       author_name=author_name, body=body, data=data or {}))
    complaint.updated_at = clock.now()


def _case_number(value: str) -> str:
    text = (value or "").strip()
    if len(text) > 40 or (text and not text.replace("-", "").isalnum()):
        raise InvalidInput("BAD_CASE_NUMBER", "办件编号格式不正确，请核对后填写（只含字母、数字和短横线）")
    return text.upper()


def file_complaint(*, db_session: Session, clock: Clock, complaint_in: ComplaintIn, person: PersonActor | None = None,
                   staff: StaffActor | None = None) -> Complaint:
    """Register a complaint at once (统一受理, 8.8.5 a). People file on the web or mobile signed in, or leaving a phone
    proved by an SMS code; staff enter hotline calls, letters, e-mails and SMS for the caller. The verification is
    due in `complaint_verify_days` working days. Tell the check code (`complaint.check_code`) to whoever filed it."""
    channel = _channel(complaint_in.channel)
    if channel not in SELF_SERVICE_CHANNELS:
        if staff is None:
            raise Forbidden("STAFF_CHANNEL", "热线、来信、电子邮件和短信投诉由工作人员代为登记")
        if not (staff.has(Permission.supervise) or staff.has(Permission.consult_answer)):
            raise Forbidden("NOT_PERMITTED", "您的岗位没有这项操作的权限")
    content = clean_text(complaint_in.content, what="投诉内容", limit=TEXT_MAX, code="CONTENT")
    name = clean_text(complaint_in.contact_name, what="投诉人姓名", limit=50, required=False, code="NAME")
    number = phone(complaint_in.contact_phone)
    if complaint_in.agency_id is None:
        raise InvalidInput("AGENCY_REQUIRED", "请选择被投诉的部门")
    agency = catalog_reads.find_agency(db_session=db_session, agency_id=complaint_in.agency_id)
    if agency is None:
        raise NotFound("AGENCY_NOT_FOUND", "没有找到被投诉的部门，请重新选择")
    item = item_or_none(db_session, complaint_in.item_id)
    if item is not None and item.agency_id != agency.id:
        raise InvalidInput("ITEM_NOT_OF_AGENCY", "所选事项不是被投诉部门实施的事项，请重新选择")
    if complaint_in.hall_id is not None:
        halls.get(db_session=db_session, hall_id=complaint_in.hall_id)
    case_number = _case_number(complaint_in.case_number)
    if case_number:
        case = case_reads.case_by_number(db_session=db_session, number=case_number)
        if case is None:
            raise InvalidInput("CASE_NOT_FOUND", "没有找到这个办件编号，请核对后填写，或不填")
        if item is None and case.agency_id == agency.id:
            item = catalog_reads.find_item(db_session=db_session, item_id=case.item_id)  # the case names its item
    if person is None and staff is None:
        if not number:
            raise InvalidInput("PHONE_REQUIRED", "未登录投诉请填写手机号码并输入短信验证码，以便反馈处理结果")
        if not (complaint_in.sms_code or "").strip():
            raise InvalidInput("SMS_CODE_REQUIRED", "请输入发送到您手机的短信验证码")
        verification.check_code(db_session=db_session, clock=clock, phone=number,
                                purpose=verification.CodePurpose.complaint, code=complaint_in.sms_code[:10])
    now = clock.now()
    complaint = Complaint(
        channel=channel.value, state=ComplaintState.registered.value, content=content,
        person_id=person.person_id if person else None, contact_name=name or (person.name if person else None),
        contact_phone=number or None, check_code=f"{secrets.randbelow(1_000_000):06d}",
        disclose_identity=bool(complaint_in.disclose_identity), agency_id=agency.id, item_id=item.id if item else None,
        case_number=case_number, hall_id=complaint_in.hall_id, region_code=agency.region_code,
        registered_by=staff.ref if staff else "", verify_due=due_after(db_session, clock.today(), "complaint_verify_days"),
        created_at=now, updated_at=now,
    )
    db_session.add(complaint)
    db_session.flush()
    complaint.number = f"TS{clock.today():%y%m%d}{complaint.id:06d}"
    author = staff.ref if staff else (person.ref if person else "complainant")
    _step(db_session, clock, complaint, ComplaintStep.registered, author, staff.name if staff else "",
          data={"channel": channel.value})
    db_session.flush()
    return complaint


# --- reading ------------------------------------------------------------------------------------------------------

def by_number(db_session: Session, number: str) -> Complaint:
    row = db_session.scalar(select(Complaint).where(Complaint.number == (number or "").strip().upper()[:20]))
    if row is None:
        raise NotFound("COMPLAINT_NOT_FOUND", UNKNOWN)
    return row


def for_person(*, db_session: Session, person: PersonActor, number: str) -> Complaint:
    """A person's own complaint; someone else's is refused without saying whether it exists."""
    row = db_session.scalar(select(Complaint).where(Complaint.number == (number or "").strip().upper()[:20]))
    if row is None or row.person_id != person.person_id:
        raise NotFound("COMPLAINT_NOT_FOUND", UNKNOWN)
    return row


def mine(*, db_session: Session, person: PersonActor, limit: int = 100) -> list[Complaint]:
    query = select(Complaint).where(Complaint.person_id == person.person_id)
    return list(db_session.scalars(query.order_by(Complaint.id.desc()).limit(limit)))


def look_up(*, db_session: Session, clock: Clock, number: str, code: str, client_ip: str) -> Complaint:
    """The complaint of `number` for whoever holds its 6-digit check code; refusals keep their counts."""
    limits.take_or_refuse(db_session=db_session, clock=clock, limit=LOOKUPS_FROM, key=client_ip)
    number = (number or "").strip().upper()[:20]
    try:
        complaint = by_number(db_session, number)
    except NotFound as exc:
        limits.refuse(db_session, exc)
    limits.answer_secret(db_session=db_session, clock=clock,
                         right=secrets.compare_digest((code or "").strip()[:8], complaint.check_code),
                         wrong=Forbidden("COMPLAINT_CODE_WRONG", "查询码不正确，请核对投诉时告知您的 6 位查询码"),
                         per_subject=CODE_PER_COMPLAINT, subject=number, per_address=CODE_FROM, address=client_ip)
    return complaint


def steps(*, db_session: Session, complaint: Complaint) -> list[ComplaintStepRecord]:
    query = select(ComplaintStepRecord).where(ComplaintStepRecord.complaint_id == complaint.id)
    return list(db_session.scalars(query.order_by(ComplaintStepRecord.id)))


def handles(actor: StaffActor, complaint: Complaint) -> bool:
    """The complaint-handling staff: supervision (管理专员) of the complained-about agency's region."""
    return actor.has(Permission.supervise) and complaint.region_code.startswith(region_prefix(actor.region_code))


def sees_identity(actor: StaffActor, complaint: Complaint) -> bool:
    """Handling staff (and whoever entered the call) see who complained; the complained-about agency only when the
    complainant agreed (8.8.5 e)."""
    return (handles(actor, complaint) or complaint.registered_by == actor.ref
            or (complaint.disclose_identity and actor.agency_id == complaint.agency_id))


def for_staff(*, db_session: Session, actor: StaffActor, complaint_id: int) -> Complaint:
    complaint = db_session.get(Complaint, complaint_id)
    if complaint is None:
        raise NotFound("COMPLAINT_NOT_FOUND", UNKNOWN)
    against_them = actor.agency_id is not None and actor.agency_id == complaint.agency_id
    if not (handles(actor, complaint) or against_them or complaint.registered_by == actor.ref):
        raise Forbidden("COMPLAINT_OUT_OF_SCOPE", "这个投诉不属于您所在的机构或地区，无权查看")
    return complaint


QUEUE_VIEWS = {"open": "处理中", "overdue": "超期与预警", "done": "已反馈与归档", "all": "全部"}
DONE = (ComplaintState.answered.value, ComplaintState.archived.value)


def queue(*, db_session: Session, clock: Clock, actor: StaffActor, view: str = "open", limit: int = 200) -> list[Complaint]:
    """Handling staff see their region's complaints; the staff of a complained-about agency see those against it."""
    if view not in QUEUE_VIEWS:
        raise InvalidInput("BAD_VIEW", f"队列只能是：{'、'.join(QUEUE_VIEWS.values())}")
    if actor.has(Permission.supervise):
        query = select(Complaint).where(Complaint.region_code.startswith(region_prefix(actor.region_code), autoescape=True))
    elif actor.agency_id is not None:
        query = select(Complaint).where(Complaint.agency_id == actor.agency_id)
    else:
        raise Forbidden("NOT_PERMITTED", "您的岗位没有这项操作的权限")
    if view == "open" or view == "overdue":
        query = query.where(Complaint.state.notin_(DONE))
    elif view == "done":
        query = query.where(Complaint.state.in_(DONE))
    rows = list(db_session.scalars(query.order_by(Complaint.id.desc()).limit(limit)))
    if view == "overdue":
        rows = [c for c in rows if complaint_warning(db_session=db_session, clock=clock, complaint=c) is not None]
    return rows


def current_due(complaint: Complaint):
    field = RUNNING.get(ComplaintState(complaint.state))
    return getattr(complaint, field) if field else None


def complaint_warning(*, db_session: Session, clock: Clock, complaint: Complaint):
    """yellow one working day before the running step is due, red after (as for cases and help tickets)."""
    due = current_due(complaint)
    return warning(db_session=db_session, clock=clock, due=due, running=due is not None)


# --- handling -----------------------------------------------------------------------------------------------------

def _handled(db_session: Session, actor: StaffActor, complaint_id: int, states: tuple[ComplaintState, ...],
             what: str) -> Complaint:
    actor.require(Permission.supervise)
    complaint = for_staff(db_session=db_session, actor=actor, complaint_id=complaint_id)
    if not handles(actor, complaint):
        raise Forbidden("NOT_HANDLER", "投诉由被投诉单位所在地区的政务服务管理机构办理，被投诉单位不能自行处理")
    if ComplaintState(complaint.state) not in states:
        raise Conflict("COMPLAINT_STATE", f"这个投诉现在是“{ComplaintState(complaint.state).label}”，不能{what}")
    return complaint


def verify(*, db_session: Session, clock: Clock, actor: StaffActor, complaint_id: int, valid: bool,
           reason: str = "") -> Complaint:
    """投诉调查 (8.8.5 b): true → verified, disposal due; untrue → an invalid complaint, with the reason."""
    complaint = _handled(db_session, actor, complaint_id, (ComplaintState.registered,), "核实")
    text = clean_text(reason, what="核实情况" if valid else "判定无效的理由", limit=ANSWER_MAX, required=not valid,
                      code="REASON")
    complaint.valid, complaint.verified_at = valid, clock.now()
    if valid:
        complaint.state = ComplaintState.verified.value
        complaint.dispose_due = due_after(db_session, clock.today(), "complaint_dispose_days")
    else:
        complaint.state, complaint.invalid_reason = ComplaintState.invalid.value, text
        complaint.answer_due = due_after(db_session, clock.today(), "complaint_answer_days")
    _step(db_session, clock, complaint, ComplaintStep.verified if valid else ComplaintStep.invalid, actor.ref,
          actor.name, text)
    db_session.flush()
    return complaint


def _management_agency(db_session: Session, region_code: str):
    return next((a for a in regions.list_agencies(db_session=db_session, region_code=region_code) if a.is_management), None)


def assign(*, db_session: Session, clock: Clock, actor: StaffActor, complaint_id: int,
           agency_id: int | None = None) -> Complaint:
    """分类处置 (8.8.5 c): 属地管理优先 — the management agency responsible for the complained-about agency's region
    handles it; 谁主管谁负责 — or the competent agency the handler names."""
    complaint = _handled(db_session, actor, complaint_id, (ComplaintState.verified,), "分办")
    home = regions.responsible_region(db_session=db_session, region_code=complaint.region_code) or complaint.region_code
    if agency_id is not None:
        target = catalog_reads.find_agency(db_session=db_session, agency_id=agency_id)
        if target is None:
            raise NotFound("AGENCY_NOT_FOUND", "没有找到要分办的部门")
        if not actor.covers(region_code=target.region_code):
            raise Forbidden("OUT_OF_SCOPE", "只能分办给本地区的部门")
        name, handler_id, home = target.name, target.id, target.region_code
    else:
        management = _management_agency(db_session, home)
        handler_id = management.id if management else None
        name = management.name if management else "本地区政务服务管理机构"
    complaint.handling_region, complaint.handling_agency_id = home, handler_id
    complaint.state = ComplaintState.assigned.value
    _step(db_session, clock, complaint, ComplaintStep.assigned, actor.ref, actor.name,
          data={"agency_id": handler_id, "agency": name, "region": home})
    db_session.flush()
    return complaint


def dispose(*, db_session: Session, clock: Clock, actor: StaffActor, complaint_id: int, finding: str,
            action: str) -> Complaint:
    """The finding (what happened) and the action taken; the answer to both sides is then due."""
    complaint = _handled(db_session, actor, complaint_id, (ComplaintState.assigned,), "处置")
    complaint.finding = clean_text(finding, what="调查结论", limit=ANSWER_MAX, code="FINDING")
    complaint.action = clean_text(action, what="处理措施", limit=ANSWER_MAX, code="ACTION")
    complaint.state, complaint.disposed_at = ComplaintState.disposed.value, clock.now()
    complaint.answer_due = due_after(db_session, clock.today(), "complaint_answer_days")
    _step(db_session, clock, complaint, ComplaintStep.disposed, actor.ref, actor.name,
          f"调查结论：{complaint.finding}\n处理措施：{complaint.action}")
    db_session.flush()
    return complaint


def answer(*, db_session: Session, clock: Clock, actor: StaffActor, complaint_id: int, to_complainant: str,
           to_agency: str = "") -> Complaint:
    """意见反馈 (8.8.5 d): the handling opinion to the complainant (SMS and their messages) and to the
    complained-about agency (its staff's complaint page, and its e-mail when it has one)."""
    complaint = _handled(db_session, actor, complaint_id, (ComplaintState.disposed, ComplaintState.invalid), "反馈")
    told = clean_text(to_complainant, what="给投诉人的反馈意见", limit=ANSWER_MAX, code="ANSWER")
    agency_text = clean_text(to_agency, what="给被投诉单位的反馈意见", limit=ANSWER_MAX, required=False, code="ANSWER")
    complaint.answer, complaint.answered_at = told, clock.now()
    complaint.state = ComplaintState.answered.value
    _step(db_session, clock, complaint, ComplaintStep.answered, actor.ref, actor.name, told)
    agency = catalog_reads.agency(db_session=db_session, agency_id=complaint.agency_id)
    to_them = agency_text or (complaint.finding and f"调查结论：{complaint.finding}；处理措施：{complaint.action}") or told
    _step(db_session, clock, complaint, ComplaintStep.agency_told, actor.ref, actor.name, to_them,
          data={"agency_id": agency.id, "agency": agency.name})
    if complaint.person_id is not None or complaint.contact_phone:
        notify.notify(db_session=db_session, clock=clock, kind="notice", person_id=complaint.person_id,
                      phone=complaint.contact_phone, link=f"/complaints/{complaint.number}",
                      fields={"title": f"投诉 {complaint.number} 处理结果",
                              "body": f"您的投诉（编号{complaint.number}）已办理完毕：{told[:200]}。可登录或凭投诉编号和查询码查看详情。"})
    if agency.email:
        notify.notify(db_session=db_session, clock=clock, kind="notice", email=agency.email, channels=("email",),
                      fields={"title": f"投诉 {complaint.number} 处置意见", "body": to_them[:1000]})
    db_session.flush()
    return complaint


def archive(*, db_session: Session, clock: Clock, actor: StaffActor, complaint_id: int) -> Complaint:
    """资料归档 (8.8.5 e): kept whole and confidential; nothing changes after this."""
    complaint = _handled(db_session, actor, complaint_id, (ComplaintState.answered,), "归档")
    complaint.state, complaint.archived_at = ComplaintState.archived.value, clock.now()
    _step(db_session, clock, complaint, ComplaintStep.archived, actor.ref, actor.name)
    db_session.flush()
    return complaint


# --- the complaint rate supervision flags (SUP-05) ------------------------------------------------------------------

class ComplaintRate:
    """投诉率: valid complaints about an item per case received for it in the period (invalid ones excluded, 8.8.7 c)."""

    kind, label, threshold, min_total = "complaint", "投诉率", 0.05, 5

    def item_rates(self, *, db_session: Session, item_ids: list[int], start: datetime, end: datetime) -> dict[int, tuple[int, int]]:
        from tongban.cases import reads as case_reads

        if not item_ids:
            return {}
        counted = db_session.execute(
            select(Complaint.item_id, func.count()).where(
                Complaint.item_id.in_(item_ids), Complaint.created_at >= start, Complaint.created_at < end,
                Complaint.valid.is_(True),
            ).group_by(Complaint.item_id)).all()
        counts = {item_id: n for item_id, n in counted}
        if not counts:
            return {}
        received: dict[int, int] = {}
        for case in case_reads.cases_active_between(db_session=db_session, start=start, end=end):
            if case.item_id in counts and start <= case.submitted_at < end:
                received[case.item_id] = received.get(case.item_id, 0) + 1
        return {item_id: (n, max(n, received.get(item_id, 0))) for item_id, n in counts.items()}


flags.register_rate_source(ComplaintRate())
