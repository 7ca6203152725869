"""An agency's extract read through a column mapping: unusable rows listed with reasons, bad files refused whole."""

from __future__ import annotations

from datetime import date

from wholeplace.linkage.extracts import read_extract

TODAY = date(2026, 12, 5)
HEADER = "agency_ref,given_name,surname,other_names,date_of_birth,sex,postcode,address\n"


def test_rows_that_cannot_be_used_are_listed_with_row_column_and_reason() -> None:
    data = (
        HEADER + "A1,Bill,SMITH,,03/04/1980,M,co151ab,1 High St\n"
        ",Mary,Jones,,1980-01-01,F,,\n"
        "A3,Jo,Bloggs,,31/02/1980,F,,\n"
        "A1,Bill,Smith,,03/04/1980,M,,\n"
        "A5,Ann,,,01/01/1970,F,,\n"
    ).encode()
    reading = read_extract(data, "police.csv", agency="essex-police", today=TODAY)
    assert [record.agency_ref for record in reading.records] == ["A1"]
    assert [str(problem) for problem in reading.unusable] == [
        "police.csv, row 3, column 'agency_ref': The agency reference is blank",
        "police.csv, row 4, column 'date_of_birth': '31/02/1980' is not a date we can read. "
        "Write it as 31/12/1980 or 1980-12-31",
        "police.csv, row 5, column 'agency_ref': The agency reference A1 is also on row 2",
        "police.csv, row 6, column 'surname': No surname",
    ]
    assert reading.rows == 5
    assert "4 of 5 rows (80.0%) cannot be used" in str(reading.refused()[0])


def test_a_mapping_reads_an_agencys_own_column_names() -> None:
    data = b"NOMINAL,FORENAME,SURNAME,DOB\nECP1,Liz,Taylor,1961-02-27\n"
    mapping = {"agency_ref": "NOMINAL", "given_name": "Forename", "surname": "SURNAME", "date_of_birth": "DOB"}
    reading = read_extract(data, "police.csv", agency="essex-police", mapping=mapping, today=TODAY)
    (record,) = reading.records
    assert record.key == ("essex-police", "ECP1")
    assert (record.person.given_canonical, record.person.date_of_birth) == ("elizabeth", date(1961, 2, 27))
    assert reading.refused() == []


def test_an_extract_missing_a_mapped_column_is_refused_whole() -> None:
    data = b"NOMINAL,FORENAME,DOB\nECP1,Liz,1961-02-27\n"
    mapping = {"agency_ref": "NOMINAL", "given_name": "FORENAME", "surname": "SURNAME", "date_of_birth": "DOB"}
    reading = read_extract(data, "police.csv", agency="essex-police", mapping=mapping, today=TODAY)
    assert reading.records == ()
    assert [str(problem) for problem in reading.refused()] == [
        "police.csv, row 1: The column 'SURNAME' for the surname is missing"
    ]


def test_a_file_that_is_not_csv_is_refused_with_the_reason() -> None:
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256))
    reading = read_extract(png, "people.csv", agency="x", today=TODAY)
    assert [str(problem) for problem in reading.refused()] == [
        "people.csv: The file is not UTF-8 text: save it as CSV UTF-8"
    ]
    other = read_extract(b"a,b", "people.pdf", agency="x", today=TODAY)
    assert other.refused()[0].message == "Save the extract as a .csv or .xlsx file"


def test_a_mapping_without_a_required_field_names_it() -> None:
    reading = read_extract(b"x\n", "a.csv", agency="x", mapping={"agency_ref": "x", "surname": "s"}, today=TODAY)
    assert [problem.message for problem in reading.refused()] == [
        "Map a column to the given name ('given_name')",
        "Map a column to the date of birth ('date_of_birth')",
    ]


def test_three_percent_unreadable_dates_are_listed_and_the_rest_kept() -> None:
    lines = [HEADER.strip()]
    for number in range(1, 101):
        dob = "not a date" if number % 33 == 0 else f"{number % 28 + 1:02d}/05/1975"
        lines.append(f"R{number},Ann,Lee{number},,{dob},F,CM1 1AA,")
    reading = read_extract("\n".join(lines).encode(), "health.csv", agency="health", today=TODAY)
    assert len(reading.records) == 97 and len(reading.unusable) == 3
    assert [problem.where for problem in reading.unusable] == [
        "health.csv, row 34, column 'date_of_birth'",
        "health.csv, row 67, column 'date_of_birth'",
        "health.csv, row 100, column 'date_of_birth'",
    ]
    assert reading.refused() == []  # 3% is under the 5% that refuses an extract
    assert reading.refused(max_unusable=0.02)[0].message.startswith("3 of 100 rows (3.0%) cannot be used")
