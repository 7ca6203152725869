"""Business case workbooks: the appraisal's workings as live Excel formulas, and cases read back from xlsx.

`write_workbook` lays a case out over six sheets (Inputs, Discounting, Costs, Outcomes, Benefits, Summary)
where every working figure is a formula over the Inputs, so a finance officer can audit each step, or change an
input and watch the results move. `read_workbook` reads an Inputs sheet, exported or filled in from
`template_workbook`, back into a `Case`, naming file, sheet and cell for every problem. Pure: no database, no
clock, no printing. What each sheet shows and every formula: docs/appraisal-excel.md.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any, TypeVar
from zipfile import ZIP_DEFLATED, BadZipFile, ZipFile, ZipInfo

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.writer.excel import ExcelWriter

from wholeplace.appraisal.case_file import MAX_YEARS
from wholeplace.appraisal.discounting import GREEN_BOOK_HEALTH, GREEN_BOOK_STANDARD, Discounting
from wholeplace.appraisal.engine import (
    FISCAL,
    Benefit,
    BenefitKind,
    Case,
    Cohort,
    CostKind,
    CostLine,
    Outcome,
    _partners,
    check_case,
)
from wholeplace.funds.exports import _BOLD, MONEY_FORMAT, _money, _total_row
from wholeplace.funds.plan import _decimal, _reasonable
from wholeplace.money import FinancialYear, FinancialYearError, Money, MoneyError
from wholeplace.problems import InvalidInput, Problem

INPUTS, DISCOUNTING, COSTS, OUTCOMES, BENEFITS, SUMMARY = (
    "Inputs",
    "Discounting",
    "Costs",
    "Outcomes",
    "Benefits",
    "Summary",
)
NO_CLOCK = dt.datetime(1980, 1, 1)  # written as the file's times, the zip format's earliest: the same case, same bytes
FIRST_YEAR_COLUMN = 5  # column E is year t = 0 on every sheet, so one year's figures share a column letter
HEADER_ROW = 4  # the frozen header row of every working sheet
RATE_FORMAT = "0.00%"
COUNT_FORMAT = "#,##0.00"
FACTOR_FORMAT = "0.000000"
RATIO_FORMAT = "0.0000"
TEXT_FORMAT = "@"  # so that Excel keeps 2011/12 as a financial year, not a date
WIDTHS = (52, 34, 20, 16)  # columns A-D; every year column is YEAR_WIDTH
YEAR_WIDTH = 15
_TITLE = Font(bold=True, size=14)
_INPUT = PatternFill("solid", start_color="FFF2CC")  # pale yellow: a cell the user fills in


@dataclass(frozen=True)
class Table:
    """A table on the Inputs sheet: a title in column A, a row of headings, then one row per item."""

    title: str
    headings: tuple[str, ...]
    formats: tuple[str | None, ...]  # each column's number format; the last is every later column's
    by_year: bool = False  # the headings go on with one column per year, from column E


PARTNERS_TABLE = Table("Partners", ("Partner",), (None,))
COSTS_TABLE = Table(
    "Costs", ("Cost", "Payer", "Kind", "Optimism bias"), (None, None, None, RATE_FORMAT, MONEY_FORMAT), by_year=True
)
COHORT_TABLE = Table(
    "Cohort",
    ("People starting in the year", "", "", "Engagement"),
    (None, None, None, RATE_FORMAT, COUNT_FORMAT),
    by_year=True,
)
OUTCOMES_TABLE = Table(
    "Outcomes",
    ("Outcome", "Success rate", "Deadweight", "Optimism bias", "Lag (years)", "Duration (years)", "Drop-off"),
    (None, RATE_FORMAT, RATE_FORMAT, RATE_FORMAT, "0", "0", RATE_FORMAT),
)
BENEFITS_TABLE = Table(
    "Benefits",
    ("Outcome", "Beneficiary", "Kind", "Unit value (£)", "Cashable share", "Health value"),
    (None, None, None, MONEY_FORMAT, RATE_FORMAT, None),
)
TABLES = (PARTNERS_TABLE, COSTS_TABLE, COHORT_TABLE, OUTCOMES_TABLE, BENEFITS_TABLE)
CASE_LABELS = ("Name", "First year", "Years", "Discount rate", "Health discount rate")
CASE_ROW = 5  # the Name row; the other case labels follow it in order, values in column B
# Blank rows and year columns in the template; a user may insert more rows inside any table.
TEMPLATE_ROWS = {PARTNERS_TABLE: 8, COSTS_TABLE: 12, COHORT_TABLE: 1, OUTCOMES_TABLE: 6, BENEFITS_TABLE: 16}
TEMPLATE_YEARS = 10

INPUTS_NOTE = (
    "Fill in the yellow cells: amounts in £, rates as decimals (0.25) or percentages (25%), and financial years "
    "like 2013/14 in the year headings from column E. Left blank: optimism bias, deadweight, drop-off and lag "
    "are 0, duration 1 year, engagement 1 (everyone), and a discount rate the Green Book's."
)


# Export


def write_workbook(case: Case) -> bytes:
    """The case and its appraisal as an .xlsx whose every working figure is a live formula over the Inputs."""
    if problems := check_case(case):
        raise InvalidInput(problems)
    book = Workbook()
    inputs = _write_inputs(book, case)
    standard, health = _write_discounting(book, case)
    costs = _write_costs(book, case, inputs, standard)
    counted = _write_outcomes(book, case, inputs)
    benefits = _write_benefits(book, case, inputs, counted, (standard, health))
    _write_summary(book, case, costs, benefits)
    return _xlsx(book)


def template_workbook() -> bytes:
    """A blank Inputs sheet to fill in and import with `read_workbook`."""
    book = Workbook()
    _write_inputs(book, None)
    return _xlsx(book)


@dataclass(frozen=True)
class _InputRows:
    """Where each cost line, the cohort, each outcome and each outcome's benefits sit on the Inputs sheet."""

    costs: tuple[int, ...]
    cohort: int
    outcomes: tuple[int, ...]
    benefits: tuple[tuple[int, ...], ...]


@dataclass(frozen=True)
class _Block:
    """Rows first..last of a working sheet's present value block, and its total row."""

    first: int
    last: int
    total: int


def _write_inputs(book: Workbook, case: Case | None) -> _InputRows:
    """The Inputs sheet of a case, or the blank template when there is none."""
    sheet = book.active
    sheet.title = INPUTS
    years = _years(case) if case else [""] * TEMPLATE_YEARS
    _heading(sheet, f"{case.name}: inputs" if case else "Business case: inputs", INPUTS_NOTE, len(years))
    sheet.freeze_panes = f"B{HEADER_ROW}"
    _write_case_inputs(sheet, case)
    values = _input_values(case) if case else _blank_values()
    rows: dict[Table, range] = {}
    row = CASE_ROW + len(CASE_LABELS) + 1
    for table in TABLES:
        rows[table] = _write_table(sheet, row, table, years if table.by_year else (), values[table])
        row = rows[table].stop + 1
    _input_lists(sheet, rows)
    benefit_rows = iter(rows[BENEFITS_TABLE])
    by_outcome = tuple(tuple(next(benefit_rows) for _ in outcome.benefits) for outcome in case.outcomes) if case else ()
    return _InputRows(tuple(rows[COSTS_TABLE]), rows[COHORT_TABLE].start, tuple(rows[OUTCOMES_TABLE]), by_outcome)


def _input_values(case: Case) -> dict[Table, list[tuple[object, ...]]]:
    """Each table's rows of values, in the order of the table's columns."""
    cohort = case.cohort
    return {
        PARTNERS_TABLE: [(name,) for name in case.partners],
        COSTS_TABLE: [
            (line.name, line.payer, line.kind.value, line.optimism_bias, *(amount.pounds for amount in line.amounts))
            for line in case.costs
        ],
        COHORT_TABLE: [(None, None, None, cohort.engagement, *cohort.sizes) if cohort else (None,) * (4 + case.years)],
        OUTCOMES_TABLE: [
            (o.name, o.success_rate, o.deadweight, o.optimism_bias, o.lag_years, o.duration_years, o.drop_off)
            for o in case.outcomes
        ],
        BENEFITS_TABLE: [
            (o.name, b.beneficiary, b.kind.value, b.unit_value.pounds, b.cashable_share, "yes" if b.health else "no")
            for o in case.outcomes
            for b in o.benefits
        ],
    }


def _blank_values() -> dict[Table, list[tuple[object, ...]]]:
    return {
        table: [(None,) * (len(table.headings) + (TEMPLATE_YEARS if table.by_year else 0))] * TEMPLATE_ROWS[table]
        for table in TABLES
    }


def _write_case_inputs(sheet: Any, case: Case | None) -> None:
    sheet.cell(CASE_ROW - 1, 1, "Case").font = _BOLD
    values = (None,) * len(CASE_LABELS)
    if case:
        values = (case.name, str(case.first_year), case.years, case.discounting.rate, case.discounting.health_rate)
    formats = (TEXT_FORMAT, TEXT_FORMAT, "0", RATE_FORMAT, RATE_FORMAT)
    notes = (
        "",
        "Year t = 0, like 2013/14",
        "The appraisal period",
        "Blank: the Green Book schedule (3.5% to year 30, then declining)",
        "Blank: the Green Book health schedule (1.5% to year 30), for social benefits marked as health values",
    )
    for row, (label, value, number_format, note) in enumerate(
        zip(CASE_LABELS, values, formats, notes, strict=True), start=CASE_ROW
    ):
        sheet.cell(row, 1, label)
        _input(sheet.cell(row, 2), value, number_format)
        sheet.cell(row, 3, note or None)


def _write_table(
    sheet: Any, row: int, table: Table, years: Sequence[str], values: Sequence[tuple[object, ...]]
) -> range:
    """A titled table of input cells; returns the rows of its items."""
    sheet.cell(row, 1, table.title).font = _BOLD
    for column, heading in enumerate((*table.headings, *years), start=1):
        cell = sheet.cell(row + 1, column, heading or None)
        cell.font = _BOLD
        if column >= FIRST_YEAR_COLUMN and years:
            _input(cell, heading or None, TEXT_FORMAT)
    for at, items in enumerate(values, start=row + 2):
        for column, value in enumerate(items, start=1):
            _input(sheet.cell(at, column), value, table.formats[min(column, len(table.formats)) - 1])
    return range(row + 2, row + 2 + len(values))


def _input(cell: Any, value: object, number_format: str | None) -> None:
    cell.value = value
    cell.fill = _INPUT
    if number_format:
        cell.number_format = number_format


def _input_lists(sheet: Any, rows: dict[Table, range]) -> None:
    """Drop-down lists for the cells that take one of a few words, or a name listed above."""

    def listed(formula: str, column: str, rows: range) -> None:
        if rows and formula:
            validation = DataValidation(type="list", formula1=formula, allow_blank=True)
            validation.add(f"{column}{rows.start}:{column}{rows.stop - 1}")
            sheet.add_data_validation(validation)

    def names(rows: range) -> str:
        return f"$A${rows.start}:$A${rows.stop - 1}" if rows else ""

    costs, benefits = rows[COSTS_TABLE], rows[BENEFITS_TABLE]
    listed(f'"{",".join(kind.value for kind in CostKind)}"', "C", costs)
    listed(f'"{",".join(kind.value for kind in BenefitKind)}"', "C", benefits)
    listed('"yes,no"', "F", benefits)
    listed(names(rows[PARTNERS_TABLE]), "B", costs)
    listed(names(rows[PARTNERS_TABLE]), "B", benefits)
    listed(names(rows[OUTCOMES_TABLE]), "A", benefits)


def _write_discounting(book: Workbook, case: Case) -> tuple[int, int]:
    """Rates and factors year by year: each factor is the year before's over (1 + the year's rate)."""
    sheet = book.create_sheet(DISCOUNTING)
    note = (
        "Factor in year t = factor in year t-1 / (1 + rate in year t); year 0's factor is 1. The rate is the "
        "constant rate on Inputs if one is given, else the rate of the Green Book band that year t falls in."
    )
    _working_sheet(sheet, case, "discounting", note, ("Year", "", "", ""))
    index_row = HEADER_ROW + 1
    sheet.cell(index_row, 1, "Year index t")
    for t in range(case.years):
        sheet.cell(index_row, FIRST_YEAR_COLUMN + t, t)
    bands_row = index_row + 6
    _define(book, "Discount_Rate", INPUTS, f"$B${CASE_ROW + CASE_LABELS.index('Discount rate')}")
    _define(book, "Health_Discount_Rate", INPUTS, f"$B${CASE_ROW + CASE_LABELS.index('Health discount rate')}")
    schedules = (
        ("Standard", "Discount_Rate", "Band_Standard_Rate"),
        ("Health", "Health_Discount_Rate", "Band_Health_Rate"),
    )
    for rate_row, (what, constant, band) in zip((index_row + 1, index_row + 3), schedules, strict=True):
        factor_row = rate_row + 1
        sheet.cell(rate_row, 1, f"{what} rate in the year")
        sheet.cell(factor_row, 1, f"{what} discount factor").font = _BOLD
        sheet.cell(factor_row, FIRST_YEAR_COLUMN, 1).number_format = FACTOR_FORMAT
        for t in range(1, case.years):
            column, before = _year_column(t), _year_column(t - 1)
            lookup = f"LOOKUP({column}${index_row},Band_First_Year,{band})"
            rate = sheet.cell(rate_row, FIRST_YEAR_COLUMN + t, f'=IF({constant}="",{lookup},{constant})')
            rate.number_format = RATE_FORMAT
            factor = sheet.cell(factor_row, FIRST_YEAR_COLUMN + t, f"={before}{factor_row}/(1+{column}{rate_row})")
            factor.number_format = FACTOR_FORMAT
    sheet.cell(bands_row, 1, "Green Book bands: HM Treasury, The Green Book (2022), Annex A6").font = _BOLD
    for column, heading in enumerate(("Years after the base year", "From year", "Standard rate", "Health rate"), 1):
        sheet.cell(bands_row + 1, column, heading).font = _BOLD
    for row, (standard, health) in enumerate(zip(GREEN_BOOK_STANDARD, GREEN_BOOK_HEALTH, strict=True), bands_row + 2):
        sheet.cell(row, 1, f"{standard.first} to {standard.last}" if standard.last else f"{standard.first} and later")
        sheet.cell(row, 2, standard.first)
        sheet.cell(row, 3, standard.rate).number_format = RATE_FORMAT
        sheet.cell(row, 4, health.rate).number_format = RATE_FORMAT
    last = bands_row + 1 + len(GREEN_BOOK_STANDARD)
    for name, column in (("Band_First_Year", "B"), ("Band_Standard_Rate", "C"), ("Band_Health_Rate", "D")):
        _define(book, name, DISCOUNTING, f"${column}${bands_row + 2}:${column}${last}")
    return index_row + 2, index_row + 4


def _write_costs(book: Workbook, case: Case, inputs: _InputRows, factor_row: int) -> _Block:
    """Each cost line after optimism bias, then discounted."""
    sheet = book.create_sheet(COSTS)
    note = "Each year: the Inputs amount x (1 + optimism bias); present value: that x Discounting's standard factor."
    _working_sheet(sheet, case, "costs", note, ("Cost", "Payer", "Kind", "Total"))
    labels = [(line.name, line.payer, line.kind.value) for line in case.costs]
    biased = _block(
        sheet,
        HEADER_ROW + 1,
        "With optimism bias (£)",
        labels,
        case.years,
        lambda index, column: f"=Inputs!{column}{inputs.costs[index]}*(1+Inputs!$D${inputs.costs[index]})",
    )
    return _block(
        sheet,
        biased.total + 2,
        "Present value (£)",
        labels,
        case.years,
        lambda index, column: f"={column}{biased.first + index}*Discounting!{column}${factor_row}",
    )


def _write_outcomes(book: Workbook, case: Case, inputs: _InputRows) -> tuple[int, ...]:
    """What each year's cohort achieves, and the years it counts in; returns each outcome's counting row."""
    sheet = book.create_sheet(OUTCOMES)
    note = (
        "Achieved = cohort x engagement x success rate x (1 - deadweight) x (1 - optimism bias). The cohort of "
        "year s counts in year t when lag <= t - s < lag + duration, at (1 - drop-off)^(t - s - lag)."
    )
    _working_sheet(sheet, case, "outcomes", note, ("Outcome", "", "", ""))
    if case.cohort is not None:
        _define(book, "Engagement", INPUTS, f"$D${inputs.cohort}")
    counted = []
    row = HEADER_ROW + 1
    for outcome, at in zip(case.outcomes, inputs.outcomes, strict=True):
        lag, duration, drop_off = (f"Inputs!${column}${at}" for column in "EFG")
        sheet.cell(row, 1, outcome.name).font = _BOLD
        achieved, total = row + 1, row + case.years + 2
        sheet.cell(achieved, 1, "Achieved by the year's cohort")
        for t in range(case.years):
            rate = f"Engagement*Inputs!$B${at}*(1-Inputs!$C${at})*(1-Inputs!$D${at})"
            _count(sheet, achieved, t, f"=Inputs!{_year_column(t)}{inputs.cohort}*{rate}")
        for s in range(case.years):
            sheet.cell(achieved + 1 + s, 1, f"  Cohort of {case.first_year + s}, counting")
            for since in range(case.years - s):  # t - s: the years since the cohort began
                window = f"AND({since}>={lag},{since}<{lag}+{duration})"
                # the first year counts whole (never 0^0, which Excel refuses, when all is lost after it)
                kept = f"IF({since}={lag},1,(1-{drop_off})^({since}-{lag}))"
                counting = f"${_year_column(s)}${achieved}*{kept}"
                _count(sheet, achieved + 1 + s, s + since, f"=IF({window},{counting},0)")
        sheet.cell(total, 1, "Outcomes counting in the year").font = _BOLD
        for t in range(case.years):
            _count(sheet, total, t, f"=SUM({_year_column(t)}{achieved + 1}:{_year_column(t)}{total - 1})")
        counted.append(total)
        row = total + 2
    return tuple(counted)


def _count(sheet: Any, row: int, t: int, formula: str) -> None:
    sheet.cell(row, FIRST_YEAR_COLUMN + t, formula).number_format = COUNT_FORMAT


def _write_benefits(
    book: Workbook, case: Case, inputs: _InputRows, counted: Sequence[int], factor_rows: tuple[int, int]
) -> _Block:
    """Each benefit per year (a partly cashable one in two rows), then discounted."""
    sheet = book.create_sheet(BENEFITS)
    note = (
        "Each year: outcomes counting x unit value (x the cashable share, or x (1 - it) for the non-cashable part); "
        "present value: that x Discounting's factor (the health factor for health values)."
    )
    _working_sheet(sheet, case, "benefits", note, ("Outcome", "Beneficiary", "Kind", "Total"))
    labels: list[tuple[str, str, str]] = []
    values: list[str] = []  # each row's formula, with {column} for the year's column
    factors: list[int] = []
    for outcome, count_row, rows in zip(case.outcomes, counted, inputs.benefits, strict=True):
        for benefit, at in zip(outcome.benefits, rows, strict=True):
            value = f"=Outcomes!{{column}}${count_row}*Inputs!$D${at}"
            parts = [(benefit.kind, value)]
            if benefit.cashable_share is not None:
                parts = [
                    (BenefitKind.FISCAL_CASHABLE, f"{value}*Inputs!$E${at}"),
                    (BenefitKind.FISCAL_NONCASHABLE, f"{value}*(1-Inputs!$E${at})"),
                ]
            for kind, formula in parts:
                labels.append((outcome.name, benefit.beneficiary, kind.value))
                values.append(formula)
                factors.append(factor_rows[benefit.health])
    valued = _block(
        sheet,
        HEADER_ROW + 1,
        "Value in the year (£)",
        labels,
        case.years,
        lambda index, column: values[index].format(column=column),
    )
    return _block(
        sheet,
        valued.total + 2,
        "Present value (£)",
        labels,
        case.years,
        lambda index, column: f"={column}{valued.first + index}*Discounting!{column}${factors[index]}",
    )


def _write_summary(book: Workbook, case: Case, costs: _Block, benefits: _Block) -> None:
    """Headline results, each partner's position and the payback workings, rounded where the engine rounds."""
    sheet = book.create_sheet(SUMMARY)
    note = (
        "Every figure is a formula over the other sheets. Totals are rounded half-up to the penny once (after "
        "snapping to a millionth of a penny, against float noise), as wholeplace appraise rounds them."
    )
    _heading(sheet, f"{case.name}: summary", note, case.years)
    for column, heading in enumerate(("Figure", "£ or ratio", "How it is worked out"), start=1):
        sheet.cell(HEADER_ROW, column, heading).font = _BOLD
    sheet.freeze_panes = f"A{HEADER_ROW + 1}"
    row = HEADER_ROW + 1

    def figure(label: str, formula: str, how: str = "", name: str = "", number_format: str = MONEY_FORMAT) -> str:
        nonlocal row
        sheet.cell(row, 1, label).font = _BOLD if name else Font()
        sheet.cell(row, 2, formula).number_format = number_format
        sheet.cell(row, 3, how or None)
        if name:
            _define(book, name, SUMMARY, f"$B${row}")
        row += 1
        return f"B{row - 1}"

    def subheading(text: str) -> None:
        nonlocal row
        sheet.cell(row + 1, 1, text).font = _BOLD
        row += 2

    subheading("Present values before rounding")
    exact_costs = figure("Costs", f"=Costs!D{costs.total}", "Costs: the total present value")
    exact = {
        kind: figure(
            f"Benefits, {kind.value.replace('_', ' ')}",
            f"={_benefits_of(kind, '$D', benefits)}",
            f"The Benefits rows of kind {kind.value}",
        )
        for kind in BenefitKind
    }
    cashable, noncashable, economic, social = exact.values()
    fiscal, other = f"{cashable}+{noncashable}", f"{economic}+{social}"
    subheading("Results")
    figure("Present value of costs", f"={_pence(exact_costs)}", "Rounded half-up to the penny", "PV_Costs")
    figure(
        "Present value of fiscal benefits",
        f"={_pence(fiscal)}",
        "Cashable + non-cashable, rounded",
        "PV_Fiscal_Benefits",
    )
    split = f"=IF({fiscal}=0,0,{_pence(f'PV_Fiscal_Benefits*{cashable}/({fiscal})')})"
    cashable_pv = figure("  Fiscal, cashable", split, "The rounded fiscal total in proportion, so the parts add up")
    figure("  Fiscal, non-cashable", f"=PV_Fiscal_Benefits-{cashable_pv}", "The rest of it")
    figure(
        "Present value of all benefits",
        f"={_pence(f'({fiscal})+({other})')}",
        "Fiscal + economic + social, rounded",
        "PV_Benefits",
    )
    split = f"=IF({other}=0,0,{_pence(f'(PV_Benefits-PV_Fiscal_Benefits)*{economic}/({other})')})"
    economic_pv = figure("  Economic", split, "All benefits less fiscal, in proportion")
    figure("  Social", f"=PV_Benefits-PV_Fiscal_Benefits-{economic_pv}", "The rest of it")
    figure("Net present value, fiscal", "=PV_Fiscal_Benefits-PV_Costs", "Fiscal benefits - costs", "NPV_Fiscal")
    figure("Net present value, public value", "=PV_Benefits-PV_Costs", "All benefits - costs", "NPV_Total")
    ratio = '=IF(PV_Costs>0,ROUND({}/PV_Costs,4),"none")'
    figure(
        "Benefit-cost ratio", ratio.format("PV_Benefits"), "All benefits / costs", "Benefit_Cost_Ratio", RATIO_FORMAT
    )
    figure(
        "Financial return on investment",
        ratio.format("PV_Fiscal_Benefits"),
        "Fiscal benefits / costs, read against 1",
        "Financial_ROI",
        RATIO_FORMAT,
    )
    figure(
        "Public value return on investment",
        "=Benefit_Cost_Ratio",
        "All benefits / costs: the BCR",
        number_format=RATIO_FORMAT,
    )
    figure("Cashable", f"={cashable_pv}", "Fiscal, cashable")
    figure("Not cashable", f"=PV_Benefits-{cashable_pv}", "Non-cashable fiscal, economic and social")
    years = row + 2  # the year-by-year block's heading row, two rows below the payback year
    paid_back = f"$E${years + 6}:${_year_column(case.years - 1)}${years + 6}"
    labels = f"$E${years}:${_year_column(case.years - 1)}${years}"
    payback = f'=IFERROR(INDEX({labels},MATCH(1,{paid_back},0)),"none")'
    figure("Discounted payback year", payback, "The first year 'Paid back' is 1, below", "Payback_Year", "General")
    _summary_years(sheet, case, years, costs, benefits)
    _summary_partners(sheet, case, years + 8, costs, benefits)


def _summary_years(sheet: Any, case: Case, row: int, costs: _Block, benefits: _Block) -> None:
    """Discounted costs and benefits by year, their running totals, and whether they have paid back."""
    for column, heading in enumerate(("Year by year", "", "", "Total", *_years(case)), start=1):
        sheet.cell(row, column, heading).font = _BOLD
    labels = (
        "Present value of costs",
        "Present value of fiscal benefits",
        "Present value of all benefits",
        "Cumulative present value of costs",
        "Cumulative present value of fiscal benefits",
        "Paid back (1 once cumulative fiscal benefits reach cumulative costs)",
    )
    costs_row, fiscal_row, all_row, cumulative_costs, cumulative_fiscal, paid_back = range(row + 1, row + 7)
    for at, label in enumerate(labels, start=row + 1):
        sheet.cell(at, 1, label)
    for t in range(case.years):
        column = _year_column(t)
        so_far = f"{_year_column(t - 1)}{{}}+" if t else ""
        formulas = {
            costs_row: f"=Costs!{column}{costs.total}",
            fiscal_row: "=" + "+".join(_benefits_of(kind, column, benefits) for kind in FISCAL),
            all_row: f"=Benefits!{column}{benefits.total}",
            cumulative_costs: f"={so_far.format(cumulative_costs)}{column}{costs_row}",
            cumulative_fiscal: f"={so_far.format(cumulative_fiscal)}{column}{fiscal_row}",
            paid_back: f"=IF(AND({column}{cumulative_costs}>0,"
            f"{column}{cumulative_fiscal}>={column}{cumulative_costs}),1,0)",
        }
        for at, formula in formulas.items():
            _money(sheet, at, FIRST_YEAR_COLUMN + t, formula)
        sheet.cell(paid_back, FIRST_YEAR_COLUMN + t).number_format = "0"
    for at in (costs_row, fiscal_row, all_row):
        _money(sheet, at, 4, f"=SUM(E{at}:{_year_column(case.years - 1)}{at})")


def _summary_partners(sheet: Any, case: Case, row: int, costs: _Block, benefits: _Block) -> None:
    """Each partner's present values, each rounded to the penny on its own."""
    for column, heading in enumerate(
        ("Who pays, who gains", "Pays (present value)", "Gains (present value)", "Net"), 1
    ):
        sheet.cell(row, column, heading).font = _BOLD
    for at, partner in enumerate(_partners(case), start=row + 1):
        sheet.cell(at, 1, partner)
        _money(sheet, at, 2, f"={_pence(_sumif(COSTS, costs, 'B', f'$A{at}', '$D'))}")
        _money(sheet, at, 3, f"={_pence(_sumif(BENEFITS, benefits, 'B', f'$A{at}', '$D'))}")
        _money(sheet, at, 4, f"=C{at}-B{at}")


# The pieces every working sheet shares


def _heading(sheet: Any, title: str, note: str, years: int) -> None:
    sheet["A1"], sheet["A1"].font = title, _TITLE
    sheet["A2"] = note
    for column, width in enumerate((*WIDTHS, *[YEAR_WIDTH] * years), start=1):
        sheet.column_dimensions[get_column_letter(column)].width = width


def _working_sheet(sheet: Any, case: Case, what: str, note: str, headings: tuple[str, str, str, str]) -> None:
    """Title, note, and the header row of labels and years, frozen with the label columns."""
    _heading(sheet, f"{case.name}: {what}", note, case.years)
    for column, heading in enumerate((*headings, *_years(case)), start=1):
        sheet.cell(HEADER_ROW, column, heading or None).font = _BOLD
    sheet.freeze_panes = f"{_year_column(0)}{HEADER_ROW + 1}"


def _block(
    sheet: Any,
    row: int,
    title: str,
    labels: Sequence[tuple[str, str, str]],
    years: int,
    formula: Callable[[int, str], str],
) -> _Block:
    """A titled block of money rows, one per label, each with its total in column D, and a total row."""
    sheet.cell(row, 1, title).font = _BOLD
    first = row + 1
    for index, texts in enumerate(labels):
        at = first + index
        for column, text in enumerate(texts, start=1):
            sheet.cell(at, column, text)
        for t in range(years):
            _money(sheet, at, FIRST_YEAR_COLUMN + t, formula(index, _year_column(t)))
        _money(sheet, at, 4, f"=SUM(E{at}:{_year_column(years - 1)}{at})")
    total = _total_row(first + len(labels), first)
    sheet.cell(total, 1, "Total").font = _BOLD
    for column in range(4, FIRST_YEAR_COLUMN + years):
        letter = get_column_letter(column)
        _money(sheet, total, column, f"=SUM({letter}{first}:{letter}{total - 1})")
    return _Block(first, total - 1, total)


def _benefits_of(kind: BenefitKind, column: str, benefits: _Block) -> str:
    """The sum of a column of Benefits present values over the rows of one kind."""
    return _sumif(BENEFITS, benefits, "C", f'"{kind.value}"', column)


def _sumif(sheet: str, block: _Block, match_column: str, criterion: str, column: str) -> str:
    """SUMIF over a block: the cells of `column` on the rows whose `match_column` equals the criterion."""
    rows = f"${block.first}:{{}}${block.last}"
    matched = f"${match_column}{rows.format('$' + match_column)}"
    return f"SUMIF({sheet}!{matched},{criterion},{sheet}!{column}{rows.format(column)})"


def _pence(expression: str) -> str:
    """Pounds rounded half-up to the penny, first snapped to a millionth of a penny as `engine._to_pence` does."""
    return f"ROUND(ROUND(({expression})*100,6),0)/100"


def _year_column(t: int) -> str:
    return get_column_letter(FIRST_YEAR_COLUMN + t)


def _years(case: Case) -> list[str]:
    return [str(case.first_year + t) for t in range(case.years)]


def _define(book: Workbook, name: str, sheet: str, reference: str) -> None:
    book.defined_names[name] = DefinedName(name, attr_text=f"{sheet}!{reference}")


def _xlsx(book: Workbook) -> bytes:
    """The workbook's bytes, which depend on nothing but its contents: no clock time is written."""
    book.properties.creator = "wholeplace"
    book.properties.created = book.properties.modified = NO_CLOCK
    written = io.BytesIO()
    ExcelWriter(book, ZipFile(written, "w", ZIP_DEFLATED)).save()
    fixed = io.BytesIO()
    with ZipFile(written) as source, ZipFile(fixed, "w", ZIP_DEFLATED) as target:
        for entry in source.infolist():
            target.writestr(ZipInfo(entry.filename, NO_CLOCK.timetuple()[:6]), source.read(entry), ZIP_DEFLATED)
    return fixed.getvalue()


# Import


def read_workbook(data: bytes, filename: str) -> tuple[Case | None, list[Problem]]:
    """The case on a workbook's Inputs sheet, or every problem with it, each naming file, sheet and cell.

    The cells are read here; the rules (rates between 0 and 1, payers among the partners, ...) are
    `engine.check_case`'s, with its key paths turned back into the cells they came from.
    """
    try:
        book = load_workbook(io.BytesIO(data), data_only=True)
    except (BadZipFile, InvalidFileException, KeyError, OSError, ValueError):
        return None, [
            Problem(filename, "This is not an Excel workbook: save it as .xlsx (Excel Workbook) and try again")
        ]
    if INPUTS not in book.sheetnames:
        message = f"The workbook has no {INPUTS} sheet: start from the template, or from an exported case"
        return None, [Problem(filename, message)]
    reader = _InputsReader(filename, book[INPUTS])
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

    def __init__(self, filename: str, sheet: Any) -> None:
        self.filename = filename
        self.grid = [list(values) for values in sheet.iter_rows(values_only=True)]  # grid[row - 1][column - 1]
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


OUTCOME_COLUMNS = {
    "success_rate": "B",
    "deadweight": "C",
    "optimism_bias": "D",
    "lag_years": "E",
    "duration_years": "F",
    "drop_off": "G",
}
BENEFIT_COLUMNS = {"beneficiary": "B", "kind": "C", "unit_value": "D", "cashable_share": "E", "health": "F"}


def _number(value: object) -> Decimal | None:
    """A cell's number, read exactly as shown (0.1, not the float's 0.1000000000000000055...); None if not one."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    text = repr(value) if isinstance(value, float) else str(value)
    number = _decimal(text.removesuffix("%")) if _reasonable(text) else None
    return number / 100 if number is not None and text.endswith("%") else number


def _cell(row: int, column: int) -> str:
    return f"{get_column_letter(column)}{row}"
