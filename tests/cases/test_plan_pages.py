"""The plan editor, a case's interventions, the menu and its results as pages, and /api/v1/interventions: forms
that save and redirect, bad input shown in the GOV.UK error summary (422) with nothing written. On both databases."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from tests.cases.builders import build_place
from tests.cases.test_interventions import add
from tests.cases.test_plans import open_case
from tests.factories import sign_in
from wholeplace.audit import AuditEntry
from wholeplace.auth import service as auth_service
from wholeplace.auth.actor import Actor
from wholeplace.auth.model import User
from wholeplace.business_dates import today
from wholeplace.cases import interventions
from wholeplace.cases.model import (
    CaseIntervention,
    CaseKind,
    CaseOutcome,
    CaseRole,
    FamilyAgreement,
    Intervention,
    MonitoringRecord,
    PlanAction,
    PlanGoal,
)


@dataclass(frozen=True)
class Seeded:
    victim: int  # case ids
    family: int
    offender: int
    family_people: tuple[int, int]
    police: int  # the police's organisation id
    refuge: int  # intervention id


@pytest.fixture
def seeded(sessions: sessionmaker[Session]) -> Seeded:
    with sessions() as session, session.begin():
        place = build_place(session)
        victim = open_case(session, place)
        family = open_case(session, place, CaseKind.FAMILY, (("Jordan", CaseRole.OTHER), ("Casey", CaseRole.CHILD)))
        offender = open_case(session, place, CaseKind.OFFENDER, (("Lee", CaseRole.PERPETRATOR),))
        refuge = add(
            session,
            place,
            "Neighbouring refuge",
            unit_cost="£350",
            area_served="Neighbouring Borough",
            crosses_boundaries=True,
        )
        add(session, place, "Door alarm", provider="XX-SYN-POLICE", unit_cost="£1,234.50", kind="prevention")
        people = tuple(member.person_id for member in family.members)
        return Seeded(victim.id, family.id, offender.id, (people[0], people[1]), place.police.id, refuge.id)


def user_named(session: Session, email: str) -> User:
    user = session.scalar(select(User).where(User.email == email))
    assert user is not None
    return user


def form(client: TestClient, **fields: object) -> dict[str, object]:
    return {"csrf_token": client.cookies["wholeplace_csrf"], **fields}


def count(sessions: sessionmaker[Session], model: type) -> int:
    with sessions() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def due(prefix: str, day: int, month: int, year: int) -> dict[str, str]:
    return {f"{prefix}-day": str(day), f"{prefix}-month": str(month), f"{prefix}-year": str(year)}


def test_an_action_is_added_from_the_plan_page(client: TestClient, seeded: Seeded) -> None:
    sign_in(client, "north@council.example")
    page = client.get(f"/cases/{seeded.victim}/plan")
    assert page.status_code == 200 and "Single plan" in page.text and "Synthetic Constabulary" in page.text
    next_year = today().year + 1
    saved = client.post(
        f"/cases/{seeded.victim}/plan/actions",
        data=form(
            client,
            form_name="action",
            description="Fit a door alarm",
            agency=str(seeded.police),
            owner="PC Synthetic",
            **due("due_on", 1, 3, next_year),
        ),
        follow_redirects=False,
    )
    assert saved.status_code == 303 and saved.headers["location"].startswith(f"/cases/{seeded.victim}/plan?saved=")
    shown = client.get(saved.headers["location"]).text
    assert "Fit a door alarm" in shown and f"1 March {next_year}" in shown and "The plan has been saved" in shown


def test_an_action_owned_by_an_unknown_agency_shows_the_error_summary_and_writes_nothing(
    client: TestClient, sessions: sessionmaker[Session], seeded: Seeded
) -> None:
    sign_in(client, "north@council.example")
    before = (count(sessions, PlanAction), count(sessions, AuditEntry))
    refused = client.post(
        f"/cases/{seeded.victim}/plan/actions",
        data=form(
            client,
            form_name="action",
            description="Fit a door alarm",
            agency="999999",
            owner="PC Synthetic",
            **due("due_on", 31, 2, today().year + 1),
        ),
    )
    assert refused.status_code == 422
    assert "govuk-error-summary" in refused.text and "There is a problem" in refused.text
    assert "There is no partner &#39;999999&#39;. Choose one of the partners of the place" in refused.text
    assert 'href="#action-agency"' in refused.text and 'href="#action-due_on-day"' in refused.text
    assert "The date due must be a real date" in refused.text
    assert 'value="Fit a door alarm"' in refused.text or ">Fit a door alarm</textarea>" in refused.text
    # the page itself read the plan again (audited), but no action was written and no change recorded
    assert count(sessions, PlanAction) == before[0]
    with sessions() as session:
        written = session.scalars(select(AuditEntry.action).where(AuditEntry.seq > before[1])).all()
    assert "plan.action_added" not in written and "casework.write" not in written


def test_goals_reviews_and_closing_an_action(
    client: TestClient, sessions: sessionmaker[Session], seeded: Seeded
) -> None:
    sign_in(client, "north@council.example")
    base = f"/cases/{seeded.victim}/plan"
    assert (
        client.post(f"{base}/goals", data=form(client, goal="Feel safe at home"), follow_redirects=False).status_code
        == 303
    )
    with sessions() as session:
        goal_id = session.scalar(select(PlanGoal.id))
    achieved = client.post(f"{base}/goal-achieved", data=form(client, goal_id=goal_id), follow_redirects=False)
    assert achieved.status_code == 303
    review = client.post(
        f"{base}/reviews",
        data=form(client, summary="Going well", **due("reviewed_on", today().day, today().month, today().year)),
        follow_redirects=False,
    )
    assert review.status_code == 303
    empty = client.post(f"{base}/goals", data=form(client, form_name="goal", goal=" "))
    assert empty.status_code == 422 and "Describe the goal" in empty.text and 'href="#goal-goal"' in empty.text
    assert client.post(f"{base}/nonsense", data=form(client)).status_code == 404
    page = client.get(base).text
    assert "Feel safe at home" in page and "Achieved" in page and "Going well" in page


def test_a_family_signs_the_agreement_and_an_offender_is_monitored(
    client: TestClient, sessions: sessionmaker[Session], seeded: Seeded
) -> None:
    sign_in(client, "north@council.example")
    adult, child = seeded.family_people
    page = client.get(f"/cases/{seeded.family}/plan").text
    assert "Families together agreement" in page and "Jordan Example" in page and "Monitoring" not in page
    signed = client.post(
        f"/cases/{seeded.family}/plan/agreement",
        data=form(
            client,
            form_name="agreement",
            family_commitment="School every day",
            agencies_commitment="One key worker",
            signers=[str(adult), str(child)],
            **{f"agreed_to_{adult}": "Walk them to school", f"agreed_to_{child}": "Go to school"},
            **due("signed_on", today().day, today().month, today().year),
        ),
        follow_redirects=False,
    )
    assert signed.status_code == 303
    assert "Walk them to school" in client.get(f"/cases/{seeded.family}/plan").text
    unsaid = client.post(
        f"/cases/{seeded.family}/plan/agreement",
        data=form(client, form_name="agreement", family_commitment="x", agencies_commitment="y", signers=[str(adult)]),
    )
    assert unsaid.status_code == 422 and "Say what this person agreed to" in unsaid.text
    assert (
        f'href="#agreement-agreed_to_{adult}"' in unsaid.text
        and "Enter the date the agreement was signed" in unsaid.text
    )
    assert count(sessions, FamilyAgreement) == 1

    offender_page = client.get(f"/cases/{seeded.offender}/plan").text
    assert "Record monitoring" in offender_page and "Families together agreement" not in offender_page
    tagged = client.post(
        f"/cases/{seeded.offender}/plan/monitoring",
        data=form(client, form_name="monitoring", kind="alcohol monitoring", breaches="0",
                  **due("started_on", today().day, today().month, today().year)),
        follow_redirects=False,
    )  # fmt: skip
    assert tagged.status_code == 303 and count(sessions, MonitoringRecord) == 1
    wrong = client.post(f"/cases/{seeded.offender}/plan/monitoring", data=form(client, breaches="many"))
    assert (
        wrong.status_code == 422 and "Choose the kind of monitoring" in wrong.text and "Breaches must be" in wrong.text
    )
    assert count(sessions, MonitoringRecord) == 1


def test_an_intervention_is_given_and_finished_and_an_outcome_recorded(
    client: TestClient, sessions: sessionmaker[Session], seeded: Seeded
) -> None:
    sign_in(client, "north@council.example")
    base = f"/cases/{seeded.victim}/interventions"
    t = today()
    given = client.post(
        f"{base}/give",
        data=form(client, intervention_id=str(seeded.refuge), units="4", **due("started_on", t.day, t.month, t.year)),
        follow_redirects=False,
    )
    assert given.status_code == 303
    with sessions() as session:
        given_id = session.scalar(select(CaseIntervention.id))
    finished = client.post(
        f"{base}/finish",
        data=form(client, form_name=f"given-{given_id}", given_id=str(given_id), achieved="yes", units="4",
                  **due("ended_on", t.day, t.month, t.year)),
        follow_redirects=False,
    )  # fmt: skip
    assert finished.status_code == 303
    outcome = client.post(
        f"{base}/outcome",
        data=form(client, kind="no repeat incident in 6 months", achieved="yes",
                  **due("recorded_on", t.day, t.month, t.year)),
        follow_redirects=False,
    )  # fmt: skip
    assert outcome.status_code == 303 and count(sessions, CaseOutcome) == 1
    page = client.get(base).text
    assert "£1,400.00" in page and "Achieved its aim" in page and "No repeat incident in 6 months" in page
    refused = client.post(f"{base}/give", data=form(client, form_name="give", units="0"))
    assert refused.status_code == 422 and 'href="#give-intervention_id"' in refused.text
    assert count(sessions, CaseIntervention) == 1


def test_the_menu_marks_services_open_across_boundaries_and_a_manager_adds_one(
    client: TestClient, sessions: sessionmaker[Session], seeded: Seeded
) -> None:
    sign_in(client, "manager@council.example")
    page = client.get("/cases/interventions").text
    assert "Neighbouring refuge" in page and "Open across boundaries" in page and "£1,234.50 per week" in page
    assert "Add an intervention" in client.get("/cases/interventions/new").text
    bad = client.post(
        "/cases/interventions/new",
        data=form(client, name="Therapy", provider=str(seeded.police), unit_cost="£45.255", unit="per session"),
    )
    assert bad.status_code == 422 and "has more than 2 decimal places" in bad.text and 'href="#unit_cost"' in bad.text
    assert count(sessions, Intervention) == 2
    made = client.post(
        "/cases/interventions/new",
        data=form(client, name="Therapy", provider=str(seeded.police), unit_cost="45.25", unit="per session",
                  kind="consequence", area_served="Synthetic Borough"),
        follow_redirects=False,
    )  # fmt: skip
    assert made.status_code == 303 and count(sessions, Intervention) == 3
    assert "£45.25 per session" in client.get("/cases/interventions?q=therapy").text


def test_the_results_page_shows_costs_shares_and_rates(
    client: TestClient, sessions: sessionmaker[Session], seeded: Seeded
) -> None:
    with sessions() as session, session.begin():
        worker = Actor.of(user_named(session, "north@council.example"))
        given = interventions.give_intervention(
            session, worker, seeded.victim, seeded.refuge, started_on=today(), units=2
        )
        interventions.finish_intervention(session, worker, given.id, ended_on=today(), achieved=True)
    sign_in(client, "analyst@council.example")
    page = client.get("/cases/interventions/results")
    assert page.status_code == 200
    assert "£700.00" in page.text and "100.0%" in page.text and "Too few to rate" in page.text
    assert "PCC/038/13" in page.text and "Neighbouring refuge" in page.text
    sign_in(client, "admin@council.example")  # no casework or analyst role: refused, and told why
    refused = client.get("/cases/interventions/results")
    assert refused.status_code == 403 and "Only analysts, key workers and team managers" in refused.text
    assert "See what they cost and achieve" not in client.get("/cases/interventions").text


def test_the_api_pages_the_menu_adds_to_it_and_gives_the_results(
    client: TestClient, sessions: sessionmaker[Session], seeded: Seeded
) -> None:
    with sessions() as session, session.begin():
        manager = Actor.of(user_named(session, "manager@council.example"))
        _token, secret = auth_service.create_token(session, manager, name="tests")
    headers = {"Authorization": f"Bearer {secret}"}
    first = client.get("/api/v1/interventions", headers=headers, params={"page_size": 1}).json()
    assert (first["total"], first["has_next"], first["items"][0]["name"]) == (2, True, "Door alarm")
    assert first["items"][0]["unit_cost"] == "1234.50" and first["items"][0]["provider"] == "Synthetic Constabulary"
    body = {
        "name": "Hospital IDVA",
        "provider": "XX-SYN-POLICE",
        "unit_cost": "£2,000",
        "unit": "per case",
        "kind": "prevention",
        "area_served": "County hospital",
        "crosses_boundaries": True,
    }
    made = client.post("/api/v1/interventions", headers=headers, json=body)
    assert made.status_code == 201 and made.json()["unit_cost"] == "2000.00"
    again = client.post("/api/v1/interventions", headers=headers, json={**body, "provider": "XX-NOWHERE"})
    assert again.status_code == 422
    messages = [p["message"] for p in again.json()["error"]["problems"]]
    assert "There is no partner 'XX-NOWHERE'. Choose one of the partners of the place" in messages
    found = client.get("/api/v1/interventions/results", headers=headers).json()
    assert found["total_spend"] == "0.00" and found["shares"] == [] and found["min_count"] == 5
    assert found["by_outcome"][0]["name"] == "no repeat incident in 6 months"
