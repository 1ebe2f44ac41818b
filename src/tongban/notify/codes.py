"""One-time codes by SMS (短信验证码): sent by an outbox job after the code's row commits, sealed until then (003 5-1).

A code's message is unlike other notifications: it has no delivery record (the text is the secret), and the
person is waiting for it. So its job carries the phone and the text SM4-encrypted (core.crypto) and runs in
this process right after the commit (`outbox.run_after_commit`); a failed send is retried by the worker until
the code expires. Once sent, expired or given up, the sealed text is blanked: the job table, its errors and
the logs never hold a clear code, nor a clear phone.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlalchemy.orm import Session

from tongban.core.clock import Clock
from tongban.core.crypto import keyring
from tongban.core.logs import get_logger
from tongban.notify.models import Job
from tongban.notify.outbox import JobContext, enqueue, handler, run_after_commit
from tongban.notify.sms import SmsGateway, SmsMessage, gateway_from_settings

log = get_logger(__name__)

KIND = "notify.sms_code"
SPENT = {"sealed": False}  # the payload once the message is no longer needed


def send_code_sms(
    *, db_session: Session, clock: Clock, phone: str, text: str, expires_at: datetime, gateway: SmsGateway,
) -> None:
    """Queue the code's message in the caller's transaction; it goes out through `gateway` once that commits."""
    ring = keyring()
    payload = {"sealed": True, "to": ring.encrypt(phone), "text": ring.encrypt(text), "expires_at": expires_at.isoformat()}
    job = enqueue(db_session=db_session, clock=clock, kind=KIND, payload=payload)
    db_session.flush()
    run_after_commit(db_session=db_session, clock=clock, job_id=job.id, deps={"sms_gateway": gateway})


def _spend(ctx: JobContext) -> None:
    ctx.db_session.execute(update(Job).where(Job.id == ctx.job.id).values(payload=SPENT))


def _given_up(ctx: JobContext, error: str, final: bool) -> None:
    if final:
        ctx.job.payload = dict(SPENT)


@handler(KIND, on_failure=_given_up)
def send(ctx: JobContext) -> None:
    payload = ctx.payload
    if not payload.get("sealed"):
        return
    if datetime.fromisoformat(payload["expires_at"]) <= ctx.clock.now():  # a late code is useless: never send it
        log.info("sms code expired before it was sent", extra={"job_id": ctx.job.id})
    else:
        ring = keyring()
        gateway = ctx.deps.get("sms_gateway") or gateway_from_settings()
        gateway.send(SmsMessage(phone=ring.decrypt(payload["to"]), text=ring.decrypt(payload["text"]), kind="code",
                                at=ctx.clock.now()))
    _spend(ctx)
