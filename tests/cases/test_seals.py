"""Agencies' e-seals: SM2 keys OpenSSL 3 agrees with, encrypted at rest, one per agency (LIC-02)."""

from __future__ import annotations

import hashlib
import shutil
import subprocess

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy import text

from tests.factories import make_agency
from tongban.cases import seals
from tongban.core import sm2
from tongban.core.errors import Conflict, InvalidInput, NotFound

OPENSSL = shutil.which("openssl")
needs_openssl = pytest.mark.skipif(OPENSSL is None, reason="openssl is not installed")
DISTID = ["-sigopt", "distid:1234567812345678"]


def openssl_verify(tmp_path, *, pem: str, data: bytes, signature: bytes) -> subprocess.CompletedProcess:
    """The exact command the documentation gives people: detached SM2 signature, default ID."""
    (tmp_path / "seal.pem").write_text(pem)
    (tmp_path / "doc.bin").write_bytes(data)
    (tmp_path / "doc.sig").write_bytes(signature)
    return subprocess.run(
        [OPENSSL, "dgst", "-sm3", "-verify", str(tmp_path / "seal.pem"), "-signature", str(tmp_path / "doc.sig"),
         *DISTID, str(tmp_path / "doc.bin")],
        capture_output=True, text=True, timeout=30, check=False,
    )


@pytest.mark.req("LIC-02")
def test_an_agency_gets_one_seal_named_after_it(db_session, clock):
    agency = make_agency(db_session, name="广安市市场监督管理局")
    seal = seals.seal_for(db_session=db_session, clock=clock, agency_id=agency.id)
    again = seals.seal_for(db_session=db_session, clock=clock, agency_id=agency.id)
    assert again.id == seal.id
    assert seal.name == "广安市市场监督管理局政务服务专用章"
    assert seal.bottom_text == "政务服务专用章"
    assert seal.created_at == clock.now() and seal.revoked_at is None
    assert seal.fingerprint == hashlib.new("sm3", sm2.public_key_der(seal.public_hex)).hexdigest()
    assert seals.public_key_pem(seal=seal).startswith("-----BEGIN PUBLIC KEY-----")


@pytest.mark.req("LIC-02")
def test_the_private_key_is_stored_encrypted(db_session, clock):
    agency = make_agency(db_session)
    seal = seals.seal_for(db_session=db_session, clock=clock, agency_id=agency.id)
    db_session.commit()
    raw = db_session.execute(text("SELECT private_key FROM seal WHERE id = :id"), {"id": seal.id}).scalar_one()
    assert raw.startswith("sm4g1:")
    assert seal.private_key not in raw and seal.private_key.upper() not in raw
    db_session.expire_all()
    reloaded = seals.get(db_session=db_session, seal_id=seal.id)
    assert sm2.public_from_private(reloaded.private_key) == reloaded.public_hex


@pytest.mark.req("LIC-02")
@needs_openssl
def test_openssl_verifies_a_seal_signature_and_rejects_a_changed_byte(db_session, clock, tmp_path):
    agency = make_agency(db_session)
    data = b"%PDF-1.4 notice body " * 500
    signature, seal = seals.sign(db_session=db_session, clock=clock, agency_id=agency.id, data=data)
    assert seals.verify(seal=seal, data=data, signature=signature)
    good = openssl_verify(tmp_path, pem=seal.public_key_pem, data=data, signature=signature)
    assert good.returncode == 0, good.stderr
    assert "Verified OK" in good.stdout
    changed = data[:100] + bytes([data[100] ^ 1]) + data[101:]
    bad = openssl_verify(tmp_path, pem=seal.public_key_pem, data=changed, signature=signature)
    assert bad.returncode != 0
    assert not seals.verify(seal=seal, data=changed, signature=signature)


@pytest.mark.req("LIC-02")
@needs_openssl
def test_we_verify_what_openssl_signs_with_the_default_id(tmp_path):
    key, pub = tmp_path / "key.pem", tmp_path / "pub.pem"
    subprocess.run([OPENSSL, "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:SM2", "-out", str(key)], check=True, capture_output=True)
    subprocess.run([OPENSSL, "pkey", "-in", str(key), "-pubout", "-out", str(pub)], check=True, capture_output=True)
    (tmp_path / "data").write_bytes(b"licence payload")
    subprocess.run([OPENSSL, "dgst", "-sm3", "-sign", str(key), *DISTID, "-out", str(tmp_path / "sig"), str(tmp_path / "data")],
                   check=True, capture_output=True)
    public_hex = sm2.load_public_key_pem(pub.read_text())
    assert sm2.public_key_pem(public_hex).split() == pub.read_text().split()
    assert sm2.verify(public_hex, b"licence payload", (tmp_path / "sig").read_bytes())
    assert not sm2.verify(public_hex, b"licence payload!", (tmp_path / "sig").read_bytes())


def test_malformed_keys_and_signatures_are_refused():
    keys = sm2.generate_keypair()
    assert not sm2.verify(keys.public_hex, b"x", b"not der")
    assert not sm2.verify(keys.public_hex, b"x", b"")
    assert not sm2.verify("00" * 64, b"x", sm2.sign(keys, b"x"))
    p256 = ec.generate_private_key(ec.SECP256R1()).public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    with pytest.raises(sm2.KeyFormatError):
        sm2.load_public_key_pem(p256)
    with pytest.raises(sm2.KeyFormatError):
        sm2.load_public_key_pem("hello")
    with pytest.raises(sm2.KeyFormatError):
        sm2.check_public_hex("01" * 64)


def test_signatures_are_randomised_but_all_verify():
    keys = sm2.generate_keypair()
    first, second = sm2.sign(keys, b"same"), sm2.sign(keys, b"same")
    assert first != second
    assert sm2.verify(keys.public_hex, b"same", first) and sm2.verify(keys.public_hex, b"same", second)
    assert not sm2.verify(keys.public_hex, b"same", first, uid=b"another id")


@pytest.mark.req("LIC-02")
def test_a_retired_seal_signs_nothing_new_but_stays_trusted(db_session, clock):
    agency = make_agency(db_session)
    old = seals.seal_for(db_session=db_session, clock=clock, agency_id=agency.id)
    signature = seals.sign_with(seal=old, data=b"before")
    clock.advance(days=1)
    seals.retire(db_session=db_session, clock=clock, agency_id=agency.id)
    with pytest.raises(Conflict) as raised:
        seals.sign_with(seal=old, data=b"after")
    assert raised.value.code == "SEAL_RETIRED"
    new = seals.seal_for(db_session=db_session, clock=clock, agency_id=agency.id)
    assert new.id != old.id and new.fingerprint != old.fingerprint
    assert seals.verify(seal=old, data=b"before", signature=signature)
    assert set(seals.trusted_keys(db_session=db_session)) == {old.fingerprint, new.fingerprint}


@pytest.mark.req("LIC-01")
def test_another_regions_key_can_be_imported_and_trusted(db_session, clock):
    foreign = sm2.generate_keypair()
    pem = sm2.public_key_pem(foreign.public_hex)
    seal = seals.import_trusted_key(db_session=db_session, clock=clock, pem=pem, issuer_name="浙江省市场监督管理局", region_code="330000")
    assert seal.agency_id is None and seal.private_key is None and seal.is_foreign
    assert seals.trusted_keys(db_session=db_session)[seal.fingerprint] == pem
    assert seals.import_trusted_key(db_session=db_session, clock=clock, pem=pem, issuer_name="x", region_code="330000").id == seal.id
    with pytest.raises(Conflict):
        seals.sign_with(seal=seal, data=b"x")
    with pytest.raises(InvalidInput) as raised:
        seals.import_trusted_key(db_session=db_session, clock=clock, pem="garbage", issuer_name="x", region_code="330000")
    assert raised.value.code == "SEAL_KEY_FORMAT"


def test_unknown_agency_has_no_seal(db_session, clock):
    with pytest.raises(NotFound) as raised:
        seals.seal_for(db_session=db_session, clock=clock, agency_id=999_999)
    assert raised.value.code == "AGENCY_NOT_FOUND"


def test_seal_image_for_the_web_is_a_red_ring_star_and_names(db_session, clock):
    agency = make_agency(db_session, name="某市<行政>审批局")
    seal = seals.seal_for(db_session=db_session, clock=clock, agency_id=agency.id)
    svg = seals.seal_svg(seal=seal)
    assert svg.startswith("<svg") and "<circle" in svg and "<polygon" in svg
    assert seals.SEAL_RED in svg and "政务服务专用章" in svg
    assert "&lt;" in svg and "<行" not in svg  # names are escaped
