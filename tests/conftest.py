"""Fixtures shared by every test: databases on SQLite and PostgreSQL, factories, the web client.

Database tests take the `engine` (or `session`, `client`) fixture, which runs each test on both
databases; `pytest -m sqlite` or `pytest -m postgres` selects one. Where PostgreSQL or chromium is
missing those tests skip with the reason, except under CI=true, where that is a failure.
"""

from __future__ import annotations

import fcntl
import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from wholeplace.auth import service as auth_service
from wholeplace.backup import restore_backup, write_backup
from wholeplace.db import Base, make_engine, normalise_url, session_factory
from wholeplace.migrate import upgrade
from wholeplace.models import import_all_models
from wholeplace.settings import Settings
from wholeplace.web.app import create_app

import_all_models()
# Sign-ins and new users hash passwords with argon2's cheapest parameters here: at the service's full cost,
# the 7 users of each casework test's place took 3 s to hash. What is tested (which hash matches) is the same.
auth_service.PASSWORDS.use(PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))
IN_CI = os.environ.get("CI", "").lower() == "true"
PG_URL = os.environ.get("WHOLEPLACE_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")


def unavailable(reason: str) -> None:
    """Skip loudly here; under CI a missing database or browser is a failure, not a skip."""
    if IN_CI:
        pytest.fail(f"CI=true and {reason}", pytrace=False)
    pytest.skip(f"SKIPPED, NOT TESTED: {reason}")


def _worker_database(admin_url: str, worker: str) -> str:
    """A database of this test worker's own, created afresh, so parallel workers never meet."""
    url = make_url(normalise_url(admin_url))
    name = f"wholeplace_test_{worker}_{os.getpid()}"  # runs at the same time on one server never meet
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def worker(request: pytest.FixtureRequest) -> str:
    return getattr(request.config, "workerinput", {}).get("workerid", "main")


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file, copied for each test (faster than migrating each time)."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()  # closing the last connection folds the write-ahead log into the file
    return path


@pytest.fixture(scope="session")
def postgres_engine(worker: str) -> Iterator[Engine]:
    try:
        url = _worker_database(PG_URL, worker)
    except Exception as error:
        unavailable(f"PostgreSQL is not reachable at {PG_URL}: {error}")
    engine = make_engine(url)
    upgrade(engine)
    yield engine
    engine.dispose()
    _drop_database(PG_URL, engine.url.database or "")


def _drop_database(admin_url: str, name: str) -> None:
    admin = create_engine(make_url(normalise_url(admin_url)), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _empty_postgres(engine: Engine) -> None:
    tables = ", ".join(f'"{table.name}"' for table in Base.metadata.sorted_tables)
    with engine.begin() as connection:
        # replica role: the audit table's append-only triggers stay in force for the code under test,
        # but not for this clean-up between tests.
        connection.execute(text("SET LOCAL session_replication_role = replica"))
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


def _load_demo_into(engine: Engine) -> None:
    from wholeplace.audit import unit_of_work
    from wholeplace.auth.actor import Actor
    from wholeplace.demo.load import load_demo

    with unit_of_work(session_factory(engine)) as session:
        load_demo(session, Actor.console())
    engine.dispose()


@pytest.fixture(scope="session")
def shared_demo(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory, worker: str) -> tuple[Path, Path]:
    """The Essex demo loaded once per run, not once per worker: a SQLite file and a backup of it.

    The first worker to need it loads it (about 30 s) while the others wait on a lock; PostgreSQL gets it by
    restoring the backup (about 6 s), which `tests/test_backup.py` proves gives the same rows and statements.
    """
    base = tmp_path_factory.getbasetemp()
    shared = base.parent if worker != "main" else base  # under xdist the run's directory holds each worker's
    database, backup = shared / "demo.db", shared / "demo.backup"
    with open(shared / "demo.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not backup.exists():
            building = shared / "demo-building.db"
            shutil.copy(sqlite_template, building)
            demo = make_engine(f"sqlite:///{building}")
            _load_demo_into(demo)
            write_backup(demo, shared / "demo-building.backup")
            demo.dispose()
            building.replace(database)
            (shared / "demo-building.backup").replace(backup)
    return database, backup


@pytest.fixture(scope="session")
def sqlite_demo_template(shared_demo: tuple[Path, Path]) -> Path:
    """The Essex demo in a SQLite file that each test using it copies."""
    return shared_demo[0]


@pytest.fixture(scope="session")
def postgres_demo_template(worker: str, shared_demo: tuple[Path, Path]) -> Iterator[str]:
    """The Essex demo restored once per run and worker into a PostgreSQL database that tests copy (TEMPLATE)."""
    try:
        url = _worker_database(PG_URL, f"{worker}_demo")
    except Exception as error:
        unavailable(f"PostgreSQL is not reachable at {PG_URL}: {error}")
    engine = make_engine(url)
    upgrade(engine)
    restore_backup(engine, shared_demo[1])
    engine.dispose()  # a template must have no connections when it is copied
    name = make_url(url).database or ""
    yield name
    _drop_database(PG_URL, name)


@pytest.fixture(
    params=[pytest.param("sqlite", marks=pytest.mark.sqlite), pytest.param("postgres", marks=pytest.mark.postgres)]
)
def demo_engine(request: pytest.FixtureRequest, tmp_path: Path, worker: str) -> Iterator[Engine]:
    """A database holding the Essex demo, on each database: a copy of the run's template, not a fresh load."""
    if request.param == "sqlite":
        path = tmp_path / "demo.db"
        shutil.copy(request.getfixturevalue("sqlite_demo_template"), path)
        sqlite = make_engine(f"sqlite:///{path}")
        yield sqlite
        sqlite.dispose()
        return
    template = request.getfixturevalue("postgres_demo_template")
    name = f"{template}_copy"
    admin = create_engine(make_url(normalise_url(PG_URL)), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
    admin.dispose()
    postgres = make_engine(make_url(normalise_url(PG_URL)).set(database=name).render_as_string(hide_password=False))
    yield postgres
    postgres.dispose()
    _drop_database(PG_URL, name)


@pytest.fixture
def demo_session(demo_engine: Engine) -> Iterator[Session]:
    """A session on the demo, in a transaction committed at the end of the test like a unit of work."""
    with session_factory(demo_engine)() as db_session, db_session.begin():
        yield db_session


@pytest.fixture(
    params=[pytest.param("sqlite", marks=pytest.mark.sqlite), pytest.param("postgres", marks=pytest.mark.postgres)]
)
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    if request.param == "sqlite":
        path = tmp_path / "wholeplace.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        sqlite = make_engine(f"sqlite:///{path}")
        yield sqlite
        sqlite.dispose()
    else:
        postgres = request.getfixturevalue("postgres_engine")
        _empty_postgres(postgres)
        yield postgres


@pytest.fixture
def sessions(engine: Engine) -> sessionmaker[Session]:
    return session_factory(engine)


@pytest.fixture
def session(sessions: sessionmaker[Session]) -> Iterator[Session]:
    """A session in an open transaction, committed at the end of the test like a unit of work."""
    with sessions() as db_session, db_session.begin():
        yield db_session


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(database_url=f"sqlite:///{tmp_path}/unused.db", max_failed_sign_ins=3, lockout_minutes=15)


@pytest.fixture
def client(settings: Settings, sessions: sessionmaker[Session]) -> Iterator[TestClient]:
    with TestClient(create_app(settings, sessions)) as test_client:
        yield test_client


_BACKEND_ID = re.compile(r"\[(?:[^\]]*-)?(sqlite|postgres)(?:-[^\]]*)?\]")


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Say how many database tests ran on each database, so a silent skip cannot pass for coverage."""
    ran = {"sqlite": 0, "postgres": 0}
    skipped = {"sqlite": 0, "postgres": 0}
    for outcome in ("passed", "failed", "skipped"):
        for report in terminalreporter.stats.get(outcome, []):
            match = _BACKEND_ID.search(getattr(report, "nodeid", ""))
            if match is None:
                continue
            if outcome == "skipped":
                skipped[match[1]] += 1
            elif report.when == "call":
                ran[match[1]] += 1
    terminalreporter.write_sep("=", "database tests")
    terminalreporter.write_line(
        f"ran on SQLite: {ran['sqlite']}, on PostgreSQL: {ran['postgres']}; "
        f"skipped on SQLite: {skipped['sqlite']}, on PostgreSQL: {skipped['postgres']}"
    )
