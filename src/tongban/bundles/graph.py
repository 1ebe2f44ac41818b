"""Pictures as hand-built SVG text (no dependency): the question flow of a bundle (`tongban bundle graph ID --svg`,
the staff pages) and the order of a person's items (BND-05, the plan page).

Layout: nodes in layers (a question's layer is the longest way to it from the start; an item's is its stage), laid
top to bottom for the flow and left to right for the plan; text is wrapped at a fixed number of characters, which is
wide enough for Chinese text at the chosen font size."""

from __future__ import annotations

from html import escape

from tongban.bundles.definition import BundleDefinition
from tongban.bundles.plan import Plan

FONT = 14
CHAR = 15  # a CJK character's width at FONT
WRAP = 12
LINE = 19
PAD = 10
FONT_FAMILY = "'Noto Sans CJK SC','Source Han Sans SC','Microsoft YaHei',sans-serif"


def _wrap(text: str, width: int = WRAP) -> list[str]:
    return [text[i:i + width] for i in range(0, len(text), width)] or [""]


def _box(x: float, y: float, w: float, h: float, lines: list[str], *, fill: str, stroke: str, bold_first: bool = False,
         rounded: int = 8) -> str:
    parts = [f'<rect x="{x:.0f}" y="{y:.0f}" width="{w:.0f}" height="{h:.0f}" rx="{rounded}" fill="{fill}" '
             f'stroke="{stroke}" stroke-width="1.5"/>']
    top = y + PAD + FONT
    for n, line in enumerate(lines):
        weight = ' font-weight="bold"' if bold_first and n == 0 else ""
        parts.append(f'<text x="{x + w / 2:.0f}" y="{top + n * LINE:.0f}" text-anchor="middle"{weight}>{escape(line)}</text>')
    return "".join(parts)


def _svg(width: float, height: float, body: list[str], title: str) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:.0f} {height:.0f}" width="{width:.0f}" '
            f'height="{height:.0f}" role="img" aria-label="{escape(title)}" font-family="{FONT_FAMILY}" '
            f'font-size="{FONT}" class="bundles-graph">'
            f'<title>{escape(title)}</title>'
            '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" '
            'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#555"/></marker></defs>'
            + "".join(body) + "</svg>")


def flow_svg(definition: BundleDefinition) -> str:
    """The question flow: each question a box, each option an arrow to its next question or to the end."""
    layer: dict[str, int] = {definition.start: 0}
    changed = True
    rounds = 0
    while changed and rounds <= len(definition.questions):  # longest-path layers; a cycle stops after n rounds
        changed, rounds = False, rounds + 1
        for q in definition.questions:
            if q.id not in layer:
                continue
            for o in q.options:
                if o.next and definition.question(o.next) and layer.get(o.next, -1) < layer[q.id] + 1:
                    layer[o.next] = layer[q.id] + 1
                    changed = True
    end_layer = max(layer.values(), default=0) + 1
    rows: dict[int, list[str]] = {}
    for q in definition.questions:
        rows.setdefault(layer.get(q.id, end_layer + 1), []).append(q.id)  # unreachable ones at the bottom
    rows.setdefault(end_layer, []).append("__end__")
    box_w = WRAP * CHAR + 2 * PAD
    most = max(len(q.options) for q in definition.questions)
    gap_x, gap_y = 40, 40 + 16 * most  # room for one label line per option
    heights = {q.id: len(_wrap(q.text)) * LINE + 2 * PAD for q in definition.questions}
    heights["__end__"] = LINE + 2 * PAD
    width = max(len(ids) for ids in rows.values()) * (box_w + gap_x) + gap_x + 160  # labels may run right
    pos: dict[str, tuple[float, float]] = {}
    y = 20.0
    for level in sorted(rows):
        ids = rows[level]
        row_w = len(ids) * box_w + (len(ids) - 1) * gap_x
        x = (width - 160 - row_w) / 2
        for qid in ids:
            pos[qid] = (x, y)
            x += box_w + gap_x
        y += max(heights[q] for q in ids) + gap_y
    height = y - gap_y + 20
    body: list[str] = []
    for q in definition.questions:
        x, yq = pos[q.id]
        n = len(q.options)
        for i, o in enumerate(q.options):
            target = o.next if o.next and o.next in pos else "__end__"
            tx, ty = pos[target]
            sx = x + box_w * (i + 1) / (n + 1)
            sy = yq + heights[q.id]
            ex = tx + box_w / 2
            skips = layer.get(target, end_layer) - layer.get(q.id, end_layer) > 1 if target != "__end__" else \
                end_layer - layer.get(q.id, end_layer) > 1
            if ty > sy and skips:  # around the boxes in between, on the right
                lane = x + box_w + 12 + 6 * i
                body.append(f'<path d="M{sx:.0f},{sy:.0f} L{lane:.0f},{sy + 24:.0f} L{lane:.0f},{ty - 24:.0f} '
                            f'L{tx + box_w * 0.75:.0f},{ty:.0f}" fill="none" stroke="#555" stroke-width="1.2" '
                            'marker-end="url(#arrow)"/>')
            elif ty > sy:
                body.append(f'<path d="M{sx:.0f},{sy:.0f} C{sx:.0f},{sy + 40:.0f} {ex:.0f},{ty - 40:.0f} {ex:.0f},{ty:.0f}" '
                            'fill="none" stroke="#555" stroke-width="1.2" marker-end="url(#arrow)"/>')
            else:  # back edge (a cycle, which the checker reports)
                body.append(f'<path d="M{sx:.0f},{sy:.0f} L{ex:.0f},{ty:.0f}" fill="none" stroke="#c0392b" '
                            'stroke-dasharray="4 3" marker-end="url(#arrow)"/>')
            body.append(f'<text x="{sx + 4:.0f}" y="{sy + 14 + i * 16:.0f}" font-size="12" fill="#1f4e79">'
                        f'{escape(o.label[:16])}</text>')
    for q in definition.questions:
        x, yq = pos[q.id]
        fill = "#eef5fb" if q.id in layer else "#fdecea"
        body.append(_box(x, yq, box_w, heights[q.id], _wrap(q.text), fill=fill, stroke="#1f4e79"))
    x, ye = pos["__end__"]
    body.append(_box(x, ye, box_w, heights["__end__"], ["得出办理方案"], fill="#e8f5e9", stroke="#2e7d32", rounded=18))
    return _svg(width, height, body, f"{definition.name}问答流程图")


def plan_svg(plan: Plan, title: str = "办理流程图") -> str:
    """The person's items in stages, left to right: items of one stage run in parallel; an arrow for each order."""
    stages: dict[int, list] = {}
    for item in plan.items:
        stages.setdefault(item.stage, []).append(item)
    box_w = WRAP * CHAR + 2 * PAD
    gap_x, gap_y = 60, 24
    head = 28
    lines = {i.code: [*_wrap(i.name), i.agency_name[:WRAP], f"承诺时限 {i.limit_days} 个工作日" if i.limit_days else "即办"]
             for i in plan.items}
    heights = {code: len(ls) * LINE + 2 * PAD for code, ls in lines.items()}
    pos: dict[str, tuple[float, float]] = {}
    x = 20.0
    height = 0.0
    body: list[str] = []
    for stage in sorted(stages):
        y = 20.0 + head
        body.append(f'<text x="{x + box_w / 2:.0f}" y="{20 + FONT:.0f}" text-anchor="middle" font-weight="bold" '
                    f'fill="#1f4e79">第{stage}步{"（同时办理）" if len(stages[stage]) > 1 else ""}</text>')
        for item in stages[stage]:
            pos[item.code] = (x, y)
            y += heights[item.code] + gap_y
        height = max(height, y)
        x += box_w + gap_x
    width = x - gap_x + 20
    for item in plan.items:
        tx, ty = pos[item.code]
        for before in item.after:
            if before not in pos:
                continue
            sx, sy = pos[before]
            body.append(f'<path d="M{sx + box_w:.0f},{sy + heights[before] / 2:.0f} L{tx:.0f},{ty + heights[item.code] / 2:.0f}" '
                        'fill="none" stroke="#555" stroke-width="1.2" marker-end="url(#arrow)"/>')
    for item in plan.items:
        x0, y0 = pos[item.code]
        body.append(_box(x0, y0, box_w, heights[item.code], lines[item.code], fill="#eef5fb", stroke="#1f4e79",
                         bold_first=True))
    return _svg(max(width, 200), height + 10, body, title)
