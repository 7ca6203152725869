"""What every CLI command shares: the consoles, reading a text file, printing a wide table, refusing with
every problem, and one unit of work that reports refusals and exits 1."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import NoReturn

import typer
from rich.console import Console
from rich.measure import Measurement
from rich.table import Table
from rich.text import Text
from sqlalchemy.orm import Session

from wholeplace import audit
from wholeplace.db import make_engine, session_factory
from wholeplace.money import FinancialYear, FinancialYearError
from wholeplace.problems import Problem, WholeplaceError
from wholeplace.settings import get_settings

out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)


def read_bytes(path: Path) -> bytes:
    """The file's bytes; a file larger than the service accepts (`max_upload_mb`) is refused before it is read."""
    limit_mb = get_settings().max_upload_mb
    if path.is_file() and path.stat().st_size > limit_mb * 1024 * 1024:
        refuse([Problem(path.name, f"The file is larger than {limit_mb} MB, the most this service accepts")])
    return path.read_bytes()


def read_text(path: Path) -> str:
    """The file's text (UTF-8, with or without a byte order mark), within the size limit of `read_bytes`."""
    try:
        return read_bytes(path).decode("utf-8-sig")
    except UnicodeDecodeError:
        refuse([Problem(path.name, "The file is not UTF-8 text: save it as UTF-8")])


def refuse(problems: Sequence[Problem]) -> NoReturn:
    """Print every problem as `where: message` on standard error, as bean-check does, and exit 1."""
    for problem in problems:
        err.print(Text(str(problem), style="red"))
    raise typer.Exit(1)


def financial_year_option(text: str | None, option: str) -> FinancialYear | None:
    """A financial year given on the command line, like 2013/14; anything else is refused naming the option."""
    if text is None:
        return None
    try:
        return FinancialYear.parse(text)
    except FinancialYearError as error:
        refuse([Problem(option, str(error))])


def print_whole(table: Table) -> None:
    """Print a table at its natural width, even past a narrow terminal's, so that no name or amount is cut short."""
    natural = Measurement.get(out, out.options.update_width(10_000), table).maximum
    Console(soft_wrap=True, width=max(out.width, natural)).print(table)


@contextmanager
def unit_of_work() -> Iterator[Session]:
    """One transaction on the configured database; a refused act prints each problem and exits 1."""
    settings = get_settings()
    engine = make_engine(settings.database_url)
    try:
        with audit.unit_of_work(session_factory(engine)) as session:
            yield session
    except WholeplaceError as error:
        refuse(error.problems)
    finally:
        engine.dispose()
