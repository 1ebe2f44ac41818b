"""Portal pages in a real browser: home -> item list -> guide -> PDF download; display preferences."""

from __future__ import annotations

import io
import json
import re

import pytest

pytestmark = pytest.mark.e2e


def _squash(text: str) -> str:
    """Drop all whitespace: PDF text extraction may break a long name across lines."""
    return re.sub(r"\s+", "", text)


def test_harness_serves_healthz_to_the_browser(page, live_server):
    """The harness itself: server started, browser launched, /healthz reached through Chromium."""
    response = page.goto("/healthz")
    assert response is not None and response.status == 200
    body = json.loads(page.locator("body").inner_text())
    assert body["status"] == "ok"
    assert body["database"] == "sqlite"


def _first_item_href(page) -> str:
    page.goto("/items")
    first = page.locator("a.item-link").first
    href = first.get_attribute("href")
    assert href and re.fullmatch(r"/items/[^/?#]+", href.split("?")[0]), href
    return href.split("?")[0]


@pytest.mark.req("GUIDE-01")
def test_home_to_guide_pdf_download(page, tmp_path):
    from pypdf import PdfReader

    page.goto("/")
    page.locator('a[href^="/items"]').first.click()
    page.wait_for_url(re.compile(r"/items(\?.*)?$"))

    first = page.locator("a.item-link").first
    first.click()
    page.wait_for_url(re.compile(r"/items/[^/?#]+(\?.*)?$"))
    item_id = re.search(r"/items/([^/?#]+)", page.url).group(1)

    heading = page.locator("h1").first
    heading.wait_for(state="visible")
    name = heading.inner_text().strip()
    assert name, "the guide page's h1 is empty"

    link = page.locator("a#guide-pdf")
    assert link.get_attribute("download") is not None, "a#guide-pdf should carry the download attribute"
    assert link.get_attribute("href").split("?")[0] == f"/api/v1/items/{item_id}/guide.pdf"
    with page.expect_download() as info:
        link.click()
    download = info.value
    assert download.failure() is None, download.failure()
    saved = tmp_path / (download.suggested_filename or "guide.pdf")
    download.save_as(saved)

    data = saved.read_bytes()
    assert data.startswith(b"%PDF-"), data[:20]
    text = "".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(data)).pages)
    assert _squash(name) in _squash(text), f"item name {name!r} not found in the PDF text: {text[:300]!r}"


@pytest.mark.req("GUIDE-05")
def test_guide_large_text_and_english_shell(page):
    href = _first_item_href(page)

    page.goto(f"{href}?large=1")
    assert "large-text" in (page.locator("body").get_attribute("class") or "").split()

    page.context.clear_cookies()  # the preference is remembered in a cookie; start clean
    page.goto(f"{href}?lang=en")
    assert page.locator("html").get_attribute("lang") == "en"
    page.locator("h1").first.wait_for(state="visible")
