"""The `wholeplace appraise` command: read a business case file, appraise it, print the results."""

from __future__ import annotations

import json
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.measure import Measurement
from rich.table import Table

from wholeplace.appraisal import engine
from wholeplace.appraisal.case_file import read_case
from wholeplace.cli_support import out
from wholeplace.funds.plan_cli import _read_text, _refuse
from wholeplace.money import Money

KIND_LABELS = {
    engine.CostKind.REVENUE: "Revenue",
    engine.CostKind.CAPITAL: "Capital",
    engine.CostKind.IN_KIND: "In kind",
    engine.BenefitKind.FISCAL_CASHABLE: "Fiscal, cashable",
    engine.BenefitKind.FISCAL_NONCASHABLE: "Fiscal, non-cashable",
    engine.BenefitKind.ECONOMIC: "Economic",
    engine.BenefitKind.SOCIAL: "Social",
}


class AppraisalFormat(StrEnum):
    table = "table"
    json = "json"


def appraise(
    case_file: Annotated[
        Path, typer.Argument(exists=True, dir_okay=False, readable=True, help="The business case, in YAML or JSON")
    ],
    format: Annotated[AppraisalFormat, typer.Option(help="How to print it: table or json")] = AppraisalFormat.table,
) -> None:
    """Appraise a business case: present values, net present value, ratios, payback and who gains.

    Every problem in the case file is printed with its line and key, and nothing is computed.
    """
    case, problems = read_case(_read_text(case_file), case_file.name)
    if problems:
        _refuse(problems)
    assert case is not None
    appraisal = engine.appraise(case)
    if format is AppraisalFormat.json:
        typer.echo(json.dumps(engine.to_json(appraisal), indent=2, ensure_ascii=False))
    else:
        for table in (_summary(appraisal), _partners(appraisal), _years(appraisal)):
            _print_whole(table)


def _summary(appraisal: engine.Appraisal) -> Table:
    last = appraisal.first_year + (appraisal.years - 1)
    table = Table(
        "",
        "Present value",
        title=f"{escape(appraisal.name)}, {appraisal.first_year} to {last}",
        caption=escape(appraisal.discounting),
    )
    table.columns[1].justify = "right"
    table.add_row("[bold]Costs[/bold]", str(appraisal.pv_costs))
    for kind, amount in appraisal.pv_costs_by_kind.items():
        table.add_row(f"  {KIND_LABELS[kind]}", str(amount))
    table.add_row("[bold]Benefits[/bold]", str(appraisal.pv_benefits_total))
    for kind, amount in appraisal.pv_benefits.items():
        table.add_row(f"  {KIND_LABELS[kind]}", str(amount))
    table.add_row("  Cashable / not cashable", f"{appraisal.cashable} / {appraisal.non_cashable}")
    table.add_row("[bold]Net present value, fiscal[/bold]", _signed(appraisal.npv_fiscal))
    table.add_row("[bold]Net present value, public value[/bold]", _signed(appraisal.npv_total))
    table.add_row("Benefit-cost ratio (all benefits ÷ costs)", _ratio(appraisal.bcr))
    table.add_row("Financial return (fiscal benefits ÷ costs)", _ratio(appraisal.financial_roi))
    table.add_row("Public value return (all benefits ÷ costs)", _ratio(appraisal.public_value_roi))
    payback = str(appraisal.payback_year) if appraisal.payback_year else "not within the period"
    table.add_row("Discounted payback year (fiscal)", payback)
    return table


def _partners(appraisal: engine.Appraisal) -> Table:
    table = Table("Partner", "Pays (PV)", "Gains (PV)", "Net", title="Who pays, who gains")
    for column in table.columns[1:]:
        column.justify, column.no_wrap = "right", True
    for position in appraisal.by_partner:
        gains = str(position.pv_benefits)
        table.add_row(escape(position.partner), str(position.pv_costs), gains, _signed(position.net))
    return table


def _years(appraisal: engine.Appraisal) -> Table:
    table = Table(
        "Year",
        "Factor",
        "Costs",
        "Benefits",
        "PV costs",
        "PV benefits",
        "Cumulative PV costs",
        "Cumulative PV fiscal",
        title="Year by year",
        caption="Costs include optimism bias; benefits are after deadweight, drop-off and optimism bias",
    )
    for column in table.columns[1:]:
        column.justify, column.no_wrap = "right", True
    for flow in appraisal.flows:
        table.add_row(
            str(flow.year),
            format(flow.discount_factor, "f"),
            str(flow.costs),
            str(Money.total(flow.benefits.values())),
            str(flow.pv_costs),
            str(flow.pv_benefits),
            str(flow.cumulative_pv_costs),
            str(flow.cumulative_pv_fiscal_benefits),
        )
    return table


def _print_whole(table: Table) -> None:
    """At its natural width, even past a narrow terminal's, so that no amount is cut short."""
    natural = Measurement.get(out, out.options.update_width(10_000), table).maximum
    Console(soft_wrap=True, width=max(out.width, natural)).print(table)


def _signed(amount: Money) -> str:
    return f"+{amount}" if amount.pence > 0 else str(amount)


def _ratio(ratio: Decimal | None) -> str:
    return "none (no costs)" if ratio is None else format(ratio, "f")
