"""The Essex demo programme: areas, the partners named in the seed papers, one user per role, the synthetic
casework cohort (demo/cohort.py) with its caseworkers, the person index over synthetic extracts
(demo/linkage.py), and the outcomes frameworks, grant returns, benefits and claims (demo/outcomes.py)."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from wholeplace import audit
from wholeplace.auth import service as auth_service
from wholeplace.auth.actor import Actor
from wholeplace.auth.model import Role, User
from wholeplace.demo.business_cases import load_demo_business_cases
from wholeplace.demo.cohort import load_cohort
from wholeplace.demo.cohort_place import PASSWORD as COHORT_PASSWORD
from wholeplace.demo.cohort_place import SIGN_INS
from wholeplace.demo.funds import load_demo_funds
from wholeplace.demo.linkage import load_index
from wholeplace.demo.outcomes import load_demo_outcomes
from wholeplace.demo.section75 import load_demo_section75
from wholeplace.partners import service as partners_service
from wholeplace.partners.model import Area, AreaKind, Organisation, OrganisationKind
from wholeplace.problems import InvalidInput

DATA = Path(__file__).resolve().parent


@dataclass(frozen=True)
class DemoUser:
    role: Role
    email: str
    name: str
    organisation: str  # identifier
    password: str


def demo_users(organisation_for_role: dict[Role, str]) -> list[DemoUser]:
    """One sign-in per role; the passwords are published in the README, so this is for demos only."""
    return [
        DemoUser(
            role,
            f"{role.value.replace('_', '.')}@demo.wholeplace.test",
            f"Demo {role.value.replace('_', ' ')}",
            organisation_for_role[role],
            f"{role.value}-demo-2013",
        )
        for role in Role
    ]


def load_areas(session: Session) -> int:
    """Areas by ONS code, created or brought up to date; returns how many were created."""
    rows = list(csv.DictReader((DATA / "areas.csv").open(encoding="utf-8")))
    existing = {area.code: area for area in session.scalars(select(Area))}
    created = 0
    for row in rows:  # counties come before their districts in the file
        area = existing.get(row["code"])
        if area is None:
            area = existing[row["code"]] = Area(code=row["code"])
            session.add(area)
            created += 1
        area.name, area.kind = row["name"], AreaKind(row["kind"])
        area.parent = existing.get(row["parent_code"]) if row["parent_code"] else None
    session.flush()
    return created


def load_demo(session: Session, actor: Actor) -> list[DemoUser]:
    """Load or refresh the demo; running it twice changes nothing the second time."""
    areas_created = load_areas(session)
    partners_file = DATA / "partners.csv"
    report = partners_service.import_organisations(
        session, actor, text=partners_file.read_text(encoding="utf-8"), filename=partners_file.name
    )
    users = demo_users(_organisations_for_roles(session))
    for user in users:
        if session.scalar(select(User).where(User.email == user.email)) is None:
            auth_service.create_user(
                session,
                actor,
                email=user.email,
                name=user.name,
                organisation_identifier=user.organisation,
                roles=[user.role],
                password=user.password,
            )
    decisions = load_demo_funds(session, actor)
    business_cases = load_demo_business_cases(session, actor)
    cohort = load_cohort(session, actor)
    linked = load_index(session, actor)
    measured = load_demo_outcomes(session, actor)
    load_demo_section75(session, actor)
    audit.record(
        session,
        actor,
        "demo.loaded",
        areas_created=areas_created,
        partners_created=report.created,
        partners_updated=report.updated,
        decisions=decisions,
        business_cases=business_cases,
        synthetic_cases=cohort.cases,
        synthetic_index_records=linked.records,
        measurements=measured,
    )
    return demo_sign_ins(session)


def demo_sign_ins(session: Session) -> list[DemoUser]:
    """Everyone who can sign in to a loaded demo, with the passwords the README publishes."""
    return demo_users(_organisations_for_roles(session)) + [
        DemoUser(sign_in.role, sign_in.email, sign_in.name, sign_in.partner, COHORT_PASSWORD) for sign_in in SIGN_INS
    ]


def _organisations_for_roles(session: Session) -> dict[Role, str]:
    """Put each demo user where that role sits in the seed papers; the county council by default."""

    def first_of(kind: OrganisationKind) -> str | None:
        return session.scalar(
            select(Organisation.identifier)
            .where(Organisation.kind == kind)
            # the Cheshire partners are there for the seed 002 case alone: demo users sit in Essex
            .order_by(Organisation.name.like("%Cheshire%"), Organisation.name)
            .limit(1)
        )

    choices = {
        Role.DECISION_MAKER: first_of(OrganisationKind.POLICE_AND_CRIME_COMMISSIONER),
        Role.KEY_WORKER: first_of(OrganisationKind.POLICE_FORCE),
        Role.TEAM_MANAGER: first_of(OrganisationKind.POLICE_FORCE),
        Role.PROGRAMME: session.scalar(select(Organisation.identifier).where(Organisation.name.like("Tendring%"))),
        Role.VIEWER: first_of(OrganisationKind.UNITARY_AUTHORITY),
    }
    county = first_of(OrganisationKind.COUNTY_COUNCIL)
    if county is None:
        raise InvalidInput("The demo partners have no county council")
    return {role: choices.get(role) or county for role in Role}
