"""The demo's casework: a SYNTHETIC cohort in the shape of the West Cheshire Safer Communities pilot (about 1,160
victims of domestic abuse and 156 known perpetrators, their children and households), placed with the Essex demo
partners: a gateway access team and three locality case management teams in the county council, the police's
public protection unit, probation's integrated offender management team and a hospital IDVA service.

Nobody here is real. Names, dates and addresses come from Faker's en_GB provider and a fixed seed, so the same seed
gives the same cohort; every person carries a `SYN-` reference saying so. Levels, MARAC criteria and reasons are
computed by the checklist engine from generated answers, never typed. The rows are generated first and inserted in
bulk (this is console work by the operator), with one audit entry for the load.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from wholeplace import audit
from wholeplace.auth.actor import Actor
from wholeplace.auth.model import User
from wholeplace.cases.model import CaseKind, CaseRole, ReferralConsent, Relationship, ScreeningOutcome, Sex, Urgency
from wholeplace.demo import cohort_casework as casework
from wholeplace.demo.cohort_builder import Builder, CohortSummary, NewCase
from wholeplace.demo.cohort_data import (
    CHILDREN_GOAL,
    CHILDREN_SERVICE,
    FAMILY_CASES,
    HOSPITAL_IDVA,
    HOSPITAL_SHARE,
    MENUS,
    PERPETRATORS,
    SEED,
    SIGNPOSTED,
    VICTIMS,
    WAITING,
    Key,
    insert_all,
)
from wholeplace.demo.cohort_place import (
    COUNTY,
    HEALTH,
    LOCALITIES,
    POLICE,
    agreements,
    catalogue,
    meetings,
    teams_and_users,
)
from wholeplace.partners.model import Team

__all__ = ["PERPETRATORS", "SEED", "VICTIMS", "CohortSummary", "load_cohort"]


def load_cohort(session: Session, actor: Actor, *, seed: int = SEED, scale: float = 1.0) -> CohortSummary:
    """Build the synthetic cohort once; a second call finds it there and changes nothing."""
    if session.scalar(select(Team.id).where(Team.is_gateway).limit(1)) is not None:
        return CohortSummary()
    build = Builder(session, seed, scale)
    teams, users = teams_and_users(session, actor, build.partners)
    build.teams = teams
    agreements(session, actor, build.partners)
    build.menu = {i.name: (i, success) for i, success in catalogue(session, build.partners)}
    build.meetings = meetings(session, build.partners[COUNTY], build.today)
    perpetrators = _perpetrators(build, teams, users)
    _victims(build, teams, users, perpetrators)
    _families(build, teams, users)
    _screened_out(build)
    _waiting(build)
    build.summary.rows = insert_all(session, build.rows, {p: build.partners[p].id for p in build.rows.by_partner})
    summary = build.summary
    audit.record(
        session,
        actor,
        "demo.cohort_loaded",
        synthetic=True,
        seed=seed,
        scale=scale,
        victims=summary.victims,
        perpetrators=summary.perpetrators,
        children=summary.children,
        cases=summary.cases,
        rows=summary.rows,
    )
    return summary


def _perpetrators(build: Builder, teams: dict[str, Team], users: dict[str, User]) -> list[Key]:
    made = []
    for index in range(build.count(PERPETRATORS)):
        person, _ = build.person(POLICE, Sex.MALE if build.random.random() < 0.92 else Sex.FEMALE, age=(19, 60))
        made.append(person)
        offender = index % 3 == 0  # a third managed as offenders under integrated offender management
        case = build.new_case(
            CaseKind.OFFENDER if offender else CaseKind.PERPETRATOR,
            teams["iom"] if offender else teams["police"],
            users.get("iom" if offender else "police"),
            build.day_within(700),
            "Known perpetrator of domestic abuse (synthetic)",
        )
        build.member(case, person, CaseRole.PERPETRATOR)
        if offender:
            casework.monitoring(build, case)
        casework.plan(build, case)
        casework.interventions(build, case, MENUS[case.kind])
        casework.outcomes(build, case)
    build.summary.perpetrators = len(made)
    return made


def _victims(build: Builder, teams: dict[str, Team], users: dict[str, User], perpetrators: list[Key]) -> None:
    for index in range(build.count(VICTIMS)):
        hospital = build.random.random() < HOSPITAL_SHARE  # found at A&E by the hospital IDVA, not referred
        locality = LOCALITIES[index % 3]
        partner, team = (HEALTH, teams["health"]) if hospital else (COUNTY, teams[locality])
        sex = Sex.FEMALE if build.random.random() < 0.88 else Sex.MALE
        victim, details = build.person(partner, sex, age=(17, 72))
        household = build.household(partner, victim, f"{details['family_name']} household")
        perpetrator = perpetrators[index % len(perpetrators)] if index < len(perpetrators) * 2 else None
        children = build.children(partner, victim, household)
        opened = build.day_within(700)
        case = build.new_case(
            CaseKind.DOMESTIC_ABUSE_VICTIM,
            team,
            users["health" if hospital else locality],
            opened,
            "Referred after a domestic incident (synthetic)",
            household,
        )
        build.member(case, victim, CaseRole.VICTIM)
        if perpetrator is not None:
            build.member(case, perpetrator, CaseRole.PERPETRATOR)
            build.lives_in(partner, household, perpetrator, Relationship.FORMER_PARTNER)
        for child in children:
            build.member(case, child, CaseRole.CHILD)
        if not hospital:
            _gateway_referrals(build, case, victim)
        casework.consent(build, case, victim)
        casework.risk(build, case, victim)
        casework.plan(build, case, (CHILDREN_GOAL,) if children else ())
        extra = [HOSPITAL_IDVA] if hospital else []
        if children and build.random.random() < 0.5:
            extra.append(CHILDREN_SERVICE)
        casework.interventions(build, case, MENUS[case.kind], extra)
        casework.outcomes(build, case)
        casework.note(build, case, 0.3)
        build.summary.victims += 1


def _gateway_referrals(build: Builder, case: NewCase, victim: Key) -> None:
    """The referral the case was opened from, and for some a later incident added to the open case."""
    received = build.at(case.opened, 9) - dt.timedelta(hours=build.random.randint(2, 60))
    screened = [(received, ScreeningOutcome.CASE_OPENED, "")]
    later = case.opened + dt.timedelta(days=build.random.randint(20, 200))
    if build.random.random() < 0.08 and not case.closed and later < build.today:
        screened.append((build.at(later, 8), ScreeningOutcome.ADDED_TO_CASE, "A new incident; the key worker told"))
    for at, outcome, note in screened:
        build.referral(
            victim,
            at,
            reason="Domestic incident reported; risk to the victim and any children",
            consent=ReferralConsent.GIVEN if build.random.random() < 0.85 else ReferralConsent.NOT_ASKED,
            urgency=Urgency.URGENT,
            target_hours=24,
            screened_at=min(at + dt.timedelta(hours=build.random.randint(1, 30)), build.now),
            screened_by="gateway.worker@demo.wholeplace.test",
            outcome=outcome,
            outcome_note=note,
            case_id=case.key,
        )
        build.summary.referrals_screened += 1


def _families(build: Builder, teams: dict[str, Team], users: dict[str, User]) -> None:
    """Family cases with complex needs, one family team's caseload, each with a families together agreement."""
    for index in range(build.count(FAMILY_CASES)):
        locality = LOCALITIES[index % 3]
        lead, details = build.person(COUNTY, Sex.FEMALE, age=(22, 50))
        household = build.household(COUNTY, lead, f"{details['family_name']} family")
        children = build.children(COUNTY, lead, household, at_least=1)
        case = build.new_case(
            CaseKind.FAMILY,
            teams[locality],
            users[locality],
            build.day_within(600),
            "Family with complex needs: school attendance, worklessness and debt (synthetic)",
            household,
        )
        build.member(case, lead, CaseRole.OTHER)
        for child in children:
            build.member(case, child, CaseRole.CHILD)
        casework.consent(build, case, lead)
        casework.family_needs(build, case, lead)
        casework.family_agreement(build, case, lead)
        casework.plan(build, case)
        casework.interventions(build, case, MENUS[case.kind])
        casework.outcomes(build, case)
        casework.note(build, case, 0.3)


def _screened_out(build: Builder) -> None:
    """Referrals the gateway closed without a case: signposted to the core offer, or no further action."""
    for _ in range(build.count(SIGNPOSTED)):
        person, _ = build.person(COUNTY, Sex.FEMALE if build.random.random() < 0.8 else Sex.MALE, age=(17, 70))
        received = build.at(build.day_within(600), build.random.randint(7, 20))
        signposted = build.random.random() < 0.7
        build.referral(
            person,
            received,
            reason="Verbal argument reported by a neighbour; no injury",
            consent=ReferralConsent.GIVEN,
            urgency=Urgency.ROUTINE,
            target_hours=72,
            screened_at=received + dt.timedelta(hours=build.random.randint(4, 60)),
            screened_by="gateway.worker@demo.wholeplace.test",
            outcome=ScreeningOutcome.SIGNPOSTED if signposted else ScreeningOutcome.NO_FURTHER_ACTION,
            outcome_note="Given the helpline and the local outreach service" if signposted else "Below threshold",
        )
        build.summary.referrals_screened += 1


def _waiting(build: Builder) -> None:
    """Referrals in the gateway's queue now: most within their target, one in five overdue."""
    for index in range(max(6, build.count(WAITING))):
        urgency = build.random.choice([Urgency.ROUTINE, Urgency.URGENT, Urgency.URGENT, Urgency.IMMEDIATE])
        target = {Urgency.IMMEDIATE: 4, Urgency.URGENT: 24, Urgency.ROUTINE: 72}[urgency]
        overdue = index % 5 == 0
        hours = target + build.random.randint(2, 30) if overdue else build.random.uniform(0.2, target * 0.8)
        person, _ = build.person(COUNTY, Sex.FEMALE if build.random.random() < 0.85 else Sex.MALE, age=(17, 70))
        build.referral(
            person,
            build.now - dt.timedelta(hours=hours),
            reason="Domestic incident reported overnight",
            concerns="Children in the home" if build.random.random() < 0.5 else "",
            consent=ReferralConsent.GIVEN,
            urgency=urgency,
            target_hours=target,
        )
        build.summary.referrals_waiting += 1
        build.summary.referrals_overdue += overdue
