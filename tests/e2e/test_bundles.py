"""新生儿出生一件事 in a real browser (BND-07): 李梅 answers the questions, sees the merged list with each shared
material once, fills one form and submits once; the sub-cases appear in the queues of 卫生健康局 and 公安分局; the
comprehensive window accepts once (and the later items when the first is done), each agency decides its own part, and
when all are decided 李梅 gets one delivery of all results at the window."""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
import sys
import urllib.request
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from tests.e2e.test_accounts import _password_then_code, _server_dir

pytestmark = pytest.mark.e2e
PASSWORD = "tongban-demo1"
LI_MEI = "511602198507261174"
HEALTH, POLICE = "115116026352160752", "11511602605255305D"  # 广安区卫生健康局, 广安市公安局广安区分局
ANSWERS = {"birth_reg": "done", "settle": "local", "insure": "no"}  # 出生医学证明, then 预防接种证 and 出生登记
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
_opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def _bundle_id(root: Path) -> int:
    with sqlite3.connect(root / "e2e.db") as db:
        return db.execute("SELECT id FROM bundle WHERE code = 'GAQ-BIRTH'").fetchone()[0]


def _cli(root: Path, *args: str) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TONGBAN_")}
    env.update(TONGBAN_DATABASE_URL=f"sqlite:///{root / 'e2e.db'}", TONGBAN_VAR_DIR=str(root), TONGBAN_LOG_JSON="0",
               TONGBAN_ENV="development")
    done = subprocess.run([sys.executable, "-m", "tongban.cli", *args], env=env, cwd=root, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def _decider_token(root: Path, username: str, agency_code: str, phone: str) -> str:
    """A decider of the agency with an API token (the agencies' own staff decide their parts through the API here)."""
    _cli(root, "staff", "create", "--username", username, "--name", f"{username}决定人", "--roles", "decider,acceptor",
         "--region", "511602", "--agency-code", agency_code, "--phone", phone)
    out = _cli(root, "staff", "create-token", "--username", username, "--label", "e2e")
    return re.search(r"(tbs_[A-Za-z0-9_\-]+)", out).group(1)


def _api(base: str, method: str, path: str, token: str, body: dict | None = None) -> dict:
    request = urllib.request.Request(f"{base}{path}", method=method, data=json.dumps(body).encode() if body is not None else None,
                                     headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    with _opener.open(request, timeout=30) as reply:
        return json.loads(reply.read())


def _on_site_then_accept(page) -> None:
    if page.locator("#on_site").count():
        at = (datetime.now() + timedelta(days=1)).replace(hour=10, minute=0)
        page.fill("#on_site", "广安区政务服务中心一件事综合窗口")
        page.fill("#on_site_at", at.strftime("%Y-%m-%dT%H:%M"))
    with page.expect_navigation():
        page.locator("#bundle-accept").click()
    assert "已统一受理" in page.inner_text("body"), page.inner_text("main")
    if page.locator("#bundle-originals").count():  # 李梅 brought the originals once: recorded on every part
        with page.expect_navigation():
            page.locator("#bundle-originals").click()
        assert "原件核验" in page.inner_text("body")


@pytest.mark.req("BND-07")
def test_newborn_bundle_one_submission_one_acceptance_one_delivery(page, browser, live_server, tmp_path_factory, tmp_path):
    root = _server_dir(tmp_path_factory, live_server)
    bundle_id = _bundle_id(root)
    upload = tmp_path / "材料.pdf"
    upload.write_bytes(PDF)

    # 李梅 answers the questions one per screen, reads the plan and applies once
    page.goto("/login")
    page.fill("#identifier", LI_MEI)
    page.fill("#password", PASSWORD)
    _password_then_code(page, root, "13900000002")
    page.goto(f"/bundles/{bundle_id}?go=1")
    for _ in range(6):
        if "/plan" in page.url:
            break
        radios = page.locator("input[type=radio]")
        name = radios.first.get_attribute("name")
        page.check(f"input[type=radio][name='{name}'][value='{ANSWERS[name]}']")
        with page.expect_navigation():
            page.locator("form:has(input[type=radio]) [type=submit]").first.click()
    assert "/plan" in page.url, page.url
    with page.expect_navigation():
        page.locator("a[href*='/apply']").first.click()  # the plan's link to the one application
    assert "/apply" in page.url and "birth_reg=done" in page.url, page.url
    materials = page.inner_text("section[aria-labelledby=materials-h]")
    assert materials.count("父母双方（监护人）居民身份证") == 1  # handed in once for three items
    assert "用于：出生医学证明首次签发、预防接种证办理、出生登记" in materials
    assert page.input_value("[name=f_applicant_name]") == "李梅"  # one form, pre-filled from the account
    for file_input in page.locator("form#bundle-apply-form input[type=file]").all():
        key = file_input.get_attribute("name").removeprefix("file_")
        choice = page.locator(f"input[name=way_{key}][value=upload]")
        if choice.count():
            choice.check()
        file_input.set_input_files(str(upload))
    page.check("input[name=delivery_method][value=window_pickup]")
    with page.expect_navigation():
        page.locator("#bundle-submit").click()
    assert "submitted=1" in page.url, page.inner_text("main")
    number = page.inner_text("#bundle-number").strip()
    assert page.locator(".bundle-part").count() == 3
    citizen_url = page.url.split("?")[0]

    # the parts are ordinary cases in each agency's own queue
    health = _decider_token(root, "e2ehealth", HEALTH, "13800001101")
    police = _decider_token(root, "e2epolice", POLICE, "13800001102")
    queued = {name: {c["item_name"]: c["id"] for c in _api(live_server, "GET", "/api/v1/staff/cases?queue=all&limit=100", token)["cases"]
                     if c["state"] == "submitted"}
              for name, token in (("health", health), ("police", police))}
    assert {"出生医学证明首次签发", "预防接种证办理"} <= set(queued["health"]) and "出生登记" not in queued["health"]
    assert "出生登记" in queued["police"] and "预防接种证办理" not in queued["police"]

    # the comprehensive window accepts once
    staff = browser.new_context(base_url=live_server, locale="zh-CN")
    window = staff.new_page()
    window.goto("/staff/")
    window.fill("#username", "window")
    window.fill("#password", PASSWORD)
    _password_then_code(window, root, "13800000003")
    window.goto("/staff/bundle-cases")
    with window.expect_navigation():
        window.locator("a", has_text=number).click()
    _on_site_then_accept(window)
    cert = queued["health"]["出生医学证明首次签发"]
    _api(live_server, "POST", f"/api/v1/staff/cases/{cert}/decide", health, {"approve": True})

    # 出生医学证明 done: 预防接种证 and 出生登记 start, under the same window
    window.reload()
    assert window.locator("#bundle-accept").count() == 1, window.inner_text("main")
    _on_site_then_accept(window)
    _api(live_server, "POST", f"/api/v1/staff/cases/{queued['health']['预防接种证办理']}/decide", health, {"approve": True})
    page.goto(citizen_url)
    assert "全部办结" not in page.inner_text("#bundle-state")
    _api(live_server, "POST", f"/api/v1/staff/cases/{queued['police']['出生登记']}/decide", police, {"approve": True})

    # all decided: one delivery of all results at the window, the ID checked once
    window.reload()
    assert window.inner_text("#bundle-state").strip() == "全部办结，待统一送达"
    window.fill("#id_number", LI_MEI)
    with window.expect_navigation():
        window.locator("#bundle-deliver").click()
    assert "已统一出件" in window.inner_text("body")
    staff.close()
    page.goto(citizen_url)
    assert page.locator("#bundle-state").get_attribute("data-state") == "delivered"
    assert all(s == "delivered" for s in page.locator(".bundle-part").evaluate_all("els => els.map(e => e.dataset.state)"))
