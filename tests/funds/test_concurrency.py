"""Races over money on PostgreSQL: approvals and reversals at the same moment must queue on the fund.

Each thread works in its own `unit_of_work`, as concurrent web requests would.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable

import pytest
from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session, sessionmaker

from tests.conftest import _empty_postgres
from tests.funds.test_ledger import (
    DECIDER,
    FINANCE,
    VIEWER,
    contribute,
    decide,
    draft,
    make_fund,
    move,
    pounds,
)
from wholeplace import audit
from wholeplace.db import session_factory
from wholeplace.decisions import service as decisions
from wholeplace.decisions.model import Decision, DecisionStatus
from wholeplace.funds import ledger
from wholeplace.funds.model import Account, LedgerTransaction, Posting
from wholeplace.money import Money
from wholeplace.problems import Conflict

pytestmark = pytest.mark.postgres


def run_at_once(count: int, work: Callable[[int], object]) -> list[object]:
    """Start `count` threads that call work(n) together; each result is its return value or its exception."""
    barrier = threading.Barrier(count)
    results: list[object] = [None] * count

    def thread(n: int) -> None:
        barrier.wait()
        try:
            results[n] = work(n)
        except Exception as error:  # the test sorts the outcomes
            results[n] = error

    threads = [threading.Thread(target=thread, args=(n,)) for n in range(count)]
    for started in threads:
        started.start()
    for started in threads:
        started.join(timeout=120)
    assert not any(started.is_alive() for started in threads), "a thread never finished"
    return results


def pool_after_each_transaction(session: Session, fund_id: int) -> list[Money]:
    """Pool:Unallocated's balance after each transaction in the order they were posted."""
    rows = session.execute(
        select(Posting.amount_pence)
        .join(Account, Account.id == Posting.account_id)
        .join(LedgerTransaction, LedgerTransaction.id == Posting.transaction_id)
        .where(Account.fund_id == fund_id, Account.path == "Pool:Unallocated")
        .order_by(LedgerTransaction.id, Posting.id)
    )
    running, history = 0, []
    for (pence,) in rows:
        running += pence
        history.append(Money(running))
    return history


@pytest.fixture
def sessions(postgres_engine: Engine) -> sessionmaker[Session]:
    _empty_postgres(postgres_engine)
    return session_factory(postgres_engine)


def test_twenty_approvals_at_once_spend_the_pool_exactly_once(sessions: sessionmaker[Session]) -> None:
    with audit.unit_of_work(sessions) as session:
        fund = make_fund(session)
        contribute(session, fund, "50000")
        drafts = [
            draft(
                session,
                fund,
                move("10000", "Pool:Unallocated", "Themes:Reducing Re-offending"),
                reference=f"PCC/{100 + n}/13",
            ).id
            for n in range(20)
        ]

    def approve(n: int) -> str:
        with audit.unit_of_work(sessions) as session:
            decisions.approve_decision(session, DECIDER, decision_id=drafts[n])
        return "approved"

    started = time.perf_counter()
    results = run_at_once(20, approve)
    elapsed = time.perf_counter() - started

    refused = [result for result in results if isinstance(result, ledger.NotEnoughMoney)]
    # 50,000 / 10,000 = 5 approvals; the other 15 find the pool empty
    assert results.count("approved") == 5, results
    assert len(refused) == 15, results
    for refusal in refused:
        assert "Pool:Unallocated" in str(refusal)
        assert "Not enough money" in str(refusal)
    with sessions() as session:
        statement = ledger.statement(session, VIEWER, fund_id=fund.id)
        assert statement.unallocated == Money(0)
        assert statement.allocated == pounds("50000")
        assert min(pool_after_each_transaction(session, fund.id)) >= Money(0)
        statuses = [session.get(Decision, decision_id).status for decision_id in drafts]
        assert statuses.count(DecisionStatus.APPROVED) == 5
        assert statuses.count(DecisionStatus.DRAFT) == 15
        assert audit.verify(session) is None
    assert elapsed < 60


def wait_until_waiting_on_locks(sessions: sessionmaker[Session], count: int) -> None:
    """Block until `count` other connections are waiting for a lock."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with sessions() as session:
            waiting = session.scalar(
                text(
                    "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                    "AND datname = current_database() AND pid <> pg_backend_pid()"
                )
            )
        if waiting >= count:
            return
        time.sleep(0.05)
    raise AssertionError(f"{count} connections never queued for the fund's lock")


def test_two_approvals_of_one_draft_at_once_post_it_once(sessions: sessionmaker[Session]) -> None:
    with audit.unit_of_work(sessions) as session:
        fund = make_fund(session)
        contribute(session, fund, "50000")
        decision_id = draft(
            session, fund, move("10000", "Pool:Unallocated", "Themes:Strategic Pool"), reference="A/1"
        ).id

    def approve(_: int) -> str:
        with audit.unit_of_work(sessions) as session:
            decisions.approve_decision(session, DECIDER, decision_id=decision_id)
        return "approved"

    # Hold the fund's lock so that both approvals read the decision as a draft, then queue.
    with sessions() as holder, holder.begin():
        ledger.lock_fund(holder, fund.id)
        outcome: list[object] = []
        racing = threading.Thread(target=lambda: outcome.extend(run_at_once(2, approve)))
        racing.start()
        wait_until_waiting_on_locks(sessions, 2)
    racing.join(timeout=60)

    assert outcome.count("approved") == 1, outcome
    [conflict] = [result for result in outcome if result != "approved"]
    assert isinstance(conflict, Conflict) and "A/1 has already been approved" in str(conflict)
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(LedgerTransaction)) == 2  # contribution, allocation
        assert audit.verify(session) is None


def test_two_reversals_of_one_transaction_at_once_give_one_reversal_and_a_conflict(
    sessions: sessionmaker[Session],
) -> None:
    with audit.unit_of_work(sessions) as session:
        fund = make_fund(session)
        contribute(session, fund, "50000")
        decide(
            session,
            fund,
            move("20000", "Pool:Unallocated", "Themes:Reducing Re-offending", number="1"),
            move("20000", "Pool:Unallocated", "Themes:Reducing Domestic Abuse", number="2"),
            reference="A/1",
        )
        # Move 1,000 between themes: both hold enough that undoing the move twice would not overdraw either.
        correction = decide(
            session,
            fund,
            move("1000", "Themes:Reducing Re-offending", "Themes:Reducing Domestic Abuse"),
            reference="A/2",
            on=dt.date(2013, 8, 1),
        )
        [moved] = session.scalars(select(LedgerTransaction).where(LedgerTransaction.decision_id == correction.id))
        moved_id, correction_id = moved.id, correction.id

    def reverse(_: int) -> str:
        with audit.unit_of_work(sessions) as session:
            ledger.reverse(
                session,
                FINANCE,
                transaction_id=moved_id,
                decision=session.get(Decision, correction_id),
                date=dt.date(2013, 8, 2),
            )
        return "reversed"

    with sessions() as holder, holder.begin():
        ledger.lock_fund(holder, fund.id)
        outcome: list[object] = []
        racing = threading.Thread(target=lambda: outcome.extend(run_at_once(2, reverse)))
        racing.start()
        wait_until_waiting_on_locks(sessions, 2)
    racing.join(timeout=60)

    assert outcome.count("reversed") == 1, outcome
    [refused] = [result for result in outcome if result != "reversed"]
    assert isinstance(refused, Conflict), f"expected a Conflict, got {type(refused).__name__}: {refused}"
    assert f"Transaction {moved_id} has already been reversed" in str(refused)
    with sessions() as session:
        statement = ledger.statement(session, VIEWER, fund_id=fund.id)
        assert [(line.theme, line.allocated) for line in statement.lines] == [
            ("Reducing Domestic Abuse", pounds("20000")),
            ("Reducing Re-offending", pounds("20000")),
        ]


def test_an_approval_and_a_rejection_of_one_draft_at_once_leave_it_one_or_the_other(
    sessions: sessionmaker[Session],
) -> None:
    """A decision whose money was posted must not end up rejected."""
    with audit.unit_of_work(sessions) as session:
        fund = make_fund(session)
        contribute(session, fund, "50000")
        decision_id = draft(
            session, fund, move("10000", "Pool:Unallocated", "Themes:Strategic Pool"), reference="A/1"
        ).id

    outcome: dict[str, object] = {}

    def attempt(name: str, act: Callable[[Session], object]) -> None:
        try:
            with audit.unit_of_work(sessions) as session:
                act(session)
            outcome[name] = "done"
        except Exception as error:  # the test sorts the outcomes
            outcome[name] = error

    approving = threading.Thread(
        target=attempt,
        args=("approve", lambda session: decisions.approve_decision(session, DECIDER, decision_id=decision_id)),
    )
    rejecting = threading.Thread(
        target=attempt,
        args=(
            "reject",
            lambda session: decisions.reject_decision(session, DECIDER, decision_id=decision_id, reason="Not agreed"),
        ),
    )
    # Hold the end of the audit chain, so that the approval stops just before its audit entry with its
    # postings written, and the rejection reads the decision while the approval is still in flight.
    with sessions() as holder, holder.begin():
        holder.execute(select(audit.AuditHead).with_for_update())
        approving.start()
        wait_until_waiting_on_locks(sessions, 1)
        rejecting.start()
        wait_until_waiting_on_locks(sessions, 2)
    approving.join(timeout=60)
    rejecting.join(timeout=60)

    with sessions() as session:
        status = session.get(Decision, decision_id).status
        posted = session.scalar(
            select(func.count()).select_from(LedgerTransaction).where(LedgerTransaction.decision_id == decision_id)
        )
    assert (status, posted) in ((DecisionStatus.APPROVED, 1), (DecisionStatus.REJECTED, 0)), (status, posted)
    assert list(outcome.values()).count("done") == 1, outcome
