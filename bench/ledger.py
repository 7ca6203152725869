"""Our fund statement against bean-query on the same ledger of a million postings.

`make bench` runs it. It builds a fresh SQLite database in a temporary directory (the real tables,
made by the migrations; rows bulk-inserted with SQLAlchemy Core, then the running balances made from
them with `running_balances.rebuild`, as `ledger.post` would have kept them), exports the fund to a
Beancount file with `wholeplace.funds.exports`, then times, as at today and as at a day in the past:

- ours: `ledger.statement`, the fund statement as the CLI and web pages compute it. As at today it reads
  the running balances and subtracts the postings dated after today; as at the past day it sums the
  postings up to that day (the full query);
- the old full query: what `ledger.balances` did before running balances (one SQL aggregate over every
  posting up to the day), turned into the same statement;
- bean-query in-process (beanquery's Python API on entries already loaded, so neither process start-up
  nor parsing is counted against it): per-account, per-financial-year sums, turned into the same statement;
- for scale, Beancount's own loading of the file, and the `bean-query` command end to end.

All three must give the same statement to the penny on each day, or the run fails. Results are printed with
the machine and row counts; bench/README.md keeps the figures measured.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import beanquery
from beancount import loader
from sqlalchemy import Engine, func, insert, select
from sqlalchemy.orm import Session

from wholeplace import business_dates
from wholeplace.auth.actor import Actor
from wholeplace.db import make_engine, session_factory, utcnow
from wholeplace.decisions.model import Decision, DecisionStatus
from wholeplace.funds import engine as funds_engine
from wholeplace.funds import exports, ledger, running_balances
from wholeplace.funds.engine import AccountBalance, FundStatement
from wholeplace.funds.model import Account, AccountKind, AccountYearBalance, Fund, LedgerTransaction, Posting
from wholeplace.migrate import upgrade
from wholeplace.models import import_all_models
from wholeplace.money import FinancialYear, Money
from wholeplace.partners.model import Organisation, OrganisationKind

T = TypeVar("T")
FIRST_YEAR, YEARS = 2013, 5
PARTNERS, THEMES, PROJECTS_PER_THEME = 8, 12, 25  # 300 projects, each with a spend account
CHUNK = 50_000
# One transaction in a thousand is a recommendation effective after today: a statement as at today leaves it out.
FUTURE_SHARE = 0.001


def timed(action: Callable[[], T]) -> tuple[float, T]:
    started = time.perf_counter()
    result = action()
    return time.perf_counter() - started, result


def build(engine: Engine, postings: int, seed: int) -> tuple[int, int]:
    """A fund of `postings` postings in two-posting transactions; returns (fund id, transactions)."""
    upgrade(engine)
    rng = random.Random(seed)
    with session_factory(engine)() as session, session.begin():
        holder = Organisation(
            identifier="GB-LAE-BEN", name="Bench County Council", kind=OrganisationKind.COUNTY_COUNCIL
        )
        partners = [
            Organisation(identifier=f"GB-LAE-P{n:02d}", name=f"Partner {n:02d}", kind=OrganisationKind.DISTRICT_COUNCIL)
            for n in range(1, PARTNERS + 1)
        ]
        session.add_all([holder, *partners])
        fund = Fund(
            code="bench", name="Bench Fund", first_year=FIRST_YEAR, last_year=FIRST_YEAR + YEARS - 1, holder=holder
        )
        session.add(fund)
        session.flush()
        decision = Decision(
            reference="BENCH/1",
            fund_id=fund.id,
            title="Bench allocations",
            report_date=dt.date(FIRST_YEAR, 4, 1),
            author="bench",
            decision_maker="bench",
            decision_maker_partner=holder,
            status=DecisionStatus.APPROVED,
            decided_on=dt.date(FIRST_YEAR, 4, 1),
            signed_by="bench",
            recorded_at=utcnow(),
            recorded_by="bench",
            money_posted_at=utcnow(),
            created_by="bench",
        )
        session.add(decision)
        contributions = [
            Account(fund_id=fund.id, path=f"Contributions:{p.name}", kind=AccountKind.CONTRIBUTION, organisation=p)
            for p in partners
        ]
        pool = Account(fund_id=fund.id, path="Pool:Unallocated", kind=AccountKind.UNALLOCATED)
        projects, spends, returns = [], [], []
        for theme in range(1, THEMES + 1):
            returns.append(Account(fund_id=fund.id, path=f"Returned:Theme {theme:02d}", kind=AccountKind.RETURNED))
            for project in range(1, PROJECTS_PER_THEME + 1):
                name = f"Theme {theme:02d}:Project {theme:02d}-{project:02d}"
                projects.append(Account(fund_id=fund.id, path=f"Themes:{name}", kind=AccountKind.PROJECT))
                spends.append(Account(fund_id=fund.id, path=f"Spend:{name}", kind=AccountKind.SPEND))
        session.add_all([*contributions, pool, *projects, *spends, *returns])
        session.flush()
        fund_id, decision_id = fund.id, decision.id
        contribution_ids, pool_id = [a.id for a in contributions], pool.id
        project_ids, spend_ids = [a.id for a in projects], [a.id for a in spends]
        return_ids = [a.id for a in returns]

    posted_at, today = utcnow(), business_dates.today()
    transactions = postings // 2
    per_year = transactions // YEARS
    # Partners put in about a tenth more each year than is allocated (30% of transactions, £50,050 on average).
    contribution = int(0.30 * per_year * 5_005_000 * 1.1 / PARTNERS)

    def rows() -> Iterator[tuple[dict[str, Any], tuple[dict[str, Any], dict[str, Any]]]]:
        for number in range(transactions):
            year = FIRST_YEAR + min(number // per_year, YEARS - 1)
            date = dt.date(year, 4, 1) + dt.timedelta(days=rng.randrange(365))
            kind = rng.random()
            if number % per_year >= PARTNERS and rng.random() < FUTURE_SHARE:  # effective within the next year
                date = today + dt.timedelta(days=rng.randrange(1, 366))
                source, target = pool_id, rng.choice(project_ids)
                pence, what = rng.randrange(10_000, 1_000_000), "Allocation effective later"
            elif (
                number % per_year < PARTNERS
            ):  # each partner's yearly contribution  # each partner's yearly contribution
                source, target = contribution_ids[number % per_year], pool_id
                pence, what = rng.randrange(contribution, contribution * 11 // 10 + 1), "Contribution"
            elif kind < 0.30:
                source, target = pool_id, rng.choice(project_ids)
                pence, what = rng.randrange(10_000, 10_000_000), "Allocation"
            elif kind < 0.98:
                index = rng.randrange(len(project_ids))
                source, target = project_ids[index], spend_ids[index]
                pence, what = rng.randrange(100, 3_000_000), "Spend"
            else:
                index = rng.randrange(len(project_ids))
                source, target = project_ids[index], return_ids[index // PROJECTS_PER_THEME]
                pence, what = rng.randrange(100, 500_000), "Underspend returned"
            transaction_id = number + 1
            yield (
                {
                    "id": transaction_id,
                    "fund_id": fund_id,
                    "date": date,
                    "description": f"{what} {transaction_id}",
                    "decision_id": decision_id,
                    "reverses_id": None,
                    "posted_at": posted_at,
                    "posted_by": "bench",
                },
                (
                    {
                        "transaction_id": transaction_id,
                        "account_id": source,
                        "amount_pence": -pence,
                        "financial_year": year,
                    },
                    {
                        "transaction_id": transaction_id,
                        "account_id": target,
                        "amount_pence": pence,
                        "financial_year": year,
                    },
                ),
            )

    with engine.connect() as connection:
        # A setting of the connection, which SQLite refuses inside a transaction: set it before the engine's BEGIN.
        connection.connection.driver_connection.execute("PRAGMA synchronous = OFF")
        connection.begin()
        batch_transactions: list[dict[str, Any]] = []
        batch_postings: list[dict[str, Any]] = []
        for transaction, pair in rows():
            batch_transactions.append(transaction)
            batch_postings.extend(pair)
            if len(batch_transactions) == CHUNK:
                connection.execute(insert(LedgerTransaction.__table__), batch_transactions)
                connection.execute(insert(Posting.__table__), batch_postings)
                batch_transactions, batch_postings = [], []
                print(f"  inserted {transaction['id']:,} transactions", file=sys.stderr, flush=True)
        if batch_transactions:
            connection.execute(insert(LedgerTransaction.__table__), batch_transactions)
            connection.execute(insert(Posting.__table__), batch_postings)
        connection.commit()
    # The rows went in behind the ledger's back, so the running balances it keeps are made from them here.
    with session_factory(engine)() as session, session.begin():
        running_balances.rebuild(session, fund_id)
    return fund_id, transactions


def statement_query(as_at: dt.date) -> str:
    """What `ledger.balances` computes: each account's sum by financial year, up to the end of a day."""
    return (
        "SELECT account, meta('financial_year') AS year, sum(number) AS total "
        f"WHERE date <= {as_at.isoformat()} GROUP BY account, year"
    )


def old_full_query_statement(session: Session, fund_id: int, as_at: dt.date) -> FundStatement:
    """The statement as `ledger.balances` computed it before running balances: every posting up to the day."""
    sums = session.execute(
        select(Posting.account_id, Posting.financial_year, func.sum(Posting.amount_pence))
        .join(LedgerTransaction, LedgerTransaction.id == Posting.transaction_id)
        .where(LedgerTransaction.fund_id == fund_id, LedgerTransaction.date <= as_at)
        .group_by(Posting.account_id, Posting.financial_year)
    )
    by_account: dict[int, dict[FinancialYear, Money]] = defaultdict(dict)
    for account_id, year, pence in sums:
        by_account[account_id][FinancialYear(year)] = Money(int(pence))
    balances = [
        AccountBalance(
            account.path,
            account.kind,
            account.organisation.name if account.organisation else None,
            by_account.get(account.id, {}),
        )
        for account in session.scalars(select(Account).where(Account.fund_id == fund_id))
    ]
    return funds_engine.fund_statement(balances, as_at)


def beanquery_statement(connection: beanquery.Connection, names: dict[str, str], as_at: dt.date) -> FundStatement:
    """The statement from bean-query: each account's sum by financial year, then our statement's arithmetic."""
    cursor = connection.execute(statement_query(as_at))
    ours = {name: path for path, name in names.items()}
    by_account: dict[str, dict[FinancialYear, Money]] = defaultdict(dict)
    for account, year, total in cursor:
        by_account[ours[account]][FinancialYear.parse(year)] = Money.from_pounds(total)
    balances = [
        AccountBalance(
            path,
            ledger.kind_of_path(path),
            path.split(":", 1)[1] if path.startswith("Contributions:") else None,
            by_year,
        )
        for path, by_year in by_account.items()
    ]
    return funds_engine.fund_statement(balances, as_at)


def median_time(action: Callable[[], T], repeat: int) -> tuple[float, float, T]:
    times, result = [], None
    for _ in range(repeat):
        gc.collect()
        seconds, result = timed(action)
        times.append(seconds)
    return statistics.median(times), min(times), result  # type: ignore[return-value]


def same(*statements: FundStatement) -> bool:
    return all(statement == statements[0] for statement in statements)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postings", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5, help="timed runs of each query (the median is reported)")
    parser.add_argument("--seed", type=int, default=2013)
    parser.add_argument("--keep", action="store_true", help="keep the database and Beancount file")
    args = parser.parse_args()
    import_all_models()
    loader.initialize(use_cache=False)  # Beancount must parse the file, not read a pickle of an earlier run

    directory = Path(tempfile.mkdtemp(prefix="wholeplace-bench-"))
    database, beancount_file = directory / "bench.db", directory / "bench.beancount"
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, {platform.system()} {platform.release()}")
    print(f"python {platform.python_version()}, SQLite {__import__('sqlite3').sqlite_version}, in {directory}")

    engine = make_engine(f"sqlite:///{database}")
    seconds, (fund_id, _) = timed(lambda: build(engine, args.postings, args.seed))
    today, dated = business_dates.today(), FinancialYear(FIRST_YEAR + YEARS - 2).ends
    with engine.connect() as connection:
        counts = {
            "accounts": connection.scalar(select(func.count()).select_from(Account)),
            "transactions": connection.scalar(select(func.count()).select_from(LedgerTransaction)),
            "postings": connection.scalar(select(func.count()).select_from(Posting)),
            "dated after today": connection.scalar(
                select(func.count()).select_from(LedgerTransaction).where(LedgerTransaction.date > today)
            ),
            "running balances": connection.scalar(select(func.count()).select_from(AccountYearBalance)),
        }
    print(f"built in {seconds:.1f} s: " + ", ".join(f"{count:,} {name}" for name, count in counts.items()))

    actor = Actor.console()
    with Session(engine) as session:
        seconds, (compared, problems) = timed(lambda: ledger.check_running_balances(session, actor, fund_id=fund_id))
        if problems:
            sys.exit(f"The running balances disagree with the postings: {problems[0]}")
        print(f"running balances checked against the postings in {seconds:.1f} s: all {compared:,} agree")
        seconds, fund = timed(lambda: exports.load_fund_ledger(session, actor, "bench"))
        print(f"loaded for export in {seconds:.1f} s")
        started = time.perf_counter()
        with beancount_file.open("w", encoding="utf-8") as handle:
            handle.writelines(exports.beancount_ledger(fund))
        seconds = time.perf_counter() - started
        print(f"exported to Beancount in {seconds:.1f} s: {beancount_file.stat().st_size / 1e6:.0f} MB")
        names = exports.beancount_account_names(account.path for account in fund.accounts)
        fund = None  # free the records before Beancount loads its own

        ours: dict[dt.date, tuple[float, float, FundStatement]] = {}
        old: dict[dt.date, tuple[float, float, FundStatement]] = {}
        for day in (today, dated):
            ours[day] = median_time(
                lambda day=day: ledger.statement(session, actor, fund_id=fund_id, as_at=day), args.repeat
            )
            old[day] = median_time(lambda day=day: old_full_query_statement(session, fund_id, day), args.repeat)

    seconds_load, (entries, errors, options) = timed(lambda: loader.load_file(str(beancount_file)))
    if errors:
        sys.exit(f"Beancount found {len(errors)} errors in the export, the first: {errors[0]}")
    print(f"Beancount loaded the file in {seconds_load:.1f} s ({len(entries):,} entries)")
    connection = beanquery.connect("beancount:", entries=entries, errors=errors, options=options)
    theirs = {
        day: median_time(lambda day=day: beanquery_statement(connection, names, day), args.repeat)
        for day in (today, dated)
    }
    for day in (today, dated):
        if not same(ours[day][2], old[day][2], theirs[day][2]):
            sys.exit(f"The statements as at {day} differ: bean-query, the old full query and ours do not agree")
        statement = ours[day][2]
        print(
            f"same statement from all three as at {day.day} {day:%B %Y}: contributed {statement.contributed}, "
            f"allocated {statement.allocated}, spent {statement.spent}, unallocated {statement.unallocated}"
        )

    command = [str(Path(sys.executable).parent / "bean-query"), str(beancount_file), statement_query(today)]
    seconds_command, completed = timed(lambda: subprocess.run(command, capture_output=True, text=True, check=False))
    if completed.returncode != 0:
        sys.exit(f"bean-query failed: {completed.stderr}")

    print()
    for day, label in ((today, "as at today"), (dated, f"as at {dated.day} {dated:%B %Y}")):
        print(label)
        for name, (median, best, _) in (
            ("ours, ledger.statement on SQLite", ours[day]),
            ("the old full query on SQLite", old[day]),
            ("bean-query in-process on loaded entries", theirs[day]),
        ):
            print(f"  {name:<42} median {median:8.4f} s (best {best:.4f} s)")
    print(f"Beancount loading the file                       {seconds_load:8.3f} s")
    print(f"bean-query command, load and query as at today   {seconds_command:8.3f} s")
    print()
    today_ours, dated_ours = ours[today][0], ours[dated][0]
    print(f"ratio, as at today, bean-query in-process / ours: {theirs[today][0] / today_ours:.0f}x (aim: 100x)")
    print(f"ratio, as at today, old full query / ours: {old[today][0] / today_ours:.0f}x")
    print(f"ratio, dated, ours / old full query: {dated_ours / old[dated][0]:.2f} (aim: 1.00 or less)")
    print(f"ratio, dated, bean-query in-process / ours: {theirs[dated][0] / dated_ours:.1f}x")
    print(
        "ratio, Beancount load + in-process query / ours as at today: "
        f"{(seconds_load + theirs[today][0]) / today_ours:.0f}x"
    )
    print(f"ratio, bean-query command / ours as at today: {seconds_command / today_ours:.0f}x")
    if not args.keep:
        shutil.rmtree(directory)


if __name__ == "__main__":
    main()
