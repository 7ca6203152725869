"""SIGKILL in the middle of six operations, 20 times each on SQLite and on PostgreSQL: whole or absent, never partial.

Run it with `.venv/bin/python bench/crash.py` (`--kills`, `--seed`, `--only sqlite|postgres`; `--kills 2` for a
quick look). It loads the demo once into a SQLite file and, on the PostgreSQL server of
WHOLEPLACE_BENCH_ADMIN_URL (default postgresql://postgres@127.0.0.1:5432/test), into a template database of its
own. For each operation (a 5,000-row partner import, an allocation of 200 recommendations approved, a business
case version saved, a referral, a linkage run over 500 pending records, a payment-by-results claim) it runs the
operation once to the end in a child process to time it, then `--kills` times on a fresh copy of the demo: start
the child, wait a random delay (seeded) between 0 and that time after its transaction begins, SIGKILL it, and
check that the operation is whole or absent, every fund's trial balance is zero and the audit chain verifies
(tests/reliability/crash.py says how). It prints a table of kills, whole, absent and partial per operation and
database, and exits 1 if any operation was found partial or any check failed.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the harness lives with the tests that use it

from tests.reliability.crash import (  # noqa: E402
    FULL_SIZES,
    OPERATIONS,
    Databases,
    PostgresCopies,
    SqliteCopies,
    Tally,
    run_kills,
)

from wholeplace.audit import unit_of_work  # noqa: E402
from wholeplace.auth.actor import Actor  # noqa: E402
from wholeplace.db import make_engine, normalise_url, session_factory  # noqa: E402
from wholeplace.demo.load import load_demo  # noqa: E402
from wholeplace.migrate import upgrade  # noqa: E402
from wholeplace.models import import_all_models  # noqa: E402

ADMIN_URL = os.environ.get("WHOLEPLACE_BENCH_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/test")
TEMPLATE = "wholeplace_bench_crash"


def load_demo_into(url: str) -> None:
    engine = make_engine(url)
    upgrade(engine)
    with unit_of_work(session_factory(engine)) as session:
        load_demo(session, Actor.console())
    engine.dispose()


def sqlite_demo(directory: Path) -> SqliteCopies:
    path = directory / "demo.db"
    load_demo_into(f"sqlite:///{path}")
    return SqliteCopies(path, directory)


def postgres_demo() -> PostgresCopies:
    admin = create_engine(make_url(normalise_url(ADMIN_URL)), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{TEMPLATE}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{TEMPLATE}"'))
    admin.dispose()
    load_demo_into(make_url(normalise_url(ADMIN_URL)).set(database=TEMPLATE).render_as_string(hide_password=False))
    return PostgresCopies(ADMIN_URL, TEMPLATE)


def drop_template() -> None:
    admin = create_engine(make_url(normalise_url(ADMIN_URL)), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{TEMPLATE}" WITH (FORCE)'))
    admin.dispose()


def table(tallies: list[Tally]) -> str:
    header = f"{'operation':<20} {'database':<11} {'size':>5} {'op (s)':>7} {'kills':>5} {'whole':>5} "
    header += f"{'absent':>6} {'partial':>7}"
    rows = [header, "-" * len(header)]
    for tally in tallies:
        rows.append(
            f"{tally.operation:<20} {tally.database:<11} {FULL_SIZES[tally.operation]:>5} "
            f"{tally.measured_seconds:>7.2f} {tally.kills:>5} {tally.whole:>5} {tally.absent:>6} {tally.partial:>7}"
        )
    totals = [sum(getattr(tally, column) for tally in tallies) for column in ("kills", "whole", "absent", "partial")]
    rows.append(
        f"{'total':<20} {'':<11} {'':>5} {'':>7} "
        + " ".join(f"{n:>{w}}" for n, w in zip(totals, (5, 5, 6, 7), strict=True))
    )
    return "\n".join(rows)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=20, help="kills per operation and database")
    parser.add_argument("--seed", type=int, default=2026, help="seeds the delays before each kill")
    parser.add_argument("--only", choices=["sqlite", "postgres"], help="one database only")
    arguments = parser.parse_args()
    import_all_models()
    started = time.monotonic()
    tallies: list[Tally] = []
    with tempfile.TemporaryDirectory(prefix="wholeplace-crash-") as directory:
        kinds = [arguments.only] if arguments.only else ["sqlite", "postgres"]
        for kind in kinds:
            print(f"Loading the demo into {kind}...", flush=True)
            databases: Databases = sqlite_demo(Path(directory)) if kind == "sqlite" else postgres_demo()
            try:
                for name in OPERATIONS:
                    tally = run_kills(
                        databases, name, kills=arguments.kills, size=FULL_SIZES[name], seed=arguments.seed
                    )
                    print(
                        f"  {tally.database}, {name}: {tally.kills} kills, {tally.whole} whole, {tally.absent} "
                        f"absent, {tally.partial} partial ({tally.seconds:.0f} s)",
                        flush=True,
                    )
                    tallies.append(tally)
            finally:
                if kind == "postgres":
                    drop_template()
    print()
    print(f"{platform.node()}, {os.cpu_count()} cores, seed {arguments.seed}, {time.monotonic() - started:.0f} s")
    print(table(tallies))
    faults = [f"{tally.database}, {tally.operation}: {fault}" for tally in tallies for fault in tally.faults]
    for fault in faults:
        print(f"FAULT {fault}")
    return 1 if faults or any(tally.partial for tally in tallies) else 0


if __name__ == "__main__":
    sys.exit(main())
