"""SMS gateways behind one interface: an HTTP adapter for production, a file for development."""

from __future__ import annotations

import fcntl
import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Protocol

import httpx

from tongban.core.config import get_settings
from tongban.core.errors import Unavailable
from tongban.core.logs import get_logger

log = get_logger(__name__)


@dataclass(frozen=True)
class SmsMessage:
    phone: str
    text: str
    kind: str  # "code", "notice"
    at: datetime


class SmsGateway(Protocol):
    def send(self, message: SmsMessage) -> None: ...


class FileSmsGateway:
    """Development and tests: each message becomes one JSON line that people and tests can read."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def send(self, message: SmsMessage) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        line = json.dumps(
            {"at": message.at.isoformat(), "phone": message.phone, "kind": message.kind, "text": message.text},
            ensure_ascii=False,
        )
        with self.path.open("a", encoding="utf-8") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)  # several server processes may write at once
            handle.write(line + "\n")

    def messages(self, phone: str | None = None) -> list[dict]:
        if not self.path.exists():
            return []
        rows = [json.loads(line) for line in self.path.read_text(encoding="utf-8").splitlines() if line.strip()]
        return [row for row in rows if phone is None or row["phone"] == phone]


class HttpSmsGateway:
    """Production: POST each message as JSON to the province's SMS platform with a bearer token."""

    def __init__(self, url: str, token: str, *, timeout: float = 5.0, transport: httpx.BaseTransport | None = None) -> None:
        self.url, self.token = url, token
        self.client = httpx.Client(timeout=timeout, transport=transport)

    def send(self, message: SmsMessage) -> None:
        try:
            response = self.client.post(
                self.url,
                json={"phone": message.phone, "text": message.text, "kind": message.kind},
                headers={"Authorization": f"Bearer {self.token}"},
            )
            response.raise_for_status()
        except httpx.HTTPError as error:
            log.error("sms gateway failed", extra={"error": type(error).__name__})
            raise Unavailable("SMS_UNAVAILABLE", "短信发送失败，请稍后再试") from None


def gateway_from_settings() -> SmsGateway:
    settings = get_settings()
    if settings.sms_gateway == "file":
        return FileSmsGateway(settings.sms_file)
    return HttpSmsGateway(settings.sms_gateway, settings.sms_token)
