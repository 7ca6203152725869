"""Engine, sessions and the declarative base, for SQLite and PostgreSQL alike."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path

from sqlalchemy import (
    Connection,
    DateTime,
    Dialect,
    Engine,
    Enum,
    MetaData,
    TypeDecorator,
    UniqueConstraint,
    create_engine,
    event,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

# Stable constraint names so Alembic migrations read the same on both databases.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def normalise_url(url: str) -> str:
    """`postgresql://...` means psycopg 3, the driver we install."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def make_engine(url: str) -> Engine:
    url = normalise_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_SECONDS})
        event.listen(engine, "connect", _sqlite_connected)
        event.listen(engine, "begin", _sqlite_begin_immediately)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=POOL_SIZE, max_overflow=POOL_OVERFLOW)


# Connections each process keeps open to PostgreSQL, and how many more it may open for a burst (closed after it).
# A web worker runs at most POOL_SIZE requests at once (web/app.py), so it rarely needs the overflow; four workers
# hold at most 4 x 12 = 48 connections, within PostgreSQL's default max_connections of 100.
POOL_SIZE = 8
POOL_OVERFLOW = 4


# How long a second writer waits for the first to commit before it is refused.
SQLITE_BUSY_SECONDS = 30


def _sqlite_connected(connection, _record) -> None:  # type: ignore[no-untyped-def]
    # The sqlite3 driver would BEGIN only at the first write, after this transaction had read balances that
    # another writer could change; hand transaction control to SQLAlchemy so `_sqlite_begin_immediately` runs.
    connection.isolation_level = None
    cursor = connection.cursor()
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_SECONDS * 1000}")
    cursor.close()


def _sqlite_begin_immediately(connection: Connection) -> None:
    """Take the write lock at the start of every transaction, so that what it reads stays true until it commits.

    SQLite has one writer at a time; a second transaction waits here (up to the busy timeout) instead of
    reading a balance that the first is about to change. Readers outside a transaction are unaffected (WAL).
    """
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work: commits once at the end, or rolls everything back on error."""
    with factory() as session, session.begin():
        yield session


class UTCDateTime(TypeDecorator[dt.datetime]):
    """A moment in time, stored as UTC and always read back timezone-aware (SQLite drops the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("Moments must be timezone-aware")
        return value.astimezone(dt.UTC)

    def process_result_value(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


# Set as `info={CLASH: "..."}` on a unique column or constraint: what to tell a user whose change lost a race to it.
CLASH = "clash"
_CLASH_FALLBACK = "Someone else saved the same record at the same moment, so nothing was changed. Try again"
_SQLITE_UNIQUE = re.compile(r"UNIQUE constraint failed: (\w+)\.(\w+)")
_POSTGRES_KEY = re.compile(r"Key \((\w+)")


def clash_message(error: IntegrityError) -> str | None:
    """What a unique-constraint violation means to the user, or None when it is some other integrity error.

    A uniqueness rule that a service checks before writing can still be broken by two requests at once on
    PostgreSQL; the loser meets the constraint and is told so here, instead of seeing a server error.
    """
    original = error.orig
    if (sqlite := _SQLITE_UNIQUE.search(str(original))) is not None:
        table_name, column_name = sqlite.groups()
    elif getattr(original, "sqlstate", None) == "23505":  # PostgreSQL's unique_violation
        diagnostic = original.diag  # type: ignore[union-attr]
        key = _POSTGRES_KEY.search(diagnostic.message_detail or "")
        if key is None or diagnostic.table_name is None:
            return _CLASH_FALLBACK
        table_name, column_name = diagnostic.table_name, key[1]
    else:
        return None
    table = Base.metadata.tables.get(table_name)
    if table is None:
        return _CLASH_FALLBACK
    for constraint in table.constraints:
        first_columns = constraint.columns.keys()[:1] if isinstance(constraint, UniqueConstraint) else []
        if first_columns == [column_name] and CLASH in constraint.info:
            return constraint.info[CLASH]
    column = table.columns.get(column_name)
    return column.info.get(CLASH, _CLASH_FALLBACK) if column is not None else _CLASH_FALLBACK


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def enum_of(enum_class: type[StrEnum], length: int) -> Enum:
    """A column of an enum's values (not its member names), as VARCHAR on both databases."""
    return Enum(
        enum_class,
        native_enum=False,
        length=length,
        validate_strings=True,
        values_callable=lambda members: [member.value for member in members],
    )
