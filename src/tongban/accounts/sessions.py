"""Login (password, then SMS code), throttling of guesses, sessions and QR login confirmed from a phone (003 用户登录).

Wrong passwords are throttled, never locked: the count is kept per account and address with growing waits
(5 in 15 minutes, 10 in an hour, 20 in a day), so a stranger slows himself down but cannot shut the owner out;
the owner signs in from another address, or resets the password by SMS, which starts the count afresh. An
unknown account is throttled exactly like a known one, so neither the answer nor its timing says which exists."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from tongban.accounts import persons, session_store, staff
from tongban.accounts.access import PersonActor, StaffActor
from tongban.accounts.identity import mask_phone
from tongban.accounts.models import AuthSession, LoginChallenge, Person, QrLogin, StaffAccount
from tongban.accounts.passwords import check_password
from tongban.accounts.session_store import NewSession, open_session
from tongban.accounts.verification import CodePurpose, check_code, send_code
from tongban.core import audit, limits
from tongban.core.clock import Clock
from tongban.core.errors import InvalidInput, NotFound, Unauthorized
from tongban.core.security import token_hash
from tongban.notify.sms import SmsGateway

_SLOW = "登录尝试过于频繁，请{wait}再试；忘记密码可以用手机验证码重置"
# The same account from the same address: growing waits.
PAIR_TIERS = (
    limits.Limit("login.pair.15m", 5, timedelta(minutes=15), "LOGIN_THROTTLED", _SLOW.format(wait=" 15 分钟后")),
    limits.Limit("login.pair.hour", 10, timedelta(hours=1), "LOGIN_THROTTLED", _SLOW.format(wait=" 1 小时后")),
    limits.Limit("login.pair.day", 20, timedelta(days=1), "LOGIN_THROTTLED", _SLOW.format(wait="明天")),
)
# One account from many addresses, and many accounts from one address: higher ceilings.
ACCOUNT_DAILY = limits.Limit("login.account.day", 50, timedelta(days=1), "LOGIN_THROTTLED", _SLOW.format(wait="明天"))
ADDRESS_HOURLY = limits.Limit("login.address.hour", 100, timedelta(hours=1), "LOGIN_THROTTLED", _SLOW.format(wait=" 1 小时后"))
CHALLENGE_TTL = timedelta(minutes=5)
QR_TTL = timedelta(minutes=2)

Account = Person | StaffAccount

# The session store lives in session_store.py (persons and staff need it without the login flows); its names
# stay reachable here, so a caller that signs people in reads one module.
SESSION_TTL = session_store.SESSION_TTL
IDLE_LIMIT = session_store.IDLE_LIMIT
resolve = session_store.resolve
end_session = session_store.end_session
end_sessions = session_store.end_sessions
set_restricted = session_store.set_restricted


@dataclass(frozen=True)
class Challenge:
    token: str
    phone_masked: str


def _find(db_session: Session, subject_kind: str, identifier: str) -> Account | None:
    if subject_kind == "staff":
        return db_session.scalar(select(StaffAccount).where(StaffAccount.username == identifier.strip().lower()))
    return persons.find_by_identifier(db_session=db_session, identifier=identifier)


def _refuse_if_disabled(account: Account) -> None:
    if account.status != "active":
        raise Unauthorized("ACCOUNT_DISABLED", "账号已被禁用，如有疑问请联系政务服务大厅")


def _login_keys(subject_kind: str, identifier: str, account: Account | None, client_ip: str) -> list[tuple[limits.Limit, str]]:
    """The counters a failed password counts against. A known account's keys also carry its password's
    generation, so a new password (a reset by SMS) starts afresh; an unknown one is counted the same way."""
    name = identifier.strip().lower() if subject_kind == "staff" else persons.login_key(identifier)
    subject = f"{subject_kind}:{name}:{account.password_hash[-12:] if account and account.password_hash else ''}"
    return [*((tier, f"{subject}@{client_ip}") for tier in PAIR_TIERS), (ACCOUNT_DAILY, subject), (ADDRESS_HOURLY, client_ip)]


def _refuse_if_throttled(db_session: Session, clock: Clock, keys: list[tuple[limits.Limit, str]]) -> None:
    for limit, key in keys:
        limits.check(db_session=db_session, clock=clock, limit=limit, key=key)


def _count_failure(db_session: Session, clock: Clock, keys: list[tuple[limits.Limit, str]], account: Account | None,
                   subject_kind: str) -> None:
    reached = [limit.name for limit, key in keys
               if limits.hit(db_session=db_session, clock=clock, limit=limit, key=key) == limit.max]
    if reached and account is not None:  # kept for the account's security review, never shown to the caller
        audit.record(db_session=db_session, clock=clock, actor="system", action=f"{subject_kind}.login_throttled",
                     object_kind=subject_kind, object_id=account.id, details={"limits": reached})


def begin_login(
    *, db_session: Session, clock: Clock, gateway: SmsGateway, identifier: str, password: str, client_ip: str,
    subject_kind: str = "person", transport: str = "cookie",
) -> Challenge:
    """Step one: the password. A right one sends a code to the bound phone (ACC-05).

    Unknown accounts, wrong passwords and throttled attempts answer the same for every account."""
    account = _find(db_session, subject_kind, identifier) if identifier.strip() else None
    keys = _login_keys(subject_kind, identifier, account, client_ip)
    _refuse_if_throttled(db_session, clock, keys)
    if not check_password(account.password_hash if account else None, password):  # same time for unknown accounts
        _count_failure(db_session, clock, keys, account, subject_kind)
        limits.refuse(db_session, Unauthorized("LOGIN_FAILED", "账号或密码错误"))
    _refuse_if_disabled(account)  # only a right password learns that the account is disabled
    for limit, key in keys[:len(PAIR_TIERS)]:
        limits.reset(db_session=db_session, limit=limit, key=key)
    if not account.phone:
        raise InvalidInput("NO_PHONE", "账号未绑定手机号，无法发送登录验证码，请到政务服务大厅办理")
    send_code(db_session=db_session, clock=clock, gateway=gateway, phone=account.phone, purpose=CodePurpose.login, client_ip=client_ip)
    clear = secrets.token_urlsafe(24)
    now = clock.now()
    db_session.add(LoginChallenge(token_hash=token_hash(clear), subject_kind=subject_kind, subject_id=account.id,
                                  transport=transport, created_at=now, expires_at=now + CHALLENGE_TTL))
    return Challenge(token=clear, phone_masked=mask_phone(account.phone))


def complete_login(*, db_session: Session, clock: Clock, challenge: str, code: str, replaces: str | None = None) -> NewSession:
    """Step two: the SMS code. Always a fresh session token, so a planted one is never promoted."""
    row = db_session.scalar(select(LoginChallenge).where(LoginChallenge.token_hash == token_hash(challenge or "")))
    now = clock.now()
    if row is None or row.used_at is not None or row.expires_at <= now:
        raise Unauthorized("LOGIN_EXPIRED", "登录已超时，请重新输入账号和密码")
    account = db_session.get(StaffAccount if row.subject_kind == "staff" else Person, row.subject_id)
    if account is None:
        raise Unauthorized("LOGIN_EXPIRED", "登录已超时，请重新输入账号和密码")
    _refuse_if_disabled(account)
    # A wrong code is counted on the code itself: five and it is dead, and new codes are rationed per phone.
    check_code(db_session=db_session, clock=clock, phone=account.phone, purpose=CodePurpose.login, code=code)
    row.used_at = now
    account.last_login_at = now
    if isinstance(account, Person) and account.phone_verified_at is None:
        account.phone_verified_at = now  # a window account's phone is proven by its first login
    if replaces:
        end_session(db_session=db_session, clock=clock, token=replaces)
    restricted = account.must_change_password or (
        isinstance(account, Person) and persons.agreement_pending(db_session=db_session, person_id=account.id)
    )
    session = open_session(db_session=db_session, clock=clock, subject_kind=row.subject_kind, subject_id=account.id,
                           transport=row.transport, restricted=restricted)
    audit.record(db_session=db_session, clock=clock, actor=f"{row.subject_kind}:{account.id}", action=f"{row.subject_kind}.login",
                 object_kind=row.subject_kind, object_id=account.id, details={"transport": row.transport})
    return session


def person_actor(*, db_session: Session, session: AuthSession) -> PersonActor:
    person = persons.get(db_session=db_session, person_id=session.subject_id)
    return PersonActor(person_id=person.id, name=person.name, id_kind=person.id_kind, session_id=session.id)


def staff_actor(*, db_session: Session, session: AuthSession) -> StaffActor:
    account = db_session.get(StaffAccount, session.subject_id)
    if account is None:
        raise Unauthorized("SESSION_EXPIRED", "登录已失效，请重新登录")
    return staff.actor_for(account)


# --- QR login ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class QrStart:
    code: str  # carried by the QR code, read by the phone
    poll_secret: str  # kept by the computer that shows the code
    expires_in: int


def qr_start(*, db_session: Session, clock: Clock) -> QrStart:
    code, poll = secrets.token_urlsafe(18), secrets.token_urlsafe(24)
    now = clock.now()
    db_session.add(QrLogin(code_hash=token_hash(code), poll_hash=token_hash(poll), status="pending",
                           created_at=now, expires_at=now + QR_TTL))
    db_session.flush()
    return QrStart(code=code, poll_secret=poll, expires_in=int(QR_TTL.total_seconds()))


def qr_confirm(*, db_session: Session, clock: Clock, actor: PersonActor, code: str) -> None:
    """The signed-in phone approves the computer's login (ACC-05)."""
    row = db_session.scalar(select(QrLogin).where(QrLogin.code_hash == token_hash(code or "")))
    if row is None or row.status != "pending" or row.expires_at <= clock.now():
        raise NotFound("QR_EXPIRED", "二维码已失效，请在电脑上刷新二维码后重新扫描")
    row.status, row.person_id = "confirmed", actor.person_id
    audit.record(db_session=db_session, clock=clock, actor=actor.ref, action="person.qr_confirm", object_kind="person",
                 object_id=actor.person_id)


def qr_poll(*, db_session: Session, clock: Clock, poll_secret: str, transport: str = "cookie") -> NewSession | None:
    """The computer asks whether the code was confirmed; the first answer after that opens its session."""
    row = db_session.scalar(select(QrLogin).where(QrLogin.poll_hash == token_hash(poll_secret or "")).with_for_update())
    if row is None or row.status == "used" or row.expires_at <= clock.now():
        raise NotFound("QR_EXPIRED", "二维码已失效，请刷新")
    if row.status != "confirmed" or row.person_id is None:
        return None
    person = persons.get(db_session=db_session, person_id=row.person_id)
    _refuse_if_disabled(person)
    row.status = "used"
    restricted = person.must_change_password or persons.agreement_pending(db_session=db_session, person_id=person.id)
    session = open_session(db_session=db_session, clock=clock, subject_kind="person", subject_id=person.id,
                           transport=transport, restricted=restricted)
    audit.record(db_session=db_session, clock=clock, actor=f"person:{person.id}", action="person.login",
                 object_kind="person", object_id=person.id, details={"transport": transport, "via": "qr"})
    return session
