"""SIGKILL during six operations, on SQLite and PostgreSQL: each found whole or absent, never partial; every
trial balance zero and the audit chain whole after each kill.

The harness is tests/reliability/crash.py; bench/crash.py runs it with 20 kills per operation and full-size
inputs (5,000 partners, 200 allocations, 500 records to link). Here each operation is killed twice, with smaller
inputs, to keep the test short.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import PG_URL
from tests.reliability.crash import OPERATIONS, Databases, PostgresCopies, SqliteCopies, run_kills

KILLS = 2
SIZES = {
    "partner import": 600,
    "allocation approval": 40,
    "business case save": 1,
    "referral": 1,
    "linkage run": 100,
    "claim": 1,
}


@pytest.fixture(
    params=[pytest.param("sqlite", marks=pytest.mark.sqlite), pytest.param("postgres", marks=pytest.mark.postgres)]
)
def databases(request: pytest.FixtureRequest, tmp_path: Path) -> Databases:
    if request.param == "sqlite":
        return SqliteCopies(request.getfixturevalue("sqlite_demo_template"), tmp_path)
    return PostgresCopies(PG_URL, request.getfixturevalue("postgres_demo_template"))


def test_every_operation_killed_mid_flight_is_whole_or_absent_and_the_books_stay_whole(
    databases: Databases,
) -> None:
    tallies = [run_kills(databases, name, kills=KILLS, size=SIZES[name]) for name in OPERATIONS]
    assert [tally.operation for tally in tallies] == list(SIZES)
    assert [(tally.kills, tally.partial, tally.faults) for tally in tallies] == [(KILLS, 0, [])] * len(SIZES)
    assert [tally.whole + tally.absent for tally in tallies] == [KILLS] * len(SIZES)
