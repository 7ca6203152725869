"""The `wholeplace reconcile` command, and the reading and printing of `wholeplace allocate`.

`allocate` itself is in `decisions/cli.py`: with `--into` it drafts a decision, and funds never import decisions.
"""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from wholeplace.cli_support import out, read_text, refuse
from wholeplace.files.csv_writer import CsvValue, csv_text
from wholeplace.funds import plan as engine
from wholeplace.funds import reconcile as reconciling
from wholeplace.money import Money

PlanFile = Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True, help="The plan, in YAML or JSON")]


class AllocationFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


class ReconciliationFormat(StrEnum):
    table = "table"
    json = "json"


def print_allocation(allocation: engine.PlanAllocation, format: AllocationFormat) -> None:
    """Print who gets what as a table, JSON or CSV (the output of `wholeplace allocate`, in `decisions/cli.py`)."""
    if format is AllocationFormat.json:
        typer.echo(json.dumps(engine.to_json(allocation), indent=2, ensure_ascii=False))
    elif format is AllocationFormat.csv:
        typer.echo(_allocation_csv(allocation), nl=False)
    else:
        out.print(_allocation_table(allocation))


def reconcile(
    plan_file: PlanFile,
    published: Annotated[
        Path,
        typer.Option(
            "--published", exists=True, dir_okay=False, readable=True, help="The published table: recipient,amount"
        ),
    ],
    format: Annotated[
        ReconciliationFormat, typer.Option(help="How to print it: table or json")
    ] = ReconciliationFormat.table,
) -> None:
    """Compare a plan's amounts with a published table: exit 0 when they agree, 1 when they do not."""
    plan, problems = engine.read_plan(read_text(plan_file), plan_file.name)
    lines, table_problems = reconciling.read_published_table(read_text(published), published.name)
    if problems or table_problems:
        refuse(problems + table_problems)
    assert plan is not None
    reconciliation = reconciling.reconcile(engine.allocate(plan), lines)
    if format is ReconciliationFormat.json:
        typer.echo(json.dumps(reconciling.reconciliation_to_json(reconciliation), indent=2, ensure_ascii=False))
    else:
        _print_reconciliation(reconciliation, published.name)
    raise typer.Exit(0 if reconciliation.agrees else 1)


def read_plan_file(file: Path) -> engine.Plan:
    """The plan in a file; every problem in it is printed with its line, and the command exits 1."""
    plan, problems = engine.read_plan(read_text(file), file.name)
    if problems:
        refuse(problems)
    assert plan is not None
    return plan


def _allocation_table(allocation: engine.PlanAllocation) -> Table:
    table = Table("Group", "Recipient", "Amount", title=escape(allocation.name))
    table.columns[2].justify = "right"
    table.columns[2].no_wrap = True
    for line in allocation.allocations:
        table.add_row(escape(" / ".join(line.path[:-1])), escape(line.recipient), str(line.amount))
    table.add_section()
    table.add_row("", "Unallocated", str(allocation.unallocated))
    table.add_row("", "Total", str(allocation.total), style="bold")
    return table


def _allocation_csv(allocation: engine.PlanAllocation) -> str:
    """Columns path,recipient,amount; the path joined with ' / ' as in JSON; unallocated last when not zero."""
    rows: list[list[CsvValue]] = [
        [" / ".join(line.path), line.recipient, line.amount] for line in allocation.allocations
    ]
    if allocation.unallocated.pence:
        rows.append(["", "(unallocated)", allocation.unallocated])
    return csv_text(["path", "recipient", "amount"], rows)


def _print_reconciliation(reconciliation: reconciling.Reconciliation, published_name: str) -> None:
    out.print(f"{published_name} against the plan '{reconciliation.plan}'", highlight=False, markup=False)
    if reconciliation.differences:
        table = Table(
            "Recipient",
            "Published",
            "Computed",
            "Difference",
            caption="Difference: published minus computed",
        )
        for column in table.columns[1:]:
            column.justify, column.no_wrap = "right", True
        for line in reconciliation.differences:
            table.add_row(escape(line.recipient), str(line.published), str(line.computed), line.difference.signed())
        out.print(table)
    sentences = []
    if reconciliation.matching:
        sentences.append(f"{len(reconciliation.matching)} published amounts match the plan.")
    if reconciliation.missing_from_published:
        sentences.append("In the plan but not published: " + ", ".join(reconciliation.missing_from_published))
    if reconciliation.not_in_plan:
        sentences.append("Published but not in the plan: " + ", ".join(reconciliation.not_in_plan))
    for check in reconciliation.totals:
        start = f"Published amounts in {check.of} add up to {check.published_sum}"
        if check.agrees:
            sentences.append(f"{start}, the total {check.stated_by}.")
        else:
            more = "more" if check.difference.pence > 0 else "less"
            gap = Money(abs(check.difference.pence))
            sentences.append(f"{start}: {gap} {more} than the {check.stated} {check.stated_by}.")
    verdict = "agrees with the plan." if reconciliation.agrees else "does not agree with the plan."
    sentences.append(f"The published table {verdict}")
    for sentence in sentences:
        out.print(sentence, highlight=False, markup=False)
