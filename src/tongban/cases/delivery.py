"""送达 of results: download in the space, window pickup with ID check, 24-hour locker code, post with tracking (CASE-16; 002 8.7)."""

from __future__ import annotations

import hmac
import re
import secrets
from datetime import timedelta

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from tongban.accounts import identity, persons
from tongban.accounts.access import Permission, StaffActor
from tongban.cases import applicants, lifecycle, payments, progress
from tongban.cases.enums import CaseState, DeliveryStatus, EventKind
from tongban.cases.models import Case, CaseDelivery
from tongban.catalog.enums import DeliveryMethod
from tongban.core.clock import Clock
from tongban.core.errors import Conflict, Forbidden, InvalidInput, NotFound

LOCKER_HOURS = 24
MAX_LOCKER_FAILURES = 5


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
        "locker_expires_at": None, "locker_failures": 0, "address": None, "carrier": "", "tracking_number": "",
        "note": "", "prepared_at": clock.now(), "delivered_at": None, "delivered_by": "",
    }
    if method is DeliveryMethod.locker:
        values.update(_locker_code(clock))
        progress.push(db_session=db_session, clock=clock, case=case, step="可到24小时自助柜领取", sms=True,
                      detail=f"取件码 {values['locker_code']}，{LOCKER_HOURS}小时内有效。")
    db_session.connection().execute(_INSERT_DELIVERY, values)
    return lifecycle.Entry(EventKind.delivery_prepared, "system", "系统", reason=method.label)


_DELIVERY = CaseDelivery.__table__
_INSERT_DELIVERY = _DELIVERY.insert()


def _locker_code(clock: Clock) -> dict:
    return {"locker_code": f"{secrets.randbelow(10**6):06d}", "locker_failures": 0,
            "locker_expires_at": clock.now() + timedelta(hours=LOCKER_HOURS)}


def _new_locker_code(row: CaseDelivery, clock: Clock) -> None:
    for name, value in _locker_code(clock).items():
        setattr(row, name, value)


def _require_paid(db_session: Session, case: Case, *, settled: bool | None = None) -> None:
    """`settled`: what the caller already read (`payments.settled`); otherwise it is read now."""
    if settled is None:
        settled = payments.is_settled(db_session=db_session, case=case)
    if not settled:
        raise Conflict("FEE_UNPAID", "请先缴纳费用，再领取办理结果")


def _complete(db_session: Session, clock: Clock, case: Case, row, actor_ref: str, actor_name: str, note: str,
              **extra) -> Case:
    """Close the case as delivered and mark its delivery row (an object, or a row read for this step) with
    `extra` columns, in one UPDATE after the case's."""
    case.closed_at = clock.now()
    lifecycle.record(db_session=db_session, clock=clock, case=case, kind=EventKind.delivered, to_state=CaseState.delivered,
                     actor_ref=actor_ref, actor_name=actor_name, reason=note)
    values = {"status": DeliveryStatus.delivered.value, "delivered_at": clock.now(), "delivered_by": actor_ref, "note": note,
              **extra}
    statement = _delivered(tuple(values)) if extra else _DELIVERED
    db_session.connection().execute(statement, {"delivery_key": row.id, **{f"new_{k}": v for k, v in values.items()}})
    if isinstance(row, CaseDelivery):
        for name, value in values.items():
            set_committed_value(row, name, value)
    progress.push(db_session=db_session, clock=clock, case=case, step="已送达", detail=note, result=True)
    db_session.flush()
    return case


def _delivered(columns: tuple[str, ...]):
    return update(_DELIVERY).where(_DELIVERY.c.id == bindparam("delivery_key")).values(
        {name: bindparam(f"new_{name}", type_=_DELIVERY.c[name].type) for name in columns})


_DELIVERED = _delivered(("status", "delivered_at", "delivered_by", "note"))
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


def locker_pickup(*, db_session: Session, clock: Clock, case: Case, code: str) -> Case:
    """At the 24-hour locker: the code sent to the applicant opens it once, within 24 hours."""
    row = _pending(db_session, case, DeliveryMethod.locker)
    _require_paid(db_session, case)
    if not re.fullmatch(r"\d{6}", (code or "").strip()):
        raise InvalidInput("LOCKER_CODE_FORMAT", "取件码为 6 位数字")
    if row.locker_expires_at is None or clock.now() > row.locker_expires_at:
        raise Conflict("LOCKER_CODE_EXPIRED", "取件码已过期，请联系窗口重新发放")
    if row.locker_failures >= MAX_LOCKER_FAILURES:
        raise Conflict("LOCKER_LOCKED", "取件码输错次数过多，请联系窗口重新发放")
    if not hmac.compare_digest(row.locker_code or "", code.strip()):
        row.locker_failures += 1  # the caller commits this even though the pickup is refused
        raise Forbidden("LOCKER_CODE_WRONG", f"取件码不正确，还可尝试 {MAX_LOCKER_FAILURES - row.locker_failures} 次")
    return _complete(db_session, clock, case, row, "locker", "24小时自助柜", "凭取件码在24小时自助柜领取")


def reissue_locker_code(*, db_session: Session, clock: Clock, actor: StaffActor, case: Case) -> CaseDelivery:
    applicants.require_staff(db_session=db_session, actor=actor, case=case, permission=Permission.case_dispatch)
    row = _pending(db_session, case, DeliveryMethod.locker)
    _new_locker_code(row, clock)
    progress.push(db_session=db_session, clock=clock, case=case, step="取件码已更新", detail="新的取件码可在办件详情中查看，24小时内有效。")
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
