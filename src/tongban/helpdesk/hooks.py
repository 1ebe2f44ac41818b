"""After a help service: the hook the ratings domain registers with, so a person can rate a help session or a closed
ticket (000 §6.5 "事后评价"; CONS-12). The helpdesk does not import ratings: ratings registers here (one-way)."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from tongban.core.clock import Clock

AfterService = Callable[..., None]
_callbacks: list[AfterService] = []


def register_after_service(callback: AfterService) -> AfterService:
    """Call `callback(db_session=, clock=, subject_kind=, subject_id=, person_id=, agency_id=, staff_id=)` in the
    transaction of every help service done: `subject_kind` "help_session" (a video/voice session held) or
    "help_ticket" (a ticket closed). Registering the same callback twice registers it once; usable as a decorator."""
    if callback not in _callbacks:
        _callbacks.append(callback)
    return callback


def unregister_after_service(callback: AfterService) -> None:
    if callback in _callbacks:
        _callbacks.remove(callback)


def after_service(*, db_session: Session, clock: Clock, subject_kind: str, subject_id: int, person_id: int | None,
                  agency_id: int | None, staff_id: int | None) -> None:
    for callback in list(_callbacks):
        callback(db_session=db_session, clock=clock, subject_kind=subject_kind, subject_id=subject_id,
                 person_id=person_id, agency_id=agency_id, staff_id=staff_id)
