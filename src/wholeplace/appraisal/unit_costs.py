"""The unit cost library: named unit costs with their sources, brought to a case's price year by GDP deflators.

Pure: the records, the library, deflating, and reading a CSV or xlsx library file into records with every
problem by file, row and column. The shipped set and the deflator series are package data in `data/`;
sources and the formula are in docs/unit-costs.md.
"""

from __future__ import annotations

import csv
import difflib
import io
import math
import re
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from functools import cache
from importlib.resources import files
from typing import TypeVar

from wholeplace.appraisal.case import BenefitKind
from wholeplace.files.tables import read_table
from wholeplace.money import FinancialYear, FinancialYearError, Money, MoneyError
from wholeplace.problems import Problem

DATA = files("wholeplace.appraisal").joinpath("data")
COLUMNS = ("name", "label", "value", "price_year", "unit", "agency", "kind", "confidence", "source", "verified", "note")
REQUIRED_COLUMNS = ("name", "label", "value", "price_year", "unit", "agency", "kind", "source")
DEFLATOR_SOURCE = (
    "HM Treasury, GDP deflators at market prices, and money GDP, March 2026 (Quarterly National Accounts), "
    "financial years, 2024-25 = 100"
)
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
T = TypeVar("T")
_YES = {"yes": True, "y": True, "true": True, "no": False, "n": False, "false": False, "": False}


class NotInLibrary(LookupError):
    """A unit cost name the library does not hold."""


class PriceYearNotCovered(LookupError):
    """A price year outside the GDP deflator series, so no value can be brought to or from it."""


@dataclass(frozen=True)
class UnitCost:
    """What one outcome costs a public body, in the prices of one financial year, and where the figure comes from."""

    name: str  # a short key a case file can use: domestic_abuse_incident
    label: str
    value: Money
    price_year: FinancialYear
    unit: str  # per incident, per week, per claimant per year
    agency: str  # who bears the cost, and so who gains when it is avoided
    kind: BenefitKind
    confidence: int | None  # 1 (best evidence) .. 6, or none given
    source: str  # publication, table and code, so a finance officer can find the figure
    verified: bool  # checked against the source named
    note: str = ""


@dataclass(frozen=True)
class UnitCostLibrary:
    """Unit costs by name, and the GDP deflator index that brings any of them to another year's prices."""

    costs: Mapping[str, UnitCost]
    deflators: Mapping[FinancialYear, Decimal]
    deflator_source: str = field(default=DEFLATOR_SOURCE)

    def __iter__(self) -> Iterator[UnitCost]:
        return iter(sorted(self.costs.values(), key=lambda cost: cost.name))

    def __len__(self) -> int:
        return len(self.costs)

    def __contains__(self, name: object) -> bool:
        return name in self.costs

    def get(self, name: str) -> UnitCost:
        """The unit cost called `name`; an unknown name raises `NotInLibrary` suggesting the nearest names."""
        if name in self.costs:
            return self.costs[name]
        close = difflib.get_close_matches(name, list(self.costs), n=3)
        if close:
            raise NotInLibrary(f"'{name}' is not in the unit cost library; did you mean {_either(close)}?")
        raise NotInLibrary(f"'{name}' is not in the unit cost library. See the names with `wholeplace unit-costs list`")

    def deflator(self, year: FinancialYear) -> Decimal:
        if year not in self.deflators:
            first, last = min(self.deflators), max(self.deflators)
            raise PriceYearNotCovered(
                f"{year} is outside the GDP deflator series, which runs from {first} to {last}: "
                f"use a price year in that range"
            )
        return self.deflators[year]

    def value_in(self, name: str, price_year: FinancialYear) -> Money:
        """The unit cost in `price_year` prices: its value * deflator[price_year] / deflator[its price year]."""
        cost = self.get(name)
        return rebase(cost.value, self.deflator(cost.price_year), self.deflator(price_year))

    def merge(self, costs: Iterable[UnitCost]) -> UnitCostLibrary:
        """This library with `costs` added; an entry with the name of one already here replaces it."""
        return UnitCostLibrary(
            {**self.costs, **{cost.name: cost for cost in costs}}, self.deflators, self.deflator_source
        )


def rebase(value: Money, deflator_from: Decimal, deflator_to: Decimal) -> Money:
    """`value` * `deflator_to` / `deflator_from`, worked exactly and rounded half-up to the penny once."""
    exact = Fraction(value.pence) * Fraction(deflator_to) / Fraction(deflator_from)
    sign = -1 if exact < 0 else 1
    return Money(sign * math.floor(abs(exact) + Fraction(1, 2)))


@cache
def shipped_library() -> UnitCostLibrary:
    """The curated unit costs and the GDP deflator series that ship with wholeplace."""
    deflators = read_deflators(DATA.joinpath("gdp_deflators.csv").read_text(encoding="utf-8"))
    costs, problems = read_library_file(DATA.joinpath("unit_costs.csv").read_bytes(), "unit_costs.csv")
    if problems:
        raise RuntimeError("The shipped unit cost library is broken: " + "; ".join(map(str, problems)))
    return UnitCostLibrary({cost.name: cost for cost in costs}, deflators)


def read_deflators(text: str) -> dict[FinancialYear, Decimal]:
    """A `financial_year,index` CSV as an index by year."""
    return {
        FinancialYear.parse(row["financial_year"]): Decimal(row["index"]) for row in csv.DictReader(io.StringIO(text))
    }


def read_library_file(
    data: bytes, filename: str, *, price_years: Collection[FinancialYear] | None = None
) -> tuple[list[UnitCost], list[Problem]]:
    """Every unit cost in a CSV or xlsx library file, or every problem, each naming file, row and column.

    Row 1 is the header, so the first unit cost is row 2, as a spreadsheet shows it. Given `price_years`
    (the deflator series' years), a price year outside them is a problem too. Nothing is returned when
    there is any problem.
    """
    table, problems = read_table(data, filename, what="the library")
    if problems:
        return [], problems
    if not table.header and not table.rows:
        return [], [Problem(filename, "The file has no unit costs in it")]
    header = table.header
    problems = table.header_problems(REQUIRED_COLUMNS, COLUMNS)
    missing = {column for column in REQUIRED_COLUMNS if column not in header}
    costs: list[UnitCost] = []
    first_row_of: dict[str, int] = {}
    for row in table.rows:
        where = table.where(row.number)
        if any(cell.strip() for cell in row.cells[len(header) :]):
            problems.append(Problem(where, "The row has more cells than the header"))
            continue
        values = table.values(row)
        cost, row_problems = _unit_cost(values, price_years)
        # A missing column is reported once, on row 1, not again on every row.
        problems += [
            Problem(f"{where}, column '{column}'", message) for column, message in row_problems if column not in missing
        ]
        name = values.get("name", "").strip()
        if name in first_row_of:
            message = f"{name} is already on row {first_row_of[name]}: list each unit cost once"
            problems.append(Problem(f"{where}, column 'name'", message))
        elif name:
            first_row_of[name] = row.number
        if cost is not None:
            costs.append(cost)
    if not table.rows and not problems:
        problems.append(Problem(filename, "The file has no unit costs in it"))
    return ([] if problems else costs), problems


Messages = list[tuple[str, str]]  # (column, what to do about it)


def _unit_cost(
    values: Mapping[str, str], price_years: Collection[FinancialYear] | None
) -> tuple[UnitCost | None, Messages]:
    """The unit cost a row describes, or every (column, message) problem with it."""
    text = {column: " ".join(values.get(column, "").split()) for column in COLUMNS}
    messages: Messages = [
        (column, message)
        for column, message in (
            ("name", _name_problem(text["name"])),
            ("label", "" if text["label"] else "Enter a label that says what the unit cost is"),
            ("unit", "" if text["unit"] else "Enter the unit, like per incident or per week"),
            ("agency", "" if text["agency"] else "Enter the agency that bears the cost"),
            ("source", "" if text["source"] else "Enter the source: the publication, table and year"),
        )
        if message
    ]
    value = _parsed(text, "value", _value, messages)
    price_year = _parsed(text, "price_year", lambda year: _price_year(year, price_years), messages)
    kind = _parsed(text, "kind", _kind, messages)
    confidence = _parsed(text, "confidence", _confidence, messages)
    verified = _parsed(text, "verified", _verified, messages)
    if messages:
        return None, messages
    assert value is not None and price_year is not None and kind is not None and verified is not None
    cost = UnitCost(
        text["name"],
        text["label"],
        value,
        price_year,
        text["unit"],
        text["agency"],
        kind,
        confidence,
        text["source"],
        verified,
        text["note"],
    )
    return cost, []


def _parsed(text: Mapping[str, str], column: str, parse: Callable[[str], T], messages: Messages) -> T | None:
    """`parse` of a column's text; its refusal (a ValueError) becomes a message for that column."""
    try:
        return parse(text[column])
    except ValueError as error:
        messages.append((column, str(error)))
        return None


def _name_problem(name: str) -> str:
    if not name:
        return "Enter a name, like domestic_abuse_incident"
    if not _NAME.match(name):
        return (
            f"'{name}' is not a name we can use: write it in lower case with underscores, like domestic_abuse_incident"
        )
    return ""


def _value(text: str) -> Money:
    if not text:
        raise ValueError("Enter the value in pounds, like 2470.00")
    try:
        value = Money.parse(text)
    except MoneyError as error:
        raise ValueError(str(error)) from error
    if value.pence < 0:
        raise ValueError(f"{value} is below zero: a unit cost must be £0.00 or more")
    return value


def _price_year(text: str, covered: Collection[FinancialYear] | None) -> FinancialYear:
    if not text:
        raise ValueError("Enter the price year, like 2013/14")
    try:
        year = FinancialYear.parse(text)
    except FinancialYearError as error:
        raise ValueError(str(error)) from error
    if covered and year not in covered:
        raise ValueError(
            f"{year} is outside the GDP deflator series, which runs from {min(covered)} to {max(covered)}: "
            "no value can be brought to or from it"
        )
    return year


def _kind(text: str) -> BenefitKind:
    kinds = ", ".join(kind.value for kind in BenefitKind)
    if not text:
        raise ValueError(f"Enter the kind of benefit avoiding this cost brings, one of: {kinds}")
    try:
        return BenefitKind(text.lower())
    except ValueError:
        raise ValueError(f"'{text}' is not a kind of benefit. Use one of: {kinds}") from None


def _confidence(text: str) -> int | None:
    if not text:
        return None
    if not text.isdigit() or not 1 <= int(text) <= 6:
        raise ValueError(f"'{text}' is not a confidence grade: write a whole number from 1 to 6, or leave it blank")
    return int(text)


def _verified(text: str) -> bool:
    if text.lower() not in _YES:
        raise ValueError(f"'{text}' is not yes or no: write yes if the figure was checked against its source")
    return _YES[text.lower()]


def _either(names: list[str]) -> str:
    quoted = [f"'{name}'" for name in names]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " or " + quoted[-1]
