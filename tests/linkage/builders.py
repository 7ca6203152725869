"""A small synthetic place for the index's tests: a hub at the council, agencies sending extracts of made-up people.

Every person here is synthetic, drawn from a fixed seed; none is a real person's record.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
from dataclasses import dataclass

from sqlalchemy.orm import Session

from tests.factories import make_organisation, make_user
from wholeplace.auth.actor import Actor
from wholeplace.auth.model import Role, User
from wholeplace.linkage import index, matching
from wholeplace.linkage.extracts import FIELDS, read_extract
from wholeplace.partners.model import Organisation, OrganisationKind
from wholeplace.sharing.model import AgreementParty, DataCategory, Purpose, SharingAgreement

GIVEN = ["Amelia", "Oliver", "Isla", "George", "Ava", "Harry", "Mia", "Jack", "Grace", "Noah", "Ruby", "Leo"]
GIVEN += ["Evie", "Arthur", "Freya", "Oscar", "Lily", "Charlie", "Poppy", "Alfie", "Daisy", "Henry", "Elizabeth"]
FAMILY = ["Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Patel", "Wright"]
FAMILY += ["Robinson", "Thompson", "Evans", "Walker", "White", "Hughes", "Edwards", "Green", "Hall", "Wood"]
POSTCODES = ["CO15 1AB", "CO15 2DE", "CO16 8PL", "CM1 1AA", "SS14 3JX", "CO7 9QR", "CO12 4LG", "CM2 5WN"]
SOURCES = ("essex-police", "county-social-care", "health-trust")
COHORT_SIZE = 90


@dataclass(frozen=True)
class Hub:
    council: Organisation
    police: Organisation
    health: Organisation
    analyst: User
    outsider: User  # an analyst of a partner with no agreement covering data matching

    def actor(self, user: User | None = None) -> Actor:
        return Actor.of(user or self.analyst)

    def organisation_of(self, source: str) -> Organisation:
        return {"essex-police": self.police, "county-social-care": self.council, "health-trust": self.health}[source]


def build_hub(session: Session) -> Hub:
    council = make_organisation(session, "Synthetic County Council", "XX-SYN-COUNTY", OrganisationKind.COUNTY_COUNCIL)
    police = make_organisation(session, "Synthetic Constabulary", "XX-SYN-POLICE", OrganisationKind.POLICE_FORCE)
    health = make_organisation(session, "Synthetic Health Trust", "XX-SYN-HEALTH", OrganisationKind.NHS)
    fire = make_organisation(session, "Synthetic Fire Service", "XX-SYN-FIRE", OrganisationKind.FIRE)
    agreement = SharingAgreement(
        title="Data and intelligence hub matching agreement (synthetic)",
        purposes=Purpose.DATA_MATCHING.value,
        categories=f"{DataCategory.IDENTITY.value},{DataCategory.CONTACT.value}",
        lawful_basis="Crime and Disorder Act 1998, section 115",
        dpia_reference="DPIA-SYN-1",
        starts_on=dt.date(2013, 4, 1),
        created_by="test",
    )
    agreement.parties = [AgreementParty(organisation_id=org.id) for org in (council, police, health)]
    session.add(agreement)
    analyst = make_user(session, Role.ANALYST, email="hub@county.example", organisation=council)
    outsider = make_user(session, Role.ANALYST, email="analyst@fire.example", organisation=fire)
    session.flush()
    return Hub(council, police, health, analyst, outsider)


@dataclass(frozen=True)
class SyntheticPerson:
    number: int
    given: str
    family: str
    born: dt.date
    sex: str
    postcode: str


def people(count: int, seed: int = 2013) -> list[SyntheticPerson]:
    draw = random.Random(seed)
    return [
        SyntheticPerson(
            number,
            draw.choice(GIVEN),
            draw.choice(FAMILY),
            dt.date(1950, 1, 1) + dt.timedelta(days=draw.randrange(20_000)),
            draw.choice("MF"),
            draw.choice(POSTCODES),
        )
        for number in range(count)
    ]


def extract(rows: list[dict[str, str]]) -> bytes:
    handle = io.StringIO()
    writer = csv.DictWriter(handle, fieldnames=list(FIELDS))
    writer.writeheader()
    writer.writerows(rows)
    return handle.getvalue().encode()


def row(person: SyntheticPerson, source: str, **changes: str) -> dict[str, str]:
    """The person as one agency writes them: its own reference and date format."""
    formats = {"essex-police": "%d/%m/%Y", "county-social-care": "%Y-%m-%d", "health-trust": "%d-%b-%Y"}
    values = {
        "agency_ref": f"{source[:3].upper()}{person.number:05d}",
        "given_name": person.given,
        "surname": person.family.upper() if source == "essex-police" else person.family,
        "other_names": "",
        "date_of_birth": person.born.strftime(formats[source]),
        "sex": person.sex,
        "postcode": person.postcode,
        "address": f"{person.number % 90 + 1} Harbour Road",
    }
    # a little of what agencies get wrong, so the model sees near matches as well as exact ones
    if source == "health-trust" and person.number % 5 == 0:
        values["postcode"] = POSTCODES[(POSTCODES.index(person.postcode) + 1) % len(POSTCODES)]
    if source == "essex-police" and person.number % 7 == 0:
        values["surname"] = values["surname"][:-1]
    if source == "county-social-care" and person.number % 9 == 0 and person.born.day <= 12:
        values["date_of_birth"] = dt.date(person.born.year, person.born.day, person.born.month).isoformat()
    return values | changes


def extracts_of(cohort: list[SyntheticPerson]) -> dict[str, list[dict[str, str]]]:
    """Each agency knows about two thirds of the people, by a rule that overlaps them."""
    return {
        source: [row(person, source) for person in cohort if (person.number + offset) % 3 != 0]
        for offset, source in enumerate(SOURCES)
    }


def import_all(session: Session, hub: Hub, rows: dict[str, list[dict[str, str]]]) -> None:
    for source, found in rows.items():
        index.import_extract(
            session,
            hub.actor(),
            data=extract(found),
            filename=f"{source}.csv",
            organisation_id=hub.organisation_of(source).id,
            source=source,
            received_on=dt.date(2026, 11, 30),
        )


def trained_model(cohort: list[SyntheticPerson]) -> matching.Model:
    """The model trained once on the cohort's records, without a database, for tests to reuse."""
    records = [
        record
        for source, found in extracts_of(cohort).items()
        for record in read_extract(extract(found), f"{source}.csv", agency=source, today=dt.date(2026, 12, 5)).records
    ]
    data = matching.frame(records, range(len(records)))
    return matching.train(data, seed=index.TRAINING_SEED)
