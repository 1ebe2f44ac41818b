"""Tables of accounts: persons, organisations, delegations, staff, sessions, codes, policies."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from tongban.core.crypto import EncryptedText
from tongban.core.db import Base, UtcDateTime


class Person(Base):
    """A real-name natural-person user (自然人用户). ID number and phone are stored encrypted."""

    __tablename__ = "person"
    __table_args__ = (UniqueConstraint("id_number_hash"), UniqueConstraint("phone_hash"))

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    id_kind: Mapped[str] = mapped_column(String(30))  # IdKind
    id_number: Mapped[str] = mapped_column(EncryptedText)
    id_number_hash: Mapped[str] = mapped_column(String(64))  # HMAC-SM3 of kind and number
    nationality: Mapped[str | None] = mapped_column(String(3))
    phone: Mapped[str | None] = mapped_column(EncryptedText)
    phone_hash: Mapped[str | None] = mapped_column(String(64))
    phone_verified_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    password_hash: Mapped[str | None] = mapped_column(String(200))
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(20), default="active")  # AccountStatus
    registered_via: Mapped[str] = mapped_column(String(20))  # online / window / linked
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    last_login_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class VerifiedFactor(Base):
    """One identity factor that was checked at registration (003: ID plus two of phone, cards…)."""

    __tablename__ = "verified_factor"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    kind: Mapped[str] = mapped_column(String(30))  # FactorKind
    checked_by: Mapped[str] = mapped_column(String(40))  # "population_library", "sms", "staff:3", "idp:…"
    verified_at: Mapped[datetime] = mapped_column(UtcDateTime)


class AgreementSignature(Base):
    """A signed service agreement (实名注册服务协议): which version, when, how."""

    __tablename__ = "agreement_signature"

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_kind: Mapped[str] = mapped_column(String(10))  # person / org
    subject_id: Mapped[int] = mapped_column(Integer, index=True)
    version: Mapped[str] = mapped_column(String(20))
    text_sm3: Mapped[str] = mapped_column(String(64))  # fingerprint of the exact text agreed to
    channel: Mapped[str] = mapped_column(String(20))  # online / window (paper)
    signed_by_person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    signed_at: Mapped[datetime] = mapped_column(UtcDateTime)


class LinkedIdentity(Base):
    """A binding between a person and an account at a trusted identity provider (关联注册)."""

    __tablename__ = "linked_identity"
    __table_args__ = (UniqueConstraint("issuer", "subject"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    issuer: Mapped[str] = mapped_column(String(300))
    subject: Mapped[str] = mapped_column(String(200))
    linked_at: Mapped[datetime] = mapped_column(UtcDateTime)


class Organisation(Base):
    """A legal person or other organisation user (法人用户), bound to its legal representative."""

    __tablename__ = "organisation"

    id: Mapped[int] = mapped_column(primary_key=True)
    uscc: Mapped[str] = mapped_column(String(18), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    org_kind: Mapped[str] = mapped_column(String(30))
    legal_rep_name: Mapped[str] = mapped_column(String(100))
    legal_rep_id_hash: Mapped[str] = mapped_column(String(64), index=True)
    legal_rep_person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"), index=True)
    status: Mapped[str] = mapped_column(String(20), default="active")
    registered_via: Mapped[str] = mapped_column(String(20))  # online / window / proxy
    authorization_letter: Mapped[str | None] = mapped_column(String(200))  # proxy: letter reference
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class Delegation(Base):
    """An organisation's grant to an agent (授权): scope, validity and depth (at most 3)."""

    __tablename__ = "delegation"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("delegation.id"), index=True)
    depth: Mapped[int] = mapped_column(Integer)  # 1 = granted by the legal representative
    grantor_person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    grantee_person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    item_scope: Mapped[list] = mapped_column(JSON, default=list)  # item codes; empty means every item
    valid_from: Mapped[datetime] = mapped_column(UtcDateTime)
    valid_until: Mapped[datetime] = mapped_column(UtcDateTime)
    may_redelegate: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(20))  # DelegationStatus
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    changed_at: Mapped[datetime] = mapped_column(UtcDateTime)


class StaffAccount(Base):
    """A government-side user with roles, scoped to an agency and a region (002 §7)."""

    __tablename__ = "staff_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    roles: Mapped[list] = mapped_column(JSON, default=list)  # StaffRole values
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agency.id"), index=True)
    region_code: Mapped[str] = mapped_column(String(6))
    phone: Mapped[str | None] = mapped_column(EncryptedText)
    phone_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    password_hash: Mapped[str | None] = mapped_column(String(200))
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=True)
    status: Mapped[str] = mapped_column(String(20), default="active")
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    last_login_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class StaffToken(Base):
    """A bearer token for a staff account's API use; only its SM3 hash is stored."""

    __tablename__ = "staff_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff_account.id"), index=True)
    label: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class StatusRequest(Base):
    """Disabling is immediate; re-enabling waits for a manager's approval (003 账号解禁)."""

    __tablename__ = "status_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_kind: Mapped[str] = mapped_column(String(10))  # person / staff
    account_id: Mapped[int] = mapped_column(Integer, index=True)
    action: Mapped[str] = mapped_column(String(10))  # enable
    reason: Mapped[str] = mapped_column(Text)
    requested_by: Mapped[int] = mapped_column(ForeignKey("staff_account.id"))
    requested_at: Mapped[datetime] = mapped_column(UtcDateTime)
    status: Mapped[str] = mapped_column(String(10), default="pending")  # pending / approved / rejected
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("staff_account.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    decision_note: Mapped[str] = mapped_column(Text, default="")


class AuthSession(Base):
    """A signed-in session (cookie for pages, bearer for the API); only the token hash is stored."""

    __tablename__ = "auth_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    subject_kind: Mapped[str] = mapped_column(String(10))  # person / staff
    subject_id: Mapped[int] = mapped_column(Integer, index=True)
    transport: Mapped[str] = mapped_column(String(10))  # cookie / bearer
    csrf_token: Mapped[str] = mapped_column(String(64))
    restricted: Mapped[bool] = mapped_column(Boolean, default=False)  # only a password change allowed
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    last_seen_at: Mapped[datetime] = mapped_column(UtcDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class LoginChallenge(Base):
    """The step between a correct password and the SMS code that completes a login."""

    __tablename__ = "login_challenge"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    subject_kind: Mapped[str] = mapped_column(String(10))
    subject_id: Mapped[int] = mapped_column(Integer)
    transport: Mapped[str] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class SmsCode(Base):
    """A one-time SMS code; the phone and the code are kept only as keyed hashes."""

    __tablename__ = "sms_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    phone_hash: Mapped[str] = mapped_column(String(64), index=True)
    purpose: Mapped[str] = mapped_column(String(20))  # CodePurpose
    code_hash: Mapped[str] = mapped_column(String(64))
    client_ip: Mapped[str] = mapped_column(String(64), index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class QrLogin(Base):
    """A QR code on a computer, confirmed from a phone where the person is already signed in."""

    __tablename__ = "qr_login"

    id: Mapped[int] = mapped_column(primary_key=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)  # what the QR code carries
    poll_hash: Mapped[str] = mapped_column(String(64))  # the computer's secret to collect the session
    status: Mapped[str] = mapped_column(String(12), default="pending")  # pending / confirmed / used
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)


class AccessPolicy(Base):
    """Who may use one application (003 应用访问控制); each application's row changes alone."""

    __tablename__ = "access_policy"

    id: Mapped[int] = mapped_column(primary_key=True)
    application: Mapped[str] = mapped_column(String(40), unique=True)
    label: Mapped[str] = mapped_column(String(100))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    allow_anonymous: Mapped[bool] = mapped_column(Boolean, default=False)
    subject_kinds: Mapped[list] = mapped_column(JSON, default=list)  # "person", "org_agent", "staff"
    staff_roles: Mapped[list] = mapped_column(JSON, default=list)  # empty: any role
    id_kinds: Mapped[list] = mapped_column(JSON, default=list)  # empty: any identity document
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_by: Mapped[str] = mapped_column(String(60), default="")
