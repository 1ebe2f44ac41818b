"""SMS gateways: the HTTP adapter posts JSON with a bearer token; failures become a clear 503."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import httpx
import pytest

from tongban.core.errors import Unavailable
from tongban.notify.sms import FileSmsGateway, HttpSmsGateway, SmsMessage

MESSAGE = SmsMessage(phone="13900000001", text="【通办】验证码 123456", kind="code", at=datetime(2026, 11, 20, tzinfo=timezone.utc))


def test_http_gateway_posts_each_message_with_its_token():
    seen = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append((request.headers["authorization"], json.loads(request.content)))
        return httpx.Response(200, json={"ok": True})

    HttpSmsGateway("https://sms.example/send", "secret", transport=httpx.MockTransport(handler)).send(MESSAGE)
    assert seen == [("Bearer secret", {"phone": "13900000001", "text": "【通办】验证码 123456", "kind": "code"})]


@pytest.mark.parametrize("response", [httpx.Response(500), httpx.Response(401)])
def test_http_gateway_failure_is_reported_not_swallowed(response):
    gateway = HttpSmsGateway("https://sms.example/send", "secret", transport=httpx.MockTransport(lambda _: response))
    with pytest.raises(Unavailable) as failed:
        gateway.send(MESSAGE)
    assert failed.value.status_code == 503 and failed.value.code == "SMS_UNAVAILABLE"


def test_file_gateway_keeps_one_json_line_per_message(tmp_path):
    gateway = FileSmsGateway(tmp_path / "sms.jsonl")
    gateway.send(MESSAGE)
    gateway.send(SmsMessage(phone="13900000002", text="通知", kind="notice", at=MESSAGE.at))
    assert [m["phone"] for m in gateway.messages()] == ["13900000001", "13900000002"]
    assert gateway.messages("13900000002")[0]["kind"] == "notice"
