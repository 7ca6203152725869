"""`wholeplace retention dry-run` and `wholeplace retention erase --confirm`: the retention rules at the console.

Run as the console operator, across every partner. The rules, their periods and sources: `cases.rights_retention`.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from wholeplace.auth.actor import Actor
from wholeplace.business_dates import today
from wholeplace.cases import rights
from wholeplace.cases.rights_retention import Erasable
from wholeplace.cli_support import err, out, print_whole, refuse, unit_of_work
from wholeplace.problems import Problem

retention_app = typer.Typer(
    help="Retention of case records: what is past its period, and erasing it for good.", no_args_is_help=True
)
On = Annotated[
    str | None, typer.Option("--on", help="Apply the rules as on this day, YYYY-MM-DD (default: today in London)")
]


def _day(text: str | None) -> dt.date:
    if text is None:
        return today()
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        refuse([Problem("--on", f"'{text}' is not a date like 2021-03-31")])


def _table(found: list[Erasable], title: str) -> Table:
    table = Table(title=title)
    for column in ("Record", "Held by", "Ended", "Kept until", "Rule", "Source"):
        table.add_column(column)
    for item in found:
        table.add_row(
            escape(f"{item.record_type} {item.reference} ({item.kind})"),
            escape(item.held_by),
            item.ended_on.isoformat(),
            item.keep_until.isoformat(),
            escape(item.rule.text) + (" (local default)" if item.rule.local_default else ""),
            escape(item.rule.source),
        )
    return table


@retention_app.command("dry-run")
def dry_run(on: On = None) -> None:
    """List what erasure would delete, and why; nothing is changed."""
    day = _day(on)
    with unit_of_work() as session:
        found = rights.retention_dry_run(session, Actor.console(), day)
    if not found:
        out.print(f"Nothing is past its retention period on {day.isoformat()}.", highlight=False)
        return
    print_whole(_table(found, f"Past their retention period on {day.isoformat()}: {len(found)}"))
    out.print("Run `wholeplace retention erase --confirm` to erase them for good.", highlight=False)


@retention_app.command("erase")
def erase(
    confirm: Annotated[bool, typer.Option("--confirm", help="Erase for good: without it nothing is deleted")] = False,
    on: On = None,
) -> None:
    """Erase the records past their period and the people left with no case or referral."""
    day = _day(on)
    if not confirm:
        refuse([Problem("--confirm", "Erasure deletes records for good: run `dry-run` first, then add --confirm")])
    with unit_of_work() as session:
        waiting = len(rights.retention_dry_run(session, Actor.console(), day))
        columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
        with Progress(*columns, console=err, transient=True) as progress:
            task = progress.add_task("Erasing", total=waiting)
            erased = rights.erase(
                session, Actor.console(), day, confirm=True, progress=lambda _item: progress.advance(task)
            )
    cases = sum(item.record_type == "case" for item in erased)
    out.print(
        f"Erased {cases} case{'' if cases == 1 else 's'} and {len(erased) - cases} referral"
        f"{'' if len(erased) - cases == 1 else 's'} past their retention period on {day.isoformat()}, with the "
        "people left with no case or referral. The audit trail keeps each reference and the rule applied.",
        highlight=False,
    )
