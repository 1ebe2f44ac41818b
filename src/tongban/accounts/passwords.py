"""Password hashing (argon2id), strength rules after 等保 practice and random initial passwords (003 窗口注册)."""

from __future__ import annotations

import secrets
from functools import cache
from importlib import resources

from argon2 import Parameters, PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from tongban.core.errors import InvalidInput

_hasher = PasswordHasher()
# No 0/O, 1/l/I: the initial password is read out or printed for a person at a window.
_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789"
# Hashing a throwaway password when no account matches keeps the answer time the same.
_DUMMY = _hasher.hash("tongban-no-such-account")


def use_parameters(parameters: Parameters) -> None:
    """Hash new passwords with these argon2 parameters from now on. The test suite uses argon2's own
    `profiles.CHEAPEST` (its documented profile for tests): thousands of accounts are made there, and a hash of the
    default cost takes a tenth of a second. Hashes made with other parameters still verify: each hash names its own."""
    global _hasher
    _hasher = PasswordHasher.from_parameters(parameters)


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


MIN_LENGTH = 10
PASSPHRASE_LENGTH = 16  # from this length a phrase of plain words is strong enough without digits
MAX_LENGTH = 128
_EDGES = "0123456789!@#$%^&*()-_=+.,;:?~`'\"[]{}<>/\\| "


@cache
def common_passwords() -> frozenset[str]:
    """The shipped list of the most common passwords, lower case."""
    text = resources.files("tongban.accounts").joinpath("data/common-passwords.txt").read_text(encoding="utf-8")
    return frozenset(line.strip().lower() for line in text.splitlines() if line.strip() and not line.startswith("#"))


def _is_common(password: str) -> bool:
    lowered = password.lower()
    core = lowered.strip(_EDGES)  # "Password2026!" is "password" with a year and a mark
    common = common_passwords()
    return lowered in common or (len(core) >= 4 and core in common) or len(set(lowered)) <= 2


def _personal_fragments(id_number: str | None, phone: str | None) -> list[str]:
    fragments = []
    for secret in (id_number, phone):
        if secret:
            fragments += [secret.lower(), secret[-6:].lower()]
    if id_number and len(id_number) == 18:
        fragments.append(id_number[6:14])  # the birth date in a resident ID
    return [f for f in fragments if len(f) >= 6]


def check_strength(password: str, *, id_number: str | None = None, phone: str | None = None) -> None:
    """At least 10 characters mixing letters with digits or symbols, or a passphrase of 16; not a common password;
    not built on the holder's ID number or phone (等保 identity authentication practice)."""
    if len(password) > MAX_LENGTH:
        raise InvalidInput("PASSWORD_WEAK", f"密码不能超过 {MAX_LENGTH} 位")
    if len(password) < MIN_LENGTH:
        raise InvalidInput("PASSWORD_WEAK", f"密码至少 {MIN_LENGTH} 位；也可以用 {PASSPHRASE_LENGTH} 位以上、便于记忆的一句话")
    has_letter = any(c.isalpha() for c in password)
    has_other = any(not c.isalpha() and not c.isspace() for c in password)
    if len(password) < PASSPHRASE_LENGTH and not (has_letter and has_other):
        raise InvalidInput("PASSWORD_WEAK", f"密码须同时包含字母和数字（或符号）；不足 {PASSPHRASE_LENGTH} 位时不能只用一种字符")
    if _is_common(password):
        raise InvalidInput("PASSWORD_COMMON", "这个密码太常见，很容易被猜中，请换一个")
    lowered = password.lower()
    for fragment in _personal_fragments(id_number, phone):
        if fragment in lowered or lowered in fragment:
            raise InvalidInput("PASSWORD_PERSONAL", "密码不能包含证件号码、出生日期或手机号码")
