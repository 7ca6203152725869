"""The generator of the demo's synthetic cohort: seeded Faker en_GB and random draws, made-up people with their
`SYN-` references, households, cases and gateway referrals, as rows (cohort_data.Rows) not yet written."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from faker import Faker
from sqlalchemy import select
from sqlalchemy.orm import Session

from wholeplace.auth.model import User
from wholeplace.business_dates import today
from wholeplace.cases.casework import CASE_PREFIX, SYNTHETIC_REFERENCE
from wholeplace.cases.checklists import available_checklists
from wholeplace.cases.model import CaseKind, CaseRole, CaseStatus, Intervention, MaracMeeting, Person, Relationship, Sex
from wholeplace.cases.people import normal_postcode
from wholeplace.db import utcnow
from wholeplace.demo.cohort_data import SOURCES, Key, Rows
from wholeplace.demo.cohort_place import COUNTY
from wholeplace.partners.model import Organisation, Team

# a referral's columns before the gateway screens it
UNSCREENED: dict[str, object] = {
    "concerns": "",
    "screened_at": None,
    "screened_by": None,
    "outcome": None,
    "outcome_note": "",
    "case_id": None,
}


@dataclass
class CohortSummary:
    victims: int = 0
    perpetrators: int = 0
    children: int = 0
    households: int = 0
    cases: int = 0
    referrals_screened: int = 0
    referrals_waiting: int = 0
    referrals_overdue: int = 0
    assessments: int = 0
    high_risk: int = 0
    marac_referrals: int = 0
    repeats: int = 0
    overdue_actions: int = 0
    interventions_given: int = 0
    rows: int = 0


@dataclass(frozen=True)
class NewCase:
    """A case generated but not yet written, with what its casework is made from."""

    key: Key
    partner: str  # the identifier of the partner holding it
    reference: str
    kind: CaseKind
    team: Team
    worker: User | None
    opened: dt.date
    closed_on: dt.date | None
    summary: str

    @property
    def closed(self) -> bool:
        return self.closed_on is not None

    @property
    def assessor(self) -> str:
        return self.worker.email if self.worker else "demo"


class Builder:
    """The generators and the rows made so far, so that each step reads as what the pilot did."""

    def __init__(self, session: Session, seed: int, scale: float) -> None:
        self.scale = scale
        self.random = random.Random(seed)
        self.fake = Faker("en_GB")
        self.fake.seed_instance(seed)
        self.today, self.now = today(), utcnow()
        self.summary = CohortSummary()
        self.rows = Rows()
        self.partners = {o.identifier: o for o in session.scalars(select(Organisation))}
        self.identifiers = {o.id: o.identifier for o in self.partners.values()}
        self.checklists = available_checklists()
        self.taken = set(session.scalars(select(Person.pseudonym)))
        self.people = self.referrals = 0
        # the place the cohort is worked in, made before the people (cohort_place)
        self.teams: dict[str, Team] = {}
        self.menu: dict[str, tuple[Intervention, float]] = {}
        self.meetings: list[MaracMeeting] = []

    def count(self, full: int) -> int:
        return max(1, round(full * self.scale))

    def day_within(self, days_back: int) -> dt.date:
        return self.today - dt.timedelta(days=self.random.randint(0, days_back))

    def at(self, day: dt.date, hour: int) -> dt.datetime:
        return min(dt.datetime.combine(day, dt.time(hour), dt.UTC), self.now)

    def person(
        self, partner: str, sex: Sex, *, age: tuple[int, int], family: Key | None = None
    ) -> tuple[Key, dict[str, object]]:
        """A made-up person recorded by the partner; a child takes the family name and address of `family`."""
        fake = self.fake
        given = fake.first_name_female() if sex is Sex.FEMALE else fake.first_name_male()
        born = self.today - dt.timedelta(days=self.random.randint(age[0] * 365, age[1] * 365 + 364))
        pseudonym = f"P-{self.random.getrandbits(32):08X}"
        while pseudonym in self.taken:
            pseudonym = f"P-{self.random.getrandbits(32):08X}"
        self.taken.add(pseudonym)
        values: dict[str, object] = {
            "pseudonym": pseudonym,
            "given_name": given,
            "family_name": fake.last_name(),
            "other_names": "",
            "date_of_birth": born,
            "sex": sex,
            "address": fake.street_address().replace("\n", ", "),
            "postcode": normal_postcode(fake.postcode()) or "CM1 1QH",
            "telephone": fake.phone_number(),
            "email": "",
            "organisation_id": self.partners[partner].id,
            "created_at": self.now,
        }
        if family is not None:
            lead = self.rows.get(family)
            values |= {k: lead[k] for k in ("family_name", "address", "postcode", "telephone")}
        key = self.rows.add(partner, "people", **values)
        self.people += 1
        reference = f"{SYNTHETIC_REFERENCE}{self.people:06d}"
        self.rows.add(
            partner, "agency_references", person_id=key, organisation_id=self.partners[partner].id, reference=reference
        )
        return key, values

    def new_case(
        self,
        kind: CaseKind,
        team: Team,
        worker: User | None,
        opened: dt.date,
        summary: str,
        household: Key | None = None,
    ) -> NewCase:
        self.summary.cases += 1
        roll = self.random.random()
        status = CaseStatus.OPEN if roll < 0.78 else CaseStatus.STEPPED_DOWN if roll < 0.9 else CaseStatus.CLOSED
        closed = status is CaseStatus.CLOSED
        closed_on = min(self.today, opened + dt.timedelta(days=self.random.randint(60, 300))) if closed else None
        reference = f"{CASE_PREFIX[kind]}-{opened.year}-{self.summary.cases:06d}"
        partner = self.identifiers[team.organisation_id]
        key = self.rows.add(
            partner,
            "cases",
            reference=reference,
            kind=kind,
            organisation_id=team.organisation_id,
            team_id=team.id,
            key_worker_id=worker.id if worker else None,
            household_id=household,
            status=status,
            closed_reason="Goals of the plan met; support ended by agreement" if closed else "",
            opened_on=opened,
            closed_on=closed_on,
            summary=summary,
        )
        return NewCase(key, partner, reference, kind, team, worker, opened, closed_on, summary)

    def member(self, case: NewCase, person: Key, role: CaseRole) -> None:
        self.rows.add(case.partner, "case_members", case_id=case.key, person_id=person, role=role)

    def household(self, partner: str, lead: Key, name: str) -> Key:
        household = self.rows.add(partner, "households", name=name, organisation_id=self.partners[partner].id)
        self.lives_in(partner, household, lead, Relationship.LEAD_ADULT)
        self.summary.households += 1
        return household

    def lives_in(self, partner: str, household: Key, person: Key, relationship: Relationship) -> None:
        self.rows.add(
            partner, "household_members", household_id=household, person_id=person, relationship_to_lead=relationship
        )

    def children(self, partner: str, lead: Key, household: Key, *, at_least: int = 0) -> list[Key]:
        made = []
        for _ in range(max(at_least, self.random.choice([0, 0, 1, 1, 1, 2, 2, 3]))):
            sex = self.random.choice([Sex.FEMALE, Sex.MALE])
            child, _ = self.person(partner, sex, age=(0, 15), family=lead)
            self.lives_in(partner, household, child, Relationship.CHILD)
            made.append(child)
        self.summary.children += len(made)
        return made

    def referral(self, person: Key, received: dt.datetime, **values: object) -> None:
        """A referral into the county's gateway: screened if `values` say so, waiting otherwise."""
        self.referrals += 1
        source = self.random.choice(SOURCES)
        self.rows.add(
            COUNTY,
            "referrals",
            reference=f"REF-{received.year}-{self.referrals:06d}",
            organisation_id=self.partners[COUNTY].id,
            team_id=self.teams["gateway"].id,
            person_id=person,
            source_organisation_id=self.partners[source].id,
            referrer=self.fake.name(),
            received_at=received,
            recorded_by="gateway.worker@demo.wholeplace.test",
            **(UNSCREENED | values),
        )
