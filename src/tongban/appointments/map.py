"""政务服务地图: the nearest halls to a place (a point, or a district or street chosen from a list) and the map page's
content; the drawing itself is laid out in map_layout (000 §6.6; 002 6.3.5–6.3.6)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from tongban.appointments import halls
from tongban.appointments.map_layout import MapLayout, lay_out, placed
from tongban.appointments.models import Hall
from tongban.catalog import regions
from tongban.core.errors import InvalidInput, NotFound

EARTH_RADIUS_KM = 6371.0088
REGION_LEVELS = ("city", "county", "township")  # what people choose from, by depth: 市, 区县, 街道（乡镇）


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance on a spherical Earth; within 0.5 % of the ellipsoid, enough to pick the nearest hall."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def check_point(lat: float, lng: float) -> None:
    if not (-90 <= lat <= 90 and -180 <= lng <= 180) or math.isnan(lat) or math.isnan(lng):
        raise InvalidInput("COORDINATES_INVALID", "位置不正确：纬度应在 -90 到 90 之间，经度应在 -180 到 180 之间")


def parse_point(lat: str, lng: str) -> tuple[float, float] | None:
    """The location typed into the map form: None when both boxes are empty, else checked coordinates."""
    lat, lng = (lat or "").strip(), (lng or "").strip()
    if not lat and not lng:
        return None
    if not lat or not lng:
        raise InvalidInput("COORDINATES_INCOMPLETE", "请同时填写纬度和经度，或都不填")
    try:
        point = float(lat), float(lng)
    except ValueError:
        raise InvalidInput("COORDINATES_INVALID", "纬度和经度应为数字，例如 30.46 和 106.63") from None
    check_point(*point)
    return point


def by_distance(hall_list: Sequence[Hall], lat: float, lng: float) -> list[tuple[Hall, float]]:
    """Halls with coordinates, nearest first (ties by id, so the order never flickers)."""
    ranked = ((h, haversine_km(lat, lng, h.latitude, h.longitude)) for h in placed(hall_list))
    return sorted(ranked, key=lambda pair: (pair[1], pair[0].id))


def nearest(*, db_session: Session, lat: float, lng: float, limit: int = 5, kind: str | None = None) -> list[tuple[Hall, float]]:
    """就近办事: halls with coordinates, nearest first."""
    check_point(lat, lng)
    return by_distance(halls.list_halls(db_session=db_session, kind=kind), lat, lng)[:limit]


# --- where the person is: a point, or a district or street ------------------------------------------------------------

@dataclass(frozen=True)
class Place:
    """The place halls are sorted from. `note` says how it was found when that is not obvious."""

    lat: float
    lng: float
    name: str
    region_code: str = ""
    note: str = ""


@dataclass(frozen=True)
class RegionChoice:
    code: str
    name: str
    depth: int  # 0 the city itself, 1 a district or county, 2 a street or township
    halls: int  # halls with a position inside it

    @property
    def label(self) -> str:
        name = "全市" if self.depth == 0 else "\u3000" * (self.depth - 1) + self.name
        return f"{name}（{self.halls} 个场所）"


def region_choices(*, db_session: Session) -> list[tuple[str, list[RegionChoice]]]:
    """The cities, districts and streets that have halls with a position, grouped by city, for one select."""
    counts: dict[str, int] = {}
    names: dict[str, tuple[str, str, int]] = {}  # code → (city, name, depth)
    for hall in placed(halls.list_halls(db_session=db_session)):
        full = regions.region_path(db_session=db_session, code=hall.region_code)
        city = next((r.name for r in full if r.level == "city"), full[0].name if full else "")
        for region in full:
            if region.level in REGION_LEVELS:
                counts[region.code] = counts.get(region.code, 0) + 1
                names[region.code] = (city, region.name, REGION_LEVELS.index(region.level))
    grouped: dict[str, list[RegionChoice]] = {}
    for code in sorted(counts):  # a parent's code sorts before its children's
        city, name, depth = names[code]
        grouped.setdefault(city, []).append(RegionChoice(code=code, name=name, depth=depth, halls=counts[code]))
    return list(grouped.items())


def region_place(*, db_session: Session, code: str) -> Place:
    """A district's or street's centre. Regions carry no coordinates, so it is the middle of the halls inside it."""
    code = code.strip()
    if not (code.isdigit() and len(code) in (6, 9, 12)):
        raise InvalidInput("REGION_INVALID", "地区不正确：请从列表中选择您所在的区县或街道")
    try:
        region = regions.get_region(db_session=db_session, code=code)
    except NotFound:
        raise NotFound("REGION_NOT_FOUND", "没有找到这个地区，请从列表中选择您所在的区县或街道") from None
    inside = placed(halls.list_halls(db_session=db_session, region_code=code))
    if not inside:
        raise NotFound("REGION_WITHOUT_HALLS", f"{region.name}暂无标注位置的政务服务场所，请选择其他地区或使用您的位置")
    lat = sum(h.latitude for h in inside) / len(inside)
    lng = sum(h.longitude for h in inside) / len(inside)
    if len(inside) == 1:
        note = f"按离{region.name}的政务服务场所“{inside[0].name}”的距离排列（行政区划没有坐标）。"
    else:
        note = f"按离{region.name}中心的距离排列（行政区划没有坐标，这里的中心是{region.name}内 {len(inside)} 个政务服务场所的中间位置）。"
    return Place(lat=lat, lng=lng, name=region.name, region_code=region.code, note=note)


def choose_place(*, db_session: Session, region: str = "", lat: str = "", lng: str = "") -> Place | None:
    """The map's place from its query: a point (the browser's location or a link) before a chosen region."""
    point = parse_point(lat, lng)
    if point is not None:
        return Place(lat=point[0], lng=point[1], name="您的位置", note="按离您的位置的直线距离排列。")
    if (region or "").strip():
        return region_place(db_session=db_session, code=region)
    return None


# --- the page ---------------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class MapView:
    place: Place | None
    ranked: list[tuple[Hall, float | None]]  # halls with a position, nearest first when there is a place; numbered 1…
    unplaced: list[Hall]  # halls without a position: listed, not drawn
    layout: MapLayout

    @property
    def not_drawn(self) -> int:
        return max(0, len(self.ranked) - len(self.layout.markers))


def map_view(*, db_session: Session, place: Place | None) -> MapView:
    """The map page's content: with a place, halls by distance from it and the map centred on it."""
    everything = halls.list_halls(db_session=db_session)
    with_position = placed(everything)
    ranked: list[tuple[Hall, float | None]]
    if place is not None:
        ranked = list(by_distance(with_position, place.lat, place.lng))
    else:
        ranked = [(h, None) for h in with_position]
    layout = lay_out([h for h, _ in ranked], centre=(place.lat, place.lng) if place else None,
                     centre_label=place.name if place else "")
    return MapView(place, ranked, [h for h in everything if h not in with_position], layout)
