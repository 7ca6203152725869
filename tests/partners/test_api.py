"""/api/v1/organisations: bearer tokens, paging, validation and one JSON error shape."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from tests.factories import make_organisation, make_user
from wholeplace.auth import service as auth_service
from wholeplace.auth.actor import Actor
from wholeplace.auth.model import Role
from wholeplace.demo.load import load_areas
from wholeplace.partners.model import OrganisationKind


def token_for(sessions: sessionmaker[Session], *roles: Role, email: str = "admin@essex.example") -> dict[str, str]:
    with sessions() as session, session.begin():
        if not session.query(auth_service.User).count():
            load_areas(session)
            make_organisation(session)
        user = make_user(session, *roles, email=email)
        _token, secret = auth_service.create_token(session, Actor.of(user), name="tests")
    return {"Authorization": f"Bearer {secret}"}


@pytest.fixture
def admin(sessions: sessionmaker[Session]) -> dict[str, str]:
    return token_for(sessions, Role.ADMIN)


def test_the_api_needs_a_token(client: TestClient) -> None:
    response = client.get("/api/v1/organisations")
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.json()["error"]["problems"][0]["message"].startswith("Send an API token")


def test_a_revoked_token_no_longer_works(client: TestClient, sessions: sessionmaker[Session]) -> None:
    headers = token_for(sessions, Role.VIEWER)
    assert client.get("/api/v1/me", headers=headers).json()["roles"] == ["viewer"]
    with sessions() as session, session.begin():
        user = auth_service.user_by_email(session, "admin@essex.example")
        token = auth_service.list_tokens(session, Actor.of(user))[0]
        auth_service.revoke_token(session, Actor.of(user), token_id=token.id)
    response = client.get("/api/v1/me", headers=headers)
    assert response.status_code == 401
    assert "revoked" in response.json()["error"]["problems"][0]["message"]


def test_an_admin_creates_gets_and_updates_a_partner(client: TestClient, admin: dict[str, str]) -> None:
    created = client.post(
        "/api/v1/organisations",
        headers=admin,
        json={
            "identifier": "GB-LAE-TEN",
            "name": "Tendring District Council",
            "kind": "district_council",
            "area_code": "E07000076",
        },
    )
    assert created.status_code == 201, created.text
    body = created.json()
    assert (body["name"], body["kind_label"], body["area_name"]) == (
        "Tendring District Council",
        "District council",
        "Tendring",
    )
    changed = client.patch(f"/api/v1/organisations/{body['id']}", headers=admin, json={"name": "Tendring DC"})
    assert changed.status_code == 200
    assert changed.json()["name"] == "Tendring DC" and changed.json()["area_code"] == "E07000076"
    assert client.get(f"/api/v1/organisations/{body['id']}", headers=admin).json()["name"] == "Tendring DC"


def test_the_list_pages(client: TestClient, admin: dict[str, str], sessions: sessionmaker[Session]) -> None:
    with sessions() as session, session.begin():
        for number in range(1, 6):
            make_organisation(
                session, f"Voluntary group {number}", f"GB-CHC-10000{number}", OrganisationKind.VOLUNTARY_SECTOR
            )
    response = client.get(
        "/api/v1/organisations", headers=admin, params={"page": 2, "page_size": 2, "kind": "voluntary_sector"}
    )
    body = response.json()
    assert [item["name"] for item in body["items"]] == ["Voluntary group 3", "Voluntary group 4"]
    assert (body["total"], body["pages"], body["has_next"]) == (5, 3, True)


def test_bad_values_are_refused_with_every_field_named(client: TestClient, admin: dict[str, str]) -> None:
    response = client.post(
        "/api/v1/organisations", headers=admin, json={"identifier": "essex", "name": " ", "kind": "parish"}
    )
    assert response.status_code == 422
    assert [problem["where"] for problem in response.json()["error"]["problems"]] == ["identifier", "name", "kind"]


def test_malformed_json_is_a_422_with_a_json_body(client: TestClient, admin: dict[str, str]) -> None:
    response = client.post(
        "/api/v1/organisations",
        headers={**admin, "Content-Type": "application/json"},
        content=b'{"identifier": "GB-LAE-TEN",',
    )
    assert response.status_code == 422
    assert response.json()["error"]["problems"][0]["message"].startswith("The request body is not valid JSON")


def test_unknown_and_missing_fields_are_named(client: TestClient, admin: dict[str, str]) -> None:
    response = client.post("/api/v1/organisations", headers=admin, json={"name": "X", "colour": "red"})
    assert response.status_code == 422
    wheres = {problem["where"] for problem in response.json()["error"]["problems"]}
    assert wheres == {"identifier", "kind", "colour"}


def test_a_viewer_may_read_but_not_write(client: TestClient, sessions: sessionmaker[Session]) -> None:
    viewer = token_for(sessions, Role.VIEWER)
    assert client.get("/api/v1/organisations", headers=viewer).status_code == 200
    response = client.post(
        "/api/v1/organisations",
        headers=viewer,
        json={"identifier": "GB-LAE-TEN", "name": "Tendring District Council", "kind": "district_council"},
    )
    assert response.status_code == 403
    assert response.json()["error"]["problems"][0]["message"] == "Only a user with the role admin can do this"


def test_a_missing_partner_is_a_404_in_the_error_shape(client: TestClient, admin: dict[str, str]) -> None:
    response = client.get("/api/v1/organisations/999", headers=admin)
    assert response.status_code == 404
    assert response.json() == {
        "error": {
            "status": 404,
            "title": "Page not found",
            "problems": [{"where": "", "message": "There is no partner organisation 999"}],
        }
    }


def test_the_openapi_description_lists_the_partner_endpoints(client: TestClient) -> None:
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert {"/api/v1/organisations", "/api/v1/organisations/{organisation_id}", "/api/v1/areas"} <= set(paths)
