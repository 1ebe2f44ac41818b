"""Password hashing (argon2id), strength rules and random initial passwords (003 窗口注册)."""

from __future__ import annotations

import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from tongban.core.errors import InvalidInput

_hasher = PasswordHasher()
# No 0/O, 1/l/I: the initial password is read out or printed for a person at a window.
_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789"
# Hashing a throwaway password when no account matches keeps the answer time the same.
_DUMMY = _hasher.hash("tongban-no-such-account")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def check_password(stored: str | None, password: str) -> bool:
    try:
        return _hasher.verify(stored or _DUMMY, password) and stored is not None
    except (VerificationError, InvalidHashError):
        return False


def initial_password() -> str:
    while True:
        candidate = "".join(secrets.choice(_ALPHABET) for _ in range(10))
        if any(c.isdigit() for c in candidate) and any(c.isalpha() for c in candidate):
            return candidate


def check_strength(password: str, *, id_number: str | None = None, phone: str | None = None) -> None:
    if len(password) < 8:
        raise InvalidInput("PASSWORD_WEAK", "密码至少 8 位")
    if len(password) > 128:
        raise InvalidInput("PASSWORD_WEAK", "密码不能超过 128 位")
    if not (any(c.isdigit() for c in password) and any(c.isalpha() for c in password)):
        raise InvalidInput("PASSWORD_WEAK", "密码须同时包含字母和数字")
    for secret in (id_number, phone):
        if secret and (password in secret or secret[-6:] in password):
            raise InvalidInput("PASSWORD_WEAK", "密码不能包含证件号码或手机号码")
