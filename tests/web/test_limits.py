"""Bodies and files past `max_upload_mb` are refused with 413 and a reason, however they are sent."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from tests.factories import make_user, sign_in
from tests.funds.test_api import token_for
from tests.test_cli import database, run  # noqa: F401  (database is a fixture)
from wholeplace.auth.model import Role
from wholeplace.settings import Settings
from wholeplace.web.app import create_app

ONE_MB = 1024 * 1024
REFUSAL = "The upload is larger than 1 MB, the most this service accepts"


@pytest.fixture
def small(tmp_path: Path, sessions: sessionmaker[Session]) -> Iterator[TestClient]:
    """The app accepting bodies of at most 1 MB."""
    settings = Settings(database_url=f"sqlite:///{tmp_path}/unused.db", max_upload_mb=1)
    with TestClient(create_app(settings, sessions)) as client:
        yield client


def analyst(client: TestClient, sessions: sessionmaker[Session]) -> TestClient:
    with sessions() as session, session.begin():
        make_user(session, Role.ANALYST, email="analyst@essex.example")
    sign_in(client, "analyst@essex.example")
    return client


def test_a_form_body_declared_past_the_limit_is_refused_before_it_is_read(
    small: TestClient, sessions: sessionmaker[Session]
) -> None:
    client = analyst(small, sessions)
    page = client.post(
        "/business-cases/new",
        data={"csrf_token": client.cookies["wholeplace_csrf"]},
        files={"upload": ("big.yaml", b"#" * (ONE_MB + 1), "application/yaml")},
    )
    assert page.status_code == 413
    assert REFUSAL in page.text and "The upload is too large" in page.text
    assert page.headers["X-Frame-Options"] == "DENY"  # refused inside the security headers


def test_a_body_sent_in_chunks_is_refused_once_it_passes_the_limit(
    small: TestClient, sessions: sessionmaker[Session]
) -> None:
    client = analyst(small, sessions)
    sent = []

    def chunks() -> Iterator[bytes]:
        for _ in range(3):
            sent.append(1)
            yield b"source=" + b"x" * ONE_MB

    page = client.post(
        "/business-cases/new",
        content=chunks(),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert page.status_code == 413 and REFUSAL in page.text


def test_an_api_body_past_the_limit_is_a_413_in_json(small: TestClient, sessions: sessionmaker[Session]) -> None:
    admin = token_for(sessions, Role.ADMIN)
    response = small.post(
        "/api/v1/organisations",
        headers=admin,
        json={"identifier": "XX-TEST-1", "name": "x" * (ONE_MB + 1), "kind": "county_council"},
    )
    assert response.status_code == 413
    assert response.json()["error"]["problems"] == [{"where": "", "message": REFUSAL}]


def test_a_file_past_the_limit_is_refused_at_the_console_before_it_is_read(
    database: Engine,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("WHOLEPLACE_MAX_UPLOAD_MB", "1")
    from wholeplace.settings import get_settings

    get_settings.cache_clear()
    big = tmp_path / "partners.csv"
    big.write_bytes(b"identifier,name,kind\n" + b"GB-LAE-ESS,Essex County Council,county_council\n" * 30_000)
    assert big.stat().st_size > ONE_MB
    assert run("partners", "import", str(big)) == (
        1,
        "partners.csv: The file is larger than 1 MB, the most this service accepts\n",
    )


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            "identifier,name,kind\nGB-LAE-ESS," + "x" * 200_000 + ",county_council\n",
            "partners.csv, row 2: This is not a CSV row that can be read: field larger than field limit (131072)",
        ),
        (
            "identifier,name,kind\nGB-LAE-ESS,Essex\x00County,county_council\n",
            "partners.csv, row 2, column 'name': Name must not contain invisible or control characters: U+0000 a "
            "control character at character 6. Type it again rather than pasting it",
        ),
    ],
    ids=["over-long-field", "nul-byte"],
)
def test_a_csv_that_cannot_be_read_is_refused_naming_the_row_not_with_a_traceback(
    database: Engine,  # noqa: F811
    tmp_path: Path,
    content: str,
    message: str,
) -> None:
    csv_file = tmp_path / "partners.csv"
    csv_file.write_text(content)
    assert run("partners", "import", str(csv_file)) == (1, message + "\n")
