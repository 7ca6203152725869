"""`wholeplace funds export ...`: 360Giving grants, a Beancount ledger, the statement workbook.

`wholeplace funds export pdf`, a decision's report, is `decisions.cli.report_pdf`, which `wholeplace.cli` adds
to this group: funds never import decisions.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from wholeplace.auth.actor import Actor
from wholeplace.cli_support import err, out, unit_of_work
from wholeplace.files.xlsx import workbook_bytes
from wholeplace.funds import contributions, exports, ledger
from wholeplace.money import Money
from wholeplace.problems import InvalidInput, Problem

export_app = typer.Typer(
    help="Export a fund as 360Giving grants, a Beancount ledger or a workbook, or a decision as a PDF report.",
    no_args_is_help=True,
)
Output = Annotated[Path | None, typer.Option("--output", "-o", help="Write to this file (default: standard output)")]
RequiredOutput = Annotated[Path, typer.Option("--output", "-o", help="Write to this file")]


class GrantFormat(StrEnum):
    JSON = "json"
    CSV = "csv"


def _emit(text: str, output: Path | None, what: str) -> None:
    """Write to the file, saying so on the console; or print the text alone, so it can be piped."""
    if output is None:
        typer.echo(text, nl=False)
        return
    output.write_text(text, encoding="utf-8")
    out.print(f"Wrote {what} to {output}", highlight=False)


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
    )


@export_app.command("360giving")
def three_sixty_giving(
    code: str,
    format: Annotated[GrantFormat, typer.Option("--format", "-f", help="json (the 360Giving package) or csv")] = (
        GrantFormat.JSON
    ),
    output: Output = None,
    prefix: Annotated[
        str, typer.Option(help="Your registered 360Giving prefix, put before every grant identifier")
    ] = exports.DEFAULT_GRANT_PREFIX,
) -> None:
    """A fund's allocations from its pool as 360Giving grants: one per theme or project allocation."""
    with unit_of_work() as session:
        fund = exports.load_fund_ledger(session, Actor.console(), code)
        found = exports.grants(fund, prefix=prefix)
        if not found:  # the 360Giving package schema asks for at least one grant
            raise InvalidInput([Problem("fund", f"{code} has no approved allocations from its pool to publish")])
    text = exports.grants_json(found) if format is GrantFormat.JSON else exports.grants_csv(found)
    total = sum((grant.amount for grant in found), start=Money(0))
    _emit(text, output, f"{len(found)} grants totalling {total} ({format.value})")


@export_app.command("beancount")
def beancount(code: str, output: Output = None) -> None:
    """A fund's ledger as a Beancount file that bean-check accepts, with the same balances as ours."""
    with unit_of_work() as session:
        fund = exports.load_fund_ledger(session, Actor.console(), code)
    chunks = []
    with _progress() as progress:
        task = progress.add_task("Writing transactions", total=len(fund.transactions) + 2)
        for number, chunk in enumerate(exports.beancount_ledger(fund), start=1):
            chunks.append(chunk)
            if number % 500 == 0:
                progress.update(task, completed=number)
        progress.update(task, completed=len(fund.transactions) + 2)
    _emit("".join(chunks), output, f"{len(fund.transactions)} transactions in {len(fund.accounts)} accounts")


@export_app.command("xlsx")
def xlsx(
    code: str,
    output: RequiredOutput,
    as_at: Annotated[
        dt.datetime | None, typer.Option(formats=["%Y-%m-%d"], help="Statement as at the end of this day")
    ] = None,
) -> None:
    """A fund's statement as an Excel workbook: contributions (in kind marked, with their basis), allocations, and
    totals as live formulas."""
    with unit_of_work() as session:
        actor = Actor.console()
        fund = ledger.fund_by_code(session, actor, code)
        statement = ledger.statement(session, actor, fund_id=fund.id, as_at=as_at.date() if as_at else None)
        received = contributions.contributions(session, actor, fund_id=fund.id)
        workbook = exports.statement_workbook(fund, statement, received=received)
    output.write_bytes(workbook_bytes(workbook))
    out.print(f"Wrote the statement of {fund.name} as at {statement.as_at:%d %B %Y} to {output}", highlight=False)
