"""Migrations: one head, an empty database upgrades on both engines, and the models match the schema."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, inspect, text
from sqlalchemy.engine import make_url

from tests.conftest import PG_URL, unavailable
from wholeplace.db import Base, make_engine, normalise_url
from wholeplace.migrate import alembic_config, upgrade


@pytest.fixture(
    params=[pytest.param("sqlite", marks=pytest.mark.sqlite), pytest.param("postgres", marks=pytest.mark.postgres)]
)
def empty_engine(request: pytest.FixtureRequest, tmp_path: Path, worker: str) -> Iterator[Engine]:
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path}/empty.db")
        yield engine
        engine.dispose()
        return
    url = make_url(normalise_url(PG_URL))
    name = f"wholeplace_empty_{worker}_{os.getpid()}"
    try:
        admin = create_engine(url, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as error:  # any failure to reach the server means "unavailable"
        unavailable(f"PostgreSQL is not reachable at {PG_URL}: {error}")
    engine = make_engine(url.set(database=name).render_as_string(hide_password=False))
    yield engine
    engine.dispose()
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def test_the_migrations_have_a_single_head() -> None:
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    assert len(script.get_heads()) == 1


def test_an_empty_database_upgrades_to_the_models(empty_engine: Engine) -> None:
    upgrade(empty_engine)
    tables = set(inspect(empty_engine).get_table_names())
    assert set(Base.metadata.tables) <= tables
    with empty_engine.connect() as connection:
        differences = compare_metadata(
            MigrationContext.configure(connection, opts={"compare_type": True}), Base.metadata
        )
    assert differences == []


def test_the_schema_downgrades_to_empty_and_upgrades_again(empty_engine: Engine) -> None:
    upgrade(empty_engine)
    config = alembic_config(empty_engine.url.render_as_string(hide_password=False))
    with empty_engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "base")
    assert set(inspect(empty_engine).get_table_names()) <= {"alembic_version"}
    upgrade(empty_engine)
    assert "audit_entries" in inspect(empty_engine).get_table_names()
