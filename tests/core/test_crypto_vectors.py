"""Our SM3 and SM2 against the published test vectors in shared/data/testvectors (GB/T 32905, GB/T 32918)."""

from __future__ import annotations

import hashlib
import json
import os
import re
from pathlib import Path
from types import SimpleNamespace

import pytest
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from gmssl.sm2 import default_ecc_table

from tongban.core import sm2
from tongban.core.crypto import Keyring
from tongban.core.security import sm3_hex, token_hash

# The project's shared/ beside the checkout (as in CI; TONGBAN_SHARED_DIR points elsewhere); a clone on its own
# reads the copy committed beside this test (the same published vectors), so `make test` passes anywhere.
SHARED = Path(os.environ.get("TONGBAN_SHARED_DIR") or Path(__file__).resolve().parents[2].parent / "shared")
VECTORS_FILE = next(p for p in (SHARED / "data" / "testvectors" / "sm2_sm3_vectors.json",
                                Path(__file__).parent / "data" / "sm2_sm3_vectors.json") if p.is_file())
VECTORS = json.loads(VECTORS_FILE.read_text(encoding="utf-8"))
PRODUCTION = [v for v in VECTORS["sm2_sign"] if "curve" not in v]  # sm2p256v1, the curve we sign with
OTHER_CURVE = [v for v in VECTORS["sm2_sign"] if "curve" in v]  # the standard's 256-bit test curve


def message_of(vector: dict) -> bytes:
    """The vector's message: plain ASCII, or "abcd x16 (64 bytes)" for a repeated block."""
    text = vector["msg_ascii"]
    repeated = re.fullmatch(r"(\S+) x(\d+) \((\d+) bytes\)", text)
    if repeated is None:
        return text.encode("ascii")
    block, times, size = repeated.group(1).encode("ascii"), int(repeated.group(2)), int(repeated.group(3))
    assert len(block) * times == size, text
    return block * times


def signature_of(vector: dict) -> bytes:
    return encode_dss_signature(int(vector["r"], 16), int(vector["s"], 16))


def test_the_vectors_are_there():
    assert len(VECTORS["sm3"]) >= 2 and PRODUCTION and OTHER_CURVE


@pytest.mark.parametrize("vector", VECTORS["sm3"], ids=lambda v: v["msg_ascii"])
def test_sm3_matches_the_standard(vector):
    assert sm3_hex(message_of(vector)) == vector["digest"].lower()


def test_what_is_built_on_sm3_agrees_with_the_standard():
    """Token hashes and the HMAC-SM3 lookup index use the same SM3 (HMAC per RFC 2104 over SM3's 64-byte block)."""
    vector = VECTORS["sm3"][0]
    assert token_hash(message_of(vector).decode("ascii")) == vector["digest"].lower()
    key = bytes(range(32))
    ring = Keyring(data_key=bytes(16), index_key=key)
    message = b"id\x1f" + message_of(vector)
    inner = hashlib.new("sm3", bytes(b ^ 0x36 for b in key.ljust(64, b"\0")) + message).digest()
    outer = hashlib.new("sm3", bytes(b ^ 0x5C for b in key.ljust(64, b"\0")) + inner).hexdigest()
    assert ring.index("id", message_of(vector).decode("ascii")) == outer


@pytest.mark.parametrize("vector", PRODUCTION, ids=lambda v: v["ref"][:20])
def test_sm2_key_and_message_digest_match_the_standard(vector):
    public_hex = (vector["Px"] + vector["Py"]).lower()
    assert sm2.public_from_private(vector["d"]) == public_hex
    assert sm2.check_public_hex(public_hex) == public_hex
    e = sm2.digest(public_hex, vector["msg"].encode("ascii"), uid=vector["user_id"].encode("ascii"))
    assert e.hex() == vector["e"].lower()
    # e = SM3(Z || M) with the standard's own Z: our SM3 and the vector agree on the last step too
    assert sm3_hex(bytes.fromhex(vector["Z"]) + vector["msg"].encode("ascii")) == vector["e"].lower()


@pytest.mark.parametrize("vector", PRODUCTION, ids=lambda v: v["ref"][:20])
def test_sm2_verifies_the_standard_signature_and_nothing_else(vector):
    public_hex = vector["Px"] + vector["Py"]
    message, uid, signature = vector["msg"].encode("ascii"), vector["user_id"].encode("ascii"), signature_of(vector)
    assert sm2.verify(public_hex, message, signature, uid=uid)
    if uid == sm2.DEFAULT_ID:  # the standard's example uses the default signer ID we sign with
        assert sm2.verify(public_hex, message, signature)
    r, s = int(vector["r"], 16), int(vector["s"], 16)
    assert not sm2.verify(public_hex, message + b".", signature, uid=uid)
    assert not sm2.verify(public_hex, message, signature, uid=b"ALICE123@YAHOO.COM")
    assert not sm2.verify(public_hex, message, encode_dss_signature(r, s ^ 1), uid=uid)
    assert not sm2.verify(public_hex, message, encode_dss_signature(s, r), uid=uid)
    other = sm2.generate_keypair()
    assert not sm2.verify(other.public_hex, message, signature, uid=uid)
    # the PEM form of the key, as documents publish it, verifies the same signature
    pem_key = sm2.load_public_key_pem(sm2.public_key_pem(public_hex))
    assert sm2.verify(pem_key, message, signature, uid=uid)


@pytest.mark.parametrize("vector", PRODUCTION, ids=lambda v: v["ref"][:20])
def test_sm2_signing_with_the_standard_nonce_gives_the_standard_signature(vector, monkeypatch):
    """sign() draws k from `secrets`; fixing that draw to the vector's k must give exactly its r and s."""
    k = int(vector["k"], 16)
    monkeypatch.setattr(sm2, "secrets", SimpleNamespace(randbelow=lambda bound: k - 1))
    keys = sm2.KeyPair(private_hex=vector["d"].lower(), public_hex=(vector["Px"] + vector["Py"]).lower())
    signature = sm2.sign(keys, vector["msg"].encode("ascii"), uid=vector["user_id"].encode("ascii"))
    assert signature == signature_of(vector)


@pytest.mark.parametrize("vector", PRODUCTION, ids=lambda v: v["ref"][:20])
def test_sm2_sign_then_verify_with_the_standard_key(vector):
    keys = sm2.KeyPair(private_hex=vector["d"].lower(), public_hex=(vector["Px"] + vector["Py"]).lower())
    message, uid = vector["msg"].encode("ascii"), vector["user_id"].encode("ascii")
    first, second = sm2.sign(keys, message, uid=uid), sm2.sign(keys, message, uid=uid)
    assert first != second  # a fresh secret nonce each time
    assert sm2.verify(keys.public_hex, message, first, uid=uid) and sm2.verify(keys.public_hex, message, second, uid=uid)


def use_curve(monkeypatch, curve: dict) -> None:
    """Run the sm2 module on another curve: it reads the parameters from its globals and gmssl's table."""
    table = {"p": curve["p"], "a": curve["a"], "b": curve["b"], "n": curve["n"], "g": curve["Gx"] + curve["Gy"]}
    for name, value in table.items():
        monkeypatch.setitem(default_ecc_table, name, value.lower())
    for name in ("p", "n", "a", "b"):
        monkeypatch.setattr(sm2, name.upper(), int(curve[name], 16))
    monkeypatch.setattr(sm2, "_G_HEX", table["g"].lower())


@pytest.mark.parametrize("vector", OTHER_CURVE, ids=lambda v: v["ref"][:20])
def test_sm2_on_the_standards_test_curve(vector, monkeypatch):
    """The second example of GB/T 32918.2 is on a test curve we never sign with: our Z, e, signing and
    verification, run on that curve's parameters, give its r and s; on our curve its key is refused."""
    message, uid = vector["msg"].encode("ascii"), vector["user_id"].encode("ascii")
    k = int(vector["k"], 16)
    with monkeypatch.context() as patched:
        use_curve(patched, vector["curve"])
        public_hex = sm2.public_from_private(vector["d"])
        assert sm2.check_public_hex(public_hex) == public_hex
        patched.setattr(sm2, "secrets", SimpleNamespace(randbelow=lambda bound: k - 1))
        signature = sm2.sign(sm2.KeyPair(private_hex=vector["d"].lower(), public_hex=public_hex), message, uid=uid)
        assert signature == signature_of(vector)
        assert sm2.verify(public_hex, message, signature, uid=uid)
        assert not sm2.verify(public_hex, message + b".", signature, uid=uid)
    with pytest.raises(sm2.KeyFormatError):
        sm2.check_public_hex(public_hex)
    assert not sm2.verify(public_hex, message, signature_of(vector), uid=uid)
