"""Schemathesis over the whole API as each of the eight roles, on the demo, on SQLite and PostgreSQL.

Requests are generated from the OpenAPI document (every operation, valid and invalid inputs alike) and sent
with a bearer token of a user holding one role. Refusals (4xx) are expected; a server error is a fault, and
so is a response that breaks the schema the document gives for it (schemathesis' response schema
conformance check), since clients are generated from that document.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, seed, settings
from schemathesis.checks import not_a_server_error, response_schema_conformance
from schemathesis.core.failures import Failure, FailureGroup
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from tests.factories import make_user, partner_named
from wholeplace.auth import service as auth_service
from wholeplace.auth.actor import Actor
from wholeplace.auth.model import Role
from wholeplace.db import session_factory
from wholeplace.settings import Settings
from wholeplace.web.app import create_app

PCC = "Police and Crime Commissioner for Essex"
EXAMPLES = 2  # per operation, role and database: every operation is sent as every role
METHODS = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}


def token_for(sessions: sessionmaker[Session], role: Role) -> dict[str, str]:
    """A bearer token of a new user of the PCC holding just this role."""
    with sessions() as session, session.begin():
        user = make_user(
            session, role, email=f"fuzz.{role.value}@essex.example", organisation=partner_named(session, PCC)
        )
        _token, secret = auth_service.create_token(session, Actor.of(user), name="fuzz")
    return {"Authorization": f"Bearer {secret}"}


def fuzz_as(
    role: Role, headers: dict[str, str], operation: Any, drawn: list[str], faults: list[str]
) -> Callable[[], None]:
    """The hypothesis test of one operation for one role: each case is sent with the role's token and checked."""

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy())
    def request(case: schemathesis.Case) -> None:
        drawn.append(f"{case.method.upper()} {case.path}")
        response = case.call(headers=headers, timeout=120)  # a loaded CI machine is slow, not broken
        try:
            case.validate_response(response, checks=[not_a_server_error, response_schema_conformance])
        except (Failure, FailureGroup) as failure:
            summary = " ".join(str(failure).split())[:300]
            faults.append(f"{role.value}: {case.method} {case.formatted_path} -> {response.status_code} {summary}")

    return request


@pytest.fixture
def demo_client(demo_engine: Engine, settings: Settings) -> Iterator[tuple[TestClient, sessionmaker[Session]]]:
    sessions = session_factory(demo_engine)
    app = create_app(settings, sessions)
    with TestClient(app) as client:
        yield client, sessions


def test_no_request_as_any_role_is_a_server_error_or_breaks_its_schema(
    demo_client: tuple[TestClient, sessionmaker[Session]],
) -> None:
    client, sessions = demo_client
    document = client.get("/api/v1/openapi.json").json()
    described = sorted(
        f"{method.upper()} {path}" for path, item in document["paths"].items() for method in item if method in METHODS
    )
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", client.app)
    operations = [result.ok() for result in schema.get_all_operations()]
    faults: list[str] = []
    drawn: dict[Role, list[str]] = {}  # each case sent, by the operation it was sent to

    for number, role in enumerate(Role):
        drawn[role] = []
        headers = token_for(sessions, role)
        for operation in operations:
            seed(number)(fuzz_as(role, headers, operation, drawn[role], faults))()

    assert faults == []
    assert len(operations) == len(described) >= 48, described
    assert len(drawn) == len(Role) == 8
    for role, sent in drawn.items():
        assert sorted(set(sent)) == described, role
        assert len(sent) >= len(described), role
