"""The unit cost library: deflating by hand, lookups, reading CSV and xlsx library files, the shipped set, the CLI."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import Workbook
from typer.testing import CliRunner

from wholeplace.appraisal.engine import BenefitKind
from wholeplace.appraisal.unit_costs import (
    COLUMNS,
    NotInLibrary,
    PriceYearNotCovered,
    UnitCost,
    UnitCostLibrary,
    read_library_file,
    shipped_library,
)
from wholeplace.appraisal.unit_costs_cli import unit_costs_app
from wholeplace.money import FinancialYear, Money
from wholeplace.problems import Problem

runner = CliRunner()
Y2012, Y2013, Y2014 = FinancialYear(2012), FinancialYear(2013), FinancialYear(2014)

HEADER = "name,label,value,price_year,unit,agency,kind,confidence,source,verified,note"
GOOD = "\n".join(
    [
        HEADER,
        'repeat_incident,Repeat domestic abuse incident,"£1,200.50",2012/13,per incident,Essex Police,'
        'fiscal_noncashable,3,"Local audit 2012, table 4",yes,',
        "hub_night,Night in refuge,67.00,2013/14,per night,Essex County Council,fiscal_cashable,,"
        '"Refuge contract 2013, schedule 2",no,Our own figure',
    ]
)
REPEAT_INCIDENT = UnitCost(
    name="repeat_incident",
    label="Repeat domestic abuse incident",
    value=Money(120050),
    price_year=Y2012,
    unit="per incident",
    agency="Essex Police",
    kind=BenefitKind.FISCAL_NONCASHABLE,
    confidence=3,
    source="Local audit 2012, table 4",
    verified=True,
)
HUB_NIGHT = UnitCost(
    "hub_night",
    "Night in refuge",
    Money(6700),
    Y2013,
    "per night",
    "Essex County Council",
    BenefitKind.FISCAL_CASHABLE,
    None,
    "Refuge contract 2013, schedule 2",
    False,
    "Our own figure",
)
# A small index to work by hand: 2012/13 = 80, 2013/14 = 100, 2014/15 = 150.
TOY = UnitCostLibrary(
    {cost.name: cost for cost in (REPEAT_INCIDENT, HUB_NIGHT)},
    {Y2012: Decimal("80"), Y2013: Decimal("100"), Y2014: Decimal("150")},
)


def read(text: str, filename: str = "ours.csv") -> tuple[list[UnitCost], list[Problem]]:
    return read_library_file(text.encode("utf-8"), filename)


def problems_in(*rows: str) -> list[Problem]:
    costs, problems = read("\n".join([HEADER, *rows]) + "\n")
    assert costs == []
    return problems


# Deflating


def test_a_value_is_brought_to_a_later_price_year_by_the_ratio_of_the_deflators() -> None:
    # £1,200.50 in 2012/13 prices, in 2014/15 prices: 120,050p x 150 / 80 = 225,093.75p, rounded to 225,094p.
    assert TOY.value_in("repeat_incident", Y2014) == Money(225094)
    # ... and to an earlier one: £67.00 in 2013/14 prices, in 2012/13 prices: 6,700p x 80 / 100 = 5,360p.
    assert TOY.value_in("hub_night", Y2012) == Money(5360)


def test_a_value_in_its_own_price_year_is_unchanged() -> None:
    assert TOY.value_in("repeat_incident", Y2012) == Money(120050)


def test_an_exact_half_penny_rounds_up_once_at_the_end() -> None:
    # 67p x 150 / 100 = 100.5p: half-up gives 101p (banker's rounding would give 100p).
    library = TOY.merge(
        [UnitCost("stamp", "Stamp", Money(67), Y2013, "each", "Post room", BenefitKind.ECONOMIC, None, "Till", True)]
    )
    assert library.value_in("stamp", Y2014) == Money(101)


def test_the_shipped_domestic_abuse_cost_in_2013_14_prices_is_worked_from_the_treasury_deflators() -> None:
    # £2,470.00 in 2008/09 prices; GDP deflators 2008/09 = 66.8397, 2013/14 = 73.0337 (2024/25 = 100):
    # 247,000p x 73.0337 / 66.8397 = 269,889.36p, which rounds to 269,889p = £2,698.89.
    assert shipped_library().value_in("domestic_abuse_incident", Y2013) == Money(269889)


def test_an_unknown_name_suggests_the_nearest_names() -> None:
    with pytest.raises(NotInLibrary) as raised:
        shipped_library().value_in("domestic_abuse_incidnt", Y2013)
    assert str(raised.value).startswith(
        "'domestic_abuse_incidnt' is not in the unit cost library; did you mean 'domestic_abuse_incident'"
    )
    assert isinstance(raised.value, LookupError)


def test_a_name_like_none_in_the_library_says_where_to_find_the_names() -> None:
    with pytest.raises(LookupError) as raised:
        TOY.get("xyz")
    assert str(raised.value) == "'xyz' is not in the unit cost library. See the names with `wholeplace unit-costs list`"


def test_a_price_year_outside_the_deflator_series_is_refused_with_the_series_range() -> None:
    with pytest.raises(PriceYearNotCovered) as raised:
        TOY.value_in("repeat_incident", FinancialYear(2020))
    assert str(raised.value) == (
        "2020/21 is outside the GDP deflator series, which runs from 2012/13 to 2014/15: use a price year in that range"
    )


def test_a_users_entry_replaces_the_shipped_one_of_the_same_name_and_the_rest_stay() -> None:
    shipped = shipped_library()
    ours = UnitCost(
        "arrest",
        "Arrest (Essex)",
        Money(61000),
        Y2013,
        "per arrest",
        "Essex Police",
        BenefitKind.FISCAL_NONCASHABLE,
        None,
        "Essex Police costing 2013",
        True,
    )
    merged = shipped.merge([ours, HUB_NIGHT])
    assert merged.get("arrest") == ours
    assert merged.get("hub_night") == HUB_NIGHT
    assert merged.get("ae_attendance") == shipped.get("ae_attendance")
    assert len(merged) == len(shipped) + 1
    assert shipped.get("arrest").value == Money(59300)  # the shipped library itself is unchanged


# Reading a library file


def test_a_good_csv_gives_every_unit_cost() -> None:
    assert read(GOOD) == ([REPEAT_INCIDENT, HUB_NIGHT], [])


@pytest.mark.parametrize(
    ("row", "column", "message"),
    [
        (
            "x,X,,2013/14,each,Police,fiscal_cashable,,Audit,yes,",
            "value",
            "Enter the value in pounds, like 2470.00",
        ),
        (
            "x,X,10,2013/15,each,Police,fiscal_cashable,,Audit,yes,",
            "price_year",
            "'2013/15' is not a financial year: 2013/14 follows 2013",
        ),
        (
            "x,X,10,2013,each,Police,fiscal_cashable,,Audit,yes,",
            "price_year",
            "'2013' is not a financial year. Write it like 2013/14",
        ),
        (
            "x,X,10,2013/14,each,Police,cashable,,Audit,yes,",
            "kind",
            "'cashable' is not a kind of benefit. Use one of: fiscal_cashable, fiscal_noncashable, economic, social",
        ),
        (
            "x,X,-£5.00,2013/14,each,Police,fiscal_cashable,,Audit,yes,",
            "value",
            "-£5.00 is below zero: a unit cost must be £0.00 or more",
        ),
        (
            "x,X,10,2013/14,each,Police,fiscal_cashable,7,Audit,yes,",
            "confidence",
            "'7' is not a confidence grade: write a whole number from 1 to 6, or leave it blank",
        ),
        (
            "x,X,10,2013/14,each,Police,fiscal_cashable,,Audit,perhaps,",
            "verified",
            "'perhaps' is not yes or no: write yes if the figure was checked against its source",
        ),
        (
            "Repeat Incident,X,10,2013/14,each,Police,fiscal_cashable,,Audit,yes,",
            "name",
            "'Repeat Incident' is not a name we can use: "
            "write it in lower case with underscores, like domestic_abuse_incident",
        ),
        (
            "x,X,10,2013/14,each,Police,fiscal_cashable,,,yes,",
            "source",
            "Enter the source: the publication, table and year",
        ),
    ],
)
def test_a_bad_row_is_refused_naming_its_row_and_column(row: str, column: str, message: str) -> None:
    assert problems_in(row) == [Problem(f"ours.csv, row 2, column '{column}'", message)]


def test_a_name_listed_twice_is_refused_on_the_second_row() -> None:
    good = "arrest,Arrest,593,2006/07,per incident,Police,fiscal_noncashable,,Audit,yes,"
    assert problems_in(good, "", good) == [
        # Row 3 is blank and skipped, but still counted, so the repeat is on row 4 as a spreadsheet shows it.
        Problem("ours.csv, row 4, column 'name'", "arrest is already on row 2: list each unit cost once")
    ]


def test_every_problem_in_every_row_is_reported_together_and_nothing_is_returned() -> None:
    problems = problems_in(
        "a,A,,2013/14,each,Police,fiscal_cashable,,Audit,yes,",
        "b,B,10,13/14,each,Police,social,,Audit,yes,",
        "c,C,10,2013/14,each,Police,wellbeing,,Audit,yes,",
    )
    assert [problem.where for problem in problems] == [
        "ours.csv, row 2, column 'value'",
        "ours.csv, row 3, column 'price_year'",
        "ours.csv, row 4, column 'kind'",
    ]


def test_missing_and_unknown_columns_are_reported_once_on_the_header_row() -> None:
    costs, problems = read(
        "name,label,value,price_year,unit,agency,source,colour\nx,X,10,2013/14,each,Police,Audit,red\n"
    )
    assert costs == []
    assert problems == [
        Problem("ours.csv, row 1", "The column 'kind' is missing"),
        Problem("ours.csv, row 1", "'colour' is not a column we know. Columns are: " + ", ".join(COLUMNS)),
    ]


def test_a_price_year_outside_the_deflator_series_is_a_problem_when_the_series_is_given() -> None:
    text = f"{HEADER}\nold,Old,10,1998/99,each,Police,fiscal_cashable,,Audit,yes,\n"
    assert read_library_file(text.encode(), "ours.csv", price_years=TOY.deflators.keys())[1] == [
        Problem(
            "ours.csv, row 2, column 'price_year'",
            "1998/99 is outside the GDP deflator series, which runs from 2012/13 to 2014/15: "
            "no value can be brought to or from it",
        )
    ]


@pytest.mark.parametrize(
    ("data", "filename", "message"),
    [
        (b"", "ours.csv", "The file has no unit costs in it"),
        (HEADER.encode(), "ours.csv", "The file has no unit costs in it"),
        ("name\n£".encode("cp1252"), "ours.csv", "The file is not UTF-8 text: save it as CSV UTF-8"),
        (
            b"not a workbook",
            "ours.xlsx",
            "This is not an Excel workbook: save it as .xlsx (Excel Workbook) and try again",
        ),
        (b"anything", "ours.xls", "Save the library as a .csv or .xlsx file"),
    ],
)
def test_a_file_that_cannot_be_read_is_one_problem_naming_the_file(data: bytes, filename: str, message: str) -> None:
    assert read_library_file(data, filename) == ([], [Problem(filename, message)])


def workbook_bytes(rows: list[list[object]]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_an_xlsx_library_reads_as_the_same_unit_costs_as_its_csv() -> None:
    rows: list[list[object]] = [list(row) for row in csv.reader(io.StringIO(GOOD))]
    # Excel holds the values as numbers and the grade as a whole number, as a finance officer would type them.
    rows[1][2], rows[1][7], rows[2][2] = 1200.5, 3, 67
    data = workbook_bytes([[*row, None] for row in rows])  # and an empty column at the right
    assert read_library_file(data, "ours.xlsx") == ([REPEAT_INCIDENT, HUB_NIGHT], [])


def test_an_xlsx_row_problem_names_the_sheet_row_and_column() -> None:
    data = workbook_bytes(
        [HEADER.split(","), [], ["x", "X", -2.5, "2013/14", "each", "Police", "social", None, "Audit"]]
    )
    assert read_library_file(data, "ours.xlsx") == (
        [],
        [Problem("ours.xlsx, row 3, column 'value'", "-£2.50 is below zero: a unit cost must be £0.00 or more")],
    )


# The shipped library


def test_the_shipped_library_loads_and_every_entry_is_verified_and_cited() -> None:
    library = shipped_library()
    assert len(library) == 21
    for cost in library:
        assert cost.verified, cost.name
        assert cost.source.startswith("New Economy, Unit Cost Database v1.4, "), cost.name
        assert cost.price_year in library.deflators, cost.name


def test_the_deflator_series_covers_2005_06_to_2024_25_with_2024_25_as_its_base() -> None:
    deflators = shipped_library().deflators
    assert all(FinancialYear(year) in deflators for year in range(2005, 2025))
    assert deflators[FinancialYear(2024)] == Decimal("100.0000")


def test_the_shipped_domestic_abuse_parts_add_up_to_the_whole_as_the_database_gives_them() -> None:
    library = shipped_library()
    parts = ["health", "criminal_justice", "police", "childrens_services", "housing"]
    # 1,171 + 581 + 415 + 193 + 110 = 2,470
    total = Money.total(library.get(f"domestic_abuse_incident_{part}").value for part in parts)
    assert total == library.get("domestic_abuse_incident").value == Money(247000)


# The command


def run(*args: str) -> tuple[int, str]:
    result = runner.invoke(unit_costs_app, list(args))
    return result.exit_code, result.output


def test_list_as_json_gives_each_value_and_its_value_in_the_price_year_asked_for() -> None:
    code, output = run("list", "--price-year", "2013/14", "--format", "json")
    assert code == 0, output
    arrest = next(row for row in json.loads(output) if row["name"] == "arrest")
    # 59,300p x 73.0337 (2013/14) / 63.2017 (2006/07) = 68,525.03p, so £685.25.
    assert arrest | {"note": ""} == {
        "name": "arrest",
        "label": "Arrest, suspect detained",
        "value": "593.00",
        "price_year": "2006/07",
        "unit": "per incident",
        "agency": "Police",
        "kind": "fiscal_noncashable",
        "confidence": None,
        "source": "New Economy, Unit Cost Database v1.4, Crime sheet, cost code CR7.0",
        "verified": True,
        "note": "",
        "rebased_value": "685.25",
        "rebased_price_year": "2013/14",
    }


def test_list_as_csv_is_a_library_file_that_reads_back_as_the_shipped_set(tmp_path: Path) -> None:
    code, output = run("list", "--format", "csv")
    assert code == 0, output
    costs, problems = read_library_file(output.encode(), "listed.csv")
    assert problems == []
    assert costs == list(shipped_library())


def test_list_as_a_table_shows_the_value_in_the_price_year_asked_for() -> None:
    code, output = run("list", "--price-year", "2013/14")
    assert code == 0, output
    assert "In 2013/14 prices" in output
    assert "£2,698.89" in output  # domestic_abuse_incident, worked above


def test_list_with_a_users_file_says_which_shipped_entries_it_replaces(tmp_path: Path) -> None:
    ours = tmp_path / "ours.csv"
    ours.write_text(
        f"{HEADER}\narrest,Arrest (Essex),610,2013/14,per arrest,Essex Police,fiscal_noncashable,,Essex 2013,yes,\n"
    )
    code, output = run("list", "--file", str(ours), "--format", "json")
    assert code == 0, output
    assert "ours.csv replaces the shipped arrest" in output
    listed = json.loads(output[output.index("[") :])
    assert next(row for row in listed if row["name"] == "arrest")["value"] == "610.00"


def test_show_works_out_the_deflating() -> None:
    code, output = run("show", "domestic_abuse_incident", "--price-year", "2013/14")
    assert code == 0, output
    assert "In 2013/14 prices: £2,470.00 * 73.0337 / 66.8397 = £2,698.89" in output
    assert "cost code CR2.0" in output


def test_show_an_unknown_name_exits_1_with_a_suggestion() -> None:
    code, output = run("show", "arest")
    assert code == 1
    assert "'arest' is not in the unit cost library; did you mean 'arrest'?" in output


def test_a_bad_price_year_exits_1_and_says_how_to_write_one() -> None:
    code, output = run("list", "--price-year", "2013")
    assert code == 1
    assert "--price-year: '2013' is not a financial year. Write it like 2013/14" in output


def test_check_prints_every_problem_with_file_row_and_column_and_exits_1(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text(
        f"{HEADER}\na,A,,2013/14,each,Police,fiscal_cashable,,Audit,yes,\nb,B,10,2013/14,each,Police,cashable,,Audit,yes,\n"
    )
    code, output = run("check", str(bad))
    assert code == 1
    assert "bad.csv, row 2, column 'value': Enter the value in pounds, like 2470.00" in output
    assert "bad.csv, row 3, column 'kind': 'cashable' is not a kind of benefit" in output


def test_check_a_good_xlsx_passes_and_names_the_shipped_entries_it_would_replace(tmp_path: Path) -> None:
    good = tmp_path / "ours.xlsx"
    good.write_bytes(
        workbook_bytes(
            [
                HEADER.split(","),
                ["arrest", "Arrest (Essex)", 610, "2013/14", "each", "Essex Police", "social", None, "Essex 2013"],
            ]
        )
    )
    code, output = run("check", str(good))
    assert code == 0, output
    assert "ours.xlsx: 1 unit cost, no problems" in output
    assert "With --file they replace the shipped arrest" in output


def test_the_table_of_shipped_unit_costs_in_the_docs_is_the_shipped_file() -> None:
    library = shipped_library()
    docs = (Path(__file__).resolve().parents[2] / "docs" / "unit-costs.md").read_text(encoding="utf-8")
    section = docs.split("## The shipped unit costs", 1)[1]
    documented = [line.split(" | ") for line in section.splitlines() if line.startswith("| `")]
    assert [(cells[0].strip("|` "), cells[2], cells[3], cells[4], cells[8].strip(" |")) for cells in documented] == [
        (
            cost.name,
            str(cost.value),
            str(cost.price_year),
            str(library.value_in(cost.name, Y2013)),
            cost.source.rsplit("cost code ", 1)[1],
        )
        for cost in library
    ]
