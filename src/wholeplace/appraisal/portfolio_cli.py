"""The `wholeplace portfolio` command: roll several business cases up, and check the totals papers claim."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from wholeplace.appraisal import portfolio as roll
from wholeplace.appraisal.case import Case
from wholeplace.appraisal.cli import ratio_shown
from wholeplace.cli_support import print_whole, read_text, refuse
from wholeplace.problems import InvalidInput, Problem

SAVING_POSITIVE = "Net benefits are benefits less costs, a saving positive; costs are charged to cashable."


class PortfolioFormat(StrEnum):
    table = "table"
    json = "json"


def portfolio(
    files: Annotated[
        list[Path],
        typer.Argument(
            exists=True,
            dir_okay=False,
            readable=True,
            help="Business cases (full, or summary-only with summary:) and claims (claim:), in YAML or JSON",
        ),
    ],
    format: Annotated[PortfolioFormat, typer.Option(help="How to print it: table or json")] = PortfolioFormat.table,
) -> None:
    """Roll business cases up into one table, published figures and present values apart, beside any claim.

    Every problem in every file is printed with its file, line and key, and nothing is computed.
    """
    cases: list[Case | roll.SummaryCase] = []
    claims: list[roll.Claim] = []
    problems: list[Problem] = []
    for file in files:
        record, file_problems = roll.read_portfolio_file(read_text(file), file.name)
        problems += file_problems
        if isinstance(record, roll.Claim):
            claims.append(record)
        elif record is not None:
            cases.append(record)
    if problems:
        refuse(problems)
    try:
        rolled = roll.roll_up(cases, claims)
    except InvalidInput as error:
        refuse(error.problems)
    if format is PortfolioFormat.json:
        typer.echo(json.dumps(roll.to_json(rolled), indent=2, ensure_ascii=False))
        return
    if rolled.published.cases:
        print_whole(_published(rolled.published))
    if rolled.present_values.appraisals:
        print_whole(_present_values(rolled.present_values))
    for check in rolled.claims:
        print_whole(_claim(check))


def _published(section: roll.PublishedSection) -> Table:
    table = Table(
        "Case",
        "Costs to Mar '13",
        "Costs to Mar '14",
        "Further costs",
        "Costs",
        "Net cashable",
        "Net non-cashable",
        "Net benefits",
        title=f"Summary tables: {roll.BASIS_LABELS[roll.Basis.PUBLISHED]}",
        caption=f"{SAVING_POSITIVE} The papers' periods are their own and are not stated in the tables.",
    )
    _money_columns(table)
    for case in section.cases:
        table.add_row(escape(case.name), *_costs(case.costs), *_net(case.net_benefits))
    table.add_section()
    table.add_row("[bold]Total, as published[/bold]", *_costs(section.costs), *_net(section.net_benefits))
    return table


def _present_values(section: roll.PresentValueSection) -> Table:
    table = Table(
        "Case",
        "Years",
        "Costs (PV)",
        "Net cashable",
        "Net non-cashable",
        "Net benefits (NPV)",
        "NPV, fiscal",
        "BCR",
        title=f"Appraised cases: {roll.BASIS_LABELS[roll.Basis.PRESENT_VALUE]}",
        caption=SAVING_POSITIVE,
    )
    _money_columns(table)
    for appraisal in section.appraisals:
        years = f"{appraisal.first_year} to {appraisal.first_year + (appraisal.years - 1)}"
        net = roll.present_value_net_benefits(appraisal)
        row = (str(appraisal.pv_costs), *_net(net), appraisal.npv_fiscal.signed(), ratio_shown(appraisal.bcr))
        table.add_row(escape(appraisal.name), years, *row)
    table.add_section()
    if section.costs is None or section.net_benefits is None:
        table.add_row("[bold]Total[/bold]", escape(section.not_added or ""), *[""] * 6)
    else:
        table.add_row(
            "[bold]Total[/bold]", "", str(section.costs), *_net(section.net_benefits), "", ratio_shown(section.bcr)
        )
    return table


def _claim(check: roll.ClaimCheck) -> Table:
    verdict = "[green]agrees[/green]" if check.agrees else "[red]does not agree[/red]"
    table = Table(
        "",
        "Cashable",
        "Non-cashable",
        "Net benefits",
        title=f"{escape(check.claim.name)}: {verdict}",
        caption=f"{escape(check.describe())}. Compared with the summary tables (published figures) only.",
    )
    _money_columns(table)
    table.add_row(f"Claimed, to the nearest {check.claim.unit.rounding}", *_net(check.claim.net_benefits))
    table.add_row("Computed from the summary tables", *_net(check.computed))
    table.add_row("Claimed less computed", *_net(check.gap))
    return table


def _money_columns(table: Table) -> None:
    for column in table.columns[1:]:
        column.justify, column.no_wrap = "right", True


def _costs(costs: roll.PublishedCosts) -> list[str]:
    return [str(amount) for amount in (*costs.parts().values(), costs.total)]


def _net(net: roll.NetBenefits) -> list[str]:
    return [amount.signed() for amount in net.parts().values()]
