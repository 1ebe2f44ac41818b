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
