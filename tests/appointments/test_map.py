"""The service map page (/halls/map): numbered markers and name labels laid out without overlap and inside the map,
legible on a phone; a district or street chosen from a list, or the browser's location, orders the halls by distance;
wrong input is told in Chinese with a 4xx (MAP-02)."""

from __future__ import annotations

import itertools
import random
import re
from types import SimpleNamespace

import pytest

from tongban.appointments import map as hall_map, map_layout
from tongban.appointments.demo import HALLS as DEMO_HALLS
from tongban.appointments.map import haversine_km
from tongban.appointments.map_layout import Box, MapLayout
from tongban.catalog import regions
from tongban.core.errors import InvalidInput, NotFound
from tests.factories import make_hall

PHONE_MAP_WIDTH_PX = 300  # the narrowest the page draws the map on a 360 px phone (measured: 310 px)


def demo_halls() -> list[SimpleNamespace]:
    return [SimpleNamespace(id=n, kind=row[2], name=row[1], latitude=row[7], longitude=row[8])
            for n, row in enumerate(DEMO_HALLS, start=1)]


def assert_clean(layout: MapLayout) -> None:
    """No two boxes of the map overlap (markers, labels, the chosen place, the north sign) and all lie inside it."""
    boxes: list[tuple[str, Box]] = [("north", layout.north)]
    if layout.centre is not None:
        x, y = layout.centre
        boxes.append(("centre", Box(x - map_layout.CENTRE_R, y - map_layout.CENTRE_R, 2 * map_layout.CENTRE_R, 2 * map_layout.CENTRE_R)))
    boxes += [(f"marker {m.number}", m.box) for m in layout.markers]
    boxes += [(f"label {label.number}", label.box) for label in layout.labels]
    for name, box in boxes:
        assert box.inside(layout.width, layout.height), f"{name} leaves the map: {box}"
    for (a, box_a), (b, box_b) in itertools.combinations(boxes, 2):
        assert not box_a.overlaps(box_b), f"{a} overlaps {b}: {box_a} {box_b}"
    for label in (label for label in layout.labels if label.leader):  # a label's line crosses no other box
        x1, y1, x2, y2 = label.leader
        points = [(x1 + (x2 - x1) * k / 50, y1 + (y2 - y1) * k / 50) for k in range(51)]
        own = {f"label {label.number}", f"marker {label.number}"} | ({"centre"} if label.number == 0 else set())
        for name, box in boxes:
            inside = [p for p in points if box.x < p[0] < box.x + box.w and box.y < p[1] < box.y + box.h]
            assert name in own or not inside, f"the line of label {label.number} crosses {name}"
    for label in layout.labels:  # every line of text fits its label's box
        assert max(map_layout.text_width(line) for line in label.lines) <= label.box.w - 2 * map_layout.PAD
        assert len(label.lines) * map_layout.LINE <= label.box.h - 2 * map_layout.PAD + 0.1


def test_labels_of_the_demo_halls_never_overlap_stay_inside_and_are_legible_on_a_phone():
    halls = demo_halls()
    plain = map_layout.lay_out(halls)
    assert_clean(plain)
    assert [m.number for m in plain.markers] == list(range(1, len(DEMO_HALLS) + 1))
    # the two places 30 m apart (the centre and its 24-hour terminal) get two separate, numbered circles
    first = plain.markers[0]
    terminal = plain.markers[next(n for n, row in enumerate(DEMO_HALLS) if row[2] == "terminal")]
    assert not first.box.overlaps(terminal.box) and terminal.moved
    for centre in [(30.4739, 106.6360), (30.47, 106.63), (30.4561, 106.6113), (30.52, 106.70)]:
        layout = map_layout.lay_out(halls, centre=centre, centre_label="您的位置")
        assert_clean(layout)
        assert layout.centre == (layout.width / 2, layout.height / 2)
        assert layout.labels[0].lines == ("您的位置",) and len(layout.labels) >= 4
    assert map_layout.FONT * PHONE_MAP_WIDTH_PX / map_layout.MAP_WIDTH >= 12  # text of at least 12 px


@pytest.mark.parametrize("seed", range(8))
def test_labels_of_a_dense_crowd_of_halls_never_overlap_and_stay_inside(seed):
    rnd = random.Random(seed)
    names = ["广安区{}街道便民服务中心", "广安区政务服务中心24小时自助服务区{}号", "{}号便民服务站", "广安市第{}政务服务分中心（不动产登记）"]
    crowd = [SimpleNamespace(id=n, kind=rnd.choice(["hall", "service_center", "terminal"]),
                             name=rnd.choice(names).format(n), latitude=30.47 + rnd.uniform(-0.002, 0.002),
                             longitude=106.63 + rnd.uniform(-0.002, 0.002)) for n in range(1, 61)]
    for layout in (map_layout.lay_out(crowd), map_layout.lay_out(crowd, centre=(30.47, 106.63), centre_label="北辰街道"),
                   map_layout.lay_out(crowd[:5], centre=(31.5, 107.9), centre_label="您的位置")):  # all far off to one side
        assert_clean(layout)
        assert len(layout.markers) == min(len(crowd), map_layout.MAX_MARKERS) or len(layout.markers) == 5
    same_spot = [SimpleNamespace(id=n, kind="hall", name=f"同一地址的第{n}个场所", latitude=30.47, longitude=106.63)
                 for n in range(1, 21)]
    layout = map_layout.lay_out(same_spot)
    assert_clean(layout)
    assert len(layout.markers) == 20


def test_long_names_break_between_their_parts_never_inside_a_number():
    assert map_layout.split_lines("广安区政务服务中心24小时自助服务区", 2) == ("广安区政务服务中心", "24小时自助服务区")
    assert map_layout.split_lines("广安区北辰街道便民服务中心", 3) == ("广安区", "北辰街道", "便民服务中心")
    for parts in (2, 3):
        assert all(not (a[-1:].isdigit() and b[:1].isdigit())
                   for a, b in itertools.pairwise(map_layout.split_lines("第12345号服务点", parts)))


@pytest.fixture
def places(db_session, clock):
    """Halls of 广安区 (one of them in 北辰街道, a street added to the region table), one of 广安市 and one of 邻水县."""
    regions.add_region(db_session=db_session, code="511602001", name="北辰街道", parent_code="511602")
    rows = {
        "区中心": make_hall(db_session, clock, name="广安区政务服务中心", latitude=30.4739, longitude=106.6360)[0],
        "终端": make_hall(db_session, clock, name="广安区24小时自助服务区", kind="terminal", windows=0, bookable=False,
                        latitude=30.4742, longitude=106.6366)[0],
        "北辰": make_hall(db_session, clock, name="北辰街道便民服务中心", kind="service_center", region_code="511602001",
                        latitude=30.4862, longitude=106.6458)[0],
        "市中心": make_hall(db_session, clock, name="广安市政务服务中心", region_code="511600", latitude=30.4561,
                         longitude=106.6113)[0],
        "邻水": make_hall(db_session, clock, name="邻水县政务服务中心", region_code="511623", latitude=30.3344,
                        longitude=106.9300)[0],
        "无坐标": make_hall(db_session, clock, name="岳池县便民服务站", region_code="511621", latitude=None, longitude=None)[0],
    }
    db_session.commit()
    return rows


@pytest.mark.req("MAP-02")
def test_a_district_or_street_is_chosen_from_a_list_of_the_regions_that_have_halls(db_session, places):
    choices = hall_map.region_choices(db_session=db_session)
    assert [city for city, _ in choices] == ["广安市"]
    assert [(c.code, c.label) for c in choices[0][1]] == [
        ("511600", "全市（5 个场所）"), ("511602", "广安区（3 个场所）"), ("511602001", "\u3000北辰街道（1 个场所）"),
        ("511623", "邻水县（1 个场所）")]  # 岳池县's station has no position: nothing to measure from


@pytest.mark.req("MAP-02")
def test_choosing_a_region_orders_halls_by_distance_from_the_middle_of_its_halls(db_session, places):
    district = hall_map.region_place(db_session=db_session, code="511602")
    inside = [places["区中心"], places["终端"], places["北辰"]]
    assert district.lat == pytest.approx(sum(h.latitude for h in inside) / 3)
    assert district.lng == pytest.approx(sum(h.longitude for h in inside) / 3)
    assert "行政区划没有坐标" in district.note and "3 个政务服务场所" in district.note
    view = hall_map.map_view(db_session=db_session, place=district)
    distances = [km for _, km in view.ranked]
    assert distances == sorted(distances) and distances[0] == pytest.approx(
        haversine_km(district.lat, district.lng, view.ranked[0][0].latitude, view.ranked[0][0].longitude))
    assert [h.name for h, _ in view.ranked][-1] == "邻水县政务服务中心"
    assert [h.name for h in view.unplaced] == ["岳池县便民服务站"]
    assert view.layout.centre == (view.layout.width / 2, view.layout.height / 2)

    street = hall_map.region_place(db_session=db_session, code="511602001")
    assert (street.lat, street.lng) == (30.4862, 106.6458) and "北辰街道便民服务中心" in street.note
    far = hall_map.map_view(db_session=db_session, place=hall_map.region_place(db_session=db_session, code="511623"))
    assert [h.name for h, _ in far.ranked][:2] == ["邻水县政务服务中心", "北辰街道便民服务中心"]


@pytest.mark.req("MAP-02")
@pytest.mark.parametrize(("region", "lat", "lng", "error", "code"), [
    ("999999", "", "", NotFound, "REGION_NOT_FOUND"),
    ("abc", "", "", InvalidInput, "REGION_INVALID"),
    ("5116", "", "", InvalidInput, "REGION_INVALID"),
    ("511603", "", "", NotFound, "REGION_WITHOUT_HALLS"),  # 前锋区 exists but has no hall
    ("", "100", "106", InvalidInput, "COORDINATES_INVALID"),
    ("", "30.4", "x", InvalidInput, "COORDINATES_INVALID"),
    ("", "nan", "106", InvalidInput, "COORDINATES_INVALID"),
    ("", "30.4", "", InvalidInput, "COORDINATES_INCOMPLETE"),
])
def test_wrong_places_are_refused_in_chinese(db_session, places, region, lat, lng, error, code):
    with pytest.raises(error) as refused:
        hall_map.choose_place(db_session=db_session, region=region, lat=lat, lng=lng)
    assert refused.value.code == code and re.search(r"[\u4e00-\u9fff]", refused.value.message)


@pytest.mark.req("MAP-02")
def test_the_map_page_centres_on_a_chosen_district_or_the_browsers_location(client, places):
    page = client.get("/halls/map")
    assert page.status_code == 200 and page.text.count("<circle") == 5
    assert '<option value="511602001">' in page.text and "使用我的位置" in page.text

    by_region = client.get("/halls/map?region=511623")
    assert by_region.status_code == 200 and '<option value="511623" selected>' in by_region.text
    listed = re.findall(r'<a class="name" href="/halls/\d+">([^<]+)</a>', by_region.text)
    assert listed[:2] == ["邻水县政务服务中心", "北辰街道便民服务中心"] and listed[-1] == "岳池县便民服务站"
    assert "离邻水县由近到远" in by_region.text and 'class="map-centre"' in by_region.text

    # the browser's location (or a link) still comes as lat/lng, and the API keeps them
    located = client.get("/halls/map?lat=30.4740&lng=106.6361")
    listed = re.findall(r'<a class="name" href="/halls/\d+">([^<]+)</a>', located.text)
    assert located.status_code == 200 and listed[:2] == ["广安区政务服务中心", "广安区24小时自助服务区"]
    assert "不到 100 米" in located.text and "您的位置" in located.text
    near = client.get("/api/v1/halls/nearest?lat=30.4740&lng=106.6361&limit=2").json()["halls"]
    assert [h["name"] for h in near] == ["广安区政务服务中心", "广安区24小时自助服务区"]


@pytest.mark.req("MAP-02")
@pytest.mark.parametrize(("query", "status"), [
    ("region=999999", 404), ("region=%E5%B9%BF%E5%AE%89", 422), ("region=511603", 404), ("lat=91&lng=106", 422),
    ("lat=abc&lng=106", 422), ("lat=1e999&lng=106", 422), ("lat=30.4", 422), ("region=" + "1" * 41, 422),
])
def test_wrong_input_on_the_map_page_is_a_chinese_message_and_a_4xx(client, places, query, status):
    page = client.get(f"/halls/map?{query}")
    assert page.status_code == status
    assert re.search(r"[\u4e00-\u9fff]{4}", page.text) and "Traceback" not in page.text
    if "1" * 41 not in query:  # the page itself, with the map still usable
        assert 'role="alert"' in page.text and page.text.count("<circle") == 5


def test_the_location_button_is_a_static_script_and_the_page_works_without_it(client, places):
    page = client.get("/halls/map")
    scripts = re.findall(r"<script\b[^>]*>", page.text)
    assert scripts and all('src="/static/' in tag for tag in scripts)  # the CSP allows no inline script
    assert re.search(r'<button type="button"[^>]*id="use-location"[^>]*hidden', page.text)  # shown by the script only
    assert '<form method="get" action="/halls/map"' in page.text
    js = client.get("/static/hall-map.js")
    assert js.status_code == 200 and "navigator.geolocation" in js.text and "getCurrentPosition" in js.text
    assert "您没有允许本网站使用位置" in js.text and "不支持定位" in js.text
