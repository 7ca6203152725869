"""The CSV writer quotes text that a spreadsheet would run, and leaves numbers alone (OWASP, CSV injection)."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from wholeplace.files.csv_writer import csv_dicts, csv_text
from wholeplace.money import Money


def test_text_starting_like_a_formula_gets_a_leading_apostrophe() -> None:
    text = csv_text(["name"], [["=1+1"], ["+1"], ["-2"], ["@SUM(A1)"], ["\tx"], ["\rx"], ["Basildon"], ["a=b"]])
    assert [row[0] for row in csv.reader(io.StringIO(text, newline=""))][1:] == [
        "'=1+1",
        "'+1",
        "'-2",
        "'@SUM(A1)",
        "'\tx",
        "'\rx",
        "Basildon",
        "a=b",
    ]


def test_numbers_and_amounts_are_written_as_they_are_even_below_zero() -> None:
    row = {"amount": Money(-94400), "count": -3, "rate": Decimal("-0.5")}
    text = csv_dicts(["amount", "count", "rate", "empty"], [row])
    assert text == "amount,count,rate,empty\n-944.00,-3,-0.5,\n"


@given(st.lists(st.lists(st.text(), min_size=2, max_size=4), max_size=5))
def test_any_text_reads_back_as_written_once_made_safe(rows: list[list[str]]) -> None:
    text = csv_text(["a", "b"], rows)
    read = list(csv.reader(io.StringIO(text, newline="")))[1:]
    hostile = ("=", "+", "-", "@", "\t", "\r")
    assert read == [[("'" + value) if value.startswith(hostile) else value for value in row] for row in rows]
