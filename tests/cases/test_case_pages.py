"""Casework in the browser's terms and through the API: refer, queue, screen, the case page with its timeline,
refusals, bad input, paging and pseudonymised reading. On both databases."""

from __future__ import annotations

import datetime as dt

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from tests.cases.builders import Place, build_place, refer
from tests.factories import sign_in
from wholeplace.audit import AuditEntry, unit_of_work
from wholeplace.auth import service as auth_service
from wholeplace.auth.actor import Actor
from wholeplace.cases.model import Case, Person, Referral


def setup_place(sessions: sessionmaker[Session], referrals: int = 1) -> tuple[Place, list[int]]:
    with unit_of_work(sessions) as session:
        place = build_place(session)
        made = [refer(session, place, given=f"Person{n}").id for n in range(referrals)]
    return place, made


def form(client: TestClient, **values: str) -> dict[str, str]:
    return {"csrf_token": client.cookies["wholeplace_csrf"], **values}


def test_refer_screen_and_open_the_case_page_with_its_timeline(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    place, (first, _second) = setup_place(sessions, referrals=2)
    with unit_of_work(sessions) as session:
        referral = session.get(Referral, first)
        assert referral is not None
        referral.received_at -= dt.timedelta(hours=80)
    sign_in(client, "gateway@council.example")
    queue = client.get("/cases/gateway")
    assert queue.status_code == 200
    assert queue.text.index("Person0") < queue.text.index("Person1")  # oldest first
    assert queue.text.count("Overdue") == 1 and "2 waiting" in queue.text
    screened = client.post(
        f"/cases/referrals/{first}/screen",
        data=form(
            client,
            outcome="case opened",
            case_kind="domestic abuse victim",
            team_id=str(place.north.id),
            key_worker_id=str(place.key_worker.id),
            role="victim",
            note="",
        ),
        follow_redirects=False,
    )
    assert screened.status_code == 303 and screened.headers["location"].startswith("/cases/")
    client.cookies.clear()
    sign_in(client, "north@council.example")
    page = client.get(screened.headers["location"])
    assert page.status_code == 200
    assert "Person0 Example (victim)" in page.text and "1 Example Street CH1 1AA" in page.text
    assert "Referral" in page.text and "Called to a domestic incident" in page.text  # on the timeline
    note = client.post(
        screened.headers["location"] + "/notes", data=form(client, text="Home visit done"), follow_redirects=False
    )
    assert note.status_code == 303
    assert "Home visit done" in client.get(screened.headers["location"]).text


def test_a_partner_without_an_agreement_is_refused_the_case_page_and_the_refusal_is_audited(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    place, _ = setup_place(sessions)
    with unit_of_work(sessions) as session:
        case = _open_case(session, place)
        refused_before = _refusals(session)
    sign_in(client, "officer@police.example")
    page = client.get(f"/cases/{case}")
    assert page.status_code == 403
    assert "No information sharing agreement" in page.text
    with sessions() as session:
        assert _refusals(session) == refused_before + 1
        last = session.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc())).first()
        assert last is not None and (last.action, last.purpose, last.object_id) == (
            "casework.read",
            "case_management",
            str(case),
        )


def test_a_referral_born_in_the_future_gets_the_error_summary_and_nothing_is_written(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    setup_place(sessions, referrals=0)
    sign_in(client, "officer@police.example")
    client.get("/cases/referrals/new")
    answer = client.post(
        "/cases/referrals/new",
        data=form(
            client,
            given_name="Jo",
            family_name="Future",
            **{"date_of_birth-day": "1", "date_of_birth-month": "1", "date_of_birth-year": "2999"},
            referrer="PC Synthetic",
            reason="Welfare",
            consent="given",
            urgency="routine",
        ),
    )
    assert answer.status_code == 422
    assert "govuk-error-summary" in answer.text and 'href="#date_of_birth-day"' in answer.text
    assert "Date of birth must be today or in the past" in answer.text
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(Person)) == 0
        assert session.scalar(select(func.count()).select_from(Referral)) == 0


def test_the_api_refers_screens_pages_and_pseudonymises_for_analysts(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    place, made = setup_place(sessions, referrals=3)
    tokens = {}
    with unit_of_work(sessions) as session:
        for user in (place.gateway_worker, place.key_worker, place.analyst, place.officer):
            _, tokens[user.email] = auth_service.create_token(session, Actor.of(user), name="test")
    gateway = {"Authorization": f"Bearer {tokens['gateway@council.example']}"}
    sent = client.post(
        "/api/v1/referrals",
        headers={"Authorization": f"Bearer {tokens['officer@police.example']}"},
        json={
            "referrer": "PC API",
            "reason": "Concern",
            "consent": "given",
            "urgency": "immediate",
            "person": {"given_name": "Api", "family_name": "Person", "date_of_birth": "1990-05-17"},
        },
    )
    assert sent.status_code == 201, sent.text
    assert sent.json()["target_hours"] == 4 and sent.json()["source"] == "Synthetic Constabulary"
    listed = client.get("/api/v1/referrals?page_size=2", headers=gateway).json()
    assert (listed["total"], listed["pages"], len(listed["items"])) == (4, 2, 2)
    assert [item["id"] for item in listed["items"]] == made[:2]
    screened = client.post(
        f"/api/v1/referrals/{sent.json()['id']}/screening",
        headers=gateway,
        json={"outcome": "case opened", "case_kind": "domestic abuse victim", "team_id": place.north.id},
    )
    assert screened.status_code == 200, screened.text
    case_id = screened.json()["case_id"]
    worker = {"Authorization": f"Bearer {tokens['north@council.example']}"}
    case = client.get(f"/api/v1/cases/{case_id}", headers=worker).json()
    assert case["members"][0]["person"]["given_name"] == "Api" and case["team"] == "North locality team"
    assert client.get("/api/v1/cases", headers=worker).json()["total"] == 1
    analyst = {"Authorization": f"Bearer {tokens['analyst@council.example']}"}
    pseudonymised = client.get(f"/api/v1/cases/{case_id}?purpose=analysis", headers=analyst)
    assert pseudonymised.status_code == 200, pseudonymised.text
    person = pseudonymised.json()["members"][0]["person"]
    assert person["given_name"] is None and person["family_name"] is None and person["date_of_birth"] is None
    assert person["year_of_birth"] == 1990 and person["pseudonym"].startswith("P-")
    assert "Api" not in pseudonymised.text
    assert client.get(f"/api/v1/cases/{case_id}", headers=analyst).status_code == 403


def _open_case(session: Session, place: Place) -> int:
    from wholeplace.cases import gateway
    from wholeplace.cases.model import CaseKind, ScreeningOutcome

    referral = session.scalars(select(Referral)).first()
    assert referral is not None
    screened = gateway.screen(
        session,
        place.actor(place.gateway_worker),
        referral.id,
        gateway.Screening(
            ScreeningOutcome.CASE_OPENED, case_kind=CaseKind.DOMESTIC_ABUSE_VICTIM, team_id=place.north.id
        ),
    )
    assert session.get(Case, screened.case_id) is not None
    return screened.case_id or 0


def _refusals(session: Session) -> int:
    statement = select(func.count()).select_from(AuditEntry).where(AuditEntry.outcome == "refused")
    return session.scalar(statement) or 0


def test_the_team_page_lists_its_cases_and_its_overdue_actions(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    import datetime as dt

    from wholeplace.cases.plans import ActionIn, add_action

    place, _ = setup_place(sessions)
    with unit_of_work(sessions) as session:
        case = _open_case(session, place)
        add_action(
            session,
            place.actor(place.key_worker),
            case,
            ActionIn("Fit a door alarm", "XX-SYN-POLICE", "PC Owner", dt.date.today() - dt.timedelta(days=3)),
        )
        reference = session.get(Case, case).reference  # type: ignore[union-attr]
    sign_in(client, "manager@council.example")
    page = client.get(f"/cases/teams/{place.north.id}")
    assert page.status_code == 200
    assert reference in page.text and "North locality team caseload" in page.text
    assert f"Plan of {reference} (3 days late): Synthetic Constabulary (PC Owner): Fit a door alarm" in page.text
    assert client.get(f"/cases/teams/{place.south.id}").status_code == 404
