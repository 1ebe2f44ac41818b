"""送达 of results: download in the space, window pickup with ID check, 24-hour locker code, post with tracking (CASE-16; 002 8.7)."""

from __future__ import annotations

import hmac
import re
import secrets
from datetime import timedelta

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from tongban.accounts import identity, persons
from tongban.accounts.access import Permission, StaffActor
from tongban.cases import applicants, hooks, lifecycle, payments, progress
from tongban.cases.enums import CaseState, DeliveryStatus, EventKind
from tongban.cases.models import Case, CaseDelivery
from tongban.catalog.enums import DeliveryMethod
from tongban.core import limits
from tongban.core.clock import SHANGHAI, Clock
from tongban.core.errors import Conflict, Forbidden, InvalidInput, NotFound

# "24-hour" is when the locker can be reached (24小时自助存取柜, 002 8.7.2 b), not how long a code lasts. A
# compartment is shared, so a result waits in it for this holding period; one not collected by then goes back to
# the results window (8.7.2 a), where the applicant collects it with their ID. The code works until then.
LOCKER_HOLDING_DAYS = 15
LOCKER_HOLDING = timedelta(days=LOCKER_HOLDING_DAYS)

# Six digits are a million codes. Wrong codes are counted per address, so one stranger stops after a few, and per
# code across all addresses, so many together get 20 guesses at one code (1 in 50,000). A code that has used its
# guesses stops opening; the applicant gets a new one on their phone (renew_locker_code), so nobody can lock
# them out, and a correct code typed at another address is never slowed by a stranger's mistakes.
LOCKER_FROM = limits.Limit("locker-from", 5, timedelta(hours=1), "LOCKER_TOO_MANY",
                           "取件码输错次数过多，请一小时后再试；申请人也可以在“我的办件”中重新获取取件码")
LOCKER_GUESSES = limits.Limit("locker-guesses", 20, LOCKER_HOLDING)
LOCKER_RENEWALS = limits.Limit("locker-renew", 5, timedelta(days=1), "LOCKER_RENEW_TOO_MANY",
                               "今天重新获取取件码的次数已用完，请明天再试，或持有效身份证件到综合出件窗口领取")
# One answer for an unknown case number, a case whose result is not waiting in a locker and a wrong or stopped
# code: the locker tells a stranger nothing about which case numbers exist or where their results are.
LOCKER_REFUSED = "办件编号或取件码不正确，或取件码已停用。申请人可以在“我的办件”中重新获取取件码（会发送到手机）"


def of(*, db_session: Session, case_id: int) -> CaseDelivery | None:
    return db_session.scalar(select(CaseDelivery).where(CaseDelivery.case_id == case_id))


def _require(db_session: Session, case_id: int) -> CaseDelivery:
    row = of(db_session=db_session, case_id=case_id)
    if row is None:
        raise NotFound("DELIVERY_NOT_READY", "该办件尚无可送达的结果")
    return row


def prepare(*, db_session: Session, clock: Clock, case: Case) -> lifecycle.Entry:
    """After approval: the result waits in the chosen way (download unless the applicant chose otherwise).
    Returns the `delivery_prepared` event, which the caller records with its decision."""
    method = DeliveryMethod(case.delivery_method) if case.delivery_method else DeliveryMethod.online_download
    values = {
        "case_id": case.id, "method": method.value, "status": DeliveryStatus.ready.value, "locker_code": None,
        "locker_expires_at": None, "address": None, "carrier": "", "tracking_number": "",
        "note": "", "prepared_at": clock.now(), "delivered_at": None, "delivered_by": "",
    }
    if method is DeliveryMethod.locker:
        values.update(locker_code=_new_code(), locker_expires_at=clock.now() + LOCKER_HOLDING)
        progress.push(db_session=db_session, clock=clock, case=case, step="可到24小时自助柜领取", sms=True,
                      detail=_code_detail(values["locker_code"], values["locker_expires_at"]))
    db_session.connection().execute(_INSERT_DELIVERY, values)
    return lifecycle.Entry(EventKind.delivery_prepared, "system", "系统", reason=method.label)


_DELIVERY = CaseDelivery.__table__
_INSERT_DELIVERY = _DELIVERY.insert()


def _new_code() -> str:
    return f"{secrets.randbelow(10**6):06d}"


def _code_detail(code: str, holding_ends) -> str:
    until = holding_ends.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")
    return (f"取件码 {code}，领取前一直有效；请在 {until} 前领取（自助柜保管{LOCKER_HOLDING_DAYS}日，"
            "逾期退回综合出件窗口，凭有效身份证件领取）。")


def _require_paid(db_session: Session, case: Case, *, settled: bool | None = None) -> None:
    """`settled`: what the caller already read (`payments.settled`); otherwise it is read now."""
    if settled is None:
        settled = payments.is_settled(db_session=db_session, case=case)
    if not settled:
        raise Conflict("FEE_UNPAID", "请先缴纳费用，再领取办理结果")


def _complete(db_session: Session, clock: Clock, case: Case, row, actor_ref: str, actor_name: str, note: str,
              **extra) -> Case:
    """Close the case as delivered and mark its delivery row (an object, or a row read for this step) with
    `extra` columns, in one UPDATE after the case's: an ORM bulk UPDATE by primary key, so the delivery object
    this session holds, if any, shows the values as stored."""
    held = hooks.delivery_hold(db_session=db_session, case=case)
    if held:
        raise Conflict("DELIVERY_HELD", held)
    case.closed_at = clock.now()
    lifecycle.record(db_session=db_session, clock=clock, case=case, kind=EventKind.delivered, to_state=CaseState.delivered,
                     actor_ref=actor_ref, actor_name=actor_name, reason=note)
    values = {"status": DeliveryStatus.delivered.value, "delivered_at": clock.now(), "delivered_by": actor_ref, "note": note,
              **extra}
    db_session.execute(_UPDATE_DELIVERY, [{"id": row.id, **values}])
    progress.push(db_session=db_session, clock=clock, case=case, step="已送达", detail=note, result=True)
    db_session.flush()
    return case


_UPDATE_DELIVERY = update(CaseDelivery)
_DOWNLOADABLE = select(_DELIVERY.c.id, _DELIVERY.c.status, _DELIVERY.c.method,
                       payments.latest_status_of(_DELIVERY.c.case_id).label("payment_status")).where(
    _DELIVERY.c.case_id == bindparam("case_key"))


def downloaded(*, db_session: Session, clock: Clock, case: Case, actor_ref: str, actor_name: str) -> None:
    """The applicant downloaded the result in their space: that is delivery when they chose download."""
    row = db_session.connection().execute(_DOWNLOADABLE, {"case_key": case.id}).first()
    if row is None or row.status == DeliveryStatus.delivered.value or row.method != DeliveryMethod.online_download.value:
        return
    _require_paid(db_session, case, settled=payments.settled(case, row.payment_status))
    _complete(db_session, clock, case, row, actor_ref, actor_name, "申请人在个人空间下载了办理结果")


def pickup_at_window(*, db_session: Session, clock: Clock, actor: StaffActor, case: Case, id_kind: str, id_number: str) -> Case:
    """Window pickup: the ID card shown must be the applicant's, or the organisation's agent's."""
    applicants.require_staff(db_session=db_session, actor=actor, case=case, permission=Permission.case_dispatch)
    row = _pending(db_session, case, DeliveryMethod.window_pickup)
    _require_paid(db_session, case)
    number = identity.validate(id_kind, id_number, nationality="XXX").number
    allowed = {applicants.applicant_hash(case.applicant_identifier)}
    if case.person_id is not None:
        allowed.add(applicants.applicant_hash(persons.get(db_session=db_session, person_id=case.person_id).id_number))
    if applicants.applicant_hash(number) not in allowed:
        raise Forbidden("ID_MISMATCH", "领取人证件与申请人（经办人）不一致，不能领取")
    return _complete(db_session, clock, case, row, actor.ref, actor.name, f"窗口领取，已核验领取人证件（{identity.mask(id_kind, number)}）")


def _guesses_key(row: CaseDelivery) -> str:
    return f"{row.case_id}:{row.locker_code}"  # a new code starts with all its guesses


def _waiting_in_locker(db_session: Session, case_number: str) -> tuple[Case, CaseDelivery] | None:
    case = db_session.scalar(select(Case).where(Case.case_number == (case_number or "").strip().upper()))
    row = None if case is None else of(db_session=db_session, case_id=case.id)
    if (row is None or case.state != CaseState.approved.value or row.method != DeliveryMethod.locker.value
            or row.status != DeliveryStatus.ready.value or not row.locker_code):
        return None
    return case, row


def locker_pickup(*, db_session: Session, clock: Clock, case_number: str, code: str, client_ip: str) -> Case:
    """At the 24-hour locker: the code sent to the applicant opens it once, until the holding period ends.

    Counts go in the caller's transaction; every refusal commits them before raising, and the caller commits a
    successful pickup."""
    code = (code or "").strip()
    if not re.fullmatch(r"\d{6}", code):
        raise InvalidInput("LOCKER_CODE_FORMAT", "取件码为 6 位数字")
    limits.check(db_session=db_session, clock=clock, limit=LOCKER_FROM, key=client_ip)
    found = _waiting_in_locker(db_session, case_number)
    if found is not None:
        case, row = found
        guesses = limits.count(db_session=db_session, clock=clock, limit=LOCKER_GUESSES, key=_guesses_key(row))
        if guesses < LOCKER_GUESSES.max and hmac.compare_digest(row.locker_code, code):
            return _open_locker(db_session, clock, case, row)
        limits.hit(db_session=db_session, clock=clock, limit=LOCKER_GUESSES, key=_guesses_key(row))
    limits.hit(db_session=db_session, clock=clock, limit=LOCKER_FROM, key=client_ip)
    limits.refuse(db_session, Forbidden("LOCKER_PICKUP_REFUSED", LOCKER_REFUSED))


def _open_locker(db_session: Session, clock: Clock, case: Case, row: CaseDelivery) -> Case:
    """The right code: only its holder learns that the holding period is over or the fee is unpaid."""
    if row.locker_expires_at is None or clock.now() > row.locker_expires_at:
        raise Conflict("LOCKER_HOLDING_ENDED", "自助柜保管期已过，办理结果已退回综合出件窗口，请持有效身份证件到窗口领取")
    _require_paid(db_session, case)
    return _complete(db_session, clock, case, row, "locker", "24小时自助柜", "凭取件码在24小时自助柜领取")


def renew_locker_code(*, db_session: Session, clock: Clock, case: Case) -> CaseDelivery:
    """The applicant (the caller has checked it is theirs) asks for a new code, sent to their phone: a code that a
    stranger's guesses stopped is replaced. The holding period does not start again."""
    row = _pending(db_session, case, DeliveryMethod.locker)
    if row.locker_expires_at is None or clock.now() > row.locker_expires_at:
        raise Conflict("LOCKER_HOLDING_ENDED", "自助柜保管期已过，办理结果已退回综合出件窗口，请持有效身份证件到窗口领取")
    limits.take_or_refuse(db_session=db_session, clock=clock, limit=LOCKER_RENEWALS, key=str(case.id))
    row.locker_code = _new_code()
    progress.push(db_session=db_session, clock=clock, case=case, step="取件码已更新", sms=True,
                  detail=_code_detail(row.locker_code, row.locker_expires_at))
    db_session.flush()
    return row


def reissue_locker_code(*, db_session: Session, clock: Clock, actor: StaffActor, case: Case) -> CaseDelivery:
    """Staff place the result in a locker again (also after the holding period): a new code and a new period."""
    applicants.require_staff(db_session=db_session, actor=actor, case=case, permission=Permission.case_dispatch)
    row = _pending(db_session, case, DeliveryMethod.locker)
    row.locker_code, row.locker_expires_at = _new_code(), clock.now() + LOCKER_HOLDING
    progress.push(db_session=db_session, clock=clock, case=case, step="取件码已更新", sms=True,
                  detail=_code_detail(row.locker_code, row.locker_expires_at))
    db_session.flush()
    return row


def post(
    *, db_session: Session, clock: Clock, actor: StaffActor, case: Case, carrier: str, tracking_number: str, address: str,
) -> Case:
    """Posted with a tracking number (邮政EMS等): recorded as delivered to the carrier with the number."""
    applicants.require_staff(db_session=db_session, actor=actor, case=case, permission=Permission.case_dispatch)
    row = _pending(db_session, case, DeliveryMethod.post)
    _require_paid(db_session, case)
    carrier, tracking_number, address = carrier.strip(), tracking_number.strip().upper(), address.strip()
    if not carrier or len(carrier) > 40:
        raise InvalidInput("CARRIER", "请填写寄递企业（40 字以内）")
    if not re.fullmatch(r"[A-Z0-9]{8,30}", tracking_number):
        raise InvalidInput("TRACKING_NUMBER", "运单号应为 8–30 位字母或数字")
    if not address or len(address) > 300:
        raise InvalidInput("ADDRESS", "请填写收件地址（300 字以内）")
    return _complete(db_session, clock, case, row, actor.ref, actor.name, f"已交{carrier}寄出，运单号 {tracking_number}",
                     carrier=carrier, tracking_number=tracking_number, address=address)


def _pending(db_session: Session, case: Case, method: DeliveryMethod) -> CaseDelivery:
    lifecycle.require_state(case, CaseState.approved, action="送达")
    row = _require(db_session, case.id)
    if row.method != method.value:
        raise Conflict("DELIVERY_METHOD", f"该办件的送达方式为“{DeliveryMethod(row.method).label}”")
    return row
