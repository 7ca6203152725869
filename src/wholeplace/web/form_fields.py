"""Amounts, financial years, dates and text read from a posted form or an API body, bounded so that no value
reaches the database or the ledger unchecked.

A page reads its form with `FormReader`: each method returns the value, or None and a `Problem` on that field,
so one post shows every field that is wrong. An API body declares its fields with `AmountIn` and `BudgetYearIn`,
which refuse the same values with a 422 naming the field. Both speak GOV.UK: "Enter an amount", "Amount must be
£0.01 or more". What is refused, and why: a 23-digit amount or `1e30` (more than the £10 trillion the service
holds), `NaN`, `inf`, three decimal places, nothing or less than a penny where an amount is asked for, a year
like `14` or `200000`, a date past the years the service budgets for.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Annotated, TypeVar

from pydantic import PlainSerializer, PlainValidator, WithJsonSchema
from pydantic_core import PydanticCustomError

from wholeplace.money import (
    FIRST_BUDGET_YEAR,
    LARGEST_POUNDS,
    LAST_BUDGET_YEAR,
    FinancialYear,
    FinancialYearError,
    Money,
    MoneyError,
)
from wholeplace.plain_text import clean_free_text, clean_name
from wholeplace.problems import Problem

Choice = TypeVar("Choice")

# An amount in an API body: pounds, a point and up to two decimals, as `Money.plain()` writes it.
PLAIN_AMOUNT = re.compile(rf"^[0-9]{{1,{len(str(LARGEST_POUNDS))}}}(\.[0-9]{{1,2}})?$")
BUDGET_YEAR = re.compile(r"^20[0-9]{2}(/[0-9]{2})?$")


def positive_amount(text: str, *, label: str = "Amount") -> Money:
    """An amount of £0.01 or more, as typed on a form (`£1,234.56` or `1234.56`); MoneyError says what is wrong."""
    if not text.strip():
        raise MoneyError(f"Enter {_article(label)} {label.lower()}")
    amount = Money.parse(text)
    if amount.pence < 1:
        raise MoneyError(f"{label} must be £0.01 or more")
    return amount


def _article(label: str) -> str:
    return "an" if label[:1].lower() in "aeiou" else "a"


@dataclass
class FormReader:
    """A posted form read field by field; every field that is wrong leaves a Problem in `problems`."""

    form: Mapping[str, object]
    problems: list[Problem] = field(default_factory=list)

    def raw(self, name: str) -> str:
        """The field as typed, trimmed: what the form shows again when it is refused."""
        value = self.form.get(name, "")
        return value.strip() if isinstance(value, str) else ""

    def typed(self, *names: str) -> dict[str, str]:
        return {name: self.raw(name) for name in names}

    def refuse(self, name: str, message: str) -> None:
        self.problems.append(Problem(name, message))

    def amount(self, name: str, *, label: str = "Amount") -> Money | None:
        try:
            return positive_amount(self.raw(name), label=label)
        except MoneyError as error:
            self.refuse(name, str(error))
            return None

    def budget_year(
        self, name: str, *, label: str = "Financial year", within: Sequence[FinancialYear] | None = None
    ) -> FinancialYear | None:
        """A financial year, `2013/14` or `2013`; with `within`, one of those years (a fund's)."""
        text = self.raw(name)
        if not text:
            self.refuse(name, f"Enter the {label.lower()}, like 2013/14")
            return None
        try:
            year = FinancialYear.parse_budget_year(text)
        except FinancialYearError as error:
            self.refuse(name, str(error))
            return None
        if within is not None and year not in within:
            self.refuse(name, f"{label} must be one of {', '.join(str(each) for each in within)}")
            return None
        return year

    def date(self, name: str, *, label: str, required: bool = True) -> dt.date | None:
        """A date from GOV.UK's three boxes (`name-day`, `name-month`, `name-year`), within the budget years."""
        parts = [self.raw(f"{name}-{part}") for part in ("day", "month", "year")]
        if not any(parts):
            if required:
                self.refuse(name, f"Enter the {label.lower()}")
            return None
        if not all(part.isdigit() and len(part) <= 4 for part in parts):
            self.refuse(name, f"{label} must be a real date, like 31 3 2014")
            return None
        day, month, year = (int(part) for part in parts)
        try:
            when = dt.date(year, month, day)
        except ValueError:
            self.refuse(name, f"{label} must be a real date, like 31 3 2014")
            return None
        if not FIRST_BUDGET_YEAR <= when.year <= LAST_BUDGET_YEAR:
            self.refuse(name, f"{label} must be in the years {FIRST_BUDGET_YEAR} to {LAST_BUDGET_YEAR}")
            return None
        return when

    def name(self, name: str, *, label: str, max_length: int) -> str:
        """A required one-line name, normalised (see `plain_text.clean_name`)."""
        cleaned, problems = clean_name(self.raw(name), where=name, label=label, max_length=max_length)
        self.problems += problems
        return cleaned

    def free_text(self, name: str, *, label: str, max_length: int) -> str:
        """Optional free text, line breaks kept (see `plain_text.clean_free_text`)."""
        cleaned, problems = clean_free_text(self.raw(name), where=name, label=label, max_length=max_length)
        self.problems += problems
        return cleaned

    def choice(self, name: str, options: Mapping[str, Choice], *, message: str) -> Choice | None:
        """One of `options`, by the value its radio or select posts; `message` ("Select a partner") if not."""
        picked = options.get(self.raw(name))
        if picked is None:
            self.refuse(name, message)
        return picked


def _amount_in(value: object) -> Money:
    if isinstance(value, Money):
        return value
    if not isinstance(value, str) or not PLAIN_AMOUNT.fullmatch(value):
        raise PydanticCustomError(
            "amount",
            'Send the amount as a string of pounds with up to 2 decimal places, like "1234.56", '
            "no more than £10,000,000,000,000.00",
        )
    try:
        return positive_amount(value)
    except MoneyError as error:
        raise PydanticCustomError("amount", "{reason}", {"reason": str(error)}) from None


def _budget_year_in(value: object) -> FinancialYear:
    if isinstance(value, FinancialYear):
        return value
    if not isinstance(value, str) or not BUDGET_YEAR.fullmatch(value):
        raise PydanticCustomError(
            "financial_year",
            'Send the financial year as a string like "2013/14", from 2000/01 to 2099/00',
        )
    try:
        return FinancialYear.parse_budget_year(value)
    except FinancialYearError as error:
        raise PydanticCustomError("financial_year", "{reason}", {"reason": str(error)}) from None


def _budget_date_in(value: object) -> dt.date:
    if isinstance(value, dt.date):
        return value
    try:
        when = dt.date.fromisoformat(value) if isinstance(value, str) and len(value) == 10 else None
    except ValueError:
        when = None
    if when is None or not FIRST_BUDGET_YEAR <= when.year <= LAST_BUDGET_YEAR:
        raise PydanticCustomError(
            "date", f'Send a real date like "2014-03-31", in the years {FIRST_BUDGET_YEAR} to {LAST_BUDGET_YEAR}'
        )
    return when


# A positive amount in an API body, sent and returned as a string like "1234.56" (never a JSON number: a
# float cannot hold every penny).
AmountIn = Annotated[
    Money,
    PlainValidator(_amount_in),
    PlainSerializer(Money.plain, return_type=str),
    WithJsonSchema({"type": "string", "pattern": PLAIN_AMOUNT.pattern, "examples": ["1234.56"]}),
]
# A financial year in an API body: "2013/14" (or "2013"), from 2000/01 to 2099/00.
BudgetYearIn = Annotated[
    FinancialYear,
    PlainValidator(_budget_year_in),
    PlainSerializer(str, return_type=str),
    WithJsonSchema({"type": "string", "pattern": BUDGET_YEAR.pattern, "examples": ["2013/14"]}),
]
# A date in an API body, "2014-03-31", in the years the service budgets for.
BudgetDateIn = Annotated[
    dt.date,
    PlainValidator(_budget_date_in),
    PlainSerializer(dt.date.isoformat, return_type=str),
    WithJsonSchema({"type": "string", "format": "date", "examples": ["2014-03-31"]}),
]
