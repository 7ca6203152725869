"""Small builders for test data, like Notify's tests/app/db.py: real rows through real services."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from wholeplace.auth import service as auth_service
from wholeplace.auth.actor import Actor
from wholeplace.auth.model import Role, User
from wholeplace.partners.model import Organisation, OrganisationKind
from wholeplace.settings import get_settings

PASSWORD = "correct horse battery staple"


def make_organisation(
    session: Session,
    name: str = "Essex County Council",
    identifier: str = "GB-LAE-ESS",
    kind: OrganisationKind = OrganisationKind.COUNTY_COUNCIL,
) -> Organisation:
    organisation = Organisation(identifier=identifier, name=name, kind=kind)
    session.add(organisation)
    session.flush()
    return organisation


def make_user(
    session: Session,
    *roles: Role,
    email: str = "officer@essex.example",
    organisation: Organisation | None = None,
    password: str = PASSWORD,
) -> User:
    organisation = (
        organisation or session.query(Organisation).order_by(Organisation.id).first() or make_organisation(session)
    )
    return auth_service.create_user(
        session,
        Actor.console(),
        email=email,
        name="A Officer",
        organisation_identifier=organisation.identifier,
        roles=roles or [Role.VIEWER],
        password=password,
    )


def sign_in(client: TestClient, email: str, password: str = PASSWORD) -> None:
    client.get("/sign-in")
    response = client.post(
        "/sign-in",
        data={"email": email, "password": password, "csrf_token": client.cookies["wholeplace_csrf"], "next": "/"},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text


def partner_named(session: Session, name: str | None) -> Organisation | None:
    """The partner with this name, for putting a test user in it; None (the first partner) when no name is given."""
    return session.scalar(select(Organisation).where(Organisation.name == name)) if name else None


@contextmanager
def commands_on(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Iterator[Engine]:
    """Point the `wholeplace` command at this database, as WHOLEPLACE_DATABASE_URL does for a user."""
    monkeypatch.setenv("WHOLEPLACE_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    get_settings.cache_clear()
    try:
        yield engine
    finally:
        get_settings.cache_clear()
