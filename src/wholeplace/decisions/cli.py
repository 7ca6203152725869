"""`wholeplace decisions ...` and `wholeplace meetings ...` at the console."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table
from sqlalchemy import select
from sqlalchemy.orm import Session

from wholeplace.auth import service as auth_service
from wholeplace.auth.actor import Actor
from wholeplace.cli_support import out, unit_of_work
from wholeplace.decisions import service
from wholeplace.decisions.model import ActionStatus, Decision, Meeting
from wholeplace.problems import NotFound

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
        for decision in service.list_decisions(session, Actor.console(), page_size=500).items:
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


@decisions_app.command("approve")
def approve(reference: str, acting_as: ActingAs) -> None:
    """Approve a draft decision and post its money (decision makers only)."""
    with unit_of_work() as session:
        decision = _by_reference(session, reference)
        posted = service.approve_decision(session, _acting(session, acting_as), decision_id=decision.id)
        out.print(f"Approved {reference}: {len(posted)} transactions posted")


@decisions_app.command("reject")
def reject(
    reference: str, acting_as: ActingAs, reason: Annotated[str, typer.Option(help="Why it is not agreed")]
) -> None:
    """Reject a draft decision with a reason; nothing is posted."""
    with unit_of_work() as session:
        decision = _by_reference(session, reference)
        service.reject_decision(session, _acting(session, acting_as), decision_id=decision.id, reason=reason)
        out.print(f"Rejected {reference}")


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
