"""Section 75 arithmetic with no database: instalment status, shares, the year-end settlement, reconciliation.

A settlement measures the year's outturn (spend in the ledger plus expenditure incurred but not yet paid from
the pool) against the contributions the agreement schedules for the year. An overspend is met by the partners
in their agreed overspend shares; an underspend is shared in the underspend shares. Every split goes through
`money.apportion` (largest remainder), so the parts add up to the whole to the penny.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from wholeplace.files.numbers import decimal_of, reasonable
from wholeplace.money import FinancialYear, Money, apportion
from wholeplace.problems import Problem

WHOLE = 10_000  # basis points in 100%


class InstalmentStatus(StrEnum):
    DUE = "due"
    RECEIVED = "received"
    LATE = "late"
    PART_PAID = "part-paid"


def instalment_status(amount: Money, received: Money, due_on: dt.date, today: dt.date) -> InstalmentStatus:
    """Received in full; late once the due day has passed without it in full; part-paid before then; else due."""
    if received >= amount:
        return InstalmentStatus.RECEIVED
    if today > due_on:
        return InstalmentStatus.LATE
    return InstalmentStatus.PART_PAID if received.pence > 0 else InstalmentStatus.DUE


def parse_share(text: str, where: str) -> tuple[int | None, list[Problem]]:
    """A percentage like `60`, `33.33` or `40%` as basis points; anything else a problem naming the field."""
    cleaned = text.strip().removesuffix("%").strip()
    if not cleaned:
        return None, [Problem(where, "Enter a share as a percentage, like 60")]
    number = decimal_of(cleaned) if reasonable(cleaned) else None
    if number is None:
        return None, [Problem(where, f"'{text[:40]}' is not a percentage. Enter a number from 0 to 100, like 60")]
    if not Decimal(0) <= number <= Decimal(100):
        return None, [Problem(where, "A share must be from 0% to 100%")]
    basis_points = number * 100
    if basis_points != basis_points.to_integral_value():
        return None, [Problem(where, "A share can have at most 2 decimal places, like 33.33")]
    return int(basis_points), []


def percent(basis_points: int) -> str:
    """Basis points as a percentage: 6000 is `60%`, 3333 is `33.33%`."""
    whole, part = divmod(basis_points, 100)
    return f"{whole}%" if not part else f"{whole}.{part:02d}%"


def check_shares(shares: Sequence[int], where: str, what: str) -> list[Problem]:
    """Shares of one kind must add up to exactly 100%."""
    total = sum(shares)
    if total != WHOLE:
        return [Problem(where, f"The {what} shares add up to {percent(total)}. They must add up to 100%")]
    return []


@dataclass(frozen=True)
class PartnerYear:
    """One partner's year as the settlement needs it."""

    partner: str
    agreed: Money  # what its instalments for the year add up to
    received: Money  # its contributions for the year in the ledger, earlier settlements left out
    overspend_share_bp: int
    underspend_share_bp: int


@dataclass(frozen=True)
class SettlementLine:
    partner: str
    share_bp: int
    amount: Money  # what the partner pays (overspend) or gets (underspend)


class Outcome(StrEnum):
    OVERSPEND = "overspend"
    UNDERSPEND = "underspend"
    BALANCED = "balanced"


@dataclass(frozen=True)
class YearEnd:
    year: FinancialYear
    partners: tuple[PartnerYear, ...]
    spent: Money  # spend in the ledger for the year
    accrued: Money  # expenditure of the year not yet paid from the pool
    settled: Money  # moved by earlier settlements of the year: overspend met (+) less underspend shared out (-)
    lines: tuple[SettlementLine, ...]

    @property
    def agreed(self) -> Money:
        return Money.total(partner.agreed for partner in self.partners)

    @property
    def received(self) -> Money:
        return Money.total(partner.received for partner in self.partners)

    @property
    def outstanding(self) -> Money:
        """Contributions scheduled for the year and not yet in the ledger: still owed, not part of the settlement."""
        return Money.total(Money(max(0, (p.agreed - p.received).pence)) for p in self.partners)

    @property
    def outturn(self) -> Money:
        return self.spent + self.accrued

    @property
    def variance(self) -> Money:
        """Agreed contributions (and what earlier settlements moved) less outturn: below zero an overspend."""
        return self.agreed + self.settled - self.outturn

    @property
    def outcome(self) -> Outcome:
        if self.variance.pence < 0:
            return Outcome.OVERSPEND
        return Outcome.UNDERSPEND if self.variance.pence > 0 else Outcome.BALANCED

    @property
    def amount(self) -> Money:
        return Money(abs(self.variance.pence))


def settle(
    year: FinancialYear, partners: Sequence[PartnerYear], *, spent: Money, accrued: Money, settled: Money = Money(0)
) -> YearEnd:
    """The year-end settlement: the overspend or underspend split by the agreed shares, to the penny."""
    found = YearEnd(year, tuple(partners), spent, accrued, settled, ())
    if found.outcome is Outcome.BALANCED:
        return found
    overspent = found.outcome is Outcome.OVERSPEND
    shares = [p.overspend_share_bp if overspent else p.underspend_share_bp for p in partners]
    amounts = apportion(found.amount, shares)
    lines = tuple(
        SettlementLine(partner.partner, share, amount)
        for partner, share, amount in zip(partners, shares, amounts, strict=True)
    )
    return YearEnd(year, tuple(partners), spent, accrued, settled, lines)


@dataclass(frozen=True)
class ReconciledLine:
    """A partner's contributions for a year: as scheduled, as received against instalments, and in the ledger."""

    partner: str
    scheduled: Money
    received: Money
    in_ledger: Money

    @property
    def difference(self) -> Money:
        """The ledger less the receipts recorded: not zero when a contribution was posted without a receipt."""
        return self.in_ledger - self.received

    @property
    def outstanding(self) -> Money:
        return self.scheduled - self.received
