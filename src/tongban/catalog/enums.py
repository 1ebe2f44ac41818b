"""Enumerations of the service item catalog, with GB/T 39046 appendix A codes where they exist."""

from __future__ import annotations

from enum import StrEnum

from tongban.core.enums import LabelledEnum


class ItemType(LabelledEnum):
    """事项类型 (CAT-01; GB/T 39046 A.1)."""

    licensing = "licensing", "行政许可"
    confirmation = "confirmation", "行政确认"
    adjudication = "adjudication", "行政裁决"
    benefit = "benefit", "行政给付"
    reward = "reward", "行政奖励"
    other_power = "other_power", "其他行政权力"
    public_service = "public_service", "公共服务"

    @property
    def gbt_code(self) -> str:
        return ITEM_TYPE_GBT_CODES[self]

    @property
    def nature(self) -> str:
        """行政权力事项 or 公共服务事项 (003 二(一))."""
        return "public_service" if self is ItemType.public_service else "administrative_power"


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


class Level(LabelledEnum):
    """行使层级 (CAT-08; GB/T 39046 A.2)."""

    national = "national", "国家级"
    province = "province", "省级"
    city = "city", "市级"
    county = "county", "县级"
    township = "township", "乡镇（街道）级"
    village = "village", "村（社区）级"

    @property
    def gbt_code(self) -> str:
        return str(list(Level).index(self) + 1)


class Audience(LabelledEnum):
    """服务对象 (003 二(二))."""

    person = "person", "自然人"
    org = "org", "法人"


class HandlingForm(LabelledEnum):
    """办理形式."""

    online = "online", "网上办理"
    offline = "offline", "窗口办理"
    both = "both", "网上办理、窗口办理"


class HandlingScope(LabelledEnum):
    """通办范围."""

    fixed = "fixed", "定点办理"
    province = "province", "全省通办"
    cross_province = "cross_province", "跨省通办"


class CaseKind(LabelledEnum):
    """办件类型 (GB/T 39046 A.6)."""

    instant = "instant", "即办件"
    promised = "promised", "承诺件"


class LimitUnit(LabelledEnum):
    working_day = "working_day", "个工作日"
    natural_day = "natural_day", "个自然日"


class MaterialForm(LabelledEnum):
    """材料形式 (CAT-06)."""

    original = "original", "原件"
    copy = "copy", "复印件"
    electronic = "electronic", "电子件"


class Necessity(LabelledEnum):
    """必要性: required / optional / conditional (CAT-06)."""

    required = "required", "必要"
    optional = "optional", "非必要"
    conditional = "conditional", "特定情形下必要"


class Actor(LabelledEnum):
    """Who acts in a process step; the back-office posts of CAT-13."""

    applicant = "applicant", "申请人"
    receiver = "receiver", "收件人"
    acceptor = "acceptor", "受理人"
    reviewer = "reviewer", "审查人"
    decider = "decider", "决定人"
    dispatcher = "dispatcher", "送件人"


class Channel(LabelledEnum):
    """Channels through which an item can be handled (CASE-18)."""

    web = "web", "政务服务网"
    mobile = "mobile", "移动端"
    terminal = "terminal", "自助终端"
    window = "window", "窗口"
    post = "post", "邮寄"


class DeliveryMethod(LabelledEnum):
    """送达方式 (CASE-16)."""

    online_download = "online_download", "网上下载"
    window_pickup = "window_pickup", "窗口领取"
    locker = "locker", "24小时自助柜领取"
    post = "post", "邮寄送达"


class FeeRule(StrEnum):
    fixed = "fixed"
    per_unit = "per_unit"
    tiered = "tiered"


class ItemRelation(LabelledEnum):
    """主项 / 子项 / 办理项 (CAT-03)."""

    main = "main", "主项"
    sub = "sub", "子项"
    variant = "variant", "办理项"


class ItemStatus(LabelledEnum):
    active = "active", "在用"
    suspended = "suspended", "暂停办理"
    stopped = "stopped", "已停止办理"


class VersionState(LabelledEnum):
    """Lifecycle of an item version (CAT-11)."""

    draft = "draft", "草稿"
    submitted = "submitted", "待审核"
    returned = "returned", "已退回"
    approved = "approved", "审核通过"
    published = "published", "已发布"
    superseded = "superseded", "历史版本"


class BasisKind(LabelledEnum):
    law = "law", "法律"
    administrative_regulation = "administrative_regulation", "行政法规"
    local_regulation = "local_regulation", "地方性法规"
    rule = "rule", "规章"
    normative_document = "normative_document", "规范性文件"


class ExemptionKind(LabelledEnum):
    """Ways a material may be exempted instead of uploaded (CASE-02; 002 8.3.3)."""

    licence = "licence", "电子证照免提交"  # 电子证照: a valid e-licence on file replaces it
    shared_data = "shared_data", "数据共享核验"  # 数据共享: checked against a base library
    pledge = "pledge", "告知承诺"  # 告知承诺: the applicant's written pledge replaces the proof
    assistance = "assistance", "部门协查"  # 部门协查: the agency obtains it by administrative assistance


class FormFieldKind(LabelledEnum):
    """Kinds of fields on an item's application form."""

    text = "text", "文本"
    textarea = "textarea", "多行文本"
    number = "number", "数字"
    date = "date", "日期"
    choice = "choice", "选项"
    phone = "phone", "电话"
