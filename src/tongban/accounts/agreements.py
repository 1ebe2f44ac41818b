"""The versioned real-name service agreements (实名注册服务协议, 003 附录四) and their signatures."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources

from sqlalchemy import select
from sqlalchemy.orm import Session

from tongban.accounts.models import AgreementSignature
from tongban.core.clock import Clock
from tongban.core.errors import InvalidInput
from tongban.core.security import sm3_hex

# The version in force for each subject kind; a new text gets a new file and a new version.
CURRENT = {"person": "person-2026.1", "org": "org-2026.1"}


@dataclass(frozen=True)
class Agreement:
    version: str
    title: str
    text: str

    @property
    def fingerprint(self) -> str:
        return sm3_hex(self.text.encode("utf-8"))


@cache
def load(version: str) -> Agreement:
    try:
        body = resources.files("tongban.accounts").joinpath(f"data/agreements/{version}.md").read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InvalidInput("AGREEMENT_VERSION", "没有这个版本的服务协议") from None
    title, _, text = body.partition("\n")
    return Agreement(version, title.lstrip("# ").strip(), text.strip())


def current(subject_kind: str) -> Agreement:
    return load(CURRENT[subject_kind])


def sign(
    *, db_session: Session, clock: Clock, subject_kind: str, subject_id: int, version: str, channel: str, signed_by: int | None
) -> AgreementSignature:
    agreement = current(subject_kind)
    if version != agreement.version:
        raise InvalidInput("AGREEMENT_OUTDATED", "服务协议已更新，请阅读新版本后再同意")
    row = AgreementSignature(
        subject_kind=subject_kind, subject_id=subject_id, version=agreement.version, text_sm3=agreement.fingerprint,
        channel=channel, signed_by_person_id=signed_by, signed_at=clock.now(),
    )
    db_session.add(row)
    db_session.flush()
    return row


def signatures(*, db_session: Session, subject_kind: str, subject_id: int) -> list[AgreementSignature]:
    query = select(AgreementSignature).where(
        AgreementSignature.subject_kind == subject_kind, AgreementSignature.subject_id == subject_id
    )
    return list(db_session.scalars(query.order_by(AgreementSignature.signed_at)))
