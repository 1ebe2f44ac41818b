"""Enumerations of the service item catalog, with GB/T 39046 appendix A codes where they exist."""

from __future__ import annotations

from enum import StrEnum


class ItemType(StrEnum):
    """事项类型 (CAT-01; GB/T 39046 A.1)."""

    licensing = "licensing"
    confirmation = "confirmation"
    adjudication = "adjudication"
    benefit = "benefit"
    reward = "reward"
    other_power = "other_power"
    public_service = "public_service"

    @property
    def label(self) -> str:
        return ITEM_TYPE_LABELS[self]

    @property
    def gbt_code(self) -> str:
        return ITEM_TYPE_GBT_CODES[self]

    @property
    def nature(self) -> str:
        """行政权力事项 or 公共服务事项 (003 二(一))."""
        return "public_service" if self is ItemType.public_service else "administrative_power"


ITEM_TYPE_LABELS = {
    ItemType.licensing: "行政许可",
    ItemType.confirmation: "行政确认",
    ItemType.adjudication: "行政裁决",
    ItemType.benefit: "行政给付",
    ItemType.reward: "行政奖励",
    ItemType.other_power: "其他行政权力",
    ItemType.public_service: "公共服务",
}
ITEM_TYPE_GBT_CODES = {
    ItemType.licensing: "01",
    ItemType.benefit: "05",
    ItemType.confirmation: "07",
    ItemType.reward: "08",
    ItemType.adjudication: "09",
    ItemType.other_power: "10",
    ItemType.public_service: "20",
}
ITEM_TYPE_BY_GBT_CODE = {code: item_type for item_type, code in ITEM_TYPE_GBT_CODES.items()}


class Level(StrEnum):
    """行使层级 (CAT-08; GB/T 39046 A.2)."""

    national = "national"
    province = "province"
    city = "city"
    county = "county"
    township = "township"
    village = "village"

    @property
    def label(self) -> str:
        return LEVEL_LABELS[self]

    @property
    def gbt_code(self) -> str:
        return str(list(Level).index(self) + 1)


LEVEL_LABELS = {
    Level.national: "国家级",
    Level.province: "省级",
    Level.city: "市级",
    Level.county: "县级",
    Level.township: "乡镇（街道）级",
    Level.village: "村（社区）级",
}


class Audience(StrEnum):
    """服务对象 (003 二(二))."""

    person = "person"
    org = "org"

    @property
    def label(self) -> str:
        return {"person": "自然人", "org": "法人"}[self.value]


class HandlingForm(StrEnum):
    """办理形式."""

    online = "online"
    offline = "offline"
    both = "both"

    @property
    def label(self) -> str:
        return {"online": "网上办理", "offline": "窗口办理", "both": "网上办理、窗口办理"}[self.value]


class HandlingScope(StrEnum):
    """通办范围."""

    fixed = "fixed"
    province = "province"
    cross_province = "cross_province"

    @property
    def label(self) -> str:
        return {"fixed": "定点办理", "province": "全省通办", "cross_province": "跨省通办"}[self.value]


class CaseKind(StrEnum):
    """办件类型 (GB/T 39046 A.6)."""

    instant = "instant"
    promised = "promised"

    @property
    def label(self) -> str:
        return {"instant": "即办件", "promised": "承诺件"}[self.value]


class LimitUnit(StrEnum):
    working_day = "working_day"
    natural_day = "natural_day"

    @property
    def label(self) -> str:
        return {"working_day": "个工作日", "natural_day": "个自然日"}[self.value]


class MaterialForm(StrEnum):
    """材料形式 (CAT-06)."""

    original = "original"
    copy = "copy"
    electronic = "electronic"

    @property
    def label(self) -> str:
        return {"original": "原件", "copy": "复印件", "electronic": "电子件"}[self.value]


class Necessity(StrEnum):
    """必要性: required / optional / conditional (CAT-06)."""

    required = "required"
    optional = "optional"
    conditional = "conditional"

    @property
    def label(self) -> str:
        return {"required": "必要", "optional": "非必要", "conditional": "特定情形下必要"}[self.value]


class Actor(StrEnum):
    """Who acts in a process step; the back-office posts of CAT-13."""

    applicant = "applicant"
    receiver = "receiver"
    acceptor = "acceptor"
    reviewer = "reviewer"
    decider = "decider"
    dispatcher = "dispatcher"

    @property
    def label(self) -> str:
        return {
            "applicant": "申请人",
            "receiver": "收件人",
            "acceptor": "受理人",
            "reviewer": "审查人",
            "decider": "决定人",
            "dispatcher": "送件人",
        }[self.value]


class Channel(StrEnum):
    """Channels through which an item can be handled (CASE-18)."""

    web = "web"
    mobile = "mobile"
    terminal = "terminal"
    window = "window"
    post = "post"

    @property
    def label(self) -> str:
        return {"web": "政务服务网", "mobile": "移动端", "terminal": "自助终端", "window": "窗口", "post": "邮寄"}[self.value]


class DeliveryMethod(StrEnum):
    """送达方式 (CASE-16)."""

    online_download = "online_download"
    window_pickup = "window_pickup"
    locker = "locker"
    post = "post"

    @property
    def label(self) -> str:
        return {
            "online_download": "网上下载",
            "window_pickup": "窗口领取",
            "locker": "24小时自助柜领取",
            "post": "邮寄送达",
        }[self.value]


class FeeRule(StrEnum):
    fixed = "fixed"
    per_unit = "per_unit"
    tiered = "tiered"


class ItemRelation(StrEnum):
    """主项 / 子项 / 办理项 (CAT-03)."""

    main = "main"
    sub = "sub"
    variant = "variant"

    @property
    def label(self) -> str:
        return {"main": "主项", "sub": "子项", "variant": "办理项"}[self.value]


class ItemStatus(StrEnum):
    active = "active"
    suspended = "suspended"
    stopped = "stopped"

    @property
    def label(self) -> str:
        return {"active": "在用", "suspended": "暂停办理", "stopped": "已停止办理"}[self.value]


class VersionState(StrEnum):
    """Lifecycle of an item version (CAT-11)."""

    draft = "draft"
    submitted = "submitted"
    returned = "returned"
    approved = "approved"
    published = "published"
    superseded = "superseded"

    @property
    def label(self) -> str:
        return {
            "draft": "草稿",
            "submitted": "待审核",
            "returned": "已退回",
            "approved": "审核通过",
            "published": "已发布",
            "superseded": "历史版本",
        }[self.value]


class BasisKind(StrEnum):
    law = "law"
    administrative_regulation = "administrative_regulation"
    local_regulation = "local_regulation"
    rule = "rule"
    normative_document = "normative_document"

    @property
    def label(self) -> str:
        return {
            "law": "法律",
            "administrative_regulation": "行政法规",
            "local_regulation": "地方性法规",
            "rule": "规章",
            "normative_document": "规范性文件",
        }[self.value]


class ExemptionKind(StrEnum):
    """Ways a material may be exempted instead of uploaded (CASE-02; 002 8.3.3)."""

    licence = "licence"  # 电子证照: a valid e-licence on file replaces it
    shared_data = "shared_data"  # 数据共享: checked against a base library
    pledge = "pledge"  # 告知承诺: the applicant's written pledge replaces the proof
    assistance = "assistance"  # 部门协查: the agency obtains it by administrative assistance

    @property
    def label(self) -> str:
        return {
            "licence": "电子证照免提交",
            "shared_data": "数据共享核验",
            "pledge": "告知承诺",
            "assistance": "部门协查",
        }[self.value]


class FormFieldKind(StrEnum):
    """Kinds of fields on an item's application form."""

    text = "text"
    textarea = "textarea"
    number = "number"
    date = "date"
    choice = "choice"
    phone = "phone"

    @property
    def label(self) -> str:
        return {"text": "文本", "textarea": "多行文本", "number": "数字", "date": "日期", "choice": "选项", "phone": "电话"}[self.value]
