"""Booking and queueing in a real browser: a citizen finds a hall on the service map, books a slot and sees the
confirmation; her own browser is no ticket machine, but the one hall staff enroll finds the booking by ID number; she
takes an online ticket, window staff call it, and her ticket page and the big screen show the window (issue 7's
end-to-end test)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.e2e.test_accounts import _server_dir, _sms_code

pytestmark = pytest.mark.e2e
PASSWORD = "Booking-e2e-1"
CITIZEN = ("周晓燕", "511602199003070029", "13977770001")  # made up, valid check digit
STAFF = ("e2e_caller", "叫号员（测试）", "13877770002")
KIOSK_STAFF = ("e2e_kiosk", "取号机登记员（测试）", "13877770003")  # its own phone: one SMS code a minute per phone

# Accounts of this test only, so its SMS codes never collide with other browser tests on the same server.
SETUP = """
import sys
import tongban.models
from tongban.core import db
from tongban.core.clock import SystemClock
from tongban.accounts import persons, staff
from tongban.accounts.passwords import hash_password
from tongban.baselib.service import TableBaseLibrary
name, number, phone, password = sys.argv[1:5]
staff_rows = [sys.argv[i:i + 3] for i in range(5, len(sys.argv), 3)]
clock = SystemClock()
with db.session_scope() as s:
    if persons.find_by_document(db_session=s, kind="resident_id", number=number) is None:
        p, _ = persons.register_at_window(db_session=s, clock=clock, library=TableBaseLibrary(s), actor=None, name=name,
                                          id_kind="resident_id", id_number=number, phone=phone)
        p.password_hash, p.must_change_password = hash_password(password), False
    for user, staff_name, staff_phone in staff_rows:
        account, _ = staff.create(db_session=s, clock=clock, by=None, by_ref="e2e", staff_in=staff.StaffIn(
            username=user, name=staff_name, roles=["consultant"], agency_id=None, region_code="511602", phone=staff_phone))
        account.password_hash, account.must_change_password = hash_password(password), False
"""


def _accounts(root) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TONGBAN_")}
    env.update(TONGBAN_DATABASE_URL=f"sqlite:///{root / 'e2e.db'}", TONGBAN_VAR_DIR=str(root), TONGBAN_LOG_JSON="0")
    done = subprocess.run([sys.executable, "-c", SETUP, *CITIZEN, PASSWORD, *STAFF, *KIOSK_STAFF], env=env, cwd=root,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr


def _login(page, root, *, staff: tuple[str, str, str] | None = None) -> None:
    page.goto("/staff/" if staff else "/login")
    page.fill("#username" if staff else "#identifier", staff[0] if staff else CITIZEN[1])
    page.fill("#password", PASSWORD)
    page.locator("form:has(#password) button[type=submit]").click()
    page.fill("#code", _sms_code(root, staff[2] if staff else CITIZEN[2]))
    page.locator("form:has(#code) button[type=submit]").click()
    page.wait_for_load_state()


@pytest.mark.req("APPT-01")
@pytest.mark.req("APPT-04")
@pytest.mark.req("APPT-09")
@pytest.mark.req("APPT-11")
@pytest.mark.req("RATE-01")
def test_book_a_slot_take_a_ticket_and_see_it_called(page, browser, live_server, tmp_path_factory):
    root = _server_dir(tmp_path_factory, live_server)
    _accounts(root)
    _login(page, root)

    page.goto("/halls")
    assert "暂无评价" in page.inner_text("body")
    page.get_by_role("link", name="广安区政务服务中心", exact=True).click()
    page.locator("#book-here").click()
    page.get_by_role("link", name="食品经营许可（新办）", exact=True).click()
    page.locator("#book-form input[name=slot_id]:not([disabled])").first.check()
    with page.expect_navigation():
        page.get_by_role("button", name="确认预约").click()
    assert "booked=1" in page.url
    confirmation = page.inner_text("#confirmation")
    assert CITIZEN[0] in confirmation and "广安区政务服务中心" in confirmation and "食品经营许可（新办）" in confirmation
    assert "食品经营许可申请书" in page.inner_text("body") or "申请材料" in page.inner_text("body")
    number = page.inner_text(".case-number")
    assert number.startswith("Y")

    hall_url = page.locator("a", has_text="查看场所").get_attribute("href")
    page.goto(f"{hall_url}/kiosk")  # her own browser is not the hall's ticket machine: no ID number lookup from home
    assert "本机尚未登记为取号机" in page.inner_text("#kiosk-not-enrolled") and page.locator("#id_number").count() == 0

    desk = browser.new_context(base_url=live_server, locale="zh-CN").new_page()  # a member of staff at their desk
    _login(desk, root, staff=KIOSK_STAFF)
    desk.goto("/staff/halls")
    desk.locator("tr", has_text="广安区政务服务中心").first.get_by_role("link", name="取号机").click()
    desk.fill("#kiosk-name", "一楼大厅取号机")
    with desk.expect_navigation():
        desk.get_by_role("button", name="生成登记码").click()
    kiosks_url = desk.url.split("?")[0]
    code = desk.inner_text("#pairing-code").replace(" ", "")  # shown in two groups of four, for reading aloud
    assert len(code) == 8 and code.isdigit()

    kiosk = browser.new_context(base_url=live_server, locale="zh-CN").new_page()  # the machine in the hall: nobody signs in
    kiosk.goto(f"{hall_url}/kiosk")
    kiosk.fill("#pairing-code", code)
    with kiosk.expect_navigation():
        kiosk.get_by_role("button", name="登记本机为取号机").click()
    assert kiosk.url.endswith(f"{hall_url}/kiosk?enrolled=1") and "一楼大厅取号机" in kiosk.inner_text("#kiosk-msg")
    kiosk.fill("#id_number", CITIZEN[1])  # the ticket machine: the booking is found by the ID number
    kiosk.get_by_role("button", name="调取预约并取号").click()
    assert "请于预约当天取号" in kiosk.inner_text("#kiosk-error")
    # a second device for the hall: the tablet that will stand at the window which calls her (RATE-01)
    desk.goto(kiosks_url)
    desk.fill("#kiosk-name", "窗口评价器")
    with desk.expect_navigation():
        desk.get_by_role("button", name="生成登记码").click()
    rater_code = desk.inner_text("#pairing-code").replace(" ", "")
    desk.goto("/staff/halls")
    assert desk.locator("#username").count() == 0  # enrolling the machine did not sign the member of staff out
    kiosk.context.close()
    desk.context.close()

    page.goto(hall_url)
    with page.expect_navigation():
        page.get_by_role("button", name="线上取号（市场准入窗口）").click()
    ticket_url = page.url
    ticket = page.inner_text("#ticket-number")
    assert ticket.startswith("A") and "前面还有" in page.inner_text("#position")

    staff = browser.new_context(base_url=live_server, locale="zh-CN").new_page()
    _login(staff, root, staff=STAFF)
    staff.goto("/staff/halls")
    staff.locator("tr", has_text="广安区政务服务中心").first.get_by_role("link", name="叫号台").click()
    with staff.expect_navigation():
        staff.locator("#call-next").click()
    assert staff.inner_text("#current-ticket") == ticket
    window = staff.locator("#window option[selected]").inner_text().split("号窗口")[0]

    page.goto(ticket_url)
    assert f"请到 {window} 号窗口" in page.inner_text("#called")
    page.goto(f"{hall_url}/screen")
    assert ticket in page.inner_text("#calls") and f"{window} 号窗口" in page.inner_text("#calls")

    # The window rater: the tablet at that window is enrolled with its code, shows the ticket just handled there and
    # takes one tap; afterwards it waits for the next one (RATE-01, the window channel)
    tablet = browser.new_context(base_url=live_server, locale="zh-CN").new_page()
    rater_url = f"{hall_url}/windows/{window}/rater"
    tablet.goto(rater_url)
    tablet.fill("#rater-code", rater_code)
    with tablet.expect_navigation():
        tablet.get_by_role("button", name="登记为本窗口评价器").click()
    assert "本机已登记为评价器" in tablet.inner_text("#rater-msg") and tablet.locator("#rater-idle").count() == 1
    with staff.expect_navigation():
        staff.get_by_role("button", name="办结").click()
    tablet.goto(rater_url)
    assert ticket in tablet.inner_text("#rater-ticket")
    with tablet.expect_navigation():
        tablet.locator("#rater-level-1").click()
    assert "感谢您的评价" in tablet.inner_text("#rater-msg") and tablet.locator("#rater-idle").count() == 1
    other = browser.new_context(base_url=live_server, locale="zh-CN").new_page()  # an unenrolled browser cannot rate
    other.goto(rater_url)
    assert other.locator("#rater-code").count() == 1 and other.locator("#rater-ticket").count() == 0
    other.context.close()
    tablet.context.close()
    staff.context.close()
