"""Notifications: templates with named fields, one delivery per channel, in-app, SMS and e-mail over real SMTP."""

from __future__ import annotations

import email
import logging
import socket
from email.policy import default as default_policy

import httpx
import pytest
from aiosmtpd.controller import Controller
from fastapi.testclient import TestClient
from sqlalchemy import func, select, text

from tests.factories import make_person
from tongban.accounts import sessions
from tongban.core import db as core_db
from tongban.core.errors import InvalidInput
from tongban.notify import service
from tongban.notify.models import Job, NotificationDelivery
from tongban.notify.outbox import run_once
from tongban.notify.service import notify
from tongban.notify.sms import HttpSmsGateway
from tongban.notify.templates import TEMPLATES, render

PROGRESS = {"case_number": "TB20261120000123", "item_name": "食品经营许可（新办）", "step": "已受理", "detail": "承诺5个工作日内办结。"}


class Inbox:
    """An SMTP server on loopback that keeps what it receives."""

    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's hook name)
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        self.messages.append(email.message_from_bytes(envelope.original_content, policy=default_policy))
        return "250 OK"


@pytest.fixture
def smtp(monkeypatch):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    received = Inbox()
    controller = Controller(received, hostname="127.0.0.1", port=port)
    controller.start()
    monkeypatch.setenv("TONGBAN_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("TONGBAN_SMTP_PORT", str(port))
    monkeypatch.setenv("TONGBAN_SMTP_SENDER", "通办 <noreply@tongban.localhost>")
    yield received
    controller.stop()


def _work(clock, deps=None) -> int:
    factory, total = core_db.session_factory(), 0
    while claimed := run_once(session_factory=factory, clock=clock, worker_id="test", deps=deps or {}):
        total += claimed
    return total


def _deliveries(db_session) -> dict[str, NotificationDelivery]:
    db_session.expire_all()
    return {d.channel: d for d in db_session.scalars(select(NotificationDelivery))}


def test_every_template_names_its_fields_and_a_missing_one_fails_at_enqueue(db_session, clock):
    assert render("case_progress", PROGRESS).body == "您的办件TB20261120000123（食品经营许可（新办））已受理。承诺5个工作日内办结。"
    assert all(template.fields for template in TEMPLATES.values())
    person = make_person(db_session, clock)
    with pytest.raises(InvalidInput) as missing:
        notify(db_session=db_session, clock=clock, kind="case_progress", fields={"case_number": "X", "step": "已受理"},
               person_id=person.id)
    assert missing.value.code == "MESSAGE_FIELDS_MISSING" and missing.value.details == ["detail", "item_name"]
    assert db_session.scalar(select(func.count(NotificationDelivery.id))) == 0
    with pytest.raises(InvalidInput):
        notify(db_session=db_session, clock=clock, kind="no_such_kind", fields={}, person_id=person.id)
    with pytest.raises(InvalidInput):
        notify(db_session=db_session, clock=clock, kind="notice", fields={"title": "t", "body": "b"}, channels=("fax",))
    # a value is text, never a template: braces in what people typed stay as they are
    assert render("notice", {"title": "{case_number}", "body": "{0}"}).title == "{case_number}"


def test_one_delivery_and_one_job_per_channel_in_the_callers_transaction(db_session, clock, smtp):
    person = make_person(db_session, clock, phone="13912345678")
    db_session.commit()
    deliveries = notify(db_session=db_session, clock=clock, kind="case_progress", fields=PROGRESS, person_id=person.id,
                        email="zhang.san@example.cn", case_id=None, link="/cases/1")
    assert [d.channel for d in deliveries] == ["inbox", "sms", "email"]  # the phone is the person's bound one
    assert [d.recipient_masked for d in deliveries] == [f"person:{person.id}", "139****5678", "z***@example.cn"]
    db_session.rollback()  # the change that caused them was rolled back: no message, no job
    assert db_session.scalar(select(func.count(NotificationDelivery.id))) == 0 and db_session.scalar(select(func.count(Job.id))) == 0
    notify(db_session=db_session, clock=clock, kind="case_progress", fields=PROGRESS, phone="13900001111")
    db_session.commit()
    assert db_session.scalars(select(Job.kind)).all() == ["notify.sms"]  # no person, no address: SMS only
    stored = db_session.execute(text("SELECT recipient FROM notification_delivery")).scalar()
    assert stored.startswith("sm4g1:") and "13900001111" not in stored  # encrypted at rest


@pytest.mark.req("CASE-15")
def test_progress_goes_out_by_sms_through_the_gateway(db_session, clock, sms, caplog, monkeypatch):
    notify(db_session=db_session, clock=clock, kind="case_progress", fields=PROGRESS, phone="13912345678", channels=("sms",))
    db_session.commit()
    monkeypatch.setattr(logging.getLogger("tongban"), "propagate", True)  # configure_logging() turned it off
    caplog.set_level("INFO", logger="tongban")
    assert _work(clock, {"sms_gateway": sms}) == 1
    [message] = sms.messages("13912345678")
    assert message["text"] == "【通办】您的办件TB20261120000123（食品经营许可（新办））已受理。承诺5个工作日内办结。"
    assert message["kind"] == "notice"
    delivery = _deliveries(db_session)["sms"]
    assert (delivery.status, delivery.attempts, delivery.sent_at) == ("sent", 1, clock.now())
    logged = [vars(r) for r in caplog.records if r.getMessage() == "notification sent"]
    assert logged and "13912345678" not in str(logged) and logged[0]["to"] == "139****5678"
    assert _work(clock, {"sms_gateway": sms}) == 0 and len(sms.messages()) == 1


@pytest.mark.req("CASE-15")
def test_results_go_out_by_email_over_smtp(db_session, clock, smtp):
    fields = {**PROGRESS, "result": "准予许可", "delivery": "电子证照已存入您的个人空间。"}
    notify(db_session=db_session, clock=clock, kind="case_result", fields=fields, email="li.mei@example.cn", channels=("email",))
    db_session.commit()
    assert _work(clock) == 1
    [message] = smtp.messages
    assert smtp.envelopes == [("noreply@tongban.localhost", ["li.mei@example.cn"])]
    assert message["Subject"] == "办件 TB20261120000123：已办结"
    assert message["From"].addresses[0].display_name == "通办" and message["To"] == "li.mei@example.cn"
    body = message.get_content()
    assert "办理结果：准予许可。电子证照已存入您的个人空间。" in body and "请勿直接回复" in body
    assert _deliveries(db_session)["email"].status == "sent"


def test_email_is_off_without_an_smtp_server_and_bad_addresses_are_refused(db_session, clock, monkeypatch):
    monkeypatch.delenv("TONGBAN_SMTP_HOST", raising=False)
    assert notify(db_session=db_session, clock=clock, kind="case_progress", fields=PROGRESS, email="a@example.cn") == []
    monkeypatch.setenv("TONGBAN_SMTP_HOST", "127.0.0.1")
    with pytest.raises(InvalidInput) as bad:
        notify(db_session=db_session, clock=clock, kind="case_progress", fields=PROGRESS, email="not an address")
    assert bad.value.code == "EMAIL_FORMAT"


def test_a_failing_gateway_is_retried_then_the_delivery_is_marked_failed(db_session, clock):
    gateway = HttpSmsGateway("https://sms.example/send", "secret", transport=httpx.MockTransport(lambda _: httpx.Response(500)))
    notify(db_session=db_session, clock=clock, kind="case_progress", fields=PROGRESS, phone="13912345678")
    db_session.commit()
    for _ in range(5):
        _work(clock, {"sms_gateway": gateway})
        clock.advance(hours=1)
    delivery = _deliveries(db_session)["sms"]
    assert (delivery.status, delivery.attempts) == ("failed", 5) and "SMS_UNAVAILABLE" in delivery.error
    assert db_session.scalars(select(Job.status)).all() == ["dead"]


def test_smtp_refusal_is_recorded_and_retried(db_session, clock, monkeypatch):
    with socket.socket() as probe:  # nothing listens on this port
        probe.bind(("127.0.0.1", 0))
        monkeypatch.setenv("TONGBAN_SMTP_PORT", str(probe.getsockname()[1]))
    monkeypatch.setenv("TONGBAN_SMTP_HOST", "127.0.0.1")
    notify(db_session=db_session, clock=clock, kind="notice", fields={"title": "测试", "body": "正文"}, email="a@example.cn")
    db_session.commit()
    _work(clock)
    delivery = _deliveries(db_session)["email"]
    assert (delivery.status, delivery.attempts) == ("queued", 1) and "ConnectionRefusedError" in delivery.error
    assert db_session.scalars(select(Job.status)).all() == ["failed"]


@pytest.mark.req("CASE-15")
@pytest.mark.req("CASE-19")
def test_progress_arrives_in_the_inbox_once_and_the_page_shows_it(db_session, clock, app):
    from tongban.notify import inbox
    from tongban.notify.pages import router

    person = make_person(db_session, clock)
    notify(db_session=db_session, clock=clock, kind="case_progress", fields=PROGRESS, person_id=person.id,
           channels=("inbox",), link="/cases/1")
    notify(db_session=db_session, clock=clock, kind="case_progress", fields={**PROGRESS, "step": "已办结", "detail": ""},
           person_id=person.id, channels=("inbox",))
    db_session.commit()
    assert _work(clock) == 2
    db_session.expire_all()
    assert [m.title for m in inbox.messages_of(db_session=db_session, person_id=person.id)] == [
        "办件 TB20261120000123：已办结", "办件 TB20261120000123：已受理"]
    assert {d.status for d in service.deliveries_for(db_session=db_session, person_id=person.id)} == {"sent"}

    if not any(getattr(route, "path", "") == "/account/messages" for route in app.routes):
        app.include_router(router)
    new = sessions.open_session(db_session=db_session, clock=clock, subject_kind="person", subject_id=person.id)
    db_session.commit()
    browser = TestClient(app, raise_server_exceptions=False)
    browser.cookies.set("tb_session", new.token, domain="testserver.local")
    listing = browser.get("/api/v1/me/messages").json()
    assert listing["unread"] == 2 and listing["messages"][1]["link"] == "/cases/1"
    page = browser.get("/account/messages")
    assert page.status_code == 200 and "您有 <strong>2</strong> 条新消息" in page.text and "已受理。承诺5个工作日内办结。" in page.text
    assert browser.get("/api/v1/me/messages").json()["unread"] == 0  # seen on the page: read
    assert "没有新消息" in browser.get("/account/messages").text
    assert TestClient(app).get("/api/v1/me/messages").status_code == 401
