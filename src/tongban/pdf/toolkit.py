"""A4 page setup, paragraph styles and QR codes for every PDF the platform prints (GUIDE-01, GUIDE-03; LIC-02).

The guide, the self-service print sheet, material samples and sealed notices all lay out with
these, so they look alike; the same input gives the same bytes (ReportLab invariant mode).
"""

from __future__ import annotations

import io
from collections.abc import Callable
from xml.sax.saxutils import escape

import segno
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate

MARGIN = 18 * mm
FRAME_WIDTH = A4[0] - 2 * MARGIN
GRID = colors.HexColor("#9aa5b1")
LABEL_BG = colors.HexColor("#eef2f6")
ALERT_BG = colors.HexColor("#fdecea")
ALERT_FG = colors.HexColor("#a61b1b")
MUTED = colors.HexColor("#4a4a4a")
QUIET_ZONE = 4  # modules of white around a free-standing QR code, as the standard asks


def styles(font: str, base: float = 10) -> dict[str, ParagraphStyle]:
    """Paragraph styles in the CJK font; every one wraps Chinese text by character."""

    def style(name: str, size: float, **kw) -> ParagraphStyle:
        return ParagraphStyle(name, fontName=font, fontSize=size, leading=size * 1.45, wordWrap="CJK", **kw)

    return {
        "title": style("title", base * 2, alignment=TA_CENTER, spaceAfter=4),
        "subtitle": style("subtitle", base * 1.1, alignment=TA_CENTER, textColor=MUTED, spaceAfter=10),
        "h2": style("h2", base * 1.35, spaceBefore=12, spaceAfter=6, textColor=colors.HexColor("#12365f")),
        "h3": style("h3", base * 1.05, spaceBefore=4, spaceAfter=2),
        "body": style("body", base, spaceAfter=3),
        "small": style("small", base * 0.9, textColor=colors.HexColor("#333333")),
        "cell": style("cell", base * 0.9),
        "label": style("label", base * 0.9, textColor=colors.HexColor("#12365f")),
        "alert": style("alert", base * 1.1, textColor=ALERT_FG),
        "big": style("big", base),
        "bigtitle": style("bigtitle", base * 1.6, spaceAfter=4),
    }


def para(text: str, style: ParagraphStyle, *, link: str = "") -> Paragraph:
    """A paragraph of plain text (escaped; newlines kept), optionally a link."""
    markup = escape(text).replace("\n", "<br/>")
    if link:
        markup = f'<a href="{escape(link, {chr(34): "&quot;"})}" color="#1f5fa8"><u>{markup}</u></a>'
    return Paragraph(markup, style)


def build_pdf(
    story: list[Flowable], *, title: str, on_page: Callable | None = None, canvasmaker: type = Canvas, **kw
) -> bytes:
    """Lay out `story` on A4 with stable bytes for the same input (invariant mode)."""
    buffer = io.BytesIO()
    doc = _document(buffer, title, **kw)
    if on_page is None:
        doc.build(story, canvasmaker=canvasmaker)
    else:
        doc.build(story, onFirstPage=on_page, onLaterPages=on_page, canvasmaker=canvasmaker)
    return buffer.getvalue()


def _document(buffer: io.BytesIO, title: str, **kw) -> SimpleDocTemplate:
    options = {
        "pagesize": A4,
        "leftMargin": MARGIN,
        "rightMargin": MARGIN,
        "topMargin": 16 * mm,
        "bottomMargin": 20 * mm,
        "title": title,
        "author": "tongban",
        "creator": "tongban",
        "invariant": 1,
        "lang": "zh-CN",
    }
    options.update(kw)
    return SimpleDocTemplate(buffer, **options)


def draw_qr(canvas, value: str, *, x: float, y: float, size: float, border: int = 0) -> None:
    """A QR code (level M) filling the square at (x, y), `border` white modules inside its edge.

    Drawn as black runs on the canvas; segno encodes far faster than ReportLab's widget.
    """
    matrix = segno.make(value, error="m", micro=False, boost_error=False).matrix
    module = size / (len(matrix) + 2 * border)
    x, y = x + border * module, y + border * module
    inner = size - 2 * border * module
    path = canvas.beginPath()
    for row_index, row in enumerate(matrix):
        top = y + inner - (row_index + 1) * module
        start = None
        for col, dark in enumerate([*row, 0]):
            if dark and start is None:
                start = col
            elif not dark and start is not None:
                path.rect(x + start * module, top, (col - start) * module, module)
                start = None
    canvas.saveState()
    canvas.setFillColor(colors.black)
    canvas.drawPath(path, stroke=0, fill=1)
    canvas.restoreState()


class QrCode(Flowable):
    """A square QR code as a flowable (for tables and stories), its quiet zone inside `size`."""

    def __init__(self, value: str, size: float, *, border: int = QUIET_ZONE) -> None:
        super().__init__()
        self.value, self.border = value, border
        self.width = self.height = size

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return self.width, self.height

    def draw(self) -> None:
        draw_qr(self.canv, self.value, x=0, y=0, size=self.width, border=self.border)
