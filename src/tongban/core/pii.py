"""Masking of personal data in free text: logs, audit details and messages (003 隐去年月日)."""

from __future__ import annotations

import logging
import re
import unicodedata

# 18-char resident/permit numbers, 15-char foreign permanent-residence ids, mainland mobiles.
_ID18 = re.compile(r"(?<![0-9A-Za-z])(\d{6})\d{8}(\d{3}[\dXx])(?![0-9A-Za-z])")
_FOREIGN15 = re.compile(r"(?<![0-9A-Za-z])([A-Z]{3})\d{10}(\d{2})(?![0-9A-Za-z])")
_MOBILE = re.compile(r"(?<!\d)(1[3-9]\d)\d{4}(\d{4})(?!\d)")

_WHOLE_MOBILE = re.compile(r"1[3-9]\d{9}")


def mask_phone(phone: str) -> str:
    """A phone number as pages, logs and messages show it: 139****1174; other numbers keep their last four."""
    value = re.sub(r"[\s-]", "", unicodedata.normalize("NFKC", phone or ""))
    if _WHOLE_MOBILE.fullmatch(value):
        return value[:3] + "****" + value[-4:]
    if len(value) <= 4:
        return "*" * 4
    return "*" * max(4, len(value) - 4) + value[-4:]


# Each pattern above needs at least 11 digits in a row: text without such a run (most log lines) has nothing to mask.
_DIGIT_RUN = re.compile(r"\d{11}")


def mask_text(text: str) -> str:
    if _DIGIT_RUN.search(text) is None:
        return text
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
        for key in record.__dict__.keys() - _STANDARD:  # the `extra` fields
            value = record.__dict__[key]
            if isinstance(value, (str, dict, list, tuple)):
                setattr(record, key, mask_value(value))
        return True


_STANDARD = set(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {"message", "asctime"}
