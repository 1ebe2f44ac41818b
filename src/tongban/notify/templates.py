"""Message templates (消息模板): one per kind, personalised by named fields (CASE-15, CASE-19)."""

from __future__ import annotations

import string
from dataclasses import dataclass
from functools import cached_property

from tongban.core.errors import InvalidInput

SMS_SIGNATURE = "【通办】"


@dataclass(frozen=True)
class MessageTemplate:
    kind: str
    title: str
    body: str

    @cached_property
    def fields(self) -> frozenset[str]:
        names = set()
        for text in (self.title, self.body):
            names |= {name for _, name, _, _ in string.Formatter().parse(text) if name}
        return frozenset(names)


@dataclass(frozen=True)
class Rendered:
    kind: str
    title: str
    body: str

    @property
    def sms_text(self) -> str:
        return SMS_SIGNATURE + self.body


TEMPLATES: dict[str, MessageTemplate] = {
    t.kind: t
    for t in (
        MessageTemplate(
            "case_progress", "办件 {case_number}：{step}", "您的办件{case_number}（{item_name}）{step}。{detail}",
        ),
        MessageTemplate(
            "case_supplement", "办件 {case_number}：请补正材料",
            "您的办件{case_number}（{item_name}）需要补正材料：{materials}。请于{deadline}前一次性补齐，补正期间不计入办理时限。",
        ),
        MessageTemplate(
            "case_result", "办件 {case_number}：已办结",
            "您的办件{case_number}（{item_name}）已办结，办理结果：{result}。{delivery}",
        ),
        MessageTemplate(
            "deadline_reminder", "办理提醒：{item_name}", "您的{item_name}将于{due_date}到期，{detail}",
        ),
        MessageTemplate("appointment_reminder", "预约提醒：{hall_name}",
                        "您已预约{when}在{hall_name}办理{item_name}，请携带身份证件按时到达。{detail}"),
        MessageTemplate("appointment_booked", "预约成功：{number}",
                        "{name}，您已预约{when}在{hall_name}（{address}）办理{item_name}，预约号{number}。{detail}"),
        MessageTemplate("appointment_cancelled", "预约已取消：{number}", "您预约的{when}{hall_name}{item_name}（预约号{number}）已取消。{detail}"),
        MessageTemplate("appointment_refused", "预约未通过：{number}",
                        "您预约的{when}{hall_name}{item_name}（预约号{number}）未能安排，原因：{reason}。"),
        MessageTemplate("booking_suspended", "网上预约已暂停", "您近一个月失约{count}次，网上预约功能暂停至{until}。如因不可抗力失约，请联系大厅说明。"),
        MessageTemplate("queue_ticket", "取号成功：{ticket}",
                        "您在{hall_name}的排队号为{ticket}（{group_name}），前面还有{waiting}人，请留意{windows}叫号。"),
        MessageTemplate("queue_near", "即将叫号：{ticket}", "您的排队号{ticket}前面还有{waiting}人，请到{hall_name}{group_name}附近等候。"),
        MessageTemplate("queue_called", "请到{window}办理：{ticket}", "请{ticket}号到{hall_name}{window}办理{group_name}业务。"),
        MessageTemplate("home_visit", "上门服务：{status}", "您申请的{item_name}上门服务{status}。{detail}"),
        MessageTemplate(
            "supervision_warning", "办件{level_label}：{case_number}",
            "{agency_name}办件{case_number}（{item_name}）{level_label}：{detail}请及时办理。",
        ),
        MessageTemplate(
            "supervision_escalation", "超期督办：{case_number}",
            "{agency_name}办件{case_number}（{item_name}）已超期：{detail}请督促办理。",
        ),
        MessageTemplate("notice", "{title}", "{body}"),
    )
}


def template_for(kind: str) -> MessageTemplate:
    template = TEMPLATES.get(kind)
    if template is None:
        raise InvalidInput("MESSAGE_KIND_UNKNOWN", f"没有“{kind}”类消息模板")
    return template


def render(kind: str, fields: dict[str, object]) -> Rendered:
    """Fill the template of `kind`; every named field must be given (an empty string is a value)."""
    template = template_for(kind)
    missing = sorted(name for name in template.fields if fields.get(name) is None)
    if missing:
        raise InvalidInput(
            "MESSAGE_FIELDS_MISSING", f"“{kind}”类消息缺少字段：{'、'.join(missing)}", details=missing
        )
    values = {name: str(fields[name]) for name in template.fields}
    return Rendered(
        kind=kind,
        title=template.title.format_map(values),
        body=template.body.format_map(values).strip(),
    )
