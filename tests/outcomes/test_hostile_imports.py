"""The outcomes importers against hostile files, on both databases: measurements (CSV and xlsx), framework files
and payment-by-results records. Whatever comes in (binary, empty, formulas, right-to-left and zero-width
characters, 1e309, NaN, -0, three decimal places, YAML tags and anchors, deep nesting), an import either
succeeds or is refused with problems naming where; never a traceback, never a partial write.

Each importer is walked over a fixed list of nasty files and over files hypothesis writes from nasty parts,
and the test counts what it walked."""

from __future__ import annotations

import io
from collections.abc import Callable
from functools import partial

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from wholeplace.auth.actor import Actor
from wholeplace.demo.outcomes import DATA
from wholeplace.outcomes import frameworks, measurements, scheme_files
from wholeplace.outcomes.model import CohortMember, Framework, Indicator, Measurement, OutcomeRecord, Scheme
from wholeplace.problems import InvalidInput

CONSOLE = Actor.console()
CELLS = [
    "all-crime", "All crime", "Essex", "E07000076", "Tendring", "2010/11", "2013/14 Q2", "2013-07", "Jul 2013",
    "97650", "-0", "1e309", "NaN", "Infinity", "0.1234567", "12.345", "1,234", "=SUM(A1:A9)", "+1", "@cmd",
    "\u202etnemucod", "zero\u200bwidth", "\ufeff", "\x00", "'", '"', "", " ", "9" * 70, "١٢٣", "2013/15",
    "member", "outcome", "relapse", "FA-2025-000001", "SYN-P-1", "2026-01-05", "work", "crime-school",
]  # fmt: skip
NASTY_FILES: list[tuple[str, bytes]] = [
    ("empty.csv", b""),
    ("binary.csv", bytes(range(256)) * 4),
    ("latin1.csv", "indicator,area,period,value\nall-crime,Essex,2010/11,97650 \xa3\n".encode("latin-1")),
    ("header-only.csv", b"indicator,area,period,value\n"),
    ("quotes.csv", b'indicator,area,period,value\n"all-crime,Essex,2010/11,97650\n'),
    ("not-a-workbook.xlsx", b"PK\x03\x04 this is not a zip"),
    ("measurements.txt", b"indicator,area,period,value\n"),
]


def counts(session: Session) -> tuple[int, ...]:
    return tuple(
        session.scalar(select(func.count()).select_from(model)) or 0
        for model in (Measurement, Framework, Indicator, CohortMember, OutcomeRecord)
    )


def attempt(session: Session, run: Callable[[], object]) -> bool:
    """Run an import inside a savepoint; True if it was refused, with nothing written."""
    before = counts(session)
    savepoint = session.begin_nested()
    try:
        run()
    except InvalidInput as refused:
        assert refused.problems and all(problem.message for problem in refused.problems)
        savepoint.rollback()
        assert counts(session) == before  # nothing half written
        return True
    savepoint.rollback()  # a good import is rolled back too, so every example starts from the same place
    return False


def csv_of(rows: list[list[str]]) -> bytes:
    header = "indicator,area,period,value,count,source,received_on\n"
    return (
        header + "".join(",".join(f'"{c}"' if "," in c or '"' in c else c for c in row) + "\n" for row in rows)
    ).encode("utf-8", errors="surrogatepass")


def xlsx_of(rows: list[list[str]]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["indicator", "area", "period", "value"])
    for row in rows:
        sheet.append([cell.replace("\x00", "") for cell in row[:4]])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@pytest.fixture
def place(demo_session: Session) -> Session:
    return demo_session


def test_nasty_measurement_files_are_refused_cleanly(place: Session) -> None:
    walked = 0
    for filename, data in NASTY_FILES:
        refused = attempt(
            place, partial(measurements.import_measurements, place, CONSOLE, data=data, filename=filename)
        )
        assert refused, filename
        walked += 1
    assert walked == len(NASTY_FILES) == 7
    # a byte order mark, as Excel writes CSV UTF-8, is not nasty: the figure is the one held, so nothing changes
    bom = "\ufeffindicator,area,period,value\nall-crime,Essex,2010/11,97650\n".encode()
    report = measurements.import_measurements(place, CONSOLE, data=bom, filename="bom.csv")
    assert (report.rows, report.unchanged) == (1, 1)


rows = st.lists(st.lists(st.sampled_from(CELLS), min_size=4, max_size=7), min_size=1, max_size=6)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(table=rows, as_xlsx=st.booleans())
def test_measurement_files_made_of_nasty_cells_import_or_are_refused_whole(
    place: Session, table: list[list[str]], as_xlsx: bool
) -> None:
    data, name = (xlsx_of(table), "figures.xlsx") if as_xlsx else (csv_of(table), "figures.csv")
    attempt(place, lambda: measurements.import_measurements(place, CONSOLE, data=data, filename=name))


YAML_ATTACKS = [
    "!!python/object/apply:os.system ['echo hacked']",
    "a: &a [1, 2]\nb: &b [*a, *a]\nc: [*b, *b]\n",
    "[" * 200 + "]" * 200,
    "code: x\nname: y\noutcomes: " + "{" * 100 + "}" * 100,
    "\x00\x01\x02",
    "code: ok\nname: ok\noutcomes: [{name: o, indicators: [{code: i, name: i, unit: u, higher_is_better: "
    "true, frequency: year, baselines: [{area: Essex, period: 2010/11, value: 1e309}]}]}]\n",
    "code: ok\nname: ok\noutcomes: [{name: o, indicators: [{code: i, name: i, unit: u, higher_is_better: "
    "true, frequency: year, targets: [{area: Essex, period: 2010/11, value: .nan}]}]}]\n",
]


def test_hostile_framework_files_are_refused_naming_where(place: Session) -> None:
    walked = 0
    for text in YAML_ATTACKS:
        assert attempt(place, partial(frameworks.load_framework, place, CONSOLE, text=text, filename="f.yaml")), text
        walked += 1
    assert walked == len(YAML_ATTACKS) == 7


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(table=st.lists(st.lists(st.sampled_from(CELLS), min_size=3, max_size=7), min_size=1, max_size=6))
def test_records_files_made_of_nasty_cells_import_or_are_refused_whole(place: Session, table: list[list[str]]) -> None:
    scheme = place.scalars(select(Scheme).where(Scheme.code == "families-pbr")).one()
    header = "record,unit,person,date,outcome,source,case_reference\n"
    data = (header + "".join(",".join(row) + "\n" for row in table)).encode("utf-8", errors="surrogatepass")
    attempt(
        place,
        lambda: scheme_files.import_records(place, CONSOLE, scheme=scheme, data=data, filename="records.csv"),
    )


def test_the_demo_scheme_file_with_a_python_tag_is_refused(place: Session) -> None:
    text = (DATA / "families-pbr.yaml").read_text(encoding="utf-8") + "extra: !!python/name:os.system\n"
    assert attempt(place, lambda: scheme_files.load_scheme(place, CONSOLE, text=text, filename="scheme.yaml"))
