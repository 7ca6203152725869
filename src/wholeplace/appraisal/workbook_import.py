"""Business case workbooks read back: the case on an Inputs sheet, or every problem with it by sheet and cell.

`read_workbook` reads an Inputs sheet, exported by `workbook.write_workbook` or filled in from
`workbook.template_workbook`, back into a `Case`, naming file, sheet and cell for every problem. The layout it
reads (tables, case labels, year columns) is `workbook.py`'s. Pure: no database, no clock, no printing. What the
sheet holds: docs/appraisal-excel.md.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence
from dataclasses import replace
from decimal import Decimal
from typing import TypeVar

from openpyxl.utils import get_column_letter

from wholeplace.appraisal.case import Benefit, BenefitKind, Case, Cohort, CostKind, CostLine, Outcome
from wholeplace.appraisal.case_checks import check_case
from wholeplace.appraisal.case_file import MAX_YEARS
from wholeplace.appraisal.discounting import Discounting
from wholeplace.appraisal.workbook import (
    BENEFIT_COLUMNS,
    BENEFITS_TABLE,
    CASE_LABELS,
    COHORT_TABLE,
    COSTS_TABLE,
    FIRST_YEAR_COLUMN,
    INPUTS,
    OUTCOME_COLUMNS,
    OUTCOMES_TABLE,
    PARTNERS_TABLE,
    TABLES,
    Table,
)
from wholeplace.files.numbers import decimal_of, reasonable
from wholeplace.files.workbooks import SheetLimits, open_workbook, sheet_rows
from wholeplace.money import FinancialYear, FinancialYearError, Money, MoneyError
from wholeplace.problems import Problem

# The Inputs sheet's tables with room to spare: a case of MAX_YEARS years and hundreds of cost lines fits.
INPUTS_LIMITS = SheetLimits(rows=5_000, columns=FIRST_YEAR_COLUMN + MAX_YEARS + 20)


def read_workbook(data: bytes, filename: str) -> tuple[Case | None, list[Problem]]:
    """The case on a workbook's Inputs sheet, or every problem with it, each naming file, sheet and cell.

    The cells are read here; the rules (rates between 0 and 1, payers among the partners, ...) are
    `engine.check_case`'s, with its key paths turned back into the cells they came from.
    """
    book, unreadable = open_workbook(data, filename)
    if book is None:
        return None, [unreadable] if unreadable else []
    try:
        if INPUTS not in book.sheetnames:
            message = f"The workbook has no {INPUTS} sheet: start from the template, or from an exported case"
            return None, [Problem(filename, message)]
        grid, too_big = sheet_rows(book, INPUTS, filename, INPUTS_LIMITS)
    finally:
        book.close()
    if too_big is not None:
        return None, [too_big]
    reader = _InputsReader(filename, grid)
    case = reader.read()
    if case is None or reader.problems:
        return None, reader.problems
    problems = [Problem(reader.where(problem.where), problem.message) for problem in check_case(case)]
    return (None, problems) if problems else (case, [])


Value = TypeVar("Value")
Kind = TypeVar("Kind", CostKind, BenefitKind)
_LAST_KEY = re.compile(r"(\.[^.\[]+|\[\d+\])$")  # costs[0].payer -> costs[0] -> costs


class _InputsReader:
    """Reads the Inputs sheet cell by cell, collecting every problem, and keeps the cell of every key path."""

    def __init__(self, filename: str, grid: list[list[object]]) -> None:
        self.filename = filename
        self.grid = grid  # grid[row - 1][column - 1]
        self.max_row, self.max_column = len(self.grid), max((len(values) for values in self.grid), default=0)
        self.problems: list[Problem] = []
        self.cells: dict[str, str] = {}  # a key path, as check_case names it, to its cell or range
        self.first_year: FinancialYear | None = None
        self.years: int | None = None
        self.year_indexes: dict[tuple[int, int], int | None] = {}  # (heading row, column) to year index

    def where(self, path: str) -> str:
        """The cell for a key path from check_case: its own, or else its nearest parent's."""
        while path and path not in self.cells:
            path = _LAST_KEY.sub("", path)
        return f"{self.filename}, {INPUTS}!{self.cells[path]}" if path else f"{self.filename}, {INPUTS}"

    def refuse(self, row: int, column: int, message: str) -> None:
        self.problems.append(Problem(f"{self.filename}, {INPUTS}!{_cell(row, column)}", message))

    def read(self) -> Case | None:
        tables = self.tables()
        labels = self.case_labels(tables[PARTNERS_TABLE].start - 2) if tables else None
        if tables is None or labels is None:
            return None
        name = self.text(labels["Name"], 2, "Enter the case's name")
        self.period(labels["First year"], labels["Years"])
        discounting = Discounting(
            self.discount_rate(labels["Discount rate"], "The discount rate"),
            self.discount_rate(labels["Health discount rate"], "The health discount rate"),
        )
        partners = self.partners(tables[PARTNERS_TABLE])
        costs = self.costs(tables[COSTS_TABLE])
        cohort = self.cohort(tables[COHORT_TABLE])
        outcomes = self.outcomes(tables[OUTCOMES_TABLE], tables[BENEFITS_TABLE])
        if self.problems or name is None or self.first_year is None or self.years is None:
            return None
        return Case(name, self.first_year, self.years, tuple(costs), cohort, tuple(outcomes), discounting, partners)

    def tables(self) -> dict[Table, range] | None:
        """Each table's rows: from below its headings to the next table's title."""
        titles = {}
        for row in range(1, self.max_row + 1):
            for table in TABLES:
                if self.value(row, 1) == table.title and self.value(row + 1, 1) == table.headings[0]:
                    titles.setdefault(table, row)
        if missing := [table.title for table in TABLES if table not in titles]:
            message = (
                f"There is no {', '.join(missing)} table: each is a title in column A with its headings below it, "
                "as in the template"
            )
            self.problems.append(Problem(f"{self.filename}, {INPUTS}", message))
            return None
        ends = [*sorted(titles.values()), self.max_row + 1]
        return {table: range(row + 2, min(end for end in ends if end > row)) for table, row in titles.items()}

    # The parts of a case

    def case_labels(self, above: int) -> dict[str, int] | None:
        """The row of each of the case's labels in column A, above the first table."""
        rows: dict[str, int] = {}
        for row in range(1, above):
            label = self.value(row, 1)
            if isinstance(label, str) and label in CASE_LABELS:
                rows.setdefault(label, row)
        if missing := [label for label in CASE_LABELS if label not in rows]:
            message = f"Column A has no {', '.join(missing)} row: keep the case rows of the template above Partners"
            self.problems.append(Problem(f"{self.filename}, {INPUTS}", message))
            return None
        return rows

    def period(self, first_year_row: int, years_row: int) -> None:
        """The first year and the number of years, which every year heading is checked against."""
        self.first_year = self.financial_year(first_year_row, 2, "Enter the first year, like 2013/14")
        self.cells["years"] = _cell(years_row, 2)
        years = self.whole(years_row, 2, "the appraisal period in years", None)
        if years is not None and not 1 <= years <= MAX_YEARS:
            self.refuse(years_row, 2, f"Enter the appraisal period as a whole number from 1 to {MAX_YEARS}")
        elif years is not None:
            self.years = years

    def discount_rate(self, row: int, what: str) -> Decimal | None:
        rate = self.number(row, 2, what, "0.035", None)
        if rate is not None and not 0 <= rate <= 1:
            self.refuse(row, 2, f"{what} must be between 0 and 1, not {rate}")
            return None
        return rate

    def partners(self, rows: range) -> tuple[str, ...]:
        names: list[str] = []
        for row in self.filled(rows, last=1):
            name = str(self.value(row, 1))
            if name in names:
                self.refuse(row, 1, f"'{name}' is listed twice: list each partner once")
            names.append(name)
        return tuple(names)

    def costs(self, rows: range) -> list[CostLine]:
        lines = []
        for index, row in enumerate(self.filled(rows)):
            path = f"costs[{index}]"
            self.cells |= {path: self.year_range(row), f"{path}.payer": f"B{row}", f"{path}.optimism_bias": f"D{row}"}
            before = len(self.problems)
            name = self.text(row, 1, "Enter the cost's name")
            payer = self.text(row, 2, "Enter who pays the cost, a partner listed above")
            kind = self.choice(row, 3, CostKind, "A cost's kind")
            bias = self.number(row, 4, "The optimism bias", "0.10", Decimal(0))
            amounts = self.yearly(row, rows.start - 1, self.money, Money(0))
            if len(self.problems) == before:
                assert name and payer and kind and bias is not None
                lines.append(CostLine(name, payer, kind, tuple(amounts), bias))
        return lines

    def cohort(self, rows: range) -> Cohort | None:
        filled = self.filled(rows, first=4)
        self.cells["cohort"] = f"A{rows.start - 2}"
        if not filled:
            return None
        row, *others = filled
        for other in others:
            self.refuse(other, 4, "Give the cohort in one row: the engagement, then the people starting each year")
        self.cells |= {"cohort": self.year_range(row), "cohort.engagement": f"D{row}"}
        before = len(self.problems)
        engagement = self.number(row, 4, "Engagement", "0.8", Decimal(1))
        sizes = self.yearly(row, rows.start - 1, self.count, Decimal(0))
        if len(self.problems) > before or engagement is None:
            return None
        return Cohort(tuple(sizes), engagement)

    def outcomes(self, rows: range, benefit_rows: range) -> list[Outcome]:
        outcomes: list[Outcome | None] = []  # None for a row with problems
        names: list[str | None] = []
        for index, row in enumerate(self.filled(rows)):
            path = f"outcomes[{index}]"
            self.cells |= {path: f"A{row}", f"{path}.benefits": f"A{row}"}
            self.cells |= {f"{path}.{key}": f"{column}{row}" for key, column in OUTCOME_COLUMNS.items()}
            before = len(self.problems)
            name = self.text(row, 1, "Enter the outcome's name")
            if name is not None and name in names:
                self.refuse(row, 1, f"'{name}' is named twice: give each outcome its own name, for its benefits")
            names.append(name)
            success = self.number(row, 2, "The success rate", "0.25", None, required=True)
            deadweight = self.number(row, 3, "The deadweight", "0.10", Decimal(0))
            bias = self.number(row, 4, "The optimism bias", "0.20", Decimal(0))
            lag = self.whole(row, 5, "the lag in years", 0)
            duration = self.whole(row, 6, "the years the effect lasts", 1)
            drop_off = self.number(row, 7, "The drop-off", "0.5", Decimal(0))
            outcome = None
            if len(self.problems) == before:
                assert name and success is not None and deadweight is not None and bias is not None
                assert lag is not None and duration is not None and drop_off is not None
                outcome = Outcome(name, success, (), deadweight, bias, lag, duration, drop_off)
            outcomes.append(outcome)
        benefits = self.benefits(benefit_rows, names)
        return [
            replace(outcome, benefits=tuple(found))
            for outcome, found in zip(outcomes, benefits, strict=True)
            if outcome
        ]

    def benefits(self, rows: range, outcomes: Sequence[str | None]) -> list[list[Benefit]]:
        """Each outcome's benefits, in the order of the rows that name it."""
        found: list[list[Benefit]] = [[] for _ in outcomes]
        counts = [0] * len(outcomes)
        for row in self.filled(rows):
            before = len(self.problems)
            outcome = self.text(row, 1, "Enter the outcome this benefit comes from, as named under Outcomes")
            if outcome is not None and outcome not in outcomes:
                self.refuse(row, 1, f"'{outcome}' is not an outcome listed under Outcomes: check the spelling")
            beneficiary = self.text(row, 2, "Enter who gains the benefit, a partner listed above")
            kind = self.choice(row, 3, BenefitKind, "A benefit's kind")
            unit_value = self.money(row, 4, "Enter the unit value: £ per outcome per year, like 1200")
            share = self.number(row, 5, "The cashable share", "0.25", None)
            health = self.flag(row, 6)
            if outcome is None or outcome not in outcomes:
                continue
            index = outcomes.index(outcome)
            path = f"outcomes[{index}].benefits[{counts[index]}]"
            counts[index] += 1
            self.cells |= {f"{path}.{key}": f"{column}{row}" for key, column in BENEFIT_COLUMNS.items()}
            if len(self.problems) == before:
                assert beneficiary and kind and unit_value is not None
                found[index].append(Benefit(beneficiary, kind, unit_value, share, health))
        return found

    # Year columns

    def yearly(self, row: int, heading_row: int, read: Callable[[int, int], Value | None], zero: Value) -> list[Value]:
        """One value per year of the period, from the columns headed by financial years; blank ones are zero."""
        values = [zero] * (self.years or 0)
        for column in range(FIRST_YEAR_COLUMN, self.max_column + 1):
            if self.value(row, column) is None:
                continue
            value = read(row, column)
            index = self.year_index(heading_row, column)
            if index is not None and value is not None:
                values[index] = value
        return values

    def year_index(self, row: int, column: int) -> int | None:
        """The index in the period of the year heading a column; each heading is checked once."""
        if (row, column) not in self.year_indexes:
            self.year_indexes[row, column] = self.heading_year(row, column)
        return self.year_indexes[row, column]

    def heading_year(self, row: int, column: int) -> int | None:
        if self.first_year is None or self.years is None:
            return None  # the period has a problem of its own
        year = self.financial_year(row, column, "Type the financial year above these amounts, like 2013/14")
        if year is None:
            return None
        index = year.start_year - self.first_year.start_year
        if not 0 <= index < self.years:
            last = self.first_year + (self.years - 1)
            self.refuse(row, column, f"{year} is outside the appraisal period, {self.first_year} to {last}")
            return None
        if twin := next((c for (r, c), i in self.year_indexes.items() if r == row and i == index), None):
            self.refuse(row, column, f"{year} also heads column {get_column_letter(twin)}: give each year once")
            return None
        return index

    def year_range(self, row: int) -> str:
        """The cells of a row's amounts, for a problem with all of them."""
        return f"{_cell(row, FIRST_YEAR_COLUMN)}:{_cell(row, FIRST_YEAR_COLUMN + (self.years or 1) - 1)}"

    # Cells

    def value(self, row: int, column: int) -> object:
        values = self.grid[row - 1] if row <= self.max_row else []
        value = values[column - 1] if column <= len(values) else None
        if isinstance(value, str):
            value = value.strip()
        return None if value == "" else value

    def filled(self, rows: range, *, first: int = 1, last: int | None = None) -> list[int]:
        """The rows with anything in columns first..last (every column when last is None)."""
        last = last or self.max_column
        return [row for row in rows if any(self.value(row, c) is not None for c in range(first, last + 1))]

    def text(self, row: int, column: int, missing: str) -> str | None:
        value = self.value(row, column)
        if value is None:
            self.refuse(row, column, missing)
            return None
        return str(value)

    def financial_year(self, row: int, column: int, missing: str) -> FinancialYear | None:
        value = self.value(row, column)
        if isinstance(value, dt.date):
            self.refuse(row, column, "Excel has read this year as a date: format the cell as Text and type 2013/14")
            return None
        text = self.text(row, column, missing)
        try:
            return FinancialYear.parse(text) if text is not None else None
        except FinancialYearError as error:
            self.refuse(row, column, str(error))
            return None

    def number(
        self, row: int, column: int, what: str, example: str, blank: Decimal | None, *, required: bool = False
    ) -> Decimal | None:
        """A number such as 0.25, 25% or 1160; a blank cell is `blank`, or a problem when required."""
        value = self.value(row, column)
        if value is None:
            if required:
                self.refuse(row, column, f"Enter {what[0].lower()}{what[1:]}, like {example}")
            return blank
        number = _number(value)
        if number is None:
            self.refuse(row, column, f"{what} is a number like {example}, not '{value}'")
        return number

    def count(self, row: int, column: int) -> Decimal | None:
        return self.number(row, column, "The number of people", "1160", None)

    def whole(self, row: int, column: int, what: str, blank: int | None) -> int | None:
        value = self.value(row, column)
        if value is None:
            if blank is None:
                self.refuse(row, column, f"Enter {what}, like 5")
            return blank
        number = _number(value)
        if number is None or number != number.to_integral_value():
            self.refuse(row, column, f"Enter {what} as a whole number, like 2, not '{value}'")
            return None
        return int(number)

    def money(self, row: int, column: int, missing: str = "") -> Money | None:
        """An amount in pounds; a blank cell is None, or a problem when there is a `missing` message."""
        value = self.value(row, column)
        if value is None:
            if missing:
                self.refuse(row, column, missing)
            return None
        try:
            if isinstance(value, str):
                return Money.parse(value)
            number = _number(value)
            if number is None:
                raise MoneyError(f"'{value}' is not an amount of money. Write it like £1,234.56")
            return Money.from_pounds(number)
        except MoneyError as error:
            self.refuse(row, column, str(error))
            return None

    def choice(self, row: int, column: int, kinds: type[Kind], what: str) -> Kind | None:
        listed = ", ".join(kind.value for kind in kinds)
        text = self.text(row, column, f"Enter the kind: {listed}")
        try:
            return kinds(text.lower()) if text is not None else None
        except ValueError:
            self.refuse(row, column, f"{what} is one of {listed}, not '{text}'")
            return None

    def flag(self, row: int, column: int) -> bool:
        value = self.value(row, column)
        text = str(value).lower()
        if value is None or text in ("no", "false"):
            return False
        if text not in ("yes", "true"):
            self.refuse(row, column, f"Write yes or no, not '{value}'")
        return True


def _number(value: object) -> Decimal | None:
    """A cell's number, read exactly as shown (0.1, not the float's 0.1000000000000000055...); None if not one."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    text = repr(value) if isinstance(value, float) else str(value)
    number = decimal_of(text.removesuffix("%")) if reasonable(text) else None
    return number / 100 if number is not None and text.endswith("%") else number


def _cell(row: int, column: int) -> str:
    return f"{get_column_letter(column)}{row}"
