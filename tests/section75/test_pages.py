"""The section 75 pages and API on the demo and both databases, as the demo's finance officer: an agreement
recorded through the form (303), hostile amounts, shares and dates refused on their fields with nothing saved,
an instalment received, and the year-end settlement worked out and drafted as a decision."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from tests.factories import sign_in
from wholeplace.auth import service as auth_service
from wholeplace.auth.actor import Actor
from wholeplace.auth.model import User
from wholeplace.db import session_factory
from wholeplace.section75.model import Agreement, InstalmentReceipt
from wholeplace.settings import Settings
from wholeplace.web.app import create_app


@pytest.fixture
def demo_sessions(demo_engine: Engine) -> sessionmaker[Session]:
    return session_factory(demo_engine)


@pytest.fixture
def finance(settings: Settings, demo_sessions: sessionmaker[Session]) -> Iterator[TestClient]:
    with TestClient(create_app(settings, demo_sessions)) as client:
        sign_in(client, "finance@demo.wholeplace.test", "finance-demo-2013")
        yield client


def count(sessions: sessionmaker[Session], model: type[Agreement] | type[InstalmentReceipt]) -> int:
    with sessions() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def demo_id(sessions: sessionmaker[Session]) -> int:
    with sessions() as session:
        return session.scalars(select(Agreement.id).where(Agreement.reference == "S75/NEE/2025")).one()


def text_of(page: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


GOOD_FORM = {
    "reference": "S75/NEE/2026-B",
    "title": "Carers' support pool",
    "fund": "bcf-ne-essex-2025-27",
    "decision": "ECC/S75/25/01",
    "host": "GB-LAE-ESS",
    **{f"starts_on-{k}": v for k, v in (("day", "1"), ("month", "4"), ("year", "2026"))},
    **{f"ends_on-{k}": v for k, v in (("day", "31"), ("month", "3"), ("year", "2027"))},
    **{f"signed_on-{k}": v for k, v in (("day", "20"), ("month", "3"), ("year", "2026"))},
    "underspend": "carry_forward",
    "partner-1-partner": "GB-LAE-ESS",
    "partner-1-overspend_share": "66.67",
    "partner-1-underspend_share": "50",
    "partner-1-schedule": "2026-04-15, £10,000\n15/10/2026 £10,000.50",
    "partner-2-partner": "GB-NHS-06T",
    "partner-2-overspend_share": "33.33",
    "partner-2-underspend_share": "50%",
    "partner-2-schedule": "2026-04-15, 5000",
}
HOSTILE = [
    ("partner-1-schedule", "2026-04-15, 12345678901234567890123", "more than £10,000,000,000,000.00"),
    ("partner-1-schedule", "2026-04-15, 1e30", "is not an amount of money"),
    ("partner-2-schedule", "2026-04-15, NaN", "is not an amount of money"),
    ("partner-1-overspend_share", "60", "overspend shares add up to 93.33%"),
    ("partner-2-underspend_share", "NaN", "is not a percentage"),
    ("starts_on-year", "14", "from 2000 to 2100"),
    ("ends_on-year", "200000", "real date"),
]


def test_an_agreement_is_recorded_through_the_form_and_hostile_values_are_refused_on_their_fields(
    finance: TestClient, demo_sessions: sessionmaker[Session]
) -> None:
    token = {"csrf_token": finance.cookies["wholeplace_csrf"]}
    before = count(demo_sessions, Agreement)
    refused = 0
    for field, value, message in HOSTILE:
        response = finance.post("/section75/new", data={**GOOD_FORM, field: value, **token}, follow_redirects=False)
        assert response.status_code == 422, (field, value)
        assert message in text_of(response.text), (field, value)
        assert "govuk-error-summary" in response.text
        refused += 1
    assert refused == len(HOSTILE)
    assert count(demo_sessions, Agreement) == before
    response = finance.post("/section75/new", data={**GOOD_FORM, **token}, follow_redirects=False)
    assert response.status_code == 303
    page = text_of(finance.get(response.headers["location"]).text)
    assert "Carers' support pool" in page
    assert "66.67% 50%" in page and "33.33% 50%" in page
    assert "£10,000.50" in page
    assert count(demo_sessions, Agreement) == before + 1


def test_an_instalment_received_and_the_settlement_drafted_through_the_pages(
    finance: TestClient, demo_sessions: sessionmaker[Session]
) -> None:
    agreement_id = demo_id(demo_sessions)
    with demo_sessions() as session:
        fund_id = session.scalars(select(Agreement.fund_id).where(Agreement.id == agreement_id)).one()
    fund_page = finance.get(f"/funds/{fund_id}").text
    assert f'href="/section75/{agreement_id}"' in fund_page
    assert "Held under section 75 agreement S75/NEE/2025: North East Essex integrated care pooled fund" in text_of(
        fund_page
    )
    token = {"csrf_token": finance.cookies["wholeplace_csrf"]}
    page = finance.get(f"/section75/{agreement_id}").text
    late = re.search(
        r'<option value="(\d+)"[^>]*>NHS North East Essex Clinical Commissioning Group, due 15 October', page
    )
    assert late is not None
    date = {"received_on-day": "30", "received_on-month": "11", "received_on-year": "2026"}
    bad = finance.post(
        f"/section75/{agreement_id}/receipts", data={"instalment": late[1], "amount": "1e30", **date, **token}
    )
    assert bad.status_code == 422 and "is not an amount of money" in text_of(bad.text)
    receipts = count(demo_sessions, InstalmentReceipt)
    response = finance.post(
        f"/section75/{agreement_id}/receipts",
        data={"instalment": late[1], "amount": "540,000", **date, **token},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert count(demo_sessions, InstalmentReceipt) == receipts + 1
    shown = text_of(finance.get(f"/section75/{agreement_id}/settlement?year=2025/26&accrued=212,345.67").text)
    assert "Overspend of £212,345.67" in shown
    assert "Essex County Council 60% £127,407.40" in shown
    assert "NHS North East Essex Clinical Commissioning Group 40% £84,938.27" in shown
    assert "Reablement (Admission avoidance)" in shown  # a place named, not an account path
    refused = finance.post(
        f"/section75/{agreement_id}/settlement",
        data={"year": "2025/26", "accrued": "NaN", "reference": "ECC/S75/26/09", **token},
    )
    assert refused.status_code == 422 and "is not an amount of money" in text_of(refused.text)
    response = finance.post(
        f"/section75/{agreement_id}/settlement",
        data={"year": "2025/26", "accrued": "212345.67", "reference": "ECC/S75/26/09", **token},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert re.fullmatch(r"/decisions/\d+", response.headers["location"])


def test_the_api_lists_gets_creates_and_settles(finance: TestClient, demo_sessions: sessionmaker[Session]) -> None:
    with demo_sessions() as session, session.begin():
        user = session.scalars(select(User).where(User.email == "finance@demo.wholeplace.test")).one()
        _, secret = auth_service.create_token(session, Actor.of(user), name="tests")
    bearer = {"Authorization": f"Bearer {secret}"}
    listed = finance.get("/api/v1/section75/agreements", headers=bearer).json()
    assert [item["reference"] for item in listed["items"]] == ["S75/NEE/2025"]
    agreement_id = listed["items"][0]["id"]
    got = finance.get(f"/api/v1/section75/agreements/{agreement_id}", headers=bearer).json()
    assert [i["status"] for i in got["instalments"]].count("received") == 13
    body = {
        "reference": "S75/API/1",
        "title": "A pool by API",
        "fund": "bcf-ne-essex-2025-27",
        "decision": "ECC/S75/25/01",
        "host": "GB-NHS-06T",
        "starts_on": "2026-04-01",
        "ends_on": "2027-03-31",
        "signed_on": "2026-03-01",
        "partners": [
            {"partner": "GB-LAE-ESS", "overspend_share": "50", "underspend_share": "50", "instalments": []},
            {"partner": "GB-NHS-06T", "overspend_share": "50", "underspend_share": "1e30", "instalments": []},
        ],
    }
    refused = finance.post("/api/v1/section75/agreements", headers=bearer, json=body)
    assert refused.status_code == 422
    assert {p["where"] for p in refused.json()["error"]["problems"]} == {
        "partners[1].instalments",
        "partners[2].instalments",
        "partners[2].underspend_share",
    }
    for partner in body["partners"]:
        partner["underspend_share"] = "50"
        partner["instalments"] = [{"due_on": "2026-06-01", "amount": "1000"}]
    created = finance.post("/api/v1/section75/agreements", headers=bearer, json=body)
    assert created.status_code == 201 and created.json()["host"] == "NHS North East Essex Clinical Commissioning Group"
    computed = finance.get(
        f"/api/v1/section75/agreements/{agreement_id}/settlement",
        params={"year": "2025/26", "accrued": "212345.67"},
        headers=bearer,
    ).json()
    assert (computed["outcome"], [line["amount"] for line in computed["lines"]]) == (
        "overspend",
        ["127407.40", "84938.27"],
    )
    assert (
        finance.get(
            f"/api/v1/section75/agreements/{agreement_id}/settlement", params={"year": "14"}, headers=bearer
        ).status_code
        == 422
    )
    drafted = finance.post(
        f"/api/v1/section75/agreements/{agreement_id}/settlement",
        headers=bearer,
        json={"year": "2025/26", "reference": "ECC/S75/26/11", "accrued": "212345.67"},
    )
    assert drafted.status_code == 201 and drafted.json()["status"] == "draft"
