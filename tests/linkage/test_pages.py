"""The person index in the browser's terms, on both databases: the overview, importing an extract through the
form, reviewing a pair side by side and ruling on it, a person's page with its history, and the gateway's view
of who knows the person a referral is about."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tests.cases.builders import build_place, refer
from tests.factories import sign_in
from tests.linkage.builders import COHORT_SIZE, build_hub, extract, extracts_of, import_all, people, row, trained_model
from wholeplace.audit import AuditEntry, unit_of_work
from wholeplace.auth import service as auth_service
from wholeplace.auth.actor import Actor
from wholeplace.auth.model import User
from wholeplace.cases.model import Person
from wholeplace.linkage import index, matching
from wholeplace.linkage.model import LinkageRecord, LinkDecision
from wholeplace.sharing.model import AgreementParty, DataCategory, Purpose, SharingAgreement

COHORT = people(COHORT_SIZE)


@pytest.fixture(scope="module")
def model() -> matching.Model:
    return trained_model(COHORT)


def form(client: TestClient, **values: str) -> dict[str, str]:
    return {"csrf_token": client.cookies["wholeplace_csrf"], **values}


def bearer(sessions: sessionmaker[Session], email: str) -> dict[str, str]:
    with unit_of_work(sessions) as session:
        user = session.scalars(select(User).where(User.email == email)).one()
        _, secret = auth_service.create_token(session, Actor.of(user), name="test")
    return {"Authorization": f"Bearer {secret}"}


def linked_hub(sessions: sessionmaker[Session], model: matching.Model, *, wobble: bool = True) -> None:
    with unit_of_work(sessions) as session:
        hub = build_hub(session)
        rows = extracts_of(COHORT)
        if wobble:  # one record the model cannot be sure of: the same name, but no date of birth or postcode
            rows["health-trust"].append(
                row(COHORT[4], "health-trust", agency_ref="HEA77777", date_of_birth="", postcode="")
            )
        import_all(session, hub, rows)
        index.run(session, hub.actor(), full=True, model=model)


def test_an_analyst_reviews_a_pair_and_the_persons_history_shows_the_split(
    client: TestClient, sessions: sessionmaker[Session], model
) -> None:
    linked_hub(sessions, model)
    sign_in(client, "hub@county.example")
    overview = client.get("/linkage")
    assert overview.status_code == 200
    text = overview.text
    assert (
        "Who the linkage fails" in text and "No fixed abode" in text and "Synthetic Constabulary (essex-police)" in text
    )
    queue = client.get("/linkage/review")
    assert queue.status_code == 200
    pairs = re.findall(r'href="/linkage/review/(\d+)"', queue.text)
    assert pairs, "the wobbly record should wait for review"
    pair_page = client.get(f"/linkage/review/{pairs[0]}")
    assert pair_page.status_code == 200
    assert "Are these the same person?" in pair_page.text and "Date of birth" in pair_page.text
    assert "Withheld" not in pair_page.text  # the hub's agreement covers identity and contact for matching
    refused = client.post(f"/linkage/review/{pairs[0]}", data=form(client, verdict="different", reason=""))
    assert refused.status_code == 422 and "Enter the reason for your decision" in refused.text
    decided = client.post(
        f"/linkage/review/{pairs[0]}",
        data=form(client, verdict="same", reason="Same NHS number on both"),
        follow_redirects=False,
    )
    assert decided.status_code == 303
    with sessions() as session:
        decision = session.scalars(select(LinkDecision)).one()
        record = session.get(LinkageRecord, decision.record_l_id)
        assert record is not None and record.person_id
        person_id = record.person_id
        reads = session.scalars(
            select(AuditEntry).where(
                AuditEntry.purpose == Purpose.DATA_MATCHING.value, AuditEntry.action == "casework.read"
            )
        ).all()
        assert len(reads) >= 4  # identity and contact of each of the two records, for the pair page
    person = client.get(f"/linkage/people/{person_id}")
    assert person.status_code == 200
    assert f"Decision {decision.id}: the same person" in person.text
    withdrawn = client.post(
        f"/linkage/decisions/{decision.id}/withdraw", data=form(client, reason="Wrong pair"), follow_redirects=False
    )
    assert withdrawn.status_code == 303
    api = client.get(f"/api/v1/linkage/people/{person_id}", headers=bearer(sessions, "hub@county.example"))
    assert api.status_code == 200 and api.json()["history"][0]["cause"] == f"Decision {decision.id} withdrawn"


def test_importing_through_the_form_lists_unusable_rows_and_refuses_a_file_that_is_not_csv(
    client: TestClient, sessions: sessionmaker[Session], model
) -> None:
    linked_hub(sessions, model, wobble=False)
    with sessions() as session:
        police = session.scalars(
            select(LinkageRecord.organisation_id).where(LinkageRecord.source == "essex-police")
        ).first()
    sign_in(client, "hub@county.example")
    assert client.get("/linkage/extracts/new").status_code == 200
    rows = [row(person, "essex-police") for person in COHORT[:40]]
    rows[5]["date_of_birth"] = "31/02/1980"
    data = extract(rows).replace(b"agency_ref,given_name", b"NOMINAL,given_name")
    fields = {
        "organisation_id": str(police),
        "source": "essex-police",
        "received_on-day": "2",
        "received_on-month": "12",
        "received_on-year": "2026",
        "column-agency_ref": "NOMINAL",
    }
    done = client.post(
        "/linkage/extracts/new",
        data=form(client, **fields),
        files={"upload": ("police-december.csv", data, "text/csv")},
        follow_redirects=False,
    )
    assert done.status_code == 303, done.text
    page = client.get(done.headers["location"])
    assert "police-december.csv, row 7, column &#39;date_of_birth&#39;" in page.text
    bad = client.post(
        "/linkage/extracts/new",
        data=form(client, **fields),
        files={"upload": ("photo.csv", b"\x89PNG\r\n\x1a\n" + bytes(range(200)), "text/csv")},
    )
    assert bad.status_code == 422 and "The file is not UTF-8 text" in bad.text


def test_the_gateway_sees_which_agencies_know_the_referred_person_and_only_what_it_may_read(
    client: TestClient, sessions: sessionmaker[Session], model
) -> None:
    with unit_of_work(sessions) as session:
        place = build_place(session)
        referral = refer(session, place, given="Grace", family="Hartley")
        person = session.get(Person, referral.person_id)
        assert person is not None
        person.date_of_birth, person.postcode = dt.date(1984, 3, 9), "CO15 1AB"
        analyst = place.analyst
        grace = [
            {
                "agency_ref": ref,
                "given_name": "Grace",
                "surname": "Hartley",
                "other_names": "",
                "date_of_birth": "09/03/1984",
                "sex": "F",
                "postcode": "CO15 1AB",
                "address": "1 Example Street",
            }
            for ref in ("P-1",)
        ]
        others = {source: rows for source, rows in extracts_of(COHORT).items()}
        for source, organisation, extra in (
            ("essex-police", place.police, grace),
            ("county-social-care", place.council, []),
        ):
            index.import_extract(
                session,
                Actor.of(analyst),
                data=extract(others[source] + extra),
                filename=f"{source}.csv",
                organisation_id=organisation.id,
                source=source,
                received_on=dt.date(2026, 11, 30),
            )
        index.run(session, Actor.of(analyst), full=True, model=model)
    sign_in(client, "gateway@council.example")
    page = client.get(f"/linkage/referrals/{referral.id}")
    assert page.status_code == 200, page.text
    assert "Synthetic Constabulary" in page.text and "Found in the index" in page.text
    assert "Not shared with you" in page.text  # no agreement between council and police in this place
    with unit_of_work(sessions) as session:
        agreement = SharingAgreement(
            title="Safeguarding agreement (synthetic)",
            purposes=Purpose.SAFEGUARDING.value,
            categories=DataCategory.IDENTITY.value,
            lawful_basis="Children Act 2004",
            dpia_reference="DPIA-2",
            starts_on=dt.date(2013, 4, 1),
            created_by="test",
        )
        agreement.parties = [
            AgreementParty(organisation_id=place.council.id),
            AgreementParty(organisation_id=place.police.id),
        ]
        session.add(agreement)
    shared = client.get(
        f"/api/v1/linkage/referrals/{referral.id}", headers=bearer(sessions, "gateway@council.example")
    ).json()
    (match,) = shared["matches"]
    assert match["agencies"] == ["Synthetic Constabulary"]
    assert match["records"][0]["agency_ref"] == "P-1" and match["records"][0]["withheld"] == ""
