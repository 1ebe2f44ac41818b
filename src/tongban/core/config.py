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


DEFAULT_PUBLIC_URL = "http://127.0.0.1:8000"
# Set by `tongban serve` from its --host and --port; an environment variable so the server's worker processes
# (uvicorn --workers) and its in-process job worker see it as the web process does.
SERVED_URL_VARIABLE = "TONGBAN_SERVED_URL"
_ANY_ADDRESS = {"", "0.0.0.0", "::", "[::]"}


def _public_url() -> str:
    given = os.environ.get("TONGBAN_PUBLIC_URL", "").strip() or os.environ.get(SERVED_URL_VARIABLE, "").strip()
    return (given or DEFAULT_PUBLIC_URL).rstrip("/")


def served_url(host: str, port: int) -> str:
    """The address a server listening on host:port is reached at from this machine (any-address: loopback)."""
    host = "127.0.0.1" if host in _ANY_ADDRESS else host
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"http://{host}:{port}"


def serving_at(host: str, port: int) -> str:
    """Record where `tongban serve` listens, so links printed in documents follow it unless TONGBAN_PUBLIC_URL
    says otherwise; returns the public address now in force."""
    os.environ[SERVED_URL_VARIABLE] = served_url(host, port)
    return get_settings().public_url


def _int(name: str, default: int, low: int, high: int) -> int:
    """A whole number from the environment, or the default when it is missing or outside low..high."""
    raw = os.environ.get(name, "").strip()
    return int(raw) if raw.isdigit() and low <= int(raw) <= high else default


def _share(name: str, default: float) -> float:
    """A share between 0 and 1 from the environment, or the default when it is missing or not one."""
    try:
        value = float(os.environ.get(name, "").strip())
    except ValueError:
        return default
    return value if 0.0 <= value <= 1.0 else default


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
    # Where the portal is reached from outside: printed in QR codes and as 核验地址 on notices and licences.
    # TONGBAN_PUBLIC_URL when set; else the address `tongban serve` was started on (see serving_at); pages
    # link relatively. A separate `tongban worker` renders PDFs too: give it TONGBAN_PUBLIC_URL.
    public_url: str = field(default_factory=lambda: _public_url())
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
    # Cross-region service (XREG-03): this installation's name in hand-over envelopes, and the shared HMAC-SM3 key (hex)
    # the installations exchanging envelopes agree on ("" = a key derived from this installation's index key).
    installation: str = field(default_factory=lambda: os.environ.get("TONGBAN_INSTALLATION", "").strip())
    crossregion_key: str = field(default_factory=lambda: os.environ.get("TONGBAN_CROSSREGION_KEY", "").strip())
    # Ratings (RATE-03, 08, SUP-05): working days to rectify a bad rating; the share of each agency's completed services
    # drawn for a return visit each month; items are flagged above this bad-rating rate once they have this many ratings.
    rectify_days: int = field(default_factory=lambda: _int("TONGBAN_RECTIFY_DAYS", 5, 1, 365))
    return_visit_share: float = field(default_factory=lambda: _share("TONGBAN_RETURN_VISIT_SHARE", 0.05))
    flag_bad_rating_rate: float = field(default_factory=lambda: _share("TONGBAN_FLAG_BAD_RATING_RATE", 0.1))
    flag_bad_rating_min: int = field(default_factory=lambda: _int("TONGBAN_FLAG_BAD_RATING_MIN", 5, 1, 100_000))
    # Complaints and the 办不成事 desk (RATE-04, 11), in working days: 投诉调查, 分类处置 (from the verification),
    # 意见反馈 (from the disposal); 004: general matters solved in 2, impossible ones answered in writing in 3.
    complaint_verify_days: int = field(default_factory=lambda: _int("TONGBAN_COMPLAINT_VERIFY_DAYS", 2, 0, 365))
    complaint_dispose_days: int = field(default_factory=lambda: _int("TONGBAN_COMPLAINT_DISPOSE_DAYS", 10, 0, 365))
    complaint_answer_days: int = field(default_factory=lambda: _int("TONGBAN_COMPLAINT_ANSWER_DAYS", 2, 0, 365))
    matter_general_days: int = field(default_factory=lambda: _int("TONGBAN_MATTER_GENERAL_DAYS", 2, 0, 365))
    matter_impossible_days: int = field(default_factory=lambda: _int("TONGBAN_MATTER_IMPOSSIBLE_DAYS", 3, 0, 365))
    # Cookies are marked Secure when the portal is reached over https (TONGBAN_PUBLIC_URL), or when this says so.
    secure_cookies: bool = field(default_factory=lambda: os.environ.get("TONGBAN_SECURE_COOKIES", "0") == "1"
                                 or os.environ.get("TONGBAN_PUBLIC_URL", "").strip().lower().startswith("https://"))
    # "development" allows the development adapters (file SMS, the dev payment gateway, a generated key file);
    # any other value is a real installation, where `tongban serve` refuses to start with one of them.
    env: str = field(default_factory=lambda: os.environ.get("TONGBAN_ENV", "production").strip().lower())
    # Request bodies (413 above these): forms and JSON, uploads of case materials, catalog imports.
    max_body_kb: int = field(default_factory=lambda: int(os.environ.get("TONGBAN_MAX_BODY_KB", "1024")))
    max_upload_mb: int = field(default_factory=lambda: int(os.environ.get("TONGBAN_MAX_UPLOAD_MB", "64")))
    max_import_mb: int = field(default_factory=lambda: int(os.environ.get("TONGBAN_MAX_IMPORT_MB", "50")))

    @property
    def development(self) -> bool:
        return self.env == "development"


@dataclass(frozen=True)
class Adapter:
    """One outside service and what stands in for it; `development` ones are for a developer's machine only."""

    role: str
    choice: str
    development: bool
    fix: str = ""


def adapters(settings: Settings) -> list[Adapter]:
    """The adapters this configuration selects, in the order the start-up log lists them."""
    keys_given = bool(settings.data_key and settings.index_key)
    key_file_given = bool(os.environ.get("TONGBAN_KEY_FILE"))
    if keys_given:
        keys = Adapter("个人数据密钥", "TONGBAN_DATA_KEY / TONGBAN_INDEX_KEY", False)
    elif key_file_given:
        keys = Adapter("个人数据密钥", f"密钥文件 {settings.key_file}", False)
    else:
        keys = Adapter("个人数据密钥", f"自动生成的密钥文件 {settings.key_file}", True,
                       "请设置 TONGBAN_DATA_KEY 和 TONGBAN_INDEX_KEY，或让 TONGBAN_KEY_FILE 指向妥善保管的密钥文件")
    return [
        Adapter("支付网关", settings.payment_gateway, settings.payment_gateway == "dev",
                "请将 TONGBAN_PAYMENT_GATEWAY 设为统一公共支付平台"),
        Adapter("短信网关", f"写入文件 {settings.sms_file}" if settings.sms_gateway == "file" else settings.sms_gateway,
                settings.sms_gateway == "file", "请将 TONGBAN_SMS_GATEWAY 设为短信平台地址"),
        keys,
        Adapter("电子邮件", f"SMTP {settings.smtp_host}:{settings.smtp_port}" if settings.smtp_host else "未启用", False),
    ]


class DevelopmentAdapterError(RuntimeError):
    """A development adapter selected outside development: the server must not start."""


def check_adapters(settings: Settings) -> list[Adapter]:
    """The adapters in use; raises, naming each development one, unless the configuration says development."""
    chosen = adapters(settings)
    if settings.development:
        return chosen
    wrong = [a for a in chosen if a.development]
    if wrong:
        lines = "；".join(f"{a.role}：{a.choice}（{a.fix}）" for a in wrong)
        raise DevelopmentAdapterError(
            f"拒绝启动：当前配置（TONGBAN_ENV={settings.env}）使用了开发用适配器——{lines}。"
            "开发用适配器只在 TONGBAN_ENV=development 时可用。"
        )
    return chosen


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
