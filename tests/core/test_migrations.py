"""The migrations make exactly the schema the models declare, and a migration keeps the data it finds."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, select, text
from sqlalchemy.orm import Session

from tests.cases.caseflow import approved_case
from tongban.core import db as core_db
from tongban.core.clock import FixedClock
from tongban.core.migrate import alembic_config, upgrade


def test_the_migrated_schema_is_the_one_the_models_declare(engine):
    """Tables, columns, types, indexes and keys: a model changed without its migration (or the other way) shows here."""
    import tongban.models  # noqa: F401

    with engine.connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), core_db.Base.metadata)
    assert differences == []


@pytest.fixture
def scratch_url(database_url, tmp_path):
    """An empty database of the suite's kind, beside the test database, for migrating up and down."""
    if not database_url.startswith("postgresql"):
        yield f"sqlite:///{tmp_path / 'migrations.db'}"
        return
    head, _, name = database_url.rpartition("/")
    scratch = f"{name}_migrations"
    admin = create_engine(database_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{scratch}"'))
    try:
        yield f"{head}/{scratch}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)'))
        admin.dispose()


def test_0014_keeps_the_cases_content_digest_and_the_licence_serials_across_a_downgrade(scratch_url):
    from tongban.catalog.models import ItemVersion
    from tongban.catalog.regions import load_regions
    from tongban.cases import licences
    from tongban.cases.models import Case
    from tongban.workdays.service import seed_from_chinesecalendar

    clock = FixedClock(datetime(2026, 11, 20, 1, 30, tzinfo=timezone.utc))
    upgrade(scratch_url)
    engine = core_db.make_engine(scratch_url)
    try:
        with Session(engine) as session:
            load_regions(db_session=session)
            seed_from_chinesecalendar(db_session=session, clock=clock)
            case, _person, _staff = approved_case(session, clock)
            session.commit()
            case_id, version_id, number = case.id, case.item_version_id, session.get(licences.License, case.licence_id).number
            digest = session.get(ItemVersion, version_id).content_sha256
            assert case.item_content_sha256 == digest and number.endswith("-000001")
        engine.dispose()

        command.downgrade(alembic_config(scratch_url), "0013")
        with engine.connect() as conn:
            names = inspect(conn).get_table_names()
            assert "licence_serial" not in names
            assert "item_content_sha256" not in {c["name"] for c in inspect(conn).get_columns("case_record")}
            assert "ix_case_event_case_id" in {i["name"] for i in inspect(conn).get_indexes("case_event")}
        engine.dispose()

        upgrade(scratch_url)
        with Session(engine) as session:
            assert session.get(Case, case_id).item_content_sha256 == digest  # filled in from the version
            prefix = number.rsplit("-", 1)[0] + "-"
            assert session.execute(select(licences.LicenceSerial.last).where(licences.LicenceSerial.prefix == prefix)).scalar_one() == 1
            second, _person, _staff = approved_case(session, clock)  # numbering goes on from the licence already issued
            session.commit()
            assert session.get(licences.License, second.licence_id).number == prefix + "000002"
    finally:
        engine.dispose()


def test_serve_refuses_a_database_behind_the_code_and_says_what_to_run(monkeypatch, tmp_path, database_url):
    import uvicorn
    from typer.testing import CliRunner

    from tongban import cli
    from tongban.core.migrate import upgrade

    monkeypatch.setattr(uvicorn, "run", lambda *args, **kwargs: None)
    monkeypatch.setenv("TONGBAN_ENV", "development")
    old = f"sqlite:///{tmp_path / 'old.db'}"
    upgrade(old, "0026")
    monkeypatch.setenv("TONGBAN_DATABASE_URL", old)
    refused = CliRunner().invoke(cli.app, ["serve", "--port", "8124"])
    assert refused.exit_code == 4 and "数据库结构不是最新" in refused.output and "db upgrade" in refused.output.replace("\n", "")
    monkeypatch.setenv("TONGBAN_DATABASE_URL", database_url)
    assert CliRunner().invoke(cli.app, ["serve", "--port", "8124"]).exit_code == 0
