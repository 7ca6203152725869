"""The place the demo's synthetic cohort is worked in: the teams and caseworkers of the Essex demo partners, their
information sharing agreements, the menu of interventions and the monthly MARAC. Made once by `cohort.load_cohort`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from wholeplace.auth import service as auth_service
from wholeplace.auth.actor import Actor
from wholeplace.auth.model import Role, User
from wholeplace.cases.model import Intervention, InterventionKind, MaracMeeting
from wholeplace.partners.model import Organisation, Team, TeamMember
from wholeplace.sharing.model import AgreementParty, DataCategory, Purpose, SharingAgreement
from wholeplace.sharing.rls import enter_organisation

COUNTY, POLICE, PROBATION, HEALTH = (
    "GB-LAE-ESS",
    "XX-WHOLEPLACE-ESSEX-POLICE",
    "XX-WHOLEPLACE-ESSEX-PROBATION",
    "GB-NHS-06T",
)
LOCALITIES = ("North Essex locality team", "Mid Essex locality team", "South Essex locality team")
PASSWORD = "casework-demo-2013"

# name, provider, unit cost (pence), unit, kind, area served, crosses boundaries, capacity, chance it achieves its aim
CATALOGUE = (
    (
        "Independent domestic violence advocate (IDVA)",
        COUNTY,
        85_000,
        "per case",
        "consequence",
        "Essex",
        False,
        120,
        0.72,
    ),
    ("Refuge place", COUNTY, 42_000, "per week", "consequence", "Essex and neighbouring areas", True, 24, 0.66),
    ("Hospital IDVA", HEALTH, 60_000, "per case", "consequence", "Colchester and Ipswich hospitals", True, 40, 0.61),
    ("Perpetrator behaviour change programme", PROBATION, 150_000, "per case", "prevention", "Essex", False, 60, 0.48),
    (
        "Target hardening (locks, alarms, sanctuary)",
        POLICE,
        35_000,
        "per home",
        "prevention",
        "Essex",
        False,
        None,
        0.81,
    ),
    ("Therapeutic support for children", COUNTY, 9_000, "per session", "consequence", "Essex", False, 80, 0.63),
    ("Family support worker", COUNTY, 120_000, "per case", "prevention", "Essex", False, 90, 0.58),
    ("Parenting programme", COUNTY, 45_000, "per course", "prevention", "Essex", False, 60, 0.55),
    (
        "Substance misuse treatment",
        "XX-WHOLEPLACE-ESSEX-DAAT",
        180_000,
        "per case",
        "consequence",
        "Essex",
        False,
        70,
        0.44,
    ),
    ("Electronic monitoring", PROBATION, 3_500, "per week", "prevention", "Essex", False, 30, 0.69),
    ("Alcohol monitoring (sobriety tag)", PROBATION, 4_500, "per week", "prevention", "Essex", False, 20, 0.71),
    (
        "Housing options and sanctuary advice",
        "GB-LAE-CHL",
        25_000,
        "per case",
        "prevention",
        "Chelmsford",
        False,
        None,
        0.74,
    ),
)


@dataclass(frozen=True)
class SignIn:
    key: str
    email: str
    job: str
    partner: str
    role: Role
    teams: tuple[str, ...]

    @property
    def name(self) -> str:
        return f"Demo {self.job[0].lower()}{self.job[1:]}"


SIGN_INS = (
    SignIn(
        "gateway",
        "gateway.worker@demo.wholeplace.test",
        "Gateway access team worker",
        COUNTY,
        Role.KEY_WORKER,
        ("gateway",),
    ),
    SignIn(
        LOCALITIES[0],
        "north.key.worker@demo.wholeplace.test",
        "North Essex key worker",
        COUNTY,
        Role.KEY_WORKER,
        (LOCALITIES[0],),
    ),
    SignIn(
        LOCALITIES[1],
        "mid.key.worker@demo.wholeplace.test",
        "Mid Essex key worker",
        COUNTY,
        Role.KEY_WORKER,
        (LOCALITIES[1],),
    ),
    SignIn(
        LOCALITIES[2],
        "south.key.worker@demo.wholeplace.test",
        "South Essex key worker",
        COUNTY,
        Role.KEY_WORKER,
        (LOCALITIES[2],),
    ),
    SignIn(
        "manager",
        "locality.manager@demo.wholeplace.test",
        "Locality team manager",
        COUNTY,
        Role.TEAM_MANAGER,
        LOCALITIES,
    ),
    SignIn("iom", "iom.key.worker@demo.wholeplace.test", "Offender manager", PROBATION, Role.KEY_WORKER, ("iom",)),
    SignIn("health", "hospital.idva@demo.wholeplace.test", "Hospital IDVA", HEALTH, Role.KEY_WORKER, ("health",)),
)


def teams_and_users(
    session: Session, actor: Actor, partners: dict[str, Organisation]
) -> tuple[dict[str, Team], dict[str, User]]:
    """The gateway, three locality teams, the police's, probation's and health's teams, and caseworkers for each."""
    county, police, probation = partners[COUNTY], partners[POLICE], partners[PROBATION]
    teams = {"gateway": Team(organisation_id=county.id, name="Gateway access team", is_gateway=True)}
    teams |= {name: Team(organisation_id=county.id, name=name) for name in LOCALITIES}
    teams["police"] = Team(organisation_id=police.id, name="Public protection unit")
    teams["iom"] = Team(organisation_id=probation.id, name="Integrated offender management team")
    teams["health"] = Team(organisation_id=partners[HEALTH].id, name="Hospital IDVA service")
    session.add_all(teams.values())
    session.flush()
    users = {}
    for sign_in in SIGN_INS:
        user = session.scalar(select(User).where(User.email == sign_in.email)) or auth_service.create_user(
            session,
            actor,
            email=sign_in.email,
            name=sign_in.name,
            organisation_identifier=sign_in.partner,
            roles=[sign_in.role],
            password=PASSWORD,
        )
        users[sign_in.key] = user
        session.add_all(TeamMember(team_id=teams[team].id, user_id=user.id) for team in sign_in.teams)
    police_caseworkers = ["key.worker@demo.wholeplace.test", "team.manager@demo.wholeplace.test"]
    for existing in session.scalars(select(User).where(User.email.in_(police_caseworkers)).order_by(User.email)):
        session.add(TeamMember(team_id=teams["police"].id, user_id=existing.id))  # the demo's police caseworkers
        users.setdefault("police", existing)
    session.flush()
    return teams, users


def agreements(session: Session, actor: Actor, partners: dict[str, Organisation]) -> None:
    """The partners' information sharing agreements: one for the core partners, one with health needing consent."""
    start = dt.date(2013, 4, 1)
    core = [COUNTY, POLICE, PROBATION, "XX-WHOLEPLACE-ESSEX-PCC"]
    session.add_all(
        [
            SharingAgreement(
                title="Essex domestic abuse and offender management information sharing agreement",
                purposes=",".join(
                    p.value
                    for p in (Purpose.CASE_MANAGEMENT, Purpose.SAFEGUARDING, Purpose.RISK_ASSESSMENT, Purpose.MARAC)
                ),
                categories=",".join(c.value for c in DataCategory),
                lawful_basis="Crime and Disorder Act 1998 s115; Children Act 2004 s10 and s11; UK GDPR Article "
                "6(1)(e) and Article 9(2)(g) with Data Protection Act 2018 Schedule 1 paragraph 18 (safeguarding)",
                dpia_reference="DPIA-ESSEX-DA-2013-01 (synthetic)",
                starts_on=start,
                needs_consent=False,
                created_by=actor.label,
                parties=[AgreementParty(organisation_id=partners[i].id) for i in core],
            ),
            SharingAgreement(
                title="Health and the gateway: sharing with consent",
                purposes=",".join(p.value for p in (Purpose.CASE_MANAGEMENT, Purpose.SAFEGUARDING)),
                categories=",".join(
                    c.value for c in (DataCategory.IDENTITY, DataCategory.CONTACT, DataCategory.CASEWORK)
                ),
                lawful_basis="UK GDPR Article 6(1)(e) and Article 9(2)(h); the person's explicit consent",
                dpia_reference="DPIA-ESSEX-HEALTH-2014-02 (synthetic)",
                starts_on=dt.date(2014, 1, 1),
                needs_consent=True,
                created_by=actor.label,
                parties=[AgreementParty(organisation_id=partners[i].id) for i in (COUNTY, HEALTH)],
            ),
        ]
    )


def catalogue(session: Session, partners: dict[str, Organisation]) -> list[tuple[Intervention, float]]:
    """The menu of interventions, each with the chance that it achieves its aim in the demo."""
    made = []
    for name, provider, pence, unit, kind, area, crosses, capacity, success in CATALOGUE:
        intervention = Intervention(
            name=name,
            provider_id=partners[provider].id,
            unit_cost_pence=pence,
            unit=unit,
            kind=InterventionKind(kind),
            area_served=area,
            crosses_boundaries=crosses,
            capacity=capacity,
            description="Synthetic demo service",
        )
        made.append((intervention, success))
    session.add_all(intervention for intervention, _ in made)
    session.flush()
    return made


def meetings(session: Session, county: Organisation, today: dt.date) -> list[MaracMeeting]:
    """A MARAC on the first Tuesday of each month, for the last year and the month ahead."""
    enter_organisation(session, county.id)  # the meetings are the county's rows under row-level security
    made = []
    for months_back in range(12, -2, -1):
        month_index = today.year * 12 + today.month - 1 - months_back
        first = dt.date(month_index // 12, month_index % 12 + 1, 1)
        tuesday = first + dt.timedelta(days=(1 - first.weekday()) % 7)
        made.append(MaracMeeting(organisation_id=county.id, held_on=tuesday, area="Essex", chair="DI Synthetic"))
    session.add_all(made)
    session.flush()
    return made
