"""Asking for help in a real browser (issue 22 §4): the demo citizen asks the assistant what to bring to open a
restaurant, sees the materials with a link to the guide section, asks a person; the `window` consultant takes the
ticket and replies, reading the conversation; the citizen reads the reply and closes the ticket. On the way the
consultant picks an item on the hotline form by keyboard alone (search as you type)."""

from __future__ import annotations

import re

import pytest

from tests.e2e.test_accounts import _password_then_code, _server_dir

pytestmark = pytest.mark.e2e
PASSWORD = "tongban-demo1"
REPLY = "开饭馆请准备食品经营许可申请书、营业执照和场所平面图，可以网上申请，有不清楚的随时问我们。"


def _citizen_login(page, root) -> None:
    page.goto("/login")
    page.fill("#identifier", "511602198507261174")
    page.fill("#password", PASSWORD)
    _password_then_code(page, root, "13900000002")


def _staff_login(page, root, username: str, phone: str) -> None:
    page.goto("/staff/")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    _password_then_code(page, root, phone)


def _hotline_item_by_keyboard(page) -> None:
    """The hotline form's item field searches as the agent types: ↓ moves, Enter picks (no plain search submitted)."""
    page.goto("/staff/help/hotline")
    page.focus("#item-q")
    page.keyboard.type("食品经营", delay=30)
    options = page.locator("#item-q-options [role=option]")
    options.first.wait_for()
    assert page.get_attribute("#item-q", "aria-expanded") == "true"
    page.keyboard.press("ArrowDown")
    chosen = options.nth(1) if options.count() > 1 else options.first
    picked = chosen.get_attribute("data-item-id")
    assert page.get_attribute("#item-q", "aria-activedescendant") == chosen.get_attribute("id")
    page.keyboard.press("Enter")
    assert page.url.endswith("/staff/help/hotline")  # Enter picked the item; it did not submit the plain search
    assert page.input_value("#h-item") == picked and picked in page.inner_text("#item-chosen")


@pytest.mark.req("CONS-06")
@pytest.mark.req("CONS-07")
@pytest.mark.req("CONS-09")
@pytest.mark.req("CONS-11")
def test_ask_the_assistant_then_a_person_who_replies_and_the_citizen_closes(page, browser, live_server, tmp_path_factory):
    root = _server_dir(tmp_path_factory, live_server)
    _citizen_login(page, root)

    # the assistant answers with the food business item's materials and the guide section they come from
    page.goto("/ask")
    page.fill("#ask-q", "开饭馆要带什么材料")
    page.locator("form.ask-form button[type=submit]").click()
    page.wait_for_load_state()
    answer = page.locator("#answer")
    assert answer.get_attribute("data-kind") == "answer" and answer.get_attribute("data-fact") == "materials"
    assert answer.locator(".answer-lines li").count() > 0
    source = answer.locator(".source a")
    assert "食品经营" in source.inner_text() and re.search(r"^/items/\d+#materials$", source.get_attribute("href"))

    # 转人工: the question, the item and the conversation go with it
    answer.get_by_role("link", name="转人工咨询").click()
    page.wait_for_url(re.compile(r"/help/new\?"))
    assert page.input_value("#help-q") == "开饭馆要带什么材料"
    page.click("#help-submit")
    page.wait_for_load_state()
    number = page.inner_text("#ticket-number")
    assert number.startswith("ZX")

    # the window consultant, in a browser of their own, takes it (first-ask responsibility), reads the conversation
    # and replies
    desk = browser.new_context(base_url=live_server, locale="zh-CN")
    desk.set_default_timeout(15_000)
    try:
        staff = desk.new_page()
        _staff_login(staff, root, "window", "13800000003")
        staff.goto("/staff/help")
        staff.get_by_role("link", name=number).click()
        staff.wait_for_load_state()
        assert staff.locator("li[data-kind=assistant]").count() == 1
        assert staff.locator("li[data-kind=assistant] a[href$='#materials']").count() >= 1
        staff.click("#take")
        staff.wait_for_load_state()
        assert staff.inner_text("#ticket-state") == "已接单"
        staff.fill("textarea[name=body]", REPLY)
        staff.click("#reply")
        staff.wait_for_load_state()
        assert staff.inner_text("#ticket-state") == "已答复"
        _hotline_item_by_keyboard(staff)
    finally:
        desk.close()

    # the citizen reads the reply and closes the ticket
    page.goto(f"/help/tickets/{number}")
    assert REPLY in page.locator("li[data-kind=reply]").inner_text()
    page.select_option("#close-outcome", "got_result")
    page.click("#close-submit")
    page.wait_for_load_state()
    assert page.inner_text("#ticket-state") == "已闭环"

