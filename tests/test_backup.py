"""Backup and restore: the demo comes back row for row on either database, a backup taken while writers work
is one moment, and a damaged file or a database that holds data is refused with nothing changed."""

from __future__ import annotations

import gzip
import hashlib
import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from tests.conftest import PG_URL, _drop_database, _worker_database, unavailable
from wholeplace import audit
from wholeplace.auth.actor import Actor
from wholeplace.backup import BackupRefused, read_summary, restore_backup, tables, write_backup
from wholeplace.db import make_engine, session_factory
from wholeplace.funds import ledger
from wholeplace.funds.model import Fund


@pytest.fixture
def empty_postgres(worker: str) -> Iterator[Engine]:
    """A new PostgreSQL database with no schema at all, dropped afterwards."""
    try:
        url = _worker_database(PG_URL, f"{worker}_restore")
    except Exception as error:
        unavailable(f"PostgreSQL is not reachable at {PG_URL}: {error}")
    target = make_engine(url)
    yield target
    target.dispose()
    _drop_database(PG_URL, make_url(url).database or "")


def rows(engine: Engine) -> dict[str, list[dict[str, Any]]]:
    """Every table's rows, in primary key order."""
    with engine.connect() as connection:
        return {
            table.name: [dict(row) for row in connection.execute(select(table).order_by(*table.primary_key)).mappings()]
            for table in tables()
        }


def statements(engine: Engine) -> list[object]:
    with Session(engine) as session:
        funds = session.scalars(select(Fund.id).order_by(Fund.id)).all()
        return [ledger.statement(session, Actor.console(), fund_id=fund_id) for fund_id in funds]


def chain_break(engine: Engine) -> object:
    with Session(engine) as session:
        return audit.verify(session)


def test_the_demo_is_restored_row_for_row_into_sqlite_and_postgresql(
    demo_engine: Engine, empty_postgres: Engine, tmp_path: Path
) -> None:
    file = tmp_path / "demo.wholeplace-backup.gz"
    started = time.perf_counter()
    written = write_backup(demo_engine, file)
    took_backup = time.perf_counter() - started
    expected, expected_statements = rows(demo_engine), statements(demo_engine)
    assert written.total_rows > 1000 and written.rows["audit_entries"] > 0 and len(expected_statements) > 1
    assert {name: len(table_rows) for name, table_rows in expected.items()} == written.rows

    sqlite = make_engine(f"sqlite:///{tmp_path / 'restored.db'}")
    for target in (sqlite, empty_postgres):
        started = time.perf_counter()
        restored = restore_backup(target, file)
        took_restore = time.perf_counter() - started
        assert restored.audit_break is None and chain_break(target) is None
        assert restored.rows == written.rows and restored.sha256 == written.sha256
        got = rows(target)
        for name, table_rows in expected.items():
            assert got[name] == table_rows, name
        assert statements(target) == expected_statements
        print(
            f"{demo_engine.dialect.name} -> {target.dialect.name}: {written.total_rows} rows, "
            f"{file.stat().st_size} bytes, backup {took_backup:.2f} s, restore {took_restore:.2f} s"
        )
    sqlite.dispose()


def test_a_restored_database_takes_new_records_after_the_restored_ones(
    engine: Engine, tmp_path: Path, worker: str
) -> None:
    with audit.unit_of_work(session_factory(engine)) as session:
        for number in range(3):
            audit.record(session, Actor.console(), "test.before", number=number)
    file = tmp_path / "small.gz"
    write_backup(engine, file)
    target = make_engine(f"sqlite:///{tmp_path / 'restored.db'}")
    restore_backup(target, file)
    with audit.unit_of_work(session_factory(target)) as session:
        entry = audit.record(session, Actor.console(), "test.after")
    assert entry.seq == 4 and chain_break(target) is None
    target.dispose()


def test_a_backup_taken_while_the_app_writes_is_one_moment(engine: Engine, tmp_path: Path) -> None:
    sessions = session_factory(engine)
    with audit.unit_of_work(sessions) as session:
        for number in range(500):  # enough rows that the backup takes a while to read
            audit.record(session, Actor.console(), "test.seed", number=number)
    stop, written = threading.Event(), [0]

    def keep_writing() -> None:
        while not stop.is_set():
            with audit.unit_of_work(sessions) as session:
                audit.record(session, Actor.console(), "test.during", number=written[0])
            written[0] += 1

    writer = threading.Thread(target=keep_writing)
    writer.start()
    try:
        while written[0] < 3:
            time.sleep(0.01)
        before = written[0]
        summary = write_backup(engine, tmp_path / "during.gz")
        after = written[0]
    finally:
        stop.set()
        writer.join()
    assert after > before, "the writer made no entry while the backup was read"
    assert 500 + before <= summary.rows["audit_entries"] <= 500 + after + 1
    target = make_engine(f"sqlite:///{tmp_path / 'restored.db'}")
    restored = restore_backup(target, tmp_path / "during.gz")
    assert restored.audit_break is None
    assert {name: len(table_rows) for name, table_rows in rows(target).items()} == summary.rows
    target.dispose()


def rewrite(source: Path, target: Path, change: Any) -> None:
    """Write `source` again with `change` applied to its decompressed lines (a list of bytes)."""
    lines = gzip.decompress(source.read_bytes()).splitlines(keepends=True)
    target.write_bytes(gzip.compress(b"".join(change(lines))))


@pytest.fixture
def small_backup(engine: Engine, tmp_path: Path) -> Path:
    """A backup of a database with a few audit entries, taken on each database."""
    with audit.unit_of_work(session_factory(engine)) as session:
        for number in range(20):
            audit.record(session, Actor.console(), "test.entry", number=number)
    file = tmp_path / "small.gz"
    write_backup(engine, file)
    return file


def flip_a_compressed_byte(source: Path, target: Path) -> None:
    data = bytearray(source.read_bytes())
    data[len(data) // 2] ^= 0xFF
    target.write_bytes(bytes(data))


def flip_a_byte_in_a_row(source: Path, target: Path) -> None:
    def flip(lines: list[bytes]) -> list[bytes]:
        body = b"".join(lines[:-1]).replace(b"test.entry", b"test.entrY", 1)
        return [body, lines[-1]]

    rewrite(source, target, flip)


def cut_in_half(source: Path, target: Path) -> None:
    data = source.read_bytes()
    target.write_bytes(data[: len(data) // 2])


def drop_the_end(source: Path, target: Path) -> None:
    rewrite(source, target, lambda lines: lines[:-1])


@pytest.mark.parametrize(
    ("damage", "reason"),
    [
        (flip_a_compressed_byte, "The backup is damaged: "),
        (flip_a_byte_in_a_row, "The backup is damaged: its SHA-256 checksum does not match its contents"),
        (cut_in_half, "The backup is damaged: it cannot be decompressed"),
        (drop_the_end, "The backup is damaged: it has no end line, so it was cut short"),
    ],
)
def test_a_damaged_backup_is_refused_and_the_target_is_unchanged(
    small_backup: Path, tmp_path: Path, damage: Any, reason: str
) -> None:
    damaged = tmp_path / "damaged.gz"
    damage(small_backup, damaged)
    target = make_engine(f"sqlite:///{tmp_path / 'target.db'}")
    with pytest.raises(BackupRefused) as refused:
        restore_backup(target, damaged)
    assert str(refused.value).startswith(f"backup: {reason}"), str(refused.value)
    with target.connect() as connection:
        assert connection.exec_driver_sql("SELECT count(*) FROM sqlite_master").scalar() == 0  # not even migrated
    target.dispose()


def test_a_backup_from_another_schema_revision_is_refused(small_backup: Path, tmp_path: Path) -> None:
    def older(lines: list[bytes]) -> list[bytes]:
        header = json.loads(lines[0])
        body = [json.dumps({**header, "revision": "0008"}).encode() + b"\n", *lines[1:-1]]
        return [*body, json.dumps({"end": True, "sha256": hashlib.sha256(b"".join(body)).hexdigest()}).encode()]

    file = tmp_path / "older.gz"
    rewrite(small_backup, file, older)
    with pytest.raises(BackupRefused, match="schema is at revision 0008 and this version of wholeplace is at"):
        restore_backup(make_engine(f"sqlite:///{tmp_path / 'target.db'}"), file)


def test_a_database_that_holds_data_is_refused_and_unchanged(engine: Engine, small_backup: Path) -> None:
    before = rows(engine)
    with pytest.raises(BackupRefused, match=r"The target database already holds data .*audit_entries"):
        restore_backup(engine, small_backup)
    assert rows(engine) == before
    assert read_summary(small_backup).rows["audit_entries"] == 20


def test_the_commands_back_up_and_restore_and_refuse_a_damaged_file(
    engine: Engine, small_backup: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from wholeplace.cli import app
    from wholeplace.settings import get_settings

    runner = CliRunner()
    monkeypatch.setenv("WHOLEPLACE_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    get_settings.cache_clear()
    result = runner.invoke(app, ["backup", str(tmp_path / "cli.gz")])
    assert result.exit_code == 0, result.output
    assert "21 rows" in result.output and "SHA-256 " in result.output

    monkeypatch.setenv("WHOLEPLACE_DATABASE_URL", f"sqlite:///{tmp_path / 'cli-restored.db'}")
    get_settings.cache_clear()
    result = runner.invoke(app, ["restore", str(tmp_path / "cli.gz")])
    assert result.exit_code == 0, result.output
    assert "Restored" in result.output and "The restored audit chain is intact" in result.output

    cut_in_half(tmp_path / "cli.gz", tmp_path / "cut.gz")
    monkeypatch.setenv("WHOLEPLACE_DATABASE_URL", f"sqlite:///{tmp_path / 'other.db'}")
    get_settings.cache_clear()
    result = runner.invoke(app, ["restore", str(tmp_path / "cut.gz")])
    assert result.exit_code == 1 and "The backup is damaged: it cannot be decompressed" in result.output
    assert "Traceback" not in result.output
    get_settings.cache_clear()
