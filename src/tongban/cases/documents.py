"""Sealed PDF notices and decisions (受理通知书, 决定书 …): rendered, SM2-signed, verifiable by number (LIC-02; 003 七).

The signature is detached and covers exactly the stored PDF bytes, so the PDF, its `.sig` and
the seal's PEM are all anyone needs to check it with OpenSSL (see tongban.core.sm2).
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Spacer, Table, TableStyle
from sqlalchemy import select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from tongban.cases import seals
from tongban.cases.enums import DocumentStatus
from tongban.cases.models import Document
from tongban.catalog import reads as catalog_reads
from tongban.core.clock import Clock
from tongban.core.db import attach_persistent
from tongban.core.errors import InvalidInput, NotFound
from tongban.core.logs import get_logger
from tongban.core.security import sm3_hex
from tongban.notify import outbox
from tongban.pdf.fonts import register_cjk_font
from tongban.pdf.toolkit import FRAME_WIDTH, GRID, LABEL_BG, MARGIN, build_pdf, draw_qr, para, styles

log = get_logger(__name__)

NUMBER_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32: no I, L, O, U to misread
NUMBER_RANDOM_CHARS = 10  # 50 bits: the public verify page cannot be walked by guessing numbers
MAX_FIELDS, MAX_PARAGRAPHS, MAX_TEXT = 40, 40, 4000
FOOTER = "本文书由通办一体化政务服务平台签发，加盖电子印章（SM2/SM3），与纸质文书具有同等效力"


class NoticeKind(StrEnum):
    """Kinds of sealed documents a case produces (Notice kinds in the glossary)."""

    acceptance_notice = "acceptance_notice"
    refusal_notice = "refusal_notice"
    supplement_notice = "supplement_notice"
    deficiency_notice = "deficiency_notice"
    pledge_notice = "pledge_notice"
    on_site_check_notice = "on_site_check_notice"
    special_procedure_notice = "special_procedure_notice"
    approval_decision = "approval_decision"
    denial_decision = "denial_decision"
    payment_receipt = "payment_receipt"
    licence = "licence"

    @property
    def label(self) -> str:
        return _LABELS[self]

    @property
    def letter(self) -> str:
        """The document number's type letter: notice, decision, receipt or licence."""
        if self in (NoticeKind.approval_decision, NoticeKind.denial_decision):
            return "D"
        return {NoticeKind.payment_receipt: "R", NoticeKind.licence: "L"}.get(self, "N")


_LABELS = {
    NoticeKind.acceptance_notice: "受理通知书",
    NoticeKind.refusal_notice: "不予受理通知书",
    NoticeKind.supplement_notice: "一次性告知补正通知书",
    NoticeKind.deficiency_notice: "容缺受理通知书",
    NoticeKind.pledge_notice: "告知承诺书",
    NoticeKind.on_site_check_notice: "现场核验通知书",
    NoticeKind.special_procedure_notice: "特别程序告知书",
    NoticeKind.approval_decision: "准予决定书",
    NoticeKind.denial_decision: "不予决定书",
    NoticeKind.payment_receipt: "缴费收据",
    NoticeKind.licence: "电子证照",
}


@dataclass(frozen=True)
class Sheet:
    """What one PDF shows; `qr_text` defaults to the document's verify address."""

    agency_name: str
    title: str
    number: str
    case_number: str | None
    fields: list[tuple[str, str]]
    paragraphs: list[str]
    issued_on: date
    verify_url: str
    qr_text: str
    seal_issuer: str
    seal_bottom: str
    qr_caption: str = "扫码核验文书真伪"
    # A second code beside the first, for the person rather than the verifier (the rating link on a decision, RATE-01).
    extra_qr_text: str = ""
    extra_qr_caption: str = ""


_DIGITS = "〇一二三四五六七八九"


def _small_number(n: int) -> str:
    tens, ones = divmod(n, 10)
    head = "" if tens == 0 else ("十" if tens == 1 else _DIGITS[tens] + "十")
    return head + (_DIGITS[ones] if ones or not head else "")


def chinese_date(day: date) -> str:
    """二〇二六年十一月二十日: how official documents write their date."""
    year = "".join(_DIGITS[int(c)] for c in str(day.year))
    return f"{year}年{_small_number(day.month)}月{_small_number(day.day)}日"


def new_number(kind: NoticeKind, issued_on: date) -> str:
    value = secrets.randbits(5 * NUMBER_RANDOM_CHARS)  # one draw, read as base-32 digits
    random_part = "".join(NUMBER_ALPHABET[(value >> (5 * i)) & 31] for i in range(NUMBER_RANDOM_CHARS))
    return f"TB-{kind.letter}-{issued_on:%Y%m%d}-{random_part}"


def verify_url(base_url: str, number: str) -> str:
    return f"{base_url.rstrip('/')}/verify/documents/{number}"


def _check_text(value: object, code: str, what: str, limit: int = MAX_TEXT) -> str:
    if not isinstance(value, str) or len(value) > limit:
        raise InvalidInput(code, f"{what}应为{limit}字以内的文字")
    return value


def _check_input(kind, title, fields, paragraphs, verify_base_url) -> NoticeKind:
    try:
        kind = NoticeKind(kind)
    except ValueError:
        raise InvalidInput("DOCUMENT_KIND_UNKNOWN", "不支持这种文书类型") from None
    if not _check_text(title, "DOCUMENT_TITLE", "文书标题", 200).strip():
        raise InvalidInput("DOCUMENT_TITLE", "请填写文书标题")
    if len(fields) > MAX_FIELDS or len(paragraphs) > MAX_PARAGRAPHS:
        raise InvalidInput("DOCUMENT_TOO_LONG", f"文书最多{MAX_FIELDS}个栏目、{MAX_PARAGRAPHS}段正文")
    for pair in fields:
        if not isinstance(pair, (tuple, list)) or len(pair) != 2:
            raise InvalidInput("DOCUMENT_FIELD", "文书栏目应为“名称、内容”两项")
        _check_text(pair[0], "DOCUMENT_FIELD", "栏目名称", 40)
        _check_text(pair[1], "DOCUMENT_FIELD", "栏目内容")
    for text in paragraphs:
        _check_text(text, "DOCUMENT_PARAGRAPH", "正文段落")
    check_base_url(verify_base_url)
    return kind


def check_base_url(verify_base_url: object) -> None:
    if not isinstance(verify_base_url, str) or not verify_base_url.startswith(("https://", "http://")):
        raise InvalidInput("VERIFY_URL", "核验地址应以 http:// 或 https:// 开头")


@dataclass(frozen=True)
class Issued:
    """What a step keeps of a document it issued: enough to point its event at it."""

    id: int
    number: str


def issue(
    *, db_session: Session, clock: Clock, agency_id: int, kind: NoticeKind | str, case_id: int | None, title: str,
    fields: list[tuple[str, str]], paragraphs: list[str], case_number: str | None, verify_base_url: str,
    qr_text: str | None = None, licence_number: str | None = None,
) -> Document:
    """Fix a document's number and content in the caller's transaction and enqueue its rendering and sealing.

    A licence's QR code carries the licence's own signature, made when the licence is rendered, so
    licences pass `licence_number` instead of `qr_text`.
    """
    new_id, values = _store(db_session, clock, agency_id, None, kind, case_id, title, fields, paragraphs, case_number,
                            verify_base_url, qr_text, licence_number)
    return attach_persistent(db_session, Document, {**values, "id": new_id})


def store(
    *, db_session: Session, clock: Clock, agency_id: int, agency_name: str, kind: NoticeKind | str, case_id: int | None,
    title: str, fields: list[tuple[str, str]], paragraphs: list[str], case_number: str | None, verify_base_url: str,
    qr_text: str | None = None, licence_number: str | None = None, extra_qr: tuple[str, str] | None = None,
) -> Issued:
    """`issue` for a step that only needs the document's id and number (no object is made for it). `extra_qr`:
    (text, caption) of a second code printed beside the verification code."""
    new_id, values = _store(db_session, clock, agency_id, agency_name, kind, case_id, title, fields, paragraphs,
                            case_number, verify_base_url, qr_text, licence_number, extra_qr)
    return Issued(new_id, values["number"])


def _store(db_session, clock, agency_id, agency_name, kind, case_id, title, fields, paragraphs, case_number,
           verify_base_url, qr_text, licence_number, extra_qr=None) -> tuple[int, dict]:
    """The document row as one Core INSERT and its rendering job as another, at once; (id, the row's values)."""
    kind = _check_input(kind, title, fields, paragraphs, verify_base_url)
    if agency_name is None:
        agency = catalog_reads.find_agency(db_session=db_session, agency_id=agency_id)
        if agency is None:
            raise NotFound("AGENCY_NOT_FOUND", "未找到该实施机构")
        agency_name = agency.name
    issued_on = clock.today()
    number = new_number(kind, issued_on)
    url = verify_url(verify_base_url, number)
    sheet = {
        "agency_name": agency_name, "title": title.strip(), "number": number, "case_number": case_number,
        "fields": [[label, value] for label, value in fields], "paragraphs": list(paragraphs),
        "issued_on": issued_on.isoformat(), "verify_url": url, "qr_text": qr_text, "licence_number": licence_number,
        "qr_caption": "扫码离线核验证照" if kind is NoticeKind.licence else "扫码核验文书真伪",
    }
    if extra_qr:
        sheet["extra_qr_text"], sheet["extra_qr_caption"] = extra_qr
    values = {
        "number": number, "kind": kind.value, "status": DocumentStatus.pending.value, "case_id": case_id,
        "case_number": case_number, "agency_id": agency_id, "seal_id": None, "title": sheet["title"], "sheet": sheet,
        "pdf": None, "sha256": None, "sm3": None, "signature": None, "issued_on": issued_on, "created_at": clock.now(),
        "rendered_at": None,
    }
    new_id = db_session.connection().execute(_INSERT_DOCUMENT, values).inserted_primary_key[0]
    outbox.enqueue_now(db_session=db_session, clock=clock, kind=RENDER_JOB, payload={"document_id": new_id})
    return new_id, values


_INSERT_DOCUMENT = Document.__table__.insert()


RENDER_JOB = "documents.render"

# The render hook: a licence's QR code carries the licence's own signed payload, which only `licences` can make.
# Licences issue documents, so documents must not import licences; licences registers this hook when imported.
LicenceQrSigner = Callable[..., str]
_licence_qr_signer: LicenceQrSigner | None = None


def register_licence_qr_signer(signer: LicenceQrSigner) -> None:
    """Called once by `cases.licences`: ``signer(db_session=, licence_id=, number=)`` signs and returns the QR text."""
    global _licence_qr_signer
    _licence_qr_signer = signer


def render(*, db_session: Session, clock: Clock, document: Document) -> Document:
    """Render, seal and sign a pending document, once: a job and a download racing for it store one result."""
    if document.ready:
        return document
    data = document.sheet or {}
    qr_text = data.get("qr_text")
    if data.get("licence_number") is not None or data.get("licence_id") is not None:  # older sheets name it by id
        if _licence_qr_signer is None:  # every process that renders imports cases.jobs, which imports licences
            raise RuntimeError("a licence's document needs tongban.cases.licences imported to render")
        qr_text = _licence_qr_signer(db_session=db_session, licence_id=data.get("licence_id"),
                                     number=data.get("licence_number"))
    seal = seals.seal_for(db_session=db_session, clock=clock, agency_id=document.agency_id)
    sheet = Sheet(
        agency_name=data["agency_name"], title=data["title"], number=document.number, case_number=data.get("case_number"),
        fields=[(label, value) for label, value in data["fields"]], paragraphs=list(data["paragraphs"]),
        issued_on=date.fromisoformat(data["issued_on"]), verify_url=data["verify_url"],
        qr_text=qr_text or data["verify_url"], seal_issuer=seal.issuer_name, seal_bottom=seal.bottom_text,
        qr_caption=data["qr_caption"], extra_qr_text=data.get("extra_qr_text", ""),
        extra_qr_caption=data.get("extra_qr_caption", ""),
    )
    pdf = render_pdf(sheet)
    values = {
        "status": DocumentStatus.issued.value, "seal_id": seal.id, "pdf": pdf, "sha256": hashlib.sha256(pdf).hexdigest(),
        "sm3": sm3_hex(pdf), "signature": seals.sign_with(seal=seal, data=pdf), "rendered_at": clock.now(),
    }
    stored = db_session.execute(
        update(Document).where(Document.id == document.id, Document.status == DocumentStatus.pending.value).values(**values)
        .execution_options(synchronize_session=False)
    ).rowcount
    db_session.refresh(document)
    if not stored:
        log.info("document %s was rendered meanwhile by another worker", document.number)
    return document


def ready(*, db_session: Session, clock: Clock, document: Document) -> Document:
    """The document with its PDF, for read routes: rendered and committed now when the job has not yet done it."""
    if document.ready:
        return document
    try:
        render(db_session=db_session, clock=clock, document=document)
        db_session.commit()
    except OperationalError:  # SQLite: the job committed the same rendering while this request read the old row
        db_session.rollback()
        db_session.refresh(document)
        if not document.ready:
            raise
    return document


def get_by_number(*, db_session: Session, number: str) -> Document:
    document = None
    if isinstance(number, str) and len(number) <= 40:
        document = db_session.execute(select(Document).where(Document.number == number.strip().upper())).scalar_one_or_none()
    if document is None:
        raise NotFound("DOCUMENT_NOT_FOUND", "未找到该文书，请核对文书编号")
    return document


def verify(*, db_session: Session, document: Document) -> bool:
    """True when the stored bytes still match their hashes and the seal's signature."""
    if not document.ready or document.pdf is None or document.signature is None:
        return False
    pdf = bytes(document.pdf)
    if hashlib.sha256(pdf).hexdigest() != document.sha256 or sm3_hex(pdf) != document.sm3:
        return False
    seal = seals.get(db_session=db_session, seal_id=document.seal_id)
    return seals.verify(seal=seal, data=pdf, signature=bytes(document.signature))


def for_case(*, db_session: Session, case_id: int) -> list[Document]:
    return list(
        db_session.execute(select(Document).where(Document.case_id == case_id).order_by(Document.id)).scalars()
    )


# --- rendering ---------------------------------------------------------------------------------

class SealBlock(Flowable):
    """The closing block: QR code and caption on the left, issuer and date on the right under the seal."""

    def __init__(self, sheet: Sheet, font: str, qr_size: float) -> None:
        super().__init__()
        self.sheet, self.font, self.qr_size = sheet, font, qr_size
        self.width, self.height = FRAME_WIDTH, max(qr_size + 12 * mm, 46 * mm)

    def draw(self) -> None:
        canvas, sheet = self.canv, self.sheet
        draw_qr(canvas, sheet.qr_text, x=0, y=self.height - self.qr_size, size=self.qr_size)
        canvas.setFont(self.font, 8)
        canvas.setFillColor(colors.HexColor("#333333"))
        canvas.drawString(0, self.height - self.qr_size - 4 * mm, sheet.qr_caption)
        if sheet.extra_qr_text:
            x = self.qr_size + 10 * mm
            draw_qr(canvas, sheet.extra_qr_text, x=x, y=self.height - self.qr_size, size=self.qr_size)
            canvas.drawString(x, self.height - self.qr_size - 4 * mm, sheet.extra_qr_caption)
        right = self.width
        canvas.setFillColor(colors.black)
        canvas.setFont(self.font, 12)
        canvas.drawRightString(right, 22 * mm, sheet.agency_name)
        canvas.drawRightString(right, 14 * mm, chinese_date(sheet.issued_on))
        name_width = canvas.stringWidth(sheet.agency_name, self.font, 12)
        centre_x = right - max(name_width, 40 * mm) / 2
        seals.draw_seal(
            canvas, x=centre_x, y=20 * mm, radius=21 * mm, issuer_name=sheet.seal_issuer,
            bottom_text=sheet.seal_bottom, font=self.font,
        )


def _footer(sheet: Sheet, font: str):
    def draw(canvas, doc) -> None:
        canvas.saveState()
        canvas.setFont(font, 7.5)
        canvas.setFillColor(colors.HexColor("#555555"))
        canvas.setStrokeColor(GRID)
        canvas.line(MARGIN, 14 * mm, A4[0] - MARGIN, 14 * mm)
        canvas.drawString(MARGIN, 10 * mm, FOOTER)
        canvas.drawString(MARGIN, 6.5 * mm, f"核验地址：{sheet.verify_url}")
        canvas.drawRightString(A4[0] - MARGIN, 10 * mm, f"第 {doc.page} 页")
        canvas.restoreState()

    return draw


def render_pdf(sheet: Sheet) -> bytes:
    """The A4 PDF of one sheet; the same sheet gives the same bytes (ReportLab invariant mode)."""
    font = register_cjk_font()
    s = styles(font, base=11)
    number_style = s["small"].clone("number", alignment=TA_RIGHT)
    story: list[Flowable] = [
        para(sheet.agency_name, s["subtitle"]), para(sheet.title, s["title"]),
        para(f"文书编号：{sheet.number}", number_style),
    ]
    if sheet.case_number:
        story.append(para(f"办件编号：{sheet.case_number}", number_style))
    story.append(Spacer(1, 4 * mm))
    if sheet.fields:
        rows = [[para(label, s["label"]), para(value or "—", s["cell"])] for label, value in sheet.fields]
        table = Table(rows, colWidths=[34 * mm, FRAME_WIDTH - 34 * mm])
        table.setStyle(TableStyle([
            ("GRID", (0, 0), (-1, -1), 0.5, GRID), ("BACKGROUND", (0, 0), (0, -1), LABEL_BG),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ]))
        story.extend([table, Spacer(1, 4 * mm)])
    story.extend(para(text, s["body"]) for text in sheet.paragraphs)
    qr_size = 30 * mm if len(sheet.qr_text) < 200 else 42 * mm
    story.extend([Spacer(1, 8 * mm), SealBlock(sheet, font, qr_size)])
    return build_pdf(story, title=sheet.title, on_page=_footer(sheet, font))
