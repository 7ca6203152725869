"""The one CSV writer: text that a spreadsheet would run as a formula is written so that it cannot be.

OWASP's CSV injection guidance: a cell starting with `=`, `+`, `-`, `@`, a tab or a carriage return is
read by Excel and LibreOffice as a formula, so a name like `=HYPERLINK(...)` in an export becomes a live
link. Text starting so gets a leading apostrophe, which spreadsheets show as text. Numbers (ints,
Decimals, Money) are written as they are, so a negative amount stays a number. Pure.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from itertools import chain
from pathlib import Path

from wholeplace.files.injection import starts_like_formula
from wholeplace.money import Money

CsvValue = str | int | Decimal | Money | None
_NEEDS_QUOTES = re.compile(r'[,"\r\n]')


def cell(value: CsvValue) -> str:
    """One value as CSV cell text: text made safe, an amount as 1234.56, None as empty."""
    if value is None:
        return ""
    if isinstance(value, Money):
        return value.plain()
    if isinstance(value, bool):
        raise TypeError("Write a yes or no as text")
    if isinstance(value, int | Decimal):
        return str(value)
    return "'" + value if starts_like_formula(value) else value


def csv_text(header: Sequence[str], rows: Iterable[Sequence[CsvValue]]) -> str:
    """A header row and rows as CSV text (RFC 4180 quoting), one line each ending in a newline."""
    return "".join(_line([cell(value) for value in row]) for row in chain([header], rows))


def _line(cells: list[str]) -> str:
    # Not csv.writer: with "\n" as its line end it leaves a carriage return inside a cell unquoted.
    if cells == [""]:
        return '""\n'  # as csv.writer writes it, so that the line is not read as blank
    return ",".join(_quoted(text) if _NEEDS_QUOTES.search(text) else text for text in cells) + "\n"


def _quoted(text: str) -> str:
    doubled = text.replace('"', '""')
    return f'"{doubled}"'


def csv_dicts(header: Sequence[str], rows: Iterable[Mapping[str, CsvValue]]) -> str:
    """Rows given by column title as CSV text; a column a row leaves out is empty."""
    return csv_text(header, ([row.get(title) for title in header] for row in rows))


def write_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence[CsvValue]]) -> None:
    """A data file (the person index's clusters, pairs and extracts) written with the same guard as an export."""
    path.write_text(csv_text(header, rows), encoding="utf-8", newline="")
