"""Numbers past what the databases hold are refused as bad input on every route, never a server error.

Every route with an id or number in its path is asked for id 2^31 (past PostgreSQL's INTEGER) and 2^64; every
list is asked for page 2^64 (past an SQL OFFSET). On both databases, signed in as an administrator.
"""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from tests.factories import make_user, sign_in
from tests.funds.test_api import token_for
from tests.web.routes import served_routes
from wholeplace.auth.model import Role

PAST_INTEGER, PAST_64_BITS = 2**31, 2**64
NUMBER_IN_PATH = re.compile(r"\{(\w+_id|number)\}")


def test_ids_and_pages_past_what_the_database_holds_are_refused_on_every_route(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    headers = token_for(sessions, Role.ADMIN)
    with sessions() as session, session.begin():
        make_user(session, Role.ADMIN, Role.FINANCE, Role.DECISION_MAKER, email="all@essex.example")
    sign_in(client, "all@essex.example")
    asked: dict[str, int] = {}
    for served in served_routes(client.app):  # type: ignore[arg-type]
        if "GET" not in served.methods or served.dependant is None:
            continue
        queries = {parameter.name for parameter in served.dependant.query_params}
        urls = []
        if NUMBER_IN_PATH.search(served.path):
            urls += [NUMBER_IN_PATH.sub(str(number), served.path) for number in (PAST_INTEGER, PAST_64_BITS)]
        if "page" in queries and "{" not in served.path:
            urls.append(f"{served.path}?page={PAST_64_BITS}")
        for url in urls:
            response = client.get(url, headers=headers if url.startswith("/api/") else None)
            assert response.status_code == 422, (url, response.status_code, response.text[:300])
            asked[url] = response.status_code
    # 38 routes with a number in the path, asked twice each, and 21 lists; a new route changes these
    assert len([url for url in asked if "?page=" in url]) == 32, sorted(asked)
    assert len(asked) == 172, sorted(asked)
