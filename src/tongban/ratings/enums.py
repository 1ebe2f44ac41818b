"""The words of ratings: levels (GB/T 39046 A.8), dimensions (GB/T 39735), subjects, channels, rectification states."""

from __future__ import annotations

from tongban.core.enums import LabelledEnum


class Level(LabelledEnum):
    """满意度 (GB/T 39046 附录 A.8): the rating stores the code (`code`, 1 … 5), the API speaks codes too."""

    very_satisfied = "very_satisfied", "非常满意"
    satisfied = "satisfied", "满意"
    basically_satisfied = "basically_satisfied", "基本满意"
    dissatisfied = "dissatisfied", "不满意"
    very_dissatisfied = "very_dissatisfied", "非常不满意"

    @property
    def code(self) -> int:
        return list(Level).index(self) + 1

    @property
    def bad(self) -> bool:
        return self.code >= 4


def level_of(code: int) -> Level:
    """The level of a GB/T 39046 A.8 code; ValueError outside 1 … 5."""
    if not 1 <= int(code) <= 5:
        raise ValueError(f"no satisfaction level {code}")
    return list(Level)[int(code) - 1]


class Dimension(LabelledEnum):
    """评价维度 (GB/T 39735—2020; 002 8.8.2)."""

    item_management = "item_management", "事项管理"
    process = "process", "办事流程"
    norms = "norms", "服务规范"
    efficiency = "efficiency", "服务效率"
    convenience = "convenience", "便利程度"
    platform = "platform", "平台服务"
    staff = "staff", "工作人员"


def dimension_mask(values: list[str]) -> int:
    """One bit per dimension, in the order above (what aggregates count with a bitwise AND)."""
    order = list(Dimension)
    return sum(1 << order.index(Dimension(v)) for v in set(values))


class SubjectKind(LabelledEnum):
    """What was served and is rated: one rating per service (RATE-01)."""

    case = "case", "办件"
    help_ticket = "help_ticket", "咨询工单"
    help_session = "help_session", "视频/语音帮办"
    visit = "visit", "大厅办事（预约、取号）"
    guide = "guide", "办事指南"


SERVICE_KINDS = frozenset({SubjectKind.case, SubjectKind.help_ticket, SubjectKind.help_session, SubjectKind.visit})


class Channel(LabelledEnum):
    """Where a rating was given (RATE-06: aggregated across channels)."""

    web = "web", "政务服务网"
    mobile = "mobile", "移动端"
    sms_link = "sms_link", "短信链接"
    window = "window", "窗口评价器"


class TaskState(LabelledEnum):
    """整改任务 steps (RATE-03)."""

    open = "open", "待核实"
    verified = "verified", "已核实，整改中"
    rectified = "rectified", "已整改，待反馈"
    fed_back = "fed_back", "已反馈，待评价整改"
    closed = "closed", "已办结"
    invalid = "invalid", "无效差评"


OPEN_TASK_STATES = frozenset({TaskState.open, TaskState.verified, TaskState.rectified})


class InvalidKind(LabelledEnum):
    """Why a bad rating is not counted (002 8.8.7 c, d; RATE-07)."""

    malicious = "malicious", "恶意差评"
    platform_fault = "platform_fault", "系统故障所致"


class VisitMethod(LabelledEnum):
    phone = "phone", "电话回访"
    sms = "sms", "短信回访"


class VisitState(LabelledEnum):
    drawn = "drawn", "待回访"
    done = "done", "已回访"
    unreachable = "unreachable", "未能联系"
