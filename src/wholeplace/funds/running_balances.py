"""Running balances: each account's balance by financial year over all its postings, kept as the ledger posts.

A statement as at today reads these rows (a few thousand at most) and subtracts the postings dated after the day,
instead of summing every posting of the fund. `ledger.post` adds each transaction's postings in the database
transaction that inserts them, under the fund's row lock, so the two never disagree; `check` proves that from the
postings and `rebuild` makes the rows again from them.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable

from sqlalchemy import Select, delete, func, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from wholeplace.funds.model import Account, AccountYearBalance, LedgerTransaction, Posting
from wholeplace.money import FinancialYear, Money
from wholeplace.problems import Problem

# (account id, start year of the financial year) -> (pence, number of postings)
Sums = dict[tuple[int, int], tuple[int, int]]

# Tables, not mapped classes, where a statement as at today reads thousands of rows: a third quicker without the ORM.
BALANCES, ACCOUNTS = AccountYearBalance.__table__, Account.__table__


def posted_sums(
    session: Session, fund_id: int, *, after: dt.date | None = None, account_ids: Select[int] | None = None
) -> Sums:
    """The fund's postings (or only those dated after a day) summed and counted by account and financial year."""
    columns = (Posting.account_id, Posting.financial_year, func.sum(Posting.amount_pence), func.count())
    if after is None:
        statement = (
            select(*columns)
            .join(LedgerTransaction, LedgerTransaction.id == Posting.transaction_id)
            .where(LedgerTransaction.fund_id == fund_id)
        )
    else:
        # The few transactions dated after the day, from the index on (date, fund). `+ 0` keeps SQLite, which plans
        # without statistics, from walking every transaction of the fund by the fund's index instead.
        later = select(LedgerTransaction.id).where(
            LedgerTransaction.date > after, LedgerTransaction.fund_id + 0 == fund_id
        )
        statement = select(*columns).where(Posting.transaction_id.in_(later))
    if account_ids is not None:
        statement = statement.where(Posting.account_id.in_(account_ids))
    statement = statement.group_by(Posting.account_id, Posting.financial_year)
    return {(account_id, year): (int(pence), count) for account_id, year, pence, count in session.execute(statement)}


def balances_up_to(
    session: Session, fund_id: int, *, up_to: dt.date, account_ids: Select[int] | None = None
) -> dict[tuple[int, int], int]:
    """Pence by account and financial year: the sum of the fund's postings dated up to the day (the full query).

    SQLite walks the fund's transactions by the fund's index, in the order they were posted, as it did before the
    running balances: their postings lie in that order, which is several times quicker than in order of date.
    """
    statement = (
        select(Posting.account_id, Posting.financial_year, func.sum(Posting.amount_pence))
        .join(LedgerTransaction, LedgerTransaction.id == Posting.transaction_id)
        .where(LedgerTransaction.fund_id == fund_id, LedgerTransaction.date <= up_to)
        .group_by(Posting.account_id, Posting.financial_year)
    )
    if account_ids is not None:
        statement = statement.where(Posting.account_id.in_(account_ids))
    return {(account_id, year): int(pence) for account_id, year, pence in session.execute(statement)}


def balances_as_at(
    session: Session, fund_id: int, *, as_at: dt.date | None, account_ids: Select[int] | None = None
) -> dict[tuple[int, int], int]:
    """Pence by account and financial year: the running balances less the postings dated after `as_at` (none when
    it is None). An account's year shows only if it had a posting by the day, as the full query would show it."""
    statement = (
        select(BALANCES.c.account_id, BALANCES.c.financial_year, BALANCES.c.balance_pence, BALANCES.c.postings)
        .join(ACCOUNTS, ACCOUNTS.c.id == BALANCES.c.account_id)
        .where(ACCOUNTS.c.fund_id == fund_id)
    )
    if account_ids is not None:
        statement = statement.where(BALANCES.c.account_id.in_(account_ids))
    sums = {(account_id, year): (pence, count) for account_id, year, pence, count in session.execute(statement)}
    if as_at is not None:
        for key, (pence, count) in posted_sums(session, fund_id, after=as_at, account_ids=account_ids).items():
            held_pence, held_count = sums.get(key, (0, 0))
            sums[key] = (held_pence - pence, held_count - count)
    return {key: pence for key, (pence, count) in sums.items() if count > 0}


def add(session: Session, postings: Iterable[tuple[int, int, int]]) -> None:
    """Add postings, each (account id, start year, pence), to the running balances; a new year gets its row.

    One upsert (`INSERT ... ON CONFLICT DO UPDATE`, on SQLite and PostgreSQL alike) adds to the row in place, so
    the caller's transaction holds each row it touched until it commits, and a rollback takes the change back.
    """
    totals: dict[tuple[int, int], list[int]] = defaultdict(lambda: [0, 0])
    for account_id, year, pence in postings:
        totals[(account_id, year)][0] += pence
        totals[(account_id, year)][1] += 1
    if not totals:
        return
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    upsert = dialect.insert(BALANCES)
    upsert = upsert.on_conflict_do_update(
        index_elements=[BALANCES.c.account_id, BALANCES.c.financial_year],
        set_={
            "balance_pence": BALANCES.c.balance_pence + upsert.excluded.balance_pence,
            "postings": BALANCES.c.postings + upsert.excluded.postings,
        },
    )
    session.execute(
        upsert,
        [
            {"account_id": account_id, "financial_year": year, "balance_pence": pence, "postings": count}
            for (account_id, year), (pence, count) in sorted(totals.items())
        ],
    )


def check(session: Session, fund_id: int) -> tuple[int, list[Problem]]:
    """Recompute the fund's balances from its postings: how many account-years there are, and each disagreement."""
    kept_rows = session.execute(
        select(BALANCES.c.account_id, BALANCES.c.financial_year, BALANCES.c.balance_pence, BALANCES.c.postings)
        .join(Account, Account.id == BALANCES.c.account_id)
        .where(Account.fund_id == fund_id)
    )
    kept = {(account_id, year): (pence, count) for account_id, year, pence, count in kept_rows}
    posted = posted_sums(session, fund_id)
    paths = {
        account_id: path
        for account_id, path in session.execute(select(Account.id, Account.path).where(Account.fund_id == fund_id))
    }
    problems = []
    for account_id, year in sorted(kept.keys() | posted.keys()):
        kept_pence, kept_count = kept.get((account_id, year), (0, 0))
        posted_pence, posted_count = posted.get((account_id, year), (0, 0))
        if (kept_pence, kept_count) != (posted_pence, posted_count):
            problems.append(
                Problem(
                    paths[account_id],
                    f"{FinancialYear(year)}: the running balance is {Money(kept_pence)} over {kept_count} postings, "
                    f"but the postings add up to {Money(posted_pence)} over {posted_count}",
                )
            )
    return len(kept.keys() | posted.keys()), problems


def rebuild(session: Session, fund_id: int) -> int:
    """Make the fund's running balances again from its postings; the caller holds the fund's lock. Returns the rows."""
    accounts = select(Account.id).where(Account.fund_id == fund_id)
    session.execute(delete(BALANCES).where(BALANCES.c.account_id.in_(accounts)))
    sums = (
        select(Posting.account_id, Posting.financial_year, func.sum(Posting.amount_pence), func.count())
        .where(Posting.account_id.in_(accounts))
        .group_by(Posting.account_id, Posting.financial_year)
    )
    session.execute(insert(BALANCES).from_select(["account_id", "financial_year", "balance_pence", "postings"], sums))
    return session.scalar(select(func.count()).select_from(BALANCES).where(BALANCES.c.account_id.in_(accounts))) or 0
