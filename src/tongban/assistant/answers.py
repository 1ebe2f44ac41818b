"""The answer to one fact of one item, in fixed sentence frames filled only from its published guide (CONS-02).

Everything said comes from the `GuideView` the guide page renders (`guide.service.build_view`: the item's live
version and its agency), and names the guide section it comes from, so the answer and the guide cannot differ.
"""

from __future__ import annotations

from dataclasses import dataclass

from tongban.assistant.knowledge import FACT_LABELS
from tongban.guide.presenters import GuideView

HOTLINE = "12345"
# The guide page's section of each fact (guide/templates/guide/guide.html ids).
ANCHORS = {
    "conditions": "conditions", "materials": "materials", "process": "process", "special": "special",
    "time_limit": "basic", "online": "basic", "location": "basic", "contact": "contact", "fee": "fees",
    "result": "result", "pickup": "result", "overview": "basic",
}


@dataclass(frozen=True)
class Source:
    item_id: int
    item_name: str
    section: str  # 申请材料, 受理条件 …
    url: str  # the guide page at the section: /items/12#materials
    version_number: int


@dataclass(frozen=True)
class FactAnswer:
    fact: str
    text: str  # the opening sentence
    lines: list[str]
    source: Source


def _days(n: int | None, unit) -> str:
    if n is None:
        return "未公布"
    return "即办" if n == 0 else f"{n}{unit.label}"


def _yuan(fen: int) -> str:
    return f"{fen // 100}元" if fen % 100 == 0 else f"{fen / 100:.2f}元"


def _phone(v: GuideView) -> str:
    return v.content.consult_phone or v.agency.consult_phone or HOTLINE


def _no_data(v: GuideView, what: str) -> list[str]:
    return [f"办事指南暂未列出{what}，请拨打咨询电话 {_phone(v)} 询问。"]


def _materials(v: GuideView) -> tuple[str, list[str]]:
    c = v.content
    lines = []
    for i, m in enumerate(c.materials, 1):
        need = m.necessity.label + (f"：{m.condition}" if m.condition else "")
        lines.append(f"{i}. {m.name}（{need}；原件 {m.original_count} 份，复印件 {m.copy_count} 份）")
    return f"办理“{c.name}”需要准备以下材料，共 {len(c.materials)} 项：", lines or _no_data(v, "申请材料")


def _conditions(v: GuideView) -> tuple[str, list[str]]:
    c = v.content
    return f"办理“{c.name}”的受理条件：", [f"{i}. {x.text}" for i, x in enumerate(c.conditions, 1)] or _no_data(v, "受理条件")


def _process(v: GuideView) -> tuple[str, list[str]]:
    c = v.content
    lines = []
    for i, s in enumerate(c.steps, 1):
        limit = f"，{_days(int(s.time_limit_days), c.limit_unit)}" if s.time_limit_days is not None else ""
        lines.append(f"{i}. {s.name}（{s.actor.label}{limit}）" + (f"：{s.description}" if s.description else ""))
    lines.append(f"办理形式：{c.handling_form.label}；到现场次数：{c.max_visits} 次。")
    if c.booking:
        lines.append(f"可以预约到大厅办理：/items/{v.item_id}/book")
    return f"办理“{c.name}”的流程：", lines


def _special(v: GuideView) -> tuple[str, list[str]]:
    c = v.content
    if not c.special_procedures:
        return f"“{c.name}”的办事指南没有列出特别程序。", []
    lines = [f"{sp.name}" + (f"（不超过 {sp.max_days} 日）" if sp.max_days is not None else "") + (f"：{sp.note}" if sp.note else "")
             for sp in c.special_procedures]
    return f"“{c.name}”可能涉及以下特别程序，所需时间不计入办结时限：", lines


def _time_limit(v: GuideView) -> tuple[str, list[str]]:
    c = v.content
    lines = [f"法定办结时限：{_days(c.legal_limit_days, c.limit_unit)}", f"承诺办结时限：{_days(c.promised_limit_days, c.limit_unit)}"]
    if c.limit_note:
        lines.append(f"说明：{c.limit_note}")
    return f"“{c.name}”的办理时限：", lines


def _online(v: GuideView) -> tuple[str, list[str]]:
    c = v.content
    lines = [f"办理形式：{c.handling_form.label}" + (f"（{'、'.join(ch.label for ch in c.channels)}）" if c.channels else "")]
    if c.handling_form != "offline" and v.status == "active":
        lines.append(f"网上申请：/items/{v.item_id}/apply")
    lines.append(f"到现场次数：{c.max_visits} 次" + ("（需到现场核验原件）" if c.on_site_verification else ""))
    frame = "可以在网上办理" if c.handling_form != "offline" else "需要到窗口办理，暂不能在网上办理"
    return f"“{c.name}”{frame}：", lines


def _location(v: GuideView) -> tuple[str, list[str]]:
    c = v.content
    lines = [f"办理地点：{c.address or v.agency.address or '办事指南暂未列出'}",
             f"办理时间：{c.hours or v.agency.hours or '办事指南暂未列出'}",
             f"实施机构：{v.agency.name}"]
    if c.booking:
        lines.append(f"可以预约：/items/{v.item_id}/book")
    if not (c.address or v.agency.address):
        lines.append(f"如需确认地点，请拨打咨询电话 {_phone(v)}。")
    return f"“{c.name}”的办理地点和时间：", lines


def _contact(v: GuideView) -> tuple[str, list[str]]:
    c = v.content
    lines = [f"实施机构：{v.agency.name}", f"咨询电话：{_phone(v)}"]
    if c.consult_address:
        lines.append(f"咨询地址：{c.consult_address}")
    complaint = c.complaint_phone or v.agency.complaint_phone
    if complaint:
        lines.append(f"监督投诉电话：{complaint}")
    lines.append(f"政务服务热线：{HOTLINE}")
    return f"“{c.name}”的咨询方式：", lines


def _fee(v: GuideView) -> tuple[str, list[str]]:
    c = v.content
    if not c.fees:
        return f"办理“{c.name}”不收费。", []
    lines = []
    for fee in c.fees:
        if fee.rule == "fixed":
            amount = _yuan(fee.amount_fen)
        elif fee.rule == "per_unit":
            amount = f"每{fee.unit} {_yuan(fee.amount_fen)}"
        else:
            amount = "；".join(f"{t.up_to}{fee.unit}以内 {_yuan(t.amount_fen)}" if t.up_to else f"超出部分 {_yuan(t.amount_fen)}"
                              for t in fee.tiers)
        lines.append(f"{fee.name}：{amount}（依据：{fee.basis}）" + (f"，{fee.note}" if fee.note else ""))
    return f"办理“{c.name}”需要交费：", lines


def _result(v: GuideView) -> tuple[str, list[str]]:
    r = v.content.result
    lines = [f"结果名称：{r.name or '办事指南暂未列出'}"]
    if r.validity:
        lines.append(f"有效期：{r.validity}")
    return f"“{v.content.name}”的办理结果：", lines


def _pickup(v: GuideView) -> tuple[str, list[str]]:
    r = v.content.result
    ways = "、".join(d.label for d in r.delivery)
    return f"“{v.content.name}”的结果领取方式：", [f"送达方式：{ways}" if ways else _no_data(v, "领取方式")[0]]


def _overview(v: GuideView) -> tuple[str, list[str]]:
    c = v.content
    return f"“{c.name}”的要点如下，您可以接着问材料、条件、流程、时限、费用或地点：", [
        f"实施机构：{v.agency.name}",
        f"办理形式：{c.handling_form.label}",
        f"承诺办结时限：{_days(c.promised_limit_days, c.limit_unit)}",
        f"申请材料：{len(c.materials)} 项" if c.materials else "申请材料：办事指南暂未列出",
        "收费：" + ("收费，见收费标准" if c.fees else "不收费"),
        f"咨询电话：{_phone(v)}",
    ]


FRAMES = {
    "materials": _materials, "conditions": _conditions, "process": _process, "special": _special,
    "time_limit": _time_limit, "online": _online, "location": _location, "contact": _contact, "fee": _fee,
    "result": _result, "pickup": _pickup, "overview": _overview,
}


def answer(view: GuideView, fact: str | None) -> FactAnswer:
    fact = fact or "overview"
    text, lines = FRAMES[fact](view)
    section = FACT_LABELS[fact]
    source = Source(view.item_id, view.content.name, section, f"/items/{view.item_id}#{ANCHORS[fact]}", view.version_number)
    return FactAnswer(fact, text, lines, source)
