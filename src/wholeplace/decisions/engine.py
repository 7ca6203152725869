"""Checks on a decision's figures, with no database: do the items add up to what the report states,
and do stated fractions match the amounts? Published papers often differ; we show both figures.
And would its recommendations overdraw an account as things stand (said at draft time, binding at posting)?"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from wholeplace.funds.engine import AccountBalance, PostingLine
from wholeplace.money import FinancialYear, Money


@dataclass(frozen=True)
class RecommendationFigures:
    number: str
    text: str
    amount: Money
    allocates: bool  # moves money to a theme or project (not a contribution or re-profiling)
    stated_fraction: str | None = None
    fraction_of: Money | None = None


@dataclass(frozen=True)
class FigureCheck:
    what: str
    stated: str
    computed: str
    difference: Money | None
    agrees: bool


def parse_fraction(text: str) -> Fraction | None:
    """'1/3' or '34%' or '0.34' as an exact fraction; None when it is none of those."""
    cleaned = text.strip()
    if match := re.fullmatch(r"(\d+)\s*/\s*(\d+)", cleaned):
        return Fraction(int(match[1]), int(match[2])) if int(match[2]) else None
    if match := re.fullmatch(r"(\d+(?:\.\d+)?)\s*%", cleaned):
        return Fraction(Decimal(match[1])) / 100
    if re.fullmatch(r"0?\.\d+|1(?:\.0+)?", cleaned):
        return Fraction(Decimal(cleaned))
    return None


def check_figures(stated_total: Money | None, items: list[RecommendationFigures]) -> list[FigureCheck]:
    checks = []
    allocated = Money.total(item.amount for item in items if item.allocates)
    if stated_total is not None:
        difference = allocated - stated_total
        checks.append(
            FigureCheck(
                "Allocations against the stated total",
                str(stated_total),
                str(allocated),
                difference,
                difference.pence == 0,
            )
        )
    for item in items:
        if not item.stated_fraction or item.fraction_of is None:
            continue
        fraction = parse_fraction(item.stated_fraction)
        actual_share = Fraction(item.amount.pence, item.fraction_of.pence) if item.fraction_of.pence else Fraction(0)
        actual = f"{item.amount} is {float(actual_share * 100):.2f}% of {item.fraction_of}"
        if fraction is None:
            checks.append(FigureCheck(f"{item.number} stated share", item.stated_fraction, actual, None, False))
            continue
        exact = fraction * item.fraction_of.pence
        implied = Money(round(exact))
        difference = item.amount - implied
        checks.append(
            FigureCheck(
                f"{item.number} stated as {item.stated_fraction} of {item.fraction_of}",
                f"{item.stated_fraction} = {implied}",
                actual,
                difference,
                abs(item.amount.pence - exact) < 1,
            )
        )
    return checks


@dataclass(frozen=True)
class Shortfall:
    """An account that would hold less than nothing in a year: `short` is what it would lack."""

    account: str  # path
    year: FinancialYear
    short: Money

    def __str__(self) -> str:
        return f"{account_name(self.account)} would be {self.short} short in {self.year}"


def account_name(path: str) -> str:
    """An account as its users name it, as the pages do: `Link Workers (Reducing Re-offending)`, `the unallocated
    pool`, a partner's name for its contribution, `Spent: Link Workers (Reducing Re-offending)`."""
    root, _, rest = path.partition(":")
    theme, _, project = rest.partition(":")
    named = f"{project} ({theme})" if project else theme
    return {
        "Pool": "the unallocated pool",
        "Themes": named,
        "Contributions": rest,
        "Spend": f"Spent: {named}",
        "Returned": f"Returned: {named}",
    }.get(root, path)


def shortfalls(
    balances: Sequence[AccountBalance],
    committed: Sequence[Sequence[PostingLine]],
    steps: Sequence[Sequence[PostingLine]],
) -> list[Shortfall]:
    """What each step (a recommendation's postings, in order) would leave short, after the committed steps
    (decisions approved whose money has not posted yet). Each account and year is named once, at its worst."""
    held = {(balance.account, year): amount.pence for balance in balances for year, amount in balance.by_year.items()}

    def apply(lines: Sequence[PostingLine]) -> None:
        for line in lines:
            held[line.account, line.year] = held.get((line.account, line.year), 0) + line.amount.pence

    for lines in committed:
        apply(lines)
    worst: dict[tuple[str, FinancialYear], int] = {}
    for lines in steps:
        apply(lines)
        for line in lines:
            pence = held[line.account, line.year]
            if pence < 0 and not line.kind.may_go_negative:
                worst[line.account, line.year] = max(worst.get((line.account, line.year), 0), -pence)
    return [Shortfall(account, year, Money(pence)) for (account, year), pence in worst.items()]
