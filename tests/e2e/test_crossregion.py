"""Cross-region service in a real browser: the public 跨域通办专区 on a phone, and the demo window's remote intake,
its feedback and the liaison directory on the staff workbench (XREG-01, XREG-03, XREG-04)."""

from __future__ import annotations

import pytest

from tests.e2e.test_accounts import _password_then_code, _server_dir

pytestmark = pytest.mark.e2e
PASSWORD = "tongban-demo1"


@pytest.mark.req("XREG-01")
def test_the_zone_lists_both_scopes_on_a_phone(browser, live_server):
    context = browser.new_context(base_url=live_server, locale="zh-CN", viewport={"width": 390, "height": 844})
    try:
        page = context.new_page()
        page.goto("/crossregion")
        items = page.locator("#zone-items li")
        assert items.count() > 0 and int(page.inner_text("#zone-total")) >= items.count()
        first = items.first.locator("a.item-link")
        href = first.get_attribute("href")
        page.get_by_role("link", name="跨省通办").first.click()
        page.wait_for_url("**/crossregion?scope=cross_province")
        assert page.locator("#zone-items li").count() > 0
        page.goto(href)
        assert page.url.endswith(href)
    finally:
        context.close()


@pytest.mark.req("XREG-03")
@pytest.mark.req("XREG-04")
def test_the_demo_window_follows_its_remote_intake_and_reads_the_directory(page, live_server, tmp_path_factory):
    root = _server_dir(tmp_path_factory, live_server)
    page.goto("/staff/")
    page.fill("#username", "window")
    page.fill("#password", PASSWORD)
    _password_then_code(page, root, "13800000003")

    page.goto("/staff/crossregion?view=sent")
    rows = page.locator("#handovers tbody tr a")
    assert rows.count() >= 1
    rows.first.click()
    page.wait_for_load_state()
    assert "属地" in page.inner_text("#handover-state")
    assert page.inner_text("#handover-case").startswith("5116")
    assert "异地收件" in page.inner_text("#handover-steps")

    page.goto("/staff/crossregion/liaisons?region_code=510104")
    table = page.inner_text("#liaisons")
    assert "陈红" in table and "0888" in table and "86610888" not in table
