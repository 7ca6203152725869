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


def test_decisions_recorded_before_0004_keep_the_day_they_were_recorded_as_the_day_decided(
    empty_engine: Engine,
) -> None:
    config = alembic_config(empty_engine.url.render_as_string(hide_password=False))
    with empty_engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0003")
        stamp = "2026-12-04 10:15:00+00:00"
        connection.execute(
            text(
                "INSERT INTO organisations (id, identifier, name, kind, created_at, updated_at) "
                "VALUES (1, 'XX-PCC', 'Police and Crime Commissioner for Essex', 'police_and_crime_commissioner', "
                ":at, :at)"
            ),
            {"at": stamp},
        )
        connection.execute(
            text(
                "INSERT INTO funds (id, code, name, first_year, last_year, holder_id, created_at) "
                "VALUES (1, 'wecb', 'WECB', 2013, 2014, 1, :at)"
            ),
            {"at": stamp},
        )
        for reference, decided_at in (("PCC/038/13", stamp), ("PCC/039/13", None)):
            connection.execute(
                text(
                    "INSERT INTO decisions (reference, fund_id, title, report_date, author, decision_maker, purpose, "
                    "financial_implications, publish, status, decided_at, decided_by, created_by, created_at) "
                    "VALUES (:reference, 1, 'T', '2013-07-30', 'A', 'Police and Crime Commissioner for Essex', '', '', "
                    ":publish, :status, :decided_at, :decided_by, 'x', :at)"
                ),
                {
                    "reference": reference,
                    "publish": True,
                    "status": "approved" if decided_at else "draft",
                    "decided_at": decided_at,
                    "decided_by": "console:root" if decided_at else None,
                    "at": stamp,
                },
            )
    upgrade(empty_engine)
    with empty_engine.connect() as connection:
        rows = connection.execute(
            text("SELECT reference, decided_on, signed_by, recorded_by FROM decisions ORDER BY reference")
        ).all()
    assert [(reference, str(day) if day else None, signed, by) for reference, day, signed, by in rows] == [
        ("PCC/038/13", "2026-12-04", "Police and Crime Commissioner for Essex", "console:root"),
        ("PCC/039/13", None, None, None),
    ]
