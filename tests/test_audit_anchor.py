"""Checking the chain on request, and anchoring its head outside the database."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from tests.test_audit import tamper, write_entries
from wholeplace import audit, audit_anchor
from wholeplace.auth.actor import Actor
from wholeplace.problems import InvalidInput

KEY = "a secret kept in the operator's safe"


def anchor_file(sessions: sessionmaker[Session], tmp_path: Path, key: str = KEY) -> Path:
    with sessions() as session:
        anchor = audit_anchor.take_anchor(session)
    path = tmp_path / "anchor.json"
    path.write_text(json.dumps(anchor.signed(key)))
    return path


def verify_against(sessions: sessionmaker[Session], path: Path) -> audit.ChainBreak | None:
    with sessions() as session:
        return audit_anchor.verify_with_anchor(session, audit_anchor.read_anchor(path.read_text(), path.name, KEY))


def rewind_the_end(engine: Engine, *, to: int) -> None:
    """Cut entries off the end and rewind the head to match, as someone holding the database's keys could."""
    tamper(engine, f"DELETE FROM audit_entries WHERE seq > {to}")
    tamper(engine, f"UPDATE audit_head SET seq = {to}, hash = (SELECT hash FROM audit_entries WHERE seq = {to})")


def test_a_rewound_end_passes_verify_but_not_the_anchor(
    engine: Engine, sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    write_entries(sessions, 6)
    path = anchor_file(sessions, tmp_path)
    assert verify_against(sessions, path) is None

    rewind_the_end(engine, to=4)

    with sessions() as session:
        assert audit.verify(session) is None  # the hole the anchor closes
    chain_break = verify_against(sessions, path)
    assert chain_break is not None
    assert "entry 6, seen by the anchor of" in str(chain_break) and "is gone" in str(chain_break)


def test_a_rewritten_end_differs_from_the_anchor(
    engine: Engine, sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    write_entries(sessions, 3)
    path = anchor_file(sessions, tmp_path)
    rewind_the_end(engine, to=2)
    write_entries(sessions, 1)  # a new entry 3 takes the old one's place with another hash
    chain_break = verify_against(sessions, path)
    assert chain_break is not None and chain_break.seq == 3
    assert "differs from the anchor" in chain_break.reason


def test_entries_after_the_anchor_are_fine(sessions: sessionmaker[Session], tmp_path: Path) -> None:
    write_entries(sessions, 2)
    path = anchor_file(sessions, tmp_path)
    write_entries(sessions, 5)
    assert verify_against(sessions, path) is None


def test_an_anchor_signed_with_another_key_is_refused(sessions: sessionmaker[Session], tmp_path: Path) -> None:
    write_entries(sessions, 2)
    path = anchor_file(sessions, tmp_path, key="someone else's key")
    with pytest.raises(InvalidInput) as refused:
        verify_against(sessions, path)
    assert str(refused.value) == (
        "anchor.json, field 'signature': The signature does not match: the file was changed or the key differs"
    )


def test_an_anchor_edited_by_hand_is_refused(sessions: sessionmaker[Session], tmp_path: Path) -> None:
    write_entries(sessions, 4)
    path = anchor_file(sessions, tmp_path)
    edited = json.loads(path.read_text()) | {"seq": 2}
    path.write_text(json.dumps(edited))
    with pytest.raises(InvalidInput, match="The signature does not match"):
        verify_against(sessions, path)


def test_a_file_that_is_not_an_anchor_is_named() -> None:
    with pytest.raises(InvalidInput) as refused:
        audit_anchor.read_anchor("{\n  oops", "head.json", KEY)
    assert str(refused.value) == "head.json, line 2: The anchor file is not JSON"
    with pytest.raises(InvalidInput, match="Not an audit anchor: it needs seq, hash, at and signature"):
        audit_anchor.read_anchor('{"seq": 1}', "head.json", KEY)


def test_a_check_of_the_chain_is_recorded_and_read_back(engine: Engine, sessions: sessionmaker[Session]) -> None:
    write_entries(sessions, 4)
    with sessions() as session, session.begin():
        assert audit.last_verification(session, Actor.console()) is None
        first = audit.check_chain(session, Actor.console())
    assert (first.entries, first.chain_break, first.seq) == (4, None, 5)

    tamper(engine, "UPDATE audit_entries SET actor = 'someone else' WHERE seq = 2")
    with sessions() as session, session.begin():
        second = audit.check_chain(session, Actor.console())
    with sessions() as session:
        last = audit.last_verification(session, Actor.console())
        assert audit.entries_since(session, first.seq) == 1
    assert last == second
    assert last.entries == 5 and last.chain_break is not None
    assert last.chain_break.startswith("entry 2 (id") and "its contents were changed" in last.chain_break
