"""The process flow picture of an item, top to bottom so it fits a phone (CAT-07).

`layout_flow` turns the process steps into positioned boxes, text lines and arrows; `flow_svg`
draws that layout as an accessible SVG and `flow_drawing` as a ReportLab drawing for the PDF guide.
"""

from __future__ import annotations

import hashlib
import unicodedata
from dataclasses import dataclass, field
from xml.sax.saxutils import escape, quoteattr

from reportlab.graphics.shapes import Circle, Drawing, Line, Polygon, Rect, Shape, String
from reportlab.lib.colors import HexColor

from tongban.catalog.enums import Actor, LimitUnit
from tongban.catalog.schemas import ItemContent, ProcessStep
from tongban.pdf.fonts import register_cjk_font

WIDTH = 360
MARGIN = 16
PADDING = 12
BADGE = 26  # diameter of the step-number circle
GAP = 34  # vertical space between boxes, where the arrow goes
NAME_SIZE = 15
META_SIZE = 12
POINT_SIZE = 11
LINE_GAP = 1.35
MAX_POINTS = 2
LEGEND_HEIGHT = 28
FONT_FAMILY = "'Noto Sans CJK SC','Source Han Sans SC','WenQuanYi Zen Hei','PingFang SC','Microsoft YaHei',sans-serif"

TEXT_COLOUR = "#1b1b1b"
MUTED_COLOUR = "#4a4a4a"
ARROW_COLOUR = "#6b6b6b"
APPLICANT_FILL, APPLICANT_STROKE = "#e6f0fb", "#1f5fa8"
STAFF_FILL, STAFF_STROKE = "#fdf1dc", "#a35f00"

WORDS = {
    "zh": {
        "title": "办理流程",
        "empty": "暂无流程信息",
        "instant": "即时",
        "applicant": "申请人办理",
        "staff": "工作人员办理",
        "count": "共{n}个环节：",
        "step": "第{n}步",
        "more": "等{n}项审查要点",
        "sep": "；",
        "comma": "，",
    },
    "en": {
        "title": "Process",
        "empty": "No process information",
        "instant": "immediately",
        "applicant": "by the applicant",
        "staff": "by government staff",
        "count": "{n} steps: ",
        "step": "Step {n}",
        "more": "{n} review points in all",
        "sep": "; ",
        "comma": ", ",
    },
}
ACTOR_EN = {
    Actor.applicant: "Applicant",
    Actor.receiver: "Receiving officer",
    Actor.acceptor: "Accepting officer",
    Actor.reviewer: "Reviewer",
    Actor.decider: "Decision maker",
    Actor.dispatcher: "Dispatcher",
}
UNIT_EN = {LimitUnit.working_day: " working day(s)", LimitUnit.natural_day: " day(s)"}


@dataclass(frozen=True)
class TextLine:
    text: str
    x: float
    y: float  # baseline, measured downwards from the top
    size: float
    colour: str = TEXT_COLOUR
    bold: bool = False
    anchor: str = "start"  # start / middle


@dataclass(frozen=True)
class Box:
    x: float
    y: float  # top edge, measured downwards
    width: float
    height: float
    fill: str
    stroke: str
    radius: float = 8


@dataclass(frozen=True)
class Arrow:
    x: float
    y1: float
    y2: float


@dataclass
class FlowLayout:
    width: float
    height: float
    title: str
    description: str
    boxes: list[Box] = field(default_factory=list)
    circles: list[Box] = field(default_factory=list)  # step-number badges, drawn as circles
    lines: list[TextLine] = field(default_factory=list)
    arrows: list[Arrow] = field(default_factory=list)


def flow_svg(content: ItemContent, *, lang: str = "zh") -> str:
    """The steps as boxes joined by arrows, with a text description for screen readers."""
    return render_svg(layout_flow(content, lang=lang), key=content.name)


def layout_flow(content: ItemContent, *, lang: str = "zh") -> FlowLayout:
    """Position every box, text line and arrow of the flow picture; sizes follow the data."""
    words = WORDS.get(lang, WORDS["zh"])
    title = f"{content.name} {words['title']}"
    if not content.steps:
        return _empty_layout(title, words["empty"])
    layout = FlowLayout(WIDTH, 0, title, describe_steps(content, lang=lang))
    _add_legend(layout, words)
    y = LEGEND_HEIGHT + MARGIN
    for number, step in enumerate(content.steps, start=1):
        if number > 1:
            layout.arrows.append(Arrow(WIDTH / 2, y - GAP + 3, y - 3))
        y = _add_step(layout, number, step, content.limit_unit, lang, y) + GAP
    layout.height = y - GAP + MARGIN
    return layout


def describe_steps(content: ItemContent, *, lang: str = "zh") -> str:
    """The whole flow in one sentence, for <desc> and for readers who cannot see the picture."""
    words = WORDS.get(lang, WORDS["zh"])
    if not content.steps:
        return words["empty"]
    parts = []
    for number, step in enumerate(content.steps, start=1):
        details = [actor_label(step.actor, lang)]
        time = step_time(step, content.limit_unit, lang)
        if time:
            details.append(time)
        details.extend(step.review_points)
        parts.append(f"{words['step'].format(n=number)} {step.name}（{words['comma'].join(details)}）")
    return words["count"].format(n=len(content.steps)) + words["sep"].join(parts)


def actor_label(actor: Actor, lang: str = "zh") -> str:
    return ACTOR_EN[actor] if lang == "en" else actor.label


def step_time(step: ProcessStep, unit: LimitUnit, lang: str = "zh") -> str:
    """'1个工作日', '即时' for zero, the time note when no number is given."""
    words = WORDS.get(lang, WORDS["zh"])
    if step.time_limit_days is None:
        return step.time_note
    if step.time_limit_days == 0:
        days = words["instant"]
    else:
        number = f"{step.time_limit_days:g}"
        days = number + (UNIT_EN[unit] if lang == "en" else unit.label)
    return f"{days}（{step.time_note}）" if step.time_note else days


def wrap_text(text: str, width: float, size: float) -> list[str]:
    """Break text into lines no wider than `width`; a CJK character counts as one em."""
    lines: list[str] = []
    current, used = "", 0.0
    for ch in text:
        advance = char_width(ch, size)
        if current and used + advance > width:
            lines.append(current.rstrip())
            current, used = "", 0.0
            if ch == " ":
                continue
        current += ch
        used += advance
    if current:
        lines.append(current)
    return lines or [""]


def char_width(ch: str, size: float) -> float:
    if unicodedata.east_asian_width(ch) in ("W", "F"):
        return size
    if ch.isupper() or ch.isdigit():
        return size * 0.62
    return size * 0.55


def render_svg(layout: FlowLayout, *, key: str = "") -> str:
    """Serialise a layout as a self-contained SVG document."""
    uid = "flow-" + hashlib.sha1((key + layout.description).encode("utf-8")).hexdigest()[:8]
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {layout.width:g} {layout.height:g}"'
        f' width="{layout.width:g}" height="{layout.height:g}" aria-labelledby="{uid}-t {uid}-d"'
        f" font-family={quoteattr(FONT_FAMILY)}>",
        f'<title id="{uid}-t">{escape(layout.title)}</title>',
        f'<desc id="{uid}-d">{escape(layout.description)}</desc>',
        f'<rect x="0" y="0" width="{layout.width:g}" height="{layout.height:g}" fill="#ffffff"/>',
    ]
    parts.extend(_svg_arrow(arrow) for arrow in layout.arrows)
    parts.extend(_svg_box(box) for box in layout.boxes)
    parts.extend(_svg_circle(circle) for circle in layout.circles)
    parts.extend(_svg_text(line) for line in layout.lines)
    parts.append("</svg>")
    return "\n".join(parts)


def flow_drawing(layout: FlowLayout, *, max_width: float, max_height: float) -> Drawing:
    """The same picture as a ReportLab drawing, scaled down to fit the given box."""
    scale = min(1.0, max_width / layout.width, max_height / layout.height)
    drawing = Drawing(layout.width * scale, layout.height * scale)
    for shape in _shapes(layout, register_cjk_font()):
        drawing.add(shape)
    drawing.scale(scale, scale)
    return drawing


def _shapes(layout: FlowLayout, font: str) -> list[Shape]:
    """ReportLab shapes of a layout; ReportLab's y axis points up, so every y is flipped."""
    top = layout.height
    grey = HexColor(ARROW_COLOUR)
    shapes: list[Shape] = []
    for a in layout.arrows:
        shapes.append(Line(a.x, top - a.y1, a.x, top - a.y2 + 8, strokeColor=grey, strokeWidth=2))
        head = [a.x - 6, top - a.y2 + 9, a.x + 6, top - a.y2 + 9, a.x, top - a.y2]
        shapes.append(Polygon(head, fillColor=grey, strokeColor=None))
    for b in layout.boxes:
        shapes.append(
            Rect(b.x, top - b.y - b.height, b.width, b.height, rx=b.radius, ry=b.radius,
                 fillColor=HexColor(b.fill), strokeColor=HexColor(b.stroke), strokeWidth=1.5)
        )
    for c in layout.circles:
        r = c.width / 2
        shapes.append(Circle(c.x + r, top - c.y - r, r, fillColor=HexColor(c.fill), strokeColor=None))
    for t in layout.lines:
        shapes.append(
            String(t.x, top - t.y, t.text, fontName=font, fontSize=t.size, fillColor=HexColor(t.colour),
                   textAnchor="middle" if t.anchor == "middle" else "start")
        )
    return shapes


def _empty_layout(title: str, message: str) -> FlowLayout:
    layout = FlowLayout(WIDTH, 80, title, message)
    layout.boxes.append(Box(MARGIN, MARGIN, WIDTH - 2 * MARGIN, 80 - 2 * MARGIN, "#f4f4f4", "#9a9a9a"))
    layout.lines.append(TextLine(message, WIDTH / 2, 80 / 2 + META_SIZE * 0.4, 14, MUTED_COLOUR, anchor="middle"))
    return layout


def _add_legend(layout: FlowLayout, words: dict[str, str]) -> None:
    x = MARGIN
    kinds = ((words["applicant"], APPLICANT_FILL, APPLICANT_STROKE), (words["staff"], STAFF_FILL, STAFF_STROKE))
    for label, fill, stroke in kinds:
        layout.boxes.append(Box(x, MARGIN - 4, 14, 14, fill, stroke, radius=3))
        layout.lines.append(TextLine(label, x + 20, MARGIN + 7, META_SIZE, MUTED_COLOUR))
        x += 20 + sum(char_width(ch, META_SIZE) for ch in label) + 24


def _add_step(layout: FlowLayout, number: int, step: ProcessStep, unit: LimitUnit, lang: str, top: float) -> float:
    """Lay out one step box starting at `top`; return its bottom edge."""
    words = WORDS.get(lang, WORDS["zh"])
    left = MARGIN
    box_width = WIDTH - 2 * MARGIN
    text_x = left + PADDING + BADGE + 10
    text_width = left + box_width - PADDING - text_x
    lines: list[TextLine] = []
    y = top + PADDING
    for text in wrap_text(step.name, text_width, NAME_SIZE):
        y += NAME_SIZE
        lines.append(TextLine(text, text_x, y, NAME_SIZE, bold=True))
        y += NAME_SIZE * (LINE_GAP - 1)
    meta = " · ".join(part for part in (actor_label(step.actor, lang), step_time(step, unit, lang)) if part)
    for text in wrap_text(meta, text_width, META_SIZE):
        y += META_SIZE * LINE_GAP
        lines.append(TextLine(text, text_x, y, META_SIZE, MUTED_COLOUR))
    points = [f"· {point}" for point in step.review_points[:MAX_POINTS]]
    if len(step.review_points) > MAX_POINTS:
        points.append(words["more"].format(n=len(step.review_points)))
    for point in points:
        for text in wrap_text(point, text_width, POINT_SIZE):
            y += POINT_SIZE * LINE_GAP
            lines.append(TextLine(text, text_x, y, POINT_SIZE, MUTED_COLOUR))
    height = max(y - top + PADDING, BADGE + 2 * PADDING)
    fill, stroke = _colours(step.actor)
    layout.boxes.append(Box(left, top, box_width, height, fill, stroke))
    layout.circles.append(Box(left + PADDING, top + PADDING, BADGE, BADGE, stroke, stroke, radius=BADGE / 2))
    centre = top + PADDING + BADGE / 2
    layout.lines.append(TextLine(str(number), left + PADDING + BADGE / 2, centre + 5, 14, "#ffffff", True, "middle"))
    layout.lines.extend(lines)
    return top + height


def _colours(actor: Actor) -> tuple[str, str]:
    if actor is Actor.applicant:
        return APPLICANT_FILL, APPLICANT_STROKE
    return STAFF_FILL, STAFF_STROKE


def _svg_box(box: Box) -> str:
    return (
        f'<rect x="{box.x:g}" y="{box.y:g}" width="{box.width:g}" height="{box.height:g}" rx="{box.radius:g}"'
        f' fill="{box.fill}" stroke="{box.stroke}" stroke-width="1.5"/>'
    )


def _svg_circle(circle: Box) -> str:
    r = circle.width / 2
    return f'<circle cx="{circle.x + r:g}" cy="{circle.y + r:g}" r="{r:g}" fill="{circle.fill}"/>'


def _svg_arrow(arrow: Arrow) -> str:
    head = 7
    return (
        f'<line x1="{arrow.x:g}" y1="{arrow.y1:g}" x2="{arrow.x:g}" y2="{arrow.y2 - head:g}"'
        f' stroke="{ARROW_COLOUR}" stroke-width="2"/>'
        f'<polygon points="{arrow.x - 6:g},{arrow.y2 - head - 2:g} {arrow.x + 6:g},{arrow.y2 - head - 2:g}'
        f' {arrow.x:g},{arrow.y2:g}" fill="{ARROW_COLOUR}"/>'
    )


def _svg_text(line: TextLine) -> str:
    weight = ' font-weight="bold"' if line.bold else ""
    anchor = ' text-anchor="middle"' if line.anchor == "middle" else ""
    return (
        f'<text x="{line.x:g}" y="{line.y:g}" font-size="{line.size:g}" fill="{line.colour}"{weight}{anchor}>'
        f"{escape(line.text)}</text>"
    )
