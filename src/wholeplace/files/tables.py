"""The line-numbered reader of CSV and xlsx tables: a header row, then rows numbered as a spreadsheet shows them.

Every problem names the file, the row (the header is row 1) and the column, so an importer can report all
of them at once and change nothing. Numbers in a workbook come back as the text a CSV would hold, never
through float arithmetic. Pure: no database, no clock, no printing. YAML and JSON are read by `files.reader`.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from wholeplace.files.workbooks import SheetLimits, open_workbook, sheet_rows
from wholeplace.problems import Problem

Records = list[list[str]]


@dataclass(frozen=True)
class Row:
    number: int  # as a spreadsheet shows it: the header is row 1
    cells: tuple[str, ...]


@dataclass(frozen=True)
class Table:
    """A file's header (trimmed, empty columns to the right dropped) and its non-blank rows."""

    filename: str
    header: tuple[str, ...]
    rows: tuple[Row, ...]

    def where(self, row: int, column: str | None = None) -> str:
        """`partners.csv, row 7, column 'name'`."""
        return f"{self.filename}, row {row}" + (f", column '{column}'" if column is not None else "")

    def values(self, row: Row) -> dict[str, str]:
        """The row's cells by column; a short row's missing cells are left out."""
        return dict(zip(self.header, row.cells, strict=False))

    def header_problems(self, required: Sequence[str], known: Sequence[str] | None = None) -> list[Problem]:
        """Required columns that are missing; given `known`, also unknown columns and columns given twice."""
        where = self.where(1)
        problems = [
            Problem(where, f"The column '{column}' is missing") for column in required if column not in self.header
        ]
        if known is None:
            return problems
        problems += [
            Problem(where, f"'{column}' is not a column we know. Columns are: " + ", ".join(known))
            for column in self.header
            if column and column not in known
        ]
        repeated = sorted({column for column in self.header if column and self.header.count(column) > 1})
        return problems + [Problem(where, f"The column '{column}' appears more than once") for column in repeated]


# A table of records (unit costs, a published allocation table) is long and narrow.
TABLE_LIMITS = SheetLimits(rows=100_000, columns=200)


def read_table(
    data: bytes, filename: str, *, what: str = "the file", lower: bool = True, limits: SheetLimits = TABLE_LIMITS
) -> tuple[Table, list[Problem]]:
    """A CSV or xlsx file (by its name's ending) as a table; a file that cannot be read is one problem.

    `what` names the file in the message when it is neither ("Save the library as a .csv or .xlsx file");
    `lower` puts the header in lower case, so `Name` and `name` are the same column; `limits` allows a longer
    file (an agency's extract of people) than a table of figures needs.
    """
    if filename.lower().endswith(".xlsx"):
        records, problem = xlsx_records(data, filename, limits)
    elif filename.lower().endswith(".csv"):
        records, problem = csv_records(data, filename, limits)
    else:
        records, problem = [], Problem(filename, f"Save {what} as a .csv or .xlsx file")
    return table_of(records, filename, lower=lower), [problem] if problem else []


def read_csv_table(text: str, filename: str, *, lower: bool = True) -> tuple[Table, list[Problem]]:
    """CSV text (a byte order mark is ignored) as a table; a file that cannot be read is one problem."""
    records, problem = csv_records(text, filename)
    return table_of(records, filename, lower=lower), [problem] if problem else []


def table_of(records: Records, filename: str, *, lower: bool = True) -> Table:
    """Records as a table: the first is the header; blank rows are left out but keep their numbers."""
    header = [column.strip().lower() if lower else column.strip() for column in records[0]] if records else []
    while header and not header[-1]:  # a spreadsheet's empty columns to the right
        header.pop()
    rows = tuple(
        Row(number, tuple(cells)) for number, cells in enumerate(records[1:], start=2) if any(c.strip() for c in cells)
    )
    return Table(filename, tuple(header), rows)


def csv_records(data: bytes | str, filename: str, limits: SheetLimits = TABLE_LIMITS) -> tuple[Records, Problem | None]:
    """Every record of a CSV file, blank ones too, so that row numbers match the sheet's.

    A file longer than `limits.rows`, a field past the csv module's limit (128 KB) or a NUL byte is one
    problem naming the file and row, read no further.
    """
    # csv.reader, not DictReader: DictReader skips blank lines uncounted.
    try:
        text = data.decode("utf-8-sig") if isinstance(data, bytes) else data.removeprefix("\ufeff")
    except UnicodeDecodeError:
        return [], Problem(filename, "The file is not UTF-8 text: save it as CSV UTF-8")
    reader = csv.reader(io.StringIO(text))
    records: Records = []
    try:
        for record in reader:
            if len(records) == limits.rows:
                return [], Problem(filename, f"The file has more than {limits.rows:,} rows: split it and try again")
            records.append(record)
    except csv.Error as error:
        return [], Problem(f"{filename}, row {reader.line_num}", f"This is not a CSV row that can be read: {error}")
    return records, None


def xlsx_records(data: bytes, filename: str, limits: SheetLimits = TABLE_LIMITS) -> tuple[Records, Problem | None]:
    """The first sheet's rows as text; a workbook that cannot be opened is one problem."""
    workbook, unreadable = open_workbook(data, filename)
    if workbook is None:
        return [], unreadable
    try:
        rows, too_big = sheet_rows(workbook, workbook.sheetnames[0], filename, limits)
    finally:
        workbook.close()
    return [[cell_text(cell) for cell in row] for row in rows], too_big


def cell_text(cell: object) -> str:
    """A cell as the text a CSV would hold; numbers by their shortest decimal form, never through float arithmetic."""
    if cell is None:
        return ""
    if isinstance(cell, float):
        return format(Decimal(repr(cell)), "f")
    return str(cell)
