"""The sharing and rights pages in the browser's terms: break-glass from a refused case to the data protection
officer's review, the oversight of refusals, agreements, consent, subject access (page, JSON, PDF) and correcting a
person's details. Bad input shows the GOV.UK error summary and changes nothing. On both databases."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from tests.cases.builders import Place, build_place
from tests.cases.test_rights import opened
from tests.factories import sign_in
from wholeplace.audit import AuditEntry, unit_of_work
from wholeplace.cases.model import Case
from wholeplace.db import utcnow
from wholeplace.sharing import routes as sharing_routes
from wholeplace.sharing.model import BreakGlass, Consent, SharingAgreement


@pytest.fixture
def web(client: TestClient) -> TestClient:
    """The client, with the /sharing pages served (until web/app.py includes them itself)."""
    app = client.app
    if not any(getattr(route, "path", "") == "/sharing/agreements" for route in app.routes):  # type: ignore[attr-defined]
        app.include_router(sharing_routes.pages)  # type: ignore[attr-defined]
    return client


def setup(sessions: sessionmaker[Session]) -> tuple[Place, int, int]:
    with unit_of_work(sessions) as session:
        place = build_place(session)
        case = opened(session, place, "Alex", "Example", place.north.id, place.key_worker.id)
        return place, case.id, case.members[0].person_id


def form(client: TestClient, **values: str | list[str]) -> dict[str, str | list[str]]:
    return {"csrf_token": client.cookies["wholeplace_csrf"], **values}


def as_user(client: TestClient, email: str) -> TestClient:
    client.cookies.clear()
    sign_in(client, email)
    return client


def count(sessions: sessionmaker[Session], model: type) -> int:
    with sessions() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def test_break_glass_from_a_refused_case_to_its_review(web: TestClient, sessions: sessionmaker[Session]) -> None:
    _, case_id, _ = setup(sessions)
    officer = as_user(web, "officer@police.example")
    assert officer.get(f"/cases/{case_id}").status_code == 403
    assert "Why must you open this case now?" in officer.get(f"/cases/{case_id}/break-glass").text

    refused = officer.post(f"/cases/{case_id}/break-glass", data=form(officer, reason=" ", hours="4"))
    assert refused.status_code == 422 and "There is a problem" in refused.text
    assert 'href="#reason"' in refused.text and "Say why you must open this case now" in refused.text
    assert count(sessions, BreakGlass) == 0

    reason = "Called to the address tonight; need the risk history"
    opened_now = officer.post(
        f"/cases/{case_id}/break-glass", data=form(officer, reason=reason, hours="2"), follow_redirects=False
    )
    assert (opened_now.status_code, opened_now.headers["location"]) == (303, f"/cases/{case_id}")
    assert officer.get(f"/cases/{case_id}").status_code == 200

    admin = as_user(web, "admin@council.example")
    page = admin.get("/cases/oversight")
    assert page.status_code == 200 and reason in page.text and "Synthetic Constabulary" in page.text
    assert "No information sharing agreement with the holding partner covers" in page.text  # the refusal before
    with sessions() as session:
        reference = session.scalars(select(Case.reference)).one()
    assert f"read case {reference}" in page.text
    with sessions() as session:
        glass_id = session.scalars(select(BreakGlass.id)).one()
    empty = admin.post(f"/cases/oversight/break-glass/{glass_id}/review", data=form(admin, note=""))
    assert empty.status_code == 422 and f'href="#note-{glass_id}"' in empty.text
    reviewed = admin.post(
        f"/cases/oversight/break-glass/{glass_id}/review",
        data=form(admin, note="Spoke to the officer: justified"),
        follow_redirects=False,
    )
    assert reviewed.status_code == 303
    assert "Nothing to review" in admin.get("/cases/oversight").text

    with unit_of_work(sessions) as session:
        glass = session.get(BreakGlass, glass_id)
        assert glass is not None
        glass.expires_at = utcnow() - dt.timedelta(minutes=1)
    assert as_user(web, "officer@police.example").get(f"/cases/{case_id}").status_code == 403


def test_only_administrators_see_oversight(web: TestClient, sessions: sessionmaker[Session]) -> None:
    setup(sessions)
    worker = as_user(web, "north@council.example")
    assert worker.get("/cases/oversight").status_code == 403
    assert worker.get("/cases/subject-access").status_code == 403
    assert worker.get("/sharing/agreements/new").status_code == 403
    with sessions() as session:
        refused = session.scalars(select(AuditEntry.action).where(AuditEntry.outcome == "refused")).all()
    assert sorted(refused) == ["casework.read", "sharing.agreement_created", "sharing.oversight"]


def test_an_administrator_records_an_agreement_through_the_form(
    web: TestClient, sessions: sessionmaker[Session]
) -> None:
    place, _, _ = setup(sessions)
    admin = as_user(web, "admin@council.example")
    assert "Record an information sharing agreement" in admin.get("/sharing/agreements/new").text

    bad = admin.post(
        "/sharing/agreements/new",
        data=form(admin, title="", parties=[str(place.council.id)], **{"starts_on-day": "31", "starts_on-month": "2"}),
    )
    assert bad.status_code == 422
    for message in (
        "Enter a title",
        "Choose at least two partners",
        "Choose at least one of the purposes",
        "Start date must be a real date",
    ):
        assert message in bad.text
    assert count(sessions, SharingAgreement) == 0

    good = admin.post(
        "/sharing/agreements/new",
        data=form(
            admin,
            title="Domestic abuse information sharing agreement",
            parties=[str(place.council.id), str(place.police.id)],
            purposes=["case_management", "marac"],
            categories=["identity", "casework"],
            lawful_basis="UK GDPR Article 6(1)(e) public task",
            dpia_reference="DPIA-2014-07",
            needs_consent="yes",
            **{"starts_on-day": "1", "starts_on-month": "4", "starts_on-year": "2014"},
        ),
        follow_redirects=False,
    )
    assert good.status_code == 303
    detail = admin.get(good.headers["location"])
    assert "Domestic abuse information sharing agreement" in detail.text and "In force" in detail.text
    assert "Multi-agency risk assessment conference (MARAC)" in detail.text
    assert "Domestic abuse information sharing agreement" in admin.get("/sharing/agreements").text


def test_a_key_worker_records_consent_and_corrects_details(web: TestClient, sessions: sessionmaker[Session]) -> None:
    _, _, person_id = setup(sessions)
    worker = as_user(web, "north@council.example")
    page = worker.get(f"/cases/people/{person_id}/consent")
    assert page.status_code == 200 and "Consent of Alex Example" in page.text

    bad = worker.post(f"/cases/people/{person_id}/consent", data=form(worker, purposes=["marac"]))
    assert bad.status_code == 422 and "Choose given, refused or withdrawn" in bad.text
    assert count(sessions, Consent) == 0
    saved = worker.post(
        f"/cases/people/{person_id}/consent",
        data=form(worker, status="given", purposes=["marac"], note="At the drop-in"),
        follow_redirects=False,
    )
    assert saved.status_code == 303 and "At the drop-in" in worker.get(f"/cases/people/{person_id}/consent").text

    correct = worker.get(f"/cases/people/{person_id}/rectify")
    assert correct.status_code == 200 and 'value="Example"' in correct.text
    wrong = worker.post(f"/cases/people/{person_id}/rectify", data=form(worker, given_name="Alex", family_name=""))
    assert wrong.status_code == 422 and "Enter a family name" in wrong.text
    done = worker.post(
        f"/cases/people/{person_id}/rectify",
        data=form(worker, given_name="Alex", family_name="Exampleton", sex="female", address="1 Example Street"),
        follow_redirects=False,
    )
    assert done.status_code == 303
    with sessions() as session:
        entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "person.rectified")).one()
    assert json.loads(entry.detail)["changes"]["family_name"] == {"before": "Example", "after": "Exampleton"}


def test_subject_access_as_a_page_json_and_pdf(web: TestClient, sessions: sessionmaker[Session]) -> None:
    _, _, person_id = setup(sessions)
    admin = as_user(web, "admin@council.example")
    found = admin.get("/cases/subject-access", params={"family_name": "example"})
    assert f'href="/cases/people/{person_id}/subject-access"' in found.text
    page = admin.get(f"/cases/people/{person_id}/subject-access")
    assert page.status_code == 200 and "What Synthetic Borough Council holds about Alex Example" in page.text

    data = admin.get(f"/cases/people/{person_id}/subject-access.json")
    assert data.json()["person"]["family_name"] == "Example" and data.headers["cache-control"] == "no-store"
    assert data.headers["content-disposition"] == f'attachment; filename="subject-access-{person_id}.json"'
    pdf = admin.get(f"/cases/people/{person_id}/subject-access.pdf")
    assert pdf.content.startswith(b"%PDF") and pdf.headers["content-type"] == "application/pdf"
    with sessions() as session:
        purposes = set(session.scalars(select(AuditEntry.purpose).where(AuditEntry.action == "casework.read")))
    assert purposes == {"subject_access"}
