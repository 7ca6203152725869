"""The one xlsx writer: styles, money, text cells that stay text, formulas only when asked for, same bytes.

openpyxl writes any string starting with `=` as a formula, so a partner named `=HYPERLINK(...)` would become
a live link in a finance officer's workbook. Here a `str` is always written as text (an explicit string
cell, with Excel's quote prefix when it starts like a formula, as typing a leading apostrophe does), and a
formula is written only from a `Formula`. `workbook_bytes` writes no clock time, so the same data always
gives the same bytes. Pure: no database, no clock, no printing.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from zipfile import ZIP_DEFLATED, ZipFile, ZipInfo

from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.writer.excel import ExcelWriter

from wholeplace.files.injection import starts_like_formula
from wholeplace.money import Money

MONEY_FORMAT = "£#,##0.00"
TEXT_FORMAT = "@"  # so that Excel keeps 2011/12 as a financial year, not a date
BOLD = Font(bold=True)
TITLE = Font(bold=True, size=14)
PLAIN = Font()
NO_CLOCK = dt.datetime(1980, 1, 1)  # written as the file's times, the zip format's earliest


@dataclass(frozen=True)
class Formula:
    """A live formula such as `=SUM(B7:B9)`: the only way a cell written here becomes a formula."""

    text: str

    def __post_init__(self) -> None:
        if not self.text.startswith("="):
            raise ValueError(f"A formula starts with '=': {self.text!r}")


Value = str | int | float | Decimal | Money | Formula | None


def put(
    sheet: Any,
    row: int,
    column: int,
    value: Value,
    *,
    number_format: str | None = None,
    font: Font | None = None,
) -> Cell:
    """Write one cell: text as text, Money as pounds, a Formula as a formula; returns the cell for more styling."""
    cell = sheet.cell(row=row, column=column)
    set_value(cell, value)
    if number_format is not None:
        cell.number_format = number_format
    if font is not None:
        cell.font = font
    return cell


def set_value(cell: Cell, value: Value) -> None:
    """Give a cell its value, never turning text into a formula."""
    if isinstance(value, Formula):
        cell.value = value.text
    elif isinstance(value, Money):
        cell.value = value.pounds
    elif isinstance(value, str):
        cell.value = value
        cell.data_type = "s"  # openpyxl made it "f" if it starts with "="
        if starts_like_formula(value):
            cell.quotePrefix = True  # Excel keeps it text even when the cell is edited
    else:
        cell.value = value


def money(sheet: Any, row: int, column: int, value: Money | Formula, *, font: Font | None = None) -> Cell:
    """An amount in pounds, or a formula giving one, shown as £1,234.56."""
    return put(sheet, row, column, value, number_format=MONEY_FORMAT, font=font)


def headings(sheet: Any, row: int, texts: Sequence[str], widths: Sequence[int] | None = None) -> None:
    """A bold row of column headings from column A, with the columns' widths when given."""
    for column, text in enumerate(texts, start=1):
        put(sheet, row, column, text or None, font=BOLD)
    for column, width in enumerate(widths or (), start=1):
        sheet.column_dimensions[get_column_letter(column)].width = width


def total_row(row: int, first: int) -> int:
    """The row for a total below lines first..row-1; an empty table keeps one blank line so SUM has a range."""
    return row + 1 if row == first else row


def workbook_bytes(book: Workbook) -> bytes:
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
