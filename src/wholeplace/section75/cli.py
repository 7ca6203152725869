"""`wholeplace section75 ...`: list the agreements, load one from a YAML file, and work out (or draft) a year-end
settlement. The console acts as its operator (an admin), as `partners import` does.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
import yaml
from rich.table import Table

from wholeplace.auth.actor import Actor
from wholeplace.cli_support import out, print_whole, read_text, refuse, unit_of_work
from wholeplace.files.reader import NoAliasLoader
from wholeplace.problems import Problem
from wholeplace.section75 import service, settlement
from wholeplace.section75.engine import percent
from wholeplace.section75.terms import read_settlement_inputs, read_terms

section75_app = typer.Typer(help="Section 75 agreements: pooled funds, instalments, risk shares, year-end settlement")


@section75_app.command("list")
def list_command() -> None:
    """Every agreement with its fund, host and partners' shares of an overspend and underspend."""
    with unit_of_work() as session:
        table = Table("Reference", "Title", "Fund", "Host", "Partners (overspend / underspend)")
        page, shown = 1, 0
        while True:
            found = service.list_agreements(session, Actor.console(), page=page, page_size=200)
            for agreement in found.items:
                shares = "; ".join(
                    f"{p.organisation.name} {percent(p.overspend_share_bp)} / {percent(p.underspend_share_bp)}"
                    for p in agreement.partners
                )
                table.add_row(agreement.reference, agreement.title, agreement.fund.code, agreement.host.name, shares)
                shown += 1
            if not found.has_next:
                break
            page += 1
        print_whole(table)
        out.print(f"Agreements: {shown}")


@section75_app.command("load")
def load_command(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="The agreement, in YAML or JSON")],
) -> None:
    """Record an agreement from a file (the keys of POST /api/v1/section75/agreements); all or nothing."""
    try:
        values = yaml.load(read_text(file), Loader=NoAliasLoader)
    except yaml.YAMLError as error:
        refuse([Problem(file.name, f"This is not YAML or JSON that can be read: {error}")])
    if not isinstance(values, dict):
        refuse([Problem(file.name, "The file must hold an agreement's keys and values, like 'reference: S75/1'")])
    terms, problems = read_terms({str(key): value for key, value in values.items()})
    if terms is None:
        refuse([Problem(f"{file.name}, {p.where}", p.message) for p in problems])
    with unit_of_work() as session:
        agreement = service.create_agreement(session, Actor.console(), terms=terms)
        instalments = sum(len(partner.instalments) for partner in agreement.partners)
        out.print(f"Recorded {agreement.reference}: {len(agreement.partners)} partners, {instalments} instalments")


@section75_app.command("settlement")
def settlement_command(
    reference: Annotated[str, typer.Argument(help="The agreement's reference")],
    year: Annotated[str, typer.Option("--year", help="The financial year, like 2025/26")],
    accrued: Annotated[str, typer.Option("--accrued", help="Expenditure of the year not yet paid from the pool")] = "",
    draft: Annotated[
        str | None, typer.Option("--draft", help="Draft the settlement as a decision with this reference")
    ] = None,
) -> None:
    """Work out the year-end settlement from the ledger; with --draft, draft the decision that posts it."""
    found_year, found_accrued, problems = read_settlement_inputs(year, accrued)
    if problems or found_year is None:
        refuse([Problem(f"--{p.where}", p.message) for p in problems])
    with unit_of_work() as session:
        actor = Actor.console()
        agreement = service.agreement_by_reference(session, actor, reference)
        found = settlement.compute_settlement(
            session, actor, agreement_id=agreement.id, year=found_year, accrued=found_accrued
        )
        out.print(
            f"{agreement.title}, {found.year}: agreed {found.agreed}, received {found.received}, spent {found.spent}, "
            f"not yet paid {found.accrued}, outturn {found.outturn}, settled before {found.settled.signed()}"
        )
        if not found.lines:
            out.print("Balanced: nothing to settle")
            return
        table = Table("Partner", "Share", "Amount", title=f"{found.outcome.value.capitalize()} of {found.amount}")
        for line in found.lines:
            table.add_row(line.partner, percent(line.share_bp), str(line.amount))
        print_whole(table)
        if draft is not None:
            decision = settlement.draft_settlement(
                session, actor, agreement_id=agreement.id, year=found_year, reference=draft, accrued=found_accrued
            )
            out.print(f"Drafted {decision.reference}: approve it to post the settlement")
