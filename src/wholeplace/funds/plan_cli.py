"""The `wholeplace allocate` and `wholeplace reconcile` commands: read the files, call the plan engine, print."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from wholeplace import business_dates
from wholeplace.auth.actor import Actor
from wholeplace.cli_support import err, financial_year_option, out, read_text, refuse, unit_of_work
from wholeplace.decisions.service import DecisionIn, RecommendationIn, draft_decision
from wholeplace.files.csv_writer import CsvValue, csv_text
from wholeplace.funds import ledger
from wholeplace.funds import plan as engine
from wholeplace.funds import reconcile as reconciling
from wholeplace.funds.model import UNALLOCATED_PATH
from wholeplace.money import FinancialYear, Money
from wholeplace.problems import Problem

PlanFile = Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True, help="The plan, in YAML or JSON")]


class AllocationFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


class ReconciliationFormat(StrEnum):
    table = "table"
    json = "json"


def allocate(
    plan_file: PlanFile,
    format: Annotated[
        AllocationFormat, typer.Option(help="How to print it: table, json or csv")
    ] = AllocationFormat.table,
    into: Annotated[
        str | None, typer.Option(help="Code of a fund: create a draft decision there holding these allocations")
    ] = None,
    reference: Annotated[str | None, typer.Option(help="Reference of the draft decision (with --into)")] = None,
    year: Annotated[str | None, typer.Option(help="Financial year of the allocations, like 2011/12 (with --into)")] = (
        None
    ),
) -> None:
    """Split an allocation plan's total to the penny and print who gets what.

    Every problem in the plan is printed with its line, and nothing is allocated. With --into, the
    allocations also become a draft decision in that fund: nothing moves until a decision maker approves it.
    """
    allocation = engine.allocate(_read_plan(plan_file))
    if into is not None:
        _draft_into(allocation, into, reference, year)
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


def _read_plan(file: Path) -> engine.Plan:
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


def _draft_into(allocation: engine.PlanAllocation, fund_code: str, reference: str | None, year: str | None) -> None:
    """A draft decision moving each allocation from the fund's pool to a theme account named by its path."""
    if not reference:
        refuse([Problem("--reference", "Give the draft decision a reference, like ECC/CSF/2011-12")])
    given_year = financial_year_option(year, "--year")
    with unit_of_work() as session:
        actor = Actor.console()
        fund = ledger.fund_by_code(session, actor, fund_code)
        financial_year = given_year or FinancialYear(fund.first_year)
        recommendations = [
            RecommendationIn(
                str(number),
                f"{line.recipient}",
                line.amount,
                UNALLOCATED_PATH,
                "Themes:" + ":".join(part.replace(":", " -") for part in line.path),
                financial_year,
            )
            for number, line in enumerate(allocation.allocations, start=1)
            if line.amount.pence
        ]
        decision = draft_decision(
            session,
            actor,
            fund_id=fund.id,
            draft=DecisionIn(
                reference=reference or "",
                title=allocation.name,
                report_date=business_dates.today(),
                author=actor.label,
                decision_maker="To be decided",
                stated_total=allocation.total - allocation.unallocated,
                purpose=f"Allocate {allocation.total} as the plan '{allocation.name}' sets out.",
                recommendations=recommendations,
            ),
        )
        err.print(
            f"Draft decision {decision.reference} created in {fund.code} with {len(recommendations)} "
            "recommendations. Nothing moves until a decision maker approves it."
        )
