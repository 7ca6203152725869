"""Importing indicator figures from CSV and xlsx on both databases, all or nothing: counts of new, revised and
unchanged figures; a revision kept beside the figure it revises; every bad row refused with its row, column
and reason and nothing written; and `wholeplace outcomes import` saying the same at the console."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from tests.factories import make_organisation
from wholeplace.audit import unit_of_work
from wholeplace.auth.actor import Actor
from wholeplace.cli import app
from wholeplace.db import session_factory
from wholeplace.demo.load import load_areas
from wholeplace.outcomes.frameworks import load_framework
from wholeplace.outcomes.measurements import ImportReport, history, import_measurements
from wholeplace.outcomes.model import Indicator, Measurement
from wholeplace.partners.model import Area, OrganisationKind
from wholeplace.problems import InvalidInput
from wholeplace.settings import get_settings

FRAMEWORK = """\
code: safer-essex
name: Safer Essex community safety
owner: Essex Police
outcomes:
  - name: Less crime
    indicators:
      - code: all-crime
        name: All crime
        unit: crimes
        higher_is_better: false
        frequency: year
  - name: Reducing domestic abuse
    indicators:
      - code: repeat-da-victims
        name: Repeat victims of domestic abuse at MARAC
        numerator: Repeat cases heard at MARAC
        denominator: Cases heard at MARAC
        unit: "% of MARAC cases"
        higher_is_better: false
        frequency: quarter
        minimum_count: 15
"""
HEADER = "indicator,area,period,value,count,source,received_on\n"
# Three figures as Essex Police and the MARAC coordinator send them: indicators by code or by name, areas by
# name or ONS code (E07000076 is Tendring), a count with a thousands separator, a rate with the cases it is on.
GOOD = (
    HEADER
    + 'all-crime,Essex,2012/13,"92,181",,Essex Police recorded crime,2013-05-02\n'
    + "All crime,E07000076,2012/13,8143,,Essex Police recorded crime,2013-05-02\n"
    + "repeat-da-victims,Tendring,2013/14 Q2,24.5,49,Essex MARAC return,2013-10-21\n"
)


def make_framework(session: Session) -> None:
    load_areas(session)
    make_organisation(session, "Essex Police", "XX-WHOLEPLACE-ESSEX-POLICE", OrganisationKind.POLICE_FORCE)
    load_framework(session, Actor.console(), text=FRAMEWORK, filename="safer-essex.yaml")


@pytest.fixture
def place(session: Session) -> Session:
    make_framework(session)
    return session


def import_csv(session: Session, text: str, filename: str = "figures.csv") -> ImportReport:
    return import_measurements(session, Actor.console(), data=text.encode(), filename=filename)


def measurements_held(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Measurement)) or 0


def figures_of(session: Session, code: str, area: str) -> list[tuple[str, Decimal, int | None, int, bool]]:
    """Every figure held for an indicator in an area: (period, value, count, revision, current)."""
    indicator = session.scalars(select(Indicator).where(Indicator.code == code)).one()
    where = session.scalars(select(Area).where(Area.name == area)).one()
    return [
        (str(item.period), item.value, item.count, item.revision, item.current)
        for item in history(session, Actor.console(), indicator_id=indicator.id, area_id=where.id)
    ]


def test_a_good_csv_is_imported_with_every_figure_new(place: Session) -> None:
    report = import_csv(place, GOOD)
    assert report == ImportReport("figures.csv", rows=3, new=3, revised=0, unchanged=0)
    assert figures_of(place, "all-crime", "Essex") == [("2012/13", Decimal(92181), None, 1, True)]
    assert figures_of(place, "all-crime", "Tendring") == [("2012/13", Decimal(8143), None, 1, True)]
    # 2013/14 Q2 is July to September 2013
    assert figures_of(place, "repeat-da-victims", "Tendring") == [("2013/14 Q2", Decimal("24.5"), 49, 1, True)]
    received = place.scalars(select(Measurement.received_on).order_by(Measurement.id)).all()
    assert received == [dt.date(2013, 5, 2), dt.date(2013, 5, 2), dt.date(2013, 10, 21)]


def test_an_xlsx_workbook_is_imported_like_a_csv(place: Session) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["Indicator", "Area", "Period", "Value", "Count", "Source", "Received_on"])
    sheet.append(["all-crime", "Essex", "2012/13", 92181, None, "Essex Police", dt.datetime(2013, 5, 2)])
    sheet.append(["repeat-da-victims", "Tendring", "2013/14 Q2", 24.5, 49, "Essex MARAC return", "2013-10-21"])
    sheet.append(["repeat-da-victims", "Tendring", "2013/14 Q3", 22.7, 44, "Essex MARAC return", "2014-01-20"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    report = import_measurements(place, Actor.console(), data=buffer.getvalue(), filename="marac-returns.xlsx")
    assert report == ImportReport("marac-returns.xlsx", rows=3, new=3, revised=0, unchanged=0)
    # 24.5 and 22.7 are read as the text a person typed, never through float arithmetic
    assert figures_of(place, "repeat-da-victims", "Tendring") == [
        ("2013/14 Q2", Decimal("24.5"), 49, 1, True),
        ("2013/14 Q3", Decimal("22.7"), 44, 1, True),
    ]
    assert figures_of(place, "all-crime", "Essex") == [("2012/13", Decimal(92181), None, 1, True)]


def test_importing_the_same_file_again_changes_nothing(place: Session) -> None:
    import_csv(place, GOOD)
    assert import_csv(place, GOOD) == ImportReport("figures.csv", rows=3, new=0, revised=0, unchanged=3)
    assert measurements_held(place) == 3


def test_a_changed_figure_is_revision_2_and_revision_1_is_kept_but_no_longer_current(place: Session) -> None:
    import_csv(place, GOOD)
    # A recording audit adds 112 crimes to Tendring's 2012/13: 8,143 + 112 = 8,255. The MARAC figure is
    # re-sent with the same rate but one more case heard (49 -> 50), which is a revision too.
    revised = (
        HEADER
        + 'all-crime,Essex,2012/13,"92,181",,Essex Police recorded crime,2013-05-02\n'
        + "all-crime,Tendring,2012/13,8255,,Essex Police after the recording audit,2013-06-14\n"
        + "repeat-da-victims,Tendring,2013/14 Q2,24.5,50,Essex MARAC return,2013-10-28\n"
    )
    assert import_csv(place, revised, "revised.csv") == ImportReport("revised.csv", 3, new=0, revised=2, unchanged=1)
    # newest revision first within a period
    assert figures_of(place, "all-crime", "Tendring") == [
        ("2012/13", Decimal(8255), None, 2, True),
        ("2012/13", Decimal(8143), None, 1, False),
    ]
    assert figures_of(place, "repeat-da-victims", "Tendring") == [
        ("2013/14 Q2", Decimal("24.5"), 50, 2, True),
        ("2013/14 Q2", Decimal("24.5"), 49, 1, False),
    ]
    assert figures_of(place, "all-crime", "Essex") == [("2012/13", Decimal(92181), None, 1, True)]
    assert measurements_held(place) == 5


GOOD_ROWS = (
    HEADER
    + "all-crime,Essex,2012/13,92181,,Essex Police recorded crime,2013-05-02\n"
    + "all-crime,Tendring,2012/13,8143,,Essex Police recorded crime,2013-05-02\n"
)


@pytest.mark.parametrize(
    ("last_row", "problem"),
    [
        pytest.param(
            "violent-crime,Essex,2012/13,31000,,,",
            "figures.csv, row 4, column 'indicator': 'violent-crime' is not an indicator in any framework",
            id="unknown indicator",
        ),
        pytest.param(
            "all-crime,Southend,2012/13,16950,,,",
            "figures.csv, row 4, column 'area': 'Southend' is not an area: give its ONS code (E10000012) or name",
            id="unknown area",
        ),
        pytest.param(
            "all-crime,Basildon,2013-14,14120,,,",
            "figures.csv, row 4, column 'period': '2013-14' is not a period. Write a financial year as 2013/14",
            id="financial year written with a hyphen",
        ),
        pytest.param(
            "repeat-da-victims,Basildon,Q2 2013,26.1,31,,",
            "figures.csv, row 4, column 'period': 'Q2 2013' is not a period. Write a financial year (2013/14), "
            "a quarter (2013/14 Q2) or a month (2013-07 or Jul 2013)",
            id="quarter written the calendar way",
        ),
        pytest.param(
            "all-crime,Basildon,2013/14 Q2,3560,,,",
            "figures.csv, row 4, column 'period': All crime is measured by year, not by quarter",
            id="period of the wrong frequency",
        ),
        pytest.param(
            "all-crime,Basildon,2012/13,n/a,,,",
            "figures.csv, row 4, column 'value': 'n/a' is not a number",
            id="value n/a",
        ),
        pytest.param(
            "all-crime,Basildon,2012/13,1e999,,,",
            "figures.csv, row 4, column 'value': '1e999' is not a number",
            id="value 1e999",
        ),
        pytest.param(
            "all-crime,Basildon,2012/13,1e18,,,",
            "figures.csv, row 4, column 'value': 1e18 is too large: figures must be under 1,000,000,000",
            id="value past the largest figure",
        ),
        pytest.param(
            "repeat-da-victims,Basildon,2013/14 Q2,26.1,30.5,,",
            "figures.csv, row 4, column 'count': The count must be a whole number of cases, 0 or more",
            id="count not whole",
        ),
        pytest.param(
            "all-crime,Basildon,2012/13,,,,",
            "figures.csv, row 4, column 'value': Enter the value",
            id="value missing",
        ),
        pytest.param(
            # the same indicator, area and period as row 2, named differently
            "All crime,E10000012,2012/13,92200,,,",
            "figures.csv, row 4: This indicator, area and period is already given in row 2",
            id="the same figure twice",
        ),
    ],
)
def test_a_file_whose_last_row_is_bad_is_refused_naming_row_column_and_reason_and_nothing_is_written(
    place: Session, last_row: str, problem: str
) -> None:
    import_csv(place, GOOD)  # figures held already, which a bad file must not revise either
    before = measurements_held(place)
    with pytest.raises(InvalidInput) as refused:
        # Tendring's row would revise 8,143 to 8,255 if the file were good
        import_csv(place, GOOD_ROWS.replace("8143", "8255") + last_row + "\n")
    assert [str(item) for item in refused.value.problems] == [problem]
    assert measurements_held(place) == before == 3
    assert figures_of(place, "all-crime", "Tendring") == [("2012/13", Decimal(8143), None, 1, True)]


def test_every_bad_row_is_reported_together(place: Session) -> None:
    text = (
        HEADER
        + "all-crime,Essex,2012/13,92181,,,\n"
        + "all-crime,Southend,2012/13,n/a,,,\n"
        + "\n"  # a blank row keeps its number, as the spreadsheet shows it
        + "repeat-da-victims,Tendring,2013/14 Q5,24.5,49,,2099-01-01\n"
    )
    with pytest.raises(InvalidInput) as refused:
        import_csv(place, text)
    assert [str(item) for item in refused.value.problems] == [
        "figures.csv, row 3, column 'area': 'Southend' is not an area: give its ONS code (E10000012) or name",
        "figures.csv, row 3, column 'value': 'n/a' is not a number",
        "figures.csv, row 5, column 'period': '2013/14 Q5' is not a period. Write a financial year (2013/14), "
        "a quarter (2013/14 Q2) or a month (2013-07 or Jul 2013)",
        "figures.csv, row 5, column 'received_on': The date received cannot be in the future",
    ]
    assert measurements_held(place) == 0


def test_a_file_without_the_value_column_is_refused_before_any_row(place: Session) -> None:
    with pytest.raises(InvalidInput) as refused:
        import_csv(place, "indicator,area,period,figure\nall-crime,Essex,2012/13,92181\n")
    assert [str(item) for item in refused.value.problems] == [
        "figures.csv, row 1: The column 'value' is missing",
        "figures.csv, row 1: 'figure' is not a column we know. "
        "Columns are: indicator, area, period, value, count, source, received_on",
    ]
    assert measurements_held(place) == 0


# The command

runner = CliRunner()


@pytest.fixture
def database(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Iterator[Engine]:
    """The framework in the test database, and the command pointed at it."""
    with unit_of_work(session_factory(engine)) as session:
        make_framework(session)
    monkeypatch.setenv("WHOLEPLACE_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    get_settings.cache_clear()
    yield engine
    get_settings.cache_clear()


def held(engine: Engine) -> int:
    with engine.connect() as connection:
        return connection.execute(select(func.count()).select_from(Measurement)).scalar_one()


def test_the_import_command_refuses_a_bad_file_row_by_row_and_exits_1(database: Engine, tmp_path: Path) -> None:
    bad = tmp_path / "march.csv"
    bad.write_text(
        HEADER
        + "all-crime,Essex,2012/13,92181,,,\n"
        + "all-crime,Southend,2012/13,16950,,,\n"
        + "all-crime,Basildon,2012/13,n/a,,,\n"
    )
    result = runner.invoke(app, ["outcomes", "import", str(bad)])
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        "march.csv, row 3, column 'area': 'Southend' is not an area: give its ONS code (E10000012) or name",
        "march.csv, row 4, column 'value': 'n/a' is not a number",
    ]
    assert held(database) == 0


def test_the_import_command_reports_what_a_good_file_changed(database: Engine, tmp_path: Path) -> None:
    good = tmp_path / "march.csv"
    good.write_text(GOOD)
    result = runner.invoke(app, ["outcomes", "import", str(good)])
    assert (result.exit_code, result.output) == (
        0,
        "Imported march.csv: 3 rows, 3 new, 0 revised (the figures before are kept), 0 unchanged\n",
    )
    assert held(database) == 3


def test_a_figure_for_an_area_the_indicator_is_not_measured_for_is_refused(place: Session) -> None:
    # the MARAC indicator is made county-wide only: a figure for Tendring (a district) has no place in it
    marac = place.scalars(select(Indicator).where(Indicator.code == "repeat-da-victims")).one()
    marac.geographies = "county"
    place.flush()
    before = place.scalar(select(func.count()).select_from(Measurement))
    with pytest.raises(InvalidInput) as refused:
        import_csv(
            place,
            HEADER + "repeat-da-victims,Essex,2013/14 Q2,24.5,310,,\nrepeat-da-victims,Tendring,2013/14 Q2,24.5,49,,\n",
        )
    assert [str(problem) for problem in refused.value.problems] == [
        "figures.csv, row 3, column 'area': Repeat victims of domestic abuse at MARAC is measured for county areas, "
        "not for Tendring"
    ]
    assert place.scalar(select(func.count()).select_from(Measurement)) == before
