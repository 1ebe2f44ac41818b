"""The service map's drawing: halls projected into a fixed box, numbered markers moved apart when crowded, and name
labels placed greedily against the boxes already placed, so nothing overlaps and nothing is cut off at the edge, and
the text stays at least 12 px on a 360 px phone (000 §6.6)."""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Protocol

# The map is drawn in a 360 × 400 box whatever the screen: on a 360 px phone it is shown at least 300 px wide, so
# 15 units of text are at least 12.5 px; on a wide screen the page caps its width.
MAP_WIDTH, MAP_HEIGHT = 360, 400
FONT = 15  # label and marker number size, in map units
LINE = FONT * 1.45  # line height: CJK fonts' ascent plus descent, so a line's drawn box stays inside its label box
PAD = 3  # inside a label's background
GAP = 3  # between a marker and its label, and between boxes
MARKER_R = 14  # numbered circle
CENTRE_R = 11  # the diamond of the chosen place
MARGIN = MARKER_R + 8  # no hall is projected nearer the edge than this
MIN_HALF_SPAN = 0.004  # degrees (about 400 m): one hall alone is not blown up to the whole map
MAX_MARKERS = 20  # more numbered circles than this is no longer a map one can read on a phone
NORTH_TEXT = "北↑"
NAME_ENDS = "省市区县镇乡道心站点处厅"  # last characters of the parts of a hall's name: 广安区|北辰街道|便民服务中心


class Placeable(Protocol):
    """What the layout needs of a hall (a Hall row, or anything with these attributes)."""

    id: int
    kind: str
    name: str
    latitude: float | None
    longitude: float | None


def placed(hall_list: Sequence[Placeable]) -> list[Placeable]:
    """The halls that have a position."""
    return [h for h in hall_list if h.latitude is not None and h.longitude is not None]


@dataclass(frozen=True)
class Box:
    x: float
    y: float
    w: float
    h: float

    def overlaps(self, other: Box, gap: float = 0.0) -> bool:
        return (self.x < other.x + other.w + gap and other.x < self.x + self.w + gap
                and self.y < other.y + other.h + gap and other.y < self.y + self.h + gap)

    def inside(self, width: float, height: float) -> bool:
        return self.x >= 0 and self.y >= 0 and self.x + self.w <= width and self.y + self.h <= height


@dataclass(frozen=True)
class Marker:
    number: int
    hall_id: int
    kind: str
    name: str
    x: float  # where the numbered circle is drawn
    y: float
    anchor_x: float  # where the hall is; a thin line joins them when crowding moved the circle
    anchor_y: float

    @property
    def moved(self) -> bool:
        return (self.x, self.y) != (self.anchor_x, self.anchor_y)

    @property
    def box(self) -> Box:
        return Box(self.x - MARKER_R, self.y - MARKER_R, 2 * MARKER_R, 2 * MARKER_R)


@dataclass(frozen=True)
class Label:
    number: int  # the marker's number; 0 for the chosen place
    hall_id: int | None
    lines: tuple[str, ...]
    box: Box
    leader: tuple[float, float, float, float] | None = None  # from the mark to the label, when it could not sit beside

    @property
    def rows(self) -> list[tuple[float, float, str]]:
        """(x, baseline y, text) of each line."""
        return [(round(self.box.x + PAD, 1), round(self.box.y + PAD + LINE * i + FONT * 1.1, 1), line)
                for i, line in enumerate(self.lines)]


@dataclass(frozen=True)
class MapLayout:
    width: int
    height: int
    markers: list[Marker]
    labels: list[Label]
    centre: tuple[float, float] | None  # the chosen place, at the middle of the map
    north: Box  # the "北↑" sign in the top right corner

    @property
    def font(self) -> int:
        return FONT


def text_width(text: str) -> float:
    """Width of a line of text: a CJK character is one em; letters and digits are narrower (0.62 em at most)."""
    return sum(FONT * (0.62 if ord(ch) < 0x2E80 else 1.0) for ch in text)


def split_lines(text: str, parts: int) -> tuple[str, ...]:
    """The text in `parts` lines of about equal width, breaking where a name breaks (after 区, 市, 街道, 中心 …, before
    a number or a bracket) when that is not much less even, and never inside a run of letters or digits ("24小时")."""
    def joined(i: int) -> bool:
        return text[i - 1].isascii() and text[i - 1].isalnum() and text[i].isascii() and text[i].isalnum()

    def cost(i: int, target: float) -> float:
        natural = text[i - 1] in NAME_ENDS or (text[i] in "（(" or (text[i].isdigit() and not text[i - 1].isdigit()))
        return abs(text_width(text[:i]) - target) + (0 if natural else 2.5 * FONT)

    breaks = [i for i in range(1, len(text)) if not joined(i)]
    cuts: list[int] = []
    for k in range(1, parts):
        target = text_width(text) * k / parts
        after = [b for b in breaks if b > (cuts[-1] if cuts else 0)]
        if not after:
            break
        cuts.append(min(after, key=lambda b: cost(b, target)))
    bounds = [0, *cuts, len(text)]
    return tuple(text[a:b] for a, b in zip(bounds, bounds[1:]) if a < b)


def _label_variants(text: str) -> list[tuple[str, ...]]:
    """One line first; long names also in two and three lines."""
    variants = [(text,)]
    for parts, shortest in ((2, 6), (3, 11)):
        if len(text) >= shortest:
            lines = split_lines(text, parts)
            if len(lines) == parts and lines not in variants:
                variants.append(lines)
    return variants


def _label_spots(cx: float, cy: float, r: float, w: float, h: float) -> Iterator[tuple[float, float]]:
    """Top-left corners of a w × h label around a mark of radius r: right, left, above, below, beside but shifted up or
    down, then the diagonals."""
    d = r + GAP
    e = d * 0.72
    yield cx + d, cy - h / 2
    yield cx - d - w, cy - h / 2
    yield cx - w / 2, cy - d - h
    yield cx - w / 2, cy + d
    for x in (cx + d, cx - d - w):  # beside, level with the top or the bottom of the mark
        yield x, cy - r
        yield x, cy + r - h
    yield cx + e, cy - e - h
    yield cx + e, cy + e
    yield cx - e - w, cy - e - h
    yield cx - e - w, cy + e


def _ring_spots(x: float, y: float, width: float, height: float) -> Iterator[tuple[float, float]]:
    """The anchor, then rings of growing radius around it, nearest first: where a crowded marker may go."""
    yield x, y
    step = MARKER_R * 0.8
    for ring in range(1, int(max(width, height) / step) + 2):
        count = 8 * ring
        for k in range(count):
            angle = 2 * math.pi * k / count - math.pi / 2
            yield x + ring * step * math.cos(angle), y + ring * step * math.sin(angle)


def project(points: Sequence[tuple[float, float]], *, centre: tuple[float, float] | None = None,
            width: int = MAP_WIDTH, height: int = MAP_HEIGHT) -> tuple[list[tuple[float, float]], tuple[float, float]]:
    """(lat, lng) → (x, y), north up: an equirectangular projection scaled by cos(latitude). With a centre it sits in
    the middle of the map; without one, the points do. Returns the points and where the centre went."""
    if not points and centre is None:
        return [], (width / 2, height / 2)
    lats = [lat for lat, _ in points] + ([centre[0]] if centre else [])
    ref = math.cos(math.radians(centre[0] if centre else sum(lats) / len(lats)))
    xs, ys = [lng * ref for _, lng in points], [lat for lat, _ in points]
    if centre is not None:
        mid_x, mid_y = centre[1] * ref, centre[0]
    else:
        mid_x, mid_y = (min(xs) + max(xs)) / 2, (min(ys) + max(ys)) / 2
    half_x = max([abs(x - mid_x) for x in xs] + [MIN_HALF_SPAN])
    half_y = max([abs(y - mid_y) for y in ys] + [MIN_HALF_SPAN])
    scale = min((width / 2 - MARGIN) / half_x, (height / 2 - MARGIN) / half_y)
    spots = [(round(width / 2 + (x - mid_x) * scale, 1), round(height / 2 - (y - mid_y) * scale, 1)) for x, y in zip(xs, ys)]
    return spots, (width / 2, height / 2)


def lay_out(hall_list: Sequence[Placeable], *, centre: tuple[float, float] | None = None, centre_label: str = "",
            width: int = MAP_WIDTH, height: int = MAP_HEIGHT) -> MapLayout:
    """Markers numbered 1… in the given order (at most MAX_MARKERS), each where its hall is or, when that spot is taken,
    the nearest free one; then each name label at the first free spot around its marker, in one, two or three lines,
    a little farther off with a thin line when it must, or none (the number and the list beside the map still name
    it). Nothing overlaps and nothing leaves the box."""
    shown = placed(hall_list)[:MAX_MARKERS]
    spots, centre_xy = project([(h.latitude, h.longitude) for h in shown], centre=centre, width=width, height=height)
    north = Box(width - text_width(NORTH_TEXT) - 2 * PAD - 4, 4, text_width(NORTH_TEXT) + 2 * PAD, LINE + 2 * PAD)
    taken: list[Box] = [north]
    if centre is not None:
        taken.append(Box(centre_xy[0] - CENTRE_R, centre_xy[1] - CENTRE_R, 2 * CENTRE_R, 2 * CENTRE_R))
    markers: list[Marker] = []
    for number, (hall, (ax, ay)) in enumerate(zip(shown, spots), start=1):
        def free(spot: tuple[float, float]) -> bool:
            box = Box(spot[0] - MARKER_R, spot[1] - MARKER_R, 2 * MARKER_R, 2 * MARKER_R)
            return box.inside(width, height) and not any(box.overlaps(other, GAP) for other in taken)

        x, y = next((s for s in _ring_spots(ax, ay, width, height) if free(s)), (ax, ay))
        marker = Marker(number, hall.id, hall.kind, hall.name, round(x, 1), round(y, 1), ax, ay)
        markers.append(marker)
        taken.append(marker.box)

    labels: list[Label] = []
    wanted = ([(0, None, centre_label, *centre_xy, CENTRE_R)] if centre is not None and centre_label else [])
    wanted += [(m.number, m.hall_id, m.name, m.x, m.y, MARKER_R) for m in markers]
    leaders: list[list[tuple[float, float]]] = []
    for reaches in ((0.0,), (LINE, 2 * LINE, 3 * LINE)):  # every label that fits beside its mark, then the others
        for number, hall_id, text, cx, cy, r in wanted:
            if any(label.number == number for label in labels):
                continue
            label = _place_label(number, hall_id, text, cx, cy, r, reaches, taken, leaders, width, height)
            if label is not None:
                labels.append(label)
                taken.append(label.box)
                if label.leader:
                    leaders.append(_segment_points(*label.leader))
    labels.sort(key=lambda label: label.number)
    return MapLayout(width, height, markers, labels, centre_xy if centre is not None else None, north)


def _segment_points(x1: float, y1: float, x2: float, y2: float) -> list[tuple[float, float]]:
    steps = max(1, int(math.hypot(x2 - x1, y2 - y1) / 2))
    return [(x1 + (x2 - x1) * k / steps, y1 + (y2 - y1) * k / steps) for k in range(steps + 1)]


def _hits(box: Box, point: tuple[float, float]) -> bool:
    return box.x < point[0] < box.x + box.w and box.y < point[1] < box.y + box.h


def _place_label(number: int, hall_id: int | None, text: str, cx: float, cy: float, r: float, reaches: tuple[float, ...],
                 taken: list[Box], leaders: list[list[tuple[float, float]]], width: int, height: int) -> Label | None:
    """Beside the mark if there is room; else a little farther off, joined to the mark by a thin line that crosses
    nothing else. Never over a box or a line already placed."""
    for reach in reaches:
        for lines in _label_variants(text):
            w = math.ceil((max(text_width(line) for line in lines) + 2 * PAD) * 10) / 10
            h = math.ceil((LINE * len(lines) + 2 * PAD) * 10) / 10
            for x, y in _label_spots(cx, cy, r + reach, w, h):
                box = Box(math.ceil(x * 10) / 10, math.ceil(y * 10) / 10, w, h)
                if not box.inside(width, height) or any(box.overlaps(other, GAP) for other in taken):
                    continue
                if any(_hits(box, p) for line in leaders for p in line):
                    continue
                if not reach:
                    return Label(number, hall_id, lines, box)
                end = (min(max(cx, box.x), box.x + box.w), min(max(cy, box.y), box.y + box.h))
                own = Box(cx - r, cy - r, 2 * r, 2 * r)
                path = [p for p in _segment_points(cx, cy, *end) if not _hits(own, p)]
                if not any(_hits(other, p) for other in taken if other != own for p in path):
                    return Label(number, hall_id, lines, box, leader=(round(cx, 1), round(cy, 1), round(end[0], 1), round(end[1], 1)))
    return None
