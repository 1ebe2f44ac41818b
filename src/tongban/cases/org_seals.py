"""Organisations' electronic seals over the materials they hand in (CASE-03; 002 8.3.4).

An organisation's seal is an SM2 key made for it on first use, its private half encrypted at rest.
Sealing a material signs its SHA-256 content hash, so staff (and anyone holding the public key)
can tell the file is the one the organisation handed in."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from tongban.cases.models import OrganisationSeal
from tongban.core import sm2
from tongban.core.clock import Clock


def seal_of(*, db_session: Session, clock: Clock, organisation_id: int) -> OrganisationSeal:
    seal = db_session.scalar(select(OrganisationSeal).where(OrganisationSeal.organisation_id == organisation_id))
    if seal is not None:
        return seal
    keys = sm2.generate_keypair()
    seal = OrganisationSeal(
        organisation_id=organisation_id, public_key_pem=sm2.public_key_pem(keys.public_hex), private_key=keys.private_hex,
        fingerprint=sm2.fingerprint(keys.public_hex), created_at=clock.now(),
    )
    db_session.add(seal)
    db_session.flush()
    return seal


def seal_material(*, db_session: Session, clock: Clock, organisation_id: int, sha256: str) -> tuple[str, str]:
    """The signature (hex DER) over the material's hash, and the seal's fingerprint."""
    seal = seal_of(db_session=db_session, clock=clock, organisation_id=organisation_id)
    keys = sm2.KeyPair(private_hex=seal.private_key, public_hex=sm2.load_public_key_pem(seal.public_key_pem))
    return sm2.sign(keys, sha256.encode("ascii")).hex(), seal.fingerprint


def verify_material(*, db_session: Session, organisation_id: int, sha256: str, signature_hex: str) -> bool:
    seal = db_session.scalar(select(OrganisationSeal).where(OrganisationSeal.organisation_id == organisation_id))
    if seal is None or not signature_hex:
        return False
    try:
        signature = bytes.fromhex(signature_hex)
    except ValueError:
        return False
    return sm2.verify(sm2.load_public_key_pem(seal.public_key_pem), sha256.encode("ascii"), signature)
