"""One-time SMS codes: sending with per-phone and per-IP limits, checking with limited attempts (003 5-1)."""

from __future__ import annotations

import secrets
from datetime import timedelta
from enum import StrEnum

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tongban.accounts.models import SmsCode
from tongban.core.clock import Clock
from tongban.core.crypto import lookup_hash
from tongban.core.errors import DomainError, InvalidInput, TooManyRequests
from tongban.notify.sms import SmsGateway, SmsMessage

CODE_TTL = timedelta(minutes=5)
MAX_ATTEMPTS = 5
PHONE_GAP = timedelta(seconds=60)
PHONE_DAILY = 10
IP_HOURLY = 30


class CodePurpose(StrEnum):
    register = "register"
    login = "login"
    reset = "reset"
    phone_old = "phone_old"
    phone_new = "phone_new"
    window = "window"

    @property
    def label(self) -> str:
        return {
            "register": "注册", "login": "登录", "reset": "重置密码", "phone_old": "解绑原手机号",
            "phone_new": "绑定新手机号", "window": "窗口注册确认",
        }[self.value]


def phone_hash(phone: str) -> str:
    return lookup_hash("phone", phone)


def _code_hash(phone: str, purpose: CodePurpose, code: str) -> str:
    return lookup_hash("sms-code", f"{phone}:{purpose.value}:{code}")


def fail(db_session: Session, error: DomainError) -> None:
    """Keep a failure's bookkeeping (attempt and lockout counters) even though the request fails."""
    db_session.commit()
    raise error


def send_code(*, db_session: Session, clock: Clock, gateway: SmsGateway, phone: str, purpose: CodePurpose, client_ip: str) -> None:
    now = clock.now()
    key = phone_hash(phone)
    last = db_session.scalar(select(func.max(SmsCode.created_at)).where(SmsCode.phone_hash == key))
    if last is not None and now - last < PHONE_GAP:
        wait = int((PHONE_GAP - (now - last)).total_seconds()) + 1
        raise TooManyRequests("SMS_TOO_SOON", f"验证码已发送，请 {wait} 秒后再试", details={"retry_after": wait})
    today = db_session.scalar(select(func.count()).where(SmsCode.phone_hash == key, SmsCode.created_at > now - timedelta(days=1)))
    if today >= PHONE_DAILY:
        raise TooManyRequests("SMS_PHONE_LIMIT", "这个手机号今天获取验证码的次数已达上限，请明天再试")
    from_ip = db_session.scalar(select(func.count()).where(SmsCode.client_ip == client_ip, SmsCode.created_at > now - timedelta(hours=1)))
    if from_ip >= IP_HOURLY:
        raise TooManyRequests("SMS_IP_LIMIT", "获取验证码过于频繁，请稍后再试")
    code = f"{secrets.randbelow(1_000_000):06d}"
    db_session.add(
        SmsCode(phone_hash=key, purpose=purpose.value, code_hash=_code_hash(phone, purpose, code), client_ip=client_ip,
                created_at=now, expires_at=now + CODE_TTL)
    )
    db_session.flush()
    text = f"【通办】您正在{purpose.label}，验证码 {code}，5 分钟内有效。工作人员不会向您索要验证码，请勿告诉他人。"
    gateway.send(SmsMessage(phone=phone, text=text, kind="code", at=now))


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
