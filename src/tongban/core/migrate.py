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
