"""The gateway in the browser's terms: refer someone, the queue (oldest first, overdue tagged, who knows the person,
paged), screening into a case or back to the queue, and bad input with the error summary. On both databases."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from tests.cases.builders import Place, build_place, refer
from tests.factories import sign_in
from wholeplace.audit import unit_of_work
from wholeplace.cases.model import Case, Person, Referral, ScreeningOutcome
from wholeplace.settings import Settings


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Two rows a page, so that three referrals make two pages."""
    return Settings(database_url=f"sqlite:///{tmp_path}/unused.db", page_size=2)


def setup_place(sessions: sessionmaker[Session], referrals: int = 1) -> tuple[Place, list[int]]:
    """The place, and referrals from the police about Person0, Person1, ... received in that order."""
    with unit_of_work(sessions) as session:
        place = build_place(session)
        made = [refer(session, place, given=f"Person{n}").id for n in range(referrals)]
    return place, made


def form(client: TestClient, **values: str) -> dict[str, str]:
    return {"csrf_token": client.cookies["wholeplace_csrf"], **values}


def age(sessions: sessionmaker[Session], referral_id: int, hours: int) -> None:
    with unit_of_work(sessions) as session:
        referral = session.get(Referral, referral_id)
        assert referral is not None
        referral.received_at -= dt.timedelta(hours=hours)


REFERRAL = {
    "given_name": "Morgan",
    "family_name": "Testcase",
    "other_names": "Morgan Oldname",
    "date_of_birth-day": "17",
    "date_of_birth-month": "5",
    "date_of_birth-year": "1990",
    "sex": "female",
    "address": "2 Sample Road",
    "postcode": "ch2 2bb",
    "telephone": "01234 567890",
    "reference": "NOM-4242",
    "referrer": "PC Synthetic, public protection unit",
    "reason": "Third call-out this year; the caller was frightened",
    "concerns": "A child of 4 in the home",
    "consent": "given",
    "urgency": "urgent",
}


def test_a_partner_refers_the_gateway_screens_and_the_key_worker_reads_the_case(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    place, (older,) = setup_place(sessions)
    age(sessions, older, 30)  # an urgent referral has 24 hours: this one is overdue
    sign_in(client, "officer@police.example")
    assert client.get("/cases/referrals/new").status_code == 200
    sent = client.post("/cases/referrals/new", data=form(client, **REFERRAL), follow_redirects=False)
    assert sent.status_code == 303, sent.text
    # The police cannot read back what the council's gateway now holds: the confirmation reads nothing.
    assert sent.headers["location"].startswith("/cases/referrals/sent?reference=REF-")
    confirmation = client.get(sent.headers["location"])
    assert confirmation.status_code == 200
    assert "Referral sent" in confirmation.text and "within 24 hours" in confirmation.text
    with sessions() as session:
        referral = session.scalars(select(Referral).order_by(Referral.id.desc())).first()
        assert referral is not None and referral.reference in confirmation.text
        assert (referral.source.name, referral.referrer, referral.urgency.value) == (
            "Synthetic Constabulary",
            "PC Synthetic, public protection unit",
            "urgent",
        )
        person = referral.person
        assert (person.full_name, person.date_of_birth, person.postcode) == (
            "Morgan Testcase",
            dt.date(1990, 5, 17),
            "CH2 2BB",
        )
        assert {ref.organisation.name: ref.reference for ref in person.references} == {
            "Synthetic Constabulary": "NOM-4242"
        }
        newer = referral.id

    client.cookies.clear()
    sign_in(client, "gateway@council.example")
    home = client.get("/cases")
    assert 'href="/cases/gateway"' in home.text and "2 waiting to be screened" in home.text
    queue = client.get("/cases/gateway")
    assert queue.status_code == 200
    assert queue.text.index("Person0 Example") < queue.text.index("Morgan Testcase")  # oldest first
    assert queue.text.count("Overdue") == 1 and "30 of 24 hours" in queue.text
    assert "Synthetic Constabulary" in queue.text  # the police know both people already

    page = client.get(f"/cases/referrals/{newer}")
    assert page.status_code == 200 and "Screen the referral" in page.text
    assert "Third call-out this year" in page.text and "Known to" in page.text
    screened = client.post(
        f"/cases/referrals/{newer}/screen",
        data=form(
            client,
            outcome="case opened",
            case_kind="domestic abuse victim",
            team_id=str(place.north.id),
            key_worker_id=str(place.key_worker.id),
            role="victim",
            note="Known to police; children in the home",
        ),
        follow_redirects=False,
    )
    assert screened.status_code == 303
    case_path = screened.headers["location"]
    assert re.fullmatch(r"/cases/\d+", case_path)
    assert "1 waiting" in client.get("/cases/gateway").text

    client.cookies.clear()
    sign_in(client, "north@council.example")
    case = client.get(case_path)
    assert case.status_code == 200
    assert "Morgan Testcase (victim)" in case.text and "2 Sample Road CH2 2BB" in case.text
    assert "Synthetic Constabulary: NOM-4242" in case.text
    timeline = case.text[case.text.index('id="timeline"') :]
    assert timeline.index("Screening") < timeline.index("Referral")  # newest first
    assert "screened: case opened: Known to police; children in the home" in timeline
    assert "Third call-out this year" in timeline


def test_screening_without_its_choices_gets_the_error_summary_and_changes_nothing(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    _, (referral,) = setup_place(sessions)
    sign_in(client, "gateway@council.example")
    client.get(f"/cases/referrals/{referral}")
    nothing = client.post(f"/cases/referrals/{referral}/screen", data=form(client, note=""))
    assert nothing.status_code == 422
    assert "govuk-error-summary" in nothing.text and 'href="#outcome"' in nothing.text
    assert "Choose the outcome of screening" in nothing.text
    no_team = client.post(
        f"/cases/referrals/{referral}/screen",
        data=form(client, outcome="case opened", case_kind="domestic abuse victim", team_id=""),
    )
    assert no_team.status_code == 422
    assert 'href="#team_id"' in no_team.text and "Choose the case management team" in no_team.text
    with sessions() as session:
        assert session.get(Referral, referral).screened_at is None  # type: ignore[union-attr]
        assert session.scalar(select(func.count()).select_from(Case)) == 0


def test_no_further_action_goes_back_to_the_queue_and_the_referral_says_who_decided(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    _, (first, second) = setup_place(sessions, referrals=2)
    sign_in(client, "gateway@council.example")
    client.get("/cases/gateway")
    done = client.post(
        f"/cases/referrals/{first}/screen",
        data=form(client, outcome="no further action", note="Already supported by the refuge"),
        follow_redirects=False,
    )
    assert (done.status_code, done.headers["location"]) == (303, "/cases/gateway")
    queue = client.get("/cases/gateway")
    assert "1 waiting" in queue.text and "Person0" not in queue.text and "Person1" in queue.text
    page = client.get(f"/cases/referrals/{first}")
    assert "No further action by" in page.text and "Screen the referral" not in page.text
    with sessions() as session:
        assert session.get(Referral, first).outcome is ScreeningOutcome.NO_FURTHER_ACTION  # type: ignore[union-attr]
        assert session.get(Referral, second).screened_at is None  # type: ignore[union-attr]


def test_the_queue_pages(client: TestClient, sessions: sessionmaker[Session]) -> None:
    setup_place(sessions, referrals=3)
    sign_in(client, "gateway@council.example")
    first = client.get("/cases/gateway")
    assert "Person0" in first.text and "Person1" in first.text and "Person2" not in first.text
    assert "Page 1 of 2" in first.text and 'href="/cases/gateway?page=2"' in first.text
    second = client.get("/cases/gateway?page=2")
    assert "Person2" in second.text and "Person0" not in second.text and "Page 2 of 2" in second.text


def test_someone_outside_the_gateway_has_no_queue(client: TestClient, sessions: sessionmaker[Session]) -> None:
    setup_place(sessions)
    sign_in(client, "north@council.example")
    assert client.get("/cases/gateway").status_code == 404
    assert 'href="/cases/gateway"' not in client.get("/cases").text


def test_a_referral_born_in_the_future_gets_the_error_summary_and_nothing_is_written(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    setup_place(sessions, referrals=0)
    sign_in(client, "officer@police.example")
    client.get("/cases/referrals/new")
    future = {"date_of_birth-day": "1", "date_of_birth-month": "1", "date_of_birth-year": "2999"}
    answer = client.post("/cases/referrals/new", data=form(client, **(REFERRAL | future)))
    assert answer.status_code == 422
    assert "govuk-error-summary" in answer.text and 'href="#date_of_birth-day"' in answer.text
    assert "Date of birth must be today or in the past" in answer.text
    assert 'value="Morgan"' in answer.text  # what was typed is kept
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(Person)) == 0
        assert session.scalar(select(func.count()).select_from(Referral)) == 0


def test_every_problem_of_a_referral_is_named_at_once(client: TestClient, sessions: sessionmaker[Session]) -> None:
    setup_place(sessions, referrals=0)
    sign_in(client, "officer@police.example")
    client.get("/cases/referrals/new")
    answer = client.post(
        "/cases/referrals/new",
        data=form(client, **{"date_of_birth-day": "31", "date_of_birth-month": "2", "date_of_birth-year": "1990"}),
    )
    assert answer.status_code == 422
    for href, message in [
        ("#date_of_birth-day", "Date of birth must be a real date"),
        ("#consent", "Say whether the person consented to the referral"),
        ("#urgency", "Choose how urgent the referral is"),
        ("#given_name", "Enter a given name"),
        ("#family_name", "Enter a family name"),
        ("#referrer", "Enter a referrer"),
        ("#reason", "Enter the reason for the referral"),
    ]:
        assert f'href="{href}"' in answer.text and message in answer.text, href
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(Referral)) == 0


def test_a_confirmation_for_a_made_up_reference_is_refused(client: TestClient, sessions: sessionmaker[Session]) -> None:
    setup_place(sessions, referrals=0)
    sign_in(client, "officer@police.example")
    assert client.get("/cases/referrals/sent?reference=<b>x</b>&urgency=urgent").status_code == 422
    assert client.get("/cases/referrals/sent?reference=REF-2026-000001&urgency=soon").status_code == 422
