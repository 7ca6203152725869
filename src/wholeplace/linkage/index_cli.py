"""`wholeplace linkage import`, `run` and `review`: the index in the database, from the console.

The console acts for a named analyst (`--as`), so the audit trail says who the work was done for and the
sharing rules are that analyst's; the entry's label says it came from the console.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer
import yaml
from rich.table import Table
from sqlalchemy import select
from sqlalchemy.orm import Session

from wholeplace.auth.actor import Actor
from wholeplace.auth.model import User
from wholeplace.cli_support import out, read_bytes, refuse, unit_of_work
from wholeplace.linkage import index, matching, review
from wholeplace.linkage.extracts import FIELDS
from wholeplace.partners.model import Organisation
from wholeplace.problems import Problem

AsUser = Annotated[str, typer.Option("--as", help="The email of the analyst the console acts for")]


def acting_for(session: Session, email: str) -> Actor:
    user = session.scalars(select(User).where(User.email == email.strip().lower())).first()
    if user is None:
        refuse([Problem("--as", f"There is no user {email}")])
    actor = Actor.of(user)
    return Actor(actor.user_id, f"console as {user.email}", actor.organisation_id, actor.roles)


def read_mapping(path: Path) -> dict[str, str]:
    """A YAML mapping of our field names to the file's column names: `surname: FAMILY_NAME`."""
    try:
        mapping = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        refuse([Problem(path.name, f"The mapping cannot be read: {error}")])
    if not isinstance(mapping, dict) or not all(isinstance(v, str) for v in mapping.values()):
        refuse([Problem(path.name, "Write the mapping as lines of 'field: column', fields being " + ", ".join(FIELDS))])
    return {str(key): value for key, value in mapping.items()}


def import_command(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="The extract (.csv or .xlsx)")],
    agency: Annotated[str, typer.Option("--agency", help="The partner that sent it, by its identifier")],
    acting: AsUser,
    source: Annotated[
        str | None, typer.Option("--source", help="The agency's system (default: the file's name)")
    ] = None,
    received: Annotated[
        str | None, typer.Option("--received", help="Date received, YYYY-MM-DD (default today)")
    ] = None,
    mapping: Annotated[
        Path | None, typer.Option("--mapping", exists=True, dir_okay=False, help="YAML: field: column")
    ] = None,
) -> None:
    """Import one agency's extract into the index; unusable rows are listed, nothing is half-imported."""
    try:
        received_on = dt.date.fromisoformat(received) if received else dt.date.today()
    except ValueError:
        refuse([Problem("--received", f"'{received}' is not a date: write it as 2026-12-05")])
    columns = read_mapping(mapping) if mapping else None
    with unit_of_work() as session:
        partner = session.scalars(select(Organisation).where(Organisation.identifier == agency)).first()
        if partner is None:
            refuse([Problem("--agency", f"There is no partner with the identifier {agency}")])
        result = index.import_extract(
            session,
            acting_for(session, acting),
            data=read_bytes(file),
            filename=file.name,
            organisation_id=partner.id,
            source=source or file.stem,
            received_on=received_on,
            mapping=columns,
        )
        extract = result.extract
        out.print(
            f"{file.name}: {extract.rows:,} rows, {extract.new_records:,} new and {extract.changed_records:,} changed "
            f"records; {len(result.unusable):,} rows not used"
        )
        for problem in result.unusable:
            out.print(f"  {problem}")


def run_command(
    acting: AsUser,
    full: Annotated[bool, typer.Option("--full", help="Retrain the model and link every record")] = False,
    model_file: Annotated[
        Path | None, typer.Option("--model", exists=True, dir_okay=False, help="Use a saved model.json (full run)")
    ] = None,
) -> None:
    """Link the index: new and changed records, or everything with --full."""
    try:
        model = matching.Model.load(model_file) if model_file else None
    except ValueError as error:
        refuse([Problem(str(model_file), str(error))])
    with unit_of_work() as session:
        summary = index.run(session, acting_for(session, acting), full=full or model is not None, model=model)
        run = summary.run
        changes = ", ".join(f"{count} {kind}" for kind, count in sorted(summary.events.items())) or "no changes"
        out.print(f"Run {run.id} ({run.kind}): {run.records_linked:,} records linked; {run.people:,} people; {changes}")
        out.print(f"{summary.held} people held for review")


def review_command(
    acting: AsUser,
    page: Annotated[int, typer.Option("--page", min=1)] = 1,
) -> None:
    """The pairs waiting for an analyst, surest first (no names: open each in the browser to decide)."""
    with unit_of_work() as session:
        found = review.queue(session, acting_for(session, acting), page=page, page_size=50)
        table = Table(
            "Pair", "Records", "Likelihood", "Agree on", "Differ on", title=f"{found.total:,} pairs to review"
        )
        for pair in found.items:
            agree = ", ".join(level["comparison"] for level in pair.explanation if level["weight"] > 0)
            differ = ", ".join(level["comparison"] for level in pair.explanation if level["weight"] < 0)
            table.add_row(
                str(pair.id), f"{pair.record_l_id}, {pair.record_r_id}", f"{pair.match_probability:.1%}", agree, differ
            )
        out.print(table)


def register(app: typer.Typer) -> None:
    app.command("import")(import_command)
    app.command("run")(run_command)
    app.command("review")(review_command)
