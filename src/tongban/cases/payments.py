"""Fees and payment: assess from the item's rules, pay through a gateway with signed callbacks, issue a receipt (CASE-13; 002 8.6.1)."""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from typing import Protocol

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from tongban.cases import fees, lifecycle, notices, progress
from tongban.cases.enums import EventKind, PaymentStatus
from tongban.cases.models import Case, Payment
from tongban.catalog.schemas import ItemContent
from tongban.core.clock import SHANGHAI, Clock
from tongban.core.config import get_settings
from tongban.core.crypto import keyring
from tongban.core.errors import Conflict, InvalidInput, NotFound, Unauthorized, Unavailable


class PaymentGateway(Protocol):
    """What a payment platform (统一公共支付平台) offers us: a place to pay, and signed callbacks."""

    name: str

    def checkout_url(self, payment: Payment) -> str: ...

    def sign(self, body: bytes) -> str: ...

    def verify(self, body: bytes, signature: str) -> bool: ...


class DevPaymentGateway:
    """Development gateway: a page on our own site plays the payment platform and posts a signed callback.
    Callbacks are signed with HMAC-SM3 over the exact body, as a real gateway signs with its own key."""

    name = "dev"

    def __init__(self, key: bytes) -> None:
        self._key = key

    def checkout_url(self, payment: Payment) -> str:
        return f"/pay/dev/{payment.order_number}"

    def sign(self, body: bytes) -> str:
        return hmac.new(self._key, body, lambda: hashlib.new("sm3")).hexdigest()

    def verify(self, body: bytes, signature: str) -> bool:
        return hmac.compare_digest(self.sign(body), (signature or "").strip().lower())


def gateway_from_settings() -> PaymentGateway:
    settings = get_settings()
    if settings.payment_key:
        key = bytes.fromhex(settings.payment_key)
    else:
        key = hmac.new(keyring().index_key, b"tongban-payment-callbacks", hashlib.sha256).digest()
    if settings.payment_gateway != "dev":
        # A province's payment platform needs its adapter here; until one is written, say so plainly.
        raise Unavailable("PAYMENT_GATEWAY", "暂未接入统一公共支付平台，请到窗口缴费")
    return DevPaymentGateway(key)


def assess(*, db_session: Session, clock: Clock, case: Case, content: ItemContent) -> list[fees.FeeLine]:
    """Fees fixed at acceptance from the version the applicant applied under; one payment order when due."""
    lines, event = assess_fees(db_session=db_session, clock=clock, case=case, content=content)
    if event is not None:
        lifecycle.append(db_session=db_session, clock=clock, case=case, entries=[event])
    return lines


def assess_fees(
    *, db_session: Session, clock: Clock, case: Case, content: ItemContent, gateway: str | None = None,
) -> tuple[list[fees.FeeLine], lifecycle.Entry | None]:
    """`assess` leaving its `fee_assessed` event to the caller, who records it with the step's own; `gateway`
    defaults to the configured one."""
    form = json.loads(case.form_data)
    lines = fees.assess(content.fees, form)
    case.fee_detail = [line.as_dict() for line in lines]
    case.fee_fen = sum(line.amount_fen for line in lines)
    event = None
    if case.fee_fen > 0:
        db_session.connection().execute(_INSERT_PAYMENT, {
            "case_id": case.id, "order_number": _order_number(clock), "amount_fen": case.fee_fen,
            "status": PaymentStatus.pending.value, "gateway": gateway or get_settings().payment_gateway, "gateway_ref": "",
            "receipt_document_id": None, "created_at": clock.now(), "paid_at": None,
        })
        event = lifecycle.Entry(EventKind.fee_assessed, "system", "系统", reason=f"应缴 {fees.yuan(case.fee_fen)}",
                                data={"lines": case.fee_detail})
    return [line for line in lines if line.amount_fen > 0], event


_INSERT_PAYMENT = Payment.__table__.insert()


def _order_number(clock: Clock) -> str:
    return "PAY" + clock.now().astimezone(SHANGHAI).strftime("%Y%m%d") + secrets.token_hex(6).upper()


# Built once: a statement made per call spends more on its cache key than the database on the query.
_LATEST_OF_CASE = select(Payment).where(Payment.case_id == bindparam("case_key")).order_by(Payment.id.desc()).limit(1)
_BY_ORDER = select(Payment).where(Payment.order_number == bindparam("order"))


def payment_of(*, db_session: Session, case_id: int) -> Payment | None:
    return db_session.scalar(_LATEST_OF_CASE, {"case_key": case_id})


def by_order(*, db_session: Session, order_number: str) -> Payment:
    payment = db_session.scalar(_BY_ORDER, {"order": order_number})
    if payment is None:
        raise NotFound("PAYMENT_NOT_FOUND", "没有找到这笔缴费订单")
    return payment


def is_settled(*, db_session: Session, case: Case) -> bool:
    if case.fee_fen <= 0:
        return True
    return settled(case, db_session.connection().execute(_LATEST_STATUS, {"case_key": case.id}).scalar())


def settled(case: Case, latest_status: str | None) -> bool:
    """Nothing to pay, or the case's latest payment (its status as `latest_status_of` reads it) is paid."""
    return case.fee_fen <= 0 or latest_status == PaymentStatus.paid.value


def _latest_status(case_id):
    table = Payment.__table__
    return select(table.c.status).where(table.c.case_id == case_id).order_by(table.c.id.desc()).limit(1)


def latest_status_of(case_id):
    """The status of the latest payment of the case `case_id` (a column), as a scalar subquery, so a step that
    reads a row of the case anyway learns whether it is paid in the same statement."""
    return _latest_status(case_id).scalar_subquery()


_LATEST_STATUS = _latest_status(bindparam("case_key"))


def callback_body(*, payment: Payment, gateway_ref: str, status: str = "paid") -> bytes:
    """What a gateway posts back; the dev gateway builds exactly this and signs it."""
    return json.dumps(
        {"order_number": payment.order_number, "amount_fen": payment.amount_fen, "status": status, "gateway_ref": gateway_ref},
        ensure_ascii=False, sort_keys=True, separators=(",", ":"),
    ).encode("utf-8")


def handle_callback(*, db_session: Session, clock: Clock, gateway: PaymentGateway, body: bytes, signature: str) -> Payment:
    """A verified callback marks the order paid once and issues the receipt; replays change nothing."""
    if not gateway.verify(body, signature):
        raise Unauthorized("PAYMENT_SIGNATURE", "支付回调签名无效")
    try:
        data = json.loads(body)
        order_number, amount, status = str(data["order_number"]), int(data["amount_fen"]), str(data["status"])
        gateway_ref = str(data.get("gateway_ref", ""))[:100]
    except (ValueError, KeyError, TypeError):
        raise InvalidInput("PAYMENT_CALLBACK", "支付回调内容无法识别") from None
    payment = by_order(db_session=db_session, order_number=order_number)
    if amount != payment.amount_fen:
        raise Conflict("PAYMENT_AMOUNT", "支付金额与订单金额不一致")
    if payment.status == PaymentStatus.paid.value:
        return payment
    if status != "paid":
        payment.status = PaymentStatus.failed.value
        return payment
    case = db_session.get(Case, payment.case_id)
    receipt = notices.issue(
        db_session=db_session, clock=clock, case=case, kind=notices.NoticeKind.payment_receipt,
        fields=[("订单号", payment.order_number), ("缴费金额", fees.yuan(payment.amount_fen)),
                ("收费项目", "；".join(f"{line['name']} {fees.yuan(line['amount_fen'])}" for line in case.fee_detail if line["amount_fen"])),
                ("支付流水号", gateway_ref or "无"), ("缴费时间", notices.chinese_date(clock.today()))],
        paragraphs=["本收据由政务服务平台电子签章，可扫描二维码核验。"],
    )
    lifecycle.record(db_session=db_session, clock=clock, case=case, kind=EventKind.paid, actor_ref="system", actor_name="支付平台",
                     reason=f"已缴 {fees.yuan(payment.amount_fen)}", document_id=receipt.id)
    # Written by the closing flush, after the case's UPDATE: the case's version decides between racing callbacks.
    payment.status, payment.gateway_ref, payment.paid_at = PaymentStatus.paid.value, gateway_ref, clock.now()
    payment.receipt_document_id = receipt.id
    progress.push(db_session=db_session, clock=clock, case=case, step="已缴费", detail="电子收据可在办件详情中下载。")
    db_session.flush()
    return payment

