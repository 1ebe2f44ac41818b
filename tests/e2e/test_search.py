"""Search in a real browser: a colloquial query typed in the header box opens the right guide (SRCH-02, SRCH-09)."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.e2e


@pytest.mark.req("SRCH-02")
def test_colloquial_query_typed_in_the_header_opens_the_right_guide(page):
    page.goto("/")
    box = page.locator("#site-q")
    box.fill("给小孩上户口")
    box.press("Enter")
    page.wait_for_url(re.compile(r"/search\?"))
    assert "上户口 → " in page.locator(".understood").inner_text()
    first = page.locator("ol.results a.item-link").first
    assert first.inner_text() == "出生登记"
    assert first.locator("mark").count() >= 1
    first.click()
    page.wait_for_url(re.compile(r"/items/\d+$"))
    assert page.locator("h1").first.inner_text().strip() == "出生登记"


@pytest.mark.req("SRCH-09")
def test_suggestions_appear_while_typing_pinyin(page):
    page.goto("/")
    page.locator("#site-q").press_sequentially("shebao", delay=30)
    # Suggestions for the earlier keystrokes ("she", "sheb" …) may arrive first: wait for the whole word's.
    wanted = page.locator('#site-q-suggestions option[value="社会保障卡申领"]')
    wanted.wait_for(state="attached", timeout=10000)
    assert wanted.count() == 1


def test_empty_result_offers_help_and_typo_offers_correction(page):
    page.goto("/search?q=" + "户口签移")
    assert page.locator("ol.results a.item-link").first.inner_text().startswith("户口迁移")
    page.goto("/search?q=" + "量子力学")
    assert "没有找到相关的事项" in page.locator(".empty-help").inner_text()
    page.locator(".empty-help a[href='/browse']").click()
    page.wait_for_url(re.compile(r"/browse$"))
    assert page.locator("h1").inner_text() == "分类导航"
