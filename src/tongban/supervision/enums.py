"""The words of supervision: clock status, warning levels, dispatch roles, fault causes, error kinds (002 9.2.1.8)."""

from __future__ import annotations

from enum import StrEnum

from tongban.core.enums import LabelledEnum


class ClockStatus(LabelledEnum):
    """Where a case stands against its limits."""

    not_started = "not_started", "未起算"  # not accepted yet: no clock runs
    normal = "normal", "正常"
    yellow = "yellow", "预警（黄灯）"
    red = "red", "超期（红灯）"
    paused = "paused", "暂停计时"  # supplement or special procedure: the clock stands
    on_time = "on_time", "按时办结"  # decided within the limit
    late = "late", "超期办结"  # decided after the limit

    @property
    def severity(self) -> int:
        return {ClockStatus.red: 3, ClockStatus.yellow: 2}.get(self, 1 if self is ClockStatus.normal else 0)


LIMIT_LABELS = {"legal": "法定办结时限", "promised": "承诺办结时限"}


class WarningLevel(StrEnum):
    yellow = "yellow"
    red = "red"

    @property
    def label(self) -> str:
        return "预警" if self is WarningLevel.yellow else "超期"


class DispatchRole(LabelledEnum):
    handler = "handler", "承办人员"  # staff of the agency at the case's current post
    supervisor = "supervisor", "管理专员"  # 管理专员 covering the case
    head = "head", "部门负责人"  # 管理部门负责人: red cases are escalated to them


class FaultCause(LabelledEnum):
    """002 8.8.7d: 系统故障、系统升级、功能调整."""

    fault = "fault", "系统故障"
    upgrade = "upgrade", "系统升级"
    change = "change", "功能调整"


class ErrorKind(LabelledEnum):
    """差错: what the error rate counts (a decided case with at least one of these is an error)."""

    decision_revoked = "decision_revoked", "决定被撤销"  # 决定被撤销（复议、诉讼或自行纠正）
    decision_corrected = "decision_corrected", "决定或证照被更正"  # 决定或证照内容被更正
    document_reissued = "document_reissued", "文书有误重新出具"  # 文书有误，重新出具
    improper_return = "improper_return", "不当退件"  # 不当退件：不应补正或不予受理而退回
