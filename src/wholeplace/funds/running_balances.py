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

from wholeplace import business_dates
from wholeplace.funds.model import Account, AccountYearBalance, LedgerTransaction, Posting
from wholeplace.money import FinancialYear, Money
from wholeplace.problems import Problem

# (account id, start year of the financial year) -> (pence, number of postings)
Sums = dict[tuple[int, int], tuple[int, int]]

BALANCES = AccountYearBalance.__table__


def posted_sums(
    session: Session,
    fund_id: int,
    *,
    account_ids: Select[int] | None = None,
    up_to: dt.date | None = None,
    after: dt.date | None = None,
) -> Sums:
    """The fund's postings summed and counted by account and financial year, dated up to a day or after one."""
    statement = (
        select(Posting.account_id, Posting.financial_year, func.sum(Posting.amount_pence), func.count())
        .join(LedgerTransaction, LedgerTransaction.id == Posting.transaction_id)
        .where(LedgerTransaction.fund_id == fund_id)
        .group_by(Posting.account_id, Posting.financial_year)
    )
    if up_to is not None:
        statement = statement.where(LedgerTransaction.date <= up_to)
    if after is not None:
        statement = statement.where(LedgerTransaction.date > after)
    if account_ids is not None:
        statement = statement.where(Posting.account_id.in_(account_ids))
    return {(account_id, year): (int(pence), count) for account_id, year, pence, count in session.execute(statement)}


def answer_as_at(session: Session, fund_id: int, as_at: dt.date) -> bool:
    """Whether the running balances should answer for this day: today or later, or on or after the last posting.

    Then few postings (those dated ahead, such as recommendations with later effective dates) are subtracted.
    A day further back would subtract most of the ledger, so its statement sums the postings up to it instead.
    """
    if as_at >= business_dates.today():
        return True
    latest = session.scalar(select(func.max(LedgerTransaction.date)).where(LedgerTransaction.fund_id == fund_id))
    return latest is None or as_at >= latest


def sums_as_at(
    session: Session, fund_id: int, *, as_at: dt.date | None, account_ids: Select[int] | None = None
) -> Sums:
    """The running balances less the postings dated after `as_at` (all postings when it is None).

    An account's year shows only if it had a posting by the day, as the sum of the postings up to it would show it.
    """
    statement = (
        select(BALANCES.c.account_id, BALANCES.c.financial_year, BALANCES.c.balance_pence, BALANCES.c.postings)
        .join(Account, Account.id == BALANCES.c.account_id)
        .where(Account.fund_id == fund_id)
    )
    if account_ids is not None:
        statement = statement.where(BALANCES.c.account_id.in_(account_ids))
    sums = {(account_id, year): (pence, count) for account_id, year, pence, count in session.execute(statement)}
    if as_at is not None:
        for key, (pence, count) in posted_sums(session, fund_id, account_ids=account_ids, after=as_at).items():
            held_pence, held_count = sums.get(key, (0, 0))
            sums[key] = (held_pence - pence, held_count - count)
    return {key: (pence, count) for key, (pence, count) in sums.items() if count > 0}


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
