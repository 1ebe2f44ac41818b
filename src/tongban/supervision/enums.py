"""The words of supervision: clock status, warning levels, dispatch roles, fault causes, error kinds (002 9.2.1.8)."""

from __future__ import annotations

from enum import StrEnum


class ClockStatus(StrEnum):
    """Where a case stands against its limits."""

    not_started = "not_started"  # not accepted yet: no clock runs
    normal = "normal"
    yellow = "yellow"  # 预警
    red = "red"  # 超期
    paused = "paused"  # supplement or special procedure: the clock stands
    on_time = "on_time"  # decided within the limit
    late = "late"  # decided after the limit

    @property
    def label(self) -> str:
        return _STATUS_LABELS[self]

    @property
    def severity(self) -> int:
        return {ClockStatus.red: 3, ClockStatus.yellow: 2}.get(self, 1 if self is ClockStatus.normal else 0)


_STATUS_LABELS = {
    ClockStatus.not_started: "未起算", ClockStatus.normal: "正常", ClockStatus.yellow: "预警（黄灯）",
    ClockStatus.red: "超期（红灯）", ClockStatus.paused: "暂停计时", ClockStatus.on_time: "按时办结", ClockStatus.late: "超期办结",
}

LIMIT_LABELS = {"legal": "法定办结时限", "promised": "承诺办结时限"}


class WarningLevel(StrEnum):
    yellow = "yellow"
    red = "red"

    @property
    def label(self) -> str:
        return "预警" if self is WarningLevel.yellow else "超期"


class DispatchRole(StrEnum):
    handler = "handler"  # staff of the agency at the case's current post
    supervisor = "supervisor"  # 管理专员 covering the case
    head = "head"  # 管理部门负责人: red cases are escalated to them

    @property
    def label(self) -> str:
        return {"handler": "承办人员", "supervisor": "管理专员", "head": "部门负责人"}[self.value]


class FaultCause(StrEnum):
    """002 8.8.7d: 系统故障、系统升级、功能调整."""

    fault = "fault"
    upgrade = "upgrade"
    change = "change"

    @property
    def label(self) -> str:
        return {"fault": "系统故障", "upgrade": "系统升级", "change": "功能调整"}[self.value]


class ErrorKind(StrEnum):
    """差错: what the error rate counts (a decided case with at least one of these is an error)."""

    decision_revoked = "decision_revoked"  # 决定被撤销（复议、诉讼或自行纠正）
    decision_corrected = "decision_corrected"  # 决定或证照内容被更正
    document_reissued = "document_reissued"  # 文书有误，重新出具
    improper_return = "improper_return"  # 不当退件：不应补正或不予受理而退回

    @property
    def label(self) -> str:
        return {"decision_revoked": "决定被撤销", "decision_corrected": "决定或证照被更正",
                "document_reissued": "文书有误重新出具", "improper_return": "不当退件"}[self.value]
