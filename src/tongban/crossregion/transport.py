"""How envelopes travel between the receiving and the handling side (XREG-03).

Inside one installation an envelope is accepted at once, in the sender's transaction: the intake is filed as a case
and its feedback recorded, or neither. The exchange interface of a later issue replaces `_deliver_*` for regions
another installation serves, posting `handover.to_bytes(envelope)` there and accepting the answer with the same
functions; nothing else changes, because envelopes name no row of the sender."""

from __future__ import annotations

from sqlalchemy.orm import Session

from tongban.accounts.access import StaffActor
from tongban.core.clock import Clock


def send_intake(*, db_session: Session, clock: Clock, library, envelope: dict, filer: StaffActor):
    """Deliver an intake to the handling region; answers the handling side's case."""
    from tongban.crossregion import handling

    return handling.accept_intake(db_session=db_session, clock=clock, library=library, envelope=envelope, filer=filer)


def send_feedback(*, db_session: Session, clock: Clock, envelope: dict) -> None:
    """Deliver a feedback envelope to the other side."""
    from tongban.crossregion import feedback

    feedback.accept(db_session=db_session, clock=clock, envelope=envelope)
