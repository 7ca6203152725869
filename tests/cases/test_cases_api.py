"""/api/v1/referrals and /api/v1/cases with a bearer token: refer, page the queue, screen, read the case, add a
note; errors as problems (422), refusals (403) and missing records (404); analysts get pseudonyms. Both databases."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from tests.cases.builders import Place, build_place, refer
from wholeplace.audit import AuditEntry, unit_of_work
from wholeplace.auth import service as auth_service
from wholeplace.auth.actor import Actor
from wholeplace.cases.model import CaseNote, Person, Referral

NEW_PERSON = {
    "referrer": "PC API",
    "reason": "Neighbour reported shouting and a smashed window",
    "concerns": "Weapons mentioned",
    "consent": "not asked",
    "urgency": "immediate",
    "person": {
        "given_name": "Robin",
        "family_name": "Apiperson",
        "date_of_birth": "1990-05-17",
        "sex": "female",
        "address": "3 Service Lane",
        "postcode": "CH3 3CC",
        "references": {"XX-SYN-POLICE": "NOM-API-1"},
    },
}


def setup(sessions: sessionmaker[Session], referrals: int) -> tuple[Place, list[int], dict[str, dict[str, str]]]:
    """The place, referrals about Person0, Person1, ... in that order, and a bearer header for each caseworker."""
    with unit_of_work(sessions) as session:
        place = build_place(session)
        made = [refer(session, place, given=f"Person{n}").id for n in range(referrals)]
        headers = {}
        for user in (place.gateway_worker, place.key_worker, place.analyst, place.officer):
            _, secret = auth_service.create_token(session, Actor.of(user), name="test")
            headers[user.email.split("@")[0]] = {"Authorization": f"Bearer {secret}"}
    return place, made, headers


def test_refer_page_the_queue_screen_and_read_the_case(client: TestClient, sessions: sessionmaker[Session]) -> None:
    place, made, headers = setup(sessions, referrals=3)
    sent = client.post("/api/v1/referrals", headers=headers["officer"], json=NEW_PERSON)
    assert sent.status_code == 201, sent.text
    body = sent.json()
    assert (body["target_hours"], body["source"], body["urgency"], body["consent"]) == (
        4,
        "Synthetic Constabulary",
        "immediate",
        "not asked",
    )
    assert body["person"]["given_name"] == "Robin" and body["person"]["references"] == {"XX-SYN-POLICE": "NOM-API-1"}
    assert body["reference"].startswith("REF-") and body["screened_at"] is None

    gateway = headers["gateway"]
    first = client.get("/api/v1/referrals?page_size=2", headers=gateway).json()
    assert (first["total"], first["pages"], first["page"], first["has_next"]) == (4, 2, 1, True)
    assert [item["id"] for item in first["items"]] == made[:2]  # oldest first
    assert first["items"][0]["known_to"] == ["Synthetic Constabulary"] and first["items"][0]["overdue"] is False
    second = client.get("/api/v1/referrals?page_size=2&page=2", headers=gateway).json()
    assert [item["id"] for item in second["items"]] == [made[2], body["id"]] and second["has_next"] is False

    one = client.get(f"/api/v1/referrals/{body['id']}", headers=gateway)
    assert one.status_code == 200 and one.json()["reason"] == NEW_PERSON["reason"]
    screened = client.post(
        f"/api/v1/referrals/{body['id']}/screening",
        headers=gateway,
        json={
            "outcome": "case opened",
            "case_kind": "domestic abuse victim",
            "team_id": place.north.id,
            "key_worker_id": place.key_worker.id,
        },
    )
    assert screened.status_code == 200, screened.text
    assert screened.json()["outcome"] == "case opened" and screened.json()["screened_at"] is not None
    case_id = screened.json()["case_id"]
    assert client.get("/api/v1/referrals", headers=gateway).json()["total"] == 3
    everything = client.get("/api/v1/referrals?include_screened=true", headers=gateway).json()
    assert everything["total"] == 4

    worker = headers["north"]
    case = client.get(f"/api/v1/cases/{case_id}", headers=worker)
    assert case.status_code == 200, case.text
    assert case.headers["cache-control"] == "no-store"  # personal data: never kept by a browser or proxy
    found = case.json()
    assert (found["kind"], found["status"], found["team"], found["organisation"], found["key_worker"]) == (
        "domestic abuse victim",
        "open",
        "North locality team",
        "Synthetic Borough Council",
        "A Officer",
    )
    [member] = found["members"]
    assert member["role"] == "victim"
    assert (member["person"]["given_name"], member["person"]["date_of_birth"]) == ("Robin", "1990-05-17")
    caseload = client.get("/api/v1/cases", headers=worker).json()
    assert (caseload["total"], caseload["pages"], [c["id"] for c in caseload["items"]]) == (1, 1, [case_id])

    note = client.post(f"/api/v1/cases/{case_id}/notes", headers=worker, json={"text": "Safety plan agreed"})
    assert note.status_code == 201, note.text
    assert note.json()["text"] == "Safety plan agreed" and note.json()["written_by"]
    with sessions() as session:
        assert session.scalar(select(CaseNote.text).where(CaseNote.case_id == case_id)) == "Safety plan agreed"


def test_bad_input_is_refused_with_its_problems_and_nothing_is_written(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    _, _, headers = setup(sessions, referrals=0)
    future = NEW_PERSON | {"person": NEW_PERSON["person"] | {"date_of_birth": "2999-01-01"}}  # type: ignore[operator]
    answer = client.post("/api/v1/referrals", headers=headers["officer"], json=future)
    assert answer.status_code == 422
    problems = answer.json()["error"]["problems"]
    assert {"where": "person.date_of_birth", "message": "Date of birth must be today or in the past"} in problems
    unknown = client.post("/api/v1/referrals", headers=headers["officer"], json=NEW_PERSON | {"urgency": "soon"})
    assert unknown.status_code == 422
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(Person)) == 0
        assert session.scalar(select(func.count()).select_from(Referral)) == 0


def test_refusals_and_missing_records(client: TestClient, sessions: sessionmaker[Session]) -> None:
    place, (referral,), headers = setup(sessions, referrals=1)
    gateway = headers["gateway"]
    no_team = client.post(f"/api/v1/referrals/{referral}/screening", headers=gateway, json={"outcome": "case opened"})
    assert no_team.status_code == 422
    assert {p["where"] for p in no_team.json()["error"]["problems"]} == {"case_kind", "team_id"}
    case_id = client.post(
        f"/api/v1/referrals/{referral}/screening",
        headers=gateway,
        json={"outcome": "case opened", "case_kind": "domestic abuse victim", "team_id": place.north.id},
    ).json()["case_id"]
    again = client.post(
        f"/api/v1/referrals/{referral}/screening", headers=gateway, json={"outcome": "signposted to the core offer"}
    )
    assert again.status_code == 409
    officer = headers["officer"]
    assert client.get(f"/api/v1/cases/{case_id}", headers=officer).status_code == 403
    assert client.get(f"/api/v1/referrals/{referral}", headers=officer).status_code == 403
    assert client.post(f"/api/v1/cases/{case_id}/notes", headers=officer, json={"text": "x"}).status_code == 403
    assert client.get("/api/v1/cases/999999", headers=headers["north"]).status_code == 404
    assert client.get("/api/v1/referrals/999999", headers=gateway).status_code == 404
    assert client.get("/api/v1/referrals", headers=headers["north"]).status_code == 404  # no gateway team: no queue
    empty = client.post(f"/api/v1/cases/{case_id}/notes", headers=headers["north"], json={"text": " "})
    assert empty.status_code == 422 and empty.json()["error"]["problems"][0]["where"] == "text"
    assert client.get("/api/v1/cases").status_code == 401


def test_an_analyst_gets_pseudonyms_and_years_of_birth_only(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    place, _, headers = setup(sessions, referrals=0)
    sent = client.post("/api/v1/referrals", headers=headers["officer"], json=NEW_PERSON).json()
    case_id = client.post(
        f"/api/v1/referrals/{sent['id']}/screening",
        headers=headers["gateway"],
        json={
            "outcome": "case opened",
            "case_kind": "domestic abuse victim",
            "team_id": place.north.id,
            "key_worker_id": place.key_worker.id,
        },
    ).json()["case_id"]
    analyst = headers["analyst"]
    assert client.get(f"/api/v1/cases/{case_id}", headers=analyst).status_code == 403  # case management: refused
    answer = client.get(f"/api/v1/cases/{case_id}?purpose=analysis", headers=analyst)
    assert answer.status_code == 200, answer.text
    person = answer.json()["members"][0]["person"]
    assert person["pseudonym"].startswith("P-") and person["year_of_birth"] == 1990
    assert (person["given_name"], person["family_name"], person["date_of_birth"], person["references"]) == (
        None,
        None,
        None,
        {},
    )
    assert answer.json()["key_worker"] is None
    for name in ("Robin", "Apiperson", "NOM-API-1", "1990-05-17", "A Officer", "Service Lane"):
        assert name not in answer.text, name
    with sessions() as session:
        last = session.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc())).first()
        assert last is not None and (last.action, last.purpose, last.outcome) == (
            "casework.read",
            "analysis",
            "allowed",
        )
