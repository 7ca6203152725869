"""Reporting periods as performance officers write them: a financial year (`2013/14`), a quarter of one
(`2013/14 Q2`, July to September 2013) or a month (`2013-07`, `Jul 2013`, `July 2013`).

Pure: no database, no clock. Quarters follow the financial year, so Q1 is April to June.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass
from enum import StrEnum

from wholeplace.money import FinancialYear, FinancialYearError


class PeriodKind(StrEnum):
    YEAR = "year"
    QUARTER = "quarter"
    MONTH = "month"


MONTHS = (
    {name.lower(): number for number, name in enumerate(calendar.month_name) if name}
    | {name.lower(): number for number, name in enumerate(calendar.month_abbr) if name}
    | {"sept": 9}
)
PERIOD_FORMATS = "a financial year (2013/14), a quarter (2013/14 Q2) or a month (2013-07 or Jul 2013)"


class PeriodError(ValueError):
    """Text that is not a period."""


@dataclass(frozen=True, order=True)
class Period:
    """A reporting period, ordered by when it starts (then by length, shortest first)."""

    starts: dt.date
    kind: PeriodKind

    @classmethod
    def parse(cls, text: str) -> Period:
        """`2013/14`, `2013/14 Q2`, `2013-07`, `Jul 2013` or `July 2013`; anything else is a PeriodError."""
        cleaned = " ".join(text.split())
        if match := re.fullmatch(r"(\d{4}/\d{2})\s*Q([1-4])", cleaned, flags=re.IGNORECASE):
            year = _year(match[1], text)
            return cls.quarter(year, int(match[2]))
        if re.fullmatch(r"\d{4}/\d{2}", cleaned):
            return cls.year(_year(cleaned, text))
        if match := re.fullmatch(r"(\d{4})-(\d{1,2})", cleaned):
            if len(match[2]) == 2 and int(match[2]) == (int(match[1]) + 1) % 100 and int(match[2]) > 12:
                raise PeriodError(f"'{text}' is not a period. Write a financial year as {match[1]}/{match[2]}")
            return cls.month(int(match[1]), int(match[2]), text)
        if match := re.fullmatch(r"([A-Za-z]+)\s+(\d{4})", cleaned):
            number = MONTHS.get(match[1].lower())
            if number is None:
                raise PeriodError(f"'{text}' is not a month. Write it like Jul 2013")
            return cls.month(int(match[2]), number, text)
        raise PeriodError(f"'{text}' is not a period. Write {PERIOD_FORMATS}")

    @classmethod
    def year(cls, year: FinancialYear) -> Period:
        return cls(year.starts, PeriodKind.YEAR)

    @classmethod
    def quarter(cls, year: FinancialYear, number: int) -> Period:
        month = 4 + 3 * (number - 1)
        return cls(dt.date(year.start_year + (month > 12), (month - 1) % 12 + 1, 1), PeriodKind.QUARTER)

    @classmethod
    def month(cls, year: int, month: int, text: str = "") -> Period:
        if not 1 <= month <= 12 or not 1900 <= year <= 2999:
            raise PeriodError(f"'{text or f'{year}-{month}'}' is not a month. Write it like 2013-07")
        return cls(dt.date(year, month, 1), PeriodKind.MONTH)

    @classmethod
    def of_date(cls, day: dt.date, kind: PeriodKind) -> Period:
        """The period of this kind a day falls in."""
        year = FinancialYear.of(day)
        if kind is PeriodKind.YEAR:
            return cls.year(year)
        if kind is PeriodKind.QUARTER:
            return cls.quarter(year, (day.month - 4) % 12 // 3 + 1)
        return cls(day.replace(day=1), PeriodKind.MONTH)

    @property
    def financial_year(self) -> FinancialYear:
        return FinancialYear.of(self.starts)

    @property
    def ends(self) -> dt.date:
        months = {PeriodKind.YEAR: 12, PeriodKind.QUARTER: 3, PeriodKind.MONTH: 1}[self.kind]
        index = self.starts.year * 12 + self.starts.month - 1 + months
        return dt.date(index // 12, index % 12 + 1, 1) - dt.timedelta(days=1)

    def next(self) -> Period:
        return Period.of_date(self.ends + dt.timedelta(days=1), self.kind)

    def __contains__(self, day: dt.date) -> bool:
        return self.starts <= day <= self.ends

    def within(self, other: Period) -> bool:
        """Whether this period lies wholly inside another (a month inside its quarter or year)."""
        return other.starts <= self.starts and self.ends <= other.ends

    def __str__(self) -> str:
        if self.kind is PeriodKind.YEAR:
            return str(self.financial_year)
        if self.kind is PeriodKind.QUARTER:
            return f"{self.financial_year} Q{(self.starts.month - 4) % 12 // 3 + 1}"
        return self.starts.strftime("%b %Y")


def _year(text: str, given: str) -> FinancialYear:
    try:
        year = FinancialYear.parse(text)
    except FinancialYearError as error:
        raise PeriodError(str(error).replace(f"'{text}'", f"'{given}'")) from None
    if not 1900 <= year.start_year <= 2998:
        raise PeriodError(f"'{given}' is not a financial year we can record: give one from 1900/01 to 2998/99")
    return year
