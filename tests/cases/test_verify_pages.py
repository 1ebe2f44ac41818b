"""Public verify pages and their JSON twins for sealed documents and e-licences (LIC-01, LIC-02)."""

from __future__ import annotations

import base64
import json
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from jinja2 import FileSystemLoader
from sqlalchemy import update

from tests.cases.caseflow import pdf_text
from tests.cases.test_seals import needs_openssl, openssl_verify
from tests.factories import make_agency, make_person
from tongban.cases import documents, licences, verify_pages
from tongban.cases.documents import NoticeKind

BASE = "http://testserver"


@pytest.fixture
def web(app, client):
    """The shared client with the verify routes and the cases templates, whether or not app.py has them yet."""
    if not any(getattr(route, "path", "") == "/verify/documents/{number}" for route in app.routes):
        app.include_router(verify_pages.router)
    folder = str(Path(verify_pages.__file__).parent / "templates")
    loader = app.state.templates.loader
    if not any(folder in getattr(each, "searchpath", []) for each in loader.loaders):
        loader.loaders.append(FileSystemLoader(folder))
    return client


@pytest.fixture
def notice(db_session, clock):
    agency = make_agency(db_session, name="广安市行政审批局")
    document = documents.issue(
        db_session=db_session, clock=clock, agency_id=agency.id, kind=NoticeKind.refusal_notice, case_id=3,
        title="不予受理通知书", fields=[("事项名称", "餐饮服务许可"), ("理由", "不属于本机关职权范围")],
        paragraphs=["请向有权机关申请。"], case_number="TB-0003", verify_base_url=BASE,
    )
    documents.render(db_session=db_session, clock=clock, document=document)  # as its job does
    db_session.commit()
    return document


@pytest.fixture
def licence(db_session, clock):
    person = make_person(db_session, clock, name="王小明")
    row = licences.issue(
        db_session=db_session, clock=clock, agency_id=make_agency(db_session).id, item_id=None, case_id=None,
        type_code="food-business", type_name="食品经营许可证", holder_kind="person", person_id=person.id,
        organisation_id=None, holder_name="王小明", holder_identifier=person.id_number, valid_from=date(2026, 11, 20),
        valid_until=None, data={"主体业态": "餐饮服务经营者"}, verify_base_url=BASE,
    )
    documents.render(db_session=db_session, clock=clock, document=db_session.get(documents.Document, row.document_id))
    db_session.commit()
    return row, person.id_number


@pytest.mark.req("LIC-02")
def test_document_page_shows_facts_and_a_valid_signature(web, notice):
    page = web.get(f"/verify/documents/{notice.number}")
    assert page.status_code == 200
    for expected in ("不予受理通知书", "广安市行政审批局", notice.number, notice.sm3, "电子签章有效", "distid:1234567812345678", "<svg"):
        assert expected in page.text
    data = web.get(f"/api/v1/verify/documents/{notice.number}").json()
    assert data["signature_valid"] is True and data["kind"] == "refusal_notice" and data["sm3"] == notice.sm3


@pytest.mark.req("LIC-02")
def test_a_document_whose_job_has_not_run_is_sealed_when_first_fetched(web, db_session, clock):
    document = documents.issue(
        db_session=db_session, clock=clock, agency_id=make_agency(db_session).id, kind=NoticeKind.acceptance_notice,
        case_id=None, title="受理通知书", fields=[("事项名称", "餐饮服务许可")], paragraphs=[], case_number=None,
        verify_base_url=BASE,
    )
    db_session.commit()
    assert document.status == "pending"
    pdf = web.get(f"/verify/documents/{document.number}/pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    data = web.get(f"/api/v1/verify/documents/{document.number}").json()
    assert data["signature_valid"] is True
    db_session.expire_all()
    stored = db_session.get(documents.Document, document.id)
    assert stored.status == "issued" and bytes(stored.pdf) == pdf.content  # sealed once, the same bytes every time


@pytest.mark.req("LIC-01")
def test_a_licence_whose_job_has_not_run_is_signed_when_first_checked(web, db_session, clock):
    person = make_person(db_session, clock, name="赵大")
    row = licences.issue(
        db_session=db_session, clock=clock, agency_id=make_agency(db_session).id, item_id=None, case_id=None,
        type_code="food-business", type_name="食品经营许可证", holder_kind="person", person_id=person.id,
        organisation_id=None, holder_name="赵大", holder_identifier=person.id_number, valid_from=date(2026, 11, 20),
        valid_until=None, data={}, verify_base_url=BASE,
    )
    db_session.commit()
    assert row.signature == ""
    data = web.get(f"/api/v1/verify/licences/{row.number}").json()
    assert data["signature_valid"] is True and data["document_valid"] is True, data
    db_session.expire_all()
    assert db_session.get(licences.License, row.id).signature != ""


@pytest.mark.req("LIC-02")
@needs_openssl
def test_downloaded_pdf_signature_and_key_verify_with_openssl(web, notice, tmp_path):
    pdf = web.get(f"/verify/documents/{notice.number}/pdf")
    sig = web.get(f"/verify/documents/{notice.number}/sig")
    pem = web.get(f"/verify/documents/{notice.number}/seal.pem")
    assert pdf.headers["content-type"] == "application/pdf" and pdf.content == bytes(notice.pdf)
    assert sig.content == bytes(notice.signature)
    result = openssl_verify(tmp_path, pem=pem.text, data=pdf.content, signature=sig.content)
    assert result.returncode == 0, result.stderr


@pytest.mark.req("LIC-02")
def test_a_tampered_document_is_reported_invalid(web, notice, db_session):
    changed = bytes(notice.pdf).replace(b"%PDF", b"%PDX", 1)
    db_session.execute(update(documents.Document).where(documents.Document.id == notice.id).values(pdf=changed))
    db_session.commit()
    assert "电子签章无效" in web.get(f"/verify/documents/{notice.number}").text
    assert web.get(f"/api/v1/verify/documents/{notice.number}").json()["signature_valid"] is False


@pytest.mark.parametrize(
    "path",
    ["/verify/documents/TB-N-20261120-ZZZZZZZZZZ", "/verify/documents/TB-N-20261120-ZZZZZZZZZZ/pdf",
     "/verify/documents/TB-N-20261120-ZZZZZZZZZZ/sig", "/verify/documents/TB-N-20261120-ZZZZZZZZZZ/seal.pem",
     "/verify/licences/511600-2026-000404", "/verify/documents/" + "X" * 300],
)
def test_unknown_numbers_are_404_with_a_chinese_message(web, db_session, path):
    page = web.get(path)
    assert page.status_code == 404
    assert "未找到" in page.text


def test_unknown_numbers_in_the_api_are_404_json(web, db_session):
    body = web.get("/api/v1/verify/documents/NOPE").json()
    assert body["error"]["code"] == "DOCUMENT_NOT_FOUND"
    response = web.get("/api/v1/verify/licences/NOPE")
    assert response.status_code == 404 and response.json()["error"]["code"] == "LICENCE_NOT_FOUND"


HOLDER_KEYS = {"holder_name", "holder_identifier", "holder_kind", "valid_from", "valid_until", "revoke_reason", "revoked_at"}


@pytest.mark.req("LIC-01")
def test_a_licence_number_alone_shows_only_validity_name_and_issuer(web, licence):
    """Issue 25 §5: numbers are sequential, and each used to answer with holder, masked ID and validity."""
    row, id_number = licence
    data = web.get(f"/api/v1/verify/licences/{row.number}").json()
    assert (data["valid"], data["status"], data["type_name"], data["signature_valid"]) == (True, "valid", "食品经营许可证", True)
    assert data["issuer"] and data["holder_shown"] is False
    assert not HOLDER_KEYS & set(data), data
    page = web.get(f"/verify/licences/{row.number}")
    assert page.status_code == 200
    for expected in ("食品经营许可证", row.number, "证照有效", data["issuer"], "核验码"):
        assert expected in page.text
    for hidden in ("王", id_number[:6], id_number[-4:], "长期", "2026-11-20"):
        assert hidden not in page.text


@pytest.mark.req("LIC-01")
def test_the_check_code_printed_on_the_licence_shows_the_masked_holder(web, licence, db_session):
    row, id_number = licence
    printed = pdf_text(bytes(db_session.get(documents.Document, row.document_id).pdf))
    code = licences.check_code(row.number)
    assert f"核验码{code}" in printed and f"/verify/licences/{row.number}" in printed
    page = web.get(f"/verify/licences/{row.number}", params={"code": code.lower().replace("-", " ")})
    for expected in ("食品经营许可证", row.number, "王**", id_number[:6] + "********" + id_number[-4:], "长期", "证照有效"):
        assert expected in page.text
    assert id_number not in page.text and "王小明" not in page.text
    data = web.get(f"/api/v1/verify/licences/{row.number}", params={"code": code}).json()
    assert data["holder_shown"] is True and data["holder_name"] == "王**" and data["valid_until"] is None
    assert data["status"] == "valid" and data["signature_valid"] is True and data["document_valid"] is True
    assert id_number not in json.dumps(data, ensure_ascii=False)
    other = "2222-2222" if code != "2222-2222" else "3333-3333"
    wrong = web.get(f"/api/v1/verify/licences/{row.number}", params={"code": other}).json()
    assert wrong["check_code_wrong"] is True and not HOLDER_KEYS & set(wrong)
    assert "核验码不正确" in web.get(f"/verify/licences/{row.number}", params={"code": other}).text


@pytest.mark.req("LIC-01")
def test_a_revoked_licence_says_so(web, licence, db_session, clock):
    row, _ = licence
    licences.revoke(db_session=db_session, clock=clock, number=row.number, reason="申请人申请注销")
    db_session.commit()
    page = web.get(f"/verify/licences/{row.number}")
    assert "证照无效" in page.text and "申请人申请注销" not in page.text
    assert web.get(f"/api/v1/verify/licences/{row.number}").json()["valid"] is False
    page = web.get(f"/verify/licences/{row.number}", params={"code": licences.check_code(row.number)})
    assert "已注销" in page.text and "申请人申请注销" in page.text


def test_licence_lookups_and_check_codes_are_limited_per_address(app, web, licence, db_session):
    """Walking the register from one address stops; another address is not affected."""
    row, _ = licence
    for n in range(licences.CHECK_CODES_FROM.max):
        assert web.get(f"/api/v1/verify/licences/{row.number}", params={"code": "2222-2222"}).status_code == 200
    refused = web.get(f"/api/v1/verify/licences/{row.number}", params={"code": licences.check_code(row.number)})
    assert refused.status_code == 429 and refused.json()["error"]["code"] == "CHECK_CODE_TOO_MANY"
    prefix = row.number.rsplit("-", 1)[0]
    for n in range(licences.VERIFY_FROM.max - licences.CHECK_CODES_FROM.max - 1):
        assert web.get(f"/api/v1/verify/licences/{prefix}-{n + 100:06d}").status_code == 404  # unknown numbers count
    walked = web.get(f"/api/v1/verify/licences/{row.number}")
    assert walked.status_code == 429 and walked.json()["error"]["code"] == "VERIFY_TOO_MANY"
    assert web.get(f"/verify/licences/{row.number}").status_code == 429
    with TestClient(app, raise_server_exceptions=False, client=("10.7.0.2", 50000)) as other:
        assert other.get(f"/api/v1/verify/licences/{row.number}").json()["valid"] is True


@pytest.mark.req("LIC-01")
def test_pasting_a_qr_text_checks_it_offline(web, licence):
    row, id_number = licence
    qr = licences.qr_text(row)
    page = web.get("/verify/licences", params={"qr": qr})
    assert page.status_code == 200 and "电子签章验证通过" in page.text and row.number in page.text
    assert id_number not in page.text
    _, body, signature = qr.split(".")
    payload = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    payload["holder"] = "李四"
    forged_body = base64.urlsafe_b64encode(licences.canonical(payload)).decode().rstrip("=")
    forged = web.get("/verify/licences", params={"qr": f"TBL1.{forged_body}.{signature}"})
    assert forged.status_code == 200 and "电子签名验证失败" in forged.text
    assert web.get("/api/v1/verify/licence-qr", params={"qr": qr}).json()["valid"] is True
    assert web.get("/api/v1/verify/licence-qr", params={"qr": "junk"}).json()["code"] == "LICENCE_QR_FORMAT"
    assert web.get("/verify/licences").status_code == 200
    assert row.seal_id and web.get("/api/v1/verify/seal-keys").json()["keys"]
