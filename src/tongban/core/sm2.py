"""SM2 signatures with SM3 (GB/T 32918.2, GB/T 35276) that OpenSSL 3 verifies: the e-seal's key (003 七).

The curve arithmetic is gmssl's (pure Python); this module adds what gmssl leaves out or gets
wrong for our use: secret nonces and keys from `secrets` (gmssl's own come from `random`), the
Z value computed with hashlib's SM3 over the exact bytes (so a large PDF is hashed at OpenSSL
speed), range checks on r and s, a check that a public key is a point on the curve, and the
standard encodings: DER `SEQUENCE{r, s}` signatures and PEM SubjectPublicKeyInfo keys
(id-ecPublicKey with the SM2 curve 1.2.156.10197.1.301).

The signer's ID is the standard default "1234567812345678" (GB/T 35276). OpenSSL 3.0 does NOT
use it by default (it hashes an empty ID), so the ID must be given to check a detached
signature; tested in tests/cases/test_seals.py against OpenSSL 3.0.19::

    openssl dgst -sm3 -verify seal.pem -signature doc.sig -sigopt distid:1234567812345678 doc.pdf

(and `openssl dgst -sm3 -sign key.pem -sigopt distid:1234567812345678` makes signatures that
`verify` here accepts). Timing on one core of the development machine: about 8 ms to sign and
13 ms to verify, plus SM3 over the data at OpenSSL speed.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature
from gmssl.sm2 import CryptSM2, default_ecc_table

DEFAULT_ID = b"1234567812345678"
CURVE_OID = "1.2.156.10197.1.301"
P = int(default_ecc_table["p"], 16)
N = int(default_ecc_table["n"], 16)
A = int(default_ecc_table["a"], 16)
B = int(default_ecc_table["b"], 16)
_G_HEX = default_ecc_table["g"]
# SEQUENCE { SEQUENCE { id-ecPublicKey, sm2 }, BIT STRING { 00 04 || x || y } }: only x and y vary.
_SPKI_PREFIX = bytes.fromhex("3059301306072a8648ce3d020106082a811ccf5501822d03420004")
_PEM_HEADER, _PEM_FOOTER = "-----BEGIN PUBLIC KEY-----", "-----END PUBLIC KEY-----"


class KeyFormatError(ValueError):
    """A key or signature that is not well-formed SM2; callers turn it into a domain error."""


@dataclass(frozen=True)
class KeyPair:
    private_hex: str  # 64 hex digits, d in [1, n-2]
    public_hex: str  # 128 hex digits, x || y, without the 04 prefix


def _engine(private_hex: str, public_hex: str) -> CryptSM2:
    engine = CryptSM2(private_key=private_hex, public_key="")
    # Set directly: gmssl's constructor strips "04" with lstrip, which also eats a leading 0 or 4 of x.
    engine.public_key = public_hex
    return engine


def _on_curve(x: int, y: int) -> bool:
    return 0 <= x < P and 0 <= y < P and (y * y - (x * x * x + A * x + B)) % P == 0


def check_public_hex(public_hex: str) -> str:
    """The key as 128 lower-case hex digits, or KeyFormatError when it is not a point on the curve."""
    value = public_hex.lower().removeprefix("04") if len(public_hex) == 130 else public_hex.lower()
    try:
        x, y = int(value[:64], 16), int(value[64:], 16)
    except ValueError:
        raise KeyFormatError("public key is not hexadecimal") from None
    if len(value) != 128 or not _on_curve(x, y):
        raise KeyFormatError("public key is not a point on the SM2 curve")
    return value


def public_from_private(private_hex: str) -> str:
    d = int(private_hex, 16)
    if not 1 <= d <= N - 2:
        raise KeyFormatError("private key is out of range")
    return _engine(f"{d:064x}", "")._kg(d, _G_HEX)


def generate_keypair() -> KeyPair:
    d = secrets.randbelow(N - 2) + 1
    private_hex = f"{d:064x}"
    return KeyPair(private_hex=private_hex, public_hex=public_from_private(private_hex))


def digest(public_hex: str, data: bytes, *, uid: bytes = DEFAULT_ID) -> bytes:
    """e = SM3(Z || M), where Z binds the signer's ID and public key to the curve."""
    z_input = (
        (len(uid) * 8).to_bytes(2, "big") + uid
        + A.to_bytes(32, "big") + B.to_bytes(32, "big") + bytes.fromhex(_G_HEX) + bytes.fromhex(public_hex)
    )
    z = hashlib.new("sm3", z_input).digest()
    return hashlib.new("sm3", z + data).digest()


def sign(keys: KeyPair, data: bytes, *, uid: bytes = DEFAULT_ID) -> bytes:
    """A detached signature of `data` as DER SEQUENCE{r, s}."""
    e = digest(keys.public_hex, data, uid=uid)
    engine = _engine(keys.private_hex, keys.public_hex)
    while True:
        k = secrets.randbelow(N - 1) + 1
        raw = engine.sign(e, f"{k:064x}")
        if raw is not None:  # r = 0, r + k = n or s = 0: astronomically rare, draw another k
            return encode_dss_signature(int(raw[:64], 16), int(raw[64:], 16))


def decode_signature(signature: bytes) -> tuple[int, int]:
    try:
        r, s = decode_dss_signature(bytes(signature))
    except (ValueError, TypeError):
        raise KeyFormatError("signature is not DER SEQUENCE{r, s}") from None
    if not (1 <= r < N and 1 <= s < N):
        raise KeyFormatError("signature values are out of range")
    return r, s


def verify(public_hex: str, data: bytes, signature: bytes, *, uid: bytes = DEFAULT_ID) -> bool:
    """True only for a valid signature by this key over exactly these bytes."""
    try:
        public_hex = check_public_hex(public_hex)
        r, s = decode_signature(signature)
    except KeyFormatError:
        return False
    if (r + s) % N == 0:
        return False
    e = digest(public_hex, data, uid=uid)
    return bool(_engine("", public_hex).verify(f"{r:064x}{s:064x}", e))


def public_key_der(public_hex: str) -> bytes:
    return _SPKI_PREFIX + bytes.fromhex(check_public_hex(public_hex))


def public_key_pem(public_hex: str) -> str:
    body = base64.b64encode(public_key_der(public_hex)).decode("ascii")
    lines = [body[i:i + 64] for i in range(0, len(body), 64)]
    return "\n".join([_PEM_HEADER, *lines, _PEM_FOOTER]) + "\n"


def load_public_key_pem(pem: str) -> str:
    """The x || y hex of an SM2 SubjectPublicKeyInfo PEM (uncompressed point), e.g. from `openssl pkey -pubout`."""
    text = (pem or "").strip()
    if not (text.startswith(_PEM_HEADER) and text.endswith(_PEM_FOOTER)):
        raise KeyFormatError("not a PEM public key")
    try:
        der = base64.b64decode("".join(text[len(_PEM_HEADER):-len(_PEM_FOOTER)].split()), validate=True)
    except ValueError:
        raise KeyFormatError("PEM body is not base64") from None
    if len(der) != len(_SPKI_PREFIX) + 64 or not der.startswith(_SPKI_PREFIX):
        raise KeyFormatError("not an SM2 public key with an uncompressed point")
    return check_public_hex(der[len(_SPKI_PREFIX):].hex())


def fingerprint(public_hex: str) -> str:
    """SM3 of the SubjectPublicKeyInfo DER, in hex: how documents and QR codes name the key."""
    return hashlib.new("sm3", public_key_der(public_hex)).hexdigest()
