"""Schemathesis over the whole API, as an administrator, a viewer and a decision maker: no request is a 500.

Requests are generated from the OpenAPI document (every operation, valid and invalid inputs alike) against
the demo's partners, funds and decisions, on SQLite and PostgreSQL. Refusals (4xx) are expected; a server
error is a fault.
"""

from __future__ import annotations

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.orm import Session, sessionmaker

from tests.funds.test_api import token_for
from tests.funds.test_pages import load_demo_money
from wholeplace.auth.model import Role

PCC = "Police and Crime Commissioner for Essex"
EXAMPLES = 250  # per role and database: every operation is drawn about a dozen times


@pytest.mark.parametrize("role", [Role.ADMIN, Role.VIEWER, Role.DECISION_MAKER], ids=lambda role: role.value)
def test_no_request_the_api_describes_is_a_server_error(
    client: TestClient, sessions: sessionmaker[Session], role: Role
) -> None:
    load_demo_money(sessions)
    headers = token_for(sessions, role, PCC)
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", client.app)
    operations = [result.ok() for result in schema.get_all_operations()]
    server_errors: list[str] = []
    drawn: set[str] = set()

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=st.one_of([operation.as_strategy() for operation in operations]))
    def request(case: schemathesis.Case) -> None:
        drawn.add(f"{case.method} {case.path}")
        response = case.call(headers=headers)
        if response.status_code >= 500:
            server_errors.append(f"{case.method} {case.formatted_path} {case.query} -> {response.status_code}")

    request()
    assert server_errors == []
    assert len(operations) == 48, sorted(f"{op.method.upper()} {op.path}" for op in operations)
    assert len(drawn) >= 42, sorted(drawn)  # nearly every operation was exercised
