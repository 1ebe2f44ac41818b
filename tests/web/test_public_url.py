"""The public address follows how the server was started (`tongban serve --host --port`) unless TONGBAN_PUBLIC_URL
says otherwise: documents print it in their QR code and 核验地址; links within pages are relative."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from typer.testing import CliRunner

from tests.cases.caseflow import case_item, pdf_text, person_headers, staff_headers, submit
from tests.factories import make_actor, make_person
from tongban.cases import decisions, documents, handling, notices
from tongban.cases.enums import Opinion
from tongban.core.config import SERVED_URL_VARIABLE, get_settings

PORT = 8123
HREF = re.compile(r'(?:href|src|action)="([^"]*)"')


@pytest.fixture
def served(monkeypatch, database_url):
    """`tongban serve --port 8123`, without starting uvicorn: what the command leaves for the app and its worker."""
    import uvicorn

    from tongban import cli

    monkeypatch.setenv("TONGBAN_DATABASE_URL", database_url)  # migrated: serve refuses a database behind the code

    monkeypatch.setenv(SERVED_URL_VARIABLE, "")  # restored (removed) after the test
    monkeypatch.delenv("TONGBAN_PUBLIC_URL", raising=False)
    monkeypatch.setattr(uvicorn, "run", lambda *args, **kwargs: None)
    result = CliRunner().invoke(cli.app, ["serve", "--host", "127.0.0.1", "--port", str(PORT)])
    assert result.exit_code == 0, result.output
    return f"http://127.0.0.1:{PORT}"


def test_the_public_address_follows_the_served_port_unless_configured(served, monkeypatch):
    assert get_settings().public_url == served
    monkeypatch.setenv("TONGBAN_PUBLIC_URL", "https://zwfw.example.gov.cn/")
    assert get_settings().public_url == "https://zwfw.example.gov.cn"


def _links(html: str) -> list[str]:
    return [h for h in HREF.findall(html) if h and not h.startswith(("#", "data:", "mailto:", "tel:"))]


def _assert_relative(html: str, page: str) -> list[str]:
    links = _links(html)
    absolute = [h for h in links if urlsplit(h).netloc]
    assert not absolute, f"{page} links to absolute addresses: {absolute}"
    return links


@pytest.mark.req("LIC-01")
def test_notices_and_case_pages_follow_the_served_port(served, client, db_session, clock):
    item, agency = case_item(db_session, clock)
    person = make_person(db_session, clock)
    acceptor, acceptor_token = make_actor(db_session, clock, role="acceptor", agency=agency)
    reviewer, _ = make_actor(db_session, clock, role="reviewer", agency=agency)
    decider, _ = make_actor(db_session, clock, role="decider", agency=agency)
    case = submit(db_session, clock, item, person)
    handling.accept(db_session=db_session, clock=clock, actor=acceptor, case=case)
    handling.start_review(db_session=db_session, clock=clock, actor=reviewer, case=case)
    handling.record_opinion(db_session=db_session, clock=clock, actor=reviewer, case=case, opinion=Opinion.approve,
                            reasons="符合审查标准")
    decisions.decide(db_session=db_session, clock=clock, actor=decider, case=case, approve=True)
    db_session.commit()

    docs = notices.for_case(db_session=db_session, case_id=case.id)
    assert docs
    for document in docs:
        # What the QR code encodes and the 核验地址 printed under it (a licence's QR carries its signed data instead).
        expected = f"{served}/verify/documents/{document.number}"
        assert document.sheet["verify_url"] == expected
        if document.sheet.get("licence_number") is None:
            assert (document.sheet.get("qr_text") or document.sheet["verify_url"]) == expected
        rendered = documents.render(db_session=db_session, clock=clock, document=document)
        assert f"核验地址：{expected}" in pdf_text(rendered.pdf)
        assert ":8000" not in pdf_text(rendered.pdf)
    db_session.commit()

    applicant_page = client.get(f"/cases/{case.id}", headers=person_headers(db_session, clock, person))
    assert applicant_page.status_code == 200
    links = _assert_relative(applicant_page.text, "/cases/{id}")
    for document in docs:
        assert f"/verify/documents/{document.number}" in links  # 核验真伪
        assert client.get(f"/verify/documents/{document.number}").status_code == 200
    tracking = next(h for h in links if h.startswith("/progress/t/"))  # the family's progress link
    assert client.get(tracking).status_code == 200
    assert f"{served}{tracking}" in applicant_page.text  # shown in full, to copy and send

    staff_page = client.get(f"/staff/cases/{case.id}", headers=staff_headers(acceptor_token))
    assert staff_page.status_code == 200
    staff_links = _assert_relative(staff_page.text, "/staff/cases/{id}")
    assert all(f"/verify/documents/{d.number}" in staff_links for d in docs)

    api = client.get(f"/api/v1/cases/{case.id}", headers=person_headers(db_session, clock, person))
    if api.status_code == 200:
        body = api.json()
        assert all(not urlsplit(d["verify_url"]).netloc for d in body["documents"])
        assert body["tracking_url"].startswith("/progress/t/")
