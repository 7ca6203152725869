"""Row-level security on PostgreSQL: say whose transaction this is, and give the application its plain role.

The policies (migration 0006) match rows of the partner named by `wholeplace.organisation_id`, of partners
that share with it under an agreement in force, and of cases the user opened by break-glass
(`wholeplace.user_id`). The settings are local to the transaction (`set_config(..., true)`), so a pooled
connection never carries one user's scope into another's work; with no setting no row matches.
Superusers and roles with BYPASSRLS skip every policy: the application must connect as a plain role.
"""

from __future__ import annotations

import re

from sqlalchemy import Connection, text
from sqlalchemy.orm import Session

from wholeplace.auth.actor import Actor

_ROLE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def enter(session: Session, actor: Actor) -> None:
    """Scope the rest of this transaction to the actor's partner and user (no-op on SQLite)."""
    if session.get_bind().dialect.name != "postgresql":
        return
    session.execute(
        text(
            "SELECT set_config('wholeplace.organisation_id', :organisation, true), "
            "set_config('wholeplace.user_id', :user, true)"
        ),
        {
            "organisation": "" if actor.organisation_id is None else str(actor.organisation_id),
            "user": "" if actor.user_id is None else str(actor.user_id),
        },
    )


def enter_organisation(session: Session, organisation_id: int) -> None:
    """Scope the transaction to one partner, for console work (the demo) that writes each partner's records."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(
            text("SELECT set_config('wholeplace.organisation_id', :organisation, true)"),
            {"organisation": str(organisation_id)},
        )


def grant_application_role(connection: Connection, role: str) -> None:
    """Create (if need be) a plain login role for the application and grant it the tables, nothing more.

    Run by the database owner after `wholeplace db upgrade`; then connect the application as this role.
    """
    if not _ROLE_NAME.match(role):
        raise ValueError(f"'{role}' is not a plain lower-case role name")
    exists = connection.scalar(text("SELECT 1 FROM pg_roles WHERE rolname = :role"), {"role": role})
    if not exists:
        connection.execute(text(f"CREATE ROLE {role} LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE"))
    connection.execute(text(f"GRANT USAGE ON SCHEMA public TO {role}"))
    connection.execute(text(f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role}"))
    connection.execute(text(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role}"))
