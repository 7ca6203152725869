"""The `wholeplace appraise` command: read a business case file, appraise it, print the results.

With `--simulate N` it also draws the case's distributions N times and prints the NPVs' spread, a tornado and
break-even values (`uncertainty.py`).
"""

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

from wholeplace.appraisal import engine, uncertainty
from wholeplace.appraisal.case_file import read_case
from wholeplace.cli_support import out
from wholeplace.funds.plan_cli import _read_text, _refuse
from wholeplace.money import Money
from wholeplace.problems import Problem

KIND_LABELS = {
    engine.CostKind.REVENUE: "Revenue",
    engine.CostKind.CAPITAL: "Capital",
    engine.CostKind.IN_KIND: "In kind",
    engine.BenefitKind.FISCAL_CASHABLE: "Fiscal, cashable",
    engine.BenefitKind.FISCAL_NONCASHABLE: "Fiscal, non-cashable",
    engine.BenefitKind.ECONOMIC: "Economic",
    engine.BenefitKind.SOCIAL: "Social",
}


# How the command names the simulation's settings in its problems.
RUN_OPTIONS = {"draws": "--simulate", "seed": "--seed"}


class AppraisalFormat(StrEnum):
    table = "table"
    json = "json"


def appraise(
    case_file: Annotated[
        Path, typer.Argument(exists=True, dir_okay=False, readable=True, help="The business case, in YAML or JSON")
    ],
    format: Annotated[AppraisalFormat, typer.Option(help="How to print it: table or json")] = AppraisalFormat.table,
    simulate: Annotated[
        int | None,
        typer.Option(
            metavar="N",
            help=f"Draw the case's distributions N times (1 to {uncertainty.MAX_DRAWS:,}): the NPVs' mean, P10, "
            "P50, P90 and chance of being above zero, a tornado and break-even values",
        ),
    ] = None,
    seed: Annotated[
        int | None,
        typer.Option(
            help=f"The random seed for --simulate, {uncertainty.DEFAULT_SEED} unless given: same seed, same figures"
        ),
    ] = None,
) -> None:
    """Appraise a business case: present values, net present value, ratios, payback and who gains.

    Every problem in the case file is printed with its line and key, and nothing is computed.
    """
    run_problems = _run_problems(simulate, seed)
    case, problems = read_case(_read_text(case_file), case_file.name)
    if problems or run_problems:
        _refuse(problems + run_problems)
    assert case is not None
    appraisal = engine.appraise(case)
    analysis = None
    if simulate is not None:
        analysis = uncertainty.analyse(case, simulate, uncertainty.DEFAULT_SEED if seed is None else seed)
    if format is AppraisalFormat.json:
        result = engine.to_json(appraisal)
        if analysis is not None:
            result["simulation"] = uncertainty.to_json(analysis)
        typer.echo(json.dumps(result, indent=2, ensure_ascii=False))
        return
    for table in (_summary(appraisal, len(case.uncertain)), _partners(appraisal), _years(appraisal)):
        _print_whole(table)
    if analysis is not None:
        for table in (_simulation(analysis.simulation), _tornado(analysis.tornado), _break_even(analysis, appraisal)):
            _print_whole(table)


def _run_problems(draws: int | None, seed: int | None) -> list[Problem]:
    if draws is None:
        return [] if seed is None else [Problem("--seed", "Give --simulate N too: the seed chooses its draws")]
    found = uncertainty.run_problems(draws, uncertainty.DEFAULT_SEED if seed is None else seed)
    return [Problem(RUN_OPTIONS[problem.where], problem.message) for problem in found]


def _summary(appraisal: engine.Appraisal, uncertain: int) -> Table:
    last = appraisal.first_year + (appraisal.years - 1)
    caption = escape(appraisal.discounting)
    if uncertain:
        inputs = "1 input is a distribution" if uncertain == 1 else f"{uncertain} inputs are distributions"
        caption += f". {inputs}: these figures use central values (--simulate N draws them)"
    table = Table(
        "",
        "Present value",
        title=f"{escape(appraisal.name)}, {appraisal.first_year} to {last}",
        caption=caption,
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


def _simulation(simulation: uncertainty.Simulation) -> Table:
    table = Table(
        "",
        "NPV, public value",
        "NPV, fiscal",
        title=f"Monte Carlo simulation: {simulation.draws:,} draws, seed {simulation.seed}",
        caption="P10: 1 draw in 10 comes out lower; P90: 1 in 10 comes out higher",
    )
    for column in table.columns[1:]:
        column.justify, column.no_wrap = "right", True
    total, fiscal = simulation.npv_total, simulation.npv_fiscal
    for label, name in (("Mean", "mean"), ("P10", "p10"), ("P50 (median)", "p50"), ("P90", "p90")):
        table.add_row(label, _signed(getattr(total, name)), _signed(getattr(fiscal, name)))
    table.add_row(
        "Probability NPV > 0", format(total.probability_positive, "f"), format(fiscal.probability_positive, "f")
    )
    return table


def _tornado(bars: tuple[uncertainty.TornadoBar, ...]) -> Table:
    table = Table(
        "Input",
        "Low (P10)",
        "High (P90)",
        "NPV at low",
        "NPV at high",
        "Swing",
        title="Tornado: public value NPV with one input at a time at its P10 and P90",
        caption="Every other input at its central value; widest swing first",
    )
    for column in table.columns[1:]:
        column.justify, column.no_wrap = "right", True
    for bar in bars:
        table.add_row(
            escape(bar.key_path),
            _input(bar.measure, bar.low),
            _input(bar.measure, bar.high),
            _signed(bar.npv_total_at_low),
            _signed(bar.npv_total_at_high),
            str(bar.swing),
        )
    return table


def _break_even(analysis: uncertainty.UncertaintyAnalysis, appraisal: engine.Appraisal) -> Table:
    table = Table(
        "Input",
        "Central",
        "Break-even",
        title="Break-even: where the public value NPV is zero, every other input at its central value",
    )
    for column in table.columns[1:]:
        column.justify, column.no_wrap = "right", True
    # The NPV moves one way with each input, so with no break-even it keeps the central value's sign throughout.
    stays = "above" if appraisal.npv_total.pence > 0 else "below"
    for row in analysis.break_even:
        value = f"none: NPV {stays} zero throughout" if row.value is None else _input(row.measure, row.value)
        table.add_row(escape(row.key_path), _input(row.measure, row.central), value)
    return table


def _input(measure: engine.Measure, value: Decimal) -> str:
    return str(Money.from_pounds(value)) if measure is engine.Measure.MONEY else format(value, "f")


def _print_whole(table: Table) -> None:
    """At its natural width, even past a narrow terminal's, so that no amount is cut short."""
    natural = Measurement.get(out, out.options.update_width(10_000), table).maximum
    Console(soft_wrap=True, width=max(out.width, natural)).print(table)


def _signed(amount: Money) -> str:
    return f"+{amount}" if amount.pence > 0 else str(amount)


def _ratio(ratio: Decimal | None) -> str:
    return "none (no costs)" if ratio is None else format(ratio, "f")
