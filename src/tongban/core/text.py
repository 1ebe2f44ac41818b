"""Free text people type (questions, complaints, comments, notes): one check for every domain."""

from __future__ import annotations

import re

from tongban.core.errors import InvalidInput

# Web page code in a text field is refused rather than stored and escaped: nobody describes a matter in HTML.
MARKUP_RE = re.compile(r"<\s*/?\s*[a-zA-Z!][^>]*>|javascript\s*:", re.IGNORECASE)


def clean_text(value: str | None, *, what: str, limit: int, required: bool = True, code: str = "TEXT") -> str:
    """Text as typed (trimmed), or a Chinese refusal naming `what`: empty, too long, or web page code."""
    text = (value or "").strip()
    if not text:
        if required:
            raise InvalidInput(f"{code}_REQUIRED", f"请填写{what}")
        return ""
    if len(text) > limit:
        raise InvalidInput(f"{code}_TOO_LONG", f"{what}太长了，请在 {limit} 个字以内")
    if MARKUP_RE.search(text):
        raise InvalidInput(f"{code}_MARKUP", f"{what}里不能带网页代码，请用文字描述")
    return text
