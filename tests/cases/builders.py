"""A small synthetic place for casework tests: a council with a gateway and two locality teams, a police force,
and a user in each job. Every name here is made up."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from tests.factories import make_organisation, make_user
from wholeplace.auth.actor import Actor
from wholeplace.auth.model import Role, User
from wholeplace.cases.gateway import ReferralDetails, record_referral
from wholeplace.cases.model import Referral, ReferralConsent, Sex, Urgency
from wholeplace.cases.people import PersonDetails
from wholeplace.partners.model import Organisation, OrganisationKind, Team, TeamMember


@dataclass(frozen=True)
class Place:
    council: Organisation
    police: Organisation
    gateway: Team
    north: Team
    south: Team
    police_team: Team
    gateway_worker: User
    key_worker: User  # in the north team
    south_worker: User
    manager: User  # team manager of the north team
    officer: User  # police, in the police team
    analyst: User
    admin: User

    def actor(self, user: User) -> Actor:
        return Actor.of(user)


def _team(session: Session, organisation: Organisation, name: str, *, gateway: bool = False) -> Team:
    team = Team(organisation_id=organisation.id, name=name, is_gateway=gateway)
    session.add(team)
    session.flush()
    return team


def _member(session: Session, team: Team, user: User) -> User:
    session.add(TeamMember(team_id=team.id, user_id=user.id))
    session.flush()
    return user


def build_place(session: Session) -> Place:
    council = make_organisation(
        session, "Synthetic Borough Council", "XX-SYN-COUNCIL", OrganisationKind.UNITARY_AUTHORITY
    )
    police = make_organisation(session, "Synthetic Constabulary", "XX-SYN-POLICE", OrganisationKind.POLICE_FORCE)
    gateway = _team(session, council, "Access team", gateway=True)
    north = _team(session, council, "North locality team")
    south = _team(session, council, "South locality team")
    police_team = _team(session, police, "Public protection unit")

    def user(email: str, team: Team | None, organisation: Organisation, *roles: Role) -> User:
        made = make_user(session, *roles, email=email, organisation=organisation)
        return _member(session, team, made) if team else made

    return Place(
        council=council,
        police=police,
        gateway=gateway,
        north=north,
        south=south,
        police_team=police_team,
        gateway_worker=user("gateway@council.example", gateway, council, Role.KEY_WORKER),
        key_worker=user("north@council.example", north, council, Role.KEY_WORKER),
        south_worker=user("south@council.example", south, council, Role.KEY_WORKER),
        manager=user("manager@council.example", north, council, Role.TEAM_MANAGER),
        officer=user("officer@police.example", police_team, police, Role.KEY_WORKER),
        analyst=user("analyst@council.example", None, council, Role.ANALYST),
        admin=user("admin@council.example", None, council, Role.ADMIN),
    )


def refer(
    session: Session, place: Place, *, given: str = "Alex", family: str = "Example", urgency: Urgency = Urgency.URGENT
) -> Referral:
    """A referral from the police into the gateway about someone new."""
    return record_referral(
        session,
        place.actor(place.officer),
        ReferralDetails(
            referrer="PC Synthetic",
            reason="Called to a domestic incident; the caller has injuries",
            concerns="Two children in the home",
            consent=ReferralConsent.GIVEN,
            urgency=urgency,
            person=PersonDetails(
                given_name=given,
                family_name=family,
                sex=Sex.FEMALE,
                address="1 Example Street",
                postcode="ch1 1aa",
                references={"XX-SYN-POLICE": f"NOM-{given}-{family}"},
            ),
        ),
    )
