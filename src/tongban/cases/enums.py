"""The words of case handling: states, events, channels and outcomes (002 §8; 004)."""

from __future__ import annotations

from enum import StrEnum


class CaseState(StrEnum):
    """办件状态."""

    submitted = "submitted"  # 已申请，待受理
    supplement_requested = "supplement_requested"  # 待补正
    accepted = "accepted"  # 已受理
    accepted_with_deficiency = "accepted_with_deficiency"  # 容缺受理
    refused = "refused"  # 不予受理
    under_review = "under_review"  # 审查中
    special_procedure = "special_procedure"  # 特别程序
    approved = "approved"  # 准予
    denied = "denied"  # 不予
    delivered = "delivered"  # 已送达
    withdrawn = "withdrawn"  # 已撤回

    @property
    def label(self) -> str:
        return STATE_LABELS[self]

    @property
    def final(self) -> bool:
        return self in FINAL_STATES


STATE_LABELS = {
    CaseState.submitted: "已提交，待受理",
    CaseState.supplement_requested: "待补正材料",
    CaseState.accepted: "已受理",
    CaseState.accepted_with_deficiency: "容缺受理，待补齐材料",
    CaseState.refused: "不予受理",
    CaseState.under_review: "审查中",
    CaseState.special_procedure: "特别程序中",
    CaseState.approved: "准予许可（办结）",
    CaseState.denied: "不予许可（办结）",
    CaseState.delivered: "已送达",
    CaseState.withdrawn: "已撤回",
}
FINAL_STATES = frozenset({CaseState.refused, CaseState.denied, CaseState.delivered, CaseState.withdrawn})
DECIDED_STATES = frozenset({CaseState.approved, CaseState.denied, CaseState.delivered})


class EventKind(StrEnum):
    """What happened to a case; one row in the append-only event table."""

    submitted = "submitted"
    accepted = "accepted"
    refused = "refused"
    supplement_requested = "supplement_requested"
    supplemented = "supplemented"
    accepted_with_deficiency = "accepted_with_deficiency"
    deficiency_fixed = "deficiency_fixed"
    pledge_signed = "pledge_signed"
    on_site_check_scheduled = "on_site_check_scheduled"
    originals_checked = "originals_checked"
    review_started = "review_started"
    opinion_recorded = "opinion_recorded"
    special_procedure_started = "special_procedure_started"
    special_procedure_ended = "special_procedure_ended"
    fee_assessed = "fee_assessed"
    paid = "paid"
    approved = "approved"
    denied = "denied"
    licence_issued = "licence_issued"
    delivery_prepared = "delivery_prepared"
    delivered = "delivered"
    withdrawn = "withdrawn"
    deemed_renewed = "deemed_renewed"

    @property
    def label(self) -> str:
        return EVENT_LABELS[self]


EVENT_LABELS = {
    EventKind.submitted: "提交申请",
    EventKind.accepted: "受理",
    EventKind.refused: "不予受理",
    EventKind.supplement_requested: "一次性告知补正",
    EventKind.supplemented: "补正材料",
    EventKind.accepted_with_deficiency: "容缺受理",
    EventKind.deficiency_fixed: "补齐容缺材料",
    EventKind.pledge_signed: "签署告知承诺书",
    EventKind.on_site_check_scheduled: "告知现场核验原件",
    EventKind.originals_checked: "原件已核验",
    EventKind.review_started: "开始审查",
    EventKind.opinion_recorded: "提出审查意见",
    EventKind.special_procedure_started: "进入特别程序",
    EventKind.special_procedure_ended: "特别程序结束",
    EventKind.fee_assessed: "核定收费",
    EventKind.paid: "缴费",
    EventKind.approved: "作出准予决定",
    EventKind.denied: "作出不予决定",
    EventKind.licence_issued: "制发电子证照",
    EventKind.delivery_prepared: "准备送达",
    EventKind.delivered: "送达",
    EventKind.withdrawn: "撤回申请",
    EventKind.deemed_renewed: "逾期未决定，视为准予延续",
}


class CaseChannel(StrEnum):
    """Where the application came in (CASE-18); the case is the same whatever the channel."""

    web = "web"
    mobile = "mobile"
    terminal = "terminal"
    window = "window"

    @property
    def label(self) -> str:
        return {"web": "政务服务网", "mobile": "移动端", "terminal": "自助终端", "window": "窗口代为申报"}[self.value]


class MaterialStatus(StrEnum):
    provided = "provided"  # 已提交
    exempted = "exempted"  # 免提交
    missing = "missing"  # 缺少（待补正或容缺）
    # 不适用: shown, never stored, for a conditional or optional material not handed in and not asked for
    not_required = "not_required"

    @property
    def label(self) -> str:
        return {"provided": "已提交", "exempted": "免提交", "missing": "缺少", "not_required": "不适用"}[self.value]


class Opinion(StrEnum):
    approve = "approve"
    deny = "deny"

    @property
    def label(self) -> str:
        return {"approve": "同意准予", "deny": "建议不予"}[self.value]


class DocumentStatus(StrEnum):
    """Where a sealed document stands (cases.documents)."""

    pending = "pending"  # number and content fixed in the case's transaction; PDF and seal still to come
    issued = "issued"  # rendered, sealed and signed: the bytes never change again


class PaymentStatus(StrEnum):
    pending = "pending"
    paid = "paid"
    failed = "failed"

    @property
    def label(self) -> str:
        return {"pending": "待缴费", "paid": "已缴费", "failed": "缴费失败"}[self.value]


class DeliveryStatus(StrEnum):
    ready = "ready"  # 待领取 / 待寄出
    delivered = "delivered"

    @property
    def label(self) -> str:
        return {"ready": "待送达", "delivered": "已送达"}[self.value]
