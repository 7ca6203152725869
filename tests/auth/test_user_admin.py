"""An administrator manages users in the browser and the API; no one can lock themselves out. SQLite and PostgreSQL."""

from __future__ import annotations

import html
import re

from fastapi.testclient import TestClient
from httpx2 import Response
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tests.factories import make_organisation, make_user, sign_in
from wholeplace.audit import AuditEntry
from wholeplace.auth import service
from wholeplace.auth import sessions as web_sessions
from wholeplace.auth.actor import Actor
from wholeplace.auth.model import Role, User
from wholeplace.settings import Settings
from wholeplace.web.security import CSRF_COOKIE

ADMIN = "admin@essex.example"
NEW = "jo.bloggs@tendring.example"
OWN_PASSWORD = "seven green bottles on a wall"


def as_admin(client: TestClient, sessions: sessionmaker[Session]) -> int:
    """Sign the client in as an administrator of Essex, with Tendring as a second partner; returns the admin's id."""
    with sessions() as session, session.begin():
        admin = make_user(session, Role.ADMIN, email=ADMIN)
        make_organisation(session, "Tendring District Council", "GB-LAD-TEN")
        admin_id = admin.id
    sign_in(client, ADMIN)
    return admin_id


def post(client: TestClient, path: str, **fields: str | list[str]) -> Response:
    return client.post(path, data={"csrf_token": client.cookies[CSRF_COOKIE], **fields}, follow_redirects=False)


def actions(sessions: sessionmaker[Session]) -> list[str]:
    with sessions() as session:
        return list(session.scalars(select(AuditEntry.action).order_by(AuditEntry.seq)))


def temporary_password_on(page: str) -> str | None:
    found = re.search(r'<code id="temporary-password">([\w-]+)</code>', page)
    return found[1] if found else None


def test_an_admin_adds_a_user_who_must_choose_their_own_password_at_first_sign_in(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    as_admin(client, sessions)
    form = client.get("/admin/users/new")
    assert '<option value="GB-LAD-TEN">Tendring District Council</option>' in form.text
    assert 'value="finance"' in form.text and "Finance officer" in form.text
    added = post(
        client, "/admin/users/new", name="Jo Bloggs", email=NEW, organisation="GB-LAD-TEN", roles=["finance", "viewer"]
    )
    assert added.status_code == 303
    page = client.get(added.headers["location"])
    password = temporary_password_on(page.text)
    assert password is not None and re.fullmatch(r"[a-z2-9]{4}(-[a-z2-9]{4}){3}", password)
    assert "Finance officer, Viewer" in page.text and "Tendring District Council" in page.text
    assert temporary_password_on(client.get(added.headers["location"]).text) is None  # shown once only
    users_page = client.get("/admin/users")
    assert "Jo Bloggs" in users_page.text and "Temporary password" in users_page.text

    sign_in(client, NEW, password)  # the new user, in the same browser
    assert client.get("/funds", follow_redirects=False).headers["location"] == "/account/password"
    changed = post(
        client,
        "/account/password",
        current_password=password,
        new_password=OWN_PASSWORD,
        confirm_password=OWN_PASSWORD,
    )
    assert changed.status_code == 303
    assert client.get("/funds", follow_redirects=False).status_code == 200
    assert actions(sessions)[-3:] == ["user.created", "sign_in", "password.changed"]


def test_a_new_user_with_bad_details_gets_an_error_by_each_field_and_nothing_is_added(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    as_admin(client, sessions)
    refused = post(client, "/admin/users/new", name=" ", email="jo at tendring", organisation="")
    assert refused.status_code == 422
    text = html.unescape(refused.text)
    for message, field in [
        ("Enter an email address in the correct format, like name@example.org", "email"),
        ("Enter a name", "name"),
        ("Select at least one role", "roles-admin"),
        ("Select a partner", "organisation"),
    ]:
        assert f'<a href="#{field}">{message}</a>' in text, message
    with sessions() as session:
        assert session.scalars(select(User.email)).all() == [ADMIN]


def test_an_admin_changes_roles_deactivates_reactivates_unlocks_signs_out_and_resets_a_password(
    client: TestClient, sessions: sessionmaker[Session], settings: Settings
) -> None:
    as_admin(client, sessions)
    with sessions() as session, session.begin():
        user = make_user(session, Role.VIEWER, email=NEW)
        laptop = web_sessions.start_session(session, settings, user)
        for _ in range(3):  # settings lock after three wrong passwords
            service.sign_in(session, settings, email=NEW, password="not the password at all")
        user_id = user.id
    page = f"/admin/users/{user_id}"
    assert "Locked" in client.get(page).text
    done = [
        post(client, f"{page}/roles", roles=["programme", "analyst"]),
        post(client, f"{page}/unlock"),
        post(client, f"{page}/sign-out-everywhere"),
        post(client, f"{page}/active", active="no"),
        post(client, f"{page}/active", active="yes"),
        post(client, f"{page}/password"),
    ]
    assert [response.headers["location"] for response in done] == [
        f"{page}?done={what}" for what in ("roles", "unlocked", "signed_out", "deactivated", "reactivated", "password")
    ]
    assert temporary_password_on(client.get(f"{page}?done=password").text) is not None
    with sessions() as session:
        user = session.get(User, user_id)
        assert user is not None
        assert (user.roles, user.active, user.locked, user.must_change_password) == (
            {Role.PROGRAMME, Role.ANALYST},
            True,
            False,
            True,
        )
        assert web_sessions.session_for_cookie(session, settings, laptop) is None
    assert actions(sessions)[-6:] == [
        "user.roles_changed",
        "user.unlocked",
        "sign_out.everywhere",
        "user.deactivated",
        "user.reactivated",
        "user.password_reset",
    ]


def test_an_admin_cannot_take_away_their_own_admin_role_or_deactivate_themselves(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    admin_id = as_admin(client, sessions)
    refused = post(client, f"/admin/users/{admin_id}/roles", roles=["finance"])
    assert refused.status_code == 422
    assert "You cannot take away your own administrator role" in refused.text
    with sessions() as session, session.begin():
        _, secret = service.create_token(session, Actor.of(session.get_one(User, admin_id)), name="admin")
    patched = client.patch(
        f"/api/v1/users/{admin_id}", json={"active": False}, headers={"Authorization": f"Bearer {secret}"}
    )
    assert (patched.status_code, patched.json()["error"]["problems"]) == (
        422,
        [{"where": "active", "message": "You cannot deactivate yourself"}],
    )
    with sessions() as session:
        admin = session.get(User, admin_id)
        assert admin is not None and (admin.roles, admin.active) == ({Role.ADMIN}, True)


def test_the_users_api_lists_adds_and_changes_users_for_admins_only(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    as_admin(client, sessions)
    with sessions() as session, session.begin():
        admin = session.scalars(select(User).where(User.email == ADMIN)).one()
        viewer = make_user(session, Role.VIEWER, email="viewer@essex.example")
        admin_token = {"Authorization": "Bearer " + service.create_token(session, Actor.of(admin), name="a")[1]}
        viewer_token = {"Authorization": "Bearer " + service.create_token(session, Actor.of(viewer), name="v")[1]}
    body = {"email": NEW, "name": "Jo Bloggs", "organisation_identifier": "GB-LAD-TEN", "roles": ["finance"]}
    created = client.post("/api/v1/users", json=body, headers=admin_token)
    assert created.status_code == 201
    user = created.json()
    assert (user["organisation_name"], user["role_names"], user["must_change_password"]) == (
        "Tendring District Council",
        ["Finance officer"],
        True,
    )
    assert len(user["temporary_password"]) == 19
    changed = client.patch(
        f"/api/v1/users/{user['id']}", json={"roles": ["viewer"], "active": False, "locked": False}, headers=admin_token
    )
    assert (changed.status_code, changed.json()["roles"], changed.json()["active"]) == (200, ["viewer"], False)
    listed = client.get("/api/v1/users?page_size=2", headers=admin_token).json()
    assert (listed["total"], listed["pages"], [item["name"] for item in listed["items"]]) == (3, 2, ["A Officer"] * 2)
    assert client.get("/api/v1/users", headers=viewer_token).status_code == 403
    assert client.post("/api/v1/users", json=body, headers=viewer_token).status_code == 403


def test_hostile_user_details_are_refused_by_field_never_a_server_error(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    as_admin(client, sessions)
    with sessions() as session, session.begin():
        admin = session.scalars(select(User).where(User.email == ADMIN)).one()
        headers = {"Authorization": "Bearer " + service.create_token(session, Actor.of(admin), name="a")[1]}
    good = {"email": NEW, "name": "Jo Bloggs", "organisation_identifier": "GB-LAD-TEN", "roles": ["finance"]}
    hostile = [
        ("email", "jo\x00@tendring.example"),
        ("email", "j" * 250 + "@tendring.example"),
        ("name", "Jo\u202eBloggs"),
        ("organisation_identifier", "GB-LAD-TEN\x00"),
        ("organisation_identifier", "X" * 10_000),
        ("roles", ["finance\x00"]),
    ]
    statuses = [
        client.post("/api/v1/users", json={**good, field: value}, headers=headers).status_code
        for field, value in hostile
    ]
    assert statuses == [422] * len(hostile)
    page = post(client, "/admin/users/new", name="Jo", email="jo\x00@x.example", organisation="\x00", roles=["\x00"])
    assert page.status_code == 422
    with sessions() as session:
        assert session.scalars(select(User.email)).all() == [ADMIN]
