"""Masking of personal data in free text: logs, audit details and messages (003 隐去年月日)."""

from __future__ import annotations

import logging
import re

# 18-char resident/permit numbers, 15-char foreign permanent-residence ids, mainland mobiles.
_ID18 = re.compile(r"(?<![0-9A-Za-z])(\d{6})\d{8}(\d{3}[\dXx])(?![0-9A-Za-z])")
_FOREIGN15 = re.compile(r"(?<![0-9A-Za-z])([A-Z]{3})\d{10}(\d{2})(?![0-9A-Za-z])")
_MOBILE = re.compile(r"(?<!\d)(1[3-9]\d)\d{4}(\d{4})(?!\d)")


def mask_text(text: str) -> str:
    text = _ID18.sub(lambda m: f"{m.group(1)}********{m.group(2)}", text)
    text = _FOREIGN15.sub(lambda m: f"{m.group(1)}**********{m.group(2)}", text)
    return _MOBILE.sub(lambda m: f"{m.group(1)}****{m.group(2)}", text)


def mask_value(value: object) -> object:
    """Mask strings anywhere inside a JSON-like value."""
    if isinstance(value, str):
        return mask_text(value)
    if isinstance(value, dict):
        return {key: mask_value(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [mask_value(item) for item in value]
    return value


class MaskingFilter(logging.Filter):
    """Rewrites every record so no ID number or phone leaves the process in a log line."""

    def filter(self, record: logging.LogRecord) -> bool:
        # Arguments stay arguments: some formatters (uvicorn's access log) unpack them.
        if isinstance(record.args, tuple):
            record.args = tuple(mask_text(a) if isinstance(a, str) else a for a in record.args)
        elif isinstance(record.args, dict):
            record.args = mask_value(record.args)
        record.msg = mask_text(record.msg) if isinstance(record.msg, str) else mask_value(record.msg)
        if record.exc_info:  # a traceback may quote the values too; format it once, masked
            record.exc_text = mask_text(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        if record.stack_info:
            record.stack_info = mask_text(record.stack_info)
        for key, value in list(record.__dict__.items()):
            if key not in _STANDARD and isinstance(value, (str, dict, list, tuple)):
                setattr(record, key, mask_value(value))
        return True


_STANDARD = set(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {"message", "asctime"}
