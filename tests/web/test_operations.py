"""Operations: the health and readiness probes, the JSON request log, the request id in the audit trail."""

from __future__ import annotations

import gc
import io
import json
import logging
import shutil
import sqlite3
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session, sessionmaker

from tests.factories import PASSWORD, make_user
from tests.funds.test_api import token_for
from wholeplace import audit
from wholeplace.audit import AuditEntry
from wholeplace.auth.model import Role
from wholeplace.settings import Settings
from wholeplace.web.app import create_app
from wholeplace.web.operations import head_revisions
from wholeplace.web.request_log import REQUEST_FIELDS, JsonFormatter
from wholeplace.web.templating import templates

OFFICER = "officer@essex.example"
# Nothing listens on port 1, so connecting fails at once.
UNREACHABLE = "postgresql://wholeplace@127.0.0.1:1/wholeplace"


def _client_on(tmp_path: Path, database_url: str) -> TestClient:
    return TestClient(create_app(Settings(database_url=database_url)))


def _sign_in(client: TestClient, request_id: str | None = None, password: str = PASSWORD) -> str:
    """Post the sign-in form as a browser does; the X-Request-ID the response came back with."""
    client.get("/sign-in")
    form = {"email": OFFICER, "password": password, "csrf_token": client.cookies["wholeplace_csrf"], "next": "/"}
    headers = {"X-Request-ID": request_id} if request_id is not None else None
    response = client.post("/sign-in", data=form, headers=headers, follow_redirects=False)
    assert response.status_code == (303 if password == PASSWORD else 401), response.text[:300]
    return response.headers["X-Request-ID"]


def test_healthz_answers_without_a_sign_in_or_a_database(tmp_path: Path) -> None:
    with _client_on(tmp_path, UNREACHABLE) as client:
        response = client.get("/healthz")
        assert (response.status_code, response.json()) == (200, {"status": "ok"})


def test_a_started_worker_has_compiled_its_pages_and_set_its_startup_objects_aside_from_the_collector(
    tmp_path: Path,
) -> None:
    gc.unfreeze()  # as a new process would be
    templates.env.cache.clear()
    with _client_on(tmp_path, UNREACHABLE) as client:
        assert client.get("/healthz").status_code == 200
        assert len(templates.env.cache) >= 100  # every page template, compiled before the first request
        assert gc.get_freeze_count() > 100_000  # modules and templates: full collections no longer walk them


def test_readyz_says_the_database_and_its_revision(client: TestClient, engine: Engine) -> None:
    with engine.connect() as connection:
        at = connection.scalar(text("SELECT version_num FROM alembic_version"))
    assert {at} == head_revisions()
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ready", "database": engine.dialect.name, "revision": at}
    assert engine.dialect.name in ("sqlite", "postgresql")


def test_readyz_is_503_when_the_database_cannot_be_reached(tmp_path: Path) -> None:
    with _client_on(tmp_path, UNREACHABLE) as client:
        response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json() == {
        "status": "not ready",
        "database": "postgresql",
        "reason": "The database cannot be reached",  # no address or error text for anyone who asks
    }


def test_readyz_is_503_when_the_database_was_never_migrated(tmp_path: Path) -> None:
    with _client_on(tmp_path, f"sqlite:///{tmp_path}/empty.db") as client:
        response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["reason"].startswith("The database schema is at no revision (never migrated)")


def test_readyz_is_503_when_the_schema_is_behind_the_code(tmp_path: Path, sqlite_template: Path) -> None:
    path = tmp_path / "behind.db"
    shutil.copy(sqlite_template, path)
    with sqlite3.connect(path) as connection:
        connection.execute("UPDATE alembic_version SET version_num = '0008'")
    with _client_on(tmp_path, f"sqlite:///{path}") as client:
        response = client.get("/readyz")
    (head,) = head_revisions()
    assert response.status_code == 503
    assert response.json() == {
        "status": "not ready",
        "database": "sqlite",
        "reason": f"The database schema is at 0008, not {head}: run `wholeplace db upgrade`",
    }


def test_a_request_id_sent_in_comes_back_and_is_in_the_audit_entry_the_request_wrote(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    with sessions() as session, session.begin():
        make_user(session, Role.VIEWER, email=OFFICER)
    assert _sign_in(client, request_id="lb-7f3a.42_b") == "lb-7f3a.42_b"
    with sessions() as session:
        signed_in = session.scalars(select(AuditEntry).where(AuditEntry.action == "sign_in")).one()
        created = session.scalars(select(AuditEntry).where(AuditEntry.action != "sign_in")).first()
        assert json.loads(signed_in.detail)["request_id"] == "lb-7f3a.42_b"
        assert created is not None and "request_id" not in created.detail  # written outside a request
        assert audit.verify(session) is None  # the chain holds with and without request ids


@pytest.mark.parametrize("unsafe", ["", "has space", "semi;colon", "a" * 65, "caf\xe9"])
def test_an_unsafe_request_id_is_replaced_by_a_new_one(unsafe: str, tmp_path: Path) -> None:
    with _client_on(tmp_path, UNREACHABLE) as client:
        returned = client.get("/healthz", headers={"X-Request-ID": unsafe.encode("latin-1")})
        second = client.get("/healthz", headers={"X-Request-ID": unsafe.encode("latin-1")})
    request_id = returned.headers["X-Request-ID"]
    assert request_id != unsafe and len(request_id) == 32 and int(request_id, 16) >= 0
    assert second.headers["X-Request-ID"] != request_id


def test_each_request_logs_one_json_line_with_its_fields(
    client: TestClient, sessions: sessionmaker[Session], caplog: pytest.LogCaptureFixture
) -> None:
    with sessions() as session, session.begin():
        make_user(session, Role.VIEWER, email=OFFICER)
    _sign_in(client)
    with caplog.at_level(logging.INFO, logger="wholeplace.requests"):
        answered = client.get("/partners?page=1", headers={"X-Request-ID": "trace-1"})
    lines = [json.loads(JsonFormatter().format(r)) for r in caplog.records if r.name == "wholeplace.requests"]
    assert len(lines) == 1
    (line,) = lines
    assert set(line) == {"time", "level", "logger", "message", *REQUEST_FIELDS}
    assert line["time"].endswith("+00:00") and line["level"] == "INFO"
    assert (line["request_id"], line["method"], line["path"], line["status"], line["user"]) == (
        "trace-1",
        "GET",
        "/partners",  # the path only: a query string can carry what a log must not
        answered.status_code,
        OFFICER,
    )
    assert isinstance(line["duration_ms"], float) and line["duration_ms"] >= 0


def test_an_api_request_logs_its_user_and_never_its_token(
    client: TestClient, sessions: sessionmaker[Session], caplog: pytest.LogCaptureFixture
) -> None:
    headers = token_for(sessions, Role.ADMIN)
    with caplog.at_level(logging.DEBUG):
        assert client.get("/api/v1/organisations", headers=headers).status_code == 200
    (line,) = [json.loads(JsonFormatter().format(r)) for r in caplog.records if r.name == "wholeplace.requests"]
    assert line["user"] == "admin@essex.example"
    secret = headers["Authorization"].removeprefix("Bearer ")
    assert not [r for r in caplog.records if secret in JsonFormatter().format(r) or secret in str(r.__dict__)]


def test_a_password_signed_in_with_is_in_no_log_record(
    client: TestClient, sessions: sessionmaker[Session], caplog: pytest.LogCaptureFixture
) -> None:
    with sessions() as session, session.begin():
        make_user(session, Role.VIEWER, email=OFFICER)
    with caplog.at_level(logging.DEBUG):  # every logger, at every level
        _sign_in(client, password="not the password at all")  # refused: the form comes back
        _sign_in(client)
        client.get("/")
    assert [r.name for r in caplog.records].count("wholeplace.requests") >= 5
    cookie = client.cookies["wholeplace_session"]
    for secret in (PASSWORD, "not the password at all", cookie):
        leaked = [r for r in caplog.records if secret in JsonFormatter().format(r) or secret in str(r.__dict__)]
        assert leaked == [], secret


def test_an_unexpected_error_is_logged_under_the_request_id(
    settings: Settings, sessions: sessionmaker[Session]
) -> None:
    app = create_app(settings, sessions)

    @app.get("/healthz-broken")
    def broken() -> None:
        raise RuntimeError("a fault")

    # Formatted as it is written, while the request is served: the traceback's line takes the id from there.
    written = io.StringIO()
    handler = logging.StreamHandler(written)
    handler.setFormatter(JsonFormatter())
    wholeplace_log = logging.getLogger("wholeplace")
    wholeplace_log.addHandler(handler)
    level = wholeplace_log.level
    wholeplace_log.setLevel(logging.INFO)  # setLevel, not the attribute: it clears the loggers' cached levels
    try:
        with TestClient(app, raise_server_exceptions=False) as client:
            answered = client.get("/healthz-broken", headers={"X-Request-ID": "fault-1"})
            assert (answered.status_code, answered.headers.get("X-Request-ID")) == (500, "fault-1")
    finally:
        wholeplace_log.removeHandler(handler)
        wholeplace_log.setLevel(level)
    lines = [json.loads(line) for line in written.getvalue().splitlines()]
    assert [(line["logger"], line["request_id"], line.get("status")) for line in lines] == [
        ("wholeplace.requests", "fault-1", 500),
        ("wholeplace.web.errors", "fault-1", None),
    ]
    assert "RuntimeError: a fault" in lines[1]["exception"]
