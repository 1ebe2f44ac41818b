"""SMS codes leave through the outbox after their row commits, are retried when the gateway fails, and are never
kept in clear in the job table or the logs."""

from __future__ import annotations

import json
import logging
import re
import pytest
from sqlalchemy import func, select, text

from tongban.accounts.models import SmsCode
from tongban.accounts.verification import CodePurpose, check_code, send_code
from tongban.core import db as core_db
from tongban.core.errors import Unavailable
from tongban.notify import codes, outbox
from tongban.notify.models import Job, JobStatus
from tongban.notify.outbox import run_once
from tongban.notify.sms import SmsMessage

PHONE = "13600000077"


class Gateway:
    """A gateway that fails `failures` times, and notes at each send how many code rows another connection sees."""

    def __init__(self, failures: int = 0) -> None:
        self.failures = failures
        self.tried: list[SmsMessage] = []
        self.sent: list[tuple[SmsMessage, int]] = []

    def send(self, message: SmsMessage) -> None:
        self.tried.append(message)
        if len(self.tried) <= self.failures:
            raise Unavailable("SMS_UNAVAILABLE", "短信发送失败，请稍后再试")
        with core_db.session_factory()() as other:  # a separate connection sees only what is committed
            committed = other.scalar(select(func.count()).select_from(SmsCode))
        self.sent.append((message, committed))


def _code(message: SmsMessage) -> str:
    return re.search(r"验证码 (\d{6})", message.text).group(1)


def _send(db_session, clock, gateway, purpose: CodePurpose = CodePurpose.login) -> None:
    send_code(db_session=db_session, clock=clock, gateway=gateway, phone=PHONE, purpose=purpose, client_ip="10.7.0.1")


def _raw_jobs(db_session) -> list[str]:
    """Each code job's row as the database stores it: status, payload text and last error."""
    rows = db_session.connection().exec_driver_sql(
        "SELECT status, CAST(payload AS TEXT), last_error FROM outbox_job WHERE kind = 'notify.sms_code'")
    return [" ".join(str(value) for value in row) for row in rows]


def _sealed(db_session) -> dict:
    """The waiting job's payload: the phone and the text only as SM4 ciphertext (a six-digit code could turn up in
    base64 by chance, so the test looks for the message's words and the phone, which cannot)."""
    [raw] = db_session.connection().exec_driver_sql(
        "SELECT CAST(payload AS TEXT) FROM outbox_job WHERE kind = 'notify.sms_code'").scalars()
    assert "验证码" not in raw and PHONE not in raw
    payload = json.loads(raw)
    assert payload["to"].startswith("sm4g1:") and payload["text"].startswith("sm4g1:")
    return payload


def _work(clock, gateway) -> int:
    return run_once(session_factory=core_db.session_factory(), clock=clock, worker_id="test", deps={"sms_gateway": gateway})


@pytest.mark.req("ACC-05")
def test_a_code_leaves_only_after_its_row_commits(db_session, clock):
    gateway = Gateway()
    _send(db_session, clock, gateway)
    assert gateway.tried == []  # nothing leaves while the request's transaction (and SQLite's write lock) is open
    db_session.commit()
    [(message, committed)] = gateway.sent
    assert committed == 1 and message.phone == PHONE and message.kind == "code"  # the row was committed first
    check_code(db_session=db_session, clock=clock, phone=PHONE, purpose=CodePurpose.login, code=_code(message))
    job = db_session.scalars(select(Job).where(Job.kind == codes.KIND)).one()
    assert job.status == JobStatus.done and job.payload == codes.SPENT


@pytest.mark.req("ACC-05")
def test_a_failed_send_is_retried_by_the_outbox_and_no_clear_code_is_stored(db_session, clock, caplog):
    caplog.set_level(logging.DEBUG)
    gateway = Gateway(failures=1)
    _send(db_session, clock, gateway)
    db_session.commit()
    [first] = gateway.tried
    code = _code(first)
    [status, error] = db_session.execute(select(Job.status, Job.last_error).where(Job.kind == codes.KIND)).one()
    assert status == JobStatus.failed and "Unavailable" in error and code not in error
    _sealed(db_session)  # while it waits for the retry
    assert _work(clock, gateway) == 0  # not due before its back-off
    clock.advance(seconds=11)
    assert _work(clock, gateway) == 1
    [(again, committed)] = gateway.sent
    assert again.text == first.text and committed == 1
    check_code(db_session=db_session, clock=clock, phone=PHONE, purpose=CodePurpose.login, code=code)
    [done] = _raw_jobs(db_session)
    assert done.startswith("done") and code not in done and PHONE not in done
    standard = set(logging.makeLogRecord({}).__dict__)  # times and thread ids are digits too: leave them out
    logged = " ".join(f"{record.getMessage()} {[v for k, v in record.__dict__.items() if k not in standard]}"
                      for record in caplog.records)
    assert "job failed" in logged and code not in logged and PHONE not in logged


def test_a_code_that_could_not_be_sent_in_time_is_never_sent_late(db_session, clock):
    gateway = Gateway(failures=1)
    _send(db_session, clock, gateway)
    db_session.commit()
    clock.advance(minutes=6)
    assert _work(clock, gateway) == 1
    assert len(gateway.tried) == 1 and gateway.sent == []
    [row] = _raw_jobs(db_session)
    assert row.startswith("done") and _code(gateway.tried[0]) not in row


def test_a_code_given_up_after_the_last_attempt_is_blanked(db_session, clock):
    gateway = Gateway(failures=99)
    _send(db_session, clock, gateway)
    db_session.commit()
    for wait in (11, 21, 41, 81):  # within the code's five minutes: every attempt really tries the gateway
        clock.advance(seconds=wait)
        assert _work(clock, gateway) == 1
    assert len(gateway.tried) == 5 and gateway.sent == []
    job = db_session.scalars(select(Job).where(Job.kind == codes.KIND)).one()
    assert job.status == JobStatus.dead and job.payload == codes.SPENT


def test_a_code_whose_transaction_rolls_back_is_never_sent(db_session, clock):
    gateway = Gateway()
    _send(db_session, clock, gateway)
    db_session.rollback()
    db_session.execute(text("SELECT 1"))
    db_session.commit()  # the session's next transaction does not carry the forgotten job
    assert gateway.tried == [] and _raw_jobs(db_session) == []


def test_a_released_savepoint_is_not_a_commit(db_session, clock):
    gateway = Gateway()
    with db_session.begin_nested():
        _send(db_session, clock, gateway)
    assert gateway.tried == []
    db_session.commit()
    assert len(gateway.sent) == 1


def test_a_job_already_taken_runs_once(db_session, clock):
    """The run after commit claims its job like any worker: one that another worker (the server's thread on SQLite)
    took first, or that was already run, is not run again."""
    gateway = Gateway()
    _send(db_session, clock, gateway)
    job_id = db_session.scalars(select(Job.id).where(Job.kind == codes.KIND)).one()
    outbox.run_after_commit(db_session=db_session, clock=clock, job_id=job_id, deps={"sms_gateway": gateway})
    db_session.commit()
    assert len(gateway.sent) == 1 and _work(clock, gateway) == 0
