"""Running balances on both databases: the statement as at today read from them equals the sum of the postings.

Hypothesis writes the ledger: contributions, allocations and moves between themes, on random days from 2012 to two
years ahead (recommendations carry later effective dates), in random financial years, and reversals. A plain model
of the accepted postings is the oracle: the statement as at today (read from the running balances), as at the
fund's last day, and as at random days in the past (the full query) must all equal it. Migration 0010's data step
must make the same rows as posting kept, and two threads posting at once must leave them equal to the postings.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
from collections import defaultdict
from dataclasses import dataclass

import pytest
from alembic.migration import MigrationContext
from alembic.operations import Operations
from alembic.script import ScriptDirectory
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from tests.factories import commands_on
from tests.funds.test_concurrency import run_at_once
from tests.funds.test_ledger import FINANCE, PCC, contribute, make_fund
from wholeplace import business_dates
from wholeplace.audit import AuditEntry, unit_of_work
from wholeplace.cli import app
from wholeplace.decisions.model import Decision
from wholeplace.funds import engine, ledger, running_balances
from wholeplace.funds.engine import AccountBalance, FundStatement
from wholeplace.funds.model import Account, AccountYearBalance, Fund, LedgerTransaction
from wholeplace.migrate import alembic_config
from wholeplace.money import FinancialYear, Money
from wholeplace.problems import Conflict, InvalidInput

FIRST, LAST = FinancialYear(2012), FinancialYear(2016)
THEMES = [
    "Themes:Reducing Re-offending",
    "Themes:Reducing Re-offending:Link Workers",
    "Themes:Strengthening Communities",
]
POOL = "Pool:Unallocated"
CONTRIBUTION = f"Contributions:{PCC}"
START = dt.date(2012, 4, 1)
fund_codes = itertools.count(1)


@dataclass(frozen=True)
class Move:
    """A money move the test asks the ledger for: from and to account (by index), pence, year, day."""

    source: int  # 0 the PCC's contributions, 1 the pool, 2.. a theme or project
    target: int
    pence: int
    year: int
    day: int  # days from START
    reverse_earlier: bool  # reverse an earlier accepted transaction instead


moves = st.lists(
    st.builds(
        Move,
        source=st.sampled_from([0, 0, 1, 1, 2, 3, 4]),
        target=st.integers(1, 4),
        pence=st.integers(1, 5_000_000),
        year=st.integers(FIRST.start_year, LAST.start_year),
        day=st.integers(0, (business_dates.today() - START).days + 730),
        reverse_earlier=st.integers(0, 5).map(lambda n: n == 0),  # one move in six is a reversal
    ),
    min_size=1,
    max_size=14,
)


@dataclass
class Ledger:
    """The fund under test and the postings it accepted: (account path, start year, pence, day) each."""

    fund: Fund
    decision: Decision
    accounts: list[Account]
    postings: list[tuple[str, int, int, dt.date]]
    transactions: list[LedgerTransaction]


def new_ledger(session: Session) -> Ledger:
    """A fund over 2012/13 to 2016/17 with the PCC's first contribution of £100,000 posted on 30 July 2013."""
    fund = make_fund(session, code=f"running-{next(fund_codes)}", first=FIRST, last=LAST)
    decision = contribute(session, fund, "100000", reference=f"CONTRIB/{fund.code}")
    paths = [CONTRIBUTION, POOL, *THEMES]
    accounts = [ledger.open_account(session, FINANCE, fund, path) for path in paths]
    first = session.scalars(select(LedgerTransaction).where(LedgerTransaction.fund_id == fund.id)).one()
    postings = [(p.account.path, p.financial_year, p.amount_pence, first.date) for p in first.postings]
    return Ledger(fund, decision, accounts, postings, [first])


def apply(session: Session, books: Ledger, move: Move) -> None:
    """Post the move (or reverse an earlier transaction) and note what was accepted; a refusal changes nothing."""
    day = START + dt.timedelta(days=move.day)
    try:
        if move.reverse_earlier:
            original = books.transactions[move.pence % len(books.transactions)]
            posted = ledger.reverse(session, FINANCE, transaction_id=original.id, decision=books.decision, date=day)
        else:
            if move.source == move.target:
                return
            source, target = books.accounts[move.source], books.accounts[move.target]
            year, amount = FinancialYear(move.year), Money(move.pence)
            posted = ledger.post(
                session,
                FINANCE,
                fund=ledger.lock_fund(session, books.fund.id),
                decision=books.decision,
                date=day,
                description=f"{source.path} to {target.path}",
                lines=[(source, -amount, year), (target, amount, year)],
            )
    except (Conflict, InvalidInput):  # not enough money, or reversed already: nothing was posted
        return
    books.transactions.append(posted)
    books.postings += [(p.account.path, p.financial_year, p.amount_pence, day) for p in posted.postings]


def expected_statement(books: Ledger, as_at: dt.date) -> FundStatement:
    """The oracle: the accepted postings dated up to the day, summed in Python by account and year."""
    by_account: dict[str, dict[FinancialYear, Money]] = defaultdict(dict)
    for path, year, pence, day in books.postings:
        if day <= as_at:
            years = by_account[path]
            years[FinancialYear(year)] = years.get(FinancialYear(year), Money(0)) + Money(pence)
    balances = [
        AccountBalance(
            account.path,
            account.kind,
            account.organisation.name if account.organisation else None,
            by_account[account.path],
        )
        for account in books.accounts
    ]
    return engine.fund_statement(balances, as_at)


def kept_rows(session: Session, fund_id: int) -> dict[tuple[int, int], tuple[int, int]]:
    rows = session.execute(
        select(
            AccountYearBalance.account_id,
            AccountYearBalance.financial_year,
            AccountYearBalance.balance_pence,
            AccountYearBalance.postings,
        )
        .join(Account)
        .where(Account.fund_id == fund_id)
    )
    return {(account_id, year): (pence, count) for account_id, year, pence, count in rows}


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(asked=moves, past=st.lists(st.integers(0, 2200), min_size=2, max_size=2))
def test_the_statement_from_running_balances_equals_the_sum_of_the_postings(
    session: Session, asked: list[Move], past: list[int]
) -> None:
    books = new_ledger(session)
    for move in asked:
        apply(session, books, move)
    today = business_dates.today()
    latest = max(day for _, _, _, day in books.postings)
    for as_at in (today, latest, today + dt.timedelta(days=800)):
        assert ledger.statement(session, FINANCE, fund_id=books.fund.id, as_at=as_at) == expected_statement(
            books, as_at
        )
    for days in past:  # the full query; the running balances less the later postings agree with it on any day
        as_at = START + dt.timedelta(days=days)
        assert ledger.statement(session, FINANCE, fund_id=books.fund.id, as_at=as_at) == expected_statement(
            books, as_at
        )
        assert running_balances.balances_as_at(session, books.fund.id, as_at=as_at) == running_balances.balances_up_to(
            session, books.fund.id, up_to=as_at
        )
    compared, problems = ledger.check_running_balances(session, FINANCE, fund_id=books.fund.id)
    assert problems == []
    assert compared == len({(path, year) for path, year, _, _ in books.postings})


def test_a_statement_as_at_today_leaves_out_a_recommendation_effective_next_year(session: Session) -> None:
    books = new_ledger(session)
    next_year = business_dates.today() + dt.timedelta(days=365)
    apply(session, books, Move(1, 2, 2_500_000, 2013, (next_year - START).days, False))  # £25,000 to a theme
    assert len(books.transactions) == 2
    now = ledger.statement(session, FINANCE, fund_id=books.fund.id)
    later = ledger.statement(session, FINANCE, fund_id=books.fund.id, as_at=next_year)
    # £100,000 came in; today none of it is allocated, from next year £25,000 of it is
    assert (now.contributed, now.allocated, now.unallocated) == (Money(10_000_000), Money(0), Money(10_000_000))
    assert (later.allocated, later.unallocated) == (Money(2_500_000), Money(7_500_000))
    assert now.lines == () and now.allocated_by_year == ()  # no theme year appears before its first posting
    assert later.allocated_by_year == ((FinancialYear(2013), Money(2_500_000)),)


def run_migration_0010(session: Session, step: str) -> None:
    """Run revision 0010's own upgrade or downgrade on the session's connection, inside its transaction."""
    revision = ScriptDirectory.from_config(alembic_config("sqlite://")).get_revision("0010")
    assert revision is not None
    context = MigrationContext.configure(session.connection())
    with Operations.context(context):
        getattr(revision.module, step)()


def test_migration_0010_computes_the_balances_posting_kept(session: Session) -> None:
    first, second = new_ledger(session), new_ledger(session)
    next_year = (business_dates.today() + dt.timedelta(days=365) - START).days
    for books in (first, second):
        for move in (
            Move(0, 1, 3_000_000, 2013, 500, False),
            Move(1, 2, 1_234_567, 2013, 600, False),
            Move(0, 1, 2_000_000, 2014, 550, False),
            Move(1, 3, 765_433, 2014, next_year, False),
            Move(2, 4, 34_567, 2013, 700, False),
            Move(0, 0, 1, 0, 800, True),  # reverses the £30,000 contribution
        ):
            apply(session, books, move)
    assert [len(books.transactions) for books in (first, second)] == [7, 7]
    before = {books.fund.id: kept_rows(session, books.fund.id) for books in (first, second)}
    assert [len(rows) for rows in before.values()] == [7, 7]
    run_migration_0010(session, "downgrade")
    run_migration_0010(session, "upgrade")
    assert {books.fund.id: kept_rows(session, books.fund.id) for books in (first, second)} == before
    assert ledger.statement(session, FINANCE, fund_id=first.fund.id) == expected_statement(
        first, business_dates.today()
    )


def test_two_threads_posting_at_once_leave_the_balances_equal_to_the_postings(
    sessions: sessionmaker[Session],
) -> None:
    with unit_of_work(sessions) as session:
        books = new_ledger(session)
        fund_id, decision_id = books.fund.id, books.decision.id
        account_ids = [account.id for account in books.accounts[:2]]

    def post_ten(thread: int) -> int:
        for number in range(10):
            with unit_of_work(sessions) as session:
                fund = ledger.lock_fund(session, fund_id)
                source, pool = (session.get_one(Account, account_id) for account_id in account_ids)
                year, amount = FinancialYear(2013 + (number + thread) % 2), Money(100 * (thread + 1))
                ledger.post(
                    session,
                    FINANCE,
                    fund=fund,
                    decision=session.get_one(Decision, decision_id),
                    date=dt.date(2014, 1, 1) + dt.timedelta(days=number),
                    description=f"Contribution {thread}.{number}",
                    lines=[(source, -amount, year), (pool, amount, year)],
                )
        return thread

    assert run_at_once(2, post_ten) == [0, 1]
    with unit_of_work(sessions) as session:
        assert ledger.check_running_balances(session, FINANCE, fund_id=fund_id) == (4, [])
        rows = kept_rows(session, fund_id)
        # each thread put in 5 x £1 (or £2) in each of 2013/14 and 2014/15; the first contribution is £100,000
        assert rows[(account_ids[1], 2013)] == (10_000_000 + 500 + 1000, 11)
        assert rows[(account_ids[1], 2014)] == (500 + 1000, 10)


@pytest.fixture
def database(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Engine:
    """Point the command at the test database, as WHOLEPLACE_DATABASE_URL does for a user."""
    with commands_on(engine, monkeypatch) as database:
        yield database


def test_check_balances_finds_a_balance_written_behind_the_ledger_and_repair_corrects_it(database: Engine) -> None:
    sessions = sessionmaker(database)
    with unit_of_work(sessions) as session:
        books = new_ledger(session)
        code, fund_id, pool_id = books.fund.code, books.fund.id, books.accounts[1].id
    runner = CliRunner()
    result = runner.invoke(app, ["funds", "check-balances", code])
    assert result.exit_code == 0 and "The 2 running balances" in result.output, result.output
    with unit_of_work(sessions) as session:  # as a hand-written UPDATE would, outside the ledger
        session.execute(update(AccountYearBalance).where(AccountYearBalance.account_id == pool_id).values(postings=2))
    result = runner.invoke(app, ["funds", "check-balances", code])
    assert result.exit_code == 1
    assert (
        "Pool:Unallocated: 2013/14: the running balance is £100,000.00 over 2 postings, "
        "but the postings add up to £100,000.00 over 1"
    ) in " ".join(result.output.split())
    result = runner.invoke(app, ["funds", "check-balances", code, "--repair"])
    assert result.exit_code == 0 and "Made 2 running balances" in result.output, result.output
    with unit_of_work(sessions) as session:
        assert ledger.check_running_balances(session, FINANCE, fund_id=fund_id) == (2, [])
        entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "fund.running_balances_rebuilt")).one()
        detail = json.loads(entry.detail)
        assert detail["rows"] == 2
        assert detail["corrected"] == [
            "Pool:Unallocated: 2013/14: the running balance is £100,000.00 over 2 postings, "
            "but the postings add up to £100,000.00 over 1"
        ]


def test_every_demo_fund_has_running_balances_equal_to_its_postings(demo_session: Session) -> None:
    """The demo posts through the services (contributions, decisions, spend, claims), so its balances were kept."""
    today = business_dates.today()
    funds = demo_session.scalars(select(Fund).order_by(Fund.code)).all()
    for fund in funds:
        compared, problems = ledger.check_running_balances(demo_session, FINANCE, fund_id=fund.id)
        assert (compared > 0, problems) == (True, []), fund.code
        assert running_balances.balances_as_at(demo_session, fund.id, as_at=today) == running_balances.balances_up_to(
            demo_session, fund.id, up_to=today
        )
    assert len(funds) == 5  # WECB, the Community Safety Fund, Cheshire West's, the families scheme's, section 75
