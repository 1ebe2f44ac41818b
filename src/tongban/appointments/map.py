"""政务服务地图: halls with items, hours and live queue, the nearest ones to a place, an SVG map and the directory
(000 §6.6; 002 6.3.5–6.3.6)."""

from __future__ import annotations

import math
from dataclasses import dataclass

from sqlalchemy.orm import Session

from tongban.appointments import halls
from tongban.appointments.models import Hall
from tongban.core.errors import InvalidInput

EARTH_RADIUS_KM = 6371.0088


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


def nearest(*, db_session: Session, lat: float, lng: float, limit: int = 5, kind: str | None = None) -> list[tuple[Hall, float]]:
    """就近办事: halls with coordinates, nearest first."""
    check_point(lat, lng)
    placed = [h for h in halls.list_halls(db_session=db_session, kind=kind) if h.latitude is not None and h.longitude is not None]
    ranked = sorted(((h, haversine_km(lat, lng, h.latitude, h.longitude)) for h in placed), key=lambda pair: (pair[1], pair[0].id))
    return ranked[:limit]


@dataclass(frozen=True)
class MapPoint:
    hall: Hall
    x: float
    y: float


def svg_points(hall_list: list[Hall], *, width: int = 800, height: int = 560, margin: int = 40) -> list[MapPoint]:
    """Place halls by coordinates in an SVG box: an equirectangular projection scaled by cos(latitude), north up."""
    placed = [h for h in hall_list if h.latitude is not None and h.longitude is not None]
    if not placed:
        return []
    mid = math.radians(sum(h.latitude for h in placed) / len(placed))
    xs = [h.longitude * math.cos(mid) for h in placed]
    ys = [h.latitude for h in placed]
    span = max(max(xs) - min(xs), max(ys) - min(ys), 1e-6)
    scale = min(width - 2 * margin, height - 2 * margin) / span
    cx = (width - (max(xs) - min(xs)) * scale) / 2
    cy = (height - (max(ys) - min(ys)) * scale) / 2
    return [MapPoint(h, round(cx + (x - min(xs)) * scale, 1), round(height - cy - (y - min(ys)) * scale, 1))
            for h, x, y in zip(placed, xs, ys)]
