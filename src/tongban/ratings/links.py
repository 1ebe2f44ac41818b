"""Signed single-use rating links (RATE-01): the person served gets `/ratings/new?token=…` by SMS, in their space or
on a notice. The token names the service and an expiry, signed with HMAC-SHA256 under a key derived from the
platform's index key; it is not stored, and the SM3 hash of a used token is kept on the rating, so reuse is refused."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import date, timedelta

from tongban.core.config import get_settings
from tongban.core.crypto import keyring
from tongban.core.errors import Forbidden
from tongban.core.security import token_hash
from tongban.ratings.enums import SubjectKind

VALID_DAYS = 60
MAX_LENGTH = 200
FORGED = ("RATING_LINK_INVALID", "评价链接无效或已过期，请登录后在“我的办件”中评价")


@dataclass(frozen=True)
class LinkClaim:
    kind: SubjectKind
    subject_id: int
    hash: str  # what is stored once the link is used


def _key() -> bytes:
    return hmac.new(keyring().index_key, b"tongban-rating-links", hashlib.sha256).digest()


def _sign(body: str) -> str:
    return hmac.new(_key(), body.encode("ascii"), hashlib.sha256).hexdigest()[:32]


def make(kind: SubjectKind, subject_id: int, *, today: date) -> str:
    expires = (today + timedelta(days=VALID_DAYS)).toordinal()
    body = f"{kind.value}.{subject_id}.{expires}"
    return f"{body}.{_sign(body)}"


def url(kind: SubjectKind, subject_id: int, *, today: date) -> str:
    return f"/ratings/new?token={make(kind, subject_id, today=today)}"


def read(token: str | None, *, today: date) -> LinkClaim:
    """The service a genuine, unexpired token names; Forbidden for anything else."""
    token = (token or "").strip()
    parts = token.split(".")
    if not token or len(token) > MAX_LENGTH or len(parts) != 4:
        raise Forbidden(*FORGED)
    kind, subject, expires, signature = parts
    if not hmac.compare_digest(_sign(f"{kind}.{subject}.{expires}"), signature):
        raise Forbidden(*FORGED)
    try:
        claim = LinkClaim(SubjectKind(kind), int(subject), token_hash(token))
        expired = int(expires) < today.toordinal()
    except ValueError:
        raise Forbidden(*FORGED) from None
    if expired:
        raise Forbidden(*FORGED)
    return claim


# The notices after which the person may rate their case: the decision, or the refusal to accept. The code is signed
# for that case and printed beside the verification code (cases.hooks.register_notice_code).
_RATED_NOTICES = frozenset({"approval_decision", "denial_decision", "refusal_notice"})


def notice_code(*, db_session, clock, case, kind) -> tuple[str, str, str] | None:
    """(QR text, caption, sentence) for a decision or refusal notice: the signed, single-use link to rate this case."""
    if getattr(kind, "value", kind) not in _RATED_NOTICES:
        return None
    link = get_settings().public_url.rstrip("/") + url(SubjectKind.case, case.id, today=clock.today())
    return (link, "扫码评价本次服务",
            f"办结后请扫描文末右侧二维码评价本次服务（{VALID_DAYS}日内有效，仅限本人评价一次）。")
