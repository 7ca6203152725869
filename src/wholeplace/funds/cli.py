"""`wholeplace funds ...`: funds, statements and the trial balance at the console."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from wholeplace.auth.actor import Actor
from wholeplace.cli_support import out, refuse, unit_of_work
from wholeplace.funds import engine, ledger
from wholeplace.funds.export_cli import export_app

funds_app = typer.Typer(help="Pooled funds: statements, the trial balance, exports.", no_args_is_help=True)
funds_app.add_typer(export_app, name="export")
AsAt = Annotated[dt.datetime | None, typer.Option(formats=["%Y-%m-%d"], help="Statement as at the end of this day")]


@funds_app.command("list")
def list_funds() -> None:
    """Every fund with its years and holder."""
    with unit_of_work() as session:
        table = Table("Code", "Name", "Years", "Held by")
        for fund in ledger.list_funds(session, Actor.console(), page_size=500).items:
            table.add_row(fund.code, fund.name, fund.years_label, fund.holder.name)
        out.print(table)


@funds_app.command("statement")
def statement(code: str, as_at: AsAt = None) -> None:
    """A fund's statement: contributed by partner, allocated by theme and project, spent, unallocated."""
    with unit_of_work() as session:
        actor = Actor.console()
        fund = ledger.fund_by_code(session, actor, code)
        result = ledger.statement(session, actor, fund_id=fund.id, as_at=as_at.date() if as_at else None)
    out.print(f"[bold]{fund.name}[/bold] {fund.years_label}, as at {result.as_at:%d %B %Y}")
    contributed = Table("Partner", "Contributed", title="Contributions")
    for partner, amount in result.contributed_by_partner:
        contributed.add_row(partner, str(amount))
    contributed.add_row("[bold]Total[/bold]", f"[bold]{result.contributed}[/bold]")
    out.print(contributed)
    allocated = Table("Theme", "Project", "Allocated", "Spent", "Returned", "Remaining", title="Allocations")
    for line in result.lines:
        allocated.add_row(
            line.theme,
            line.project or "",
            str(line.allocated),
            str(line.spent),
            str(line.returned),
            str(line.remaining),
        )
    allocated.add_row(
        "[bold]Total[/bold]", "", f"[bold]{result.allocated}[/bold]", str(result.spent), str(result.returned), ""
    )
    out.print(allocated)
    out.print(f"Unallocated: [bold]{result.unallocated}[/bold]")


@funds_app.command("trial-balance")
def trial_balance(code: str, as_at: AsAt = None) -> None:
    """Every account's balance as debit or credit; the two columns always agree."""
    with unit_of_work() as session:
        fund = ledger.fund_by_code(session, Actor.console(), code)
        balances = ledger.balances(session, fund.id, as_at=as_at.date() if as_at else None)
    lines, difference = engine.trial_balance(balances)
    table = Table("Account", "Debit", "Credit", title=f"Trial balance: {fund.name}")
    for line in lines:
        table.add_row(
            line.account, str(line.debit) if line.debit.pence else "", str(line.credit) if line.credit.pence else ""
        )
    out.print(table)
    out.print(f"Difference: {difference}")


@funds_app.command("check-balances")
def check_balances(
    code: str,
    repair: Annotated[
        bool, typer.Option(help="Make the running balances again from the postings if they differ")
    ] = False,
) -> None:
    """Prove the running balances that statements as at today read: recompute each from the postings and compare."""
    with unit_of_work() as session:
        actor = Actor.console()
        fund = ledger.fund_by_code(session, actor, code)
        compared, problems = ledger.check_running_balances(session, actor, fund_id=fund.id)
        if problems and repair:
            rows = ledger.rebuild_running_balances(session, actor, fund_id=fund.id)
            out.print(f"Made {rows} running balances of {fund.name} again from its postings, correcting:")
            for problem in problems:
                out.print(Text(str(problem)))
            return
    if problems:
        refuse(problems)
    out.print(f"The {compared} running balances of {fund.name} (accounts by financial year) agree with its postings")
