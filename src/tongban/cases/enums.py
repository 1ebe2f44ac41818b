"""The words of case handling: states, events, channels and outcomes (002 §8; 004)."""

from __future__ import annotations

from enum import StrEnum

from tongban.core.enums import LabelledEnum


class CaseState(LabelledEnum):
    """办件状态."""

    submitted = "submitted", "已提交，待受理"
    supplement_requested = "supplement_requested", "待补正材料"
    accepted = "accepted", "已受理"
    accepted_with_deficiency = "accepted_with_deficiency", "容缺受理，待补齐材料"
    refused = "refused", "不予受理"
    under_review = "under_review", "审查中"
    special_procedure = "special_procedure", "特别程序中"
    approved = "approved", "准予许可（办结）"
    denied = "denied", "不予许可（办结）"
    delivered = "delivered", "已送达"
    withdrawn = "withdrawn", "已撤回"

    @property
    def final(self) -> bool:
        return self in FINAL_STATES


FINAL_STATES = frozenset({CaseState.refused, CaseState.denied, CaseState.delivered, CaseState.withdrawn})
DECIDED_STATES = frozenset({CaseState.approved, CaseState.denied, CaseState.delivered})


class EventKind(LabelledEnum):
    """What happened to a case; one row in the append-only event table."""

    submitted = "submitted", "提交申请"
    accepted = "accepted", "受理"
    refused = "refused", "不予受理"
    supplement_requested = "supplement_requested", "一次性告知补正"
    supplemented = "supplemented", "补正材料"
    accepted_with_deficiency = "accepted_with_deficiency", "容缺受理"
    deficiency_fixed = "deficiency_fixed", "补齐容缺材料"
    pledge_signed = "pledge_signed", "签署告知承诺书"
    on_site_check_scheduled = "on_site_check_scheduled", "告知现场核验原件"
    originals_checked = "originals_checked", "原件已核验"
    review_started = "review_started", "开始审查"
    opinion_recorded = "opinion_recorded", "提出审查意见"
    special_procedure_started = "special_procedure_started", "进入特别程序"
    special_procedure_ended = "special_procedure_ended", "特别程序结束"
    fee_assessed = "fee_assessed", "核定收费"
    paid = "paid", "缴费"
    approved = "approved", "作出准予决定"
    denied = "denied", "作出不予决定"
    licence_issued = "licence_issued", "制发电子证照"
    delivery_prepared = "delivery_prepared", "准备送达"
    delivered = "delivered", "送达"
    withdrawn = "withdrawn", "撤回申请"
    deemed_renewed = "deemed_renewed", "逾期未决定，视为准予延续"


class CaseChannel(LabelledEnum):
    """Where the application came in (CASE-18); the case is the same whatever the channel."""

    web = "web", "政务服务网"
    mobile = "mobile", "移动端"
    terminal = "terminal", "自助终端"
    window = "window", "窗口代为申报"


class MaterialStatus(LabelledEnum):
    provided = "provided", "已提交"
    exempted = "exempted", "免提交"
    missing = "missing", "缺少"  # 缺少（待补正或容缺）
    # 不适用: shown, never stored, for a conditional or optional material not handed in and not asked for
    not_required = "not_required", "不适用"


class Opinion(LabelledEnum):
    approve = "approve", "同意准予"
    deny = "deny", "建议不予"


class DocumentStatus(StrEnum):
    """Where a sealed document stands (cases.documents)."""

    pending = "pending"  # number and content fixed in the case's transaction; PDF and seal still to come
    issued = "issued"  # rendered, sealed and signed: the bytes never change again


class PaymentStatus(LabelledEnum):
    pending = "pending", "待缴费"
    paid = "paid", "已缴费"
    failed = "failed", "缴费失败"


class DeliveryStatus(LabelledEnum):
    ready = "ready", "待送达"  # 待领取 / 待寄出
    delivered = "delivered", "已送达"
