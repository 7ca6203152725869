"""Excel: the fund statement as a workbook whose totals are live formulas, written through `files.xlsx`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from wholeplace.files.xlsx import BOLD, TITLE, Formula, headings, money, put, total_row
from wholeplace.funds.contributions import ContributionLine
from wholeplace.funds.engine import FundStatement
from wholeplace.funds.model import Fund

XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _sheet_header(sheet: Any, title: str, fund: Fund, statement: FundStatement) -> int:
    """Fund, years, as-at date and the source of the figures; returns the next free row."""
    put(sheet, 1, 1, f"{fund.name} ({fund.code}): {title}", font=TITLE)
    put(sheet, 2, 1, f"Financial years {fund.years_label}, held by {fund.holder.name}")
    put(sheet, 3, 1, f"As at the end of {statement.as_at:%d %B %Y}")
    put(
        sheet,
        4,
        1,
        "Source: the wholeplace fund ledger; every figure is a sum of postings dated on or before the "
        "as-at date, and every posting cites the approved decision that authorised it.",
    )
    return 6


def _table(sheet: Any, row: int, titles: Sequence[str], widths: Sequence[int]) -> int:
    headings(sheet, row, titles, widths)
    sheet.freeze_panes = sheet.cell(row=row + 1, column=1)
    return row + 1


def statement_workbook(fund: Fund, statement: FundStatement, *, received: Sequence[ContributionLine] = ()) -> Workbook:
    """Contributions, allocations by theme and project, and a summary whose totals are live formulas.

    With `received` (contributions recorded as cash or in kind), a sheet "Received" lists each one dated by the
    as-at day, in-kind ones marked with the basis of their valuation.
    """
    workbook = Workbook()
    contributions = workbook.active
    contributions.title = "Contributions"
    first = row = _table(
        contributions,
        _sheet_header(contributions, "contributions", fund, statement),
        ("Partner", "Contributed"),
        (48, 18),
    )
    for partner, amount in statement.contributed_by_partner:
        put(contributions, row, 1, partner)
        money(contributions, row, 2, amount)
        row += 1
    row = total_row(row, first)
    put(contributions, row, 1, "Total", font=BOLD)
    money(contributions, row, 2, Formula(f"=SUM(B{first}:B{row - 1})"))
    contributed_total = f"Contributions!B{row}"

    allocations = workbook.create_sheet("Allocations")
    titles = ("Theme", "Project", "Allocated", "Spent", "Returned", "Remaining")
    first = row = _table(
        allocations, _sheet_header(allocations, "allocations", fund, statement), titles, (36, 40, 16, 16, 16, 16)
    )
    for line in statement.lines:
        put(allocations, row, 1, line.theme)
        put(allocations, row, 2, line.project or "")
        for column, amount in ((3, line.allocated), (4, line.spent), (5, line.returned)):
            money(allocations, row, column, amount)
        money(allocations, row, 6, Formula(f"=C{row}-D{row}-E{row}"))
        row += 1
    row = total_row(row, first)
    put(allocations, row, 1, "Total", font=BOLD)
    for column in range(3, 7):
        letter = get_column_letter(column)
        money(allocations, row, column, Formula(f"=SUM({letter}{first}:{letter}{row - 1})"))
    allocated_total = f"Allocations!C{row}"

    summary = workbook.create_sheet("Summary")
    row = _table(summary, _sheet_header(summary, "summary", fund, statement), ("Figure", "Amount"), (48, 18))
    put(summary, row, 1, "Contributed")
    money(summary, row, 2, Formula(f"={contributed_total}"))
    put(summary, row + 1, 1, "Allocated to themes and projects")
    money(summary, row + 1, 2, Formula(f"={allocated_total}"))
    row += 2
    first = row
    for year, amount in statement.unallocated_by_year:
        put(summary, row, 1, f"Unallocated, {year}")
        money(summary, row, 2, amount)
        row += 1
    row = total_row(row, first)
    put(summary, row, 1, "Unallocated", font=BOLD)
    money(summary, row, 2, Formula(f"=SUM(B{first}:B{row - 1})"))
    put(summary, row + 1, 1, "Difference (contributed less allocated less unallocated)")
    money(summary, row + 1, 2, Formula(f"=B{first - 2}-B{first - 1}-B{row}"))
    by_then = [line for line in received if line.received_on <= statement.as_at]
    if by_then:
        _received_sheet(workbook.create_sheet("Received"), fund, statement, by_then)
    return workbook


def _received_sheet(sheet: Any, fund: Fund, statement: FundStatement, lines: Sequence[ContributionLine]) -> None:
    titles = (
        "Date received",
        "Partner",
        "Financial year",
        "Cash or in kind",
        "Amount",
        "Basis of valuation",
        "Decision",
    )
    first = row = _table(
        sheet, _sheet_header(sheet, "contributions received", fund, statement), titles, (16, 40, 14, 16, 18, 60, 18)
    )
    for line in lines:
        put(sheet, row, 1, f"{line.received_on.day} {line.received_on:%B %Y}")
        put(sheet, row, 2, line.partner)
        put(sheet, row, 3, str(line.year))
        put(sheet, row, 4, line.kind.label)
        money(sheet, row, 5, line.amount)
        put(sheet, row, 6, line.basis or "")
        put(sheet, row, 7, line.decision_reference)
        row += 1
    row = total_row(row, first)
    put(sheet, row, 1, "Total", font=BOLD)
    money(sheet, row, 5, Formula(f"=SUM(E{first}:E{row - 1})"))
