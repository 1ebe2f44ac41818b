"""Demo data of the appointments domain for `tongban seed demo` (idempotent)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from tongban.core.clock import Clock


def seed_demo(*, db_session: Session, clock: Clock) -> str:
    """Load the demo rows once; return one Chinese line for the console ('' when nothing was added)."""
    return ""
