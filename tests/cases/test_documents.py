"""Sealed PDF notices: rendered, signed over their exact bytes, verified by us and by OpenSSL (LIC-02)."""

from __future__ import annotations

import hashlib
import io
import re
from datetime import date

import pytest
from pypdf import PdfReader

from tests.cases.test_seals import needs_openssl, openssl_verify
from tests.factories import make_agency
from sqlalchemy import func, select

from tongban.cases import documents, seals
from tongban.core import db as core_db
from tongban.notify import outbox
from tongban.notify.models import Job
from tongban.notify.worker import load_handlers
from tongban.cases.documents import NoticeKind
from tongban.core.errors import InvalidInput, NotFound
from tongban.core.security import sm3_hex

BASE = "https://tongban.example.gov.cn"
FIELDS = [
    ("事项名称", "食品经营许可（新办）"), ("申请人", "张三"), ("受理人", "李四"),
    ("收到材料", "1. 食品经营许可申请书\n2. 营业执照"), ("补正期限", "2026年11月27日前"),
]


def issue(db_session, clock, agency, *, sealed: bool = True, **overrides) -> documents.Document:
    """A notice as readers get it: issued, then rendered and sealed as its job does (`sealed=False`: just issued)."""
    args = dict(
        db_session=db_session, clock=clock, agency_id=agency.id, kind=NoticeKind.acceptance_notice, case_id=7,
        title="受理通知书", fields=FIELDS, paragraphs=["你（单位）提交的申请材料齐全、符合法定形式，决定予以受理。"],
        case_number="TB-511600-20261120-0001", verify_base_url=BASE,
    )
    args.update(overrides)
    document = documents.issue(**args)
    return documents.render(db_session=db_session, clock=clock, document=document) if sealed else document


def pdf_text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    return "".join("".join(page.extract_text().split()) for page in reader.pages)


@pytest.mark.req("LIC-02")
def test_a_notice_is_rendered_signed_and_stored(db_session, clock):
    agency = make_agency(db_session, name="广安市市场监督管理局")
    document = issue(db_session, clock, agency)
    pdf = bytes(document.pdf)
    assert pdf.startswith(b"%PDF")
    assert re.fullmatch(r"TB-N-20261120-[0-9A-HJKMNP-TV-Z]{10}", document.number)
    assert document.sha256 == hashlib.sha256(pdf).hexdigest() and document.sm3 == sm3_hex(pdf)
    assert document.kind == "acceptance_notice" and document.case_id == 7 and document.issued_on == date(2026, 11, 20)
    assert document.created_at == clock.now()
    seal = seals.get(db_session=db_session, seal_id=document.seal_id)
    assert seal.agency_id == agency.id
    assert seals.verify(seal=seal, data=pdf, signature=bytes(document.signature))
    assert documents.verify(db_session=db_session, document=document)


@pytest.mark.req("LIC-02")
def test_the_pdf_shows_title_agency_number_fields_and_chinese_date(db_session, clock):
    agency = make_agency(db_session, name="广安市市场监督管理局")
    text = pdf_text(bytes(issue(db_session, clock, agency).pdf))
    for expected in ("受理通知书", "广安市市场监督管理局", "TB-N-20261120-", "事项名称", "食品经营许可（新办）", "补正期限",
                     "决定予以受理", "二〇二六年十一月二十日", "办件编号", f"{BASE}/verify/documents/"):
        assert expected.replace(" ", "") in text, expected


@pytest.mark.req("LIC-02")
@needs_openssl
def test_openssl_verifies_the_stored_pdf_and_rejects_one_changed_byte(db_session, clock, tmp_path):
    agency = make_agency(db_session)
    document = issue(db_session, clock, agency)
    seal = seals.get(db_session=db_session, seal_id=document.seal_id)
    pdf = bytes(document.pdf)
    result = openssl_verify(tmp_path, pem=seal.public_key_pem, data=pdf, signature=bytes(document.signature))
    assert result.returncode == 0, result.stderr
    middle = len(pdf) // 2
    changed = pdf[:middle] + bytes([pdf[middle] ^ 0x01]) + pdf[middle + 1:]
    result = openssl_verify(tmp_path, pem=seal.public_key_pem, data=changed, signature=bytes(document.signature))
    assert result.returncode != 0


@pytest.mark.req("LIC-02")
def test_a_changed_stored_pdf_no_longer_verifies(db_session, clock):
    document = issue(db_session, clock, make_agency(db_session))
    document.pdf = bytes(document.pdf).replace(b"%PDF", b"%PDX", 1)
    assert not documents.verify(db_session=db_session, document=document)


def test_numbers_are_unique_and_found_again(db_session, clock):
    agency = make_agency(db_session)
    first = issue(db_session, clock, agency)
    second = issue(db_session, clock, agency, kind="approval_decision", title="准予许可决定书", case_id=7)
    other = issue(db_session, clock, agency, case_id=None)
    assert first.number != second.number and second.number.startswith("TB-D-")
    assert documents.get_by_number(db_session=db_session, number=first.number.lower()).id == first.id
    assert [d.id for d in documents.for_case(db_session=db_session, case_id=7)] == [first.id, second.id]
    assert other.case_id is None and first.seal_id == second.seal_id == other.seal_id
    with pytest.raises(NotFound) as raised:
        documents.get_by_number(db_session=db_session, number="TB-N-20261120-0000000000")
    assert raised.value.code == "DOCUMENT_NOT_FOUND"


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"kind": "love_letter"}, "DOCUMENT_KIND_UNKNOWN"),
        ({"title": "  "}, "DOCUMENT_TITLE"),
        ({"fields": [("只有名称",)]}, "DOCUMENT_FIELD"),
        ({"fields": [("名称", 3)]}, "DOCUMENT_FIELD"),
        ({"paragraphs": ["x" * 5000]}, "DOCUMENT_PARAGRAPH"),
        ({"verify_base_url": "ftp://example"}, "VERIFY_URL"),
        ({"agency_id": 999_999}, "AGENCY_NOT_FOUND"),
    ],
)
def test_bad_input_is_refused_with_a_code(db_session, clock, overrides, code):
    agency = make_agency(db_session)
    with pytest.raises((InvalidInput, NotFound)) as raised:
        issue(db_session, clock, agency, **overrides)
    assert raised.value.code == code


@pytest.mark.req("LIC-02")
def test_the_public_check_of_a_notice_names_its_kind_in_chinese(db_session, clock, client):
    """Whoever checks a notice by its number reads what kind of document it is, in words, never a code."""
    agency = make_agency(db_session, name="广安市市场监督管理局")
    shown = {}
    for kind in (NoticeKind.supplement_notice, NoticeKind.denial_decision, NoticeKind.payment_receipt):
        document = issue(db_session, clock, agency, kind=kind, title="通知")
        db_session.commit()
        page = client.get(f"/verify/documents/{document.number}")
        assert page.status_code == 200 and kind.value not in page.text
        shown[kind] = page.text
    assert "一次性告知补正通知书" in shown[NoticeKind.supplement_notice]
    assert "不予决定书" in shown[NoticeKind.denial_decision] and "一次性告知" not in shown[NoticeKind.denial_decision]
    assert "缴费收据" in shown[NoticeKind.payment_receipt]


@pytest.mark.parametrize(
    ("day", "expected"),
    [(date(2026, 11, 20), "二〇二六年十一月二十日"), (date(2027, 1, 1), "二〇二七年一月一日"),
     (date(2030, 10, 31), "二〇三〇年十月三十一日"), (date(2026, 12, 15), "二〇二六年十二月十五日")],
)
def test_chinese_dates(day, expected):
    assert documents.chinese_date(day) == expected


def _render_jobs(db_session) -> list[Job]:
    return list(db_session.scalars(select(Job).where(Job.kind == documents.RENDER_JOB)))


@pytest.mark.req("LIC-02")
def test_issuing_fixes_number_and_content_and_enqueues_the_sealing_in_the_same_transaction(db_session, clock):
    agency = make_agency(db_session)
    db_session.commit()
    document = issue(db_session, clock, agency, sealed=False)
    assert document.status == "pending" and document.pdf is None and document.signature is None
    assert document.sheet["fields"][0] == ["事项名称", "食品经营许可（新办）"] and document.number.startswith("TB-N-")
    assert [job.payload for job in _render_jobs(db_session)] == [{"document_id": document.id}]
    assert not documents.verify(db_session=db_session, document=document)  # nothing sealed yet: not valid
    db_session.rollback()  # the step failed: neither the document nor its job remains
    assert db_session.scalar(select(func.count()).select_from(documents.Document)) == 0 and _render_jobs(db_session) == []


@pytest.mark.req("LIC-02")
def test_the_worker_seals_a_pending_document_once(db_session, clock, engine):
    agency = make_agency(db_session)
    pending = issue(db_session, clock, agency, sealed=False)
    db_session.commit()
    load_handlers()
    factory = core_db.session_factory()
    assert outbox.run_once(session_factory=factory, clock=clock, worker_id="test") == 1
    db_session.expire_all()
    document = db_session.get(documents.Document, pending.id)
    assert document.status == "issued" and document.rendered_at == clock.now()
    assert documents.verify(db_session=db_session, document=document)
    assert "受理通知书" in pdf_text(bytes(document.pdf))
    first = (bytes(document.pdf), bytes(document.signature))
    documents.render(db_session=db_session, clock=clock, document=document)  # a late second renderer changes nothing
    assert (bytes(document.pdf), bytes(document.signature)) == first
    assert [job.status for job in _render_jobs(db_session)] == ["done"]


@pytest.mark.req("LIC-02")
def test_a_renderer_that_lost_the_race_keeps_the_stored_result(db_session, clock, engine):
    agency = make_agency(db_session)
    pending = issue(db_session, clock, agency, sealed=False)
    db_session.commit()
    factory = core_db.session_factory()
    with factory() as slow:
        stale = slow.get(documents.Document, pending.id)  # read while still pending
        with factory() as fast:
            documents.render(db_session=fast, clock=clock, document=fast.get(documents.Document, pending.id))
            fast.commit()
        won = documents.ready(db_session=slow, clock=clock, document=stale)
        assert won.status == "issued"
    db_session.expire_all()
    stored = db_session.get(documents.Document, pending.id)
    assert bytes(stored.pdf) == bytes(won.pdf) and bytes(stored.signature) == bytes(won.signature)
    assert documents.verify(db_session=db_session, document=stored)
