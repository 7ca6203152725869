"""Races on both databases: spends, approvals, reversals, version saves and references at the same moment.

Each thread works in its own `unit_of_work`, as concurrent web requests would. On PostgreSQL the racers queue
on the fund's row lock (or meet a unique constraint); on SQLite they queue at `BEGIN IMMEDIATE`. Either way
exactly the right number get through and every other one is refused with its reason, never a server error.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session, sessionmaker

from tests.appraisal.test_business_cases import ANALYST, CASE, CASE_V2
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
    spend,
)
from wholeplace import audit
from wholeplace.appraisal import service as business_cases
from wholeplace.appraisal.model import BusinessCaseVersion
from wholeplace.decisions import service as decisions
from wholeplace.decisions.model import Decision, DecisionStatus
from wholeplace.funds import ledger
from wholeplace.funds.model import Account, LedgerTransaction, Posting
from wholeplace.money import Money
from wholeplace.problems import Conflict, InvalidInput

# Urgent, so the money posts at approval (not after the call-in period) and the approvals race for it.
AT_ONCE = decisions.Signature(urgent_reason="The race is over the money, which an urgent decision posts at once")


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
            decisions.approve_decision(session, DECIDER, decision_id=drafts[n], signature=AT_ONCE)
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
    """Block until `count` other connections are waiting for a lock.

    SQLite cannot say who is waiting; its racers wait at BEGIN IMMEDIATE, so a moment's pause lets them
    arrive there. Arriving later would only make them run one after another, which the tests also accept.
    """
    if sessions.kw["bind"].dialect.name == "sqlite":
        time.sleep(0.5)
        return
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
            decisions.approve_decision(session, DECIDER, decision_id=decision_id, signature=AT_ONCE)
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
        args=(
            "approve",
            lambda session: decisions.approve_decision(session, DECIDER, decision_id=decision_id, signature=AT_ONCE),
        ),
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


def test_twenty_spends_at_once_from_a_theme_holding_fifty_thousand_spend_it_exactly_once(
    sessions: sessionmaker[Session],
) -> None:
    with audit.unit_of_work(sessions) as session:
        fund = make_fund(session)
        contribute(session, fund, "50000")
        allocation = decide(
            session, fund, move("50000", "Pool:Unallocated", "Themes:Reducing Re-offending"), reference="A/1"
        )
        fund_id, allocation_id = fund.id, allocation.id

    def pay(n: int) -> str:
        with audit.unit_of_work(sessions) as session:
            spend(
                session,
                session.get(type(fund), fund_id),
                session.get(Decision, allocation_id),
                "Themes:Reducing Re-offending",
                pounds("10000"),
                f"Invoice {n + 1}",
            )
        return "spent"

    results = run_at_once(20, pay)

    # 50,000 / 10,000 = 5 spends; the other 15 find the theme empty
    assert results.count("spent") == 5, results
    refused = [result for result in results if isinstance(result, ledger.NotEnoughMoney)]
    assert len(refused) == 15, results
    assert all("Not enough money" in str(refusal) and "Reducing Re-offending" in str(refusal) for refusal in refused)
    with sessions() as session:
        statement = ledger.statement(session, VIEWER, fund_id=fund_id)
        [theme] = statement.lines
        assert (theme.theme, theme.allocated, theme.spent, theme.remaining) == (
            "Reducing Re-offending",
            pounds("50000"),
            pounds("50000"),
            Money(0),
        )
        assert audit.verify(session) is None


def test_twenty_drafts_with_one_reference_at_once_keep_one_and_refuse_the_rest(
    sessions: sessionmaker[Session],
) -> None:
    with audit.unit_of_work(sessions) as session:
        fund = make_fund(session)
        contribute(session, fund, "50000")
        ledger.open_account(session, FINANCE, fund, "Themes:Strategic Pool")  # so that no racer opens it
        fund_id = fund.id

    def write(_: int) -> str:
        with audit.unit_of_work(sessions) as session:
            draft(
                session,
                session.get(type(fund), fund_id),
                move("100", "Pool:Unallocated", "Themes:Strategic Pool"),
                reference="PCC/070/13",
            )
        return "drafted"

    results = run_at_once(20, write)

    assert results.count("drafted") == 1, results
    refused = [result for result in results if result != "drafted"]
    # the loser is told before writing (its check saw the winner) or by the unique constraint (it did not)
    assert all(isinstance(result, (Conflict, InvalidInput)) for result in refused), results
    for refusal in refused:
        assert "There is already a decision PCC/070/13" in str(refusal) or (
            "Another decision with this reference was saved at the same moment" in str(refusal)
        ), refusal
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(Decision)) == 2  # the contribution and the one draft


def test_twenty_saves_of_one_version_at_once_keep_one_and_refuse_the_rest(sessions: sessionmaker[Session]) -> None:
    with audit.unit_of_work(sessions) as session:
        case_id = business_cases.add_case(session, ANALYST, source=CASE).id

    def save(n: int) -> str:
        with audit.unit_of_work(sessions) as session:
            business_cases.save_version(session, ANALYST, case_id=case_id, source=CASE_V2 + f"# edit {n}\n", based_on=1)
        return "saved"

    results = run_at_once(20, save)

    assert results.count("saved") == 1, results
    refused = [result for result in results if result != "saved"]
    assert len(refused) == 19 and all(isinstance(result, Conflict) for result in refused), results
    assert all("make your change to the newest version" in str(refusal) for refusal in refused)
    with sessions() as session:
        numbers = session.scalars(
            select(BusinessCaseVersion.number).where(BusinessCaseVersion.business_case_id == case_id)
        ).all()
        assert sorted(numbers) == [1, 2]


def test_a_write_that_meets_a_unique_constraint_is_refused_as_a_conflict_saying_why(
    sessions: sessionmaker[Session],
) -> None:
    """What a racer that passed the service's own check meets: the constraint, turned into a Conflict."""
    with audit.unit_of_work(sessions) as session:
        fund = make_fund(session)
        contribute(session, fund, "50000", reference="PCC/CONTRIB/1")
        fund_id = fund.id
    clash = "Another decision with this reference was saved at the same moment"
    with pytest.raises(Conflict, match=clash), audit.unit_of_work(sessions) as session:
        clone = session.scalar(select(Decision).where(Decision.reference == "PCC/CONTRIB/1"))
        session.add(
            Decision(
                reference=clone.reference,
                fund_id=fund_id,
                title="Copy",
                report_date=clone.report_date,
                author="",
                decision_maker="",
                decision_maker_partner_id=clone.decision_maker_partner_id,
                created_by="test",
            )
        )
        session.flush()
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(Decision)) == 1
