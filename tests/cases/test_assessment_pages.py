"""The checklist form, its result, the prefilled MARAC referral, meetings and actions, and /api/v1/assessments.
On both databases."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from tests.cases.builders import build_place, refer
from tests.factories import sign_in
from wholeplace.audit import unit_of_work
from wholeplace.auth import service as auth_service
from wholeplace.auth.actor import Actor
from wholeplace.cases import gateway
from wholeplace.cases.model import Assessment, CaseKind, MaracAction, ScreeningOutcome


def case_for_north(sessions: sessionmaker[Session]) -> tuple[int, int, str]:
    """A case in the north team; its id, its victim's id, and an API token of the north key worker."""
    with unit_of_work(sessions) as session:
        place = build_place(session)
        referral = refer(session, place)
        screened = gateway.screen(
            session,
            place.actor(place.gateway_worker),
            referral.id,
            gateway.Screening(
                ScreeningOutcome.CASE_OPENED, case_kind=CaseKind.DOMESTIC_ABUSE_VICTIM, team_id=place.north.id
            ),
        )
        _, token = auth_service.create_token(session, Actor.of(place.key_worker), name="test")
        assert screened.case_id is not None
        return screened.case_id, referral.person_id, token


def answered(client: TestClient, person: int, yes: int, **extra: str) -> dict[str, str]:
    answers = {f"q{n}": "yes" if n <= yes else "no" for n in range(1, 25)}
    return {"csrf_token": client.cookies["wholeplace_csrf"], "person_id": str(person), **answers, **extra}


def test_a_checklist_that_meets_marac_shows_the_prefilled_referral_and_takes_actions(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    case, person, _ = case_for_north(sessions)
    sign_in(client, "north@council.example")
    form = client.get(f"/cases/{case}/assessments/new")
    assert form.status_code == 200 and form.text.count('type="radio"') >= 24 * 3
    scored = client.post(
        f"/cases/{case}/assessments/new",
        data=answered(client, person, 13, police_callouts_12_months="1", judgement="high", judgement_reason="Threats"),
    )
    assert scored.status_code == 200, scored.text[:500]
    assert "This meets the MARAC referral criteria: professional judgement" in scored.text
    assert "13 of 24 questions answered yes: 10 to 13 is medium" in scored.text
    referral_link = scored.text.split('href="/cases/marac/referrals/')[1].split('"')[0]
    referral = client.get(f"/cases/marac/referrals/{referral_link}")
    assert (
        "13 answered yes, level high" in referral.text and "Police call-outs in the last 12 months: 1." in referral.text
    )
    meeting = client.post(
        "/cases/marac",
        data={
            "csrf_token": client.cookies["wholeplace_csrf"],
            "held_on-day": "3",
            "held_on-month": "2",
            "held_on-year": "2027",
            "area": "Synthetic borough",
            "chair": "DI Chair",
        },
        follow_redirects=False,
    )
    assert meeting.status_code == 303
    meeting_id = meeting.headers["location"].rsplit("/", 1)[1]
    listed = client.post(
        f"/cases/marac/referrals/{referral_link}/meeting",
        data={"csrf_token": client.cookies["wholeplace_csrf"], "meeting_id": meeting_id},
    )
    assert listed.status_code == 200 and "Cases on the list (1)" in listed.text
    action = client.post(
        f"/cases/marac/referrals/{referral_link}/actions",
        data={
            "csrf_token": client.cookies["wholeplace_csrf"],
            "agency": "XX-SYN-POLICE",
            "owner": "PC Owner",
            "description": "Flag the address",
            "due_on-day": "1",
            "due_on-month": "1",
            "due_on-year": "2020",
        },
    )
    assert action.status_code == 200
    row = action.text.split('<td class="govuk-table__cell">Synthetic Constabulary</td>')[1].split("</tr>")[0]
    assert "PC Owner" in row and "Flag the address" in row and "1 January 2020" in row and "Overdue" in row
    overdue = client.get("/cases/marac").text.split("Overdue actions on your teams")[1].split("Meetings")[0]
    assert "North locality team" in overdue and "Synthetic Constabulary (PC Owner): Flag the address" in overdue
    agenda = client.get(f"/cases/marac/{meeting_id}").text
    assert "1 action agreed, 1 overdue." in agenda
    by_agency = agenda.split("Actions by agency")[1]
    assert "Synthetic Constabulary (1)" in by_agency and "Flag the address" in by_agency and "Overdue" in by_agency
    action_id = action.text.split(f"/cases/marac/referrals/{referral_link}/actions/")[1].split("/")[0]
    done = client.post(
        f"/cases/marac/referrals/{referral_link}/actions/{action_id}/done",
        data={"csrf_token": client.cookies["wholeplace_csrf"]},
    )
    assert done.status_code == 200 and "Mark done" not in done.text and "Done " in done.text
    assert "Overdue actions" not in client.get("/cases/marac").text


def test_an_action_for_an_unknown_agency_gets_the_error_summary_and_nothing_is_stored(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    case, person, _ = case_for_north(sessions)
    sign_in(client, "north@council.example")
    scored = client.post(f"/cases/{case}/assessments/new", data=answered(client, person, 14))
    assert "This meets the MARAC referral criteria: visible high risk." in scored.text
    referral = scored.text.split('href="/cases/marac/referrals/')[1].split('"')[0]
    prefilled = client.get(f"/cases/marac/referrals/{referral}").text
    assert "14 answered yes, level high.</p>" in prefilled and "dash-ric" not in prefilled
    refused = client.post(
        f"/cases/marac/referrals/{referral}/actions",
        data={
            "csrf_token": client.cookies["wholeplace_csrf"],
            "agency": "Ministry of Magic",
            "owner": "A Wizard",
            "description": "Nothing",
            "due_on-day": "1",
            "due_on-month": "1",
            "due_on-year": "2030",
        },
    )
    assert refused.status_code == 422
    assert "govuk-error-summary" in refused.text and 'href="#agency"' in refused.text
    assert "There is no partner called &#39;Ministry of Magic&#39;" in refused.text
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(MaracAction)) == 0
    standard = client.post(f"/cases/{case}/assessments/new", data=answered(client, person, 9))
    assert standard.status_code == 200 and "MARAC referral criteria" not in standard.text
    assessment = str(standard.url).rsplit("/", 1)[1]
    assert client.get(f"/cases/{case + 1}/assessments/{assessment}").status_code == 404


def test_a_checklist_with_a_missing_answer_gets_the_error_summary_and_nothing_is_stored(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    case, person, _ = case_for_north(sessions)
    sign_in(client, "north@council.example")
    data = answered(client, person, 5)
    del data["q7"]
    refused = client.post(f"/cases/{case}/assessments/new", data=data)
    assert refused.status_code == 422
    assert "govuk-error-summary" in refused.text and 'href="#q7"' in refused.text
    assert "Answer question 7" in refused.text
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(Assessment)) == 0


def test_the_assessments_api_scores_lists_and_refuses_unknown_questions(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    case, person, token = case_for_north(sessions)
    headers = {"Authorization": f"Bearer {token}"}
    answers = {str(n): "yes" if n <= 14 else "no" for n in range(1, 25)}
    made = client.post(
        "/api/v1/assessments", headers=headers, json={"case_id": case, "person_id": person, "answers": answers}
    )
    assert made.status_code == 201, made.text
    body = made.json()
    assert (body["level"], body["yes_count"], body["marac"]) == ("high", 14, True)
    assert body["marac_referral_id"] is not None
    listed = client.get("/api/v1/assessments", headers=headers).json()
    assert listed["total"] == 1 and listed["items"][0]["id"] == body["id"]
    bad = client.post(
        "/api/v1/assessments",
        headers=headers,
        json={"case_id": case, "person_id": person, "answers": answers | {"25": "yes"}},
    )
    assert bad.status_code == 422
    assert (
        bad.json()["error"]["problems"][0]["message"] == "There is no question 25: the checklist has questions 1 to 24"
    )
    assert client.get("/api/v1/assessments", headers=headers).json()["total"] == 1


def test_the_family_needs_assessment_is_offered_and_scored_on_the_same_form(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    case, person, _ = case_for_north(sessions)
    sign_in(client, "north@council.example")
    form = client.get(f"/cases/{case}/assessments/new?checklist=family-needs")
    assert form.status_code == 200 and "Family needs assessment for case" in form.text
    assert "Use the SafeLives Dash risk identification checklist instead" in form.text
    data = {"csrf_token": client.cookies["wholeplace_csrf"], "person_id": str(person), "checklist": "family-needs"}
    data |= {f"q{n}": "yes" if n <= 7 else "no" for n in range(1, 13)}
    scored = client.post(f"/cases/{case}/assessments/new", data=data)
    assert scored.status_code == 200, scored.text[:300]
    assert "7 of 12 questions answered yes: 7 or more is high" in scored.text
    assert "MARAC referral criteria" not in scored.text
