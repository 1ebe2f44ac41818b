"""JSON API for people and organisations: registration, login, account, organisations, delegations (ACC-01…07)."""

from __future__ import annotations


from fastapi import APIRouter, Request, Response
from sqlalchemy.orm import Session

from tongban.accounts import agreements, delegation, organisations, persons, sessions
from tongban.accounts.access import PersonActor
from tongban.accounts.identity import normalize_phone
from tongban.accounts.schemas import (
    AgreementIn, AgreementOut, ChallengeOut, DecisionIn, DelegationChangeIn, DelegationOut, DelegationRequestIn, GrantIn,
    LoginIn, OrganisationIn, OrganisationOut, PasswordIn, PersonOut, PhoneChangeIn, QrCodeIn, QrPollIn, QrPollOut,
    QrStartOut, ReasonIn, RegistrationIn, ResetIn, SmsCodeIn, TokenOut, VerifyIn,
)
from tongban.accounts.verification import CodePurpose, send_code
from tongban.core.clock import Clock
from tongban.core.errors import Forbidden, NotFound, Unauthorized
from tongban.web.deps import bearer, client_ip, Db, Gateway, get_person_any, Library, Me, MeAny, Now

router = APIRouter(prefix="/api/v1", tags=["accounts"])


def _person_out(db: Session, person_id: int) -> PersonOut:
    person = persons.get(db_session=db, person_id=person_id)
    return persons.view(db_session=db, person=person)


@router.get("/agreements/{subject_kind}", response_model=AgreementOut, summary="当前版本的实名注册服务协议")
def agreement(subject_kind: str) -> AgreementOut:
    if subject_kind not in agreements.CURRENT:
        raise NotFound("AGREEMENT_KIND", "协议类型只能是 person 或 org")
    current = agreements.current(subject_kind)
    return AgreementOut(version=current.version, title=current.title, text=current.text)


@router.post("/accounts/sms-codes", status_code=202, summary="发送短信验证码（每个手机号 60 秒一次，每天 10 次）")
def sms_code(body: SmsCodeIn, request: Request, db: Db, clock: Now, gateway: Gateway) -> dict:
    purpose = CodePurpose(body.purpose)
    if purpose in (CodePurpose.phone_old, CodePurpose.phone_new):
        actor = get_person_any(request, db, clock)
        person = persons.get(db_session=db, person_id=actor.person_id)
        phone = person.phone if purpose is CodePurpose.phone_old else normalize_phone(body.phone)
        if not phone:
            raise NotFound("NO_PHONE", "账号尚未绑定手机号")
    else:
        phone = normalize_phone(body.phone)
    if purpose is CodePurpose.reset:
        persons.request_reset_code(db_session=db, clock=clock, gateway=gateway, phone=phone, client_ip=client_ip(request))
    else:
        send_code(db_session=db, clock=clock, gateway=gateway, phone=phone, purpose=purpose, client_ip=client_ip(request))
    db.commit()
    return {"sent": True, "expires_in": 300}


@router.post("/accounts/persons", status_code=201, response_model=PersonOut, summary="自然人网上实名注册")
def register(body: RegistrationIn, request: Request, db: Db, clock: Now, library: Library) -> PersonOut:
    person = persons.register_online(
        db_session=db, clock=clock, library=library, client_ip=client_ip(request),
        registration=persons.Registration(**body.model_dump(exclude={"factors"}), factors=dict(body.factors)),
    )
    db.commit()
    return _person_out(db, person.id)


@router.post("/auth/login", response_model=ChallengeOut, summary="登录第一步：证件号码或手机号＋密码；成功后发送短信验证码")
def login(body: LoginIn, request: Request, db: Db, clock: Now, gateway: Gateway) -> ChallengeOut:
    challenge = sessions.begin_login(db_session=db, clock=clock, gateway=gateway, identifier=body.identifier,
                                     password=body.password, client_ip=client_ip(request), transport="bearer")
    db.commit()
    return ChallengeOut(challenge=challenge.token, phone_masked=challenge.phone_masked)


@router.post("/auth/staff/login", response_model=ChallengeOut, summary="工作人员登录第一步：用户名＋密码")
def staff_login(body: LoginIn, request: Request, db: Db, clock: Now, gateway: Gateway) -> ChallengeOut:
    challenge = sessions.begin_login(db_session=db, clock=clock, gateway=gateway, identifier=body.identifier,
                                     password=body.password, client_ip=client_ip(request), subject_kind="staff", transport="bearer")
    db.commit()
    return ChallengeOut(challenge=challenge.token, phone_masked=challenge.phone_masked)


@router.post("/auth/login/verify", response_model=TokenOut, summary="登录第二步：短信验证码，换取访问令牌")
def login_verify(body: VerifyIn, db: Db, clock: Now) -> TokenOut:
    new = sessions.complete_login(db_session=db, clock=clock, challenge=body.challenge, code=body.code)
    db.commit()
    return TokenOut(token=new.token, expires_at=new.row.expires_at, setup_required=new.row.restricted)


@router.post("/auth/logout", status_code=204, summary="退出登录（令牌作废）")
def logout(request: Request, db: Db, clock: Now) -> Response:
    token = bearer(request)
    if not token:
        raise Unauthorized("LOGIN_REQUIRED", "请先登录")
    sessions.end_session(db_session=db, clock=clock, token=token)
    db.commit()
    return Response(status_code=204)


@router.post("/auth/password-reset", status_code=204, summary="凭绑定手机的验证码重置密码")
def password_reset(body: ResetIn, db: Db, clock: Now) -> Response:
    persons.reset_password(db_session=db, clock=clock, phone=body.phone, sms_code=body.code, new=body.new_password)
    db.commit()
    return Response(status_code=204)


@router.post("/auth/qr", response_model=QrStartOut, summary="电脑端：生成扫码登录二维码")
def qr_start(request: Request, db: Db, clock: Now) -> QrStartOut:
    started = sessions.qr_start(db_session=db, clock=clock)
    db.commit()
    url = str(request.url_for("qr_confirm_page")) + f"?code={started.code}"
    return QrStartOut(code=started.code, poll_secret=started.poll_secret, expires_in=started.expires_in, confirm_url=url)


@router.post("/auth/qr/confirm", status_code=204, summary="手机端（已登录）：确认电脑登录")
def qr_confirm(body: QrCodeIn, db: Db, clock: Now, me: Me) -> Response:
    sessions.qr_confirm(db_session=db, clock=clock, actor=me, code=body.code)
    db.commit()
    return Response(status_code=204)


@router.post("/auth/qr/poll", response_model=QrPollOut, summary="电脑端：查询是否已在手机上确认")
def qr_poll(body: QrPollIn, db: Db, clock: Now) -> QrPollOut:
    new = sessions.qr_poll(db_session=db, clock=clock, poll_secret=body.poll_secret, transport="bearer")
    db.commit()
    return QrPollOut(status="pending") if new is None else QrPollOut(status="confirmed", token=new.token)


@router.get("/me", response_model=PersonOut, summary="我的账号（证件号码、手机号已脱敏）")
def me(db: Db, actor: MeAny) -> PersonOut:
    return _person_out(db, actor.person_id)


@router.post("/me/password", status_code=204, summary="修改密码（初始密码须先修改）")
def change_password(body: PasswordIn, db: Db, clock: Now, actor: MeAny) -> Response:
    persons.set_password(db_session=db, clock=clock, actor=actor, current=body.current, new=body.new)
    db.commit()
    return Response(status_code=204)


@router.post("/me/agreement", status_code=204, summary="确认当前版本的服务协议")
def sign_agreement(body: AgreementIn, db: Db, clock: Now, actor: MeAny) -> Response:
    persons.sign_agreement(db_session=db, clock=clock, actor=actor, version=body.version)
    db.commit()
    return Response(status_code=204)


@router.post("/me/phone", response_model=PersonOut, summary="更换手机号：原手机号和新手机号各一个验证码")
def change_phone(body: PhoneChangeIn, db: Db, clock: Now, actor: Me) -> PersonOut:
    persons.change_phone(db_session=db, clock=clock, actor=actor, old_code=body.old_code, new_phone=body.new_phone,
                         new_code=body.new_code)
    db.commit()
    return _person_out(db, actor.person_id)


# --- organisations and delegations -----------------------------------------------------------------

@router.post("/organisations", status_code=201, response_model=OrganisationOut, summary="法定代表人网上注册法人账号")
def register_organisation(body: OrganisationIn, db: Db, clock: Now, library: Library, actor: Me) -> OrganisationOut:
    org = organisations.register_online(db_session=db, clock=clock, library=library, actor=actor, uscc=body.uscc,
                                        agreement_version=body.agreement_version)
    db.commit()
    return organisations.view(org, my_role="法定代表人")


@router.get("/organisations", response_model=list[OrganisationOut], summary="我可以代表办理的单位")
def my_organisations(db: Db, clock: Now, actor: Me) -> list[OrganisationOut]:
    rows = delegation.organisations_for(db_session=db, clock=clock, person_id=actor.person_id)
    return [organisations.view(org, my_role=role) for org, role in rows]


@router.get("/organisations/{organisation_id}/delegations", response_model=list[DelegationOut], summary="授权查看")
def list_delegations(organisation_id: int, db: Db, clock: Now, actor: Me) -> list[DelegationOut]:
    return delegation.view(db_session=db, clock=clock, actor=actor, organisation_id=organisation_id)


def _delegation_out(db: Session, clock: Clock, actor: PersonActor, row) -> DelegationOut:
    views = delegation.view(db_session=db, clock=clock, actor=actor, organisation_id=row.organisation_id)
    return next(v for v in views if v.id == row.id)


@router.post("/organisations/{organisation_id}/delegations", status_code=201, response_model=DelegationOut, summary="授权")
def grant(organisation_id: int, body: GrantIn, db: Db, clock: Now, actor: Me) -> DelegationOut:
    row = delegation.grant(
        db_session=db, clock=clock, actor=actor, organisation_id=organisation_id, grantee_person_id=persons.identify(
            db_session=db, id_kind=body.grantee_id_kind, id_number=body.grantee_id_number, name=body.grantee_name, role="被授权人"
        ).id,
        item_scope=body.item_scope, valid_from=body.valid_from or clock.now(), valid_until=body.valid_until,
        may_redelegate=body.may_redelegate, parent_id=body.parent_id, note=body.note,
    )
    db.commit()
    return _delegation_out(db, clock, actor, row)


@router.post("/organisations/{organisation_id}/delegation-requests", status_code=201, response_model=DelegationOut,
             summary="申请授权")
def request_delegation(organisation_id: int, body: DelegationRequestIn, db: Db, clock: Now, actor: Me) -> DelegationOut:
    row = delegation.request(db_session=db, clock=clock, actor=actor, organisation_id=organisation_id,
                             item_scope=body.item_scope, valid_from=body.valid_from or clock.now(),
                             valid_until=body.valid_until, note=body.note)
    db.commit()
    return _delegation_out(db, clock, actor, row)


@router.post("/delegations/{delegation_id}/decision", response_model=DelegationOut, summary="法定代表人处理授权申请")
def decide(delegation_id: int, body: DecisionIn, db: Db, clock: Now, actor: Me) -> DelegationOut:
    row = delegation.decide_request(db_session=db, clock=clock, actor=actor, delegation_id=delegation_id,
                                    approve=body.approve, may_redelegate=body.may_redelegate, note=body.note)
    db.commit()
    return _delegation_out(db, clock, actor, row)


@router.patch("/delegations/{delegation_id}", response_model=DelegationOut, summary="变更授权")
def change(delegation_id: int, body: DelegationChangeIn, db: Db, clock: Now, actor: Me) -> DelegationOut:
    row = delegation.change(db_session=db, clock=clock, actor=actor, delegation_id=delegation_id, item_scope=body.item_scope,
                            valid_until=body.valid_until, may_redelegate=body.may_redelegate)
    db.commit()
    return _delegation_out(db, clock, actor, row)


@router.post("/delegations/{delegation_id}/revoke", response_model=DelegationOut, summary="取消授权")
def revoke(delegation_id: int, body: ReasonIn, db: Db, clock: Now, actor: Me) -> DelegationOut:
    row = delegation.revoke(db_session=db, clock=clock, actor=actor, delegation_id=delegation_id, reason=body.reason)
    db.commit()
    try:
        return _delegation_out(db, clock, actor, row)
    except (StopIteration, Forbidden):  # a grantee who renounced no longer sees the organisation
        return DelegationOut(id=row.id, depth=row.depth, parent_id=row.parent_id, grantor_person_id=row.grantor_person_id,
                             grantee_person_id=row.grantee_person_id, grantee_name=actor.name, item_scope=row.item_scope,
                             valid_from=row.valid_from, valid_until=row.valid_until, may_redelegate=row.may_redelegate,
                             status=row.status, effective=False)
