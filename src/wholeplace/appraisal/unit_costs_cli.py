"""The `wholeplace unit-costs` commands: list the library, show one unit cost, check a library file."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from wholeplace.appraisal.unit_costs import (
    COLUMNS,
    UnitCost,
    UnitCostLibrary,
    read_library_file,
    shipped_library,
)
from wholeplace.cli_support import err, financial_year_option, out, print_whole, read_bytes, refuse
from wholeplace.files.csv_writer import CsvValue, csv_dicts
from wholeplace.money import FinancialYear, Money
from wholeplace.problems import Problem

unit_costs_app = typer.Typer(
    help="The unit cost library: named unit costs with their sources, brought to a price year.", no_args_is_help=True
)


class ListFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


PriceYear = Annotated[
    str | None, typer.Option("--price-year", help="Also show each value in this financial year's prices, like 2013/14")
]
LibraryFile = Annotated[
    Path | None,
    typer.Option(
        "--file",
        exists=True,
        dir_okay=False,
        readable=True,
        help="Your own library (CSV or xlsx); its entries replace shipped ones of the same name",
    ),
]
REBASED = ("rebased_value", "rebased_price_year")


@unit_costs_app.command("list")
def list_unit_costs(
    price_year: PriceYear = None,
    format: Annotated[ListFormat, typer.Option(help="How to print it: table, json or csv")] = ListFormat.table,
    file: LibraryFile = None,
) -> None:
    """Every unit cost, with its price year, unit, agency, kind and source.

    `--format csv` without `--price-year` writes a library file that `check` and `--file` accept.
    """
    library = merged_library(file)
    year = financial_year_option(price_year, "--price-year")
    rows = [_row(library, cost, year) for cost in library]
    if format is ListFormat.json:
        as_json = [_json(row) | {"verified": cost.verified} for row, cost in zip(rows, library, strict=True)]
        typer.echo(json.dumps(as_json, indent=2, ensure_ascii=False))
    elif format is ListFormat.csv:
        typer.echo(_csv(rows, year), nl=False)
    else:
        print_whole(_table(library, year))


@unit_costs_app.command("show")
def show(
    name: Annotated[str, typer.Argument(help="The unit cost's name, like domestic_abuse_incident")],
    price_year: PriceYear = None,
    file: LibraryFile = None,
) -> None:
    """One unit cost in full, and with `--price-year` the deflating worked out."""
    library = merged_library(file)
    year = financial_year_option(price_year, "--price-year")
    try:
        cost = library.get(name)
        rebased = library.value_in(name, year) if year else None
    except LookupError as error:
        refuse([Problem("", str(error))])
    table = Table("", "", show_header=False, box=None, title=escape(cost.label))
    for field, value in (_row(library, cost, None) | {"value": str(cost.value)}).items():
        table.add_row(field.replace("_", " ").capitalize(), escape(str(value or "")))
    out.print(table)
    if year and rebased is not None:
        index_from, index_to = library.deflator(cost.price_year), library.deflator(year)
        out.print(
            f"In {year} prices: {cost.value} * {index_to} / {index_from} = {rebased}\n"
            f"(GDP deflator index for {year} / index for {cost.price_year}; {escape(library.deflator_source)})",
            highlight=False,
        )


@unit_costs_app.command("check")
def check(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True, help="A library, CSV or xlsx")],
) -> None:
    """Check a library file: every problem with its row and column, exit 1 if there is any.

    Columns: name, label, value, price_year, unit, agency, kind, source (required); confidence, verified, note.
    """
    shipped = shipped_library()
    costs, problems = read_library_file(read_bytes(file), file.name, price_years=shipped.deflators.keys())
    if problems:
        refuse(problems)
    count = f"{len(costs)} unit cost" + ("" if len(costs) == 1 else "s")
    out.print(f"{escape(file.name)}: {count}, no problems", highlight=False)
    replaced = sorted(cost.name for cost in costs if cost.name in shipped)
    if replaced:
        out.print(f"With --file they replace the shipped {', '.join(replaced)}", highlight=False)


def merged_library(file: Path | None) -> UnitCostLibrary:
    """The shipped library, with the user's file over it when one is given; says which shipped entries it replaces.

    A file with any problem is refused whole: every problem is printed with its file, row and column, exit 1.
    """
    shipped = shipped_library()
    if file is None:
        return shipped
    costs, problems = read_library_file(read_bytes(file), file.name, price_years=shipped.deflators.keys())
    if problems:
        refuse(problems)
    replaced = sorted(cost.name for cost in costs if cost.name in shipped)
    if replaced:
        err.print(f"{escape(file.name)} replaces the shipped {', '.join(replaced)}", highlight=False)
    return shipped.merge(costs)


def _row(library: UnitCostLibrary, cost: UnitCost, year: FinancialYear | None) -> dict[str, CsvValue]:
    """A unit cost as the columns of a library file, with its value in `year` prices when one is asked for."""
    row: dict[str, CsvValue] = {
        "name": cost.name,
        "label": cost.label,
        "value": cost.value,
        "price_year": str(cost.price_year),
        "unit": cost.unit,
        "agency": cost.agency,
        "kind": cost.kind.value,
        "confidence": cost.confidence,
        "source": cost.source,
        "verified": "yes" if cost.verified else "no",
        "note": cost.note,
    }
    if year is not None:
        try:
            row |= {"rebased_value": library.value_in(cost.name, year), "rebased_price_year": str(year)}
        except LookupError as error:
            refuse([Problem(cost.name, str(error))])
    return row


def _csv(rows: list[dict[str, CsvValue]], year: FinancialYear | None) -> str:
    """The rows as a library file; text that a spreadsheet would run as a formula is quoted."""
    return csv_dicts([*COLUMNS, *(REBASED if year else ())], rows)


def _json(row: dict[str, CsvValue]) -> dict[str, str | int | None]:
    """Amounts as strings with two decimals, as every JSON amount is."""
    return {key: value.plain() if isinstance(value, Money) else value for key, value in row.items()}


def _table(library: UnitCostLibrary, year: FinancialYear | None) -> Table:
    rebased = [f"In {year} prices"] if year else []
    caption = "Sources and the deflating formula: docs/unit-costs.md"
    if year:
        caption = f"Brought to {year} prices with {library.deflator_source}. {caption}"
    table = Table("Name", "Value", "Price year", *rebased, "Unit", "Agency", "Kind", "Source", caption=escape(caption))
    for column in table.columns[1 : 3 + len(rebased)]:
        column.justify, column.no_wrap = "right", True
    for cost in library:
        marker = "" if cost.verified else " (unverified)"
        values = [str(library.value_in(cost.name, year))] if year else []
        table.add_row(
            escape(cost.name),
            str(cost.value),
            str(cost.price_year),
            *values,
            escape(cost.unit),
            escape(cost.agency),
            cost.kind.value,
            escape(cost.source + marker),
        )
    return table
