"""Links that published content may carry: http(s) addresses and site paths, never `javascript:` or `data:`.

One rule for every schema field that holds a link (`WebLink`) and for templates that render one
(`is_web_link`), so a link that slipped in before the rule existed is still not rendered.
"""

from __future__ import annotations

import re
from typing import Annotated
from urllib.parse import urlsplit

from pydantic import AfterValidator, Field

MESSAGE = "链接须为以 http:// 或 https:// 开头的网址，或以 / 开头的本站地址"
# Browsers drop tabs and newlines inside a URL ("java\tscript:") and read "\" as "/": none belongs in a link.
_UNSAFE_CHARS = re.compile(r"[\x00-\x20\x7f-\x9f\\\s]")


def is_web_link(value: object) -> bool:
    """True for an absolute http(s) URL with a host, or a path on this site ("/guide/1")."""
    if not isinstance(value, str) or not value or _UNSAFE_CHARS.search(value):
        return False
    if value.startswith("/"):
        return not value.startswith("//")  # "//host" leaves the site without saying how: write https://host
    try:
        parts = urlsplit(value)
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.hostname)


def check_web_link(value: str) -> str:
    """The validator behind `WebLink`: an empty value means "no link"; anything else must be a web link."""
    if value and not is_web_link(value):
        raise ValueError(MESSAGE)
    return value


MAX_LENGTH = 300  # the columns that store links are String(300)
WebLink = Annotated[str, Field(max_length=MAX_LENGTH), AfterValidator(check_web_link)]
