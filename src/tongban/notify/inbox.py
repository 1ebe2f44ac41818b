"""In-app messages: the inbox of a person's space, where case progress is pushed (CASE-15, CASE-19)."""

from __future__ import annotations

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from tongban.core.clock import Clock
from tongban.notify.models import InboxMessage

_INSERT = InboxMessage.__table__.insert().returning(InboxMessage.__table__.c.id)


def post(
    *, db_session: Session, clock: Clock, person_id: int, kind: str, title: str, body: str = "", link: str = "",
    case_id: int | None = None,
) -> int:
    """Write the message at once in the caller's transaction (one Core INSERT: a case step posts several) and
    return its id. Whatever the message refers to must already be written."""
    values = dict(person_id=person_id, kind=kind, title=title, body=body, link=link, case_id=case_id, created_at=clock.now(),
                  read_at=None)
    return db_session.connection().execute(_INSERT, values).scalar_one()


def messages_of(*, db_session: Session, person_id: int, limit: int = 50) -> list[InboxMessage]:
    query = (
        select(InboxMessage).where(InboxMessage.person_id == person_id)
        .order_by(InboxMessage.created_at.desc(), InboxMessage.id.desc()).limit(limit)
    )
    return list(db_session.scalars(query))


def unread_count(*, db_session: Session, person_id: int) -> int:
    query = select(func.count(InboxMessage.id)).where(InboxMessage.person_id == person_id, InboxMessage.read_at.is_(None))
    return db_session.scalar(query) or 0


def mark_read(*, db_session: Session, clock: Clock, person_id: int) -> None:
    db_session.execute(
        update(InboxMessage).where(InboxMessage.person_id == person_id, InboxMessage.read_at.is_(None)).values(read_at=clock.now())
    )
