"""An agency's extract of people (CSV or xlsx) read through a column mapping into standardised records.

A file that cannot be read, or that lacks a mapped column, is refused whole. A row that cannot be used
(no reference, a reference given twice, no surname, an unreadable date of birth) is held back and listed
with its row, column and reason, never dropped silently; the caller decides whether the rest may go in
(`ExtractReading.refused` when too large a share is unusable). Pure: no database, no clock.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from wholeplace.files.tables import Row, Table, read_table
from wholeplace.files.workbooks import SheetLimits
from wholeplace.linkage.standardise import DateReader, Person, Unreadable, standardise
from wholeplace.problems import Problem

FIELDS = ("agency_ref", "given_name", "surname", "other_names", "date_of_birth", "sex", "postcode", "address")
REQUIRED_FIELDS = ("agency_ref", "given_name", "surname", "date_of_birth")
FIELD_NAMES = {
    "agency_ref": "agency reference",
    "given_name": "given name",
    "surname": "surname",
    "other_names": "other names",
    "date_of_birth": "date of birth",
    "sex": "sex",
    "postcode": "postcode",
    "address": "address",
}
EXTRACT_LIMITS = SheetLimits(rows=2_000_000, columns=200)
# Above this share of unusable rows an extract is refused whole: it is more likely the wrong file or a
# mapping mistake than a few bad rows, and linking the rest would hide that.
DEFAULT_MAX_UNUSABLE = 0.05


@dataclass(frozen=True)
class SourceRecord:
    """One usable row: where it came from and the person it describes."""

    agency: str
    agency_ref: str
    row: int
    person: Person

    @property
    def key(self) -> tuple[str, str]:
        return (self.agency, self.agency_ref)


@dataclass(frozen=True)
class ExtractReading:
    """What one file gave: its usable records, its unusable rows with reasons, and problems that refuse it."""

    filename: str
    agency: str
    records: tuple[SourceRecord, ...]
    unusable: tuple[Problem, ...]
    problems: tuple[Problem, ...] = field(default=())
    rows: int = 0

    @property
    def unusable_share(self) -> float:
        return len(self.unusable) / self.rows if self.rows else 0.0

    def refused(self, max_unusable: float = DEFAULT_MAX_UNUSABLE) -> list[Problem]:
        """Every reason the extract may not be imported: file problems, or too many unusable rows."""
        if self.problems:
            return list(self.problems)
        if self.rows == 0:
            return [Problem(self.filename, "The extract has no rows of people")]
        if self.unusable_share > max_unusable:
            return [
                Problem(
                    self.filename,
                    f"{len(self.unusable):,} of {self.rows:,} rows ({self.unusable_share:.1%}) cannot be used, "
                    f"more than the {max_unusable:.0%} allowed: check the column mapping and the file",
                )
            ]
        return []


def default_mapping() -> dict[str, str]:
    """Each field read from the column of the same name."""
    return {name: name for name in FIELDS}


def mapping_problems(mapping: Mapping[str, str], where: str) -> list[Problem]:
    """A mapping must name a column for every required field and only fields we know."""
    problems = [
        Problem(where, f"Map a column to the {FIELD_NAMES[name]} ('{name}')")
        for name in REQUIRED_FIELDS
        if not mapping.get(name)
    ]
    return problems + [
        Problem(where, f"'{name}' is not a field we know. Fields are: " + ", ".join(FIELDS))
        for name in mapping
        if name not in FIELDS
    ]


class RowReader:
    """Reads rows of one table; remembers which date format the agency uses, so most rows parse at once."""

    def __init__(self, table: Table, mapping: Mapping[str, str], agency: str, today: date) -> None:
        self.table = table
        self.agency = agency
        self.dates = DateReader(today)
        self.columns = {name: table.header.index(column.strip().lower()) for name, column in mapping.items()}
        self.seen: dict[str, int] = {}

    def value(self, row: Row, name: str) -> str | None:
        index = self.columns.get(name)
        if index is None or index >= len(row.cells):
            return None
        return row.cells[index].strip() or None

    def read(self, row: Row) -> SourceRecord | Problem:
        """The row as a record, or the one reason it cannot be used."""
        column = self.table.header[self.columns["agency_ref"]]
        reference = self.value(row, "agency_ref")
        if reference is None:
            return Problem(self.table.where(row.number, column), "The agency reference is blank")
        if reference in self.seen:
            return Problem(
                self.table.where(row.number, column),
                f"The agency reference {reference} is also on row {self.seen[reference]}",
            )
        self.seen[reference] = row.number
        values = {name: self.value(row, name) for name in FIELDS if name != "agency_ref"}
        try:
            person = standardise(**values, dates=self.dates)
        except Unreadable as error:
            column = self.table.header[self.columns["date_of_birth"]]
            return Problem(self.table.where(row.number, column), str(error))
        if person.surname is None:
            return Problem(self.table.where(row.number, self.table.header[self.columns["surname"]]), "No surname")
        if person.given_name is None and person.date_of_birth is None:
            return Problem(
                self.table.where(row.number),
                "Neither a given name nor a date of birth: too little to find the person by",
            )
        return SourceRecord(self.agency, reference, row.number, person)


def read_extract(
    data: bytes, filename: str, *, agency: str, mapping: Mapping[str, str] | None = None, today: date
) -> ExtractReading:
    """Read one agency's file. A missing mapped column or an unreadable file refuses it whole."""
    mapping = dict(mapping or default_mapping())
    if problems := mapping_problems(mapping, filename):
        return ExtractReading(filename, agency, (), (), tuple(problems))
    table, problems = read_table(data, filename, what="the extract", limits=EXTRACT_LIMITS)
    if problems:
        return ExtractReading(filename, agency, (), (), tuple(problems))
    missing = [
        Problem(table.where(1), f"The column '{column}' for the {FIELD_NAMES[name]} is missing")
        for name, column in mapping.items()
        if column and column.strip().lower() not in table.header
    ]
    if missing:
        return ExtractReading(filename, agency, (), (), tuple(missing), rows=len(table.rows))
    reader = RowReader(table, {name: column for name, column in mapping.items() if column}, agency, today)
    records: list[SourceRecord] = []
    unusable: list[Problem] = []
    for row in table.rows:
        outcome = reader.read(row)
        (records if isinstance(outcome, SourceRecord) else unusable).append(outcome)  # type: ignore[arg-type]
    return ExtractReading(filename, agency, tuple(records), tuple(unusable), rows=len(table.rows))
