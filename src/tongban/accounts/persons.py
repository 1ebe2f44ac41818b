"""Natural-person accounts: online, window and linked registration; password and phone changes (003 5-1)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from tongban.accounts import agreements, organisations, session_store
from tongban.accounts.access import Permission, PersonActor, StaffActor
from tongban.accounts.identity import IdKind, mask, mask_phone, normalize_phone, parse_kind, validate
from tongban.accounts.models import LinkedIdentity, Person, VerifiedFactor
from tongban.accounts.schemas import PersonOut
from tongban.accounts.passwords import check_password, check_strength, hash_password, initial_password
from tongban.accounts.verification import CodePurpose, check_code, phone_hash, send_code
from tongban.baselib.service import LIBRARY_FACTORS, BaseLibrary, FactorKind, id_hash
from tongban.core import audit, limits
from tongban.core.clock import Clock, SHANGHAI
from tongban.core.errors import Conflict, DomainError, InvalidInput, NotFound
from tongban.notify.sms import SmsGateway

REQUIRED_FACTORS = 2  # besides the ID itself (003 5-1: 不少于三种认证内容)


@dataclass
class Registration:
    name: str
    id_kind: str
    id_number: str
    phone: str
    sms_code: str
    password: str
    agreement_version: str
    nationality: str | None = None
    factors: dict[str, str] = field(default_factory=dict)  # FactorKind value → card or file number


def today(clock: Clock) -> date:
    return clock.now().astimezone(SHANGHAI).date()


def view(*, db_session: Session, person: Person) -> PersonOut:
    """What pages and the API may show of a person: never the full ID number or phone."""
    kind = IdKind(person.id_kind)
    return PersonOut(
        id=person.id, name=person.name, id_kind=kind.value, id_kind_label=kind.label,
        id_number_masked=mask(kind, person.id_number), phone_masked=mask_phone(person.phone) if person.phone else "",
        status=person.status, registered_via=person.registered_via, must_change_password=person.must_change_password,
        agreement_pending=agreement_pending(db_session=db_session, person_id=person.id),
    )


def agreement_pending(*, db_session: Session, person_id: int) -> bool:
    version = agreements.current("person").version
    signed = agreements.signatures(db_session=db_session, subject_kind="person", subject_id=person_id)
    return not any(s.version == version for s in signed)


def get(*, db_session: Session, person_id: int) -> Person:
    person = db_session.get(Person, person_id)
    if person is None:
        raise NotFound("PERSON_NOT_FOUND", "没有这个用户")
    return person


def find_by_document(*, db_session: Session, kind: str, number: str) -> Person | None:
    return db_session.scalar(select(Person).where(Person.id_number_hash == id_hash(kind, number)))


def find_by_phone(*, db_session: Session, phone: str) -> Person | None:
    return db_session.scalar(select(Person).where(Person.phone_hash == phone_hash(phone)))


def view_for_staff(*, db_session: Session, clock: Clock, actor: StaffActor, person_id: int) -> PersonOut:
    """A person's account (masked) for the posts that care for accounts: the hotline, operators, managers and
    administrators (account_view). A window reads its applicants on their cases instead. Every look is audited."""
    actor.require(Permission.account_view)
    person = get(db_session=db_session, person_id=person_id)
    audit.record(db_session=db_session, clock=clock, actor=actor.ref, action="person.staff_view", object_kind="person",
                 object_id=person.id)
    return view(db_session=db_session, person=person)


def find_for_staff(*, db_session: Session, clock: Clock, actor: StaffActor, id_kind: str, id_number: str) -> Person:
    """Look an account up by the document the caller or visitor presents; the search itself is audited."""
    actor.require(Permission.account_view)
    document = validate(id_kind, id_number)
    person = find_by_document(db_session=db_session, kind=document.kind.value, number=document.number)
    audit.record(db_session=db_session, clock=clock, actor=actor.ref, action="person.staff_find", object_kind="person",
                 object_id=person.id if person else "", details={"id_number": mask(document.kind, document.number)})
    if person is None:
        raise NotFound("PERSON_NOT_FOUND", "没有找到用这个证件注册的账号")
    return person


def _document_number(kind: IdKind, number: str) -> str:
    # Looking a person up needs only the normalised number; a passport's nationality is not part of the key.
    return validate(kind, number, nationality="XXX").number


def identify(*, db_session: Session, id_kind: str, id_number: str, name: str, role: str, by_staff: bool = False) -> Person:
    """A registered person named by document and name (a grantee, an agent).

    A citizen gets one answer for "not registered" and "wrong name", so nobody can probe who has an
    account; staff at a window, who hold the ID card, are told when only the name differs."""
    kind = parse_kind(id_kind)
    person = find_by_document(db_session=db_session, kind=kind.value, number=_document_number(kind, id_number))
    same_name = person is not None and "".join(person.name.split()) == "".join(name.split())
    if person is not None and not same_name and by_staff:
        raise InvalidInput("NAME_MISMATCH", f"{role}姓名与证件登记的姓名不一致，请核对")
    if person is None or not same_name:
        raise NotFound("PERSON_NOT_FOUND", f"{role}须先完成个人实名注册，并核对姓名与证件号码")
    return person


def login_key(identifier: str) -> str:
    """One spelling for each identifier a person may sign in with, known or not (the throttling key)."""
    try:
        return "phone:" + normalize_phone(identifier)
    except InvalidInput:
        pass
    for kind in IdKind:
        try:
            return f"id:{_document_number(kind, identifier)}"
        except InvalidInput:
            continue
    return "other:" + "".join(identifier.split()).upper()


def find_by_identifier(*, db_session: Session, identifier: str) -> Person | None:
    """Login accepts a phone number or any identity document number."""
    try:
        return find_by_phone(db_session=db_session, phone=normalize_phone(identifier))
    except InvalidInput:
        pass
    for kind in IdKind:
        try:
            number = _document_number(kind, identifier)
        except InvalidInput:
            continue
        person = find_by_document(db_session=db_session, kind=kind.value, number=number)
        if person is not None:
            return person
    return None


def _check_library_identity(library: BaseLibrary, kind: str, number: str, name: str, *, required: bool) -> bool:
    """At a window: staff hold the document, so they are told exactly what does not match."""
    check = library.check_person(kind, number, name)
    if not check.found:
        if required:
            raise InvalidInput("PERSON_NOT_IN_LIBRARY", "人口基础信息库中查不到这个证件，请核对证件类型和号码，或到政务服务大厅办理")
        return False
    if not check.name_matches:
        raise InvalidInput("NAME_MISMATCH", "姓名与证件号码不一致，请核对后重新输入")
    if check.status != "normal":
        raise InvalidInput("DOCUMENT_INVALID", "该证件在人口基础信息库中已注销，不能用于注册")
    return True


def _ensure_new(db_session: Session, kind: str, number: str, phone: str | None) -> None:
    if find_by_document(db_session=db_session, kind=kind, number=number) is not None:
        raise Conflict("ALREADY_REGISTERED", "这个证件已经注册过，请直接登录；忘记密码可以用手机验证码重置")
    if phone and find_by_phone(db_session=db_session, phone=phone) is not None:
        raise Conflict("PHONE_TAKEN", "这个手机号已绑定其他账号，请换一个手机号")


def _add_person(db_session: Session, clock: Clock, *, name: str, kind: str, number: str, nationality: str | None,
                phone: str | None, via: str) -> Person:
    person = Person(
        name=name, id_kind=kind, id_number=number, id_number_hash=id_hash(kind, number), nationality=nationality,
        phone=phone, phone_hash=phone_hash(phone) if phone else None, status="active", registered_via=via,
        failed_logins=0, created_at=clock.now(),
    )
    db_session.add(person)
    db_session.flush()
    return person


def _factor(db_session: Session, clock: Clock, person: Person, kind: str, checked_by: str) -> None:
    db_session.add(VerifiedFactor(person_id=person.id, kind=kind, checked_by=checked_by, verified_at=clock.now()))


# Online registration is counted per phone and per address on every attempt, and per ID number on every
# attempt that reaches the population library (after the phone is proven), so that the library cannot be
# walked and a stranger cannot use up someone else's ID number without a phone and a code for each try.
REGISTER_PHONE = limits.Limit("register.phone", 10, timedelta(days=1), "REGISTER_TOO_MANY",
                              "今天用这个手机号注册的尝试次数已达上限，请明天再试，或到政务服务大厅办理")
REGISTER_ID = limits.Limit("register.id", 5, timedelta(days=1), "REGISTER_TOO_MANY",
                           "今天这个证件的注册尝试次数已达上限，请明天再试，或到政务服务大厅办理")
REGISTER_ADDRESS = limits.Limit("register.address", 20, timedelta(hours=1), "REGISTER_TOO_MANY",
                                "注册尝试过于频繁，请稍后再试")
NOT_VERIFIED = ("IDENTITY_NOT_VERIFIED", "身份信息核验未通过：请核对姓名、证件号码和所填的卡号或账号，重新获取验证码后再试；"
                "仍不能通过的，请携带证件到政务服务大厅办理")


def _factor_kinds(factors: dict[str, str]) -> list[tuple[FactorKind, str]]:
    """The factors the form filled in; only their kinds are checked here, never their values."""
    chosen = []
    for factor_value, value in factors.items():
        if not value.strip():
            continue
        try:
            factor = FactorKind(factor_value)
        except ValueError:
            raise InvalidInput("FACTOR_UNKNOWN", "不支持这种核验方式") from None
        if factor not in LIBRARY_FACTORS:
            raise InvalidInput("FACTOR_UNKNOWN", "不支持这种核验方式")
        chosen.append((factor, value))
    if 1 + len(chosen) < REQUIRED_FACTORS:
        raise InvalidInput("FACTORS_REQUIRED", "除手机验证码外，还需核验社会保障卡、银行卡、公积金账号或驾驶证档案编号中的一项")
    return chosen


def _identity_verified(library: BaseLibrary, kind: str, number: str, name: str, factors: list[tuple[FactorKind, str]]) -> bool:
    """Every check runs whatever the first one says, and the caller hears only yes or no."""
    check = library.check_person(kind, number, name)
    results = [check.found, check.name_matches, check.status == "normal"]
    results += [library.check_factor(kind, number, factor, value) for factor, value in factors]
    return all(results)


def _count(db_session: Session, clock: Clock, limit: limits.Limit, key: str) -> None:
    limits.take_or_refuse(db_session=db_session, clock=clock, limit=limit, key=key)


def register_online(
    *, db_session: Session, clock: Clock, library: BaseLibrary, registration: Registration, client_ip: str,
) -> Person:
    """ID number plus at least two verified factors, then the signed agreement (ACC-01).

    Nothing about the population library or existing accounts is said before the phone is proven by its code;
    after that every mismatch gets one answer, and the code is used up, so each further try costs a new code."""
    reg = registration
    name = reg.name.strip()
    if not name:
        raise InvalidInput("NAME_REQUIRED", "请填写姓名")
    kind = parse_kind(reg.id_kind)
    document = validate(kind, reg.id_number, nationality=reg.nationality, today=today(clock))
    phone = normalize_phone(reg.phone)
    check_strength(reg.password, id_number=document.number, phone=phone)
    if reg.agreement_version != agreements.current("person").version:
        raise InvalidInput("AGREEMENT_REQUIRED", "请阅读并同意《实名注册服务协议》")
    factors = _factor_kinds(reg.factors)
    _count(db_session, clock, REGISTER_ADDRESS, client_ip)
    _count(db_session, clock, REGISTER_PHONE, phone)
    try:
        check_code(db_session=db_session, clock=clock, phone=phone, purpose=CodePurpose.register, code=reg.sms_code)
    except DomainError as error:
        limits.refuse(db_session, error)
    _count(db_session, clock, REGISTER_ID, f"{kind.value}:{document.number}")
    if not _identity_verified(library, kind.value, document.number, name, factors):
        limits.refuse(db_session, InvalidInput(*NOT_VERIFIED))
    try:  # only the holder of name, document and card learns that the account exists, and is told to sign in
        _ensure_new(db_session, kind.value, document.number, phone)
    except DomainError as error:
        limits.refuse(db_session, error)
    person = _add_person(db_session, clock, name=name, kind=kind.value, number=document.number,
                         nationality=document.nationality, phone=phone, via="online")
    person.password_hash = hash_password(reg.password)
    person.phone_verified_at = clock.now()
    _factor(db_session, clock, person, "id_document", "population_library")
    _factor(db_session, clock, person, FactorKind.phone.value, "sms")
    for factor, _value in factors:
        _factor(db_session, clock, person, factor.value, "population_library")
    agreements.sign(db_session=db_session, clock=clock, subject_kind="person", subject_id=person.id,
                    version=reg.agreement_version, channel="online", signed_by=person.id)
    audit.record(db_session=db_session, clock=clock, actor=f"person:{person.id}", action="person.register",
                 object_kind="person", object_id=person.id,
                 details={"via": "online", "factors": [f.value for f, _value in factors]})
    _bind_organisations(db_session, clock, person)
    return person


def register_at_window(
    *, db_session: Session, clock: Clock, library: BaseLibrary, actor: StaffActor | None, name: str, id_kind: str,
    id_number: str, phone: str, sms_code: str | None = None, nationality: str | None = None,
) -> tuple[Person, str]:
    """Staff check the document in person; the account opens with a random password to change (ACC-02)."""
    if actor is not None:
        actor.require(Permission.window_register)
    name = name.strip()
    if not name:
        raise InvalidInput("NAME_REQUIRED", "请填写姓名")
    kind = parse_kind(id_kind)
    document = validate(kind, id_number, nationality=nationality, today=today(clock))
    phone = normalize_phone(phone)
    in_library = _check_library_identity(library, kind.value, document.number, name, required=False)
    _ensure_new(db_session, kind.value, document.number, phone)
    if sms_code is not None:
        check_code(db_session=db_session, clock=clock, phone=phone, purpose=CodePurpose.window, code=sms_code)
    person = _add_person(db_session, clock, name=name, kind=kind.value, number=document.number,
                         nationality=document.nationality, phone=phone, via="window")
    password = initial_password()
    person.password_hash = hash_password(password)
    person.must_change_password = True
    who = actor.ref if actor else "cli"
    _factor(db_session, clock, person, "id_document", who)
    if sms_code is not None:
        person.phone_verified_at = clock.now()
        _factor(db_session, clock, person, FactorKind.phone.value, "sms")
    agreements.sign(db_session=db_session, clock=clock, subject_kind="person", subject_id=person.id,
                    version=agreements.current("person").version, channel="window", signed_by=person.id)
    audit.record(db_session=db_session, clock=clock, actor=who, action="person.register", object_kind="person",
                 object_id=person.id, details={"via": "window", "in_library": in_library, "phone_confirmed": sms_code is not None})
    _bind_organisations(db_session, clock, person)
    return person, password


def register_linked(*, db_session: Session, clock: Clock, issuer: str, subject: str, name: str, id_number: str,
                    id_kind: str = IdKind.resident_id.value) -> Person:
    """Bind (or open) an account from a trusted identity provider's real-name identity (ACC-03)."""
    link = db_session.scalar(select(LinkedIdentity).where(LinkedIdentity.issuer == issuer, LinkedIdentity.subject == subject))
    if link is not None:
        return get(db_session=db_session, person_id=link.person_id)
    kind = parse_kind(id_kind)
    document = validate(kind, id_number, today=today(clock))
    person = find_by_document(db_session=db_session, kind=kind.value, number=document.number)
    created = person is None
    if person is None:
        person = _add_person(db_session, clock, name=name.strip(), kind=kind.value, number=document.number,
                             nationality=document.nationality, phone=None, via="linked")
        _factor(db_session, clock, person, "id_document", f"idp:{issuer}"[:40])
    db_session.add(LinkedIdentity(person_id=person.id, issuer=issuer, subject=subject, linked_at=clock.now()))
    db_session.flush()
    audit.record(db_session=db_session, clock=clock, actor=f"person:{person.id}", action="person.link",
                 object_kind="person", object_id=person.id, details={"issuer": issuer, "created": created})
    if created:
        _bind_organisations(db_session, clock, person)
    return person


def sign_agreement(*, db_session: Session, clock: Clock, actor: PersonActor, version: str) -> None:
    agreements.sign(db_session=db_session, clock=clock, subject_kind="person", subject_id=actor.person_id,
                    version=version, channel="online", signed_by=actor.person_id)
    audit.record(db_session=db_session, clock=clock, actor=actor.ref, action="person.agreement", object_kind="person",
                 object_id=actor.person_id, details={"version": version})
    _refresh_restriction(db_session, get(db_session=db_session, person_id=actor.person_id), actor.session_id)


def _refresh_restriction(db_session: Session, person: Person, session_id: int | None) -> None:
    """A session stays limited to the setup steps until the password is changed and the agreement signed."""
    db_session.flush()
    pending = person.must_change_password or agreement_pending(db_session=db_session, person_id=person.id)
    session_store.set_restricted(db_session=db_session, session_id=session_id, restricted=pending)


def bind_phone(*, db_session: Session, clock: Clock, actor: PersonActor, phone: str, sms_code: str) -> Person:
    """A linked account with no phone yet adds one, confirmed by a code."""
    person = get(db_session=db_session, person_id=actor.person_id)
    if person.phone:
        raise Conflict("PHONE_ALREADY_BOUND", "已绑定手机号；更换请用“更换手机号”")
    phone = normalize_phone(phone)
    if find_by_phone(db_session=db_session, phone=phone) is not None:
        raise Conflict("PHONE_TAKEN", "这个手机号已绑定其他账号，请换一个手机号")
    check_code(db_session=db_session, clock=clock, phone=phone, purpose=CodePurpose.phone_new, code=sms_code)
    person.phone, person.phone_hash, person.phone_verified_at = phone, phone_hash(phone), clock.now()
    audit.record(db_session=db_session, clock=clock, actor=actor.ref, action="person.phone_bind", object_kind="person",
                 object_id=person.id, details={"phone": mask_phone(phone)})
    return person


def set_password(*, db_session: Session, clock: Clock, actor: PersonActor, current: str | None, new: str) -> Person:
    """Change the password; the initial or missing one (window, linked) needs no current password."""
    person = get(db_session=db_session, person_id=actor.person_id)
    if person.password_hash and not person.must_change_password and not check_password(person.password_hash, current or ""):
        raise InvalidInput("PASSWORD_WRONG", "当前密码不正确")
    check_strength(new, id_number=person.id_number, phone=person.phone)
    if person.password_hash and check_password(person.password_hash, new):
        raise InvalidInput("PASSWORD_SAME", "新密码不能与原密码相同")
    person.password_hash, person.must_change_password = hash_password(new), False
    session_store.end_sessions(db_session=db_session, clock=clock, subject_kind="person", subject_id=person.id, keep=actor.session_id)
    _refresh_restriction(db_session, person, actor.session_id)
    audit.record(db_session=db_session, clock=clock, actor=actor.ref, action="person.password_change",
                 object_kind="person", object_id=person.id)
    return person


def request_reset_code(*, db_session: Session, clock: Clock, gateway: SmsGateway, phone: str, client_ip: str) -> None:
    """A reset code goes only to a bound phone, but every phone is counted and answered the same (ACC-06)."""
    phone = normalize_phone(phone)
    registered = find_by_phone(db_session=db_session, phone=phone) is not None
    send_code(db_session=db_session, clock=clock, gateway=gateway, phone=phone, purpose=CodePurpose.reset,
              client_ip=client_ip, deliver=registered)


def reset_password(*, db_session: Session, clock: Clock, phone: str, sms_code: str, new: str) -> Person:
    """Forgotten password: prove the bound phone with a code, choose a new password (ACC-06).

    The new password also starts the login throttling afresh, from every address."""
    phone = normalize_phone(phone)
    person = find_by_phone(db_session=db_session, phone=phone)
    check_code(db_session=db_session, clock=clock, phone=phone, purpose=CodePurpose.reset, code=sms_code)
    if person is None:  # a code is only ever sent to bound phones, so this is unreachable in practice
        raise InvalidInput("SMS_CODE_WRONG", "短信验证码不正确，请核对后重新输入")
    check_strength(new, id_number=person.id_number, phone=person.phone)
    person.password_hash, person.must_change_password = hash_password(new), False
    session_store.end_sessions(db_session=db_session, clock=clock, subject_kind="person", subject_id=person.id)
    audit.record(db_session=db_session, clock=clock, actor=f"person:{person.id}", action="person.password_reset",
                 object_kind="person", object_id=person.id)
    return person


def change_phone(*, db_session: Session, clock: Clock, actor: PersonActor, old_code: str, new_phone: str, new_code: str) -> Person:
    """The old phone confirms the unbinding, the new one the binding (ACC-06)."""
    person = get(db_session=db_session, person_id=actor.person_id)
    if not person.phone:
        raise InvalidInput("NO_PHONE", "账号尚未绑定手机号")
    new_phone = normalize_phone(new_phone)
    if new_phone == person.phone:
        raise InvalidInput("PHONE_SAME", "新手机号与原手机号相同")
    if find_by_phone(db_session=db_session, phone=new_phone) is not None:
        raise Conflict("PHONE_TAKEN", "这个手机号已绑定其他账号，请换一个手机号")
    check_code(db_session=db_session, clock=clock, phone=person.phone, purpose=CodePurpose.phone_old, code=old_code)
    check_code(db_session=db_session, clock=clock, phone=new_phone, purpose=CodePurpose.phone_new, code=new_code)
    old = person.phone
    person.phone, person.phone_hash, person.phone_verified_at = new_phone, phone_hash(new_phone), clock.now()
    audit.record(db_session=db_session, clock=clock, actor=actor.ref, action="person.phone_change", object_kind="person",
                 object_id=person.id, details={"from": mask_phone(old), "to": mask_phone(new_phone)})
    return person


def _bind_organisations(db_session: Session, clock: Clock, person: Person) -> None:
    organisations.bind_legal_rep(db_session=db_session, clock=clock, person=person)

