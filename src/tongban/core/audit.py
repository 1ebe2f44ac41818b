"""Append-only audit trail, hash-chained with SM3, so an edited or removed row is detected (003 操作审计)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from tongban.core.clock import Clock, as_utc
from tongban.core.models import GENESIS, AuditEntry, AuditHead
from tongban.core.pii import mask_value
from tongban.core.security import sm3_hex


def _digest(prev_hash: str, seq: int, at: datetime, actor: str, action: str, kind: str, object_id: str, details: str) -> str:
    body = json.dumps([prev_hash, seq, as_utc(at).astimezone(timezone.utc).isoformat(timespec="microseconds"), actor, action, kind, object_id, details], ensure_ascii=False)
    return sm3_hex(body.encode("utf-8"))


def record(
    *, db_session: Session, clock: Clock, actor: str, action: str, object_kind: str, object_id: object, details: dict | None = None
) -> AuditEntry:
    """Append one entry in the caller's transaction: it commits or rolls back with the operation."""
    # Writing first takes SQLite's write lock before we read the head (PostgreSQL: the row lock).
    db_session.execute(update(AuditHead).where(AuditHead.id == 1).values(seq=AuditHead.seq))
    head = db_session.execute(select(AuditHead).where(AuditHead.id == 1).with_for_update()).scalar_one_or_none()
    if head is None:
        head = AuditHead(id=1, seq=0, hash=GENESIS)
        db_session.add(head)
        db_session.flush()
    at = clock.now()
    text = json.dumps(mask_value(details or {}), ensure_ascii=False, sort_keys=True)
    seq = head.seq + 1
    digest = _digest(head.hash, seq, at, actor, action, object_kind, str(object_id), text)
    entry = AuditEntry(
        seq=seq, at=at, actor=actor, action=action, object_kind=object_kind, object_id=str(object_id),
        details=text, prev_hash=head.hash, hash=digest,
    )
    db_session.add(entry)
    head.seq, head.hash = seq, digest
    db_session.flush()
    return entry


@dataclass(frozen=True)
class Verification:
    ok: bool
    checked: int
    bad_seq: int | None = None
    reason: str = ""


def verify(*, db_session: Session) -> Verification:
    """Walk the chain from the start; name the first entry that was edited, removed or reordered."""
    prev, expected_seq, checked = GENESIS, 1, 0
    for entry in db_session.scalars(select(AuditEntry).order_by(AuditEntry.seq)).yield_per(1000):
        if entry.seq != expected_seq:
            return Verification(False, checked, expected_seq, f"第 {expected_seq} 条记录缺失")
        if entry.prev_hash != prev:
            return Verification(False, checked, entry.seq, f"第 {entry.seq} 条记录与前一条的链接不符")
        digest = _digest(
            entry.prev_hash, entry.seq, entry.at, entry.actor, entry.action, entry.object_kind, entry.object_id, entry.details
        )
        if digest != entry.hash:
            return Verification(False, checked, entry.seq, f"第 {entry.seq} 条记录的内容被改动")
        prev, expected_seq, checked = entry.hash, expected_seq + 1, checked + 1
    head = db_session.get(AuditHead, 1)
    if head is not None and (head.seq != checked or head.hash != prev):
        return Verification(False, checked, checked + 1, f"链尾记录缺失：应有 {head.seq} 条，实有 {checked} 条")
    return Verification(True, checked)


def entries_for(*, db_session: Session, object_kind: str, object_id: object, limit: int = 100) -> list[AuditEntry]:
    query = (
        select(AuditEntry)
        .where(AuditEntry.object_kind == object_kind, AuditEntry.object_id == str(object_id))
        .order_by(AuditEntry.seq.desc())
        .limit(limit)
    )
    return list(db_session.scalars(query))
