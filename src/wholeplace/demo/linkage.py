"""The demo's person index: eleven Essex agencies' synthetic extracts, the casework cohort's people among them,
linked by the demo analyst, so the review queue, people's pages and the gateway's view have something to show.

Every person is synthetic, generated from a fixed seed (linkage/synth.py); none is a real person's record.
"""

from __future__ import annotations

import csv
import datetime as dt
import tempfile
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from wholeplace.auth.actor import Actor
from wholeplace.auth.model import Role, User
from wholeplace.business_dates import today as london_today
from wholeplace.cases.model import Person
from wholeplace.files.csv_writer import write_csv
from wholeplace.linkage import index
from wholeplace.linkage.extracts import FIELDS
from wholeplace.linkage.model import LinkageRecord
from wholeplace.linkage.synth import write_synthetic_extracts
from wholeplace.partners.model import Organisation
from wholeplace.sharing.model import AgreementParty, DataCategory, Purpose, SharingAgreement

SEED = 2013
PEOPLE = 1500
COUNTY = "GB-LAE-ESS"
# Which demo partner holds each synthetic agency's records.
HOLDERS = {
    "essex-gp-register": "GB-NHS-06T",
    "mse-nhs-trust": "GB-NHS-5PW",
    "ecc-childrens-care": COUNTY,
    "ecc-adult-care": COUNTY,
    "essex-district-housing": "GB-LAE-TEN",
    "essex-police": "XX-WHOLEPLACE-ESSEX-POLICE",
    "essex-education": COUNTY,
    "essex-probation": "XX-WHOLEPLACE-ESSEX-PROBATION",
    "essex-fire-rescue": "XX-WHOLEPLACE-ESSEX-FIRE",
    "essex-youth-offending": COUNTY,
    "essex-da-service": "XX-WHOLEPLACE-ESSEX-DAAT",
}
# The casework cohort's people are known to the police and their GP too, so the gateway finds them.
COHORT_AGENCIES = ("essex-police", "essex-gp-register")


@dataclass(frozen=True)
class IndexSummary:
    records: int = 0
    people: int = 0


def load_index(session: Session, actor: Actor, *, people: int = PEOPLE) -> IndexSummary:
    """Build the demo index once, as the demo analyst; a second call finds it there and changes nothing."""
    if session.scalar(select(LinkageRecord.id).limit(1)) is not None:
        return IndexSummary()
    partners = {
        o.identifier: o
        for o in session.scalars(select(Organisation).where(Organisation.identifier.in_({*HOLDERS.values(), COUNTY})))
    }
    hub_agreement(session, actor, partners)
    analyst = session.scalars(select(User).where(User.email == "analyst@demo.wholeplace.test")).one()
    analyst_actor = Actor.of(analyst)
    assert Role.ANALYST in analyst_actor.roles
    with tempfile.TemporaryDirectory() as folder:
        write_synthetic_extracts(Path(folder), people=people, seed=SEED)
        for agency in COHORT_AGENCIES:
            with_cohort(session, Path(folder) / "extracts" / f"{agency}.csv", agency)
        extracts = {path.stem: path.read_text(encoding="utf-8") for path in (Path(folder) / "extracts").glob("*.csv")}
    for agency, text in sorted(extracts.items()):
        index.import_extract(
            session,
            analyst_actor,
            data=text.encode(),
            filename=f"{agency}.csv",
            organisation_id=partners[HOLDERS[agency]].id,
            source=agency,
            received_on=london_today(),
        )
    summary = index.run(session, analyst_actor, full=True)
    return IndexSummary(summary.run.records, summary.run.people)


def hub_agreement(session: Session, actor: Actor, partners: dict[str, Organisation]) -> None:
    session.add(
        SharingAgreement(
            title="Essex data and intelligence hub: matching people across partners' records",
            purposes=Purpose.DATA_MATCHING.value,
            categories=f"{DataCategory.IDENTITY.value},{DataCategory.CONTACT.value}",
            lawful_basis="Crime and Disorder Act 1998 s115; UK GDPR Article 6(1)(e); Data Protection Act 2018 "
            "Schedule 1 paragraph 18 (safeguarding)",
            dpia_reference="DPIA-ESSEX-HUB-2013-03 (synthetic)",
            starts_on=dt.date(2013, 4, 1),
            needs_consent=False,
            created_by=actor.label,
            parties=[AgreementParty(organisation_id=organisation.id) for organisation in partners.values()],
        )
    )
    session.flush()


def with_cohort(session: Session, path: Path, agency: str) -> None:
    """Add to the agency's extract a row for each of the casework cohort's people, as that agency writes them."""
    with path.open(newline="", encoding="utf-8") as handle:
        rows = [[row[name] for name in FIELDS] for row in csv.DictReader(handle)]
    police = agency == "essex-police"
    for person in session.scalars(select(Person).order_by(Person.id)):
        rows.append(
            [
                f"{'ECPC' if police else 'GPC'}{person.id:07d}",
                person.given_name.upper() if police else person.given_name,
                person.family_name.upper() if police else person.family_name,
                "",
                person.date_of_birth.strftime("%d/%m/%Y") if person.date_of_birth else "",
                {"female": "F", "male": "M"}.get(person.sex.value, ""),
                person.postcode,
                person.address,
            ]
        )
    write_csv(path, FIELDS, rows)
