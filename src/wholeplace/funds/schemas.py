"""JSON shapes of funds, statements and ledger transactions, and the parsing of the fund pages' forms.

Money goes out as strings with two decimals (`Money.plain()`), financial years as `2013/14`.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction

from pydantic import BaseModel

from wholeplace.decisions.service import DecisionIn, RecommendationIn
from wholeplace.funds.engine import AccountBalance, FundStatement, PartnerStatement, ThemeLine, trial_balance
from wholeplace.funds.model import Fund, LedgerTransaction
from wholeplace.money import FinancialYear, FinancialYearError, Money, MoneyError
from wholeplace.problems import InvalidInput, Problem
from wholeplace.web.date_boxes import date_from_boxes


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


# Where the draft decision service names a problem, and the re-profiling form field it belongs to.
REPROFILE_FIELDS = {
    "recommendations": "amount",
    "recommendations[1].amount": "amount",
    "recommendations[1].from_year": "from_year",
    "recommendations[1].to_year": "to_year",
    "recommendations[1].to_account": "to_account",
    "recommendations[1].from_account": "from_account",
    "recommendations[1].account": "from_account",
    "reference": "reference",
    "title": "title",
}
SAME_ACCOUNT = "same"


@dataclass(frozen=True)
class ReprofileForm:
    """What the re-profiling form asks for: move an amount of an allocation to another year or account."""

    from_account: str
    from_year: str
    to_account: str
    to_year: str
    amount: str
    reference: str
    title: str
    decision_maker: str
    reason: str

    @classmethod
    def of(cls, values: Mapping[str, object]) -> ReprofileForm:
        fields = cls.__dataclass_fields__
        return cls(**{name: str(values.get(name, "") or "").strip() for name in fields})

    def draft(
        self, *, accounts: Sequence[str], years: Sequence[FinancialYear], today: dt.date, author: str
    ) -> DecisionIn:
        """The draft decision this form describes; InvalidInput naming every field that is wrong."""
        problems: list[Problem] = []
        if self.from_account not in accounts:
            problems.append(Problem("from_account", "Select the theme or project to move money from"))
        target = self.from_account if self.to_account in ("", SAME_ACCOUNT) else self.to_account
        if self.to_account not in ("", SAME_ACCOUNT) and self.to_account not in accounts:
            problems.append(Problem("to_account", "Select the theme or project to move money to"))
        from_year = _year(self.from_year, "from_year", "Select the year to move money from", years, problems)
        to_year = _year(self.to_year, "to_year", "Select the year to move money to", years, problems)
        amount = _amount(self.amount, problems)
        if not self.reference:
            problems.append(Problem("reference", "Enter the decision's reference, like PCC/052/13"))
        if not self.title:
            problems.append(Problem("title", "Enter a title"))
        if not self.decision_maker:
            problems.append(Problem("decision_maker", "Enter who decides, like Police and Crime Commissioner"))
        if not self.reason:
            problems.append(Problem("reason", "Enter the reason for re-profiling"))
        if problems or amount is None or from_year is None or to_year is None:
            raise InvalidInput(problems)
        if target == self.from_account:
            text = f"Move {amount} of {_name(target)} from {from_year} to {to_year}"
        else:
            text = f"Move {amount} from {_name(self.from_account)} in {from_year} to {_name(target)} in {to_year}"
        return DecisionIn(
            reference=self.reference,
            title=self.title,
            report_date=today,
            author=author,
            decision_maker=self.decision_maker,
            purpose=self.reason,
            recommendations=[RecommendationIn("1", text, amount, self.from_account, target, from_year, to_year)],
        )


def _name(account: str) -> str:
    return account.removeprefix("Themes:").replace(":", ": ")


def _year(
    text: str, field: str, message: str, years: Sequence[FinancialYear], problems: list[Problem]
) -> FinancialYear | None:
    try:
        year = FinancialYear.parse(text)
    except FinancialYearError:
        problems.append(Problem(field, message))
        return None
    if year not in years:
        problems.append(Problem(field, message))
        return None
    return year


def _amount(text: str, problems: list[Problem]) -> Money | None:
    if not text:
        problems.append(Problem("amount", "Enter an amount"))
        return None
    try:
        amount = Money.parse(text)
    except MoneyError as error:
        problems.append(Problem("amount", str(error)))
        return None
    if amount.pence < 1:
        problems.append(Problem("amount", "Amount must be £0.01 or more"))
        return None
    return amount
