"""Settings read from environment variables (TONGBAN_*)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path


def _default_database_url() -> str:
    var = Path(os.environ.get("TONGBAN_VAR_DIR", "var")).resolve()
    return f"sqlite:///{var / 'tongban.db'}"


@dataclass(frozen=True)
class Settings:
    database_url: str = field(default_factory=lambda: os.environ.get("TONGBAN_DATABASE_URL") or _default_database_url())
    log_level: str = field(default_factory=lambda: os.environ.get("TONGBAN_LOG_LEVEL", "INFO"))
    log_json: bool = field(default_factory=lambda: os.environ.get("TONGBAN_LOG_JSON", "1") != "0")
    portal_name: str = field(default_factory=lambda: os.environ.get("TONGBAN_PORTAL_NAME", "通办 · 政务服务网"))
    # Region shown as "this province" on the portal (GB/T 2260 code).
    home_region: str = field(default_factory=lambda: os.environ.get("TONGBAN_HOME_REGION", "510000"))


def get_settings() -> Settings:
    return Settings()
