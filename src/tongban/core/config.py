"""Settings read from environment variables (TONGBAN_*)."""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass, field
from pathlib import Path


def var_dir() -> Path:
    return Path(os.environ.get("TONGBAN_VAR_DIR", "var")).resolve()


def _default_database_url() -> str:
    return f"sqlite:///{var_dir() / 'tongban.db'}"


@dataclass(frozen=True)
class Settings:
    database_url: str = field(default_factory=lambda: os.environ.get("TONGBAN_DATABASE_URL") or _default_database_url())
    log_level: str = field(default_factory=lambda: os.environ.get("TONGBAN_LOG_LEVEL", "INFO"))
    log_json: bool = field(default_factory=lambda: os.environ.get("TONGBAN_LOG_JSON", "1") != "0")
    portal_name: str = field(default_factory=lambda: os.environ.get("TONGBAN_PORTAL_NAME", "通办 · 政务服务网"))
    # Region shown as "this province" on the portal (GB/T 2260 code).
    home_region: str = field(default_factory=lambda: os.environ.get("TONGBAN_HOME_REGION", "510000"))
    # Keys for personal data (SM4 encryption, HMAC-SM3 lookup), hex. When unset they are read from
    # (or, on first use, generated into) key_file, which lives outside the repository.
    data_key: str = field(default_factory=lambda: os.environ.get("TONGBAN_DATA_KEY", ""))
    index_key: str = field(default_factory=lambda: os.environ.get("TONGBAN_INDEX_KEY", ""))
    key_file: Path = field(default_factory=lambda: Path(os.environ.get("TONGBAN_KEY_FILE") or var_dir() / "keys.env"))
    # SMS: "file" (development: one JSON line per message) or an HTTP gateway URL.
    sms_gateway: str = field(default_factory=lambda: os.environ.get("TONGBAN_SMS_GATEWAY", "file"))
    sms_file: Path = field(default_factory=lambda: Path(os.environ.get("TONGBAN_SMS_FILE") or var_dir() / "sms.jsonl"))
    sms_token: str = field(default_factory=lambda: os.environ.get("TONGBAN_SMS_TOKEN", ""))
    # Where the portal is reached from outside: printed in QR codes on notices and licences.
    public_url: str = field(default_factory=lambda: os.environ.get("TONGBAN_PUBLIC_URL", "http://127.0.0.1:8000").rstrip("/"))
    # Payments: "dev" (the built-in development gateway) or a real gateway's URL; callbacks are
    # signed with payment_key (hex); when unset a key is derived from the index key.
    payment_gateway: str = field(default_factory=lambda: os.environ.get("TONGBAN_PAYMENT_GATEWAY", "dev"))
    payment_key: str = field(default_factory=lambda: os.environ.get("TONGBAN_PAYMENT_KEY", ""))
    # E-mail notifications over SMTP; an empty host switches the e-mail channel off.
    smtp_host: str = field(default_factory=lambda: os.environ.get("TONGBAN_SMTP_HOST", ""))
    smtp_port: int = field(default_factory=lambda: int(os.environ.get("TONGBAN_SMTP_PORT", "25")))
    smtp_sender: str = field(default_factory=lambda: os.environ.get("TONGBAN_SMTP_SENDER", "通办 <noreply@tongban.localhost>"))
    smtp_user: str = field(default_factory=lambda: os.environ.get("TONGBAN_SMTP_USER", ""))
    smtp_password: str = field(default_factory=lambda: os.environ.get("TONGBAN_SMTP_PASSWORD", ""))
    smtp_starttls: bool = field(default_factory=lambda: os.environ.get("TONGBAN_SMTP_STARTTLS", "0") == "1")
    # `tongban serve` on SQLite runs the job worker in a thread of the server unless this is "0".
    inprocess_worker: bool = field(default_factory=lambda: os.environ.get("TONGBAN_INPROCESS_WORKER", "1") != "0")
    # E-supervision (SUP-03, SUP-05): a case turns yellow when at most this share of its limit, or at most this many
    # working days, remain (0 switches either rule off); items are flagged above these return and error rates,
    # once they have at least flag_min_cases cases in the period; deadline scans run every scan_minutes.
    warn_share: float = field(default_factory=lambda: float(os.environ.get("TONGBAN_WARN_SHARE", "0.2")))
    warn_days: int = field(default_factory=lambda: int(os.environ.get("TONGBAN_WARN_DAYS", "2")))
    flag_return_rate: float = field(default_factory=lambda: float(os.environ.get("TONGBAN_FLAG_RETURN_RATE", "0.3")))
    flag_error_rate: float = field(default_factory=lambda: float(os.environ.get("TONGBAN_FLAG_ERROR_RATE", "0.05")))
    flag_min_cases: int = field(default_factory=lambda: int(os.environ.get("TONGBAN_FLAG_MIN_CASES", "5")))
    scan_minutes: int = field(default_factory=lambda: int(os.environ.get("TONGBAN_SCAN_MINUTES", "15")))
    # Cookies are marked Secure unless this is switched off for plain-HTTP development.
    secure_cookies: bool = field(default_factory=lambda: os.environ.get("TONGBAN_SECURE_COOKIES", "0") == "1")


def get_settings() -> Settings:
    """The settings for the current TONGBAN_* environment (and working directory, which `var` is relative to).

    Cached by those values, so a hot path asking many times reads the environment once, while a
    test or operator that changes a variable gets fresh settings at once.
    """
    environ = os.environ  # names only, then the few values wanted: items() would decode every value
    key = tuple(sorted((name, environ[name]) for name in environ if name.startswith("TONGBAN_")))
    return _settings_for(key, os.getcwd())


@functools.lru_cache(maxsize=32)
def _settings_for(_environment: tuple, _cwd: str) -> Settings:
    return Settings()
