"""Hashing and token helpers built on the national SM3 hash (GB/T 32905)."""

from __future__ import annotations

import hashlib
import hmac
import secrets


def sm3_hex(data: bytes) -> str:
    return hashlib.new("sm3", data).hexdigest()


def new_token(prefix: str = "tbs") -> str:
    """A bearer token shown once; only its hash is stored."""
    return f"{prefix}_{secrets.token_urlsafe(32)}"


def token_hash(token: str) -> str:
    return sm3_hex(token.encode("utf-8"))


def same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())
