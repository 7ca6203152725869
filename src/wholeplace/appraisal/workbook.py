"""Business case workbooks: the layout of the Inputs sheet, and the appraisal's workings as live Excel formulas.

The layout (sheet names, the Inputs sheet's case rows and tables, and the year columns) is what the export here
and the import in `workbook_import.py` agree on. `write_workbook` lays a case out over six sheets (Inputs,
Discounting, Costs, Outcomes, Benefits, Summary) where every working figure is a formula over the Inputs, so a
finance officer can audit each step, or change an input and watch the results move. `template_workbook` writes a
blank Inputs sheet to fill in. Pure: no database, no clock, no printing. What each sheet shows and every formula:
docs/appraisal-excel.md.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation

from wholeplace.appraisal.case import FISCAL, BenefitKind, Case, CostKind, case_partners
from wholeplace.appraisal.case_checks import check_case
from wholeplace.appraisal.discounting import GREEN_BOOK_HEALTH, GREEN_BOOK_STANDARD
from wholeplace.files.xlsx import (
    BOLD,
    MONEY_FORMAT,
    PLAIN,
    TEXT_FORMAT,
    TITLE,
    Formula,
    money,
    put,
    set_value,
    total_row,
    workbook_bytes,
)
from wholeplace.problems import InvalidInput

INPUTS, DISCOUNTING, COSTS, OUTCOMES, BENEFITS, SUMMARY = (
    "Inputs",
    "Discounting",
    "Costs",
    "Outcomes",
    "Benefits",
    "Summary",
)
FIRST_YEAR_COLUMN = 5  # column E is year t = 0 on every sheet, so one year's figures share a column letter
HEADER_ROW = 4  # the frozen header row of every working sheet
RATE_FORMAT = "0.00%"
COUNT_FORMAT = "#,##0.00"
FACTOR_FORMAT = "0.000000"
RATIO_FORMAT = "0.0000"
WIDTHS = (52, 34, 20, 16)  # columns A-D; every year column is YEAR_WIDTH
YEAR_WIDTH = 15
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
# The column of each outcome and benefit field, by check_case's key, for the cell a problem names.
OUTCOME_COLUMNS = {
    "success_rate": "B",
    "deadweight": "C",
    "optimism_bias": "D",
    "lag_years": "E",
    "duration_years": "F",
    "drop_off": "G",
}
BENEFIT_COLUMNS = {"beneficiary": "B", "kind": "C", "unit_value": "D", "cashable_share": "E", "health": "F"}

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
    return workbook_bytes(book)


def template_workbook() -> bytes:
    """A blank Inputs sheet to fill in and import with `workbook_import.read_workbook`."""
    book = Workbook()
    _write_inputs(book, None)
    return workbook_bytes(book)


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
    put(sheet, CASE_ROW - 1, 1, "Case", font=BOLD)
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
        put(sheet, row, 1, label)
        _input(sheet.cell(row, 2), value, number_format)
        put(sheet, row, 3, note or None)


def _write_table(
    sheet: Any, row: int, table: Table, years: Sequence[str], values: Sequence[tuple[object, ...]]
) -> range:
    """A titled table of input cells; returns the rows of its items."""
    put(sheet, row, 1, table.title, font=BOLD)
    for column, heading in enumerate((*table.headings, *years), start=1):
        cell = put(sheet, row + 1, column, heading or None, font=BOLD)
        if column >= FIRST_YEAR_COLUMN and years:
            _input(cell, heading or None, TEXT_FORMAT)
    for at, items in enumerate(values, start=row + 2):
        for column, value in enumerate(items, start=1):
            _input(sheet.cell(at, column), value, table.formats[min(column, len(table.formats)) - 1])
    return range(row + 2, row + 2 + len(values))


def _input(cell: Any, value: Any, number_format: str | None) -> None:
    set_value(cell, value)
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
    put(sheet, index_row, 1, "Year index t")
    for t in range(case.years):
        put(sheet, index_row, FIRST_YEAR_COLUMN + t, t)
    bands_row = index_row + 6
    _define(book, "Discount_Rate", INPUTS, f"$B${CASE_ROW + CASE_LABELS.index('Discount rate')}")
    _define(book, "Health_Discount_Rate", INPUTS, f"$B${CASE_ROW + CASE_LABELS.index('Health discount rate')}")
    schedules = (
        ("Standard", "Discount_Rate", "Band_Standard_Rate"),
        ("Health", "Health_Discount_Rate", "Band_Health_Rate"),
    )
    for rate_row, (what, constant, band) in zip((index_row + 1, index_row + 3), schedules, strict=True):
        factor_row = rate_row + 1
        put(sheet, rate_row, 1, f"{what} rate in the year")
        put(sheet, factor_row, 1, f"{what} discount factor", font=BOLD)
        put(sheet, factor_row, FIRST_YEAR_COLUMN, 1, number_format=FACTOR_FORMAT)
        for t in range(1, case.years):
            column, before = _year_column(t), _year_column(t - 1)
            lookup = f"LOOKUP({column}${index_row},Band_First_Year,{band})"
            rate = Formula(f'=IF({constant}="",{lookup},{constant})')
            put(sheet, rate_row, FIRST_YEAR_COLUMN + t, rate, number_format=RATE_FORMAT)
            factor = Formula(f"={before}{factor_row}/(1+{column}{rate_row})")
            put(sheet, factor_row, FIRST_YEAR_COLUMN + t, factor, number_format=FACTOR_FORMAT)
    put(sheet, bands_row, 1, "Green Book bands: HM Treasury, The Green Book (2022), Annex A6", font=BOLD)
    for column, heading in enumerate(("Years after the base year", "From year", "Standard rate", "Health rate"), 1):
        put(sheet, bands_row + 1, column, heading, font=BOLD)
    for row, (standard, health) in enumerate(zip(GREEN_BOOK_STANDARD, GREEN_BOOK_HEALTH, strict=True), bands_row + 2):
        put(sheet, row, 1, f"{standard.first} to {standard.last}" if standard.last else f"{standard.first} and later")
        put(sheet, row, 2, standard.first)
        put(sheet, row, 3, standard.rate, number_format=RATE_FORMAT)
        put(sheet, row, 4, health.rate, number_format=RATE_FORMAT)
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
        lambda index, column: Formula(f"=Inputs!{column}{inputs.costs[index]}*(1+Inputs!$D${inputs.costs[index]})"),
    )
    return _block(
        sheet,
        biased.total + 2,
        "Present value (£)",
        labels,
        case.years,
        lambda index, column: Formula(f"={column}{biased.first + index}*Discounting!{column}${factor_row}"),
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
        put(sheet, row, 1, outcome.name, font=BOLD)
        achieved, total = row + 1, row + case.years + 2
        put(sheet, achieved, 1, "Achieved by the year's cohort")
        for t in range(case.years):
            rate = f"Engagement*Inputs!$B${at}*(1-Inputs!$C${at})*(1-Inputs!$D${at})"
            _count(sheet, achieved, t, f"=Inputs!{_year_column(t)}{inputs.cohort}*{rate}")
        for s in range(case.years):
            put(sheet, achieved + 1 + s, 1, f"  Cohort of {case.first_year + s}, counting")
            for since in range(case.years - s):  # t - s: the years since the cohort began
                window = f"AND({since}>={lag},{since}<{lag}+{duration})"
                # the first year counts whole (never 0^0, which Excel refuses, when all is lost after it)
                kept = f"IF({since}={lag},1,(1-{drop_off})^({since}-{lag}))"
                counting = f"${_year_column(s)}${achieved}*{kept}"
                _count(sheet, achieved + 1 + s, s + since, f"=IF({window},{counting},0)")
        put(sheet, total, 1, "Outcomes counting in the year", font=BOLD)
        for t in range(case.years):
            _count(sheet, total, t, f"=SUM({_year_column(t)}{achieved + 1}:{_year_column(t)}{total - 1})")
        counted.append(total)
        row = total + 2
    return tuple(counted)


def _count(sheet: Any, row: int, t: int, formula: str) -> None:
    put(sheet, row, FIRST_YEAR_COLUMN + t, Formula(formula), number_format=COUNT_FORMAT)


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
        lambda index, column: Formula(values[index].format(column=column)),
    )
    return _block(
        sheet,
        valued.total + 2,
        "Present value (£)",
        labels,
        case.years,
        lambda index, column: Formula(f"={column}{valued.first + index}*Discounting!{column}${factors[index]}"),
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
        put(sheet, HEADER_ROW, column, heading, font=BOLD)
    sheet.freeze_panes = f"A{HEADER_ROW + 1}"
    row = HEADER_ROW + 1

    def figure(label: str, formula: str, how: str = "", name: str = "", number_format: str = MONEY_FORMAT) -> str:
        nonlocal row
        put(sheet, row, 1, label, font=BOLD if name else PLAIN)
        put(sheet, row, 2, Formula(formula), number_format=number_format)
        put(sheet, row, 3, how or None)
        if name:
            _define(book, name, SUMMARY, f"$B${row}")
        row += 1
        return f"B{row - 1}"

    def subheading(text: str) -> None:
        nonlocal row
        put(sheet, row + 1, 1, text, font=BOLD)
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
        put(sheet, row, column, heading, font=BOLD)
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
        put(sheet, at, 1, label)
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
            money(sheet, at, FIRST_YEAR_COLUMN + t, Formula(formula))
        sheet.cell(paid_back, FIRST_YEAR_COLUMN + t).number_format = "0"
    for at in (costs_row, fiscal_row, all_row):
        money(sheet, at, 4, Formula(f"=SUM(E{at}:{_year_column(case.years - 1)}{at})"))


def _summary_partners(sheet: Any, case: Case, row: int, costs: _Block, benefits: _Block) -> None:
    """Each partner's present values, each rounded to the penny on its own."""
    for column, heading in enumerate(
        ("Who pays, who gains", "Pays (present value)", "Gains (present value)", "Net"), 1
    ):
        put(sheet, row, column, heading, font=BOLD)
    for at, partner in enumerate(case_partners(case), start=row + 1):
        put(sheet, at, 1, partner)
        money(sheet, at, 2, Formula(f"={_pence(_sumif(COSTS, costs, 'B', f'$A{at}', '$D'))}"))
        money(sheet, at, 3, Formula(f"={_pence(_sumif(BENEFITS, benefits, 'B', f'$A{at}', '$D'))}"))
        money(sheet, at, 4, Formula(f"=C{at}-B{at}"))


# The pieces every working sheet shares


def _heading(sheet: Any, title: str, note: str, years: int) -> None:
    put(sheet, 1, 1, title, font=TITLE)
    put(sheet, 2, 1, note)
    for column, width in enumerate((*WIDTHS, *[YEAR_WIDTH] * years), start=1):
        sheet.column_dimensions[get_column_letter(column)].width = width


def _working_sheet(sheet: Any, case: Case, what: str, note: str, headings: tuple[str, str, str, str]) -> None:
    """Title, note, and the header row of labels and years, frozen with the label columns."""
    _heading(sheet, f"{case.name}: {what}", note, case.years)
    for column, heading in enumerate((*headings, *_years(case)), start=1):
        put(sheet, HEADER_ROW, column, heading or None, font=BOLD)
    sheet.freeze_panes = f"{_year_column(0)}{HEADER_ROW + 1}"


def _block(
    sheet: Any,
    row: int,
    title: str,
    labels: Sequence[tuple[str, str, str]],
    years: int,
    formula: Callable[[int, str], Formula],
) -> _Block:
    """A titled block of money rows, one per label, each with its total in column D, and a total row."""
    put(sheet, row, 1, title, font=BOLD)
    first = row + 1
    for index, texts in enumerate(labels):
        at = first + index
        for column, text in enumerate(texts, start=1):
            put(sheet, at, column, text)
        for t in range(years):
            money(sheet, at, FIRST_YEAR_COLUMN + t, formula(index, _year_column(t)))
        money(sheet, at, 4, Formula(f"=SUM(E{at}:{_year_column(years - 1)}{at})"))
    total = total_row(first + len(labels), first)
    put(sheet, total, 1, "Total", font=BOLD)
    for column in range(4, FIRST_YEAR_COLUMN + years):
        letter = get_column_letter(column)
        money(sheet, total, column, Formula(f"=SUM({letter}{first}:{letter}{total - 1})"))
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
    """Pounds rounded half-up to the penny, first snapped to a millionth of a penny as `rounding.to_pence` does."""
    return f"ROUND(ROUND(({expression})*100,6),0)/100"


def _year_column(t: int) -> str:
    return get_column_letter(FIRST_YEAR_COLUMN + t)


def _years(case: Case) -> list[str]:
    return [str(case.first_year + t) for t in range(case.years)]


def _define(book: Workbook, name: str, sheet: str, reference: str) -> None:
    book.defined_names[name] = DefinedName(name, attr_text=f"{sheet}!{reference}")
