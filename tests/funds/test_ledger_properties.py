"""Any sequence of money moves, through the real services on a real database, keeps the ledger whole.

Hypothesis writes the sequence: contributions by up to three partners, allocations from the pool to
up to four themes and projects, re-profilings between years and between projects, spends, returns
and reversals. Each runs in its own unit of work, as a page or a CLI command would. A move the
ledger refuses (not enough money, bad input) must change nothing. After every move: the ledger is
exactly what a plain model of the accounts expects, the trial balance agrees to the penny, all
accounts sum to zero, contributed = allocated + unallocated, and nothing but a contribution account
is below zero in any year.
"""

from __future__ import annotations

import datetime as dt
import shutil
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from tests.factories import make_organisation
from wholeplace import audit
from wholeplace.auth.actor import Actor
from wholeplace.auth.model import Role
from wholeplace.db import make_engine, session_factory
from wholeplace.decisions import service as decisions
from wholeplace.decisions.model import Decision, DecisionStatus
from wholeplace.decisions.service import DecisionIn, RecommendationIn
from wholeplace.funds import ledger
from wholeplace.funds.engine import partner_statement, trial_balance
from wholeplace.funds.model import AccountKind, LedgerTransaction, Posting
from wholeplace.money import FinancialYear, Money
from wholeplace.partners.model import OrganisationKind
from wholeplace.problems import Conflict, InvalidInput

ACTOR = Actor(None, "finance@essex.example", None, frozenset({Role.FINANCE, Role.DECISION_MAKER}))
PARTNERS = [
    ("Police and Crime Commissioner for Essex", "XX-WHOLEPLACE-ESSEX-PCC"),
    ("Essex County Council", "GB-LAE-ESS"),
    ("Essex Probation Trust", "XX-WHOLEPLACE-ESSEX-PROBATION"),
]
POOL = "Pool:Unallocated"
TARGETS = [
    "Themes:Reducing Re-offending",
    "Themes:Reducing Re-offending:Link Workers",
    "Themes:Reducing Domestic Abuse:MASH Analyst",
    "Themes:Strengthening Communities",
]
FUND_YEARS = (2013, 2014)  # 2015/16 is outside the fund, so moves into it are refused


@dataclass(frozen=True)
class Share:
    """An amount given as quarters of what the source account holds in the year when the move runs.

    An allocation to several targets splits the pool evenly first: Share(4) to each of 3 targets
    is a third of the pool each.
    """

    quarters: int  # 5 quarters is more than the account holds


Amount = int | Share  # pence, or a share of the source


@dataclass(frozen=True)
class Contribute:
    partner: int
    pence: int
    year: int


@dataclass(frozen=True)
class Allocate:
    items: tuple[tuple[int, Amount], ...]  # (target, amount), one recommendation each
    year: int


@dataclass(frozen=True)
class ReprofileYears:
    account: int  # -1 for the pool, else a target
    amount: Amount
    from_year: int
    to_year: int


@dataclass(frozen=True)
class MoveBetweenProjects:
    source: int
    offset: int  # the target is this many places after the source in TARGETS; 0 is the source itself
    amount: Amount
    year: int


@dataclass(frozen=True)
class Spend:
    target: int
    amount: Amount
    year: int
    returned: bool


@dataclass(frozen=True)
class Reverse:
    which: int  # index into the transactions posted so far


# Amounts are mostly a share of what the source holds, so that many moves can go; now and then
# more than it holds (5 quarters), nothing at all (0), or a fixed sum in pence.
share = st.builds(Share, st.sampled_from([1, 2, 3, 4, 2, 0, 1, 3, 5, 4, 2, 1]))
amounts = st.one_of(share, share, share, st.integers(1, 5_000_000))
years = st.sampled_from([2013, 2013, 2013, 2014, 2014, 2015])
year_pairs = st.sampled_from([(2013, 2014), (2014, 2013), (2013, 2013), (2014, 2015)])
target = st.integers(0, len(TARGETS) - 1)
contributions = st.builds(
    Contribute, st.integers(0, len(PARTNERS) - 1), st.one_of(st.integers(100_000, 50_000_000), st.just(0)), years
)
allocations = st.builds(Allocate, st.lists(st.tuples(target, amounts), min_size=1, max_size=4).map(tuple), years)
re_profilings = year_pairs.flatmap(
    lambda pair: st.builds(ReprofileYears, st.integers(-1, len(TARGETS) - 1), amounts, *map(st.just, pair))
)
moves = st.builds(MoveBetweenProjects, target, target, amounts, years)
spends = st.builds(Spend, target, amounts, years, st.booleans())
reversals = st.builds(Reverse, st.integers(0, 1000))
# Branches of one_of come up about equally often, so one listed twice comes up twice as often.
operations = st.one_of(contributions, allocations, allocations, re_profilings, moves, spends, spends, reversals)
# Money in and allocated first, so that what follows has something to move.
first_contribution = st.builds(
    Contribute, st.integers(0, len(PARTNERS) - 1), st.integers(1_000_000, 50_000_000), st.just(2013)
)
first_allocation = st.builds(
    Allocate,
    st.lists(st.tuples(target, st.builds(Share, st.integers(1, 4))), min_size=1, max_size=4).map(tuple),
    st.just(2013),
)
sequences = st.tuples(first_contribution, first_allocation, st.lists(operations, min_size=3, max_size=20)).map(
    lambda start: [start[0], start[1], *start[2]]
)


def spend_path(target_path: str, returned: bool) -> str:
    return ("Returned" if returned else "Spend") + target_path.removeprefix("Themes")


class Model:
    """What the ledger should hold: pence by (account, year), and the transactions posted."""

    def __init__(self) -> None:
        self.held: Counter[tuple[str, int]] = Counter()
        self.transactions: list[tuple[int, list[tuple[str, int, int]]]] = []  # (id, [(account, year, pence)])
        self.reversed: set[int] = set()

    def would_overdraw(self, postings: list[list[tuple[str, int, int]]]) -> bool:
        """Post transaction after transaction; True if any leaves a non-contribution account below zero."""
        held = Counter(self.held)
        for lines in postings:
            for account, year, amount in lines:
                held[(account, year)] += amount
            if any(held[(a, y)] < 0 for a, y, _ in lines if not a.startswith("Contributions:")):
                return True
        return False

    def post(self, transaction_id: int, lines: list[tuple[str, int, int]]) -> None:
        for account, year, amount in lines:
            self.held[(account, year)] += amount
        self.transactions.append((transaction_id, lines))

    def source(self, index: int, year: int) -> str:
        """The index-th target holding money in the year, so that moves out of targets often can go."""
        holding = [path for path in TARGETS if self.held[(path, year)] > 0] or TARGETS
        return holding[index % len(holding)]

    def source_and_year(self, index: int, year: int) -> tuple[str, int]:
        """As `source`, but in another of the fund's years when no target holds money in this one."""
        if year in FUND_YEARS and not any(self.held[(path, year)] > 0 for path in TARGETS):
            year = next((y for y in FUND_YEARS if any(self.held[(path, y)] > 0 for path in TARGETS)), year)
        return self.source(index, year), year

    def pence(self, amount: Amount, source: str, year: int, parts: int = 1) -> int:
        """Pence for an amount; a share is of the source's money split evenly into `parts`."""
        if isinstance(amount, Share) and amount.quarters:  # at least 1p: a share of nothing is too much
            return max(1, self.held[(source, year)] * amount.quarters // (4 * parts))
        return 0 if isinstance(amount, Share) else amount

    def nonzero(self) -> dict[tuple[str, int], int]:
        return {key: amount for key, amount in self.held.items() if amount}


@dataclass
class World:
    sessions: sessionmaker[Session]
    fund_id: int
    model: Model
    day: dt.date
    references: int = 0

    def next_reference(self) -> str:
        self.references += 1
        return f"PROP/{self.references}"


@contextmanager
def fresh_database(template: Path, folder: Path) -> Iterator[sessionmaker[Session]]:
    path = folder / "ledger.db"
    shutil.copy(template, path)
    engine = make_engine(f"sqlite:///{path}")
    try:
        yield session_factory(engine)
    finally:
        engine.dispose()


def set_up(sessions: sessionmaker[Session]) -> int:
    with audit.unit_of_work(sessions) as session:
        for name, identifier in PARTNERS:
            make_organisation(session, name, identifier, OrganisationKind.COUNTY_COUNCIL)
        fund = ledger.create_fund(
            session,
            ACTOR,
            code="wecb-2013-14",
            name="Whole Essex Community Budgets",
            first_year=FinancialYear(2013),
            last_year=FinancialYear(2014),
            holder_identifier=PARTNERS[0][1],
        )
        return fund.id


def actual_holdings(session: Session, fund_id: int) -> dict[tuple[str, int], int]:
    return {
        (balance.account, year.start_year): amount.pence
        for balance in ledger.balances(session, fund_id)
        for year, amount in balance.by_year.items()
        if amount.pence
    }


def recommendation(pence: int, source: str, to: str, year: int, to_year: int | None = None) -> RecommendationIn:
    return RecommendationIn(
        "1",
        f"{source} to {to}",
        Money(pence),
        source,
        to,
        FinancialYear(year),
        FinancialYear(to_year) if to_year is not None else None,
    )


def decide(world: World, moves: list[RecommendationIn]) -> str:
    """Draft in one unit of work and approve in another, as two people at two screens would."""
    with audit.unit_of_work(world.sessions) as session:
        decision = decisions.draft_decision(
            session,
            ACTOR,
            fund_id=world.fund_id,
            draft=DecisionIn(
                reference=world.next_reference(),
                title="Generated",
                report_date=world.day,
                author="Hypothesis",
                decision_maker="Police and Crime Commissioner for Essex",
                recommendations=moves,
            ),
        )
        decision_id = decision.id
    try:
        with audit.unit_of_work(world.sessions) as session:
            posted = decisions.approve_decision(
                session, ACTOR, decision_id=decision_id, signature=decisions.Signature(urgent_reason="Posts at once")
            )
            for transaction in posted:
                world.model.post(transaction.id, lines_of(transaction))
    except ledger.NotEnoughMoney:
        with world.sessions() as session:
            assert session.get(Decision, decision_id).status is DecisionStatus.DRAFT
        raise
    return "posted"


def lines_of(transaction: LedgerTransaction) -> list[tuple[str, int, int]]:
    return [(p.account.path, p.financial_year, p.amount_pence) for p in transaction.postings]


def in_fund(*years: int) -> bool:
    return all(year in FUND_YEARS for year in years)


def expected_and_run(world: World, operation: object) -> tuple[str, object]:
    """What the model expects ('posted', 'not enough money', 'invalid', 'conflict' or 'skip') and a runner."""
    model = world.model
    match operation:
        case Contribute(partner=partner, pence=amount, year=year):
            source = f"Contributions:{PARTNERS[partner][0]}"
            expected = "posted" if amount > 0 and in_fund(year) else "invalid"
            return expected, lambda: decide(world, [recommendation(amount, source, POOL, year)])
        case Allocate(items=items, year=year):
            sized = [(TARGETS[t], model.pence(amount, POOL, year, len(items))) for t, amount in items]
            if not in_fund(year) or any(amount <= 0 for _, amount in sized):
                expected = "invalid"
            else:
                postings = [[(POOL, year, -amount), (path, year, amount)] for path, amount in sized]
                expected = "not enough money" if model.would_overdraw(postings) else "posted"
            moves = [recommendation(amount, POOL, path, year) for path, amount in sized]
            return expected, lambda: decide(world, moves)
        case ReprofileYears(account=account, amount=amount, from_year=from_year, to_year=to_year):
            path = POOL if account < 0 else model.source(account, from_year)
            amount = model.pence(amount, path, from_year)
            if amount <= 0 or not in_fund(from_year, to_year) or from_year == to_year:
                expected = "invalid"
            else:
                postings = [[(path, from_year, -amount), (path, to_year, amount)]]
                expected = "not enough money" if model.would_overdraw(postings) else "posted"
            return expected, lambda: decide(world, [recommendation(amount, path, path, from_year, to_year)])
        case MoveBetweenProjects(source=source, offset=offset, amount=amount, year=year):
            source_path, year = model.source_and_year(source, year)
            to_path = TARGETS[(TARGETS.index(source_path) + offset) % len(TARGETS)]
            amount = model.pence(amount, source_path, year)
            if amount <= 0 or not in_fund(year) or source_path == to_path:
                expected = "invalid"
            else:
                postings = [[(source_path, year, -amount), (to_path, year, amount)]]
                expected = "not enough money" if model.would_overdraw(postings) else "posted"
            return expected, lambda: decide(world, [recommendation(amount, source_path, to_path, year)])
        case Spend(target=t, amount=amount, year=year, returned=returned):
            if not model.transactions:
                return "skip", None  # spending cites the decision that allocated the money
            path, year = model.source_and_year(t, year)
            amount = model.pence(amount, path, year)
            if amount <= 0 or not in_fund(year):
                expected = "invalid"
            else:
                postings = [[(path, year, -amount), (spend_path(path, returned), year, amount)]]
                expected = "not enough money" if model.would_overdraw(postings) else "posted"
            return expected, lambda: spend(world, path, amount, year, returned)
        case Reverse(which=which):
            if not model.transactions:
                return "skip", None
            transaction_id, lines = model.transactions[which % len(model.transactions)]
            if transaction_id in model.reversed:
                expected = "conflict"
            else:
                mirror = [[(account, year, -amount) for account, year, amount in lines]]
                expected = "not enough money" if model.would_overdraw(mirror) else "posted"
            return expected, lambda: reverse(world, transaction_id)
    raise AssertionError(f"unknown operation {operation}")


def spend(world: World, path: str, amount: int, year: int, returned: bool) -> str:
    with audit.unit_of_work(world.sessions) as session:
        decision = session.get(
            Decision, session.scalar(select(LedgerTransaction.decision_id).order_by(LedgerTransaction.id).limit(1))
        )
        transaction = ledger.record_spend(
            session,
            ACTOR,
            fund_id=world.fund_id,
            project=path,
            amount=Money(amount),
            year=FinancialYear(year),
            date=world.day,
            decision=decision,
            description="Generated spend",
            returned=returned,
        )
        world.model.post(transaction.id, lines_of(transaction))
    return "posted"


def reverse(world: World, transaction_id: int) -> str:
    with audit.unit_of_work(world.sessions) as session:
        original = session.get(LedgerTransaction, transaction_id)
        decision = session.get(Decision, original.decision_id)
        reversal = ledger.reverse(session, ACTOR, transaction_id=transaction_id, decision=decision, date=world.day)
        world.model.post(reversal.id, lines_of(reversal))
        world.model.reversed.add(transaction_id)
    return "posted"


def outcome_of(run: object) -> str:
    try:
        return run()
    except ledger.NotEnoughMoney:
        return "not enough money"
    except InvalidInput:
        return "invalid"
    except Conflict as conflict:
        assert "has already been reversed" in str(conflict), conflict
        return "conflict"


def check_ledger_is_whole(session: Session, fund_id: int, model: Model) -> None:
    balances = ledger.balances(session, fund_id)
    assert actual_holdings(session, fund_id) == model.nonzero()
    _, difference = trial_balance(balances)
    assert difference == Money(0)
    assert Money.total(balance.total for balance in balances) == Money(0)
    assert (session.scalar(select(func.sum(Posting.amount_pence))) or 0) == 0
    statement = ledger.statement(session, ACTOR, fund_id=fund_id)
    assert statement.contributed == statement.allocated + statement.unallocated
    for partner, put_in in statement.contributed_by_partner:
        shares = partner_statement(statement, partner)
        assert Money.total(share for _, share in shares.where_it_went) + shares.unallocated_share == put_in
    for balance in balances:
        if balance.kind is not AccountKind.CONTRIBUTION:
            assert all(amount.pence >= 0 for amount in balance.by_year.values()), balance


@pytest.mark.sqlite
@settings(max_examples=40, deadline=None)
@given(steps=sequences)
def test_any_sequence_of_moves_keeps_the_ledger_whole(
    steps: list[object], sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    with fresh_database(sqlite_template, tmp_path_factory.mktemp("ledger")) as sessions:
        world = World(sessions, set_up(sessions), Model(), dt.date(2013, 4, 1))
        for step in steps:
            world.day += dt.timedelta(days=1)
            expected, run = expected_and_run(world, step)
            if expected == "skip":
                continue
            with sessions() as session:
                transactions_before = session.scalar(select(func.count()).select_from(LedgerTransaction))
            outcome = outcome_of(run)
            event(f"{'Return' if isinstance(step, Spend) and step.returned else type(step).__name__}: {outcome}")
            assert outcome == expected, step
            with sessions() as session:
                check_ledger_is_whole(session, world.fund_id, world.model)
                transactions_after = session.scalar(select(func.count()).select_from(LedgerTransaction))
                if outcome != "posted":
                    assert transactions_after == transactions_before, step
        with sessions() as session:
            assert audit.verify(session) is None
