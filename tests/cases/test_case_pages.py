"""The case page, the casework home and a team's caseload in the browser's terms: people with their references,
contact details withheld where the rules say so, one timeline, notes and status, refusals audited. On both
databases."""

from __future__ import annotations

import datetime as dt
import re

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from tests.cases.builders import Place, build_place, refer
from tests.factories import sign_in
from wholeplace.audit import AuditEntry, unit_of_work
from wholeplace.cases import casework, gateway, plans
from wholeplace.cases.model import Case, CaseKind, CaseNote, CaseRole, CaseStatus, ScreeningOutcome


def form(client: TestClient, **values: str) -> dict[str, str]:
    return {"csrf_token": client.cookies["wholeplace_csrf"], **values}


def open_case(session: Session, place: Place, given: str = "Alex", *, key_worker: bool = True) -> Case:
    """A police referral about someone, screened by the access team into a victim's case of the north team."""
    referral = refer(session, place, given=given)
    screened = gateway.screen(
        session,
        place.actor(place.gateway_worker),
        referral.id,
        gateway.Screening(
            ScreeningOutcome.CASE_OPENED,
            case_kind=CaseKind.DOMESTIC_ABUSE_VICTIM,
            team_id=place.north.id,
            key_worker_id=place.key_worker.id if key_worker else None,
        ),
    )
    case = session.get(Case, screened.case_id)
    assert case is not None
    return case


def setup_case(sessions: sessionmaker[Session]) -> tuple[Place, int, str]:
    with unit_of_work(sessions) as session:
        place = build_place(session)
        case = open_case(session, place)
        return place, case.id, case.reference


def headings(page: str) -> list[str]:
    """The timeline's event headings, top to bottom."""
    return re.findall(r"<strong>([^<]+)</strong> · ", page[page.index('id="timeline"') :])


def refusals(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.outcome == "refused")) or 0


def test_the_case_page_shows_people_references_and_one_timeline_of_everything_newest_first(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    place, case_id, reference = setup_case(sessions)
    with unit_of_work(sessions) as session:
        worker = place.actor(place.key_worker)
        goal = plans.add_goal(session, worker, case_id, "Safe at home")
        due = dt.date.today() + dt.timedelta(days=14)
        plans.add_action(
            session, worker, case_id, plans.ActionIn("Fit a door alarm", "XX-SYN-POLICE", "PC Owner", due, goal.id)
        )
    sign_in(client, "north@council.example")
    path = f"/cases/{case_id}"
    page = client.get(path)
    assert page.status_code == 200
    assert f"Case {reference}" in page.text and "North locality team, Synthetic Borough Council" in page.text
    assert "Alex Example (victim)" in page.text and "Synthetic Constabulary: NOM-Alex-Example" in page.text
    assert "1 Example Street CH1 1AA" in page.text and "withheld" not in page.text
    assert f'href="/cases/{case_id}/assessments/new"' in page.text and f'href="/cases/{case_id}/plan"' in page.text

    assert (
        client.post(path + "/notes", data=form(client, text="Home visit done"), follow_redirects=False).status_code
        == 303
    )
    assert (
        client.post(path + "/status", data=form(client, status="stepped down"), follow_redirects=False).status_code
        == 303
    )
    no_reason = client.post(path + "/status", data=form(client, status="closed", reason=""))
    assert no_reason.status_code == 422
    assert 'href="#reason"' in no_reason.text and "Say why the case is closing" in no_reason.text
    closed = client.post(
        path + "/status", data=form(client, status="closed", reason="Moved out of the area"), follow_redirects=False
    )
    assert (closed.status_code, closed.headers["location"]) == (303, path)

    page = client.get(path)
    assert headings(page.text) == [
        "Closed",
        "Stepped down",
        "Note",
        "Plan action",
        "Plan goal",
        "Screening",  # the access team's decision, saved just after the case it opened
        "Case opened",
        "Referral",
    ]
    timeline = page.text[page.text.index('id="timeline"') :]
    assert "Moved out of the area" in timeline and "Home visit done" in timeline
    assert "Synthetic Constabulary (PC Owner): Fit a door alarm" in timeline
    assert "Called to a domestic incident" in timeline
    with sessions() as session:
        case = session.get(Case, case_id)
        assert case is not None and (case.status, case.closed_reason) == (CaseStatus.CLOSED, "Moved out of the area")
        assert session.scalar(select(CaseNote.text).where(CaseNote.case_id == case_id)) == "Home visit done"


def test_an_empty_note_gets_the_error_summary_and_nothing_is_written(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    _, case_id, _ = setup_case(sessions)
    sign_in(client, "north@council.example")
    client.get(f"/cases/{case_id}")
    answer = client.post(f"/cases/{case_id}/notes", data=form(client, text="   "))
    assert answer.status_code == 422 and 'href="#text"' in answer.text and "Write the note" in answer.text
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(CaseNote)) == 0


def test_a_partner_without_an_agreement_is_refused_the_case_page_and_the_refusal_is_audited_once(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    _, case_id, reference = setup_case(sessions)
    sign_in(client, "officer@police.example")
    with sessions() as session:
        before = refusals(session)
    page = client.get(f"/cases/{case_id}")
    assert page.status_code == 403
    assert "You cannot do this" in page.text and "No information sharing agreement" in page.text
    assert reference not in page.text and "Alex" not in page.text
    with sessions() as session:
        assert refusals(session) == before + 1
        last = session.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc())).first()
        assert last is not None
        assert (last.action, last.outcome, last.purpose, last.object_type, last.object_id) == (
            "casework.read",
            "refused",
            "case_management",
            "case",
            str(case_id),
        )


def test_another_team_reads_but_cannot_change_the_case(client: TestClient, sessions: sessionmaker[Session]) -> None:
    _, case_id, _ = setup_case(sessions)
    sign_in(client, "south@council.example")
    page = client.get(f"/cases/{case_id}")
    assert page.status_code == 200 and "Add a note" not in page.text and "Change the status" not in page.text
    assert client.post(f"/cases/{case_id}/notes", data=form(client, text="Not mine")).status_code == 403
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(CaseNote)) == 0


def test_a_victims_address_is_withheld_from_the_team_working_with_the_perpetrator(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    with unit_of_work(sessions) as session:
        place = build_place(session)
        victims_case = open_case(session, place, "Vic")
        perpetrator = refer(session, place, given="Perry", family="Harmer").person
        casework.add_member(
            session, place.actor(place.key_worker), victims_case.id, perpetrator.id, CaseRole.PERPETRATOR
        )
        casework.open_case(
            session,
            place.actor(place.gateway_worker),
            kind=CaseKind.PERPETRATOR,
            team_id=place.south.id,
            key_worker_id=place.south_worker.id,
            members={perpetrator.id: CaseRole.PERPETRATOR},
        )
        case_id = victims_case.id
    sign_in(client, "south@council.example")
    page = client.get(f"/cases/{case_id}")
    assert page.status_code == 200
    assert "Vic Example (victim)" in page.text and "Perry Harmer (perpetrator)" in page.text
    assert "Address and contact details withheld: This person's address and contact details are withheld" in (
        page.text.replace("&#39;", "'")
    )
    assert page.text.count("1 Example Street") == 1  # the perpetrator's own address only
    client.cookies.clear()
    sign_in(client, "north@council.example")
    assert "withheld" not in client.get(f"/cases/{case_id}").text


def test_the_casework_home_lists_the_teams_cases_and_links_every_casework_page(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    place, case_id, reference = setup_case(sessions)
    sign_in(client, "north@council.example")
    home = client.get("/cases")
    assert home.status_code == 200
    assert f'href="/cases/{case_id}"' in home.text and reference in home.text and "Alex Example (victim)" in home.text
    assert f'href="/cases/teams/{place.north.id}"' in home.text and 'href="/cases/referrals/new"' in home.text
    for link in ("/cases/marac", "/cases/interventions"):
        assert f'href="{link}"' in home.text, link
    client.cookies.clear()
    sign_in(client, "analyst@council.example")
    analyst = client.get("/cases")
    assert analyst.status_code == 200 and "pseudonymised" in analyst.text and "Alex" not in analyst.text
    assert 'href="/cases/referrals/new"' not in analyst.text
    client.cookies.clear()
    sign_in(client, "admin@council.example")
    assert 'href="/cases/oversight"' in client.get("/cases").text


def test_the_team_page_counts_each_key_workers_cases_and_lists_overdue_actions(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    with unit_of_work(sessions) as session:
        place = build_place(session)
        case = open_case(session, place)
        open_case(session, place, "Bea", key_worker=False)
        late = dt.date.today() - dt.timedelta(days=3)
        plans.add_action(
            session,
            place.actor(place.key_worker),
            case.id,
            plans.ActionIn("Fit a door alarm", "XX-SYN-POLICE", "PC Owner", late),
        )
        reference = case.reference
    sign_in(client, "manager@council.example")
    page = client.get(f"/cases/teams/{place.north.id}")
    assert page.status_code == 200
    assert reference in page.text and "North locality team caseload" in page.text and "2 open cases" in page.text
    assert "A Officer: 1" in page.text and "Not allocated: 1" in page.text
    assert f"Plan of {reference} (3 days late): Synthetic Constabulary (PC Owner): Fit a door alarm" in page.text
    assert client.get(f"/cases/teams/{place.south.id}").status_code == 404
