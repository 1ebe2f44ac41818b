"""A case in a real browser: 李梅 applies for a demo item, staff accept, review and approve it, and she downloads
a licence whose SM2 signature OpenSSL verifies (issue 5's end-to-end test); then she rates the service badly and the
supervisor's rectification reaches her (issue 23)."""

from __future__ import annotations

from datetime import datetime, timedelta

import json
import shutil
import subprocess
import urllib.request

import pytest

from tests.e2e.test_accounts import _password_then_code, _server_dir

pytestmark = pytest.mark.e2e
PASSWORD = "tongban-demo1"
ITEM_CODE = "SC-O-0302-511602-GAQ-GOV"  # 食品经营许可（新办）
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _item_id(base: str) -> int:
    with urllib.request.urlopen(f"{base}/api/v1/items?q=食品经营许可&limit=100".replace("食品经营许可", "%E9%A3%9F%E5%93%81%E7%BB%8F%E8%90%A5%E8%AE%B8%E5%8F%AF")) as reply:
        items = json.load(reply)["items"]
    return next(i["id"] for i in items if i["implementation_code"] == ITEM_CODE)


def _citizen_login(page, root) -> None:
    page.goto("/login")
    page.fill("#identifier", "511602198507261174")
    page.fill("#password", PASSWORD)
    _password_then_code(page, root, "13900000002")


def _staff_login(page, root, username: str, phone: str) -> None:
    page.context.clear_cookies()
    page.goto("/staff/")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    _password_then_code(page, root, phone)


@pytest.mark.req("CASE-01")
@pytest.mark.req("CASE-14")
@pytest.mark.req("LIC-01")
@pytest.mark.req("RATE-01")
@pytest.mark.req("RATE-03")
def test_apply_accept_approve_and_verify_the_licence(page, browser, live_server, tmp_path_factory, tmp_path):
    root = _server_dir(tmp_path_factory, live_server)
    item_id = _item_id(live_server)
    upload = tmp_path / "材料.pdf"
    upload.write_bytes(PDF)

    _citizen_login(page, root)
    page.goto(f"/items/{item_id}/apply")
    assert page.input_value("[name=f_operator_name]") == "李梅"  # pre-filled from the account (CASE-01)
    page.fill("[name=f_premises]", "广安区建设路18号")
    page.check("input[name=f_business_type][value=食品销售经营者]")
    page.fill("[name=f_business_items]", "预包装食品销售")
    for key in ("m2", "m3", "m4", "m5"):
        choice = page.locator(f"input[name=way_{key}][value=upload]")
        if choice.count():
            choice.check()
        page.set_input_files(f"input[name=file_{key}]", str(upload))
    page.get_by_role("button", name="提交申请").click()
    page.wait_for_load_state()
    assert "submitted=1" in page.url
    body = page.inner_text("body")
    assert "办件编号" in body
    case_url = page.url.split("?")[0]
    case_id = int(case_url.rstrip("/").rsplit("/", 1)[1])

    citizen = page
    staff_context = browser.new_context(base_url=live_server, locale="zh-CN")
    page = staff_context.new_page()
    _staff_login(page, root, "window", "13800000003")
    page.goto(f"/staff/cases/{case_id}")
    checks_originals = page.locator("#on-site").count() > 0  # the item asks for originals to be checked (CASE-10)
    if checks_originals:
        at = (datetime.now() + timedelta(days=2)).replace(hour=10, minute=0)
        page.fill("#on-site-at", at.strftime("%Y-%m-%dT%H:%M"))
        page.fill("#on-site", "广安区政务服务中心3号窗口")
    with page.expect_navigation():
        page.locator("form[action$='/accept'] button[type=submit]").click()
    assert "已受理" in page.inner_text("body")
    if checks_originals:  # the applicant came with the originals: the window records it, and only then may one approve
        with page.expect_navigation():
            page.locator("form[action$='/originals-checked'] button[type=submit]").click()
        assert "原件已核验" in page.inner_text("body")

    _staff_login(page, root, "examiner", "13800000006")
    page.goto(f"/staff/cases/{case_id}")
    with page.expect_navigation():
        page.locator("form[action$='/review'] button[type=submit]").click()
    opinion = page.locator("form[action$='/opinion']")
    opinion.locator("input[value=approve]").check()
    opinion.locator("textarea[name=reasons]").fill("经营场所和设施符合要求")
    with page.expect_navigation():
        opinion.locator("button[type=submit]").click()

    _staff_login(page, root, "decider", "13800000007")
    page.goto(f"/staff/cases/{case_id}")
    decide = page.locator("form[action$='/decide']")
    decide.locator("input[value=approve]").check()
    with page.expect_navigation():
        decide.locator("button[type=submit]").click()
    assert "准予" in page.inner_text("body")

    staff_context.close()
    page = citizen  # still signed in: one SMS code a minute per phone
    page.goto(case_url)
    link = page.locator("a[href$='.pdf']", has_text="电子证照").first
    if not link.count():
        link = page.locator("a[href*='/documents/'][href$='.pdf']").last
    with page.expect_download() as download:
        link.click()
    pdf_path = tmp_path / "licence.pdf"
    download.value.save_as(pdf_path)
    assert pdf_path.read_bytes().startswith(b"%PDF")

    licence_docs = [a.get_attribute("href") for a in page.locator("a[href*='/verify/documents/']").all()]
    number = licence_docs[-1].rstrip("/").rsplit("/", 1)[1]
    for suffix, name in (("sig", "licence.sig"), ("seal.pem", "seal.pem"), ("pdf", "check.pdf")):
        with urllib.request.urlopen(f"{live_server}/verify/documents/{number}/{suffix}") as reply:
            (tmp_path / name).write_bytes(reply.read())
    openssl = shutil.which("openssl")
    assert openssl, "openssl is needed to check the seal"
    checked = subprocess.run(
        [openssl, "dgst", "-sm3", "-verify", str(tmp_path / "seal.pem"), "-signature", str(tmp_path / "licence.sig"),
         "-sigopt", "distid:1234567812345678", str(tmp_path / "check.pdf")], capture_output=True, text=True,
    )
    assert checked.returncode == 0 and "Verified OK" in checked.stdout, checked.stdout + checked.stderr

    # 好差评 (RATE-01, RATE-03): the person rates the delivered case 不满意; the agency's rectification task goes from
    # verification to the fix to feedback in the ledger, and the person reads the feedback in their space.
    page.goto(case_url)
    page.locator("#rate-case").click()
    page.check("input[name=level][value='4']")
    page.check("input[name=dimensions][value=efficiency]")
    comment = "受理时让我跑了两趟，希望一次说清楚"
    page.fill("#rating-comment", comment)
    with page.expect_navigation():
        page.click("#rating-submit")
    assert "感谢您的评价" in page.inner_text("body") and page.locator("#rating-task").count() == 1

    supervisor = browser.new_context(base_url=live_server, locale="zh-CN")
    ledger = supervisor.new_page()
    _staff_login(ledger, root, "supervisor", "13800000008")
    steps = [("verify", "note", "调取窗口记录，情况属实"), ("rectify", "text", "已对窗口人员开展一次性告知培训"),
             ("feedback", "text", "经核实情况属实，已整改：窗口已培训，今后一次告知所需材料")]
    ledger.goto("/staff/ratings?view=all")
    for action, field, text in steps:
        row = ledger.locator("tr", has_text=comment)
        form = row.locator(f"form[action$='/{action}']")
        if action == "verify":
            form.locator("select[name=verdict]").select_option("true")
        form.locator(f"textarea[name={field}]").fill(text)
        with ledger.expect_navigation():
            form.locator("button[type=submit]").click()
        assert "ledger-error" not in ledger.content(), ledger.inner_text("main")
    supervisor.close()

    page.goto("/ratings/mine")
    assert steps[-1][2] in page.inner_text("body")
