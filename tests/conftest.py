"""Test database (SQLite by default, PostgreSQL with TONGBAN_TEST_DATABASE_URL), clock and clients."""

from __future__ import annotations

import os
from datetime import datetime, timezone

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

# Personal-data keys for tests only (real installations set their own or get a generated key file).
os.environ.setdefault("TONGBAN_DATA_KEY", "00112233445566778899aabbccddeeff")
os.environ.setdefault("TONGBAN_INDEX_KEY", "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0")
os.environ.setdefault("TONGBAN_ENV", "development")  # tests use the development adapters (file SMS, dev payments)

from argon2.profiles import CHEAPEST  # noqa: E402

from tongban.accounts import passwords  # noqa: E402
from tongban.core import db as core_db  # noqa: E402
from tongban.core.clock import FixedClock  # noqa: E402
from tongban.core.migrate import upgrade  # noqa: E402
from tongban.notify.sms import FileSmsGateway  # noqa: E402

passwords.use_parameters(CHEAPEST)  # argon2's profile for tests: accounts made by the thousand, not a tenth of a second each

# Every table but these is emptied after each test; regions and the working-day calendar are reference data loaded once.
KEEP = {"alembic_version", "region", "calendar_day", "calendar_year"}


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config, items):
    """Tests that never touch the test database (the browser tests drive a server on its own SQLite demo; the
    evaluation commands build a scratch SQLite file) would run identically twice: the PostgreSQL suite leaves them to
    the SQLite suite. The crawl, which seeds the test database, runs in both."""
    if not os.environ.get("TONGBAN_TEST_DATABASE_URL"):
        return
    once = pytest.mark.skip(reason="uses no test database: runs in the SQLite suite only")
    for item in items:
        if item.get_closest_marker("db_independent") or "live_server" in getattr(item, "fixturenames", ()):
            item.add_marker(once)


def _worker_url(base: str, worker: str) -> str:
    """Give each xdist worker its own PostgreSQL database so runs in parallel do not collide."""
    if worker == "master" or not base.startswith("postgresql"):
        return base
    head, _, dbname = base.rpartition("/")
    name = f"{dbname}_{worker}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        exists = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).scalar()
        if not exists:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return f"{head}/{name}"


@pytest.fixture(scope="session")
def database_url(tmp_path_factory, worker_id) -> str:
    base = os.environ.get("TONGBAN_TEST_DATABASE_URL")
    if base:
        url = _worker_url(base, worker_id)
        engine = create_engine(url, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:  # start from an empty schema every run
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
    upgrade(url)
    engine = core_db.configure(url)
    from tongban.catalog.regions import load_regions

    from tongban.workdays.service import seed_from_chinesecalendar

    with core_db.session_scope() as session:
        load_regions(db_session=session)
        seed_from_chinesecalendar(db_session=session, clock=FixedClock(datetime(2026, 1, 1, tzinfo=timezone.utc)))
    engine.dispose()
    return url


@pytest.fixture(scope="session")
def engine(database_url):
    return core_db.configure(database_url)


_PROBES: dict[int, tuple] = {}


def _probe(engine):
    """One statement naming the tables that hold rows, and the tables in an order rows can be deleted in."""
    from tongban.core.db import Base

    import tongban.models  # noqa: F401

    found = _PROBES.get(id(engine))
    if found is None:
        tables = [t for t in reversed(Base.metadata.sorted_tables) if t.name not in KEEP]
        probe = text(" UNION ALL ".join(f"SELECT '{t.name}' WHERE EXISTS (SELECT 1 FROM \"{t.name}\")" for t in tables))
        found = _PROBES[id(engine)] = (probe, tables)
    return found


def _clean(engine) -> None:
    """Empty the tables a test wrote to, children first, and start their ids again from 1 (as a fresh database
    would). Only the tables holding rows are touched: on PostgreSQL a TRUNCATE of every table cost 0.3 s a test."""
    probe, tables = _probe(engine)
    with engine.begin() as conn:
        dirty = set(conn.execute(probe).scalars())
        if "service_item" in dirty:
            conn.execute(text("UPDATE service_item SET live_version_id = NULL"))
        for table in tables:
            if table.name in dirty:
                conn.execute(table.delete())
        if conn.dialect.name == "postgresql":
            for table in tables:
                if table.name in dirty and "id" in table.c and table.c.id.autoincrement is not False:
                    conn.execute(text(f"SELECT setval(pg_get_serial_sequence('\"{table.name}\"', 'id'), 1, false)"))
        conn.execute(text("DELETE FROM region WHERE level IN ('township', 'village')"))


@pytest.fixture
def db_session(engine):
    session = core_db.session_factory()()
    try:
        yield session
    finally:
        session.rollback()
        session.close()
        _clean(engine)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(datetime(2026, 11, 20, 1, 30, tzinfo=timezone.utc))  # 09:30 in Shanghai, a Friday


@pytest.fixture
def sms(tmp_path) -> FileSmsGateway:
    """The development SMS gateway: every message is a JSON line the test can read back."""
    return FileSmsGateway(tmp_path / "sms.jsonl")


@pytest.fixture
def app(engine, clock, sms):
    from tongban.app import create_app

    return create_app(clock=clock, sms_gateway=sms)


@pytest.fixture
def client(app, db_session) -> TestClient:
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c
