"""The audit trail: a chain of SHA-256 hashes that shows any edit, deletion or insertion."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, func, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from wholeplace import audit
from wholeplace.auth.actor import Actor


def write_entries(sessions: sessionmaker[Session], count: int) -> None:
    with sessions() as session, session.begin():
        for number in range(count):
            audit.record(session, Actor.console(), "test.entry", object_type="thing", object_id=number)


def tamper(engine: Engine, sql: str) -> None:
    """Change the table by hand, as someone with the database's keys could, triggers out of the way."""
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(text("SET LOCAL session_replication_role = replica"))
            connection.execute(text(sql))
        else:
            connection.execute(text("DROP TRIGGER IF EXISTS audit_entries_no_update"))
            connection.execute(text("DROP TRIGGER IF EXISTS audit_entries_no_delete"))
            connection.execute(text(sql))


def first_break(sessions: sessionmaker[Session]) -> audit.ChainBreak | None:
    with sessions() as session:
        return audit.verify(session)


def test_an_untouched_chain_verifies(sessions: sessionmaker[Session]) -> None:
    write_entries(sessions, 5)
    assert first_break(sessions) is None


def test_each_entry_holds_the_hash_of_the_one_before(sessions: sessionmaker[Session]) -> None:
    write_entries(sessions, 3)
    with sessions() as session:
        entries = session.query(audit.AuditEntry).order_by(audit.AuditEntry.seq).all()
    assert entries[0].prev_hash == audit.GENESIS
    assert [entry.prev_hash for entry in entries[1:]] == [entry.hash for entry in entries[:-1]]
    assert all(len(entry.hash) == 64 for entry in entries)


def test_an_edited_entry_is_named(engine: Engine, sessions: sessionmaker[Session]) -> None:
    write_entries(sessions, 5)
    tamper(engine, "UPDATE audit_entries SET actor = 'someone else' WHERE seq = 3")
    chain_break = first_break(sessions)
    assert chain_break is not None
    assert chain_break.seq == 3
    assert "changed" in chain_break.reason


def test_a_deleted_entry_is_found(engine: Engine, sessions: sessionmaker[Session]) -> None:
    write_entries(sessions, 5)
    tamper(engine, "DELETE FROM audit_entries WHERE seq = 2")
    chain_break = first_break(sessions)
    assert chain_break is not None and chain_break.seq == 3


def test_an_entry_cut_off_the_end_is_found(engine: Engine, sessions: sessionmaker[Session]) -> None:
    write_entries(sessions, 5)
    tamper(engine, "DELETE FROM audit_entries WHERE seq = 5")
    chain_break = first_break(sessions)
    assert chain_break is not None
    assert "ends at entry 4 but 5 were written" in str(chain_break)


def test_an_inserted_entry_is_found(engine: Engine, sessions: sessionmaker[Session]) -> None:
    write_entries(sessions, 3)
    with sessions() as session:
        second = session.query(audit.AuditEntry).filter_by(seq=2).one()
        fake_hash = "f" * 64
        values = {"at": second.at, "prev": second.prev_hash, "hash": fake_hash}
    tamper(engine, "UPDATE audit_entries SET seq = seq + 10 WHERE seq >= 2")
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO audit_entries (seq, at, actor, action, outcome, detail, prev_hash, hash) "
                "VALUES (2, :at, 'intruder', 'test.entry', 'allowed', '{}', :prev, :hash)"
            ),
            values,
        )
    chain_break = first_break(sessions)
    assert chain_break is not None and chain_break.seq == 2


def test_the_database_refuses_to_edit_or_delete_entries(sessions: sessionmaker[Session]) -> None:
    write_entries(sessions, 2)
    for statement in ("UPDATE audit_entries SET actor = 'x'", "DELETE FROM audit_entries"):
        with sessions() as session, pytest.raises(DBAPIError, match="append-only"), session.begin():
            session.execute(text(statement))
    assert first_break(sessions) is None


@pytest.mark.postgres
def test_concurrent_writers_queue_for_their_place_in_the_chain(postgres_engine: Engine) -> None:
    """Two transactions appending at once must not both link to the same previous entry."""
    import threading

    from tests.conftest import _empty_postgres
    from wholeplace.db import session_factory

    _empty_postgres(postgres_engine)
    sessions = session_factory(postgres_engine)
    write_entries(sessions, 1)  # the head row, as a migrated database has it
    barrier = threading.Barrier(4)

    def writer() -> None:
        barrier.wait()
        for _ in range(10):
            write_entries(sessions, 1)

    threads = [threading.Thread(target=writer) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with sessions() as session:
        assert session.query(audit.AuditEntry).count() == 41
    assert first_break(sessions) is None


def actions_in_chain(sessions: sessionmaker[Session]) -> list[tuple[int, str]]:
    with sessions() as session:
        return [(entry.seq, entry.action) for entry in session.scalars(select(audit.AuditEntry).order_by("seq"))]


def test_entries_join_the_chain_at_commit_in_the_order_recorded_and_a_rolled_back_savepoint_drops_its_own(
    sessions: sessionmaker[Session],
) -> None:
    with sessions() as session, session.begin():
        audit.record(session, Actor.console(), "test.first")
        with pytest.raises(RuntimeError), session.begin_nested():
            audit.record(session, Actor.console(), "test.refused_form")
            raise RuntimeError("the form had problems: its savepoint is rolled back")
        audit.record(session, Actor.console(), "test.second")
        assert actions_in_chain(sessions) == []  # another transaction sees nothing before the commit
    assert actions_in_chain(sessions) == [(1, "test.first"), (2, "test.second")]
    assert first_break(sessions) is None


def test_a_whole_transaction_rolled_back_leaves_no_entry_behind_for_the_next(sessions: sessionmaker[Session]) -> None:
    with sessions() as session:
        with session.begin():
            session.execute(select(1))
            audit.record(session, Actor.console(), "test.undone")
            session.rollback()
        with session.begin():
            audit.record(session, Actor.console(), "test.kept")
    assert actions_in_chain(sessions) == [(1, "test.kept")]


def test_reading_the_trail_mid_transaction_sees_its_own_entries_unless_it_asks_for_committed_ones_only(
    sessions: sessionmaker[Session],
) -> None:
    write_entries(sessions, 2)
    with sessions() as session, session.begin():
        audit.record(session, Actor.console(), "test.read")
        counted = select(func.count()).select_from(audit.AuditEntry)
        assert session.scalar(counted.execution_options(**audit.COMMITTED_ONLY)) == 2  # still waiting
        assert session.scalar(counted) == 3  # a count of the trail seals first
        mine = session.scalars(select(audit.AuditEntry).where(audit.AuditEntry.action == "test.read")).one()
        assert (mine.seq, mine.action) == (3, "test.read")  # sealed in its place before the read
    assert [action for _, action in actions_in_chain(sessions)] == ["test.entry", "test.entry", "test.read"]
    assert first_break(sessions) is None
