"""`wholeplace decisions ...` and `wholeplace meetings ...` at the console, and the commands that use both
decisions and funds: `wholeplace allocate` (whose `--into` drafts a decision) and `wholeplace funds export pdf`
(a decision's report), which `wholeplace.cli` puts where users find them. Funds never import decisions."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Annotated

import typer
from rich.table import Table
from sqlalchemy import select
from sqlalchemy.orm import Session

from wholeplace import business_dates
from wholeplace.auth import service as auth_service
from wholeplace.auth.actor import Actor
from wholeplace.cli_support import err, financial_year_option, out, refuse, unit_of_work
from wholeplace.decisions import call_in, report, service
from wholeplace.decisions.model import ActionStatus, Decision, Meeting
from wholeplace.funds import ledger, plan_cli
from wholeplace.funds import plan as plans
from wholeplace.funds.export_cli import RequiredOutput
from wholeplace.funds.model import UNALLOCATED_PATH
from wholeplace.funds.plan_cli import AllocationFormat, PlanFile
from wholeplace.money import FinancialYear
from wholeplace.paging import MAX_PAGE_SIZE
from wholeplace.problems import NotFound, Problem
from wholeplace.settings import get_settings

decisions_app = typer.Typer(help="Decision records that authorise money.", no_args_is_help=True)
meetings_app = typer.Typer(help="Meetings and their numbered actions.", no_args_is_help=True)
ActingAs = Annotated[str, typer.Option("--as", help="Email of the decision maker acting (their roles apply)")]


def _acting(session: Session, email: str) -> Actor:
    """A user acting at the console; the audit trail records that it was at the console."""
    user = auth_service.user_by_email(session, email)
    actor = Actor.of(user)
    return Actor(actor.user_id, f"{actor.label} (console)", actor.organisation_id, actor.roles)


def _by_reference(session: Session, reference: str) -> Decision:
    decision = session.scalar(select(Decision).where(Decision.reference == reference))
    if decision is None:
        raise NotFound(f"There is no decision {reference}")
    return decision


@decisions_app.command("list")
def list_decisions() -> None:
    """Every decision, newest first, with its status and total."""
    with unit_of_work() as session:
        table = Table("Reference", "Date", "Title", "Fund", "Status", "To themes and projects")
        for decision in _every_decision(session):
            total = service.allocated_total(decision)
            table.add_row(
                decision.reference,
                f"{decision.report_date:%d %b %Y}",
                decision.title,
                decision.fund.code,
                decision.status.value,
                str(total),
            )
        out.print(table)


DecidedOn = Annotated[
    str | None, typer.Option(help="The day the decision maker signed the record, like 2013-07-30; today if left out")
]
SignedBy = Annotated[
    str | None, typer.Option(help="Who signed the record; the office the report was put to if left out")
]


def _every_decision(session: Session) -> Iterator[Decision]:
    """Every decision, a page at a time, so that a long list is printed whole."""
    page = service.list_decisions(session, Actor.console(), page_size=MAX_PAGE_SIZE)
    yield from page.items
    while page.has_next:
        page = service.list_decisions(session, Actor.console(), page=page.page + 1, page_size=MAX_PAGE_SIZE)
        yield from page.items


Urgent = Annotated[
    str | None, typer.Option("--urgent", help="Why it is urgent: its money then posts now, without a call-in period")
]


@decisions_app.command("approve")
def approve(
    reference: str, acting_as: ActingAs, decided_on: DecidedOn = None, signed_by: SignedBy = None, urgent: Urgent = None
) -> None:
    """Approve a draft decision (decision makers only); its money posts after the call-in period, or now if urgent."""
    signature = _signature(decided_on, signed_by, urgent)
    with unit_of_work() as session:
        decision = _by_reference(session, reference)
        posted = service.approve_decision(
            session,
            _acting(session, acting_as),
            decision_id=decision.id,
            signature=signature,
            call_in_working_days=get_settings().call_in_working_days,
        )
        posted_count = f"{len(posted)} transaction{'' if len(posted) == 1 else 's'}"
        money = (
            f"{posted_count} posted"
            if decision.money_posted_at
            else call_in.money_state(decision, business_dates.today())
        )
        out.print(f"Approved {reference}, decided on {decision.decided_on:%-d %B %Y}: {money}")


@decisions_app.command("release")
def release() -> None:
    """Post the money of every approved decision whose call-in period has ended without a call-in (run it daily).

    Exits 1, naming each, if any decision's money is not there; the others still post.
    """
    with unit_of_work() as session:
        done = call_in.release_due(session, Actor.console())
    for reference in done.posted:
        out.print(f"Posted the money of {reference}")
    for reference, problems in done.refused:
        err.print(f"{reference}: not posted. " + "; ".join(str(problem) for problem in problems), highlight=False)
    out.print(f"{len(done.posted)} posted, {len(done.refused)} not posted")
    if done.refused:
        raise typer.Exit(1)


@decisions_app.command("reject")
def reject(
    reference: str,
    acting_as: ActingAs,
    reason: Annotated[str, typer.Option(help="Why it is not agreed")],
    decided_on: DecidedOn = None,
    signed_by: SignedBy = None,
) -> None:
    """Reject a draft decision with a reason; nothing is posted."""
    signature = _signature(decided_on, signed_by)
    with unit_of_work() as session:
        decision = _by_reference(session, reference)
        service.reject_decision(
            session, _acting(session, acting_as), decision_id=decision.id, reason=reason, signature=signature
        )
        out.print(f"Rejected {reference}, decided on {decision.decided_on:%-d %B %Y}")


def _signature(decided_on: str | None, signed_by: str | None, urgent: str | None = None) -> service.Signature:
    try:
        day = dt.date.fromisoformat(decided_on) if decided_on is not None else None
    except ValueError:
        refuse([Problem("--decided-on", f"{decided_on} is not a date written like 2013-07-30")])
    return service.Signature(decided_on=day, signed_by=signed_by, urgent_reason=urgent)


@meetings_app.command("list")
def list_meetings() -> None:
    """Meetings with their numbered actions, owners, due dates and status."""
    with unit_of_work() as session:
        meetings = session.scalars(select(Meeting).order_by(Meeting.date.desc())).all()
        for meeting in meetings:
            table = Table("Id", "Action", "Owner", "Due", "Status", title=f"{meeting.body}, {meeting.date:%d %B %Y}")
            for action in meeting.actions:
                table.add_row(
                    str(action.id),
                    f"ACTION {action.number}: {action.text}",
                    action.owner,
                    f"{action.due_date:%d %b %Y}" if action.due_date else "",
                    action.status.value,
                )
            out.print(table)


@meetings_app.command("action")
def set_action(action_id: int, status: Annotated[ActionStatus, typer.Option(help="open or done")]) -> None:
    """Mark a meeting action done (or open again)."""
    with unit_of_work() as session:
        action = service.set_action_status(session, Actor.console(), action_id=action_id, status=status)
        out.print(f"ACTION {action.number} of {action.meeting.body} is {action.status.value}")


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
    allocation = plans.allocate(plan_cli.read_plan_file(plan_file))
    if into is not None:
        _draft_into(allocation, into, reference, year)
    plan_cli.print_allocation(allocation, format)


def _draft_into(allocation: plans.PlanAllocation, fund_code: str, reference: str | None, year: str | None) -> None:
    """A draft decision moving each allocation from the fund's pool to a theme account named by its path."""
    if not reference:
        refuse([Problem("--reference", "Give the draft decision a reference, like ECC/CSF/2011-12")])
    given_year = financial_year_option(year, "--year")
    with unit_of_work() as session:
        actor = Actor.console()
        fund = ledger.fund_by_code(session, actor, fund_code)
        financial_year = given_year or FinancialYear(fund.first_year)
        recommendations = [
            service.RecommendationIn(
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
        decision = service.draft_decision(
            session,
            actor,
            fund_id=fund.id,
            draft=service.DecisionIn(
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


def report_pdf(
    reference: str,
    output: RequiredOutput,
    classification: Annotated[str, typer.Option(help="Classification line of the paper")] = "Not Protectively Marked",
) -> None:
    """A decision's report as PDF, laid out like the published papers: purpose, amounts, decision, publication."""
    with unit_of_work() as session:
        decision = report.load_decision(session, Actor.console(), reference)
        html = report.decision_report_html(decision, classification=classification)
    output.write_bytes(report.decision_report_pdf(html))
    out.print(f"Wrote the report of {reference} to {output}", highlight=False)
