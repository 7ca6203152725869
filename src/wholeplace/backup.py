"""Backup and restore of the whole database as one checksummed file, taken while the app serves.

The file is gzip-compressed JSON lines (docs/operations.md): a header naming the format, the schema's
Alembic revision, when it was taken and each table's row count; one line per row,
`{"t": table, "r": {column: value}}`, tables in foreign-key order; and a trailer holding the SHA-256 of
every byte before it. `write_backup` reads every table in one snapshot (PostgreSQL: one REPEATABLE READ,
read-only transaction; SQLite: one deferred read transaction, which in WAL mode does not stop writers).
`restore_backup` checks the whole file before it touches the target, refuses a target that holds data,
migrates it to head and inserts every row in one transaction.
"""

from __future__ import annotations

import base64
import datetime as dt
import gzip
import hashlib
import json
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from enum import Enum as PyEnum
from pathlib import Path
from typing import Any

from alembic.script import ScriptDirectory
from sqlalchemy import (
    JSON,
    Connection,
    Date,
    DateTime,
    Engine,
    Enum,
    Float,
    LargeBinary,
    Numeric,
    Table,
    Time,
    bindparam,
    create_engine,
    event,
    func,
    insert,
    inspect,
    select,
    text,
)
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool
from sqlalchemy.types import TypeDecorator, TypeEngine

from wholeplace import audit
from wholeplace.db import SQLITE_BUSY_SECONDS, Base
from wholeplace.migrate import alembic_config, upgrade
from wholeplace.models import import_all_models
from wholeplace.problems import InvalidInput, Problem

FORMAT = "wholeplace-backup"
VERSION = 1
BATCH = 2000  # rows per bulk insert


class BackupRefused(InvalidInput):
    """A backup that cannot be taken, or a restore that would harm the target or load a damaged file."""


@dataclass(frozen=True)
class BackupSummary:
    """What a backup holds (or a restore loaded): the schema revision, rows per table and the checksum."""

    revision: str
    created_at: str
    rows: dict[str, int]
    sha256: str
    audit_break: str | None = None  # after a restore: where the restored chain is broken, if it is

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())


def tables() -> list[Table]:
    """Every table of the app, parents before children."""
    import_all_models()
    return list(Base.metadata.sorted_tables)


# ---- writing -----------------------------------------------------------------------------------------------


def write_backup(engine: Engine, path: Path) -> BackupSummary:
    """Write one consistent snapshot of every table to `path` (gzip JSON lines with a SHA-256 trailer)."""
    with _snapshot(engine) as connection:
        revision = _revision(connection)
        if revision is None:
            raise BackupRefused([Problem("database", "The database has no schema yet: run `wholeplace db upgrade`")])
        counts = {table.name: connection.scalar(select(func.count()).select_from(table)) or 0 for table in tables()}
        created_at = dt.datetime.now(dt.UTC).isoformat()
        header = {"format": FORMAT, "version": VERSION, "revision": revision, "created_at": created_at}
        digest = hashlib.sha256()
        tmp = path.with_name(path.name + ".partial")
        with gzip.open(tmp, "wb") as out:

            def emit(line: dict[str, Any]) -> None:
                data = (json.dumps(line, separators=(",", ":"), ensure_ascii=False) + "\n").encode()
                digest.update(data)
                out.write(data)

            emit({**header, "tables": counts})
            for table in tables():
                order = list(table.primary_key.columns) or list(table.columns)
                for row in connection.execute(select(table).order_by(*order)).mappings():
                    emit({"t": table.name, "r": {name: _encode(value) for name, value in row.items()}})
            sha256 = digest.hexdigest()
            out.write((json.dumps({"end": True, "sha256": sha256}) + "\n").encode())
    tmp.replace(path)  # a half-written file never takes the backup's name
    return BackupSummary(revision, created_at, counts, sha256)


class _snapshot:
    """A connection in one read transaction that sees a single moment of the whole database."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.own: Engine | None = None

    def __enter__(self) -> Connection:
        if self.engine.dialect.name == "postgresql":
            self.connection = self.engine.connect().execution_options(
                isolation_level="REPEATABLE READ", postgresql_readonly=True
            )
            self.connection.begin()
            # Row-level security would hide case rows from a role it binds; make such a role fail loudly instead.
            self.connection.execute(text("SET LOCAL row_security = off"))
            return self.connection
        # The app's SQLite engine begins every transaction IMMEDIATE (the write lock); a backup wants a plain
        # deferred read transaction, which in WAL mode keeps one snapshot while writers carry on.
        self.own = create_engine(self.engine.url, poolclass=NullPool, connect_args={"timeout": SQLITE_BUSY_SECONDS})
        event.listen(self.own, "connect", _sqlite_autocommit_driver)
        self.connection = self.own.connect()
        self.connection.exec_driver_sql("BEGIN")
        return self.connection

    def __exit__(self, *exc: object) -> None:
        try:
            if self.own is not None:
                self.connection.exec_driver_sql("ROLLBACK")
            else:
                self.connection.rollback()
            self.connection.close()
        finally:
            if self.own is not None:
                self.own.dispose()


def _sqlite_autocommit_driver(connection, _record) -> None:  # type: ignore[no-untyped-def]
    connection.isolation_level = None  # we say BEGIN ourselves


def _revision(connection: Connection) -> str | None:
    if "alembic_version" not in inspect(connection).get_table_names():
        return None
    return connection.scalar(text("SELECT version_num FROM alembic_version"))


def _encode(value: object) -> object:
    """A column value as JSON, losslessly: decimals as text, moments in ISO 8601 with their zone, bytes base64."""
    if isinstance(value, PyEnum):
        return value.value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, bytes | memoryview):
        return base64.b64encode(bytes(value)).decode()
    return value


# ---- reading and checking -----------------------------------------------------------------------------------


def read_summary(path: Path) -> BackupSummary:
    """Check the whole file (checksum, trailer, header counts) and say what it holds; refuse a damaged one."""
    header: dict[str, Any] | None = None
    seen: dict[str, int] = {}
    digest = hashlib.sha256()
    trailer: dict[str, Any] | None = None
    for data, line in _lines(path):
        if trailer is not None:
            raise _damaged("there is data after its end")
        if header is None:
            header = line
            if line.get("format") != FORMAT or line.get("version") != VERSION:
                raise _damaged(f"it is not a {FORMAT} file of version {VERSION}")
        elif line.get("end") is True:
            trailer = line
            continue
        else:
            seen[line["t"]] = seen.get(line["t"], 0) + 1
        digest.update(data)
    if header is None:
        raise _damaged("it is empty")
    if trailer is None:
        raise _damaged("it has no end line, so it was cut short")
    if trailer.get("sha256") != digest.hexdigest():
        raise _damaged("its SHA-256 checksum does not match its contents")
    counts: dict[str, int] = header["tables"]
    for name, count in counts.items():
        if seen.get(name, 0) != count:
            raise _damaged(f"the header says {count} rows of {name} but it holds {seen.get(name, 0)}")
    if unknown := set(seen) - set(counts):
        raise _damaged(f"it holds rows of tables its header does not name: {', '.join(sorted(unknown))}")
    return BackupSummary(header["revision"], header["created_at"], counts, trailer["sha256"])


def _lines(path: Path) -> Iterator[tuple[bytes, dict[str, Any]]]:
    """Each line's bytes and its JSON; a file that gzip or JSON cannot read is damaged, never a traceback."""
    try:
        with gzip.open(path, "rb") as stream:
            for number, data in enumerate(stream, start=1):
                try:
                    line = json.loads(data)
                except ValueError as error:
                    raise _damaged(f"line {number} is not JSON ({error})") from None
                if not isinstance(line, dict) or not (number == 1 or "end" in line or {"t", "r"} <= line.keys()):
                    raise _damaged(f"line {number} is not a header, a row or the end")
                yield data, line
    except (OSError, EOFError, zlib.error) as error:
        raise _damaged(f"it cannot be decompressed ({error})") from None


def _damaged(reason: str) -> BackupRefused:
    return BackupRefused([Problem("backup", f"The backup is damaged: {reason}. Restore from another copy")])


# ---- restoring ----------------------------------------------------------------------------------------------


def restore_backup(engine: Engine, path: Path) -> BackupSummary:
    """Load a checked backup into an empty database, in one transaction, then verify the audit chain."""
    summary = read_summary(path)
    head = ScriptDirectory.from_config(
        alembic_config(engine.url.render_as_string(hide_password=False))
    ).get_current_head()
    if summary.revision != head:
        raise BackupRefused(
            [
                Problem(
                    "backup",
                    f"The backup's schema is at revision {summary.revision} and this version of wholeplace is at "
                    f"{head}: restore it with the wholeplace version that wrote it, then upgrade",
                )
            ]
        )
    with engine.connect() as connection:
        holding = _tables_holding_data(connection)
    if holding:
        raise BackupRefused(
            [
                Problem(
                    "database",
                    "The target database already holds data (in "
                    + ", ".join(holding[:5])
                    + (", ..." if len(holding) > 5 else "")
                    + "): restore only into a new, empty database",
                )
            ]
        )
    upgrade(engine)
    by_name = {table.name: table for table in tables()}
    try:
        with engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                connection.execute(text("SET LOCAL row_security = off"))
            connection.execute(by_name["audit_head"].delete())  # the empty chain's head that migration 0001 wrote
            batch: list[dict[str, Any]] = []
            current: Table | None = None
            for _data, line in _lines(path):
                if "t" not in line:
                    continue
                table = by_name[line["t"]]
                if table is not current or len(batch) >= BATCH:
                    _insert(connection, current, batch)
                    current, batch = table, []
                batch.append({name: _decode(table, name, value) for name, value in line["r"].items()})
            _insert(connection, current, batch)
            if connection.dialect.name == "postgresql":
                _reset_sequences(connection)
    except DBAPIError as error:
        raise BackupRefused(
            [Problem("database", f"The restore was rolled back, nothing was kept: {error.orig}")]
        ) from None
    with Session(engine) as session:
        chain_break = audit.verify(session)
    return BackupSummary(
        summary.revision,
        summary.created_at,
        summary.rows,
        summary.sha256,
        None if chain_break is None else str(chain_break),
    )


def _tables_holding_data(connection: Connection) -> list[str]:
    present = set(inspect(connection).get_table_names())
    holding = []
    for table in tables():
        if table.name not in present:
            continue
        if table.name == "audit_head":
            # A migrated, empty database has one head row at the start of the chain.
            rows = connection.execute(select(table.c.seq)).scalars().all()
            if rows and rows != [0]:
                holding.append(table.name)
        elif connection.execute(select(1).select_from(table).limit(1)).first() is not None:
            holding.append(table.name)
    return holding


def _insert(connection: Connection, table: Table | None, rows: list[dict[str, Any]]) -> None:
    if table is None or not rows:
        return
    # A JSON column's None is SQL NULL, as the app wrote it, not JSON's null.
    json_nulls = {
        column.name: bindparam(column.name, type_=JSON(none_as_null=True))
        for column in table.columns
        if isinstance(column.type, JSON) and column.nullable
    }
    statement = insert(table).values(json_nulls) if json_nulls else insert(table)
    connection.execute(statement, rows)


def _reset_sequences(connection: Connection) -> None:
    """Start each id sequence after the highest id restored, so the next insert does not collide."""
    for table in tables():
        if "id" in table.columns and table.c.id.primary_key and table.c.id.autoincrement:
            connection.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence(:table, 'id'), COALESCE(MAX(id), 0) + 1, false) "
                    f'FROM "{table.name}"'
                ),
                {"table": table.name},
            )


def _decode(table: Table, name: str, value: object) -> object:
    if value is None:
        return None
    column_type: TypeEngine[Any] = table.c[name].type
    if isinstance(column_type, TypeDecorator):
        column_type = column_type.impl if isinstance(column_type.impl, TypeEngine) else column_type.impl()
    if isinstance(column_type, Enum) and column_type.enum_class is not None:
        return column_type.enum_class(value)
    if isinstance(column_type, DateTime):
        return dt.datetime.fromisoformat(str(value))
    if isinstance(column_type, Date):
        return dt.date.fromisoformat(str(value))
    if isinstance(column_type, Time):
        return dt.time.fromisoformat(str(value))
    if isinstance(column_type, Numeric) and not isinstance(column_type, Float):
        return Decimal(str(value))
    if isinstance(column_type, LargeBinary):
        return base64.b64decode(str(value))
    return value
