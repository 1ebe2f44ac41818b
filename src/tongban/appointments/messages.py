"""Messages about bookings and tickets, through the notify domain's templates, inbox and SMS outbox (004 叫号)."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from tongban.appointments.halls import hhmm
from tongban.core.clock import Clock
from tongban.notify.service import notify

WEEKDAYS = "一二三四五六日"


def when(day: date, start_minute: int, end_minute: int) -> str:
    """12月4日（周五）09:00–09:30"""
    return f"{day.month}月{day.day}日（周{WEEKDAYS[day.weekday()]}）{hhmm(start_minute)}–{hhmm(end_minute)}"


def to_person(*, db_session: Session, clock: Clock, kind: str, person_id: int, fields: dict, link: str = "") -> None:
    """In-app message and an SMS to the person's bound phone."""
    notify(db_session=db_session, clock=clock, kind=kind, fields=fields, person_id=person_id,
           channels=("inbox", "sms"), link=link)


def to_ticket_holder(*, db_session: Session, clock: Clock, kind: str, person_id: int | None, phone: str | None,
                     fields: dict, link: str = "") -> None:
    """A ticket's holder: the signed-in person, or a walk-in who left a phone number at the machine."""
    if person_id is not None:
        to_person(db_session=db_session, clock=clock, kind=kind, person_id=person_id, fields=fields, link=link)
    elif phone:
        notify(db_session=db_session, clock=clock, kind=kind, fields=fields, phone=phone, channels=("sms",))
