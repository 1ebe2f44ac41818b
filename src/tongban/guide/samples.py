"""Blank templates and filled samples of application materials, for download (GUIDE-01).

The demo seeder attaches these to materials and stores them by SHA-256, so the same input must
give the same bytes: the PDFs are built in ReportLab's invariant mode and use no clock.
"""

from __future__ import annotations

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, Spacer, Table, TableStyle

from tongban.catalog.schemas import Material
from tongban.pdf.fonts import register_cjk_font
from tongban.pdf.toolkit import FRAME_WIDTH, GRID, LABEL_BG, build_pdf, para, styles

PERSON_FIELDS = ("姓名", "证件类型", "证件号码", "联系电话", "住址", "申请事项", "申请日期", "签名")
ORG_FIELDS = ("单位名称", "统一社会信用代码", "法定代表人", "联系人", "联系电话", "单位地址", "申请事项", "申请日期", "盖章")
PROXY_FIELDS = ("委托人", "委托人证件号码", "受托人", "受托人证件号码", "委托事项", "委托期限", "委托人签名", "委托日期")
PROOF_FIELDS = ("出具单位", "被证明人", "证件号码", "证明事项", "证明内容", "出具日期", "盖章")
GENERIC_FIELDS = ("提交人", "证件号码", "联系电话", "材料内容摘要", "页数", "提交日期", "签名（盖章）")

# First matching rule wins: (words in the material name, fields of the form).
FIELD_RULES: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...] = (
    (("委托书", "授权书"), PROXY_FIELDS),
    (("证明",), PROOF_FIELDS),
    (("单位", "企业", "公司", "法人", "营业执照"), ORG_FIELDS),
    (("申请表", "登记表", "申请书", "承诺书", "申报表", "审批表"), PERSON_FIELDS),
)
TALL_FIELDS = {"住址", "单位地址", "申请事项", "委托事项", "证明内容", "材料内容摘要"}
PLEDGE = "本人承诺：所填写的信息和提交的材料真实、准确、完整、有效，如有虚假，愿意承担相应的法律责任。"

EXAMPLE_VALUES = {
    "姓名": "张三",
    "证件类型": "居民身份证",
    "证件号码": "510000********0000",
    "联系电话": "138****0000",
    "住址": "某某省某某市某某区示例路1号",
    "申请日期": "2024年1月1日",
    "签名": "张三",
    "单位名称": "某某示例有限公司",
    "统一社会信用代码": "91510000XXXXXXXXXX",
    "法定代表人": "张三",
    "联系人": "张三",
    "单位地址": "某某省某某市某某区示例路1号",
    "盖章": "（单位公章）",
    "委托人": "张三",
    "委托人证件号码": "510000********0000",
    "受托人": "李四",
    "受托人证件号码": "510000********0001",
    "委托期限": "2024年1月1日至2024年3月31日",
    "委托人签名": "张三",
    "委托日期": "2024年1月1日",
    "出具单位": "某某示例单位",
    "被证明人": "张三",
    "证明内容": "兹证明张三同志情况属实，特此证明。",
    "出具日期": "2024年1月1日",
    "提交人": "张三",
    "页数": "1",
    "提交日期": "2024年1月1日",
    "签名（盖章）": "张三",
}
WATERMARK = "样本"


def form_fields(material_name: str) -> tuple[str, ...]:
    """The fields a form of this name most likely has, guessed from its name."""
    for words, fields in FIELD_RULES:
        if any(word in material_name for word in words):
            return fields
    return GENERIC_FIELDS


def blank_template_pdf(item_name: str, material: Material) -> bytes:
    """An empty form to print and fill in by hand."""
    story = _form(item_name, material, values=None)
    return build_pdf(story, title=f"{material.name}（空白表格）")


def sample_pdf(item_name: str, material: Material) -> bytes:
    """The same form filled in for a fictitious person, marked 样本 on every page."""
    story = _form(item_name, material, values=_example_values(item_name, material))
    story.extend(_instructions(material))
    return build_pdf(story, title=f"{material.name}（示例样本）", canvasmaker=_WatermarkedCanvas)


def _example_values(item_name: str, material: Material) -> dict[str, str]:
    values = dict(EXAMPLE_VALUES)
    values["申请事项"] = item_name
    values["委托事项"] = f"代为办理“{item_name}”相关手续"
    values["证明事项"] = f"用于办理“{item_name}”"
    values["材料内容摘要"] = f"{material.name}（示例）"
    return values


def _form(item_name: str, material: Material, *, values: dict[str, str] | None) -> list[Flowable]:
    s = styles(register_cjk_font(), base=11)
    kind = "示例样本" if values is not None else "空白表格"
    story: list[Flowable] = [
        para(f"{item_name} · {kind}", s["subtitle"]),
        para(material.name, s["title"]),
        Spacer(1, 8),
        _field_table(form_fields(material.name), values, s),
    ]
    if "承诺书" in material.name:
        story.extend([Spacer(1, 10), para(PLEDGE, s["body"])])
    if values is not None:
        story.extend([Spacer(1, 6), para("本样本中的人员信息均为虚构，仅供参考，不得作为申请材料提交。", s["small"])])
    return story


def _field_table(fields: tuple[str, ...], values: dict[str, str] | None, s: dict) -> Table:
    rows, heights = [], []
    for field in fields:
        value = "" if values is None else values.get(field, "（示例）")
        rows.append([para(field, s["body"]), para(value, s["body"])])
        heights.append(24 * mm if field in TALL_FIELDS else 12 * mm)
    table = Table(rows, colWidths=[40 * mm, FRAME_WIDTH - 40 * mm], rowHeights=heights)
    table.setStyle(
        TableStyle([
            ("GRID", (0, 0), (-1, -1), 0.7, GRID),
            ("BACKGROUND", (0, 0), (0, -1), LABEL_BG),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ])
    )
    return table


def _instructions(material: Material) -> list[Flowable]:
    s = styles(register_cjk_font(), base=11)
    notes = [text for text in (material.acceptance_standard, material.notes) if text] or ["请按实际情况如实填写。"]
    return [para("填写说明", s["h2"]), *(para(f"{n}. {text}", s["body"]) for n, text in enumerate(notes, 1))]


class _WatermarkedCanvas(Canvas):
    """Draws 样本 across each page after its content, so no table background hides it."""

    def showPage(self) -> None:
        self.saveState()
        self.setFont(register_cjk_font(), 120)
        self.setFillColor(colors.Color(0.85, 0.1, 0.1, alpha=0.18))
        self.translate(A4[0] / 2, A4[1] * 0.6)
        self.rotate(40)
        self.drawCentredString(0, -40, WATERMARK)
        self.restoreState()
        super().showPage()
