"""Enumerations of halls, bookings and queue tickets, stored as text (002 8.2; 004 预约、叫号)."""

from __future__ import annotations

from enum import StrEnum


class HallKind(StrEnum):
    """政务服务大厅 / 便民服务中心 / 便民服务站 / 自助终端: every physical place on the service map."""

    hall = "hall"
    service_center = "service_center"
    service_point = "service_point"
    terminal = "terminal"

    @property
    def label(self) -> str:
        return {"hall": "政务服务中心", "service_center": "便民服务中心", "service_point": "便民服务站（点）",
                "terminal": "24小时自助终端"}[self.value]


class SessionDays(StrEnum):
    """Which days an opening session applies to; holidays never open, make-up workdays open as workdays."""

    workday = "workday"
    saturday = "saturday"
    sunday = "sunday"

    @property
    def label(self) -> str:
        return {"workday": "工作日", "saturday": "周六", "sunday": "周日"}[self.value]


class AppointmentStatus(StrEnum):
    booked = "booked"  # 已预约
    checked_in = "checked_in"  # 已取号
    handled = "handled"  # 已办理
    cancelled = "cancelled"  # 已取消
    refused = "refused"  # 不同意预约（附理由）
    no_show = "no_show"  # 失约：未取号，或取号未办理
    excused = "excused"  # 因不可抗力未到，不计失约

    @property
    def label(self) -> str:
        return {"booked": "已预约", "checked_in": "已取号", "handled": "已办理", "cancelled": "已取消",
                "refused": "未通过", "no_show": "失约", "excused": "不可抗力（不计失约）"}[self.value]


ACTIVE_APPOINTMENT = (AppointmentStatus.booked.value, AppointmentStatus.checked_in.value)


class TicketSource(StrEnum):
    booking = "booking"  # 预约取号
    walk_in = "walk_in"  # 现场取号
    online = "online"  # 线上取号
    green_channel = "green_channel"  # 绿色通道

    @property
    def label(self) -> str:
        return {"booking": "预约号", "walk_in": "现场号", "online": "线上号", "green_channel": "绿色通道"}[self.value]


class TicketStatus(StrEnum):
    waiting = "waiting"
    called = "called"
    handled = "handled"
    no_show = "no_show"  # 过号未到

    @property
    def label(self) -> str:
        return {"waiting": "等候中", "called": "已叫号", "handled": "已办理", "no_show": "过号"}[self.value]


class GreenReason(StrEnum):
    """绿色通道: who may be served without a booking and ahead of the queue (002 8.2.3)."""

    elderly = "elderly"
    disabled = "disabled"
    pregnant = "pregnant"
    military = "military"
    urgent = "urgent"
    major_project = "major_project"

    @property
    def label(self) -> str:
        return {"elderly": "老年人", "disabled": "残疾人", "pregnant": "孕妇", "military": "现役军人、退役军人及优抚对象",
                "urgent": "急事急办", "major_project": "重点项目、重点企业"}[self.value]


class HomeVisitStatus(StrEnum):
    requested = "requested"
    scheduled = "scheduled"
    done = "done"
    declined = "declined"

    @property
    def label(self) -> str:
        return {"requested": "已申请", "scheduled": "已安排", "done": "已完成", "declined": "未能安排"}[self.value]


class HomeVisitReason(StrEnum):
    elderly = "elderly"
    disabled = "disabled"
    pregnant = "pregnant"
    ill = "ill"

    @property
    def label(self) -> str:
        return {"elderly": "老年人行动不便", "disabled": "残障人士", "pregnant": "孕妇", "ill": "重病卧床"}[self.value]
