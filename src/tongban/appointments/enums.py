"""Enumerations of halls, bookings and queue tickets, stored as text (002 8.2; 004 预约、叫号)."""

from __future__ import annotations

from tongban.core.enums import LabelledEnum


class HallKind(LabelledEnum):
    """政务服务大厅 / 便民服务中心 / 便民服务站 / 自助终端: every physical place on the service map."""

    hall = "hall", "政务服务中心"
    service_center = "service_center", "便民服务中心"
    service_point = "service_point", "便民服务站（点）"
    terminal = "terminal", "24小时自助终端"


class SessionDays(LabelledEnum):
    """Which days an opening session applies to; holidays never open, make-up workdays open as workdays."""

    workday = "workday", "工作日"
    saturday = "saturday", "周六"
    sunday = "sunday", "周日"


class AppointmentStatus(LabelledEnum):
    booked = "booked", "已预约"
    checked_in = "checked_in", "已取号"
    handled = "handled", "已办理"
    cancelled = "cancelled", "已取消"
    refused = "refused", "未通过"  # 不同意预约（附理由）
    no_show = "no_show", "失约"  # 失约：未取号，或取号未办理
    excused = "excused", "不可抗力（不计失约）"  # 因不可抗力未到，不计失约


ACTIVE_APPOINTMENT = (AppointmentStatus.booked.value, AppointmentStatus.checked_in.value)


class TicketSource(LabelledEnum):
    booking = "booking", "预约号"  # 预约取号
    walk_in = "walk_in", "现场号"  # 现场取号
    online = "online", "线上号"  # 线上取号
    green_channel = "green_channel", "绿色通道"


class TicketStatus(LabelledEnum):
    waiting = "waiting", "等候中"
    called = "called", "已叫号"
    handled = "handled", "已办理"
    no_show = "no_show", "过号"  # 过号未到


class GreenReason(LabelledEnum):
    """绿色通道: who may be served without a booking and ahead of the queue (002 8.2.3)."""

    elderly = "elderly", "老年人"
    disabled = "disabled", "残疾人"
    pregnant = "pregnant", "孕妇"
    military = "military", "现役军人、退役军人及优抚对象"
    urgent = "urgent", "急事急办"
    major_project = "major_project", "重点项目、重点企业"


class HomeVisitStatus(LabelledEnum):
    requested = "requested", "已申请"
    scheduled = "scheduled", "已安排"
    done = "done", "已完成"
    declined = "declined", "未能安排"


class HomeVisitReason(LabelledEnum):
    elderly = "elderly", "老年人行动不便"
    disabled = "disabled", "残障人士"
    pregnant = "pregnant", "孕妇"
    ill = "ill", "重病卧床"
