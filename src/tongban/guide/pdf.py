"""The downloadable PDF guide and the one-page self-service print sheet (GUIDE-01, GUIDE-03).

Both are generated from a `GuideView` only (GUIDE-02); a suspended or stopped item carries a
banner saying why and what to do instead (GUIDE-04).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from urllib.parse import urljoin

from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import CondPageBreak, Flowable, KeepTogether, Spacer, Table, TableStyle

from tongban.catalog.enums import FeeRule, ItemStatus, LimitUnit
from tongban.catalog.schemas import Fee, ItemContent, Material
from tongban.guide.flow import flow_drawing, layout_flow, step_time
from tongban.guide.presenters import GuideView
from tongban.pdf.fonts import register_cjk_font
from tongban.pdf.toolkit import ALERT_BG, ALERT_FG, FRAME_WIDTH, GRID, LABEL_BG, MARGIN, QrCode, build_pdf, para, styles

FOOTER_NOTE = "本指南由事项库已发布版本自动生成"
NONE = "—"


def guide_pdf(view: GuideView) -> bytes:
    """The full guide of one item as an A4 PDF."""
    font = register_cjk_font()
    s = styles(font)
    content = view.content
    story: list[Flowable] = [para(content.name, s["title"]), para(view.agency.name, s["subtitle"])]
    story.extend(_status_banner(view, s))
    story.append(_info_table(view, s))
    for heading, build in _sections():
        body = build(view, s)
        story.extend([_room_for(body[0]), para(heading, s["h2"]), *body])
    return build_pdf(story, title=content.name, on_page=_guide_footer(view, font))


def print_pdf(view: GuideView) -> bytes:
    """The short self-service sheet: one page where the content allows, large text."""
    data = b""
    for size in (15, 13, 11):
        data, pages = _print_at(view, size)
        if pages == 1:
            return data
    return data


def print_lines(view: GuideView) -> list[tuple[str, str]]:
    """The label/value pairs of the print sheet, for any channel that prints the same content."""
    content, agency = view.content, view.agency
    lines = [
        ("事项名称", content.name),
        ("实施机构", agency.name),
        ("申请材料", "\n".join(f"{n}. {_material_line(m)}" for n, m in enumerate(content.materials, 1)) or "无需提交材料"),
        ("办结时限", _limits(content)),
        ("收费标准", fees_text(content.fees)),
        ("办理渠道", _channels(content)),
        ("结果送达", "、".join(d.label for d in content.result.delivery) or NONE),
        ("办理地点", content.address or agency.address or NONE),
        ("办理时间", content.hours or agency.hours or NONE),
        ("咨询电话", content.consult_phone or agency.consult_phone or NONE),
        ("投诉电话", content.complaint_phone or agency.complaint_phone or NONE),
    ]
    return lines


def money(fen: int) -> str:
    return f"{fen // 100}.{fen % 100:02d}元"


def fee_standard(fee: Fee) -> str:
    """'20.00元', '5.00元/件', or the tiers one after another."""
    if fee.rule is FeeRule.per_unit:
        return f"{money(fee.amount_fen)}/{fee.unit}"
    if fee.rule is FeeRule.fixed:
        return money(fee.amount_fen)
    parts, lower = [], 0
    suffix = f"/{fee.unit}" if fee.unit else ""
    for tier in fee.tiers:
        span = f"{lower + 1}{fee.unit}以上" if tier.up_to is None else f"{lower + 1}–{tier.up_to}{fee.unit}"
        parts.append(f"{span}：{money(tier.amount_fen)}{suffix}")
        lower = tier.up_to or lower
    return "；".join(parts)


def fees_text(fees: Sequence[Fee]) -> str:
    return "；".join(f"{fee.name} {fee_standard(fee)}" for fee in fees) or "不收费"


def limit_text(days: int | None, unit: LimitUnit) -> str:
    if days is None:
        return NONE
    return "即办" if days == 0 else f"{days}{unit.label}"


def _guide_footer(view: GuideView, font: str) -> Callable:
    def draw(canvas, doc) -> None:
        canvas.saveState()
        canvas.setFont(font, 8)
        canvas.setFillColor(colors.HexColor("#555555"))
        canvas.setStrokeColor(GRID)
        canvas.line(MARGIN, 14 * mm, A4[0] - MARGIN, 14 * mm)
        canvas.drawString(MARGIN, 10 * mm, f"{FOOTER_NOTE} 版本 {view.version_number}")
        canvas.drawRightString(A4[0] - MARGIN, 10 * mm, f"第 {doc.page} 页")
        if view.url:
            canvas.drawString(MARGIN, 6.5 * mm, view.url)
        canvas.restoreState()

    return draw


def _status_banner(view: GuideView, s: dict) -> list[Flowable]:
    if view.status not in (ItemStatus.suspended, ItemStatus.stopped):
        return []
    rows = [[para(f"本事项{ItemStatus(view.status).label}", s["alert"])]]
    if view.status_reason:
        rows.append([para(f"原因：{view.status_reason}", s["body"])])
    alternative = view.alternative
    if view.alternative_item is not None:
        alternative = "；".join(filter(None, [alternative, f"可办理：{view.alternative_item.name}"]))
    if alternative:
        rows.append([para(f"替代办理方式：{alternative}", s["body"])])
    table = Table(rows, colWidths=[FRAME_WIDTH], splitInRow=1)
    table.setStyle(TableStyle([("BACKGROUND", (0, 0), (-1, -1), ALERT_BG), ("BOX", (0, 0), (-1, -1), 1, ALERT_FG)]))
    return [table, Spacer(1, 8)]


def _basic_info(view: GuideView) -> list[tuple[str, str, bool]]:
    """(label, value, wide) rows of 基本信息; wide rows take a whole table line."""
    c, agency = view.content, view.agency
    yes_no = {True: "是", False: "否"}
    rows = [
        ("事项类型", c.item_type.label, False),
        ("行使层级", c.level.label, False),
        ("实施编码", view.implementation_code, True),
        ("基本编码", view.basic_code or NONE, True),
        ("实施机构", agency.name, True),
        ("服务对象", "、".join(a.label for a in c.audiences), False),
        ("办理形式", c.handling_form.label, False),
        ("通办范围", c.handling_scope.label, False),
        ("办件类型", c.case_kind.label, False),
        ("法定办结时限", limit_text(c.legal_limit_days, c.limit_unit), False),
        ("承诺办结时限", limit_text(c.promised_limit_days, c.limit_unit), False),
        ("到现场次数", f"{c.max_visits}次", False),
        ("是否收费", yes_no[c.charges], False),
        ("支持预约办理", yes_no[c.booking], False),
        ("支持网上支付", yes_no[c.online_payment], False),
        ("支持物流快递", yes_no[c.logistics], False),
        ("办理渠道", _channels(c), True),
        ("时限说明", c.limit_note, True),
        ("数量限制", c.quantity_limit, True),
        ("中介服务", c.intermediary_services, True),
        ("办理地点", c.address or agency.address or NONE, True),
        ("办理时间", c.hours or agency.hours or NONE, True),
        ("咨询电话", c.consult_phone or agency.consult_phone or NONE, False),
        ("监督投诉电话", c.complaint_phone or agency.complaint_phone or NONE, False),
        ("咨询地址", c.consult_address, True),
        ("投诉邮箱", c.complaint_email or agency.email, True),
    ]
    return [row for row in rows if row[1]]


def _info_table(view: GuideView, s: dict) -> Table:
    label_width, value_width = 26 * mm, FRAME_WIDTH / 2 - 26 * mm
    rows: list[list] = []
    pending: list = []
    for label, value, wide in _basic_info(view):
        cells = [para(label, s["label"]), para(value, s["cell"])]
        if wide:
            rows.extend([pending + ["", ""]] if pending else [])
            rows.append(cells + ["", ""])
            pending = []
            continue
        pending.extend(cells)
        if len(pending) == 4:
            rows.append(pending)
            pending = []
    rows.extend([pending + ["", ""]] if pending else [])
    table = Table(rows, colWidths=[label_width, value_width, label_width, value_width], splitInRow=1)
    table.setStyle(TableStyle([*_grid_style(), *_info_row_styles(rows)]))
    return table


def _info_row_styles(rows: list[list]) -> list[tuple]:
    """Shade the label cells; a row with one pair spans its value over the right half."""
    commands: list[tuple] = []
    for r, row in enumerate(rows):
        commands.append(("BACKGROUND", (0, r), (0, r), LABEL_BG))
        if row[2] == "":
            commands.append(("SPAN", (1, r), (3, r)))
        else:
            commands.append(("BACKGROUND", (2, r), (2, r), LABEL_BG))
    return commands


def _room_for(first: Flowable) -> CondPageBreak:
    """Start a new page rather than leave a heading alone at the bottom of one."""
    if isinstance(first, Drawing):
        return CondPageBreak(first.height + 14 * mm)
    return CondPageBreak(35 * mm)


def _grid_style() -> list[tuple]:
    return [
        ("GRID", (0, 0), (-1, -1), 0.5, GRID),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
    ]


def _sections() -> list[tuple[str, Callable[[GuideView, dict], list[Flowable]]]]:
    return [
        ("设定依据", _basis_section),
        ("受理条件", _conditions_section),
        ("申请材料", _materials_section),
        ("办理流程", _steps_section),
        ("收费标准", _fees_section),
        ("特别程序", _special_section),
        ("办理结果", _result_section),
        ("审查工作细则", _review_section),
        ("常见问题", _faq_section),
    ]


def _basis_section(view: GuideView, s: dict) -> list[Flowable]:
    out: list[Flowable] = []
    for basis in view.content.legal_basis:
        out.append(para(f"{basis.title} {basis.article}（{basis.kind.label}）", s["h3"]))
        if basis.text:
            out.append(para(basis.text, s["small"]))
    return out or [para("无", s["body"])]


def _conditions_section(view: GuideView, s: dict) -> list[Flowable]:
    conditions = view.content.conditions
    return [para(f"{n}. {c.text}", s["body"]) for n, c in enumerate(conditions, 1)] or [para("无特别条件", s["body"])]


def _materials_section(view: GuideView, s: dict) -> list[Flowable]:
    materials = view.content.materials
    if not materials:
        return [para("无需提交材料", s["body"])]
    head = [para(h, s["label"]) for h in ("序号", "材料名称", "形式", "份数", "必要性", "来源", "受理标准/说明")]
    rows = [head]
    for number, material in enumerate(materials, 1):
        rows.append([
            para(str(number), s["cell"]),
            para(material.name, s["cell"]),
            para("、".join(f.label for f in material.forms), s["cell"]),
            para(_counts(material), s["cell"]),
            para(_necessity(material), s["cell"]),
            para(material.source or NONE, s["cell"]),
            _material_notes(view, material, s),
        ])
    widths = [10 * mm, 36 * mm, 18 * mm, 20 * mm, 24 * mm, 22 * mm]
    table = Table(rows, colWidths=[*widths, FRAME_WIDTH - sum(widths)], splitInRow=1)
    table.setStyle(TableStyle([*_grid_style(), ("BACKGROUND", (0, 0), (-1, 0), LABEL_BG)]))
    return [table]


def _counts(material: Material) -> str:
    parts = []
    if material.original_count:
        parts.append(f"原件{material.original_count}份")
    if material.copy_count:
        parts.append(f"复印件{material.copy_count}份")
    if material.e_copy_required:
        parts.append("电子件1份")
    return "\n".join(parts) or NONE


def _necessity(material: Material) -> str:
    if material.condition:
        return f"{material.necessity.label}\n情形：{material.condition}"
    return material.necessity.label


def _material_notes(view: GuideView, material: Material, s: dict) -> list[Flowable]:
    cell: list[Flowable] = []
    for text in (material.acceptance_standard, material.notes, "网上填报" if material.e_form else ""):
        if text:
            cell.append(para(text, s["cell"]))
    if material.paper_size and material.paper_size != "A4":
        cell.append(para(f"纸张：{material.paper_size}", s["cell"]))
    for label, sha in (("空白表格下载", material.template_sha256), ("示例样本下载", material.sample_sha256)):
        link = _attachment_url(view, sha)
        if link:
            cell.append(para(label, s["cell"], link=link))
    return cell or [para(NONE, s["cell"])]


def _attachment_url(view: GuideView, sha: str | None) -> str:
    attachment = view.attachments.get(sha or "")
    if attachment is None:
        return ""
    return urljoin(view.url, attachment.url) if view.url else attachment.url


def _steps_section(view: GuideView, s: dict) -> list[Flowable]:
    content = view.content
    if not content.steps:
        return [para("暂无流程信息", s["body"])]
    picture = flow_drawing(layout_flow(content), max_width=110 * mm, max_height=200 * mm)
    out: list[Flowable] = [picture, Spacer(1, 6)]
    for number, step in enumerate(content.steps, 1):
        time = step_time(step, content.limit_unit)
        meta = f"办理人：{step.actor.label}" + (f"，时限：{time}" if time else "")
        block = [para(f"{number}. {step.name}（{meta}）", s["h3"])]
        if step.description:
            block.append(para(step.description, s["small"]))
        if step.review_points:
            block.append(para("审查要点：" + "；".join(step.review_points), s["small"]))
        out.append(KeepTogether(block))
    return out


def _fees_section(view: GuideView, s: dict) -> list[Flowable]:
    fees = view.content.fees
    if not fees:
        return [para("不收费", s["body"])]
    rows = [[para(h, s["label"]) for h in ("收费项目", "收费标准", "收费依据")]]
    for fee in fees:
        basis = fee.basis + (f"\n{fee.note}" if fee.note else "")
        rows.append([para(fee.name, s["cell"]), para(fee_standard(fee), s["cell"]), para(basis, s["cell"])])
    table = Table(rows, colWidths=[40 * mm, 50 * mm, FRAME_WIDTH - 90 * mm], splitInRow=1)
    table.setStyle(TableStyle([*_grid_style(), ("BACKGROUND", (0, 0), (-1, 0), LABEL_BG)]))
    return [table]


def _special_section(view: GuideView, s: dict) -> list[Flowable]:
    procedures = view.content.special_procedures
    if not procedures:
        return [para("无", s["body"])]
    out = [para("特别程序所需时间不计算在办结时限内。", s["small"])]
    for n, proc in enumerate(procedures, 1):
        days = f"，最长{proc.max_days}日" if proc.max_days is not None else ""
        note = f"：{proc.note}" if proc.note else ""
        out.append(para(f"{n}. {proc.name}{days}{note}", s["body"]))
    return out


def _result_section(view: GuideView, s: dict) -> list[Flowable]:
    result = view.content.result
    out = [para(f"结果名称：{result.name or NONE}" + (f"（{result.kind}）" if result.kind else ""), s["body"])]
    if result.validity:
        out.append(para(f"有效期：{result.validity}", s["body"]))
    link = _attachment_url(view, result.sample_sha256)
    if link:
        out.append(para("结果样本：点击下载", s["body"], link=link))
    elif result.sample_sha256:
        out.append(para("结果样本：见办事指南网页附件", s["body"]))
    out.append(para("送达方式：" + ("、".join(d.label for d in result.delivery) or NONE), s["body"]))
    return out


def _review_section(view: GuideView, s: dict) -> list[Flowable]:
    content = view.content
    rules = content.review_rules
    out: list[Flowable] = []
    if content.review_standard:
        out.append(para(content.review_standard, s["body"]))
    for post in rules.posts:
        method = f"，{post.method}" if post.method else ""
        out.append(para(f"{post.post.label}：{post.time_limit_days:g}{content.limit_unit.label}{method}", s["body"]))
    if rules.methods:
        out.append(para("审查方式：" + "；".join(rules.methods), s["body"]))
    if rules.on_the_spot:
        out.append(para("符合条件的，可当场作出决定。", s["body"]))
    return out or [para("无", s["body"])]


def _faq_section(view: GuideView, s: dict) -> list[Flowable]:
    out: list[Flowable] = []
    for faq in view.content.faqs:
        out.append(KeepTogether([para(f"问：{faq.question}", s["h3"]), para(f"答：{faq.answer}", s["body"])]))
    return out or [para("暂无", s["body"])]


def _material_line(material: Material) -> str:
    counts = _counts(material).replace("\n", "，")
    if material.condition:
        return f"{material.name}（{counts}；{material.condition}时提供）"
    optional = "，非必要" if material.necessity.value == "optional" else ""
    return f"{material.name}（{counts}{optional}）"


def _limits(content: ItemContent) -> str:
    promised = limit_text(content.promised_limit_days, content.limit_unit)
    legal = limit_text(content.legal_limit_days, content.limit_unit)
    if content.promised_limit_days is None:
        return f"法定{legal}" if content.legal_limit_days is not None else NONE
    return f"承诺{promised}（法定{legal}）" if content.legal_limit_days is not None else f"承诺{promised}"


def _channels(content: ItemContent) -> str:
    channels = "、".join(c.label for c in content.channels)
    if content.online_url:
        channels = "；".join(filter(None, [channels, f"网上办理：{content.online_url}"]))
    return channels


def _print_at(view: GuideView, size: float) -> tuple[bytes, int]:
    font = register_cjk_font()
    s = styles(font, base=size)
    header: list = [para(view.content.name, s["bigtitle"]), para("自助办理一次告知单", s["small"])]
    caption = styles(font, base=9)["subtitle"]
    codes = [[QrCode(view.url, 30 * mm), para("扫码查看完整指南", caption)],
             [QrCode(view.rate_url, 30 * mm), para("扫码评价本指南", caption)]] if view.url else ["", ""]
    top = Table([[header, *codes]], colWidths=[FRAME_WIDTH - 80 * mm, 40 * mm, 40 * mm])
    top.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("ALIGN", (1, 0), (2, 0), "CENTER")]))
    rows = [[para(label, s["label"]), para(value, s["big"])] for label, value in print_lines(view)[1:]]
    body = Table(rows, colWidths=[size * 5.6, FRAME_WIDTH - size * 5.6], splitInRow=1)
    body.setStyle(TableStyle([*_grid_style(), ("BACKGROUND", (0, 0), (0, -1), LABEL_BG)]))
    note = para(f"{FOOTER_NOTE} 版本 {view.version_number}", styles(font, base=8)["small"])
    pages: list[int] = []

    def count(canvas, doc) -> None:
        pages.append(doc.page)

    story = [top, Spacer(1, 6), body, Spacer(1, 6), note]
    data = build_pdf(story, title=view.content.name, on_page=count, topMargin=12 * mm, bottomMargin=12 * mm)
    return data, len(pages)
