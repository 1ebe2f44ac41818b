"""Notifications: one delivery record per message and channel, sent by jobs (CASE-15, CASE-19; 002 8.6.3).

`notify(...)` renders the template, writes a `NotificationDelivery` per channel and enqueues a job for
each, all in the caller's transaction: a case event and the messages about it commit together. Sending
happens in jobs, never inside the transaction that caused it: in the worker, or (`send_after_commit`, for
a message somebody waits for) in the same process just after the commit. In-app messages commit with
their job, so they arrive exactly once; SMS and e-mail leave the process before the job's commit, so a
worker killed between the two may send one twice (at least once), never zero times.
"""

from __future__ import annotations

import re
import smtplib
import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from email.policy import SMTP

from sqlalchemy import select
from sqlalchemy.orm import Session

from tongban.core.clock import Clock
from tongban.core.config import get_settings
from tongban.core.errors import InvalidInput
from tongban.core.logs import get_logger
from tongban.core.pii import mask_phone
from tongban.notify import inbox
from tongban.notify.models import NotificationDelivery, NotificationStatus
from tongban.notify.outbox import JobContext, enqueue, enqueue_now, handler, run_after_commit
from tongban.notify.sms import SmsMessage, gateway_from_settings
from tongban.notify.templates import SMS_SIGNATURE, render

log = get_logger(__name__)

CHANNELS = ("inbox", "sms", "email")
_EMAIL = re.compile(r"[^@\s]{1,64}@[^@\s]+\.[^@\s]+")
EMAIL_FOOTER = "\n\n——\n本邮件由通办政务服务平台自动发送，请勿直接回复。"


def mask_email(address: str) -> str:
    local, _, domain = address.partition("@")
    return f"{local[:1]}***@{domain}"


def _recipients(
    db_session: Session, channels: tuple[str, ...], person_id: int | None, phone: str | None, email: str | None,
) -> dict[str, tuple[str, str]]:
    """(recipient, masked) per channel that has somebody to reach; a channel without one is skipped."""
    unknown = [c for c in channels if c not in CHANNELS]
    if unknown:
        raise InvalidInput("CHANNEL_UNKNOWN", f"不支持的通知渠道：{'、'.join(unknown)}")
    if "sms" in channels and phone is None and person_id is not None:
        from tongban.accounts import persons

        phone = persons.get(db_session=db_session, person_id=person_id).phone  # the bound, verified phone
    found: dict[str, tuple[str, str]] = {}
    if "inbox" in channels and person_id is not None:
        found["inbox"] = (f"person:{person_id}", f"person:{person_id}")
    if "sms" in channels and phone:
        found["sms"] = (phone, mask_phone(phone))
    if "email" in channels and email:
        if not _EMAIL.fullmatch(email):
            raise InvalidInput("EMAIL_FORMAT", "电子邮箱格式不正确")
        if get_settings().smtp_host:
            found["email"] = (email, mask_email(email))
        else:
            log.info("e-mail channel off (TONGBAN_SMTP_HOST unset)", extra={"kind": "notify"})
    return found


@dataclass(frozen=True)
class Queued:
    """A delivery as `notify` wrote it."""

    id: int
    channel: str
    recipient_masked: str


_INSERT_DELIVERY = NotificationDelivery.__table__.insert().returning(NotificationDelivery.__table__.c.id)


def notify(
    *, db_session: Session, clock: Clock, kind: str, fields: dict[str, object], person_id: int | None = None,
    phone: str | None = None, email: str | None = None, channels: tuple[str, ...] = CHANNELS,
    case_id: int | None = None, link: str = "", send_after_commit: Mapping[str, object] | None = None,
) -> list[Queued]:
    """Queue the message of `kind` on every channel that can reach the recipient, in the caller's transaction.

    Missing template fields fail here, before anything is written. With a person and no phone the
    person's bound phone is used for SMS; e-mail goes out only with an address and SMTP configured.
    Each delivery and its job are Core INSERTs sent at once (a case step notifies at every step, and ORM
    objects would cost a flush each): the person and case they name must already be written.
    With `send_after_commit` (the senders, as a worker's deps) the jobs run in this process as soon as the
    caller commits, rather than at the worker's next round.
    """
    message = render(kind, fields)
    now = clock.now()
    deliveries = []
    connection = None
    for channel, (recipient, masked) in _recipients(db_session, tuple(channels), person_id, phone, email).items():
        connection = connection or db_session.connection()
        delivery_id = connection.execute(_INSERT_DELIVERY, dict(
            kind=kind, channel=channel, person_id=person_id, case_id=case_id, recipient=recipient,
            recipient_masked=masked, title=message.title, body=message.body, link=link,
            status=NotificationStatus.queued.value, attempts=0, error="", created_at=now, sent_at=None,
        )).scalar_one()
        if send_after_commit is None:
            enqueue_now(db_session=db_session, clock=clock, kind=f"notify.{channel}", payload={"delivery_id": delivery_id})
        else:
            job = enqueue(db_session=db_session, clock=clock, kind=f"notify.{channel}", payload={"delivery_id": delivery_id})
            db_session.flush()
            run_after_commit(db_session=db_session, clock=clock, job_id=job.id, deps=send_after_commit)
        deliveries.append(Queued(delivery_id, channel, masked))
    return deliveries


def deliveries_for(
    *, db_session: Session, case_id: int | None = None, person_id: int | None = None,
) -> list[NotificationDelivery]:
    query = select(NotificationDelivery).order_by(NotificationDelivery.created_at, NotificationDelivery.id)
    if case_id is not None:
        query = query.where(NotificationDelivery.case_id == case_id)
    if person_id is not None:
        query = query.where(NotificationDelivery.person_id == person_id)
    return list(db_session.scalars(query))


# --- senders ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SmtpMailer:
    """E-mail over SMTP: UTF-8 subject and body, optional STARTTLS and login."""

    host: str
    port: int
    sender: str
    user: str = ""
    password: str = ""
    starttls: bool = False
    timeout: float = 10.0

    @classmethod
    def from_settings(cls) -> SmtpMailer:
        s = get_settings()
        return cls(s.smtp_host, s.smtp_port, s.smtp_sender, s.smtp_user, s.smtp_password, s.smtp_starttls)

    def send(self, *, to: str, subject: str, body: str) -> None:
        message = EmailMessage(policy=SMTP)
        message["From"], message["To"], message["Subject"] = self.sender, to, subject
        message.set_content(body, charset="utf-8")
        with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
            if self.starttls:
                smtp.starttls(context=ssl.create_default_context())
            if self.user:
                smtp.login(self.user, self.password)
            smtp.send_message(message)


def _pending(ctx: JobContext) -> NotificationDelivery | None:
    """The delivery this job sends, unless it is already sent (a retried job must not send twice)."""
    delivery = ctx.db_session.get(NotificationDelivery, ctx.payload["delivery_id"])
    return delivery if delivery is not None and delivery.status != NotificationStatus.sent.value else None


def _sent(ctx: JobContext, delivery: NotificationDelivery) -> None:
    delivery.status, delivery.sent_at, delivery.error = NotificationStatus.sent.value, ctx.clock.now(), ""
    delivery.attempts += 1
    log.info("notification sent", extra={"delivery_id": delivery.id, "channel": delivery.channel,
                                         "to": delivery.recipient_masked})


def _failed(ctx: JobContext, error: str, final: bool) -> None:
    delivery = ctx.db_session.get(NotificationDelivery, ctx.payload.get("delivery_id"))
    if delivery is None:
        return
    delivery.attempts += 1
    delivery.error = error
    if final:
        delivery.status = NotificationStatus.failed.value


@handler("notify.inbox", on_failure=_failed)
def send_inbox(ctx: JobContext) -> None:
    delivery = _pending(ctx)
    if delivery is None:
        return
    inbox.post(
        db_session=ctx.db_session, clock=ctx.clock, person_id=delivery.person_id, kind=delivery.kind,
        title=delivery.title, body=delivery.body, link=delivery.link, case_id=delivery.case_id,
    )
    _sent(ctx, delivery)


@handler("notify.sms", on_failure=_failed)
def send_sms(ctx: JobContext) -> None:
    delivery = _pending(ctx)
    if delivery is None:
        return
    gateway = ctx.deps.get("sms_gateway") or gateway_from_settings()
    gateway.send(SmsMessage(phone=delivery.recipient, text=SMS_SIGNATURE + delivery.body, kind="notice", at=ctx.clock.now()))
    _sent(ctx, delivery)


@handler("notify.email", on_failure=_failed)
def send_email(ctx: JobContext) -> None:
    delivery = _pending(ctx)
    if delivery is None:
        return
    mailer = ctx.deps.get("mailer") or SmtpMailer.from_settings()
    mailer.send(to=delivery.recipient, subject=delivery.title, body=delivery.body + EMAIL_FOOTER)
    _sent(ctx, delivery)
