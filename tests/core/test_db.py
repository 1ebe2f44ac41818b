"""Timestamps keep their instant on both databases, whatever offset the caller's datetime carries."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from tongban.core.clock import SHANGHAI
from tongban.notify.outbox import Job


def test_a_beijing_time_is_stored_and_compared_as_the_same_instant(db_session):
    beijing = datetime(2026, 11, 20, 9, 30, tzinfo=SHANGHAI)  # 01:30 UTC
    db_session.add(Job(kind="test.noop", payload={}, status="queued", attempts=0, max_attempts=1, run_after=beijing,
                       last_error="", created_at=beijing))
    db_session.commit()
    db_session.expire_all()
    stored = db_session.scalars(select(Job)).one()
    assert stored.run_after == beijing and stored.run_after.utcoffset() == timedelta(0)
    # A query bound with a Beijing time compares instants too: 09:00 Beijing is before 09:30 Beijing.
    earlier = datetime(2026, 11, 20, 9, 0, tzinfo=SHANGHAI)
    assert db_session.scalars(select(Job).where(Job.run_after > earlier)).one().id == stored.id
    assert db_session.scalars(select(Job).where(Job.run_after > earlier.astimezone(timezone.utc) + timedelta(hours=1))).all() == []
