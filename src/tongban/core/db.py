"""Database engine, sessions and the declarative base; SQLite (WAL) or PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from functools import partial
from pathlib import Path
import time

from sqlalchemy import DateTime, MetaData, create_engine, event, inspect
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import DeclarativeBase, Session, make_transient_to_detached, sessionmaker
from sqlalchemy.types import TypeDecorator

from tongban.core.clock import as_utc
from tongban.core.config import get_settings

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


_COLUMNS: dict[str, frozenset[str]] = {}  # table → the columns a row must name (all but the generated key)


def insert_persistent(db_session: Session, cls: type, values: dict):
    """A new row's ORM object, inserted now (one INSERT) and persistent: what `Session.add` and `Session.flush` make.

    `values` must name every column but the generated `id`, so the object has nothing to load later. Like any
    flushed object it is expunged, back to transient and still readable, when the transaction rolls back."""
    table = cls.__table__
    columns = _COLUMNS.get(table.name)
    if columns is None:
        columns = _COLUMNS[table.name] = frozenset(c.key for c in table.columns if not c.primary_key)
    if not columns.issubset(values):
        raise ValueError(f"insert_persistent({table.name}) needs every column; missing {sorted(columns.difference(values))}")
    obj = cls(**values)
    db_session.add(obj)
    db_session.flush()
    return obj


def dialect_insert(dialect_name: str):
    """The `insert()` of the dialect, for what plain INSERT lacks on both (ON CONFLICT DO NOTHING / DO UPDATE)."""
    return postgresql.insert if dialect_name == "postgresql" else sqlite.insert


def attach_persistent(db_session: Session, cls: type, row: dict):
    """The ORM object of a row this transaction has just written with Core (`row` holds its key), persistent in
    the session with no SELECT to load it (`make_transient_to_detached`, then `Session.add`): it has nothing to
    flush, and columns not in `row` load when first read. If the transaction rolls back, the object is expired
    like every persistent one and its row is gone; an object a rolled-back transaction left under the same key
    (SQLite gives a rolled-back row's id out again) is put out of the session first."""
    obj = cls(**row)
    make_transient_to_detached(obj)
    stale = db_session.identity_map.get(inspect(obj).key)
    if stale is not None:
        db_session.expunge(stale)
    db_session.add(obj)
    return obj


class UtcDateTime(TypeDecorator):
    """Timestamps are stored in UTC and always come back timezone-aware."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        # SQLite keeps the wall time and drops the offset: a Beijing time must become UTC before it is written
        # (or compared), or it comes back eight hours off. Naive values are taken as the UTC they already are.
        if value is None or value.tzinfo is None:
            return value
        return value.astimezone(timezone.utc)

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        return as_utc(value)


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    # FULL: a commit is synced to disk before it returns, so a case number once shown survives a power cut or an
    # OS crash too (NORMAL only survives a killed process). It costs one fsync of the write-ahead log per commit.
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def make_engine(url: str | None = None) -> Engine:
    url = url or get_settings().database_url
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    engine = create_engine(url, pool_size=10, max_overflow=20)
    event.listen(engine, "connect", _mark_used)
    event.listen(engine, "checkin", _mark_used)
    event.listen(engine, "checkout", partial(_ping_if_idle, engine.dialect))
    return engine


PING_AFTER_IDLE_S = 10.0  # a pooled connection unused this long is tested before it is handed out


def _mark_used(_dbapi_connection, record, *_args) -> None:
    record.info["used_at"] = time.monotonic()


def _ping_if_idle(dialect, dbapi_connection, record, _proxy) -> None:
    """Pre-ping, but only connections that sat idle: one that served a request a moment ago is alive, and testing
    it would cost a round trip per transaction. A dead idle one (a firewall's idle timeout, a server restart
    meanwhile) is dropped and the pool hands out another. A server restart in the last seconds shows once, to the
    statement that meets the dead connection; SQLAlchemy then renews the whole pool."""
    if time.monotonic() - record.info.get("used_at", 0.0) < PING_AFTER_IDLE_S:
        return
    try:
        dialect.do_ping(dbapi_connection)
    except Exception as exc:
        raise DisconnectionError("stale pooled connection") from exc
    record.info["used_at"] = time.monotonic()


_engine: Engine | None = None
_factory: sessionmaker[Session] | None = None


def configure(url: str | None = None) -> Engine:
    """(Re)bind the process-wide engine; tests call this with their database."""
    global _engine, _factory
    if _engine is not None:
        _engine.dispose()
    _engine = make_engine(url)
    _factory = sessionmaker(bind=_engine, expire_on_commit=False)
    return _engine


def get_engine() -> Engine:
    if _engine is None:
        configure()
    assert _engine is not None
    return _engine


def session_factory() -> sessionmaker[Session]:
    if _factory is None:
        configure()
    assert _factory is not None
    return _factory


@contextmanager
def session_scope() -> Iterator[Session]:
    """A unit of work: commit on success, roll back on any error."""
    session = session_factory()()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
