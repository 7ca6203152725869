"""Pages: sign-in, CSRF, security headers, the partner form. Rules every route must follow: test_guards.py."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tests.factories import PASSWORD, make_organisation, make_user, sign_in
from wholeplace.audit import AuditEntry
from wholeplace.auth.model import Role


@pytest.fixture
def admin_client(client: TestClient, sessions: sessionmaker[Session]) -> TestClient:
    with sessions() as session, session.begin():
        make_user(session, Role.ADMIN, email="admin@essex.example")
    sign_in(client, "admin@essex.example")
    return client


def csrf(client: TestClient) -> str:
    return client.cookies["wholeplace_csrf"]


def test_every_response_carries_the_security_headers(client: TestClient) -> None:
    response = client.get("/sign-in")
    policy = response.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in policy
    assert re.search(r"script-src 'self' 'nonce-[\w-]+';", policy)
    assert "unsafe-inline" not in policy
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "same-origin"
    nonce = re.search(r"'nonce-([\w-]+)'", policy)[1]  # type: ignore[index]
    inline_scripts = re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>", response.text)
    assert inline_scripts and all(f'nonce="{nonce}"' in attributes for attributes in inline_scripts)


def test_pages_ask_for_sign_in_and_come_back_after(client: TestClient, sessions: sessionmaker[Session]) -> None:
    with sessions() as session, session.begin():
        make_user(session, Role.VIEWER, email="viewer@essex.example")
    response = client.get("/partners", follow_redirects=False)
    assert (response.status_code, response.headers["location"]) == (303, "/sign-in?next=/partners")
    client.get("/sign-in")
    response = client.post(
        "/sign-in",
        data={"email": "viewer@essex.example", "password": PASSWORD, "next": "/partners", "csrf_token": csrf(client)},
        follow_redirects=False,
    )
    assert response.headers["location"] == "/partners"
    cookie = response.headers["set-cookie"]
    assert "wholeplace_session=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie


def test_the_sign_in_page_will_not_send_people_to_another_site(client: TestClient) -> None:
    page = client.get("/sign-in", params={"next": "//evil.example/phish"})
    assert 'name="next" value="/"' in page.text


def test_a_form_without_its_csrf_token_is_refused_and_changes_nothing(
    admin_client: TestClient, sessions: sessionmaker[Session]
) -> None:
    response = admin_client.post(
        "/partners/new",
        data={"identifier": "GB-LAE-TEN", "name": "Tendring", "kind": "district_council", "csrf_token": "forged"},
    )
    assert response.status_code == 403
    assert "The form had expired" in response.text
    with sessions() as session:
        assert session.scalar(select(AuditEntry).where(AuditEntry.action == "organisation.created")) is None


def test_a_wrong_password_shows_an_error_and_repeated_failures_lock_the_account(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    with sessions() as session, session.begin():
        make_user(session, Role.VIEWER, email="viewer@essex.example")
    client.get("/sign-in")
    for _attempt in range(3):  # the test settings lock after 3
        response = client.post(
            "/sign-in", data={"email": "viewer@essex.example", "password": "wrong", "csrf_token": csrf(client)}
        )
    assert response.status_code == 401
    assert "After 3 wrong tries in a row an account is locked for 15 minutes" in response.text
    response = client.post(
        "/sign-in",
        data={"email": "viewer@essex.example", "password": PASSWORD, "csrf_token": csrf(client)},
        follow_redirects=False,
    )
    assert response.status_code == 401
    with sessions() as session:
        outcomes = session.scalars(select(AuditEntry.outcome).where(AuditEntry.action == "sign_in")).all()
    assert outcomes == ["refused"] * 4


def test_sign_out_ends_the_session(admin_client: TestClient) -> None:
    response = admin_client.post("/sign-out", data={"csrf_token": csrf(admin_client)}, follow_redirects=False)
    assert response.headers["location"] == "/sign-in?signed_out=1"
    assert admin_client.get("/partners", follow_redirects=False).status_code == 303


def test_the_partner_form_shows_every_problem_and_keeps_what_was_typed(
    admin_client: TestClient, sessions: sessionmaker[Session]
) -> None:
    response = admin_client.post(
        "/partners/new", data={"identifier": "tendring", "name": "", "kind": "", "csrf_token": csrf(admin_client)}
    )
    assert response.status_code == 422
    assert "There is a problem" in response.text
    for message in ("Enter a name", "Select the kind of organisation", "is not an org-id identifier"):
        assert response.text.count(message) == 2  # once in the summary, once by the field
    assert 'href="#name"' in response.text and 'value="tendring"' in response.text


def test_an_admin_adds_a_partner_and_sees_it(admin_client: TestClient) -> None:
    response = admin_client.post(
        "/partners/new",
        data={
            "identifier": "GB-LAE-TEN",
            "name": "Tendring District Council",
            "kind": "district_council",
            "csrf_token": csrf(admin_client),
        },
        follow_redirects=False,
    )
    assert response.status_code == 303
    page = admin_client.get(response.headers["location"])
    assert "Tendring District Council has been saved." in page.text
    assert "Tendring District Council" in admin_client.get("/partners").text


def test_a_viewer_sees_partners_but_no_way_to_change_them(client: TestClient, sessions: sessionmaker[Session]) -> None:
    with sessions() as session, session.begin():
        essex = make_organisation(session)
        make_user(session, Role.VIEWER, email="viewer@essex.example", organisation=essex)
    sign_in(client, "viewer@essex.example")
    page = client.get("/partners")
    assert "Essex County Council" in page.text and "Add a partner" not in page.text
    assert client.get("/partners/new").status_code == 403
    assert client.get("/audit").status_code == 403


def test_the_audit_page_checks_the_chain_on_request_and_shows_the_last_check(admin_client: TestClient) -> None:
    page = admin_client.get("/audit")
    assert page.status_code == 200
    assert "The chain has not been checked yet." in page.text
    assert "<strong>A Officer (Essex County Council)</strong> signed in." in page.text
    checked = admin_client.post("/audit/verify", data={"csrf_token": csrf(admin_client)}, follow_redirects=False)
    assert (checked.status_code, checked.headers["location"]) == (303, "/audit")
    page = admin_client.get("/audit")
    # two entries before the check: the admin's account made, and their sign-in
    assert re.search(
        r"The chain was intact when A Officer \(Essex County Council\) checked it on \d{1,2} \w+ \d{4} at \d\d:\d\d: "
        r"all 2 entries were as they were written\. 0 entries have been written since\.",
        page.text,
    )


def test_sections_still_to_come_say_what_they_will_hold(admin_client: TestClient) -> None:
    for path, words in {
        "/funds": "double-entry ledger",
        "/outcomes": "outcomes framework",
    }.items():
        page = admin_client.get(path)
        assert page.status_code == 200 and words in page.text and "TODO" not in page.text


def test_an_unknown_page_is_a_404_page_and_an_unknown_api_path_a_json_404(admin_client: TestClient) -> None:
    assert "Page not found" in admin_client.get("/nowhere").text
    assert admin_client.get("/api/v1/nowhere").json()["error"]["status"] == 404


def test_a_new_api_token_is_shown_once_on_the_account_page(admin_client: TestClient) -> None:
    form = {"name": "monthly <export>", "scope": "read", "days": "30", "csrf_token": csrf(admin_client)}
    page = admin_client.post("/account/tokens", data=form)
    assert page.status_code == 200
    assert '<h3 class="govuk-notification-banner__heading">Your token monthly &lt;export&gt; has been created</h3>' in (
        page.text
    )
    secret = re.search(r'<code id="new-token">(wp_[\w-]+)</code>', page.text)[1]  # type: ignore[index]
    assert admin_client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}).status_code == 200
    assert secret not in admin_client.get("/account").text


def test_a_partner_page_links_to_the_partner_it_is_part_of(
    admin_client: TestClient, sessions: sessionmaker[Session]
) -> None:
    with sessions() as session, session.begin():
        pcc = make_organisation(session, "Police and Crime Commissioner for Essex", "XX-WHOLEPLACE-ESSEX-PCC")
        police = make_organisation(session, "Essex Police", "XX-WHOLEPLACE-ESSEX-POLICE")
        police.parent = pcc
        pcc_id, police_id = pcc.id, police.id
    page = admin_client.get(f"/partners/{police_id}")
    assert f'<a class="govuk-link" href="/partners/{pcc_id}">Police and Crime Commissioner for Essex</a>' in page.text
