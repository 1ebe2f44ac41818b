"""Public verification of sealed documents and e-licences: pages, downloads and JSON (LIC-01, LIC-02; 003 七).

Anyone holding a document number or a licence QR code can check it here without signing in, so
these pages show no full ID number and a person's name only by its first character. A licence number
alone (numbers are sequential) shows only whether it is valid and who issued it; the holder needs the
QR code or the check code printed on the licence.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup
from sqlalchemy.orm import Session

from tongban.cases import documents, licences, seals
from tongban.cases.documents import NoticeKind
from tongban.catalog import reads as catalog_reads
from tongban.core.clock import SHANGHAI, Clock
from tongban.core.errors import DomainError
from tongban.web.deps import Db, Now, client_ip
from tongban.web.rendering import render

router = APIRouter(tags=["verify"])
CheckCode = Annotated[str, Query(max_length=20, description="证照上印制的核验码")]
OPENSSL_HINT = "openssl dgst -sm3 -verify seal.pem -signature {number}.sig -sigopt distid:1234567812345678 {number}.pdf"


# --- documents -------------------------------------------------------------------------------------

def _document_facts(db: Session, document: documents.Document) -> dict:
    agency = catalog_reads.find_agency(db_session=db, agency_id=document.agency_id)
    seal = seals.get(db_session=db, seal_id=document.seal_id)
    return {
        "number": document.number, "title": document.title, "kind": document.kind,
        "kind_label": NoticeKind(document.kind).label, "agency": agency.name if agency else "",
        "case_number": document.case_number, "issued_on": document.issued_on.isoformat(),
        "issued_at": document.created_at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M"),
        "sha256": document.sha256, "sm3": document.sm3, "signature_valid": documents.verify(db_session=db, document=document),
        "seal": {"name": seal.name, "fingerprint": seal.fingerprint, "retired": seal.revoked_at is not None},
        "algorithm": "SM2-with-SM3, ID 1234567812345678",
    }


def _document(db: Session, clock: Clock, number: str) -> documents.Document:
    return documents.ready(db_session=db, clock=clock, document=documents.get_by_number(db_session=db, number=number))


@router.get("/verify/documents/{number}", response_class=HTMLResponse, include_in_schema=False)
def document_page(request: Request, number: str, db: Db, clock: Now) -> HTMLResponse:
    document = _document(db, clock, number)
    seal = seals.get(db_session=db, seal_id=document.seal_id)
    return render(
        request, "cases/verify_document.html", facts=_document_facts(db, document),
        seal_image=Markup(seals.seal_svg(seal=seal, size=140)),
        openssl=OPENSSL_HINT.format(number=document.number),
    )


@router.get("/verify/documents/{number}/pdf", include_in_schema=False)
def document_pdf(number: str, db: Db, clock: Now) -> Response:
    document = _document(db, clock, number)
    return Response(
        bytes(document.pdf), media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{document.number}.pdf"'},
    )


@router.get("/verify/documents/{number}/sig", include_in_schema=False)
def document_signature(number: str, db: Db, clock: Now) -> Response:
    document = _document(db, clock, number)
    return Response(
        bytes(document.signature), media_type="application/octet-stream",
        headers={"Content-Disposition": f'attachment; filename="{document.number}.sig"'},
    )


@router.get("/verify/documents/{number}/seal.pem", include_in_schema=False)
def document_seal_key(number: str, db: Db, clock: Now) -> Response:
    document = _document(db, clock, number)
    seal = seals.get(db_session=db, seal_id=document.seal_id)
    return Response(
        seals.public_key_pem(seal=seal), media_type="application/x-pem-file",
        headers={"Content-Disposition": 'attachment; filename="seal.pem"'},
    )


@router.get("/api/v1/verify/documents/{number}", summary="核验电子文书")
def document_json(number: str, db: Db, clock: Now) -> dict:
    """The document's facts, hashes and whether its seal signature is valid."""
    return _document_facts(db, _document(db, clock, number))


# --- licences --------------------------------------------------------------------------------------

def _licence_facts(db: Session, clock: Clock, request: Request, number: str, code: str) -> dict:
    """By number: valid or not, the licence's name and its issuer. The holder (masked) and the validity dates
    only with the check code printed on the licence (licences.verify_by_number)."""
    found = licences.verify_by_number(db_session=db, clock=clock, number=number, code=code, client_ip=client_ip(request))
    db.commit()  # this address's lookup (and a wrong check code) is counted
    check, licence = found.online, found.online.licence
    facts = {
        "number": licence.number, "type_code": licence.type_code, "type_name": licence.type_name,
        "issuer": check.seal.issuer_name, "region_code": licence.region_code, "valid": found.valid,
        "status": "valid" if found.valid else "invalid", "status_label": "有效" if found.valid else "无效",
        "signature_valid": check.signature_ok, "document_valid": check.document_ok,
        "seal_fingerprint": check.seal.fingerprint, "holder_shown": found.holder_shown,
        "check_code_wrong": found.check_code_wrong,
    }
    if not found.holder_shown:
        return facts
    # Licence numbers are sequential, so no link to the PDF (it names the holder in full): the holder has it.
    return {
        **facts,
        "holder_kind": licence.subject_kind, "holder_kind_label": licences.SUBJECT_KINDS.get(licence.subject_kind, ""),
        "holder_name": licences.mask_holder_name(licence.subject_kind, licence.holder_name),
        "holder_identifier": licences.mask_identifier(licence.holder_id_kind, licence.holder_identifier),
        "valid_from": licence.valid_from.isoformat(), "valid_until": licence.valid_until.isoformat() if licence.valid_until else None,
        "licence_status": check.status.value, "licence_status_label": check.status.label,
        "revoked_at": licence.revoked_at.astimezone(SHANGHAI).strftime("%Y-%m-%d") if licence.revoked_at else None,
        "revoke_reason": licence.revoke_reason,
        "fields": licences.printed_fields(licence),  # the type's own fields as signed, personal ones masked
    }


def _offline_result(qr: str, db: Session, clock: Clock) -> dict:
    try:
        found = licences.verify_qr(qr, licences.trusted_keys(db_session=db))
    except DomainError as error:
        return {"valid": False, "code": error.code, "message": error.message}
    return {
        "valid": True, "number": found.number, "type_name": found.type_name, "issuer": found.issuer,
        "holder_name": licences.mask_holder_name(found.holder_kind, found.holder_name),
        "holder_identifier": found.holder_identifier, "region_code": found.region_code,
        "valid_from": found.valid_from.isoformat(), "valid_until": found.valid_until.isoformat() if found.valid_until else None,
        "expired": found.expired_on(clock.today()), "data": found.data, "fields": list(found.fields),
    }


@router.get("/verify/licences", response_class=HTMLResponse, include_in_schema=False)
def licence_qr_page(request: Request, db: Db, clock: Now, qr: Annotated[str, Query(max_length=4000)] = "") -> HTMLResponse:
    result = _offline_result(qr, db, clock) if qr.strip() else None
    return render(request, "cases/verify_qr.html", qr=qr, result=result)


@router.get("/verify/licences/{number}", response_class=HTMLResponse, include_in_schema=False)
def licence_page(request: Request, number: str, db: Db, clock: Now, code: CheckCode = "") -> HTMLResponse:
    return render(request, "cases/verify_licence.html", facts=_licence_facts(db, clock, request, number, code))


@router.get("/api/v1/verify/licences/{number}", summary="核验电子证照（凭核验码查看持证主体）")
def licence_json(request: Request, number: str, db: Db, clock: Now, code: CheckCode = "") -> dict:
    """By number: whether the licence is valid, its name and issuer. With `code`, the check code printed on the
    licence, also the holder (masked) and validity; a wrong code answers `check_code_wrong`."""
    return _licence_facts(db, clock, request, number, code)


@router.get("/api/v1/verify/licence-qr", summary="离线核验电子证照二维码")
def licence_qr_json(db: Db, clock: Now, qr: Annotated[str, Query(min_length=1, max_length=4000)]) -> dict:
    """The same check a verifier does offline: the QR text's signature against the trusted seal keys."""
    return _offline_result(qr, db, clock)


@router.get("/api/v1/verify/seal-keys", summary="受信任的电子印章公钥")
def seal_keys(db: Db) -> dict:
    """Every seal public key this platform trusts (fingerprint → PEM), for verifiers that work offline."""
    return {"keys": licences.trusted_keys(db_session=db)}
