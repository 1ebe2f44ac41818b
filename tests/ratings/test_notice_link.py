"""What the person takes home carries the way to rate (RATE-01): the refusal or decision notice prints a signed,
single-use rating code for that case beside its verification code; the guide's print sheet a code to rate the guide."""

from __future__ import annotations

import io
from urllib.parse import parse_qs, urlparse

import pytest
from pypdf import PdfReader

import tongban.ratings  # noqa: F401  (registers the notice code, as the app and the worker do)
from tongban.cases import documents
from tongban.cases.models import Document
from tongban.ratings import service
from tongban.ratings.enums import SubjectKind

GOOD = service.RatingIn(level=1, dimensions=[], comment="")


def _notice(db_session, case, kind: str) -> Document:
    return next(d for d in documents.for_case(db_session=db_session, case_id=case.id) if d.kind == kind)


@pytest.mark.req("RATE-01")
def test_a_refusal_notice_carries_a_signed_code_that_rates_that_case_once(world, db_session, clock):
    case = world.closed_case()
    notice = _notice(db_session, case, "refusal_notice")
    link = notice.sheet["extra_qr_text"]
    assert notice.sheet["extra_qr_caption"] == "扫码评价本次服务"
    assert any("评价本次服务" in p for p in notice.sheet["paragraphs"])
    token = parse_qs(urlparse(link).query)["token"][0]
    assert urlparse(link).path == "/ratings/new"

    rendered = documents.render(db_session=db_session, clock=clock, document=notice)
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(rendered.pdf)).pages)
    assert "扫码评价本次服务" in text and "扫码核验文书真伪" in text

    row = service.rate_by_link(db_session=db_session, clock=clock, token=token, rating_in=GOOD)
    assert (row.subject_kind, row.subject_id) == (SubjectKind.case.value, case.id)
    with pytest.raises(Exception) as again:
        service.rate_by_link(db_session=db_session, clock=clock, token=token, rating_in=GOOD)
    assert getattr(again.value, "status_code", 0) in (403, 409)


@pytest.mark.req("RATE-01")
def test_an_acceptance_notice_has_no_rating_code(world, db_session, clock):
    from tongban.cases import handling

    case = world.open_case()
    handling.accept(db_session=db_session, clock=clock, actor=world.staff.acceptor, case=case)
    notice = _notice(db_session, case, "acceptance_notice")
    assert not notice.sheet.get("extra_qr_text")
    rendered = documents.render(db_session=db_session, clock=clock, document=notice)
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(rendered.pdf)).pages)
    assert "扫码评价" not in text


@pytest.mark.req("RATE-01")
def test_the_guide_and_its_print_sheet_lead_to_rating_the_guide(world, client, db_session, clock):
    from tests.signin import sign_in_person

    item_id = world.item.id
    page = client.get(f"/items/{item_id}")
    assert f'href="/ratings/new?kind=guide&amp;id={item_id}"' in page.text
    sheet = client.get(f"/api/v1/items/{item_id}/print.pdf")
    assert sheet.status_code == 200
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(sheet.content)).pages)
    assert "扫码评价本指南" in text and "扫码查看完整指南" in text
    assert f"/ratings/new?kind=guide&amp;id={item_id}" in client.get(f"/items/{item_id}/print").text

    csrf = sign_in_person(client, db_session, clock, world.person)
    assert client.get(f"/ratings/new?kind=guide&id={item_id}").status_code == 200
    done = client.post("/ratings", data={"csrf": csrf, "subject_kind": "guide",
                                         "subject_id": str(item_id), "level": "2"})
    assert done.status_code == 201, done.text
