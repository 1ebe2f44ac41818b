"""Request and response bodies of the accounts API."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Short = Field(min_length=1, max_length=100)


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class SmsCodeIn(Strict):
    purpose: Literal["register", "reset", "phone_new", "phone_old"]
    phone: str = Field(default="", max_length=20, description="phone_old 时不填：发到已绑定的手机")


class RegistrationIn(Strict):
    name: str = Short
    id_kind: str = Field(default="resident_id", max_length=30)
    id_number: str = Field(min_length=1, max_length=30)
    nationality: str | None = Field(default=None, max_length=3)
    phone: str = Field(min_length=1, max_length=20)
    sms_code: str = Field(min_length=1, max_length=10)
    password: str = Field(min_length=1, max_length=128)
    agreement_version: str = Field(min_length=1, max_length=20)
    factors: dict[Literal["social_security_card", "bank_card", "housing_fund", "driving_licence"], str] = Field(
        default_factory=dict, description="除手机外的核验项：类型 → 卡号/账号/档案编号"
    )


class PersonOut(BaseModel):
    id: int
    name: str
    id_kind: str
    id_kind_label: str
    id_number_masked: str
    phone_masked: str
    status: str
    registered_via: str
    must_change_password: bool
    agreement_pending: bool


class LoginIn(Strict):
    identifier: str = Field(min_length=1, max_length=60, description="证件号码或手机号；工作人员为用户名")
    password: str = Field(min_length=1, max_length=128)


class ChallengeOut(BaseModel):
    challenge: str
    phone_masked: str


class VerifyIn(Strict):
    challenge: str = Field(min_length=1, max_length=100)
    code: str = Field(min_length=1, max_length=10)


class TokenOut(BaseModel):
    token: str
    token_type: Literal["bearer"] = "bearer"
    expires_at: datetime
    setup_required: bool = Field(description="须先修改初始密码或确认服务协议")


class PasswordIn(Strict):
    current: str = Field(default="", max_length=128)
    new: str = Field(min_length=1, max_length=128)


class ResetIn(Strict):
    phone: str = Field(min_length=1, max_length=20)
    code: str = Field(min_length=1, max_length=10)
    new_password: str = Field(min_length=1, max_length=128)


class PhoneChangeIn(Strict):
    old_code: str = Field(min_length=1, max_length=10)
    new_phone: str = Field(min_length=1, max_length=20)
    new_code: str = Field(min_length=1, max_length=10)


class AgreementIn(Strict):
    version: str = Field(min_length=1, max_length=20)


class AgreementOut(BaseModel):
    version: str
    title: str
    text: str


class QrStartOut(BaseModel):
    code: str
    poll_secret: str
    expires_in: int
    confirm_url: str


class QrCodeIn(Strict):
    code: str = Field(min_length=1, max_length=100)


class QrPollIn(Strict):
    poll_secret: str = Field(min_length=1, max_length=100)


class QrPollOut(BaseModel):
    status: Literal["pending", "confirmed"]
    token: str | None = None


class OrganisationIn(Strict):
    uscc: str = Field(min_length=1, max_length=30)
    agreement_version: str = Field(min_length=1, max_length=20)


class OrganisationOut(BaseModel):
    id: int
    uscc: str
    name: str
    org_kind_label: str
    legal_rep_name: str
    legal_rep_bound: bool
    registered_via: str
    status: str
    my_role: str = ""


class GrantIn(Strict):
    grantee_id_kind: str = Field(default="resident_id", max_length=30)
    grantee_id_number: str = Field(min_length=1, max_length=30, description="被授权人的证件号码（须已实名注册）")
    grantee_name: str = Short
    item_scope: list[str] = Field(default_factory=list, max_length=500, description="事项编码；空表示全部事项")
    valid_from: datetime | None = None
    valid_until: datetime
    may_redelegate: bool = False
    parent_id: int | None = None
    note: str = Field(default="", max_length=500)


class DelegationRequestIn(Strict):
    item_scope: list[str] = Field(default_factory=list, max_length=500)
    valid_from: datetime | None = None
    valid_until: datetime
    note: str = Field(default="", max_length=500)


class DecisionIn(Strict):
    approve: bool
    may_redelegate: bool = False
    note: str = Field(default="", max_length=500)


class DelegationChangeIn(Strict):
    item_scope: list[str] | None = Field(default=None, max_length=500)
    valid_until: datetime | None = None
    may_redelegate: bool | None = None


class ReasonIn(Strict):
    reason: str = Field(min_length=1, max_length=500)


class DelegationOut(BaseModel):
    id: int
    depth: int
    parent_id: int | None
    grantor_person_id: int | None
    grantee_person_id: int
    grantee_name: str
    item_scope: list[str]
    valid_from: datetime
    valid_until: datetime
    may_redelegate: bool
    status: str
    effective: bool


class WindowPersonIn(Strict):
    name: str = Short
    id_kind: str = Field(default="resident_id", max_length=30)
    id_number: str = Field(min_length=1, max_length=30)
    nationality: str | None = Field(default=None, max_length=3)
    phone: str = Field(min_length=1, max_length=20)
    sms_code: str = Field(min_length=1, max_length=10, description="申请人手机收到的确认码（先调用 window-codes 发送）")


class WindowCodeIn(Strict):
    phone: str = Field(min_length=1, max_length=20)


class WindowPersonOut(BaseModel):
    person: PersonOut
    initial_password: str


class StaffIn(Strict):
    username: str = Field(min_length=1, max_length=60)
    name: str = Short
    roles: list[str] = Field(min_length=1, max_length=20)
    region_code: str = Field(min_length=6, max_length=6)
    agency_id: int | None = None
    phone: str | None = Field(default=None, max_length=20)


class StaffOut(BaseModel):
    id: int
    username: str
    name: str
    roles: list[str]
    agency_id: int | None
    region_code: str
    status: str


class StaffCreatedOut(BaseModel):
    staff: StaffOut
    initial_password: str


class StatusRequestOut(BaseModel):
    id: int
    account_kind: str
    account_id: int
    reason: str
    status: str


class PolicyIn(Strict):
    enabled: bool = True
    allow_anonymous: bool = False
    subject_kinds: list[str] = Field(default_factory=list, max_length=3)
    staff_roles: list[str] = Field(default_factory=list, max_length=20)
    id_kinds: list[str] = Field(default_factory=list, max_length=10)


class PolicyOut(BaseModel):
    application: str
    label: str
    enabled: bool
    allow_anonymous: bool
    subject_kinds: list[str]
    staff_roles: list[str]
    id_kinds: list[str]


class AuditOut(BaseModel):
    seq: int
    at: datetime
    actor: str
    action: str
    object_kind: str
    object_id: str
    details: str
