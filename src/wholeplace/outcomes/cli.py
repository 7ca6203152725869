"""`wholeplace outcomes ...`: load a framework, import measurements, print every indicator's status, and
compute a payment-by-results claim. The console acts as its operator (an admin), as `partners import` does.
"""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table
from sqlalchemy import select

from wholeplace.auth.actor import Actor
from wholeplace.cli_support import out, read_bytes, read_text, refuse, unit_of_work
from wholeplace.funds import ledger
from wholeplace.funds.model import Account
from wholeplace.money import Money
from wholeplace.outcomes import claims, frameworks, grants, measurements, progress, realisation, scheme_files, schemes
from wholeplace.outcomes.model import Counting
from wholeplace.outcomes.periods import Period, PeriodError
from wholeplace.outcomes.schemas import StatusOut
from wholeplace.outcomes.status import number
from wholeplace.problems import Problem

outcomes_app = typer.Typer(help="The outcomes framework: indicators, measurements, status and payment by results")


class Format(StrEnum):
    TABLE = "table"
    JSON = "json"


FormatOption = Annotated[Format, typer.Option("--format", help="table or json")]


@outcomes_app.command("framework")
def framework_command(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="The framework, in YAML or JSON")],
) -> None:
    """Create or bring up to date a framework, its outcomes and indicators, from a file; all or nothing."""
    with unit_of_work() as session:
        framework = frameworks.load_framework(session, Actor.console(), text=read_text(file), filename=file.name)
        indicators = sum(len(outcome.indicators) for outcome in framework.outcomes)
        out.print(f"Loaded {framework.name}: {len(framework.outcomes)} outcomes, {indicators} indicators")


@outcomes_app.command("import")
def import_command(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="Measurements (.csv or .xlsx)")],
) -> None:
    """Import measurements (indicator, area, period, value); any bad row refuses the whole file."""
    with unit_of_work() as session:
        report = measurements.import_measurements(session, Actor.console(), data=read_bytes(file), filename=file.name)
    out.print(
        f"Imported {report.filename}: {report.rows} rows, {report.new} new, {report.revised} revised "
        f"(the figures before are kept), {report.unchanged} unchanged"
    )


@outcomes_app.command("scheme")
def scheme_command(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="The scheme, in YAML or JSON")],
) -> None:
    """Create or bring up to date a payment-by-results scheme from a file; all or nothing."""
    with unit_of_work() as session:
        scheme = scheme_files.load_scheme(session, Actor.console(), text=read_text(file), filename=file.name)
        out.print(f"Loaded {scheme.name}: {len(scheme.outcomes)} outcomes")


@outcomes_app.command("records")
def records_command(
    scheme: Annotated[str, typer.Argument(help="The scheme's code, like families-pbr")],
    file: Annotated[
        Path, typer.Argument(exists=True, dir_okay=False, help="Members, outcomes, relapses (.csv or .xlsx)")
    ],
) -> None:
    """Import a scheme's cohort members, outcomes achieved and relapses; any bad row refuses the whole file."""
    with unit_of_work() as session:
        actor = Actor.console()
        report = scheme_files.import_records(
            session, actor, scheme=schemes.get_scheme(session, actor, scheme), data=read_bytes(file), filename=file.name
        )
    out.print(
        f"Imported {report.filename}: {report.members} members, {report.outcomes} outcomes, {report.relapses} relapses"
    )


@outcomes_app.command("link")
def link_command(
    indicator: Annotated[str, typer.Argument(help="The indicator's code, like repeat-da-victims")],
    fund: Annotated[str, typer.Option("--fund", help="A grant: the fund's code")] = "",
    account: Annotated[str, typer.Option("--account", help="A grant: its theme or project, by path")] = "",
    case: Annotated[int, typer.Option("--case", help="A business case's number", min=0)] = 0,
    outcome: Annotated[str, typer.Option("--outcome", help="The outcome's name in the business case")] = "",
    area: Annotated[str, typer.Option("--area", help="Whose figures count for the case: ONS code or name")] = "",
    counting: Annotated[Counting, typer.Option("--counting", help="count or reduction")] = Counting.COUNT,
    funded_by: Annotated[bool, typer.Option("--funded-by", help="Also record the grant as the case's funding")] = False,
) -> None:
    """Link an indicator to a grant (--fund and --account) or a business case outcome (--case, --outcome, --area)."""
    with unit_of_work() as session:
        actor = Actor.console()
        found = measurements.Lookup(session).indicator(indicator)
        if found is None:
            refuse([Problem("indicator", f"There is no indicator {indicator}")])
        grant = None
        if fund or account:
            fund_row = ledger.fund_by_code(session, actor, fund)
            grant = session.scalar(select(Account).where(Account.fund_id == fund_row.id, Account.path == account))
            if grant is None:
                refuse([Problem("--account", f"{fund_row.name} has no account {account}")])
            grants.link_grant(session, actor, indicator_id=found.id, account_id=grant.id)
            out.print(f"{found.name} is linked to the grant {account}")
        if case:
            place = measurements.Lookup(session).area(area)
            if place is None:
                refuse([Problem("--area", f"'{area}' is not an area: give its ONS code or name")])
            realisation.link_benefit(
                session,
                actor,
                indicator_id=found.id,
                business_case_id=case,
                case_outcome=outcome,
                area_id=place.id,
                counting=counting,
            )
            if funded_by and grant is not None:
                realisation.fund_case(session, actor, business_case_id=case, account_id=grant.id)
            out.print(f"{found.name} in {place.name} measures “{outcome}” of business case {case}")
        if not (fund or account or case):
            refuse([Problem("link", "Give a grant (--fund and --account) or a business case (--case)")])


@outcomes_app.command("status")
def status_command(
    framework: Annotated[str | None, typer.Option("--framework", help="A framework's code (default: all)")] = None,
    output: FormatOption = Format.TABLE,
) -> None:
    """Every indicator and area with its latest figure, baseline, target, status and the rule that gave it."""
    with unit_of_work() as session:
        actor = Actor.console()
        framework_id = None
        if framework is not None:
            found = [item for item in frameworks.list_frameworks(session, actor) if item.code == framework]
            if not found:
                refuse([Problem("--framework", f"There is no framework '{framework}'")])
            framework_id = found[0].id
        rows = progress.status_rows(session, actor, framework_id=framework_id)
    if output is Format.JSON:
        print(json.dumps([_status_json(row) for row in rows], indent=2, ensure_ascii=False))
        return
    table = Table("Indicator", "Area", "Period", "Latest", "Baseline", "Target", "Status", "Rule")
    for row in rows:
        table.add_row(
            row.indicator,
            row.area,
            str(row.period or ""),
            number(row.latest) if row.latest is not None else "",
            number(row.baseline) if row.baseline is not None else "",
            number(row.target) if row.target is not None else "",
            row.status.label,
            row.assessment.rule,
        )
    out.print(table)
    counts = progress.summary(rows)
    out.print(", ".join(f"{status.label}: {count}" for status, count in counts.most_common()))


def _status_json(row: progress.StatusRow) -> dict[str, Any]:
    """The API's status of one indicator and area, with the indicator named."""
    return {"indicator": row.code, "indicator_name": row.indicator, **StatusOut.of(row).model_dump()}


@outcomes_app.command("claim")
def claim_command(
    scheme: Annotated[str, typer.Argument(help="The scheme's code, like families-pbr")],
    period: Annotated[str, typer.Option("--period", help="The claim period: 2025/26 Q4, 2025/26 or 2026-01")],
    output: FormatOption = Format.TABLE,
) -> None:
    """The claim a scheme's records support for a period, line by line with its evidence; nothing is stored."""
    try:
        claim_period = Period.parse(period)
    except PeriodError as error:
        refuse([Problem("--period", str(error))])
    with unit_of_work() as session:
        actor = Actor.console()
        found = schemes.get_scheme(session, actor, scheme)
        claim = schemes.compute(session, actor, found, claim_period)
        session.rollback()  # computing never changes anything the console asked only to see
    if output is Format.JSON:
        print(json.dumps(_claim_json(scheme, claim_period, claim), indent=2, ensure_ascii=False))
        return
    table = Table("Unit", "Outcome", "Tariff", "Pays", "Status", "Why", "Evidence")
    for line in claim.lines:
        table.add_row(
            line.unit,
            line.outcome,
            str(line.tariff),
            str(line.amount),
            line.status.value,
            line.reason,
            str(line.evidence_id or ""),
        )
    out.print(table)
    out.print(f"Total for {claim_period}: {claim.total}")


def _claim_json(scheme: str, period: Period, claim: claims.Claim) -> dict[str, Any]:
    return {
        "scheme": scheme,
        "period": str(period),
        "period_end": claim.period_end.isoformat(),
        "total": claim.total.plain(),
        "lines": [
            {
                "unit": line.unit,
                "outcome": line.outcome,
                "tariff": line.tariff.plain(),
                "amount": line.amount.plain(),
                "status": line.status.value,
                "reason": line.reason,
                "evidence_id": line.evidence_id,
                "relapse_id": line.relapse_id,
            }
            for line in claim.lines
        ],
        "paying_lines": sum(1 for line in claim.lines if line.status in claims.PAYING),
        "sum_of_paying_lines": Money.total(line.amount for line in claim.lines if line.status in claims.PAYING).plain(),
    }
