"""What every CLI command shares: the consoles, and one unit of work that reports refusals and exits 1."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import typer
from rich.console import Console
from rich.markup import escape
from sqlalchemy.orm import Session

from wholeplace import audit
from wholeplace.db import make_engine, session_factory
from wholeplace.problems import WholeplaceError
from wholeplace.settings import get_settings

out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)


@contextmanager
def unit_of_work() -> Iterator[Session]:
    """One transaction on the configured database; a refused act prints each problem and exits 1."""
    settings = get_settings()
    engine = make_engine(settings.database_url)
    try:
        with audit.unit_of_work(session_factory(engine)) as session:
            yield session
    except WholeplaceError as error:
        for problem in error.problems:
            err.print(f"[red]{escape(str(problem))}[/red]", highlight=False)
        raise typer.Exit(1) from error
    finally:
        engine.dispose()
