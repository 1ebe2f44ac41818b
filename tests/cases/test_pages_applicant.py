"""The applicant's pages end to end: apply, my cases, the case page, supplement, withdraw, pay, public progress."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from jinja2 import FileSystemLoader, TemplateNotFound
from sqlalchemy import func, select

from tests.cases.caseflow import PDF, PNG, Staff, approved_case, case_item, pdf_text, submit
from tests.factories import make_person, make_uscc
from tongban.accounts import sessions
from tongban.accounts.models import Organisation
from tongban.cases import delivery, handling
from tongban.cases.documents import Document, NoticeKind
from tongban.cases.enums import CaseState, PaymentStatus
from tongban.cases.models import Case, CaseEvent, CaseFile, Payment

EXE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 64


@pytest.fixture
def app(app):
    """The pages as the app serves them; adds the router and templates if app.py does not (yet) register them."""
    import tongban.cases.pages as pages

    if not any(getattr(r, "path", "") == "/cases/{case_id}" for r in app.routes):
        app.include_router(pages.router)
    env = app.state.templates
    try:
        env.get_template("cases/case.html")
    except TemplateNotFound:
        env.loader.loaders.append(FileSystemLoader(str(Path(pages.__file__).parent / "templates")))
    return app


def sign_in(client, db_session, clock, person) -> str:
    """A cookie session for the person, as after logging in; returns the CSRF token forms carry."""
    new = sessions.open_session(db_session=db_session, clock=clock, subject_kind="person", subject_id=person.id)
    db_session.commit()
    client.cookies.clear()
    client.cookies.update({"tb_session": new.token, "tb_csrf": new.csrf_token})
    return new.csrf_token


@pytest.fixture
def world(client, db_session, clock) -> dict:
    item, agency = case_item(db_session, clock)
    person = make_person(db_session, clock, name="李桂兰", phone="13912345678")
    db_session.commit()
    return {"item": item, "agency": agency, "person": person, "csrf": sign_in(client, db_session, clock, person)}


def hidden(html: str, name: str) -> str:
    return re.search(rf'name="{name}" value="([^"]*)"', html).group(1)


def form_fields(csrf: str, key: str, **overrides) -> dict:
    data = {"csrf": csrf, "key": key, "f_applicant_name": "李桂兰", "f_contact_phone": "13912345678",
            "f_address": "广安区建设路1号", "f_copies": "2", "way_m3": "upload", "delivery_method": "online_download"}
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


GOOD_FILES = {"file_m2": ("平面图.pdf", PDF, "application/pdf"), "file_m3": ("健康证.png", PNG, "image/png")}


def apply(client, world, *, key: str | None = None, files=None, **overrides):
    page = client.get(f"/items/{world['item'].id}/apply")
    assert page.status_code == 200, page.text
    key = key or hidden(page.text, "key")
    return client.post(f"/items/{world['item'].id}/apply", data=form_fields(world["csrf"], key, **overrides),
                       files=GOOD_FILES if files is None else files, follow_redirects=False)


def count(db_session, model) -> int:
    db_session.expire_all()
    return db_session.scalar(select(func.count()).select_from(model))


# --- apply ------------------------------------------------------------------------------------------

@pytest.mark.req("CASE-01")
def test_the_form_is_prefilled_and_offers_materials_pledge_delivery_and_fees(client, world):
    page = client.get(f"/items/{world['item'].id}/apply")
    assert page.status_code == 200, page.text
    html = page.text
    assert re.search(r'name="f_applicant_name"[^>]*value="李桂兰"', html)
    assert re.search(r'name="f_contact_phone"[^>]*value="13912345678"', html)
    assert 'type="file" id="file_m2" name="file_m2" accept=".pdf,.jpg,.jpeg,.png,.ofd"' in html
    assert "由受理部门协查获取" in html and 'name="way_m3" value="assistance" checked' in html  # an exemption that holds
    assert "如实提交材料，接受事后核查" in html and "承诺不实的，撤销许可" in html and "我已阅读并选择告知承诺制" in html
    assert 'name="pledge" value="1">' in html  # not ticked: the ordinary way is the default (CASE-08)
    assert "24小时自助柜领取" in html and 'value="online_download" checked' in html
    assert "每本 10.50元" in html and "川发改价格〔2026〕1号" in html
    assert len(hidden(html, "key")) >= 16 and hidden(html, "csrf") == world["csrf"]


@pytest.mark.req("CASE-01")
def test_signing_in_is_needed_to_apply(client, world):
    client.cookies.clear()
    page = client.get(f"/items/{world['item'].id}/apply", follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"].startswith("/login?next=")


@pytest.mark.req("CASE-01")
def test_a_legal_representative_may_apply_for_the_organisation(client, world, db_session, clock):
    person = world["person"]
    org = Organisation(uscc=make_uscc(), name="桂兰小吃店", org_kind="individual_business", legal_rep_name=person.name,
                       legal_rep_id_hash=person.id_number_hash, legal_rep_person_id=person.id, registered_via="online",
                       created_at=clock.now())
    db_session.add(org)
    db_session.commit()
    as_person = client.get(f"/items/{world['item'].id}/apply")
    assert "以个人身份" in as_person.text and f"?org={org.id}" in as_person.text
    as_org = client.get(f"/items/{world['item'].id}/apply?org={org.id}")
    assert as_org.status_code == 200 and "申请人：<strong>桂兰小吃店</strong>（单位）" in as_org.text
    assert f'name="org" value="{org.id}"' in as_org.text
    done = client.post(f"/items/{world['item'].id}/apply", files=GOOD_FILES, follow_redirects=False,
                       data={**form_fields(world["csrf"], hidden(as_org.text, "key")), "org": str(org.id)})
    assert done.status_code == 303, done.text
    case = db_session.scalars(select(Case)).one()
    assert case.subject_kind == "org" and case.organisation_id == org.id and case.applicant_name == "桂兰小吃店"


@pytest.mark.req("CASE-01")
@pytest.mark.req("CASE-04")
def test_submitting_with_files_gives_the_case_number_on_the_case_page(client, world, db_session):
    done = apply(client, world)
    assert done.status_code == 303, done.text
    case = db_session.scalars(select(Case)).one()
    assert done.headers["location"] == f"/cases/{case.id}?submitted=1"
    assert case.channel == "web" and case.state == CaseState.submitted.value and case.delivery_method == "online_download"
    page = client.get(done.headers["location"])
    assert page.status_code == 200
    assert "申请已提交成功" in page.text and f'<span class="case-number">{case.case_number}</span>' in page.text
    assert "提交申请" in page.text and "已提交，待受理" in page.text  # the timeline's first step
    row = db_session.scalars(select(CaseFile).where(CaseFile.material_key == "m2")).one()
    own = client.get(f"/cases/{case.id}/files/{row.id}")
    assert own.status_code == 200 and own.content == PDF and own.headers["content-type"] == "application/pdf"
    assert "filename*=UTF-8''%E5%B9%B3%E9%9D%A2%E5%9B%BE.pdf" in own.headers["content-disposition"]


@pytest.mark.req("CASE-04")
def test_the_same_form_submitted_twice_gives_one_case(client, world, db_session):
    page = client.get(f"/items/{world['item'].id}/apply")
    key = hidden(page.text, "key")
    first = apply(client, world, key=key)
    second = apply(client, world, key=key)
    assert first.status_code == second.status_code == 303
    assert first.headers["location"] == second.headers["location"]
    assert count(db_session, Case) == 1


@pytest.mark.req("CASE-01")
@pytest.mark.parametrize(("overrides", "files", "message", "where"), [
    ({"f_address": ""}, None, "请填写“经营场所”", "f_address-error"),
    ({}, {**GOOD_FILES, "file_m2": ("setup.exe", EXE, "application/octet-stream")},
     "“经营场所平面图”只能上传 PDF、JPG、PNG 或 OFD 文件", "m-m2-error"),
    ({}, {**GOOD_FILES, "file_m2": ("平面图.pdf", b"just some text, not a PDF", "application/pdf")},
     "“经营场所平面图”的文件扩展名是 .pdf，但文件内容不是 PDF", "m-m2-error"),
    ({}, {"file_m3": GOOD_FILES["file_m3"]}, "经营场所平面图：请上传这份材料，或选择免提交的方式", "m-m2-error"),
    ({"way_m3": "pledge"}, {"file_m2": GOOD_FILES["file_m2"]}, "须先阅读并签署告知承诺书", "m-m3-error"),
], ids=["missing-field", "exe-file", "not-really-pdf", "missing-material", "pledge-not-ticked"])
def test_bad_input_is_shown_next_to_the_field_and_nothing_is_written(client, world, db_session, overrides, files, message, where):
    refused = apply(client, world, files=files, **overrides)
    assert refused.status_code == 422, refused.text
    assert message in refused.text and f'id="{where}"' in refused.text
    assert 'value="广安区建设路1号"' in refused.text or overrides.get("f_address") == ""  # what was typed is kept
    assert re.search(r'name="f_contact_phone"[^>]*value="13912345678"', refused.text)
    assert count(db_session, Case) == 0 and count(db_session, CaseFile) == 0


def test_what_was_typed_is_shown_back_escaped(client, world, db_session):
    refused = apply(client, world, files={}, f_address="<script>alert(1)</script>")
    assert refused.status_code == 422
    assert "<script>alert(1)</script>" not in refused.text and 'value="&lt;script&gt;alert(1)&lt;/script&gt;"' in refused.text
    assert count(db_session, Case) == 0


@pytest.mark.req("CASE-02")
@pytest.mark.req("CASE-08")
def test_choosing_the_pledge_replaces_the_proof(client, world, db_session):
    done = apply(client, world, files={"file_m2": GOOD_FILES["file_m2"]}, way_m3="pledge", pledge="1")
    assert done.status_code == 303, done.text
    page = client.get(done.headers["location"])
    assert "免提交" in page.text and "申请人书面承诺" in page.text and "告知承诺书" in page.text


def test_an_offline_item_cannot_be_applied_for_online(client, world, db_session, clock):
    item, _ = case_item(db_session, clock, agency=world["agency"], handling_form="offline")
    db_session.commit()
    page = client.get(f"/items/{item.id}/apply")
    assert page.status_code == 200 and "需到政务服务大厅窗口办理" in page.text and 'name="key"' not in page.text
    guide = client.get(f"/items/{item.id}")
    assert guide.status_code == 200 and "/apply" not in guide.text
    online = client.get(f"/items/{world['item'].id}")
    assert f'href="/items/{world["item"].id}/apply"' in online.text


# --- my cases and the case page ---------------------------------------------------------------------

@pytest.mark.req("CASE-05")
def test_my_cases_lists_newest_first_and_the_account_links_to_it(client, world, db_session, clock):
    older = submit(db_session, clock, world["item"], world["person"])
    clock.advance(minutes=5)
    newer = submit(db_session, clock, world["item"], world["person"])
    db_session.commit()
    page = client.get("/cases")
    assert page.status_code == 200
    assert page.text.index(newer.case_number) < page.text.index(older.case_number)
    assert "共 2 件" in page.text and "已提交，待受理" in page.text
    assert 'href="/cases"' in client.get("/account").text


@pytest.mark.req("CASE-05")
def test_someone_else_gets_not_found_for_my_case(client, world, db_session, clock):
    case = submit(db_session, clock, world["item"], world["person"])
    db_session.commit()
    file_id = db_session.scalars(select(CaseFile.id).where(CaseFile.case_id == case.id)).first()
    assert client.get(f"/cases/{case.id}").status_code == 200
    stranger = make_person(db_session, clock, name="王五")
    csrf = sign_in(client, db_session, clock, stranger)
    for url in (f"/cases/{case.id}", f"/cases/{case.id}/files/{file_id}", f"/cases/{case.id}/withdraw"):
        answer = client.get(url)
        assert answer.status_code == 404 and "没有找到这个办件" in answer.text, url
    assert client.post(f"/cases/{case.id}/withdraw", data={"csrf": csrf}).status_code == 404
    assert client.get("/cases/99999").status_code == 404
    db_session.expire_all()
    assert db_session.get(Case, case.id).state == CaseState.submitted.value


@pytest.mark.req("CASE-05")
def test_supplement_flow(client, world, db_session, clock):
    case = submit(db_session, clock, world["item"], world["person"])
    staff = Staff(db_session, clock, world["agency"])
    handling.request_supplement(db_session=db_session, clock=clock, actor=staff.acceptor, case=case,
                                missing=[handling.Missing("m2", "平面图须标明面积")])
    db_session.commit()
    page = client.get(f"/cases/{case.id}")
    assert "请补正材料" in page.text and "平面图须标明面积" in page.text and 'name="file_m2"' in page.text
    assert "一次性告知补正" in page.text  # the timeline, and the notice among the documents
    bad = client.post(f"/cases/{case.id}/supplement", data={"csrf": world["csrf"]},
                      files={"file_m2": ("x.pdf", b"not a pdf", "application/pdf")}, follow_redirects=False)
    assert bad.status_code == 422 and "文件内容不是 PDF" in bad.text
    empty = client.post(f"/cases/{case.id}/supplement", data={"csrf": world["csrf"]},
                        files={"file_m2": ("", b"", "application/octet-stream")}, follow_redirects=False)
    assert empty.status_code == 422 and "请选择要补正的材料文件" in empty.text
    done = client.post(f"/cases/{case.id}/supplement", data={"csrf": world["csrf"]},
                       files={"file_m2": ("新平面图.pdf", PDF, "application/pdf")}, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == f"/cases/{case.id}?msg=supplemented"
    db_session.expire_all()
    assert db_session.get(Case, case.id).state == CaseState.submitted.value
    after = client.get(done.headers["location"])
    assert "补正材料已提交" in after.text and "请补正材料" not in after.text and "新平面图.pdf" in after.text


@pytest.mark.req("CASE-05")
def test_deficient_materials_are_completed_from_the_case_page(client, world, db_session, clock):
    case = submit(db_session, clock, world["item"], world["person"])
    staff = Staff(db_session, clock, world["agency"])
    handling.accept_with_deficiency(db_session=db_session, clock=clock, actor=staff.acceptor, case=case,
                                    missing=[handling.Missing("m3", "健康证明须在有效期内")])
    db_session.commit()
    page = client.get(f"/cases/{case.id}")
    assert "请补齐容缺材料" in page.text and "健康证明须在有效期内" in page.text and case.deficiency_deadline.isoformat() in page.text
    done = client.post(f"/cases/{case.id}/supplement", data={"csrf": world["csrf"]},
                       files={"file_m3": ("健康证.png", PNG, "image/png")}, follow_redirects=False)
    assert done.status_code == 303
    db_session.expire_all()
    assert db_session.get(Case, case.id).state == CaseState.accepted.value
    assert "补齐容缺材料" in client.get(f"/cases/{case.id}").text


@pytest.mark.req("CASE-22")
def test_withdraw_with_confirmation(client, world, db_session, clock):
    case = submit(db_session, clock, world["item"], world["person"])
    db_session.commit()
    assert f'href="/cases/{case.id}/withdraw"' in client.get(f"/cases/{case.id}").text
    confirm = client.get(f"/cases/{case.id}/withdraw")
    assert confirm.status_code == 200 and "确认撤回" in confirm.text and "不撤回，返回" in confirm.text
    forged = client.post(f"/cases/{case.id}/withdraw", data={"csrf": "forged", "reason": "不办了"})
    assert forged.status_code == 403
    done = client.post(f"/cases/{case.id}/withdraw", data={"csrf": world["csrf"], "reason": "店面不租了"}, follow_redirects=False)
    assert done.status_code == 303
    db_session.expire_all()
    assert db_session.get(Case, case.id).state == CaseState.withdrawn.value
    event = db_session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.seq.desc())).first()
    assert event.kind == "withdrawn" and event.reason == "店面不租了"
    page = client.get(done.headers["location"])
    assert "申请已撤回" in page.text and "店面不租了" in page.text and f'/cases/{case.id}/withdraw"' not in page.text
    again = client.post(f"/cases/{case.id}/withdraw", data={"csrf": world["csrf"]})
    assert again.status_code == 409 and "不能撤回" in again.text


@pytest.mark.req("CASE-22")
def test_a_decided_case_cannot_be_withdrawn(client, world, db_session, clock):
    case, _, _ = approved_case(db_session, clock, item=world["item"], agency=world["agency"], person=world["person"])
    db_session.commit()
    assert "撤回申请" not in client.get(f"/cases/{case.id}").text
    assert "不能撤回" in client.get(f"/cases/{case.id}/withdraw").text


# --- payment and the result --------------------------------------------------------------------------

@pytest.mark.req("CASE-16")
def test_dev_payment_marks_paid_gives_a_receipt_and_download_delivers(client, world, db_session, clock):
    case, _, _ = approved_case(db_session, clock, item=world["item"], agency=world["agency"], person=world["person"])
    db_session.commit()
    payment = db_session.scalars(select(Payment).where(Payment.case_id == case.id)).one()
    decision = db_session.scalars(select(Document).where(Document.case_id == case.id,
                                                         Document.kind == NoticeKind.approval_decision.value)).one()
    page = client.get(f"/cases/{case.id}")
    assert "21.00元" in page.text and f'href="/pay/dev/{payment.order_number}"' in page.text and "缴费后可下载" in page.text
    unpaid = client.get(f"/cases/{case.id}/documents/{decision.id}.pdf")
    assert unpaid.status_code == 409 and "请先缴纳费用" in unpaid.text

    gateway = client.get(f"/pay/dev/{payment.order_number}")
    assert gateway.status_code == 200 and "模拟支付平台（开发环境）" in gateway.text and "21.00元" in gateway.text
    paid = client.post(f"/pay/dev/{payment.order_number}", data={"csrf": world["csrf"], "outcome": "paid"}, follow_redirects=False)
    assert paid.status_code == 303 and paid.headers["location"] == f"/cases/{case.id}?msg=paid"
    db_session.expire_all()
    assert db_session.get(Payment, payment.id).status == PaymentStatus.paid.value
    after = client.get(paid.headers["location"])
    assert "缴费已完成" in after.text and "缴费收据" in after.text and "去缴费" not in after.text
    again = client.post(f"/pay/dev/{payment.order_number}", data={"csrf": world["csrf"]}, follow_redirects=False)
    assert again.status_code == 303  # a replayed callback changes nothing
    assert count(db_session, Document) == len(re.findall(r'/documents/\d+\.pdf"', client.get(f"/cases/{case.id}").text))

    pdf = client.get(f"/cases/{case.id}/documents/{decision.id}.pdf")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    assert f'filename="{decision.number}.pdf"' in pdf.headers["content-disposition"]
    assert "准予许可决定书" in pdf_text(pdf.content)
    db_session.expire_all()
    assert db_session.get(Case, case.id).state == CaseState.delivered.value  # download is delivery (CASE-16)
    assert "已送达" in client.get(f"/cases/{case.id}").text


@pytest.mark.req("CASE-16")
def test_the_locker_code_is_shown_to_the_applicant_only(client, world, db_session, clock):
    case, _, _ = approved_case(db_session, clock, item=world["item"], agency=world["agency"], person=world["person"],
                               delivery_method="locker")
    db_session.commit()
    code = delivery.of(db_session=db_session, case_id=case.id).locker_code
    page = client.get(f"/cases/{case.id}")
    assert "24小时自助柜领取" in page.text and f'<span class="case-number">{code}</span>' in page.text
    client.cookies.clear()
    assert code not in client.get(f"/progress/t/{case.tracking_token}").text


def test_a_failed_payment_can_be_tried_again(client, world, db_session, clock):
    case, _, _ = approved_case(db_session, clock, item=world["item"], agency=world["agency"], person=world["person"])
    db_session.commit()
    payment = db_session.scalars(select(Payment).where(Payment.case_id == case.id)).one()
    failed = client.post(f"/pay/dev/{payment.order_number}", data={"csrf": world["csrf"], "outcome": "failed"},
                         follow_redirects=False)
    assert failed.headers["location"].endswith("msg=payment_failed")
    page = client.get(failed.headers["location"])
    assert "缴费没有成功" in page.text and "去缴费" in page.text
    assert client.get("/pay/dev/PAYNOSUCHORDER").status_code == 404


# --- public progress -------------------------------------------------------------------------------

@pytest.mark.req("SRCH-06")
@pytest.mark.req("CASE-05")
def test_progress_by_number_and_last_four_digits(client, world, db_session, clock):
    case = submit(db_session, clock, world["item"], world["person"])
    db_session.commit()
    client.cookies.clear()  # anyone may look, signed in or not
    assert "办件编号" in client.get("/progress").text
    person = world["person"]
    public = client.post("/progress", data={"number": case.case_number.lower(), "digits": ""})
    assert public.status_code == 200, public.text
    assert case.item_name in public.text and "已提交，待受理" in public.text and "提交申请" in public.text
    assert "<h3>申请人和材料</h3>" not in public.text and person.name[0] + "*" not in public.text
    for digits in (person.phone[-4:], person.id_number[-4:]):
        found = client.post("/progress", data={"number": case.case_number.lower(), "digits": digits})
        assert found.status_code == 200, found.text
        assert "<h3>申请人和材料</h3>" in found.text and person.name[0] + "*" in found.text and person.phone[-4:] in found.text
        assert person.name not in found.text and person.phone not in found.text and person.id_number not in found.text
    wrong = client.post("/progress", data={"number": case.case_number, "digits": "0000"})
    assert wrong.status_code == 403 and "后四位不正确" in wrong.text and "<h3>申请人和材料</h3>" not in wrong.text
    unknown = client.post("/progress", data={"number": "510000209901010000", "digits": ""})
    assert unknown.status_code == 404 and "没有找到这个办件编号" in unknown.text
    malformed = client.post("/progress", data={"number": "", "digits": "12"})
    assert malformed.status_code == 422 and 'id="number-error"' in malformed.text and 'id="digits-error"' in malformed.text


@pytest.mark.req("SRCH-06")
def test_guessing_the_digits_is_stopped(client, world, db_session, clock):
    case = submit(db_session, clock, world["item"], world["person"])
    db_session.commit()
    tails = {world["person"].phone[-4:], world["person"].id_number[-4:]}
    wrong = [f"{n:04d}" for n in range(20) if f"{n:04d}" not in tails][:10]
    assert all(client.post("/progress", data={"number": case.case_number, "digits": d}).status_code == 403 for d in wrong)
    blocked = client.post("/progress", data={"number": case.case_number, "digits": world["person"].phone[-4:]})
    assert blocked.status_code == 429 and "输错次数过多" in blocked.text
    still_public = client.post("/progress", data={"number": case.case_number, "digits": ""})
    assert still_public.status_code == 200 and "<h3>申请人和材料</h3>" not in still_public.text


@pytest.mark.req("CASE-05")
def test_the_qr_code_of_the_acceptance_notice_opens_the_progress(client, world, db_session, clock):
    case, _, _ = approved_case(db_session, clock, item=world["item"], agency=world["agency"], person=world["person"])
    db_session.commit()
    client.cookies.clear()
    page = client.get(f"/progress/t/{case.tracking_token}")
    assert page.status_code == 200 and case.case_number in page.text and "作出准予决定" in page.text and "受理" in page.text
    assert world["person"].name not in page.text and 'action="/progress"' not in page.text
    assert "<h3>申请人和材料</h3>" in page.text  # the QR is printed for the applicant: it opens the details as the digits do
    assert client.get("/progress/t/not-a-real-token-at-all").status_code == 404


@pytest.mark.req("CASE-05")
def test_the_progress_page_says_how_the_due_date_is_reckoned(client, world, db_session, clock):
    """A due date alone puzzles people (why not ten days after I applied?): the page says it runs from acceptance
    in working days and that supplements and special procedures stop it, and says nothing once it is decided."""
    case = submit(db_session, clock, world["item"], world["person"])
    db_session.commit()
    digits = world["person"].phone[-4:]
    before = client.post("/progress", data={"number": case.case_number, "digits": digits}).text
    assert "受理之日起 10 个工作日" in before and "受理后算出办结日期" in before
    staff = Staff(db_session, clock, world["agency"])
    handling.accept(db_session=db_session, clock=clock, actor=staff.acceptor, case=case)
    db_session.commit()
    accepted = client.post("/progress", data={"number": case.case_number, "digits": digits}).text
    assert "承诺办结日期" in accepted and "按 10 个工作日（周末和法定节假日不算）计算" in accepted and "特别程序" in accepted
    assert "暂停计时" not in accepted
    handling.start_review(db_session=db_session, clock=clock, actor=staff.reviewer, case=case)
    handling.start_special_procedure(db_session=db_session, clock=clock, actor=staff.reviewer, case=case, name="现场核查")
    db_session.commit()
    paused = client.post("/progress", data={"number": case.case_number, "digits": digits}).text
    assert "目前在特别程序中，暂停计时" in paused
    decided, _, _ = approved_case(db_session, clock, item=world["item"], agency=world["agency"], person=world["person"])
    db_session.commit()
    done = client.get(f"/progress/t/{decided.tracking_token}").text
    assert "作出准予决定" in done and "个工作日" not in done
