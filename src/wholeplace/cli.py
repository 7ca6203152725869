"""The `wholeplace` command."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from wholeplace import audit, audit_anchor, backup
from wholeplace.appraisal import cli as appraisal_cli
from wholeplace.appraisal import portfolio_cli
from wholeplace.appraisal.unit_costs_cli import unit_costs_app
from wholeplace.auth import service as auth_service
from wholeplace.auth.actor import Actor
from wholeplace.auth.model import TokenScope
from wholeplace.business_dates import london_date
from wholeplace.cases.cli import cases_app
from wholeplace.cli_support import err, out, read_text, refuse, unit_of_work
from wholeplace.db import make_engine
from wholeplace.decisions import cli as decisions_cli
from wholeplace.decisions.cli import decisions_app, meetings_app
from wholeplace.funds import plan_cli
from wholeplace.funds.cli import funds_app
from wholeplace.funds.export_cli import export_app
from wholeplace.linkage.cli import linkage_app
from wholeplace.migrate import upgrade
from wholeplace.outcomes.cli import outcomes_app
from wholeplace.partners import service as partners_service
from wholeplace.partners.engine import parse_kind
from wholeplace.problems import InvalidInput, Problem
from wholeplace.section75.cli import section75_app
from wholeplace.settings import get_settings
from wholeplace.sharing.rls import grant_application_role

app = typer.Typer(
    help="Whole Place Community Budgets: partners, funds, business cases, casework, outcomes.", no_args_is_help=True
)
db_app = typer.Typer(help="The database.", no_args_is_help=True)
users_app = typer.Typer(help="Users, roles and API tokens.", no_args_is_help=True)
partners_app = typer.Typer(help="Partner organisations.", no_args_is_help=True)
audit_app = typer.Typer(help="The audit trail.", no_args_is_help=True)
demo_app = typer.Typer(help="The Essex demo programme.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(users_app, name="users")
app.add_typer(partners_app, name="partners")
app.add_typer(audit_app, name="audit")
app.add_typer(demo_app, name="demo")
app.add_typer(funds_app, name="funds")
app.add_typer(decisions_app, name="decisions")
app.add_typer(meetings_app, name="meetings")
app.add_typer(outcomes_app, name="outcomes")
app.add_typer(unit_costs_app, name="unit-costs")
app.add_typer(cases_app, name="cases")
app.add_typer(linkage_app, name="linkage")
app.add_typer(section75_app, name="section75")


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create or migrate the database to the newest schema."""
    settings = get_settings()
    engine = make_engine(settings.database_url)
    upgrade(engine)
    engine.dispose()
    out.print(f"Database is up to date: {engine.url.render_as_string(hide_password=True)}")


@db_app.command("grant-app-role")
def db_grant_app_role(role: str) -> None:
    """PostgreSQL: make a plain login role for the app (row-level security binds it) and grant it the tables.

    Run as the database owner after `db upgrade`; then set WHOLEPLACE_DATABASE_URL to connect as ROLE.
    """
    engine = make_engine(get_settings().database_url)
    if engine.dialect.name != "postgresql":
        refuse([Problem("database", "Row-level security and roles are PostgreSQL's; SQLite has neither")])
    try:
        with engine.begin() as connection:
            grant_application_role(connection, role)
    except ValueError as error:
        refuse([Problem("role", str(error))])
    finally:
        engine.dispose()
    out.print(f"Role {role} may use every table; case rows are limited by row-level security")


@users_app.command("create")
def users_create(
    email: str,
    name: Annotated[str, typer.Option(help="Full name")],
    organisation: Annotated[str, typer.Option(help="Identifier of the user's partner organisation")],
    role: Annotated[list[str], typer.Option(help="A role; repeat for several")],
    password: Annotated[
        str,
        typer.Option(
            prompt=True,
            hide_input=True,
            confirmation_prompt=True,
            help="At least 12 characters; asked for when not given",
        ),
    ],
) -> None:
    """Add a user to a partner organisation."""
    with unit_of_work() as session:
        user = auth_service.create_user(
            session,
            Actor.console(),
            email=email,
            name=name,
            organisation_identifier=organisation,
            roles=role,
            password=password,
        )
        out.print(f"Created {user.email} in {user.organisation.name} with roles {', '.join(sorted(user.roles))}")


@users_app.command("list")
def users_list() -> None:
    """Every user, with organisation and roles."""
    with unit_of_work() as session:
        table = Table("Email", "Name", "Organisation", "Roles", "Locked until")
        for user in auth_service.list_users(session, Actor.console()):
            locked = user.locked_until.strftime("%Y-%m-%d %H:%M") if user.locked_until else ""
            table.add_row(user.email, user.name, user.organisation.name, ", ".join(sorted(user.roles)), locked)
        out.print(table)


@users_app.command("token")
def users_token(
    email: str,
    name: Annotated[str, typer.Option(help="What the token is for")],
    scope: Annotated[TokenScope, typer.Option(help="read: GET requests only; write: every request")] = (
        TokenScope.WRITE
    ),
    days: Annotated[int, typer.Option(help="How long it works: 30, 90 or 365 days")] = 90,
) -> None:
    """Create an API token for a user and print it once."""
    with unit_of_work() as session:
        user = auth_service.user_by_email(session, email)
        token, secret = auth_service.create_token(
            session, Actor.console(), name=name, scope=scope, days=days, for_user=user
        )
        until = london_date(token.expires_at)
        err.print(
            f"Token {token.id} '{token.name}' for {user.email}: {token.scope.label.lower()}, until "
            f"{until.day} {until:%B %Y}. Copy it now: it will not be shown again."
        )
        print(secret)


@users_app.command("revoke-token")
def users_revoke_token(email: str, token_id: int) -> None:
    """Revoke one of a user's API tokens."""
    with unit_of_work() as session:
        user = auth_service.user_by_email(session, email)
        token = auth_service.revoke_token(session, Actor.console(), token_id=token_id, for_user=user)
        out.print(f"Revoked token {token.id} '{token.name}' of {user.email}")


@partners_app.command("list")
def partners_list(
    kind: Annotated[str | None, typer.Option(help="Only this kind, e.g. district_council")] = None,
    search: Annotated[str | None, typer.Option(help="Part of a name or identifier")] = None,
) -> None:
    """Partner organisations by name."""
    with unit_of_work() as session:
        parsed_kind = parse_kind(kind) if kind else None
        if kind and parsed_kind is None:
            raise InvalidInput(f"'{kind}' is not a kind of organisation")
        table = Table("Identifier", "Name", "Kind", "Part of", "Area")
        page_number, shown = 1, 0
        while True:
            page = partners_service.list_organisations(
                session, Actor.console(), page=page_number, page_size=500, kind=parsed_kind, search=search
            )
            for org in page.items:
                table.add_row(
                    org.identifier,
                    org.name,
                    org.kind.label,
                    org.parent.name if org.parent else "",
                    org.area.name if org.area else "",
                )
            shown += len(page.items)
            if not page.has_next:
                break
            page_number += 1
        out.print(table)
        out.print(f"{shown} partners")


@partners_app.command("import")
def partners_import(file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)]) -> None:
    """Create or update partners from a CSV (identifier,name,kind,parent_identifier,area_code).

    All or nothing: any problem in any row is reported and nothing changes.
    """
    text = read_text(file)
    with unit_of_work() as session:
        report = partners_service.import_organisations(session, Actor.console(), text=text, filename=file.name)
        out.print(f"Imported {file.name}: {report.created} partners created, {report.updated} updated")


@audit_app.command("verify")
def audit_verify(
    anchor: Annotated[
        Path | None, typer.Option(help="An anchor file from `wholeplace audit anchor`: also check the end it saw")
    ] = None,
) -> None:
    """Check the audit chain and record the check: exit 0 when intact, 1 naming the first broken entry."""
    anchored = None if anchor is None else _read_anchor(anchor)
    with unit_of_work() as session:
        # Against the anchor first, before this check adds its own entry to the end.
        against_anchor = None if anchored is None else audit_anchor.verify_with_anchor(session, anchored)
        verification = audit.check_chain(session, Actor.console())
    chain_break = verification.chain_break or (None if against_anchor is None else str(against_anchor))
    if chain_break is not None:
        err.print(f"[red]The audit chain is broken at {escape(chain_break)}[/red]", highlight=False)
        raise typer.Exit(1)
    against = "" if anchored is None else f"; entry {anchored.seq} is as the anchor saw it"
    out.print(f"The audit chain is intact: {verification.entries} entries{against}")


@audit_app.command("anchor")
def audit_anchor_command(
    file: Annotated[Path, typer.Argument(help="Where to write the anchor: keep it away from the database")],
) -> None:
    """Write the head of the audit chain, signed with WHOLEPLACE_AUDIT_ANCHOR_KEY, to a file."""
    key = _anchor_key()
    with unit_of_work() as session:
        anchor = audit_anchor.take_anchor(session)
    file.write_text(json.dumps(anchor.signed(key), indent=2) + "\n", encoding="utf-8")
    out.print(f"Anchored the audit chain at entry {anchor.seq} in {file}")


def _read_anchor(path: Path) -> audit_anchor.Anchor:
    try:
        return audit_anchor.read_anchor(read_text(path), path.name, _anchor_key())
    except InvalidInput as error:
        refuse(error.problems)


def _anchor_key() -> str:
    key = get_settings().audit_anchor_key
    if key is None or not key.get_secret_value():
        refuse([Problem("WHOLEPLACE_AUDIT_ANCHOR_KEY", "Set a secret key to sign and check audit anchors")])
    return key.get_secret_value()


@demo_app.command("load")
def demo_load() -> None:
    """Migrate the database and load the Essex demo; running it again changes nothing."""
    from wholeplace.demo.load import load_demo

    db_upgrade()
    with unit_of_work() as session:
        users = load_demo(session, Actor.console())
    settings = get_settings()
    out.print(
        f"\nDemo sign-ins for http://{settings.host}:{settings.port} (demo passwords: never use them for real data)"
    )
    for user in users:
        out.print(f"  {user.role.value:<15} {user.email:<40} {user.password:<26} {user.organisation}", highlight=False)


@app.command("backup")
def backup_command(
    file: Annotated[
        Path, typer.Argument(help="Where to write the backup (gzip JSON lines); keep copies off this machine")
    ],
) -> None:
    """Write a consistent, checksummed snapshot of every table to FILE, while the app carries on serving."""
    engine = make_engine(get_settings().database_url)
    try:
        summary = backup.write_backup(engine, file)
    except backup.BackupRefused as error:
        refuse(error.problems)
    finally:
        engine.dispose()
    _print_backup_summary(f"Backed up to {file}", summary, file)


@app.command("restore")
def restore_command(
    file: Annotated[Path, typer.Argument(help="A file from `wholeplace backup`")],
) -> None:
    """Restore FILE into a new, empty database: check it, migrate, load every row at once, verify the audit chain."""
    engine = make_engine(get_settings().database_url)
    try:
        summary = backup.restore_backup(engine, file)
    except backup.BackupRefused as error:
        refuse(error.problems)
    finally:
        engine.dispose()
    _print_backup_summary(f"Restored {file}", summary, file)
    if summary.audit_break is not None:
        err.print(f"[red]The restored audit chain is broken at {escape(summary.audit_break)}[/red]", highlight=False)
        raise typer.Exit(1)
    out.print("The restored audit chain is intact")


def _print_backup_summary(done: str, summary: backup.BackupSummary, file: Path) -> None:
    tables_with_rows = sum(1 for count in summary.rows.values() if count)
    out.print(
        f"{done}: {len(summary.rows)} tables ({tables_with_rows} with rows), {summary.total_rows:,} rows, "
        f"schema revision {summary.revision}, taken {summary.created_at}, {file.stat().st_size:,} bytes",
        highlight=False,
    )
    out.print(f"SHA-256 {summary.sha256}", highlight=False)


@app.command("serve")
def serve(
    host: Annotated[str | None, typer.Option(help="Address to listen on")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on")] = None,
) -> None:
    """Serve the web application and the API."""
    import uvicorn

    from wholeplace.web.app import create_app

    settings = get_settings()
    host, port = host or settings.host, port or settings.port
    out.print(f"wholeplace is at http://{host}:{port}  (stop with Ctrl+C)")
    # access_log off: the app writes one JSON line per request itself (docs/monitoring.md), without query strings
    uvicorn.run(create_app(settings), host=host, port=port, log_level="info", access_log=False)


# Commands that use decisions and funds are decisions' own (funds never import decisions), placed where users look.
app.command("allocate")(decisions_cli.allocate)
export_app.command("pdf")(decisions_cli.report_pdf)
app.command("reconcile")(plan_cli.reconcile)
app.command("appraise")(appraisal_cli.appraise)
app.command("portfolio")(portfolio_cli.portfolio)


def main() -> None:
    app(prog_name="wholeplace")


if __name__ == "__main__":
    sys.exit(main())
