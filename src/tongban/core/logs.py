"""Structured (JSON) logs on stderr, one object per line (002 6.2.4.3)."""

from __future__ import annotations

import logging
import sys

from pythonjsonlogger.json import JsonFormatter

from tongban.core.config import get_settings
from tongban.core.pii import MaskingFilter

_configured = False


def configure_logging() -> None:
    global _configured
    if _configured:
        return
    settings = get_settings()
    handler = logging.StreamHandler(sys.stderr)
    if settings.log_json:
        handler.setFormatter(
            JsonFormatter("%(asctime)s %(levelname)s %(name)s %(message)s", rename_fields={"asctime": "ts", "levelname": "level"})
        )
    handler.addFilter(MaskingFilter())
    root = logging.getLogger("tongban")
    root.handlers[:] = [handler]
    root.setLevel(settings.log_level)
    root.propagate = False
    for name in ("uvicorn.access", "uvicorn.error"):  # request lines carry query strings
        logging.getLogger(name).addFilter(MaskingFilter())
    _configured = True


def get_logger(name: str) -> logging.Logger:
    return logging.getLogger(name if name.startswith("tongban") else f"tongban.{name}")
