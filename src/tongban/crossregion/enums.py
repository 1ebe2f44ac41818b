"""The words of cross-region service: where an item is handled, how a result reaches the person, where a hand-over
stands (002 9.2; 004 省内通办、跨省通办)."""

from __future__ import annotations

from tongban.core.enums import LabelledEnum


class HandlingPlace(LabelledEnum):
    """Which agency handles an item applied for away from home (属地): the person's household registration, their
    residence, or the one applied to. An item the catalog marks 全省通办 or 跨省通办 without a place of our own is
    handled at the household registration (the 属地 of 002 9.2.2.1 a)."""

    household = "household", "户籍地办理"
    residence = "residence", "居住地办理"
    anywhere = "anywhere", "不限办理地（受理地办理）"


DEFAULT_PLACE = HandlingPlace.household


class RouteOutcome(LabelledEnum):
    """What the router decided for one online application (XREG-02)."""

    routed = "routed", "已自动分发至户籍地（居住地）"
    no_equivalent = "no_equivalent", "户籍地（居住地）无对应事项，由申请地办理"
    home_unknown = "home_unknown", "人口库无户籍地（居住地）信息，由申请地办理"


class DeliveryChoice(LabelledEnum):
    """How the person wants the result (002 9.2.2.4: 线上获取、异地跨区域窗口领取、快递邮寄)."""

    post = "post", "快递邮寄到申请人"
    receiving_window = "receiving_window", "到收件地窗口领取"
    electronic = "electronic", "线上获取（电子送达）"


class Side(LabelledEnum):
    """Which end of a hand-over this installation's record is."""

    sent = "sent", "收件地（已发出）"
    received = "received", "属地（已接收）"


class HandoverState(LabelledEnum):
    """Where a remote-window hand-over stands, as both sides see it."""

    sent = "sent", "已流转至属地，待属地接件"
    filed = "filed", "属地已接件，待受理"
    accepted = "accepted", "属地已受理，办理中"
    result_ready = "result_ready", "已办结，待送达"
    delivered = "delivered", "属地已送达"
    at_window = "at_window", "结果已寄至收件地窗口，待申请人领取"
    handed_over = "handed_over", "收件地窗口已交付申请人"
    ended = "ended", "未出具结果（不予受理、不予许可或撤回）"


OPEN_STATES = frozenset({HandoverState.sent, HandoverState.filed, HandoverState.accepted, HandoverState.result_ready,
                         HandoverState.at_window})
