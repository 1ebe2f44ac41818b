"""Server-side SVG charts for the supervision pages: horizontal bars and a line over periods; no JavaScript."""

from __future__ import annotations

from html import escape

from markupsafe import Markup

WIDTH = 480
COLOURS = ("#1f6feb", "#d97706", "#15803d", "#b91c1c")


def _text(x: float, y: float, value: str, *, anchor: str = "start", size: int = 13, fill: str = "#333") -> str:
    return (f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" fill="{fill}">'
            f"{escape(value)}</text>")


def bar_chart(title: str, bars: list[tuple[str, float | None]], *, maximum: float | None = None,
              fmt: str = "{:.0f}") -> Markup:
    """One bar per label; a missing value (None) is drawn as an empty bar marked "—"."""
    row, label_w, top = 26, 150, 30
    height = top + row * max(len(bars), 1) + 10
    values = [v for _, v in bars if v is not None]
    scale_max = maximum if maximum is not None else (max(values) if values else 1) or 1
    span = WIDTH - label_w - 60
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {WIDTH} {height}" width="100%" '
             f'aria-label="{escape(title)}" class="chart">', f"<title>{escape(title)}</title>",
             _text(0, 18, title, size=14, fill="#111")]
    if not bars:
        parts.append(_text(0, top + 16, "暂无数据", fill="#777"))
    for index, (label, value) in enumerate(bars):
        y = top + index * row
        short = label if len(label) <= 10 else label[:9] + "…"
        parts.append(_text(label_w - 8, y + 16, short, anchor="end"))
        width = 0 if value is None else max(span * value / scale_max, 1)
        parts.append(f'<rect x="{label_w}" y="{y + 4}" width="{width:.1f}" height="{row - 10}" fill="{COLOURS[0]}" rx="2">'
                     f"<title>{escape(label)}：{escape('—' if value is None else fmt.format(value))}</title></rect>")
        parts.append(_text(label_w + width + 6, y + 16, "—" if value is None else fmt.format(value)))
    parts.append("</svg>")
    return Markup("".join(parts))


def line_chart(title: str, labels: list[str], series: list[tuple[str, list[float]]]) -> Markup:
    """Lines over the labels (months), one colour per series, with a legend."""
    height, left, right, top, bottom = 260, 40, 36, 40, 40
    plot_w, plot_h = WIDTH - left - right, height - top - bottom
    peak = max([v for _, values in series for v in values] or [0]) or 1
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {WIDTH} {height}" width="100%" '
             f'aria-label="{escape(title)}" class="chart">', f"<title>{escape(title)}</title>",
             _text(0, 18, title, size=14, fill="#111"),
             f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" stroke="#999"/>',
             f'<line x1="{left}" y1="{top}" x2="{left}" y2="{top + plot_h}" stroke="#999"/>',
             _text(left - 6, top + 4, f"{peak:g}", anchor="end", size=11), _text(left - 6, top + plot_h, "0", anchor="end", size=11)]
    if not labels:
        parts.append(_text(left + 10, top + plot_h / 2, "暂无数据", fill="#777"))
    step = plot_w / max(len(labels) - 1, 1)
    for index, label in enumerate(labels):
        parts.append(_text(left + index * step, height - bottom + 18, label, anchor="middle", size=11))
    for number, (name, values) in enumerate(series):
        colour = COLOURS[number % len(COLOURS)]
        points = [(left + i * step, top + plot_h - plot_h * v / peak) for i, v in enumerate(values)]
        if len(points) > 1:
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
            parts.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{path}"/>')
        for (x, y), v, label in zip(points, values, labels):
            parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{colour}"><title>{escape(name)} {escape(label)}：{v:g}</title></circle>')
        legend_x = WIDTH - right - 70 * (len(series) - number)
        parts.append(f'<rect x="{legend_x}" y="8" width="10" height="10" fill="{colour}"/>')
        parts.append(_text(legend_x + 14, 17, name, size=11))
    parts.append("</svg>")
    return Markup("".join(parts))
