"""/healthz answers from a ping at most a second old, and turns unhealthy when the database goes away."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import create_engine
from sqlalchemy.exc import OperationalError

from tongban.core import db as core_db
from tongban.web import health


def test_healthz_reports_the_database(client):
    answer = client.get("/healthz")
    assert answer.status_code == 200
    assert answer.json()["status"] == "ok" and answer.json()["database"] in ("sqlite", "postgresql")


def _answer(check: health.DatabaseHealth):
    """On a thread of its own: a browser test in the same worker may keep an event loop running on this one."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, check.answer()).result()


def test_a_ping_is_trusted_for_a_second_then_repeated(monkeypatch, tmp_path):
    check = health.DatabaseHealth(max_age=60)
    _answer(check)
    first = check.checked_at
    _answer(check)
    assert check.checked_at == first  # answered from the last ping
    gone = create_engine(f"sqlite:///{tmp_path}/missing/dir/tongban.db")
    monkeypatch.setattr(core_db, "get_engine", lambda: gone)
    _answer(check)  # still within its minute: the old ping stands
    check.max_age = 0
    with pytest.raises(OperationalError):
        _answer(check)
