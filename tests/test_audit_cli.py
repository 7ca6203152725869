"""`wholeplace audit anchor` and `audit verify --anchor` on both databases."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from tests.test_audit import write_entries
from tests.test_audit_anchor import KEY, rewind_the_end
from tests.test_cli import database, run  # noqa: F401  (the fixture pointing the command at the test database)


@pytest.fixture
def anchor_key(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("WHOLEPLACE_AUDIT_ANCHOR_KEY", KEY)
    return KEY


def test_an_anchor_catches_the_end_cut_off_after_it(
    database: Engine,  # noqa: F811
    sessions: sessionmaker[Session],
    anchor_key: str,
    tmp_path: Path,
) -> None:
    write_entries(sessions, 5)
    anchor = tmp_path / "head.json"
    code, output = run("audit", "anchor", str(anchor))
    assert (code, output.strip()) == (0, f"Anchored the audit chain at entry 5 in {anchor}")

    code, output = run("audit", "verify", "--anchor", str(anchor))
    assert code == 0, output
    assert "The audit chain is intact: 5 entries; entry 5 is as the anchor saw it" in output

    rewind_the_end(database, to=3)
    code, output = run("audit", "verify")
    assert code == 0  # the checks are recorded as entries, and with the head rewound nothing shows
    code, output = run("audit", "verify", "--anchor", str(anchor))
    assert code == 1
    assert "The audit chain is broken at end of the chain: entry 5, seen by the anchor of" in output


def test_anchoring_without_a_key_says_which_setting_to_set(
    database: Engine,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("WHOLEPLACE_AUDIT_ANCHOR_KEY", raising=False)
    code, output = run("audit", "anchor", str(tmp_path / "head.json"))
    assert code == 1
    assert "WHOLEPLACE_AUDIT_ANCHOR_KEY: Set a secret key to sign and check audit anchors" in output
    assert not (tmp_path / "head.json").exists()
