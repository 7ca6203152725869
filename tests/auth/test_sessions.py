"""The promises sessions and API tokens keep, one test each, through the web app on SQLite and PostgreSQL.

Time is moved with the `clock` fixture (tests/auth/conftest.py), never waited for. Settings: 30 minutes idle,
12 hours at most (the defaults).
"""

from __future__ import annotations

import json
import logging

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, text
from sqlalchemy.orm import Session, sessionmaker

from tests.auth.conftest import Clock
from tests.factories import PASSWORD, make_user, sign_in
from wholeplace.audit import AuditEntry
from wholeplace.auth import service
from wholeplace.auth import sessions as web_sessions
from wholeplace.auth.actor import Actor
from wholeplace.auth.model import ApiToken, Role, TokenScope, User, WebSession
from wholeplace.settings import Settings
from wholeplace.web.request_log import JsonFormatter
from wholeplace.web.security import CSRF_COOKIE, SESSION_COOKIE

OFFICER = "officer@essex.example"
NEW_PASSWORD = "a kettle of brass on a Tuesday"
PARTNER = {"identifier": "GB-LAE-TEN", "name": "Tendring District Council", "kind": "district_council"}


def signed_in(client: TestClient, sessions_: sessionmaker[Session], *roles: Role) -> TestClient:
    with sessions_() as session, session.begin():
        make_user(session, *roles, email=OFFICER)
    sign_in(client, OFFICER)
    return client


def form(client: TestClient, **fields: str) -> dict[str, str]:
    return {"csrf_token": client.cookies[CSRF_COOKIE], **fields}


def alive(sessions_: sessionmaker[Session], settings: Settings, cookie: str) -> bool:
    with sessions_() as session:
        return web_sessions.session_for_cookie(session, settings, cookie) is not None


def open_session_count(sessions_: sessionmaker[Session]) -> int:
    with sessions_() as session:
        return len(session.scalars(select(WebSession)).all())


def token(sessions_: sessionmaker[Session], email: str, scope: TokenScope, days: int = 90) -> tuple[int, str]:
    with sessions_() as session, session.begin():
        user = session.scalars(select(User).where(User.email == email)).one()
        made, secret = service.create_token(session, Actor.of(user), name="tests", scope=scope, days=days)
        return made.id, secret


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def test_signing_in_starts_a_new_session_and_the_cookie_from_before_is_worth_nothing(
    client: TestClient, sessions: sessionmaker[Session], settings: Settings
) -> None:
    signed_in(client, sessions)
    before, csrf_before = client.cookies[SESSION_COOKIE], client.cookies[CSRF_COOKIE]
    sign_in(client, OFFICER)  # the browser still holds the first session's cookie as it signs in again
    after = client.cookies[SESSION_COOKIE]
    assert after != before
    assert client.cookies[CSRF_COOKIE] != csrf_before  # the form token is renewed too
    assert (alive(sessions, settings, before), alive(sessions, settings, after)) == (False, True)
    assert open_session_count(sessions) == 1


def test_a_session_unused_for_thirty_minutes_ends(
    client: TestClient, sessions: sessionmaker[Session], clock: Clock
) -> None:
    signed_in(client, sessions)
    clock.advance(minutes=29)
    assert client.get("/account", follow_redirects=False).status_code == 200
    clock.advance(minutes=29)  # 58 minutes after sign-in, but 29 after the last page: still signed in
    assert client.get("/account", follow_redirects=False).status_code == 200
    clock.advance(minutes=30)
    ended = client.get("/account", follow_redirects=False)
    assert (ended.status_code, ended.headers["location"]) == (303, "/sign-in?next=/account")


def test_a_session_ends_after_twelve_hours_however_busy(
    client: TestClient, sessions: sessionmaker[Session], settings: Settings, clock: Clock
) -> None:
    settings.session_idle_minutes = 300  # so that three pages keep it busy for twelve hours
    signed_in(client, sessions)
    statuses = []
    for minutes in (295, 295, 129, 1):  # 4:55, 9:50, 11:59, then 12:00 after sign-in
        clock.advance(minutes=minutes)
        statuses.append(client.get("/account", follow_redirects=False).status_code)
    assert statuses == [200, 200, 200, 303]


def test_signing_out_deletes_the_session_on_the_server(
    client: TestClient, sessions: sessionmaker[Session], settings: Settings
) -> None:
    signed_in(client, sessions)
    cookie = client.cookies[SESSION_COOKIE]
    response = client.post("/sign-out", data=form(client), follow_redirects=False)
    assert (response.status_code, response.headers["location"]) == (303, "/sign-in?signed_out=1")
    assert open_session_count(sessions) == 0
    assert not alive(sessions, settings, cookie)  # a copy of the cookie kept elsewhere is worth nothing


def test_signing_out_everywhere_ends_every_session_of_the_user_and_no_one_elses(
    client: TestClient, sessions: sessionmaker[Session], settings: Settings
) -> None:
    signed_in(client, sessions)
    with sessions() as session, session.begin():
        officer = session.scalars(select(User).where(User.email == OFFICER)).one()
        laptop = web_sessions.start_session(session, settings, officer)
        colleague = web_sessions.start_session(session, settings, make_user(session, email="colleague@essex.example"))
    response = client.post("/account/sign-out-everywhere", data=form(client), follow_redirects=False)
    assert (response.status_code, response.headers["location"]) == (303, "/sign-in?signed_out=everywhere")
    assert [alive(sessions, settings, cookie) for cookie in (laptop, colleague)] == [False, True]
    assert open_session_count(sessions) == 1
    assert client.get("/account", follow_redirects=False).status_code == 303


def test_changing_the_password_ends_every_other_session_and_rotates_this_one(
    client: TestClient, sessions: sessionmaker[Session], settings: Settings
) -> None:
    signed_in(client, sessions)
    this_before = client.cookies[SESSION_COOKIE]
    with sessions() as session, session.begin():
        laptop = web_sessions.start_session(session, settings, session.scalars(select(User)).one())
    changed = client.post(
        "/account/password",
        data=form(client, current_password=PASSWORD, new_password=NEW_PASSWORD, confirm_password=NEW_PASSWORD),
        follow_redirects=False,
    )
    assert (changed.status_code, changed.headers["location"]) == (303, "/account?done=password")
    this_after = client.cookies[SESSION_COOKIE]
    assert [alive(sessions, settings, cookie) for cookie in (laptop, this_before, this_after)] == [False, False, True]
    assert "Your password has been changed" in client.get(changed.headers["location"]).text
    with sessions() as session, session.begin():
        assert service.sign_in(session, settings, email=OFFICER, password=PASSWORD).user is None
        assert service.sign_in(session, settings, email=OFFICER, password=NEW_PASSWORD).user is not None


def test_a_read_token_may_read_but_not_write_and_roles_still_apply_to_a_write_token(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    with sessions() as session, session.begin():
        make_user(session, Role.ADMIN, email="admin@essex.example")
        make_user(session, Role.VIEWER, email="viewer@essex.example")
    _, admin_reads = token(sessions, "admin@essex.example", TokenScope.READ)
    _, admin_writes = token(sessions, "admin@essex.example", TokenScope.WRITE)
    _, viewer_writes = token(sessions, "viewer@essex.example", TokenScope.WRITE)
    assert client.get("/api/v1/organisations", headers=bearer(admin_reads)).status_code == 200
    refused = client.post("/api/v1/organisations", json=PARTNER, headers=bearer(admin_reads))
    assert (refused.status_code, refused.json()) == (
        403,
        {
            "error": {
                "status": 403,
                "title": "You cannot do this",
                "problems": [
                    {
                        "where": "",
                        "message": (
                            "This API token may only read. Use a token that may read and write to change anything"
                        ),
                    }
                ],
            }
        },
    )
    patched = client.patch("/api/v1/organisations/1", json={"name": "Renamed"}, headers=bearer(admin_reads))
    assert patched.status_code == 403
    assert client.post("/api/v1/organisations", json=PARTNER, headers=bearer(viewer_writes)).status_code == 403
    assert client.post("/api/v1/organisations", json=PARTNER, headers=bearer(admin_writes)).status_code == 201
    with sessions() as session:
        refusals = session.scalars(select(AuditEntry.action).where(AuditEntry.outcome == "refused")).all()
    assert refusals == ["api_token.write", "api_token.write", "partners.edit"]


def test_a_token_works_until_the_day_it_expires_and_not_after(
    client: TestClient, sessions: sessionmaker[Session], clock: Clock
) -> None:
    with sessions() as session, session.begin():
        make_user(session, email=OFFICER)
    _, secret = token(sessions, OFFICER, TokenScope.READ, days=30)
    clock.advance(days=29, hours=23, minutes=59)
    assert client.get("/api/v1/me", headers=bearer(secret)).status_code == 200
    clock.advance(minutes=1)
    expired = client.get("/api/v1/me", headers=bearer(secret))
    assert (expired.status_code, expired.json()["error"]["problems"][0]["message"]) == (
        401,
        "The API token has expired. Create a new one on Your account",
    )


def test_a_revoked_token_is_refused_on_the_very_next_request(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    signed_in(client, sessions)
    token_id, secret = token(sessions, OFFICER, TokenScope.WRITE)
    assert client.get("/api/v1/me", headers=bearer(secret)).status_code == 200
    revoked = client.post(f"/account/tokens/{token_id}/revoke", data=form(client), follow_redirects=False)
    assert revoked.status_code == 303
    assert client.get("/api/v1/me", headers=bearer(secret)).status_code == 401


def test_no_password_token_cookie_or_hash_reaches_the_logs_or_the_audit_trail(
    client: TestClient, sessions: sessionmaker[Session], caplog: pytest.LogCaptureFixture
) -> None:
    # Everything our code logs, at every level. (Not SQLAlchemy's engine log: at INFO it writes every statement's
    # parameters, hashes among them, so it stays off in service; docs/security.md says so.)
    caplog.set_level(logging.DEBUG, logger="wholeplace")
    secrets: set[str] = {PASSWORD, NEW_PASSWORD, "Wr0ng password guessed"}
    with sessions() as session, session.begin():
        make_user(session, email=OFFICER)
    client.get("/sign-in")
    bad = {"email": OFFICER, "password": "Wr0ng password guessed", "next": "/"}
    assert client.post("/sign-in", data=form(client, **bad)).status_code == 401
    sign_in(client, OFFICER)
    secrets |= {client.cookies[SESSION_COOKIE], client.cookies[CSRF_COOKIE]}
    made = client.post("/account/tokens", data=form(client, name="export", scope="write", days="30"))
    secret = made.text.split('<code id="new-token">')[1].split("</code>")[0]
    assert secret.startswith("wp_")
    secrets.add(secret)
    assert client.get("/api/v1/me", headers=bearer(secret)).status_code == 200
    assert client.post("/api/v1/organisations", json=PARTNER, headers=bearer(secret)).status_code == 403
    change = form(client, current_password=PASSWORD, new_password=NEW_PASSWORD, confirm_password=NEW_PASSWORD)
    assert client.post("/account/password", data=change).status_code == 200
    secrets |= {client.cookies[SESSION_COOKIE], client.cookies[CSRF_COOKIE]}
    with sessions() as session:
        secrets |= {user.password_hash for user in session.scalars(select(User))}
        secrets |= {row.token_hash for row in session.scalars(select(ApiToken))}
        secrets |= {row.token_hash for row in session.scalars(select(WebSession))}
        secrets |= {web_sessions.digest(value) for value in secrets if not value.startswith("$argon2")}
        audit_rows = [
            " ".join(str(value) for value in row) for row in session.execute(text("SELECT * FROM audit_entries"))
        ]
    formatter = JsonFormatter()
    log_lines = [formatter.format(record) for record in caplog.records]
    requests = [json.loads(line) for line in log_lines if json.loads(line)["message"] == "request"]
    # Ten requests were made (two forms followed to /account), each logged with its path.
    assert len(requests) == 10, requests
    assert [entry["path"] for entry in requests][-1] == "/account"
    with sessions() as session:
        actions = session.scalars(select(AuditEntry.action).order_by(AuditEntry.seq)).all()
    assert actions == ["user.created", "sign_in", "sign_in", "api_token.created", "partners.edit", "password.changed"]
    assert len(audit_rows) == len(actions)
    leaks = [(secret, line) for secret in secrets for line in log_lines + audit_rows if secret in line]
    assert leaks == []
