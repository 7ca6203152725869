"""Discount factors: the Green Book's declining schedules, or one constant rate the case file gives.

Green Book rates are marginal by band: the rate of band b applies to each year that falls in band b, so
the factor for year t is the product of 1 / (1 + r(k)) over the years k = 1 .. t. Year 31 is discounted
at 3.0% on top of thirty years at 3.5%; it is not 1 / 1.03^31. Sources and the table: docs/methodology.md.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

import numpy as np
from numpy.typing import NDArray


@dataclass(frozen=True)
class Band:
    """A rate for years `first` to `last` after the base year (year 0); `last` None means every later year."""

    first: int
    last: int | None
    rate: Decimal


Schedule = tuple[Band, ...]

# HM Treasury, The Green Book (2022), Annex A6 "Discounting", the long-term discount rate table:
# 3.5% for years 0-30, then 3.0%, 2.5%, 2.0%, 1.5%, 1.0% from year 301.
GREEN_BOOK_STANDARD: Schedule = (
    Band(0, 30, Decimal("0.035")),
    Band(31, 75, Decimal("0.030")),
    Band(76, 125, Decimal("0.025")),
    Band(126, 200, Decimal("0.020")),
    Band(201, 300, Decimal("0.015")),
    Band(301, None, Decimal("0.010")),
)

# The same annex: risk to health and life values are discounted at 1.5% (the wealth effect left out), and the
# long-term table declines in proportion (1.5/3.5 of each standard rate), printed to two decimals:
# 1.50%, 1.29%, 1.07%, 0.86%, 0.64%, 0.43%. We use the printed figures.
GREEN_BOOK_HEALTH: Schedule = (
    Band(0, 30, Decimal("0.0150")),
    Band(31, 75, Decimal("0.0129")),
    Band(76, 125, Decimal("0.0107")),
    Band(126, 200, Decimal("0.0086")),
    Band(201, 300, Decimal("0.0064")),
    Band(301, None, Decimal("0.0043")),
)


def rate_in_year(schedule: Sequence[Band], year: int) -> Decimal:
    """The marginal rate that discounts year `year` against year `year - 1`."""
    for band in schedule:
        if band.first <= year and (band.last is None or year <= band.last):
            return band.rate
    raise ValueError(f"The schedule has no rate for year {year}")


def schedule_factors(schedule: Sequence[Band], years: int) -> NDArray[np.float64]:
    """Factors for years 0 .. years-1: 1 in year 0, then the running product of 1 / (1 + r(k))."""
    rates = np.array([float(rate_in_year(schedule, year)) for year in range(1, years)], dtype=np.float64)
    return np.concatenate(([1.0], np.cumprod(1.0 / (1.0 + rates))))


def constant_factors(rate: Decimal, years: int) -> NDArray[np.float64]:
    """Factors 1 / (1 + r)^t for years 0 .. years-1."""
    return (1.0 + float(rate)) ** -np.arange(years, dtype=np.float64)


@dataclass(frozen=True)
class Discounting:
    """How a case discounts: the Green Book schedules unless it gives a constant rate.

    `rate` replaces the standard schedule for every flow except social benefits marked as health values;
    those keep the Green Book health schedule unless `health_rate` is given too.
    """

    rate: Decimal | None = None
    health_rate: Decimal | None = None

    def factors(self, years: int, *, health: bool = False) -> NDArray[np.float64]:
        if health:
            if self.health_rate is not None:
                return constant_factors(self.health_rate, years)
            return schedule_factors(GREEN_BOOK_HEALTH, years)
        if self.rate is not None:
            return constant_factors(self.rate, years)
        return schedule_factors(GREEN_BOOK_STANDARD, years)

    def describe(self) -> str:
        standard = (
            f"a constant {_percent(self.rate)}"
            if self.rate is not None
            else "the Green Book schedule (3.5% to year 30)"
        )
        health = (
            f"a constant {_percent(self.health_rate)}"
            if self.health_rate is not None
            else "the Green Book health schedule (1.5% to year 30)"
        )
        return f"Costs and benefits at {standard}; health values at {health}"


def _percent(rate: Decimal) -> str:
    return f"{(rate * 100).normalize():f}%"
