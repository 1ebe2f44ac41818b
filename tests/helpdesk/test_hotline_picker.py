"""The hotline form's item field searches as the agent types (a static script, no inline script under the CSP), and
still works without JavaScript by its plain GET search (CONS-06)."""

from __future__ import annotations

import re

import pytest

from tests.signin import sign_in_staff


@pytest.mark.req("CONS-06")
def test_the_hotline_item_field_has_a_keyboard_picker_and_a_plain_search(client, db_session, clock, desk):
    sign_in_staff(client, db_session, clock, desk.agent.staff_id)
    page = client.get("/staff/help/hotline")
    assert page.status_code == 200
    assert re.search(r'<input id="item-q"[^>]*data-item-picker data-target="h-item"', page.text)
    assert '<script src="/static/item-picker.js' in page.text
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page.text)  # no inline script: the CSP forbids it
    script = client.get("/static/item-picker.js")
    assert script.status_code == 200 and "/api/v1/search/suggest" in script.text and "ArrowDown" in script.text
    # the endpoint it calls answers the item with its page, whose number the script puts in the form
    found = client.get("/api/v1/search/suggest", params={"q": "食品经营", "limit": 10}).json()["suggestions"]
    assert any(s["kind"] == "item" and s["url"].startswith(f"/items/{desk.item.id}") for s in found)
    # without JavaScript: the GET search lists the items, each linking to the form with its number
    plain = client.get("/staff/help/hotline", params={"item_q": "食品经营"})
    assert f'href="/staff/help/hotline?item_id={desk.item.id}"' in plain.text
    chosen = client.get("/staff/help/hotline", params={"item_id": str(desk.item.id)})
    assert f'id="h-item" name="item_id" maxlength="10" inputmode="numeric" value="{desk.item.id}"' in chosen.text
