"""Recording indicator figures: one at a time (a revision never overwrites the figure before it), or a whole
file of them, all or nothing.

A file is CSV or xlsx with the columns indicator, area, period and value, and optionally count (the cases a
rate is on), source and received_on. Indicators are named by code or name, areas by ONS code or name,
periods as `2013/14`, `2013/14 Q2` or `2013-07`. Every bad row is reported with its row, column and reason,
and nothing is written unless every row is good.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from wholeplace import audit
from wholeplace.auth.actor import Actor, require
from wholeplace.business_dates import today
from wholeplace.files.numbers import decimal_of, reasonable
from wholeplace.files.tables import Row, Table, read_table
from wholeplace.outcomes.model import Indicator, Measurement
from wholeplace.outcomes.periods import Period, PeriodError
from wholeplace.partners.model import Area
from wholeplace.plain_text import clean_free_text
from wholeplace.problems import InvalidInput, Problem

COLUMNS = ("indicator", "area", "period", "value", "count", "source", "received_on")
REQUIRED = ("indicator", "area", "period", "value")
# Under a billion, to 6 decimal places: 15 significant digits, which SQLite's NUMERIC (a float) holds exactly.
MAX_FIGURE = Decimal(10) ** 9
SIX_PLACES = Decimal("0.000001")


@dataclass(frozen=True)
class Figure:
    """One figure to record, already checked."""

    indicator: Indicator
    area: Area
    period: Period
    value: Decimal
    count: int | None = None
    source: str = ""
    received_on: dt.date | None = None
    note: str = ""


@dataclass(frozen=True)
class ImportReport:
    filename: str
    rows: int
    new: int
    revised: int
    unchanged: int


class Lookup:
    """Indicators by code or name and areas by ONS code or name, read once per import."""

    def __init__(self, session: Session) -> None:
        self.indicators: dict[str, Indicator] = {}
        for indicator in session.scalars(select(Indicator)):
            self.indicators[indicator.code.lower()] = self.indicators[indicator.name.lower()] = indicator
        self.areas: dict[str, Area] = {}
        for area in session.scalars(select(Area)):
            self.areas[area.code.lower()] = self.areas[area.name.lower()] = area

    def indicator(self, text: str) -> Indicator | None:
        return self.indicators.get(text.strip().lower())

    def area(self, text: str) -> Area | None:
        return self.areas.get(text.strip().lower())


def read_figure(lookup: Lookup, values: dict[str, str], where: str) -> tuple[Figure | None, list[Problem]]:
    """A figure from one row's cells (by column), or every problem with it, each naming its column."""
    problems = []

    def refuse(column: str, message: str) -> None:
        problems.append(Problem(f"{where}, column '{column}'", message))

    for column in REQUIRED:
        if not values.get(column, "").strip():
            refuse(column, f"Enter the {column}")
    indicator = lookup.indicator(values.get("indicator", ""))
    if values.get("indicator", "").strip() and indicator is None:
        refuse("indicator", f"'{values['indicator'].strip()}' is not an indicator in any framework")
    area = lookup.area(values.get("area", ""))
    if values.get("area", "").strip() and area is None:
        refuse("area", f"'{values['area'].strip()}' is not an area: give its ONS code (E10000012) or name")
    period = None
    if text := values.get("period", "").strip():
        try:
            period = Period.parse(text)
        except PeriodError as error:
            refuse("period", str(error))
    if indicator is not None and period is not None and period.kind is not indicator.frequency:
        refuse("period", f"{indicator.name} is measured by {indicator.frequency.value}, not by {period.kind.value}")
    if indicator is not None and area is not None and _level(area) not in indicator.geographies.split(","):
        refuse(
            "area",
            f"{indicator.name} is measured for {indicator.geographies.replace(',', ' and ')} areas, "
            f"not for {area.name}",
        )
    value = _number(values.get("value", ""), "value", refuse)
    count = None
    if text := values.get("count", "").strip():
        number = _number(text, "count", refuse)
        if number is not None and (number != number.to_integral() or number < 0):
            refuse("count", "The count must be a whole number of cases, 0 or more")
        elif number is not None:
            count = int(number)
    received = None
    if text := values.get("received_on", "").strip():
        try:
            received = dt.date.fromisoformat(text[:10])
        except ValueError:
            refuse("received_on", f"'{text}' is not a date. Write it like 2013-07-31")
        else:
            if received > today():
                refuse("received_on", "The date received cannot be in the future")
    source, source_problems = clean_free_text(
        values.get("source", ""), where=f"{where}, column 'source'", label="Source", max_length=2000
    )
    problems += source_problems
    if problems or indicator is None or area is None or period is None or value is None:
        return None, problems
    return Figure(indicator, area, period, value, count, source, received), []


def _level(area: Area) -> str:
    """The geography an area is at: a county or unitary authority is the whole area, a district is a district."""
    return "district" if area.kind.value == "district" else "county"


def _number(text: str, column: str, refuse) -> Decimal | None:  # type: ignore[no-untyped-def]
    text = text.strip().replace(",", "")
    if not text:
        return None
    number = decimal_of(text) if reasonable(text) else None
    if number is None:
        refuse(column, f"'{text}' is not a number")
    elif abs(number) >= MAX_FIGURE:
        refuse(column, f"{text} is too large: figures must be under 1,000,000,000")
        return None
    else:
        # Figures are held to 6 decimal places; rounded here, so the same figure read again is the same figure.
        return number.quantize(SIX_PLACES, rounding=ROUND_HALF_UP)
    return None


def record(session: Session, actor: Actor, figure: Figure) -> Measurement | None:
    """Record a figure: new, or a revision of the figure held for its period (kept, no longer current).

    A figure equal to the one held changes nothing and returns None.
    """
    require(actor, "outcomes.measure", object_type="measurement")
    held = session.scalar(
        select(Measurement).where(
            Measurement.indicator_id == figure.indicator.id,
            Measurement.area_id == figure.area.id,
            Measurement.period_start == figure.period.starts,
            Measurement.period_kind == figure.period.kind,
            Measurement.current.is_(True),
        )
    )
    if held is not None and held.value == figure.value and held.count == figure.count:
        return None
    if held is not None:
        session.execute(update(Measurement).where(Measurement.id == held.id).values(current=False))
    measurement = Measurement(
        indicator_id=figure.indicator.id,
        area_id=figure.area.id,
        period_start=figure.period.starts,
        period_kind=figure.period.kind,
        value=figure.value,
        count=figure.count,
        source=figure.source,
        received_on=figure.received_on or today(),
        revision=held.revision + 1 if held else 1,
        note=figure.note,
        recorded_by=actor.label,
    )
    session.add(measurement)
    return measurement


def import_measurements(session: Session, actor: Actor, *, data: bytes, filename: str) -> ImportReport:
    """Every row of a file, or nothing: each bad row is refused with its row, column and reason."""
    require(actor, "outcomes.measure", object_type="measurement")
    table, problems = read_table(data, filename, what="the measurements")
    if problems:
        raise InvalidInput(problems)
    return import_table(session, actor, table)


def import_table(session: Session, actor: Actor, table: Table) -> ImportReport:
    """The rows of a table already read (a file, or figures built in code), all or nothing."""
    require(actor, "outcomes.measure", object_type="measurement")
    filename = table.filename
    if problems := table.header_problems(REQUIRED, COLUMNS):
        raise InvalidInput(problems)
    if not table.rows:
        raise InvalidInput([Problem(filename, "The file has no rows of figures")])
    figures, problems = _figures(session, table)
    if problems:
        raise InvalidInput(problems)
    new = revised = unchanged = 0
    for figure in figures:
        measurement = record(session, actor, figure)
        if measurement is None:
            unchanged += 1
        elif measurement.revision == 1:
            new += 1
        else:
            revised += 1
    session.flush()
    audit.record(
        session,
        actor,
        "measurements.imported",
        object_type="measurement",
        filename=filename,
        rows=len(table.rows),
        new=new,
        revised=revised,
        unchanged=unchanged,
    )
    return ImportReport(filename, len(table.rows), new, revised, unchanged)


def _figures(session: Session, table: Table) -> tuple[list[Figure], list[Problem]]:
    lookup = Lookup(session)
    figures: list[Figure] = []
    problems: list[Problem] = []
    seen: dict[tuple[int, int, Period], int] = {}
    for row in table.rows:
        figure, row_problems = read_figure(lookup, table.values(row), table.where(row.number))
        problems += row_problems
        if figure is not None:
            key = (figure.indicator.id, figure.area.id, figure.period)
            if key in seen:
                problems.append(_repeat(table, row, seen[key]))
            seen[key] = row.number
            figures.append(figure)
    return figures, problems


def _repeat(table: Table, row: Row, first: int) -> Problem:
    return Problem(table.where(row.number), f"This indicator, area and period is already given in row {first}")


def history(session: Session, actor: Actor, *, indicator_id: int, area_id: int) -> Sequence[Measurement]:
    """Every figure for an indicator in an area, revisions too, oldest period first, newest revision first."""
    require(actor, "outcomes.view", object_type="measurement")
    return session.scalars(
        select(Measurement)
        .where(Measurement.indicator_id == indicator_id, Measurement.area_id == area_id)
        .order_by(Measurement.period_start, Measurement.period_kind, Measurement.revision.desc())
    ).all()
