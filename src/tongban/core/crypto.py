"""Personal data at rest: SM4-GCM encryption and a keyed HMAC-SM3 lookup index (GB/T 32907, 32905)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
import threading
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from sqlalchemy import Text
from sqlalchemy.types import TypeDecorator

from tongban.core.config import get_settings
from tongban.core.logs import get_logger

log = get_logger(__name__)

_PREFIX = "sm4g1:"  # scheme and key version, so keys can be rotated later without guessing
_BYTES_PREFIX = b"SM4G1"


class KeyConfigError(Exception):
    """The configured keys are missing or malformed; the process must not start with them."""


@dataclass(frozen=True)
class Keyring:
    data_key: bytes  # 16 bytes, SM4
    index_key: bytes  # 32 bytes, HMAC-SM3
    _sm4: algorithms.SM4 = field(init=False, repr=False, compare=False)  # the key object, made once, not per value

    def __post_init__(self) -> None:
        object.__setattr__(self, "_sm4", algorithms.SM4(self.data_key))

    def encrypt(self, clear: str) -> str:
        nonce = os.urandom(12)
        encryptor = Cipher(self._sm4, modes.GCM(nonce)).encryptor()
        body = encryptor.update(clear.encode("utf-8")) + encryptor.finalize()
        return _PREFIX + base64.b64encode(nonce + body + encryptor.tag).decode("ascii")

    def decrypt(self, stored: str) -> str:
        if not stored.startswith(_PREFIX):
            raise ValueError("not an encrypted value")
        raw = base64.b64decode(stored[len(_PREFIX):])
        nonce, body, tag = raw[:12], raw[12:-16], raw[-16:]
        decryptor = Cipher(self._sm4, modes.GCM(nonce, tag)).decryptor()
        try:
            return (decryptor.update(body) + decryptor.finalize()).decode("utf-8")
        except InvalidTag:
            raise ValueError("encrypted value was altered or the data key is wrong") from None

    def encrypt_bytes(self, clear: bytes) -> bytes:
        """Files at rest (uploaded materials): nonce, ciphertext and tag in one blob."""
        nonce = os.urandom(12)
        encryptor = Cipher(self._sm4, modes.GCM(nonce)).encryptor()
        body = encryptor.update(clear) + encryptor.finalize()
        return _BYTES_PREFIX + nonce + body + encryptor.tag

    def decrypt_bytes(self, stored: bytes) -> bytes:
        if not stored.startswith(_BYTES_PREFIX):
            raise ValueError("not an encrypted file")
        raw = stored[len(_BYTES_PREFIX):]
        nonce, body, tag = raw[:12], raw[12:-16], raw[-16:]
        decryptor = Cipher(self._sm4, modes.GCM(nonce, tag)).decryptor()
        try:
            return decryptor.update(body) + decryptor.finalize()
        except InvalidTag:
            raise ValueError("encrypted file was altered or the data key is wrong") from None

    def index(self, purpose: str, value: str) -> str:
        """A keyed hash to find a row by a secret value without storing the value in clear."""
        message = f"{purpose}\x1f{value}".encode("utf-8")
        return hmac.new(self.index_key, message, lambda: hashlib.new("sm3")).hexdigest()


def _parse(hex_value: str, size: int, name: str) -> bytes:
    try:
        raw = bytes.fromhex(hex_value.strip())
    except ValueError:
        raise KeyConfigError(f"{name} must be hexadecimal") from None
    if len(raw) != size:
        raise KeyConfigError(f"{name} must be {size} bytes ({size * 2} hex digits)")
    return raw


def _read_key_file(path: Path) -> dict[str, str]:
    values: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        name, sep, value = line.partition("=")
        if sep and not line.lstrip().startswith("#"):
            values[name.strip()] = value.strip()
    return values


def _create_key_file(path: Path) -> None:
    """First run of a development install: make keys once, readable by the owner only."""
    path.parent.mkdir(parents=True, exist_ok=True)
    body = (
        "# tongban keys for personal data. Back this file up; without it encrypted data is lost.\n"
        f"TONGBAN_DATA_KEY={secrets.token_hex(16)}\nTONGBAN_INDEX_KEY={secrets.token_hex(32)}\n"
    )
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(body)
    log.warning("generated new personal-data keys", extra={"key_file": str(path)})


def load_keyring() -> Keyring:
    settings = get_settings()
    data_key, index_key = settings.data_key, settings.index_key
    if not (data_key and index_key):
        path = settings.key_file
        if not path.exists():
            try:
                _create_key_file(path)
            except FileExistsError:
                pass  # another process made it first; read theirs
        values = _read_key_file(path)
        data_key = data_key or values.get("TONGBAN_DATA_KEY", "")
        index_key = index_key or values.get("TONGBAN_INDEX_KEY", "")
    return Keyring(_parse(data_key, 16, "TONGBAN_DATA_KEY"), _parse(index_key, 32, "TONGBAN_INDEX_KEY"))


_keyring: Keyring | None = None
_lock = threading.Lock()


def keyring() -> Keyring:
    global _keyring
    if _keyring is None:
        with _lock:
            if _keyring is None:
                _keyring = load_keyring()
    return _keyring


def use_keyring(ring: Keyring | None) -> None:
    """Tests and tools may install a keyring explicitly; None reloads from settings on next use."""
    global _keyring
    _keyring = ring


def lookup_hash(purpose: str, value: str) -> str:
    return keyring().index(purpose, value)


class EncryptedText(TypeDecorator):
    """A text column stored SM4-encrypted; the clear value never reaches the database."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect) -> str | None:
        return None if value is None else keyring().encrypt(value)

    def process_result_value(self, value: str | None, dialect) -> str | None:
        return None if value is None else keyring().decrypt(value)
