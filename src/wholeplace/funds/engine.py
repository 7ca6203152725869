"""Ledger arithmetic with no database: balanced transactions, overdraft checks, statements.

Sign convention: every transaction's postings add up to zero. Money enters a fund from a
partner's contribution account (which runs negative: -£290,000 means £290,000 put in) into
`Pool:Unallocated`; allocations move it on to `Themes:<theme>[:<project>]`; spending moves it to
`Spend:<theme>[:<project>]`; underspend given back goes to `Returned:<theme>[:<project>]`. So the
whole ledger always sums to zero, and contributed = allocated + unallocated.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from wholeplace.funds.model import AccountKind
from wholeplace.money import FinancialYear, Money, apportion
from wholeplace.problems import Problem


@dataclass(frozen=True)
class PostingLine:
    account: str  # path
    kind: AccountKind
    amount: Money
    year: FinancialYear


@dataclass(frozen=True)
class AccountBalance:
    account: str
    kind: AccountKind
    partner: str | None
    by_year: Mapping[FinancialYear, Money]

    @property
    def total(self) -> Money:
        return Money.total(self.by_year.values())


def check_balanced(lines: Sequence[PostingLine]) -> list[Problem]:
    """A transaction must have postings, whole pence, and add up to exactly zero."""
    if len(lines) < 2:
        return [Problem("postings", "A transaction needs at least two postings")]
    total = Money.total(line.amount for line in lines)
    if total.pence != 0:
        return [Problem("postings", f"Postings add up to {total}, not £0.00: a transaction must balance")]
    return []


def overdrawn(balances: Iterable[AccountBalance]) -> list[Problem]:
    """Accounts other than contributions that would hold less than nothing in some year."""
    problems = []
    for balance in balances:
        if balance.kind.may_go_negative:
            continue
        for year, amount in sorted(balance.by_year.items()):
            if amount.pence < 0:
                problems.append(Problem(balance.account, f"Not enough money in {year}: this would leave {amount}"))
    return problems


@dataclass(frozen=True)
class ThemeLine:
    theme: str
    project: str | None  # None for money held at theme level
    allocated: Money  # still held + spent + returned
    spent: Money
    returned: Money

    @property
    def remaining(self) -> Money:
        return self.allocated - self.spent - self.returned


@dataclass(frozen=True)
class FundStatement:
    as_at: dt.date
    contributed_by_partner: tuple[tuple[str, Money], ...]
    lines: tuple[ThemeLine, ...]
    unallocated_by_year: tuple[tuple[FinancialYear, Money], ...]
    allocated_by_year: tuple[tuple[FinancialYear, Money], ...]

    @property
    def contributed(self) -> Money:
        return Money.total(amount for _, amount in self.contributed_by_partner)

    @property
    def allocated(self) -> Money:
        return Money.total(line.allocated for line in self.lines)

    @property
    def spent(self) -> Money:
        return Money.total(line.spent for line in self.lines)

    @property
    def returned(self) -> Money:
        return Money.total(line.returned for line in self.lines)

    @property
    def unallocated(self) -> Money:
        return Money.total(amount for _, amount in self.unallocated_by_year)

    def themes(self) -> list[tuple[str, Money, list[ThemeLine]]]:
        """Lines grouped by theme: (theme, allocated to it in all, its lines)."""
        grouped: dict[str, list[ThemeLine]] = defaultdict(list)
        for line in self.lines:
            grouped[line.theme].append(line)
        return [(theme, Money.total(line.allocated for line in lines), lines) for theme, lines in grouped.items()]


def _theme_and_project(path: str) -> tuple[str, str | None]:
    parts = path.split(":")
    return parts[1] if len(parts) > 1 else parts[0], ":".join(parts[2:]) or None


def fund_statement(balances: Sequence[AccountBalance], as_at: dt.date) -> FundStatement:
    contributed: dict[str, Money] = defaultdict(lambda: Money(0))
    unallocated: dict[FinancialYear, Money] = defaultdict(lambda: Money(0))
    allocated_by_year: dict[FinancialYear, Money] = defaultdict(lambda: Money(0))
    held: dict[tuple[str, str | None], dict[str, Money]] = defaultdict(
        lambda: {"held": Money(0), "spent": Money(0), "returned": Money(0)}
    )
    bucket = {
        AccountKind.THEME: "held",
        AccountKind.PROJECT: "held",
        AccountKind.SPEND: "spent",
        AccountKind.RETURNED: "returned",
    }
    for balance in balances:
        if balance.kind is AccountKind.CONTRIBUTION:
            if balance.total.pence:  # an account opened by a draft, with nothing in it yet, is no contribution
                contributed[balance.partner or balance.account] += -balance.total
        elif balance.kind is AccountKind.UNALLOCATED:
            for year, amount in balance.by_year.items():
                unallocated[year] += amount
        else:
            key = _theme_and_project(balance.account)
            held[key][bucket[balance.kind]] += balance.total
            for year, amount in balance.by_year.items():
                allocated_by_year[year] += amount
    lines = tuple(
        ThemeLine(theme, project, sums["held"] + sums["spent"] + sums["returned"], sums["spent"], sums["returned"])
        for (theme, project), sums in sorted(held.items(), key=lambda item: (item[0][0], item[0][1] or ""))
        if any(amount.pence for amount in sums.values())
    )
    return FundStatement(
        as_at=as_at,
        contributed_by_partner=tuple(sorted(contributed.items())),
        lines=lines,
        unallocated_by_year=tuple(sorted(unallocated.items())),
        allocated_by_year=tuple(sorted(allocated_by_year.items())),
    )


@dataclass(frozen=True)
class PartnerStatement:
    partner: str
    contributed: Money
    share_of_pool: tuple[int, int]  # its contribution over all contributions
    where_it_went: tuple[tuple[str, Money], ...]  # theme -> its share, to the penny
    unallocated_share: Money


def partner_statement(statement: FundStatement, partner: str) -> PartnerStatement:
    """What a partner put in, and its pro-rata share of where the pooled money went.

    Pooled money is not earmarked, so each partner is shown its share of every use in proportion
    to its contribution, split by largest remainder so its shares add up to what it put in.
    """
    contributions = dict(statement.contributed_by_partner)
    own = contributions.get(partner, Money(0))
    whole = statement.contributed
    uses = [(theme, amount) for theme, amount, _ in statement.themes()] + [("Unallocated", statement.unallocated)]
    if whole.pence <= 0 or own.pence == 0:
        return PartnerStatement(partner, own, (0, max(whole.pence, 1)), (), Money(0))
    shares = (
        apportion(own, [amount.pence if amount.pence > 0 else 0 for _, amount in uses])
        if any(amount.pence > 0 for _, amount in uses)
        else [Money(0)] * len(uses)
    )
    went = tuple((name, share) for (name, _), share in zip(uses[:-1], shares[:-1], strict=True))
    return PartnerStatement(partner, own, (own.pence, whole.pence), went, shares[-1])


@dataclass(frozen=True)
class TrialBalanceLine:
    account: str
    kind: AccountKind
    debit: Money  # positive balances
    credit: Money  # negative balances, shown positive


def trial_balance(balances: Sequence[AccountBalance]) -> tuple[list[TrialBalanceLine], Money]:
    """Each account's balance as debit or credit, and the difference of the two columns (always £0.00)."""
    lines = []
    for balance in sorted(balances, key=lambda b: b.account):
        total = balance.total
        if total.pence == 0:
            continue
        lines.append(
            TrialBalanceLine(balance.account, balance.kind, Money(max(total.pence, 0)), Money(max(-total.pence, 0)))
        )
    difference = Money.total(line.debit for line in lines) - Money.total(line.credit for line in lines)
    return lines, difference
