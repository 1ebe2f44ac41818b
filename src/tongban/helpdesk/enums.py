"""The words of help tickets: channels, states, outcomes and what is recorded on a ticket (001 §8)."""

from __future__ import annotations

from tongban.core.enums import LabelledEnum


class TicketChannel(LabelledEnum):
    """Where a request came in (001 8.1 服务发起; 004 信函、电子邮件咨询)."""

    web = "web", "网站"
    mobile = "mobile", "移动端"
    hotline = "hotline", "热线"
    terminal = "terminal", "自助终端"
    letter = "letter", "来信"
    email = "email", "电子邮件"


# Channels a person uses alone; the others are registered by staff for the person (hotline, letters, e-mails).
SELF_SERVICE_CHANNELS = frozenset({TicketChannel.web, TicketChannel.mobile, TicketChannel.terminal})
STAFF_CHANNELS = frozenset({TicketChannel.hotline, TicketChannel.letter, TicketChannel.email})


class TicketState(LabelledEnum):
    open = "open", "待接单"
    taken = "taken", "已接单"
    guiding = "guiding", "导办中"
    assisting = "assisting", "帮办中"
    answered = "answered", "已答复"
    closed = "closed", "已结案，待回访"
    followed_up = "followed_up", "已闭环"


# States in which the first-ask owner is working on the ticket.
WORKING = frozenset({TicketState.taken, TicketState.guiding, TicketState.assisting, TicketState.answered})
# States whose reply clock runs: registered, not yet given a complete answer (CONS-04, CONS-13).
AWAITING_REPLY = frozenset({TicketState.open, TicketState.taken, TicketState.guiding, TicketState.assisting})


class Outcome(LabelledEnum):
    """What closing says about the person's result (001 8.5 服务闭环)."""

    pending = "pending", "待取得办理结果（到期回访）"
    got_result = "got_result", "已取得办理结果"
    needs_more_help = "needs_more_help", "需要继续帮助"
    cannot_get = "cannot_get", "无法取得（已告知并解释）"


FOLLOW_UP_ANSWERS = (Outcome.got_result, Outcome.needs_more_help, Outcome.cannot_get)


class EntryKind(LabelledEnum):
    opened = "opened", "登记诉求"
    assistant = "assistant", "智能问答记录"
    taken = "taken", "接单（首问负责）"
    reply = "reply", "答复"
    interim = "interim", "阶段性答复"
    transfer = "transfer", "转办"
    guide_link = "guide_link", "导办：指南章节"
    checklist = "checklist", "导办：个人材料清单"
    precheck = "precheck", "帮办：材料与要素预审"
    draft = "draft", "导办：预填申请表"
    session_booked = "session_booked", "预约远程帮办"
    session_cancelled = "session_cancelled", "取消远程帮办"
    session_held = "session_held", "远程帮办已完成"
    closed = "closed", "结案"
    follow_up_asked = "follow_up_asked", "回访：询问办理结果"
    follow_up = "follow_up", "回访结果"
    reopened = "reopened", "继续服务"


class SessionMode(LabelledEnum):
    """How a remote help session is held (000 §6.5 视频、语音帮办)."""

    video = "video", "视频帮办"
    voice = "voice", "语音帮办"


class SessionState(LabelledEnum):
    booked = "booked", "已预约"
    held = "held", "已完成"
    cancelled = "cancelled", "已取消"
