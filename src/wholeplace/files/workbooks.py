"""Opening workbooks people upload without letting one of them exhaust the server.

An 18 KB workbook with one cell at XFD1048576 made openpyxl build a sheet of 17 billion cells and the server
grow past 8 GB. Here a workbook is refused before its sheets are read if it unpacks to more than a workbook
of ours could hold, is read in read-only mode (rows streamed, nothing built for empty cells), and a sheet
whose extent reaches past its limits is refused naming the sheet and its furthest cell. XML entities are
refused (defusedxml, which openpyxl uses when it is installed), so an entity bomb is a refusal too.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.workbook.workbook import Workbook

from wholeplace.problems import Problem

MAX_UNPACKED_MB = 50
NOT_A_WORKBOOK = "This is not an Excel workbook: save it as .xlsx (Excel Workbook) and try again"


@dataclass(frozen=True)
class SheetLimits:
    rows: int
    columns: int

    @property
    def corner(self) -> str:
        return f"{get_column_letter(self.columns)}{self.rows}"


def open_workbook(data: bytes, filename: str) -> tuple[Workbook | None, Problem | None]:
    """The workbook, opened read-only with cached values, or the one reason it cannot be."""
    try:
        unpacked = sum(item.file_size for item in zipfile.ZipFile(io.BytesIO(data)).infolist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return None, Problem(filename, NOT_A_WORKBOOK)
    if unpacked > MAX_UNPACKED_MB * 1024 * 1024:
        return None, Problem(
            filename,
            f"The workbook unpacks to {unpacked / 1024 / 1024:,.0f} MB, more than the {MAX_UNPACKED_MB} MB "
            "a workbook here may hold: keep only the sheets it needs and try again",
        )
    try:
        return load_workbook(io.BytesIO(data), read_only=True, data_only=True), None
    except (
        DefusedXmlException,
        InvalidFileException,
        zipfile.BadZipFile,
        KeyError,
        OSError,
        ValueError,
        ParseError,
    ) as error:
        # openpyxl reports XML it could not read as a ValueError caused by the parser's own error
        if isinstance(error, DefusedXmlException) or isinstance(error.__cause__, DefusedXmlException):
            return None, Problem(filename, "The workbook declares XML entities, which are refused: save it again")
        return None, Problem(filename, NOT_A_WORKBOOK)


def sheet_rows(
    workbook: Workbook, sheet_name: str, filename: str, limits: SheetLimits
) -> tuple[list[list[object]], Problem | None]:
    """The sheet's values row by row, or a refusal naming the sheet if it reaches past its limits."""
    sheet = workbook[sheet_name]
    rows, columns = sheet.max_row or 0, sheet.max_column or 0
    if rows > limits.rows or columns > limits.columns:
        return [], Problem(
            f"{filename}, sheet '{sheet_name}'",
            f"The sheet reaches cell {get_column_letter(max(columns, 1))}{max(rows, 1)}: it must fit within "
            f"A1:{limits.corner} ({limits.rows:,} rows and {limits.columns} columns). Delete what lies outside "
            "and try again",
        )
    # bounded by the limits too, for a workbook that does not declare its extent (openpyxl pads rows to max_col)
    bounds = {"max_row": rows or limits.rows, "max_col": columns or limits.columns}
    return [list(values) for values in sheet.iter_rows(**bounds, values_only=True)], None
