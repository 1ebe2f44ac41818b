"""Alembic migrations run from inside the package (`tongban db upgrade`)."""

from __future__ import annotations

from importlib import resources

from alembic import command
from alembic.config import Config

from tongban.core.config import get_settings


def alembic_config(url: str | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(resources.files("tongban").joinpath("migrations")))
    cfg.set_main_option("sqlalchemy.url", (url or get_settings().database_url).replace("%", "%%"))
    return cfg


def upgrade(url: str | None = None, revision: str = "head") -> None:
    command.upgrade(alembic_config(url), revision)


def current(url: str | None = None) -> None:
    command.current(alembic_config(url))


def behind(url: str | None = None) -> tuple[str | None, str] | None:
    """(the database's revision, the code's head) when the database is not at the head the code expects; None when it
    is. A database nobody migrated has no revision (None)."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory
    from sqlalchemy import create_engine

    head = ScriptDirectory.from_config(alembic_config(url)).get_current_head()
    engine = create_engine(url or get_settings().database_url)
    try:
        with engine.connect() as conn:
            revision = MigrationContext.configure(conn).get_current_revision()
    finally:
        engine.dispose()
    return None if revision == head else (revision, head)
