"""/api/v1/indicators and /api/v1/measurements on the loaded demo and both databases: paging, an indicator's
status in every area, measurements by indicator, recording a figure and its revision, bad bodies refused in
the API's one error shape with nothing written, and a viewer refused."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from wholeplace.auth import service as auth_service
from wholeplace.auth.actor import Actor
from wholeplace.auth.model import User
from wholeplace.db import session_factory
from wholeplace.outcomes.model import Indicator, Measurement
from wholeplace.settings import Settings
from wholeplace.web.app import create_app


@pytest.fixture
def demo_sessions(demo_engine: Engine) -> sessionmaker[Session]:
    return session_factory(demo_engine)


@pytest.fixture
def api(settings: Settings, demo_sessions: sessionmaker[Session]) -> Iterator[TestClient]:
    with TestClient(create_app(settings, demo_sessions)) as test_client:
        yield test_client


def bearer(sessions: sessionmaker[Session], email: str) -> dict[str, str]:
    """A token for one of the demo's users (one per role)."""
    with sessions() as session, session.begin():
        user = session.scalars(select(User).where(User.email == email)).one()
        _, secret = auth_service.create_token(session, Actor.of(user), name="tests")
    return {"Authorization": f"Bearer {secret}"}


@pytest.fixture
def analyst(demo_sessions: sessionmaker[Session]) -> dict[str, str]:
    return bearer(demo_sessions, "analyst@demo.wholeplace.test")


@pytest.fixture
def viewer(demo_sessions: sessionmaker[Session]) -> dict[str, str]:
    return bearer(demo_sessions, "viewer@demo.wholeplace.test")


def indicator_id(sessions: sessionmaker[Session], code: str) -> int:
    with sessions() as session:
        return session.scalars(select(Indicator.id).where(Indicator.code == code)).one()


def measurements_held(sessions: sessionmaker[Session]) -> int:
    with sessions() as session:
        return session.scalar(select(func.count()).select_from(Measurement)) or 0


def test_the_indicators_page_through_every_framework(
    api: TestClient, viewer: dict[str, str], demo_sessions: sessionmaker[Session]
) -> None:
    with demo_sessions() as session:
        codes = sorted(session.scalars(select(Indicator.code)).all())
    # Safer Essex's 4, the WECB's 4 and Cheshire West and Chester's 2
    assert len(codes) == 10
    first = api.get("/api/v1/indicators", headers=viewer, params={"page_size": 2}).json()
    assert (first["total"], first["pages"], first["page"], first["has_next"]) == (10, 5, 1, True)
    assert [item["code"] for item in first["items"]] == codes[:2] == ["all-crime", "anti-social-behaviour"]
    last = api.get("/api/v1/indicators", headers=viewer, params={"page_size": 2, "page": 5}).json()
    assert ([item["code"] for item in last["items"]], last["has_next"]) == (codes[8:], False)
    crime = first["items"][0]
    assert {key: crime[key] for key in ("name", "framework", "outcome", "unit", "frequency", "owner")} == {
        "name": "All crime",
        "framework": "Safer Essex community safety",
        "outcome": "Less crime",
        "unit": "crimes",
        "frequency": "year",
        "owner": "Essex Police",
    }
    assert (crime["on_track_within"], crime["at_risk_within"], crime["status"]) == ("0", "3", None)


def test_an_indicator_has_its_status_in_every_area(
    api: TestClient, viewer: dict[str, str], demo_sessions: sessionmaker[Session]
) -> None:
    body = api.get(f"/api/v1/indicators/{indicator_id(demo_sessions, 'all-crime')}", headers=viewer).json()
    # Essex first, then its 12 districts by name
    assert [entry["area_name"] for entry in body["status"]][:3] == ["Essex", "Basildon", "Braintree"]
    assert len(body["status"]) == 13
    essex = body["status"][0]
    latest = int(essex["latest"])
    # baseline 2009/10 = 105,000; the 2010/11 target is 95% of it, 99,750
    assert {key: essex[key] for key in ("area", "period", "baseline", "target", "status")} == {
        "area": "E10000012",
        "period": "2010/11",
        "baseline": "105000",
        "target": "99750",
        "status": "on_track",
    }
    assert essex["change"] == str(latest - 105000)
    assert essex["rule"].startswith("On track: meets or beats target (lower is better;")
    assert all(entry["status"] in ("on_track", "at_risk", "off_track") and entry["rule"] for entry in body["status"])


def test_an_unknown_indicator_is_a_json_404(api: TestClient, viewer: dict[str, str]) -> None:
    response = api.get("/api/v1/indicators/9999", headers=viewer)
    assert response.status_code == 404
    assert response.json()["error"]["problems"] == [{"where": "", "message": "There is no indicator 9999"}]


def test_measurements_filter_by_indicator_and_page(
    api: TestClient, viewer: dict[str, str], demo_sessions: sessionmaker[Session]
) -> None:
    crime = indicator_id(demo_sessions, "all-crime")
    params: dict[str, Any] = {"indicator_id": crime, "page_size": 10}
    first = api.get("/api/v1/measurements", headers=viewer, params=params).json()
    # Essex and 12 districts for 3 years (2008/09 to 2010/11), and Tendring's and Basildon's 2010/11
    # revisions: 13 x 3 + 2 = 41
    assert (first["total"], first["pages"], first["has_next"]) == (41, 5, True)
    assert len(first["items"]) == 10
    last = api.get("/api/v1/measurements", headers=viewer, params={**params, "page": 5}).json()
    assert (len(last["items"]), last["has_next"]) == (1, False)
    everything = api.get("/api/v1/measurements", headers=viewer, params={**params, "page_size": 100}).json()
    assert {item["indicator"] for item in everything["items"]} == {"all-crime"}
    tendring = [
        (item["revision"], item["current"])
        for item in everything["items"]
        if (item["area"], item["period"]) == ("E07000076", "2010/11")
    ]
    assert tendring == [(1, False), (2, True)]


def test_a_posted_figure_is_recorded_and_a_second_value_is_its_revision(
    api: TestClient, analyst: dict[str, str], demo_sessions: sessionmaker[Session]
) -> None:
    before = measurements_held(demo_sessions)
    figure = {"indicator": "all-crime", "area": "Tendring", "period": "2014/15", "value": "8,612"}
    first = api.post("/api/v1/measurements", headers=analyst, json={**figure, "received_on": "2015-05-01"})
    assert first.status_code == 201, first.text
    body = first.json()
    assert {key: body[key] for key in ("indicator", "area", "period", "value", "revision", "current")} == {
        "indicator": "all-crime",
        "area": "E07000076",
        "period": "2014/15",
        "value": "8612",
        "revision": 1,
        "current": True,
    }
    assert (body["received_on"], body["recorded_by"]) == ("2015-05-01", "analyst@demo.wholeplace.test")
    second = api.post(
        "/api/v1/measurements",
        headers=analyst,
        json={**figure, "value": "8724", "note": "112 crimes found in the recording audit"},
    )
    assert second.status_code == 201, second.text
    assert (second.json()["revision"], second.json()["value"], second.json()["current"]) == (2, "8724", True)
    assert measurements_held(demo_sessions) == before + 2
    listed = api.get(
        "/api/v1/measurements",
        headers=analyst,
        params={"indicator_id": indicator_id(demo_sessions, "all-crime"), "page_size": 100},
    ).json()["items"]
    new = [
        (item["revision"], item["value"], item["current"], item["note"])
        for item in listed
        if (item["area"], item["period"]) == ("E07000076", "2014/15")
    ]
    assert new == [(1, "8612", False, ""), (2, "8724", True, "112 crimes found in the recording audit")]
    # the same figure again changes nothing and says so
    again = api.post("/api/v1/measurements", headers=analyst, json={**figure, "value": "8724"})
    assert again.status_code == 422
    assert again.json()["error"]["problems"] == [
        {"where": "body, value", "message": "This figure is already held for that period: nothing changed"}
    ]
    assert measurements_held(demo_sessions) == before + 2


GOOD_BODY = {"indicator": "all-crime", "area": "Tendring", "period": "2014/15", "value": "8612"}


@pytest.mark.parametrize(
    ("change", "problems"),
    [
        pytest.param(
            {"indicator": "violent-crime"},
            [
                {
                    "where": "body, column 'indicator'",
                    "message": "'violent-crime' is not an indicator in any framework",
                }
            ],
            id="unknown indicator",
        ),
        pytest.param(
            {"period": "2014-15"},
            [
                {
                    "where": "body, column 'period'",
                    "message": "'2014-15' is not a period. Write a financial year as 2014/15",
                }
            ],
            id="bad period",
        ),
        pytest.param(
            {"value": "abc"},
            [{"where": "body, column 'value'", "message": "'abc' is not a number"}],
            id="value not a number",
        ),
        pytest.param(
            {"value": None},
            [{"where": "value", "message": "Input should be a valid string"}],
            id="value null",
        ),
    ],
)
def test_a_bad_body_is_refused_in_the_one_error_shape_and_nothing_is_written(
    api: TestClient,
    analyst: dict[str, str],
    demo_sessions: sessionmaker[Session],
    change: dict[str, Any],
    problems: list[dict[str, str]],
) -> None:
    before = measurements_held(demo_sessions)
    response = api.post("/api/v1/measurements", headers=analyst, json={**GOOD_BODY, **change})
    assert response.status_code == 422
    assert response.json() == {
        "error": {"status": 422, "title": "There is a problem with the input", "problems": problems}
    }
    assert measurements_held(demo_sessions) == before


def test_a_body_missing_its_value_is_refused_naming_the_field(
    api: TestClient, analyst: dict[str, str], demo_sessions: sessionmaker[Session]
) -> None:
    before = measurements_held(demo_sessions)
    body = {key: value for key, value in GOOD_BODY.items() if key != "value"}
    response = api.post("/api/v1/measurements", headers=analyst, json=body)
    assert response.status_code == 422
    assert response.json()["error"]["problems"] == [
        {"where": "value", "message": "Enter a value: this field is required"}
    ]
    assert measurements_held(demo_sessions) == before


def test_a_viewer_cannot_record_a_figure(
    api: TestClient, viewer: dict[str, str], demo_sessions: sessionmaker[Session]
) -> None:
    before = measurements_held(demo_sessions)
    response = api.post("/api/v1/measurements", headers=viewer, json=GOOD_BODY)
    assert response.status_code == 403
    error = response.json()["error"]
    assert error["title"] == "You cannot do this"
    assert error["problems"] == [
        {"where": "", "message": "Only a user with the role admin, analyst, programme can do this"}
    ]
    assert measurements_held(demo_sessions) == before
