"""Labelled values of credit-based approval."""

from __future__ import annotations

from tongban.core.enums import LabelledEnum


class ListKind(LabelledEnum):
    """The item lists of credit-based approval (CRED-01)."""

    instant = "instant", "即审即批"
    exempt_review = "exempt_review", "免审（形式审查即可决定）"
    tolerant = "tolerant", "容缺受理"
    pledge = "pledge", "告知承诺"


class CheckState(LabelledEnum):
    pending = "pending", "待核查"
    true = "true", "承诺属实"
    false = "false", "承诺不实"


class ExclusionState(LabelledEnum):
    active = "active", "限制中（不得适用告知承诺、即审即批）"
    repairing = "repairing", "信用修复审核中"
    lifted = "lifted", "已修复解除"


class RepairState(LabelledEnum):
    submitted = "submitted", "待审核"
    approved = "approved", "修复通过"
    rejected = "rejected", "修复不通过"
