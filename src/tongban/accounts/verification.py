"""One-time SMS codes: sending with per-phone and per-address limits, checking with limited attempts (003 5-1).

The sending limits are counted in the shared attempt counters (core/limits), per phone whether or not the phone
belongs to an account, so that a request for a code answers the same for every phone. The message leaves through
the outbox once the code's row has committed (notify/codes), never while the request holds the database."""

from __future__ import annotations

import secrets
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from tongban.accounts.models import SmsCode
from tongban.core import limits
from tongban.core.clock import Clock
from tongban.core.crypto import lookup_hash
from tongban.core.enums import LabelledEnum
from tongban.core.errors import DomainError, InvalidInput
from tongban.notify.codes import send_code_sms
from tongban.notify.sms import SmsGateway

CODE_TTL = timedelta(minutes=5)
MAX_ATTEMPTS = 5
PHONE_GAP = limits.Limit("sms.phone.minute", 1, timedelta(seconds=60), "SMS_TOO_SOON", "验证码已发送，请 1 分钟后再试")
PHONE_DAILY = limits.Limit("sms.phone.day", 10, timedelta(days=1), "SMS_PHONE_LIMIT",
                           "这个手机号今天获取验证码的次数已达上限，请明天再试")
IP_HOURLY = limits.Limit("sms.ip.hour", 30, timedelta(hours=1), "SMS_IP_LIMIT", "获取验证码过于频繁，请稍后再试")


class CodePurpose(LabelledEnum):
    register = "register", "注册"
    login = "login", "登录"
    reset = "reset", "重置密码"
    phone_old = "phone_old", "解绑原手机号"
    phone_new = "phone_new", "绑定新手机号"
    window = "window", "窗口注册确认"
    complaint = "complaint", "投诉登记"


def phone_hash(phone: str) -> str:
    return lookup_hash("phone", phone)


def _code_hash(phone: str, purpose: CodePurpose, code: str) -> str:
    return lookup_hash("sms-code", f"{phone}:{purpose.value}:{code}")


def fail(db_session: Session, error: DomainError) -> None:
    """Keep a failure's bookkeeping (attempt and lockout counters) even though the request fails."""
    db_session.commit()
    raise error


def count_request(*, db_session: Session, clock: Clock, phone: str, client_ip: str) -> None:
    """Count one request for a code against the phone's and the address's limits; refuse (429) over any of them.

    A refused request keeps its count (the transaction is committed before the refusal)."""
    for limit, key in ((PHONE_GAP, phone), (PHONE_DAILY, phone), (IP_HOURLY, client_ip)):
        limits.take_or_refuse(db_session=db_session, clock=clock, limit=limit, key=key)


def send_code(
    *, db_session: Session, clock: Clock, gateway: SmsGateway, phone: str, purpose: CodePurpose, client_ip: str,
    deliver: bool = True,
) -> None:
    """Send a code, counted against the limits: through `gateway` once the caller commits. With `deliver` false
    the request counts exactly as a sent one but nothing is stored or sent: a reset asked for a phone that has no
    account."""
    count_request(db_session=db_session, clock=clock, phone=phone, client_ip=client_ip)
    if not deliver:
        return
    now = clock.now()
    code = f"{secrets.randbelow(1_000_000):06d}"
    db_session.add(
        SmsCode(phone_hash=phone_hash(phone), purpose=purpose.value, code_hash=_code_hash(phone, purpose, code),
                client_ip=client_ip, created_at=now, expires_at=now + CODE_TTL)
    )
    text = f"【通办】您正在{purpose.label}，验证码 {code}，5 分钟内有效。工作人员不会向您索要验证码，请勿告诉他人。"
    send_code_sms(db_session=db_session, clock=clock, phone=phone, text=text, expires_at=now + CODE_TTL, gateway=gateway)


def check_code(*, db_session: Session, clock: Clock, phone: str, purpose: CodePurpose, code: str) -> None:
    """Use up a valid code or fail; a wrong guess counts even though the request is refused."""
    now = clock.now()
    row = db_session.scalar(
        select(SmsCode)
        .where(SmsCode.phone_hash == phone_hash(phone), SmsCode.purpose == purpose.value, SmsCode.used_at.is_(None))
        .order_by(SmsCode.created_at.desc(), SmsCode.id.desc())
        .limit(1)
    )
    if row is None or row.expires_at <= now:
        raise InvalidInput("SMS_CODE_EXPIRED", "短信验证码已失效，请重新获取")
    if row.attempts >= MAX_ATTEMPTS:
        raise InvalidInput("SMS_CODE_EXPIRED", "验证码输错次数过多已失效，请重新获取")
    row.attempts += 1
    if not secrets.compare_digest(row.code_hash, _code_hash(phone, purpose, code.strip())):
        fail(db_session, InvalidInput("SMS_CODE_WRONG", "短信验证码不正确，请核对后重新输入"))
    row.used_at = now
