"""Agencies' electronic seals (电子印章): SM2 signing keys and the red seal image (LIC-02; 003 七).

Each agency has one active seal, made on first use. Its private key is stored SM4-encrypted
with the keyring; the public key is published (PEM) so anyone, offline and in any region, can
check what it signed. A retired seal (revoked_at set) signs nothing new but stays trusted for
what it signed before. Seals of other provinces' issuers are imported as public keys only
(agency_id and private key empty), so their licences are recognised here too (LIC-01).
"""

from __future__ import annotations

import math
from xml.sax.saxutils import escape

from sqlalchemy import bindparam, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tongban.cases.models import SEAL_SUFFIX, Seal
from tongban.catalog import reads as catalog_reads
from tongban.core import sm2
from tongban.core.clock import Clock
from tongban.core.db import Base
from tongban.core.errors import Conflict, InvalidInput, NotFound

SEAL_RED = "#d41f1f"


def _active(db_session: Session, agency_id: int) -> Seal | None:
    return db_session.execute(
        select(Seal).where(Seal.agency_id == agency_id, Seal.revoked_at.is_(None))
    ).scalar_one_or_none()


def seal_for(*, db_session: Session, clock: Clock, agency_id: int) -> Seal:
    """The agency's active seal, made with a new key the first time it is needed."""
    seal = _active(db_session, agency_id)
    if seal is not None:
        return seal
    agency = catalog_reads.find_agency(db_session=db_session, agency_id=agency_id)
    if agency is None:
        raise NotFound("AGENCY_NOT_FOUND", "未找到该实施机构，无法生成电子印章")
    keys = sm2.generate_keypair()
    seal = Seal(
        agency_id=agency.id, issuer_name=agency.name, name=agency.name + SEAL_SUFFIX, region_code=agency.region_code,
        public_key_pem=sm2.public_key_pem(keys.public_hex), private_key=keys.private_hex,
        fingerprint=sm2.fingerprint(keys.public_hex), created_at=clock.now(),
    )
    if insert_unique(db_session, seal):
        return seal
    existing = _active(db_session, agency_id)  # another request made the agency's seal at the same moment
    if existing is None:
        raise Conflict("SEAL_BUSY", "电子印章正在生成，请稍后重试")
    return existing


_SEAL = Seal.__table__
_ACTIVE_KEY = select(_SEAL.c.id, _SEAL.c.fingerprint).where(_SEAL.c.agency_id == bindparam("agency_key"),
                                                            _SEAL.c.revoked_at.is_(None))


def active_key(*, db_session: Session, clock: Clock, agency_id: int) -> tuple[int, str]:
    """(id, fingerprint) of the agency's active seal, read as one row; the seal is made first when there is none."""
    row = db_session.connection().execute(_ACTIVE_KEY, {"agency_key": agency_id}).first()
    if row is not None:
        return row.id, row.fingerprint
    seal = seal_for(db_session=db_session, clock=clock, agency_id=agency_id)
    return seal.id, seal.fingerprint


def insert_unique(db_session: Session, row: Base) -> bool:
    """Insert `row`; False when a unique key was taken meanwhile (PostgreSQL, inside a savepoint).

    SQLite gets no savepoint: pysqlite sends SAVEPOINT without BEGIN when it is the transaction's
    first statement, and its RELEASE would then commit early; SQLite's single writer lock keeps two
    inserts from racing anyway (the loser gets "database is locked" and nothing half-written).
    """
    if db_session.get_bind().dialect.name == "sqlite":
        db_session.add(row)
        db_session.flush()
        return True
    try:
        with db_session.begin_nested():
            db_session.add(row)
            db_session.flush()
    except IntegrityError:
        return False
    return True


def get(*, db_session: Session, seal_id: int) -> Seal:
    seal = db_session.get(Seal, seal_id)
    if seal is None:
        raise NotFound("SEAL_NOT_FOUND", "未找到该电子印章")
    return seal


def sign_with(*, seal: Seal, data: bytes) -> bytes:
    """A detached SM2 signature (DER) of exactly `data` by this seal."""
    if seal.private_key is None:
        raise Conflict("SEAL_NOT_OURS", "这是外部发证机关的公钥，本平台不能用它签章")
    if seal.revoked_at is not None:
        raise Conflict("SEAL_RETIRED", "该电子印章已停用，不能再签章")
    keys = sm2.KeyPair(private_hex=seal.private_key, public_hex=seal.public_hex)
    return sm2.sign(keys, data)


def sign(*, db_session: Session, clock: Clock, agency_id: int, data: bytes) -> tuple[bytes, Seal]:
    seal = seal_for(db_session=db_session, clock=clock, agency_id=agency_id)
    return sign_with(seal=seal, data=data), seal


def verify(*, seal: Seal, data: bytes, signature: bytes) -> bool:
    return sm2.verify(seal.public_hex, data, signature)


def public_key_pem(*, seal: Seal) -> str:
    return seal.public_key_pem


def retire(*, db_session: Session, clock: Clock, agency_id: int) -> Seal:
    """Stop signing with the agency's seal (key change); the next signature makes a new one."""
    seal = _active(db_session, agency_id)
    if seal is None:
        raise NotFound("SEAL_NOT_FOUND", "该机构没有在用的电子印章")
    seal.revoked_at = clock.now()
    db_session.flush()
    return seal


def import_trusted_key(
    *, db_session: Session, clock: Clock, pem: str, issuer_name: str, region_code: str, name: str = ""
) -> Seal:
    """Trust another issuer's published seal key (e.g. another province's), for cross-region checks."""
    try:
        public_hex = sm2.load_public_key_pem(pem)
    except sm2.KeyFormatError:
        raise InvalidInput("SEAL_KEY_FORMAT", "公钥格式不正确：应为 SM2 公钥的 PEM 文本（BEGIN PUBLIC KEY）") from None
    issuer_name = (issuer_name or "").strip()
    if not issuer_name or len(issuer_name) > 200:
        raise InvalidInput("SEAL_ISSUER_REQUIRED", "请填写发证机关名称（200字以内）")
    if not (region_code or "").isdigit() or len(region_code) > 12:
        raise InvalidInput("SEAL_REGION_FORMAT", "行政区划代码应为数字")
    fingerprint = sm2.fingerprint(public_hex)
    existing = db_session.execute(select(Seal).where(Seal.fingerprint == fingerprint)).scalar_one_or_none()
    if existing is not None:
        return existing
    seal = Seal(
        agency_id=None, issuer_name=issuer_name, name=(name or issuer_name + SEAL_SUFFIX)[:200], region_code=region_code,
        public_key_pem=sm2.public_key_pem(public_hex), private_key=None, fingerprint=fingerprint, created_at=clock.now(),
    )
    db_session.add(seal)
    db_session.flush()
    return seal


def trusted_keys(*, db_session: Session) -> dict[str, str]:
    """Every published seal key this platform trusts, ours and imported: fingerprint → PEM."""
    rows = db_session.execute(select(Seal.fingerprint, Seal.public_key_pem)).all()
    return {fingerprint: pem for fingerprint, pem in rows}


def by_fingerprint(*, db_session: Session, fingerprint: str) -> Seal | None:
    return db_session.execute(select(Seal).where(Seal.fingerprint == fingerprint)).scalar_one_or_none()


# --- the image ---------------------------------------------------------------------------------

def _star_points(cx: float, cy: float, outer: float, *, y_up: bool) -> list[tuple[float, float]]:
    inner = outer * 0.382
    points = []
    for i in range(10):
        angle = math.pi / 2 + i * math.pi / 5
        r = outer if i % 2 == 0 else inner
        dy = r * math.sin(angle)
        points.append((cx + r * math.cos(angle), cy + dy if y_up else cy - dy))
    return points


def _arc_layout(count: int, radius: float) -> tuple[float, list[float]]:
    """Font size and angles (degrees, counter-clockwise from east) for the issuer's name."""
    span = min(220.0, 22.0 * count + 10)
    size = min(radius * 0.24, radius * 0.74 * math.radians(span) / max(count, 1) * 0.9)
    if count == 1:
        return size, [90.0]
    step = span / (count - 1)
    return size, [90 + span / 2 - i * step for i in range(count)]


def draw_seal(canvas, *, x: float, y: float, radius: float, issuer_name: str, bottom_text: str, font: str) -> None:
    """Draw the seal centred at (x, y) on a ReportLab canvas: ring, star, name on the upper arc, purpose below."""
    canvas.saveState()
    canvas.setStrokeColor(SEAL_RED)
    canvas.setFillColor(SEAL_RED)
    canvas.setFillAlpha(0.88)
    canvas.setStrokeAlpha(0.88)
    canvas.setLineWidth(radius * 0.06)
    canvas.circle(x, y, radius * 0.94, stroke=1, fill=0)
    path = canvas.beginPath()
    points = _star_points(x, y, radius * 0.28, y_up=True)
    path.moveTo(*points[0])
    for point in points[1:]:
        path.lineTo(*point)
    path.close()
    canvas.drawPath(path, stroke=0, fill=1)
    size, angles = _arc_layout(len(issuer_name), radius)
    text_radius = radius * 0.84 - size * 0.5  # glyph centres; the ring's inner edge is at 0.91
    for char, angle in zip(issuer_name, angles):
        canvas.saveState()
        rad = math.radians(angle)
        canvas.translate(x + text_radius * math.cos(rad), y + text_radius * math.sin(rad))
        canvas.rotate(angle - 90)
        canvas.setFont(font, size)
        canvas.drawCentredString(0, -size * 0.36, char)
        canvas.restoreState()
    if bottom_text:
        bottom_size = min(radius * 0.17, radius * 1.2 / max(len(bottom_text), 1))
        canvas.setFont(font, bottom_size)
        canvas.drawCentredString(x, y - radius * 0.56, bottom_text)
    canvas.restoreState()


def seal_svg(*, seal: Seal, size: int = 160) -> str:
    """The same seal as an SVG for web pages (vector, red, no raster)."""
    r = size / 2
    star = " ".join(f"{px:.2f},{py:.2f}" for px, py in _star_points(r, r, r * 0.28, y_up=False))
    font_size, angles = _arc_layout(len(seal.issuer_name), r)
    text_radius = r * 0.84 - font_size * 0.5
    chars = []
    for char, angle in zip(seal.issuer_name, angles):
        rad = math.radians(angle)
        cx, cy = r + text_radius * math.cos(rad), r - text_radius * math.sin(rad)
        chars.append(
            f'<text x="{cx:.2f}" y="{cy:.2f}" font-size="{font_size:.2f}" text-anchor="middle" dominant-baseline="central" '
            f'transform="rotate({90 - angle:.2f} {cx:.2f} {cy:.2f})">{escape(char)}</text>'
        )
    bottom = seal.bottom_text
    bottom_size = min(r * 0.17, r * 1.2 / max(len(bottom), 1))
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{size}" height="{size}" viewBox="0 0 {size} {size}" '
        f'role="img" aria-label="{escape(seal.name, {chr(34): "&quot;"})}">'
        f'<g fill="{SEAL_RED}" stroke="none" opacity="0.9">'
        f'<circle cx="{r}" cy="{r}" r="{r * 0.94:.2f}" fill="none" stroke="{SEAL_RED}" stroke-width="{r * 0.06:.2f}"/>'
        f'<polygon points="{star}"/>{"".join(chars)}'
        f'<text x="{r}" y="{r + r * 0.56:.2f}" font-size="{bottom_size:.2f}" text-anchor="middle">{escape(bottom)}</text>'
        "</g></svg>"
    )
