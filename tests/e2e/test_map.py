"""The service map in Chromium on a 360 px phone: labels drawn apart, inside the map and at least 12 px; choosing a
district, "使用我的位置" with and without permission (MAP-02). Uses the e2e harness (a served demo, Debian's Chromium)."""

from __future__ import annotations

import pytest


pytestmark = pytest.mark.e2e
PHONE = {"width": 360, "height": 740}
GUANG_AN = {"latitude": 30.4740, "longitude": 106.6361}

MEASURE = """() => {
  const svg = document.getElementById('hall-map');
  const frame = svg.getBoundingClientRect();
  const box = e => { const r = e.getBoundingClientRect(); return {left: r.left, top: r.top, right: r.right, bottom: r.bottom}; };
  const text = svg.querySelector('.map-label text');
  return {
    frame: box(svg),
    labels: [...svg.querySelectorAll('.map-label')].map(box),
    marks: [...svg.querySelectorAll('circle, .map-centre')].map(box),
    fontPx: text ? svg.getScreenCTM().a * parseFloat(getComputedStyle(text).fontSize) : 0,
    pageWidth: document.documentElement.scrollWidth,
  };
}"""


def _apart(a: dict, b: dict) -> bool:
    return a["right"] <= b["left"] or b["right"] <= a["left"] or a["bottom"] <= b["top"] or b["bottom"] <= a["top"]


def _check_map(page) -> int:
    seen = page.evaluate(MEASURE)
    frame, labels = seen["frame"], seen["labels"]
    assert labels and seen["fontPx"] >= 12 and seen["pageWidth"] <= PHONE["width"]
    for n, label in enumerate(labels):
        assert (frame["left"] <= label["left"] and label["right"] <= frame["right"]
                and frame["top"] <= label["top"] and label["bottom"] <= frame["bottom"]), f"label {n} is cut off"
        assert all(_apart(label, other) for other in labels[n + 1:]), f"label {n} overlaps another"
        assert all(_apart(label, mark) for mark in seen["marks"]), f"label {n} covers a marker"
    return len(labels)


def _phone(browser, live_server, **options):
    context = browser.new_context(base_url=live_server, locale="zh-CN", viewport=PHONE, **options)
    context.set_default_timeout(15_000)
    return context, context.new_page()


@pytest.mark.req("MAP-02")
def test_the_map_on_a_phone_choose_a_district_or_use_my_location(browser, live_server):
    context, page = _phone(browser, live_server)
    try:
        page.goto("/halls/map", timeout=90_000)  # a fresh server's first page builds its caches; slow on a busy machine
        assert _check_map(page) == 5  # the demo's five halls, each with its name
        page.select_option("#region", "511602")
        with page.expect_navigation():
            page.get_by_role("button", name="按距离排列").click()
        assert "region=511602" in page.url and "离广安区由近到远" in page.inner_text("main")
        _check_map(page)
        page.select_option("#region", "511602002")  # a street (街道), with its own service centre
        with page.expect_navigation():
            page.get_by_role("button", name="按距离排列").click()
        assert "离北辰街道由近到远" in page.inner_text("main")
        assert page.locator(".map-list .name").first.inner_text() == "广安区北辰街道便民服务中心"
        page.get_by_role("button", name="使用我的位置").click()  # no permission given
        page.wait_for_selector("#locate-message:not([hidden])")
        assert "请在上面选择您所在的区县或街道" in page.inner_text("#locate-message")
    finally:
        context.close()

    context, page = _phone(browser, live_server, geolocation=GUANG_AN, permissions=["geolocation"])
    try:
        page.goto("/halls/map")
        with page.expect_navigation():
            page.get_by_role("button", name="使用我的位置").click()
        assert "lat=30.474" in page.url and "lng=106.636" in page.url
        assert page.locator(".map-list .name").first.inner_text() == "广安区政务服务中心"
        _check_map(page)
    finally:
        context.close()
