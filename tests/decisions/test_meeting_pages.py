"""Meetings with numbered actions and their owners, in the browser and the API: record one with several actions,
see them numbered with owners and due dates, mark one done, and hostile values refused on the field."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from tests.factories import make_organisation
from tests.funds.test_api import token_for
from tests.funds.test_pages import csrf, signed_in
from wholeplace.auth.model import Role
from wholeplace.decisions.model import ActionStatus, Meeting, MeetingAction

BOARD = "Whole Essex Community Budget Programme Board"


def meeting_form(**changes: str) -> dict[str, str]:
    return {
        "body": BOARD,
        "date-day": "12",
        "date-month": "9",
        "date-year": "2013",
        "place": "County Hall, Chelmsford",
        "minutes": "Partners agreed the outline business case.\nThe PCC will report in October.",
        "actions-1-text": "Circulate the draft business case to partners",
        "actions-1-owner": "Programme Manager",
        "actions-1-due-day": "30",
        "actions-1-due-month": "9",
        "actions-1-due-year": "2013",
        # row 2 left empty: skipped, so the next action is number 2
        "actions-3-text": "Report the cost-benefit analysis to the board",
        "actions-3-owner": "Essex County Council analyst",
        **changes,
    }


@pytest.fixture
def programme(client: TestClient, sessions: sessionmaker[Session]) -> TestClient:
    with sessions() as session, session.begin():
        make_organisation(session)
    return signed_in(client, sessions, Role.PROGRAMME)


def test_a_meeting_is_recorded_with_numbered_actions_and_one_is_marked_done(
    programme: TestClient, sessions: sessionmaker[Session]
) -> None:
    assert "Record a meeting" in programme.get("/meetings").text
    response = programme.post(
        "/meetings/new", data={**meeting_form(), "csrf_token": csrf(programme)}, follow_redirects=False
    )
    assert response.status_code == 303, response.text
    page = programme.get(response.headers["location"]).text
    assert "The meeting has been recorded." in page and "12 September 2013, County Hall, Chelmsford" in page
    assert '<p class="govuk-body">The PCC will report in October.</p>' in page
    headings = [
        re.sub(r"\s+", " ", h).strip() for h in re.findall(r'<h3 class="govuk-heading-s">(.*?)</h3>', page, re.S)
    ]
    assert [re.sub(r"<[^>]+>", "", h).split()[:2] for h in headings] == [["Action", "1"], ["Action", "2"]]
    assert "Programme Manager" in page and "30 September 2013" in page and "No date set" in page
    with sessions() as session:
        meeting = session.scalar(select(Meeting))
        assert meeting is not None
        actions = [(a.number, a.owner, a.status) for a in meeting.actions]
        first = meeting.actions[0].id
    assert actions == [
        (1, "Programme Manager", ActionStatus.OPEN),
        (2, "Essex County Council analyst", ActionStatus.OPEN),
    ]
    done = programme.post(
        f"/meetings/{meeting.id}/actions/{first}/status",
        data={"status": "done", "csrf_token": csrf(programme)},
        follow_redirects=False,
    )
    assert done.status_code == 303 and done.headers["location"] == f"/meetings/{meeting.id}#action-1"
    assert "Reopen action 1" in programme.get(f"/meetings/{meeting.id}").text
    listed = programme.get("/meetings").text
    assert BOARD in listed and re.search(r">\s*2\s*</td>\s*<td[^>]*>\s*1\s*</td>", listed)  # 2 actions, 1 open


def test_the_meeting_form_refuses_hostile_values_on_the_field_and_records_nothing(
    programme: TestClient, sessions: sessionmaker[Session]
) -> None:
    cases = [
        ({"body": ""}, "body"),
        ({"body": "b" * 201}, "body"),
        ({"body": "Board\x00"}, "body"),
        ({"date-year": "200000"}, "date-day"),
        ({"date-year": "14"}, "date-day"),
        ({"date-day": "", "date-month": "", "date-year": ""}, "date-day"),
        ({"place": "p" * 201}, "place"),
        ({"minutes": "\u202e"}, "minutes"),
        ({"actions-1-owner": ""}, "actions-1-owner"),
        ({"actions-3-owner": "o" * 201}, "actions-3-owner"),
        ({"actions-3-text": ""}, "actions-3-text"),
        ({"actions-1-due-year": "200000"}, "actions-1-due-day"),
        ({"actions-1-due-month": "13"}, "actions-1-due-day"),
    ]
    for changes, anchor in cases:
        page = programme.post("/meetings/new", data={**meeting_form(**changes), "csrf_token": csrf(programme)})
        assert page.status_code == 422, changes
        assert f'href="#{anchor}"' in page.text, (changes, anchor)
    assert len(cases) == 13
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(Meeting)) == 0


def test_the_api_records_and_lists_meetings_and_refuses_hostile_bodies(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    with sessions() as session, session.begin():
        make_organisation(session)
    token = token_for(sessions, Role.PROGRAMME)
    body = {
        "board": BOARD,
        "date": "2013-09-12",
        "actions": [
            {"text": "Circulate the draft business case", "owner": "Programme Manager", "due": "2013-09-30"},
            {"text": "Report the cost-benefit analysis", "owner": "Analyst"},
        ],
    }
    created = client.post("/api/v1/meetings", json=body, headers=token)
    assert created.status_code == 201, created.text
    actions = created.json()["actions"]
    assert [(a["number"], a["owner"], a["due"], a["status"]) for a in actions] == [
        (1, "Programme Manager", "2013-09-30", "open"),
        (2, "Analyst", None, "open"),
    ]
    meeting_id = created.json()["id"]
    done = client.post(
        f"/api/v1/meetings/{meeting_id}/actions/{actions[1]['id']}/status", json={"status": "done"}, headers=token
    )
    assert done.status_code == 200 and done.json()["status"] == "done"
    listed = client.get("/api/v1/meetings", headers=token).json()
    assert listed["total"] == 1 and listed["items"][0]["actions"][1]["status"] == "done"
    cases = [
        ({**body, "date": "200000-01-01"}, "date"),
        ({**body, "date": "0014-09-12"}, "date"),
        ({**body, "board": "b" * 201}, "board"),
        ({**body, "board": "\x00"}, "board"),
        ({**body, "actions": [{"text": "x", "owner": ""}]}, "actions.0.owner"),
        ({**body, "actions": [{"text": "x", "owner": "o", "due": "2013-02-30"}]}, "actions.0.due"),
        ({**body, "actions": [{"text": "", "owner": "o"}] * 101}, "actions"),
    ]
    for hostile, field in cases:
        response = client.post("/api/v1/meetings", json=hostile, headers=token)
        assert response.status_code == 422, (hostile, response.text[:300])
        assert field in [p["where"] for p in response.json()["error"]["problems"]], (field, response.text[:300])
    assert len(cases) == 7
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(MeetingAction)) == 2
