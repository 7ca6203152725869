"""A fund's ledger as plain records, read once for every export format.

Loading is read-only and goes through the ledger's access check (`ledger.fund_by_code`); each format is
then a plain function of these records, with no printing and no clock, so the same ledger always gives
the same bytes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from itertools import groupby
from operator import itemgetter
from typing import NamedTuple

from sqlalchemy import func, select
from sqlalchemy.orm import Session, lazyload, selectinload

from wholeplace.auth.actor import Actor
from wholeplace.funds import ledger
from wholeplace.funds.model import Account, AccountKind, BalanceAssertion, LedgerTransaction, Posting
from wholeplace.money import FinancialYear


@dataclass(frozen=True, slots=True)
class AccountRecord:
    id: int
    path: str
    kind: AccountKind
    organisation_identifier: str | None
    organisation_name: str | None


# Postings and transactions are named tuples, as Beancount's own records are: a million of them load in
# seconds, where frozen dataclasses take several times as long to build.
class PostingRecord(NamedTuple):
    account_id: int
    pence: int
    year: int  # start year of the financial year


class TransactionRecord(NamedTuple):
    id: int
    date: dt.date
    description: str
    decision_reference: str
    decision_title: str
    decision_approved: bool
    reverses_id: int | None
    postings: tuple[PostingRecord, ...]


@dataclass(frozen=True, slots=True)
class AssertionRecord:
    account_id: int
    date: dt.date  # the account holds `pence` at the end of this day
    pence: int


@dataclass(frozen=True)
class FundLedger:
    """One fund's accounts, transactions (by date, then id) and balance assertions."""

    code: str
    name: str
    first_year: FinancialYear
    last_year: FinancialYear
    holder_identifier: str
    holder_name: str
    accounts: tuple[AccountRecord, ...]
    transactions: tuple[TransactionRecord, ...]
    assertions: tuple[AssertionRecord, ...] = ()

    @property
    def years_label(self) -> str:
        return str(self.first_year) if self.first_year == self.last_year else f"{self.first_year} to {self.last_year}"


def load_fund_ledger(session: Session, actor: Actor, code: str) -> FundLedger:
    """Everything a fund's exports need, read in a few queries (fast enough for a million postings)."""
    fund = ledger.fund_by_code(session, actor, code)
    accounts = tuple(
        AccountRecord(
            account.id,
            account.path,
            account.kind,
            account.organisation.identifier if account.organisation else None,
            account.organisation.name if account.organisation else None,
        )
        for account in session.scalars(select(Account).where(Account.fund_id == fund.id).order_by(Account.path))
    )
    decision_of = _decisions_cited(session, fund.id)
    rows = session.connection().execute(
        select(
            LedgerTransaction.id,
            LedgerTransaction.date,
            LedgerTransaction.description,
            LedgerTransaction.decision_id,
            LedgerTransaction.reverses_id,
            Posting.account_id,
            Posting.amount_pence,
            Posting.financial_year,
        )
        .join(Posting, Posting.transaction_id == LedgerTransaction.id)
        .where(LedgerTransaction.fund_id == fund.id)
        .order_by(LedgerTransaction.date, LedgerTransaction.id, Posting.id)
        .execution_options(yield_per=20_000)
    )
    transactions = []
    for _, group in groupby(rows, key=itemgetter(0)):
        lines = list(group)
        transaction_id, date, description, decision_id, reverses_id = lines[0][:5]
        transactions.append(
            TransactionRecord(
                transaction_id,
                date,
                description,
                *decision_of[decision_id],
                reverses_id,
                tuple([PostingRecord(line[5], line[6], line[7]) for line in lines]),
            )
        )
    assertions = tuple(
        AssertionRecord(row.account_id, row.date, int(row.amount_pence))
        for row in session.execute(
            select(BalanceAssertion.account_id, BalanceAssertion.date, BalanceAssertion.amount_pence)
            .join(Account)
            .where(Account.fund_id == fund.id)
            .order_by(BalanceAssertion.date, BalanceAssertion.id)
        )
    )
    return FundLedger(
        fund.code,
        fund.name,
        FinancialYear(fund.first_year),
        FinancialYear(fund.last_year),
        fund.holder.identifier,
        fund.holder.name,
        accounts,
        tuple(transactions),
        assertions,
    )


def _decisions_cited(session: Session, fund_id: int) -> dict[int, tuple[str, str, bool]]:
    """(reference, title, approved) of each decision the fund's transactions cite, by its id.

    Read through `LedgerTransaction.decision`, one transaction per decision, so that funds imports
    nothing of decisions (which depend on funds).
    """
    first_of_each = (
        select(func.min(LedgerTransaction.id))
        .where(LedgerTransaction.fund_id == fund_id)
        .group_by(LedgerTransaction.decision_id)
    )
    citing = session.scalars(
        select(LedgerTransaction)
        .where(LedgerTransaction.id.in_(first_of_each))
        .options(selectinload(LedgerTransaction.decision).lazyload("*"), lazyload(LedgerTransaction.postings))
    )
    return {
        transaction.decision_id: (
            transaction.decision.reference,
            transaction.decision.title,
            transaction.decision.approved,
        )
        for transaction in citing
    }
