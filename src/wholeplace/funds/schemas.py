"""JSON shapes of funds, statements and ledger transactions, and what the fund pages show of a statement.

Money goes out as strings with two decimals (`Money.plain()`), financial years as `2013/14`.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

from pydantic import BaseModel, Field

from wholeplace.funds.contributions import ContributionKind, ContributionLine
from wholeplace.funds.engine import AccountBalance, FundStatement, PartnerStatement, ThemeLine, trial_balance
from wholeplace.funds.model import Fund, LedgerTransaction
from wholeplace.money import FinancialYear, Money
from wholeplace.partners.engine import ORG_ID
from wholeplace.problems import InvalidInput, Problem
from wholeplace.web.date_boxes import date_from_boxes
from wholeplace.web.form_fields import AmountIn, BudgetDateIn, BudgetYearIn


def account_of(line: ThemeLine) -> str:
    """The ledger account a statement line sits in: `Themes:Reducing Re-offending:Link Workers`."""
    return ":".join(["Themes", line.theme, *([line.project] if line.project else [])])


def percent(part: int, whole: int) -> str:
    """`part` of `whole` as a percentage to two places, rounded half up: 1 of 3 is `33.33%`."""
    if whole <= 0:
        return "0.00%"
    hundredths = math.floor(Fraction(part * 10_000, whole) + Fraction(1, 2))
    return f"{hundredths // 100}.{hundredths % 100:02d}%"


@dataclass(frozen=True)
class TrialBalanceTotals:
    """The two columns of the trial balance and their difference (always £0.00 in a sound ledger)."""

    debits: Money
    credits: Money
    difference: Money
    accounts: int

    @classmethod
    def of(cls, balances: Sequence[AccountBalance]) -> TrialBalanceTotals:
        lines, difference = trial_balance(balances)
        return cls(
            Money.total(line.debit for line in lines),
            Money.total(line.credit for line in lines),
            difference,
            len(lines),
        )


class PartnerRef(BaseModel):
    id: int
    identifier: str
    name: str


class FundOut(BaseModel):
    id: int
    code: str
    name: str
    first_year: str
    last_year: str
    years: list[str]
    holder: PartnerRef
    created_at: dt.datetime

    @classmethod
    def of(cls, fund: Fund) -> FundOut:
        return cls(
            id=fund.id,
            code=fund.code,
            name=fund.name,
            first_year=str(FinancialYear(fund.first_year)),
            last_year=str(FinancialYear(fund.last_year)),
            years=[str(year) for year in fund.years],
            holder=PartnerRef(id=fund.holder.id, identifier=fund.holder.identifier, name=fund.holder.name),
            created_at=fund.created_at,
        )


# Text on one line with no control character (a NUL would be refused by PostgreSQL before any check ran).
ONE_LINE = r"^[^\x00-\x1f\x7f]*$"


class FundIn(BaseModel):
    """A new pooled fund: its code, name, years and the partner that holds it (by identifier)."""

    code: str = Field(max_length=40, pattern=ONE_LINE, examples=["wecb-2013-14"])
    name: str = Field(max_length=200, pattern=ONE_LINE, examples=["Whole Essex Community Budgets"])
    first_year: BudgetYearIn
    last_year: BudgetYearIn
    holder: str = Field(
        max_length=60, pattern=ORG_ID.pattern, description="The holding partner's identifier", examples=["GB-LAE-ESS"]
    )


class ContributionIn(BaseModel):
    """Money (or its value in kind) a partner puts into the fund, under one of the fund's approved decisions."""

    partner: str = Field(max_length=60, pattern=ORG_ID.pattern, description="The contributing partner's identifier")
    amount: AmountIn
    financial_year: BudgetYearIn
    received_on: BudgetDateIn
    kind: ContributionKind = ContributionKind.CASH
    basis: str = Field(
        default="",
        max_length=2000,
        description="For in kind, the basis of valuation: 2 FTE seconded officers at £38,000 each",
    )
    decision: str = Field(
        max_length=60, pattern=ONE_LINE, description="The reference of the approved decision it is received under"
    )


class SpendingIn(BaseModel):
    """Money spent from a theme or project, or its underspend given back to the pool."""

    theme: str = Field(max_length=200)
    project: str | None = Field(default=None, max_length=200, description="Leave out to spend at theme level")
    amount: AmountIn
    financial_year: BudgetYearIn
    date: BudgetDateIn
    description: str = Field(max_length=300)
    payee: str = Field(default="", max_length=90, description="Supplier or payee")
    decision: str | None = Field(
        default=None,
        max_length=60,
        pattern=ONE_LINE,
        description="Reference of the decision; left out, the one that allocated it",
    )
    returned: bool = Field(default=False, description="True to give underspend back to the pool instead")


class ContributionRecordOut(BaseModel):
    transaction_id: int
    received_on: dt.date
    partner: str
    amount: str
    financial_year: str
    kind: ContributionKind
    basis: str | None
    decision: str

    @classmethod
    def of(cls, line: ContributionLine) -> ContributionRecordOut:
        return cls(
            transaction_id=line.transaction_id,
            received_on=line.received_on,
            partner=line.partner,
            amount=line.amount.plain(),
            financial_year=str(line.year),
            kind=line.kind,
            basis=line.basis,
            decision=line.decision_reference,
        )


class ContributionOut(BaseModel):
    partner: str
    amount: str


class YearAmountOut(BaseModel):
    year: str
    amount: str


class StatementLineOut(BaseModel):
    theme: str
    project: str | None
    account: str
    allocated: str
    spent: str
    returned: str
    remaining: str

    @classmethod
    def of(cls, line: ThemeLine) -> StatementLineOut:
        return cls(
            theme=line.theme,
            project=line.project,
            account=account_of(line),
            allocated=line.allocated.plain(),
            spent=line.spent.plain(),
            returned=line.returned.plain(),
            remaining=line.remaining.plain(),
        )


class TrialBalanceOut(BaseModel):
    debits: str
    credits: str
    difference: str
    accounts: int


class StatementOut(BaseModel):
    """A fund's statement as at the end of a day: where the money came from and where it is."""

    fund_id: int
    fund_code: str
    as_at: dt.date
    contributed: str
    allocated: str
    spent: str
    returned: str
    unallocated: str
    contributions: list[ContributionOut]
    lines: list[StatementLineOut]
    allocated_by_year: list[YearAmountOut]
    unallocated_by_year: list[YearAmountOut]
    trial_balance: TrialBalanceOut

    @classmethod
    def of(cls, fund: Fund, statement: FundStatement, totals: TrialBalanceTotals) -> StatementOut:
        return cls(
            fund_id=fund.id,
            fund_code=fund.code,
            as_at=statement.as_at,
            contributed=statement.contributed.plain(),
            allocated=statement.allocated.plain(),
            spent=statement.spent.plain(),
            returned=statement.returned.plain(),
            unallocated=statement.unallocated.plain(),
            contributions=[
                ContributionOut(partner=partner, amount=amount.plain())
                for partner, amount in statement.contributed_by_partner
            ],
            lines=[StatementLineOut.of(line) for line in statement.lines],
            allocated_by_year=[
                YearAmountOut(year=str(year), amount=amount.plain()) for year, amount in statement.allocated_by_year
            ],
            unallocated_by_year=[
                YearAmountOut(year=str(year), amount=amount.plain()) for year, amount in statement.unallocated_by_year
            ],
            trial_balance=TrialBalanceOut(
                debits=totals.debits.plain(),
                credits=totals.credits.plain(),
                difference=totals.difference.plain(),
                accounts=totals.accounts,
            ),
        )


class PostingOut(BaseModel):
    account: str
    kind: str
    financial_year: str
    amount: str


class TransactionOut(BaseModel):
    id: int
    date: dt.date
    description: str
    decision_id: int
    reverses_id: int | None
    posted_at: dt.datetime
    posted_by: str
    postings: list[PostingOut]

    @classmethod
    def of(cls, transaction: LedgerTransaction) -> TransactionOut:
        return cls(
            id=transaction.id,
            date=transaction.date,
            description=transaction.description,
            decision_id=transaction.decision_id,
            reverses_id=transaction.reverses_id,
            posted_at=transaction.posted_at,
            posted_by=transaction.posted_by,
            postings=[
                PostingOut(
                    account=posting.account.path,
                    kind=posting.account.kind.value,
                    financial_year=str(FinancialYear(posting.financial_year)),
                    amount=Money(posting.amount_pence).plain(),
                )
                for posting in transaction.postings
            ],
        )


def remaining(statement: FundStatement) -> Money:
    """What the themes and projects hold between them: allocated, less spent and returned."""
    return Money.total(line.remaining for line in statement.lines)


@dataclass(frozen=True)
class YearRow:
    year: FinancialYear
    allocated: Money
    unallocated: Money

    @property
    def total(self) -> Money:
        return self.allocated + self.unallocated


def year_rows(statement: FundStatement, years: Sequence[FinancialYear]) -> list[YearRow]:
    """Allocated and unallocated money in each of the fund's years (and any other year that holds money)."""
    allocated, unallocated = dict(statement.allocated_by_year), dict(statement.unallocated_by_year)
    every = sorted({*years, *allocated, *unallocated})
    return [YearRow(year, allocated.get(year, Money(0)), unallocated.get(year, Money(0))) for year in every]


@dataclass(frozen=True)
class PartnerShareRow:
    use: str
    amount: Money


def partner_share_rows(partner: PartnerStatement) -> list[PartnerShareRow]:
    """A partner's share of each theme, then of the unallocated remainder: together what it put in."""
    rows = [PartnerShareRow(theme, amount) for theme, amount in partner.where_it_went]
    return [*rows, PartnerShareRow("Unallocated", partner.unallocated_share)]


def parse_as_at(iso: str | None, day: str | None, month: str | None, year: str | None) -> dt.date | None:
    """The statement date from `?as_at=2014-03-31` or the day, month and year boxes; None for today."""
    typed = date_from_boxes("as_at", "The statement date", day, month, year)
    if typed is not None or not (iso and iso.strip()):
        return typed
    try:
        return dt.date.fromisoformat(iso.strip())
    except ValueError:
        raise InvalidInput([Problem("as_at", "The statement date must be a real date, like 31 3 2014")]) from None
