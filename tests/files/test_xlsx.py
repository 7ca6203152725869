"""The xlsx writer: text stays text, formulas only when asked for, the same workbook gives the same bytes."""

from __future__ import annotations

import io
import time

from openpyxl import Workbook, load_workbook

from wholeplace.files.xlsx import MONEY_FORMAT, Formula, money, put, workbook_bytes
from wholeplace.money import Money

HOSTILE = '=HYPERLINK("http://evil.example","x")'


def test_text_that_starts_like_a_formula_is_written_as_text_with_the_quote_prefix() -> None:
    book = Workbook()
    put(book.active, 1, 1, HOSTILE)
    put(book.active, 1, 2, "+1")
    cells = load_workbook(io.BytesIO(workbook_bytes(book))).active[1]
    assert [(cell.value, cell.data_type, cell.quotePrefix) for cell in cells] == [
        (HOSTILE, "s", True),
        ("+1", "s", True),
    ]


def test_a_formula_is_written_only_when_given_as_one() -> None:
    book = Workbook()
    money(book.active, 1, 1, Formula("=SUM(B1:B2)"))
    money(book.active, 1, 2, Money(123456))
    cell, amount = load_workbook(io.BytesIO(workbook_bytes(book))).active[1]
    assert (cell.data_type, cell.value, cell.number_format) == ("f", "=SUM(B1:B2)", MONEY_FORMAT)
    assert (amount.value, amount.number_format) == (1234.56, MONEY_FORMAT)


def test_the_same_workbook_written_later_gives_the_same_bytes() -> None:
    def book() -> Workbook:
        made = Workbook()
        put(made.active, 1, 1, "Basildon")
        return made

    first = workbook_bytes(book())
    time.sleep(1.1)  # the zip format keeps times to two seconds; a clock time would show within two runs
    assert workbook_bytes(book()) == first
