"""The words of complaints and feedback: channels, states, kinds and outcomes (002 8.8.4–8.8.5, 6.2.7.4–6.2.7.5; 004 办不成事)."""

from __future__ import annotations

from tongban.core.enums import LabelledEnum


class Channel(LabelledEnum):
    """Where a complaint came in (002 8.8.4: 政务服务网、APP、12345 热线、电子邮箱、短信、来信)."""

    web = "web", "网站"
    mobile = "mobile", "移动端"
    hotline = "hotline", "12345 热线"
    letter = "letter", "来信"
    email = "email", "电子邮件"
    sms = "sms", "短信"


SELF_SERVICE_CHANNELS = frozenset({Channel.web, Channel.mobile})


class ComplaintState(LabelledEnum):
    """统一受理 → 投诉调查 → 分类处置 → 意见反馈 → 资料归档 (002 8.8.5)."""

    registered = "registered", "已受理，待核实"
    verified = "verified", "已核实，待分办"
    invalid = "invalid", "经核实不属实（无效投诉），待反馈"
    assigned = "assigned", "已分办，处置中"
    disposed = "disposed", "已处置，待反馈"
    answered = "answered", "已反馈"
    archived = "archived", "已归档"


class ComplaintStep(LabelledEnum):
    registered = "registered", "受理登记"
    verified = "verified", "核实：属实"
    invalid = "invalid", "核实：不属实，判定为无效投诉"
    assigned = "assigned", "分办（属地管理优先、谁主管谁负责）"
    disposed = "disposed", "处置"
    answered = "answered", "反馈投诉人"
    agency_told = "agency_told", "反馈被投诉单位"
    archived = "archived", "归档"


class ReportKind(LabelledEnum):
    """What a problem report is about (002 6.2.7.4)."""

    content = "content", "内容错误（办事指南等）"
    fault = "fault", "系统故障"
    experience = "experience", "操作体验不佳"


class ReportState(LabelledEnum):
    open = "open", "待处理"
    answered = "answered", "已答复"


class SuggestionTopic(LabelledEnum):
    """What a member of staff proposes to improve (002 6.2.7.5: 系统使用、申请材料、办理流程)."""

    guide = "guide", "办事指南"
    materials = "materials", "申请材料"
    process = "process", "办理流程"
    system = "system", "系统使用"


class SuggestionState(LabelledEnum):
    open = "open", "待答复"
    deliberating = "deliberating", "审议中"
    adopted = "adopted", "已采纳"
    rejected = "rejected", "不采纳"


ANSWERED = frozenset({SuggestionState.adopted, SuggestionState.rejected})


class MatterKind(LabelledEnum):
    """How a 办不成事 matter is handled, and its time limit (004: 当场办结, 一般性问题 2 个工作日, 不能办理的 3 个工作日答复)."""

    on_spot = "on_spot", "当场办结"
    general = "general", "一般性问题（2 个工作日内解决）"
    impossible = "impossible", "不能办理（3 个工作日内书面答复）"


class MatterChannel(LabelledEnum):
    desk = "desk", "办不成事窗口"
    online = "online", "网上"
    hotline = "hotline", "热线"


class MatterOutcome(LabelledEnum):
    solved = "solved", "已解决"
    replied = "replied", "不能办理，已书面答复"
