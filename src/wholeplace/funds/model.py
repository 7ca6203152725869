"""Pooled funds held in a double-entry ledger: accounts, transactions of postings, balance assertions."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Protocol

from sqlalchemy import BigInteger, Date, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wholeplace.db import CLASH, Base, UTCDateTime, enum_of, utcnow
from wholeplace.money import FinancialYear
from wholeplace.partners.model import Organisation


class AccountKind(StrEnum):
    """Where money sits. Contribution accounts run negative: they record what partners put in."""

    CONTRIBUTION = "contribution"
    UNALLOCATED = "unallocated"
    THEME = "theme"
    PROJECT = "project"
    SPEND = "spend"
    RETURNED = "returned"

    @property
    def may_go_negative(self) -> bool:
        return self is AccountKind.CONTRIBUTION


# The first part of each kind's account path, as in a Beancount account tree.
ROOT_OF_KIND = {
    AccountKind.CONTRIBUTION: "Contributions",
    AccountKind.UNALLOCATED: "Pool",
    AccountKind.THEME: "Themes",
    AccountKind.PROJECT: "Themes",
    AccountKind.SPEND: "Spend",
    AccountKind.RETURNED: "Returned",
}
UNALLOCATED_PATH = "Pool:Unallocated"


class Authority(Protocol):
    """The decision a transaction is posted under, as the ledger needs it: the caller finds it and passes it in.

    `decisions.model.Decision` is one. Decisions depend on funds, never the other way: funds know a decision
    only by this shape, and reach a transaction's through `LedgerTransaction.decision`, which names the
    mapped class as a string rather than importing it.
    """

    @property
    def id(self) -> int: ...

    @property
    def reference(self) -> str: ...

    @property
    def title(self) -> str: ...

    @property
    def fund_id(self) -> int: ...

    @property
    def approved(self) -> bool: ...


class Fund(Base):
    """A pooled budget. Its row is locked while money moves, so concurrent approvals cannot overspend it."""

    __tablename__ = "funds"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(
        String(40), unique=True, info={CLASH: "Another fund with this code was saved at the same moment"}
    )
    name: Mapped[str] = mapped_column(String(200))
    first_year: Mapped[int]
    last_year: Mapped[int]
    holder_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    holder: Mapped[Organisation] = relationship(lazy="joined", innerjoin=True)

    @property
    def years(self) -> list[FinancialYear]:
        return [FinancialYear(year) for year in range(self.first_year, self.last_year + 1)]

    @property
    def years_label(self) -> str:
        first, last = FinancialYear(self.first_year), FinancialYear(self.last_year)
        return str(first) if first == last else f"{first} to {last}"


class Account(Base):
    __tablename__ = "fund_accounts"
    __table_args__ = (
        UniqueConstraint(
            "fund_id",
            "path",
            info={
                CLASH: "Another change opened the same account at the same moment, so nothing was changed. Try again"
            },
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    fund_id: Mapped[int] = mapped_column(ForeignKey("funds.id"), index=True)
    path: Mapped[str] = mapped_column(String(400))  # "Themes:Reducing Re-offending:Link Workers"
    kind: Mapped[AccountKind] = mapped_column(enum_of(AccountKind, 20))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    organisation: Mapped[Organisation | None] = relationship(lazy="joined")

    @property
    def name(self) -> str:
        return self.path.rsplit(":", 1)[-1]


class LedgerTransaction(Base):
    """Postings that move money and add up to zero; immutable once posted (a correction reverses it)."""

    __tablename__ = "ledger_transactions"
    # The statement as at today subtracts the postings dated after the day from the running balances. Date first,
    # so the fund's own index keeps serving a statement dated in the past (`running_balances.balances_up_to`).
    __table_args__ = (Index("ix_ledger_transactions_date_fund", "date", "fund_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    fund_id: Mapped[int] = mapped_column(ForeignKey("funds.id"), index=True)
    date: Mapped[dt.date] = mapped_column(Date)
    description: Mapped[str] = mapped_column(String(400))
    decision_id: Mapped[int] = mapped_column(ForeignKey("decisions.id"), index=True)
    reverses_id: Mapped[int | None] = mapped_column(
        ForeignKey("ledger_transactions.id"),
        unique=True,
        info={CLASH: "This transaction was reversed by someone else at the same moment"},
    )
    posted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    posted_by: Mapped[str] = mapped_column(String(254))

    postings: Mapped[list[Posting]] = relationship(
        back_populates="transaction", lazy="selectin", order_by="Posting.id", cascade="all"
    )
    # The decision it was posted under, named by its mapped class so funds imports nothing of decisions.
    decision: Mapped[Authority] = relationship("Decision", viewonly=True)


class Posting(Base):
    __tablename__ = "ledger_postings"
    __table_args__ = (Index("ix_ledger_postings_account_year", "account_id", "financial_year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    transaction_id: Mapped[int] = mapped_column(ForeignKey("ledger_transactions.id"), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("fund_accounts.id"))
    amount_pence: Mapped[int] = mapped_column(BigInteger)
    financial_year: Mapped[int]  # start year of the financial year the money is profiled to

    transaction: Mapped[LedgerTransaction] = relationship(back_populates="postings")
    account: Mapped[Account] = relationship(lazy="joined", innerjoin=True)


class AccountYearBalance(Base):
    """An account's balance in one financial year over all its postings, whatever their date.

    Kept by `ledger.post` in the transaction that inserts the postings, under the fund's lock, so a statement as
    at today reads these rows and subtracts only the postings dated after the day. `postings` counts the postings
    summed, so that statement knows which years a day had seen. `wholeplace funds check-balances` proves them.
    """

    __tablename__ = "fund_account_balances"

    account_id: Mapped[int] = mapped_column(ForeignKey("fund_accounts.id"), primary_key=True)
    financial_year: Mapped[int] = mapped_column(primary_key=True)
    balance_pence: Mapped[int] = mapped_column(BigInteger)
    postings: Mapped[int]


class BalanceAssertion(Base):
    """'This account holds £X at the end of this day', checked on every posting and on demand."""

    __tablename__ = "balance_assertions"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("fund_accounts.id"), index=True)
    date: Mapped[dt.date] = mapped_column(Date)
    amount_pence: Mapped[int] = mapped_column(BigInteger)
    created_by: Mapped[str] = mapped_column(String(254))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    account: Mapped[Account] = relationship(lazy="joined", innerjoin=True)
