"""The `wholeplace appraise` command: read a business case file or workbook, appraise it, print the results.

With `--shares` it adds who pays, who gains and the fair shares (`shares_report.py`); with `--simulate N` it
draws the case's distributions N times and prints the NPVs' spread, a tornado and break-even values
(`uncertainty.py`); with `--xlsx` it also writes the workings as a workbook of live formulas (`workbook.py`).
"""

from __future__ import annotations

import json
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from wholeplace.appraisal import engine, shares_report, uncertainty, workbook, workbook_import
from wholeplace.appraisal.case_file import read_case
from wholeplace.appraisal.shares import Basis
from wholeplace.appraisal.unit_costs_cli import merged_library
from wholeplace.cli_support import err, print_whole, read_bytes, read_text, refuse
from wholeplace.money import Money
from wholeplace.problems import Problem

# How the command names the simulation's settings in its problems.
RUN_OPTIONS = {"draws": "--simulate", "seed": "--seed"}
WORKBOOK_SUFFIX = ".xlsx"


class AppraisalFormat(StrEnum):
    table = "table"
    json = "json"


def appraise(
    case_file: Annotated[
        Path | None,
        typer.Argument(
            metavar="CASE",
            exists=True,
            dir_okay=False,
            readable=True,
            help="The business case: a case file in YAML or JSON, or a workbook (.xlsx) with an Inputs sheet",
            show_default=False,
        ),
    ] = None,
    format: Annotated[AppraisalFormat, typer.Option(help="How to print it: table or json")] = AppraisalFormat.table,
    shares: Annotated[
        bool,
        typer.Option(
            "--shares",
            help="Also who pays for whose gains, and fair shares: contributions in proportion to benefits and by "
            "Shapley value, so that no partner is out of pocket",
        ),
    ] = False,
    basis: Annotated[
        Basis,
        typer.Option(help="Fair shares counting all benefits, or fiscal ones only (the money in each budget)"),
    ] = Basis.ALL,
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
    unit_costs: Annotated[
        Path | None,
        typer.Option(
            "--unit-costs",
            exists=True,
            dir_okay=False,
            readable=True,
            help="Your unit cost library (CSV or xlsx) for the case's unit_cost names; its entries replace shipped "
            "ones of the same name",
        ),
    ] = None,
    xlsx: Annotated[
        Path | None,
        typer.Option(
            "--xlsx",
            dir_okay=False,
            help="Also write the case and its workings, year by year in live formulas, to this workbook",
        ),
    ] = None,
    template: Annotated[
        Path | None,
        typer.Option(
            "--template",
            dir_okay=False,
            help="Write a blank workbook to fill in (then appraise it as CASE), and do nothing else",
        ),
    ] = None,
) -> None:
    """Appraise a business case: present values, net present value, ratios, payback and who gains.

    Every problem in the case is printed with its line and key (in a workbook, its sheet and cell): nothing is computed.
    """
    if template is not None:
        _write_template(template, case_file)
        return
    if case_file is None:
        refuse([Problem("CASE", "Give the business case file, or --template OUT.xlsx for a blank workbook")])
    run_problems = _run_problems(simulate, seed)
    case, problems = _read(case_file, unit_costs)
    if problems or run_problems:
        refuse(problems + run_problems)
    assert case is not None
    if xlsx is not None:
        _write_workbook(case, xlsx)
    appraisal = engine.appraise(case)
    analysis = None
    if simulate is not None:
        analysis = uncertainty.analyse(case, simulate, uncertainty.DEFAULT_SEED if seed is None else seed)
    if format is AppraisalFormat.json:
        result = engine.to_json(appraisal)
        if analysis is not None:
            result["simulation"] = uncertainty.to_json(analysis)
        if shares:
            result["shares"] = shares_report.shares_json(appraisal, basis=basis)
        typer.echo(json.dumps(result, indent=2, ensure_ascii=False))
        return
    tables = [_summary(appraisal, len(case.uncertain)), _partners(appraisal), _years(appraisal)]
    if shares:
        tables += shares_report.shares_tables(appraisal, basis=basis)
    if analysis is not None:
        tables += [_simulation(analysis.simulation), _tornado(analysis.tornado), _break_even(analysis, appraisal)]
    for table in tables:
        print_whole(table)


def _read(case_file: Path, unit_costs: Path | None) -> tuple[engine.Case | None, list[Problem]]:
    """A workbook's Inputs sheet, or a case file with its unit cost names looked up in the library."""
    if case_file.suffix.lower() == WORKBOOK_SUFFIX:
        return workbook_import.read_workbook(read_bytes(case_file), case_file.name)
    return read_case(read_text(case_file), case_file.name, unit_costs=merged_library(unit_costs))


def _write_template(path: Path, case_file: Path | None) -> None:
    if case_file is not None:
        refuse([Problem("--template", "Give --template without a case: it writes a blank workbook and stops")])
    _write(path, workbook.template_workbook())
    err.print(f"Wrote a blank workbook to {escape(str(path))}: fill in its Inputs sheet", highlight=False)


def _write_workbook(case: engine.Case, path: Path) -> None:
    _write(path, workbook.write_workbook(case))
    if case.uncertain:
        message = f"{_distributions(len(case.uncertain))} in the case: {path.name} holds their central values"
        err.print(escape(message), highlight=False)


def _write(path: Path, data: bytes) -> None:
    try:
        path.write_bytes(data)
    except OSError as error:
        refuse([Problem(str(path), f"The workbook could not be written: {error.strerror}")])


def _run_problems(draws: int | None, seed: int | None) -> list[Problem]:
    if draws is None:
        return [] if seed is None else [Problem("--seed", "Give --simulate N too: the seed chooses its draws")]
    found = uncertainty.run_problems(draws, uncertainty.DEFAULT_SEED if seed is None else seed)
    return [Problem(RUN_OPTIONS[problem.where], problem.message) for problem in found]


def _summary(appraisal: engine.Appraisal, uncertain: int) -> Table:
    last = appraisal.first_year + (appraisal.years - 1)
    caption = escape(appraisal.discounting)
    if uncertain:
        caption += f". {_distributions(uncertain)}: these figures use central values (--simulate N draws them)"
    table = Table(
        "",
        "Present value",
        title=f"{escape(appraisal.name)}, {appraisal.first_year} to {last}",
        caption=caption,
    )
    table.columns[1].justify = "right"
    table.add_row("[bold]Costs[/bold]", str(appraisal.pv_costs))
    for kind, amount in appraisal.pv_costs_by_kind.items():
        table.add_row(f"  {engine.KIND_LABELS[kind]}", str(amount))
    table.add_row("[bold]Benefits[/bold]", str(appraisal.pv_benefits_total))
    for kind, amount in appraisal.pv_benefits.items():
        table.add_row(f"  {engine.KIND_LABELS[kind]}", str(amount))
    table.add_row("  Cashable / not cashable", f"{appraisal.cashable} / {appraisal.non_cashable}")
    table.add_row("[bold]Net present value, fiscal[/bold]", appraisal.npv_fiscal.signed())
    table.add_row("[bold]Net present value, public value[/bold]", appraisal.npv_total.signed())
    table.add_row("Benefit-cost ratio (all benefits ÷ costs)", ratio_shown(appraisal.bcr))
    table.add_row("Financial return (fiscal benefits ÷ costs)", ratio_shown(appraisal.financial_roi))
    table.add_row("Public value return (all benefits ÷ costs)", ratio_shown(appraisal.public_value_roi))
    payback = str(appraisal.payback_year) if appraisal.payback_year else "not within the period"
    table.add_row("Discounted payback year (fiscal)", payback)
    return table


def _distributions(count: int) -> str:
    return "1 input is a distribution" if count == 1 else f"{count} inputs are distributions"


def _partners(appraisal: engine.Appraisal) -> Table:
    table = Table("Partner", "Pays (PV)", "Gains (PV)", "Net", title="Who pays, who gains")
    for column in table.columns[1:]:
        column.justify, column.no_wrap = "right", True
    for position in appraisal.by_partner:
        gains = str(position.pv_benefits)
        table.add_row(escape(position.partner), str(position.pv_costs), gains, position.net.signed())
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
        table.add_row(label, getattr(total, name).signed(), getattr(fiscal, name).signed())
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
            _named(bar.label, bar.key_path),
            _input(bar.measure, bar.low),
            _input(bar.measure, bar.high),
            bar.npv_total_at_low.signed(),
            bar.npv_total_at_high.signed(),
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
        table.add_row(_named(row.label, row.key_path), _input(row.measure, row.central), value)
    return table


def _named(label: str, key_path: str) -> str:
    """An input in the case's words, with the key path under it to find it in the file."""
    return f"{escape(label)}\n[dim]{escape(key_path)}[/dim]"


def _input(measure: engine.Measure, value: Decimal) -> str:
    return str(Money.from_pounds(value)) if measure is engine.Measure.MONEY else format(value, "f")


def ratio_shown(ratio: Decimal | None) -> str:
    return "none (no costs)" if ratio is None else format(ratio, "f")
