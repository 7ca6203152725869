"""Tables read from CSV and xlsx keep the spreadsheet's row numbers, and name file, row and column."""

from __future__ import annotations

import io

from openpyxl import Workbook

from wholeplace.files.tables import read_csv_table, read_table
from wholeplace.problems import Problem


def test_blank_rows_are_skipped_but_keep_their_numbers() -> None:
    table, problems = read_csv_table("\ufeffName,Amount\nBasildon,173120\n\nBraintree,105989\n", "grants.csv")
    assert problems == []
    assert table.header == ("name", "amount")
    assert [(row.number, table.values(row)["name"]) for row in table.rows] == [(2, "Basildon"), (4, "Braintree")]
    assert table.where(4, "amount") == "grants.csv, row 4, column 'amount'"


def test_header_problems_name_missing_unknown_and_repeated_columns() -> None:
    table, _ = read_csv_table("name,colour,name\n", "ours.csv")
    assert table.header_problems(("name", "amount"), ("name", "amount")) == [
        Problem("ours.csv, row 1", "The column 'amount' is missing"),
        Problem("ours.csv, row 1", "'colour' is not a column we know. Columns are: name, amount"),
        Problem("ours.csv, row 1", "The column 'name' appears more than once"),
    ]


def test_a_workbook_reads_like_the_same_csv_with_numbers_as_written() -> None:
    book = Workbook()
    book.active.append(["name", "amount"])
    book.active.append(["Basildon", 0.1])
    data = io.BytesIO()
    book.save(data)
    table, problems = read_table(data.getvalue(), "grants.xlsx")
    assert (problems, table.rows[0].cells) == ([], ("Basildon", "0.1"))


def test_a_file_that_is_neither_csv_nor_xlsx_is_one_problem() -> None:
    _, problems = read_table(b"anything", "grants.xls", what="the grants")
    assert problems == [Problem("grants.xls", "Save the grants as a .csv or .xlsx file")]
