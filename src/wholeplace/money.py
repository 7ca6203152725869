"""Money in integer pence, exact splits, and UK public-sector financial years.

Pennies must add up: amounts are whole pence, arithmetic is integer, and any split of an
amount goes through `apportion` so that the parts sum to the whole exactly.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Context, Decimal, InvalidOperation
from fractions import Fraction
from functools import total_ordering

PENCE_PER_POUND = 100
# The largest amount read from anyone: £10 trillion, far past any public budget, and far inside the 64-bit
# pence the ledger stores, so sums of many such amounts still fit.
LARGEST_POUNDS = 10**13
# Financial years a fund, a contribution or a spend may be profiled to: a typing slip such as 14 or 200000 is
# refused rather than stored as the year 14. Importers of history (outcomes, price years) keep `parse`'s range.
FIRST_BUDGET_YEAR = 2000
LAST_BUDGET_YEAR = 2099

# "£1,115,160.00", "1115160", "-£944", "£-944", "1,115,160.5": thousands groups are optional but,
# when present, must be groups of three so that "1,1151,60" is not read as a number.
_AMOUNT = re.compile(
    r"""^(?P<sign1>-)?\s*£?\s*(?P<sign2>-)?
        (?P<units>\d{1,3}(?:,\d{3})+|\d+)
        (?:\.(?P<fraction>\d+))?$""",
    re.VERBOSE | re.ASCII,
)


class MoneyError(ValueError):
    """An amount that cannot be read as pounds and pence."""


def _shown(text: str, longest: int = 40) -> str:
    """What was typed, cut short so a message about a 10,000-character amount stays readable."""
    return text if len(text) <= longest else f"{text[:longest]}..."


@total_ordering
@dataclass(frozen=True, slots=True)
class Money:
    """An amount of money held as whole pence."""

    pence: int

    @classmethod
    def parse(cls, text: str) -> Money:
        """Read an amount in pounds as people write it: `£1,115,160.00`, `1115160`, `-£944`."""
        cleaned = text.strip()
        match = _AMOUNT.match(cleaned)
        if not match or (match["sign1"] and match["sign2"]):
            raise MoneyError(f"'{_shown(text)}' is not an amount of money. Write it like £1,234.56")
        fraction = match["fraction"] or ""
        if len(fraction) > 2:
            raise MoneyError(f"'{_shown(text)}' has more than 2 decimal places. Amounts are in pounds and pence")
        digits = match["units"].replace(",", "").lstrip("0")
        if len(digits) > len(str(LARGEST_POUNDS)):  # before int(): Python refuses to read 4,300 digits and more
            raise MoneyError(
                f"'{_shown(text)}' is more than {cls(LARGEST_POUNDS * PENCE_PER_POUND)}, "
                "the largest amount this service holds"
            )
        units = int(digits or "0")
        pence = units * PENCE_PER_POUND + int(fraction.ljust(2, "0"))
        return cls._within_reason(-pence if (match["sign1"] or match["sign2"]) else pence, text)

    @classmethod
    def from_pounds(cls, pounds: Decimal | int | str) -> Money:
        """An exact amount in pounds; refuses anything finer than a penny rather than rounding it."""
        if isinstance(pounds, str):
            return cls.parse(pounds)
        try:
            value = Decimal(pounds)
        except InvalidOperation as error:
            raise MoneyError(f"'{pounds}' is not an amount of money") from error
        if not value.is_finite():
            raise MoneyError(f"'{pounds}' is not an amount of money")
        if value and value.adjusted() >= len(str(LARGEST_POUNDS)):  # before scaling 1E+999999999 to pence
            return cls._within_reason(LARGEST_POUNDS * PENCE_PER_POUND + 1, pounds)
        # Scale by the exponent, not by multiplying: Decimal multiplication rounds beyond 28 digits.
        pence = value.scaleb(2, context=Context(prec=len(value.as_tuple().digits) + 2))
        if pence != pence.to_integral_value():
            raise MoneyError(f"'{pounds}' has more than 2 decimal places. Amounts are in pounds and pence")
        return cls._within_reason(int(pence), pounds)

    @classmethod
    def _within_reason(cls, pence: int, given: object) -> Money:
        if abs(pence) > LARGEST_POUNDS * PENCE_PER_POUND:
            largest = cls(LARGEST_POUNDS * PENCE_PER_POUND)
            raise MoneyError(f"'{_shown(str(given))}' is more than {largest}, the largest amount this service holds")
        return cls(pence)

    @property
    def pounds(self) -> Decimal:
        return Decimal(self.pence).scaleb(-2)

    def __str__(self) -> str:
        """`£1,115,160.00`, and `-£944.00` below zero."""
        sign = "-" if self.pence < 0 else ""
        units, pence = divmod(abs(self.pence), PENCE_PER_POUND)
        return f"{sign}£{units:,}.{pence:02d}"

    def signed(self) -> str:
        """`+£1.00` above zero, as a gain or a transfer is shown; `-£1.00` and `£0.00` as `str` gives them."""
        return f"+{self}" if self.pence > 0 else str(self)

    def plain(self) -> str:
        """Two decimals without symbol or separators, as in JSON and CSV: `1115160.00`."""
        return f"{self.pounds:.2f}"

    def __add__(self, other: Money) -> Money:
        return Money(self.pence + other.pence)

    def __sub__(self, other: Money) -> Money:
        return Money(self.pence - other.pence)

    def __neg__(self) -> Money:
        return Money(-self.pence)

    def __mul__(self, factor: int) -> Money:
        if not isinstance(factor, int):
            return NotImplemented
        return Money(self.pence * factor)

    def __lt__(self, other: Money) -> bool:
        return self.pence < other.pence

    @staticmethod
    def total(amounts: Iterable[Money]) -> Money:
        return Money(sum(amount.pence for amount in amounts))


Weight = int | Decimal | Fraction


def apportion(total: Money, weights: Sequence[Weight]) -> list[Money]:
    """Split `total` in proportion to `weights` so the parts add up to it exactly.

    Largest remainder method: every part first gets the whole pence of its exact share, then
    the pence left over go one each to the largest fractional remainders. Ties go to the
    earlier line, so the same input always gives the same split. Each part is within 1p of
    its exact share.

    >>> [str(part) for part in apportion(Money(100), [1, 1, 1])]
    ['£0.34', '£0.33', '£0.33']
    """
    exact_weights = [Fraction(weight) for weight in weights]
    if not exact_weights:
        raise MoneyError("There is nothing to split the amount between")
    if any(weight < 0 for weight in exact_weights):
        raise MoneyError("Weights must be zero or more")
    weight_sum = sum(exact_weights)
    if weight_sum == 0:
        raise MoneyError("Weights add up to zero, so there is no proportion to split by")
    sign = -1 if total.pence < 0 else 1
    exact_shares = [abs(total.pence) * weight / weight_sum for weight in exact_weights]
    parts = [share.numerator // share.denominator for share in exact_shares]
    left_over = abs(total.pence) - sum(parts)
    by_remainder = sorted(range(len(parts)), key=lambda index: (-(exact_shares[index] - parts[index]), index))
    for index in by_remainder[:left_over]:
        parts[index] += 1
    return [Money(sign * part) for part in parts]


class FinancialYearError(ValueError):
    """Text that is not a financial year such as 2013/14."""


@total_ordering
@dataclass(frozen=True, slots=True)
class FinancialYear:
    """A UK public-sector financial year, 1 April to 31 March, written `2013/14`."""

    start_year: int

    @classmethod
    def parse(cls, text: str) -> FinancialYear:
        match = re.fullmatch(r"\s*([0-9]{4})/([0-9]{2})\s*", text)
        if not match:
            raise FinancialYearError(f"'{_shown(text)}' is not a financial year. Write it like 2013/14")
        start, end = int(match[1]), int(match[2])
        if (start + 1) % 100 != end:
            raise FinancialYearError(
                f"'{_shown(text)}' is not a financial year: {start}/{(start + 1) % 100:02d} follows {start}"
            )
        return cls(start)

    @classmethod
    def parse_budget_year(cls, text: str) -> FinancialYear:
        """A year money is profiled to, typed as `2013/14` or as its first year `2013`, from 2000/01 to 2099/00."""
        cleaned = text.strip()
        year = cls(int(cleaned)) if re.fullmatch(r"[0-9]{4}", cleaned) else cls.parse(cleaned)
        if not FIRST_BUDGET_YEAR <= year.start_year <= LAST_BUDGET_YEAR:
            raise FinancialYearError(
                f"'{cleaned}' is not a year this service budgets for: give one from "
                f"{cls(FIRST_BUDGET_YEAR)} to {cls(LAST_BUDGET_YEAR)}"
            )
        return year

    @classmethod
    def of(cls, day: dt.date) -> FinancialYear:
        """The financial year a date falls in: 31 March 2014 is in 2013/14, 1 April 2014 in 2014/15."""
        return cls(day.year if day.month >= 4 else day.year - 1)

    @property
    def starts(self) -> dt.date:
        return dt.date(self.start_year, 4, 1)

    @property
    def ends(self) -> dt.date:
        return dt.date(self.start_year + 1, 3, 31)

    def __contains__(self, day: dt.date) -> bool:
        return self.starts <= day <= self.ends

    def __add__(self, years: int) -> FinancialYear:
        return FinancialYear(self.start_year + years)

    def __lt__(self, other: FinancialYear) -> bool:
        return self.start_year < other.start_year

    def __str__(self) -> str:
        return f"{self.start_year}/{(self.start_year + 1) % 100:02d}"
