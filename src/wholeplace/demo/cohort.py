"""The demo's casework: a SYNTHETIC cohort in the shape of the West Cheshire Safer Communities pilot (about 1,160
victims of domestic abuse and 156 known perpetrators, their children and households), placed with the Essex demo
partners: a gateway access team and three locality case management teams in the county council, the police's
public protection unit and probation's integrated offender management team.

Nobody here is real. Names, dates and addresses come from Faker's en_GB provider and a fixed seed, so the same seed
gives the same cohort; every person carries a `SYN-` reference saying so. Levels, MARAC criteria and reasons are
computed by the checklist engine from generated answers, never typed. Rows go in in bulk (this is console work by
the operator), with one audit entry for the load.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from dataclasses import dataclass

from faker import Faker
from sqlalchemy import select
from sqlalchemy.orm import Session

from wholeplace import audit
from wholeplace.auth.actor import Actor
from wholeplace.auth.model import User
from wholeplace.business_dates import today
from wholeplace.cases.casework import CASE_PREFIX, SYNTHETIC_REFERENCE
from wholeplace.cases.checklists import Answers, available_checklists, score
from wholeplace.cases.marac import referral_summary, year_before
from wholeplace.cases.model import (
    ActionStatus,
    AgencyReference,
    Assessment,
    Case,
    CaseIntervention,
    CaseKind,
    CaseMember,
    CaseNote,
    CaseOutcome,
    CaseRole,
    CaseStatus,
    FamilyAgreement,
    FamilyAgreementSignature,
    Household,
    HouseholdMember,
    Intervention,
    MaracAction,
    MaracMeeting,
    MaracReferral,
    MonitoringKind,
    MonitoringRecord,
    OutcomeKind,
    Person,
    PlanAction,
    PlanGoal,
    PlanReview,
    Referral,
    ReferralConsent,
    Relationship,
    ScreeningOutcome,
    Sex,
    Urgency,
)
from wholeplace.cases.people import normal_postcode
from wholeplace.db import utcnow
from wholeplace.demo.cohort_place import (
    COUNTY,
    HEALTH,
    LOCALITIES,
    POLICE,
    PROBATION,
    agreements,
    catalogue,
    meetings,
    teams_and_users,
)
from wholeplace.partners.model import Organisation, Team
from wholeplace.sharing.model import (
    Consent,
    ConsentStatus,
    Purpose,
)
from wholeplace.sharing.rls import enter_organisation

VICTIMS, PERPETRATORS = 1160, 156  # the pilot's cohort
FAMILY_CASES = 135  # a family team's caseload in the Essex full business case for family teams
SEED = 2013
SOURCES = (POLICE, POLICE, POLICE, HEALTH, COUNTY, PROBATION)  # who refers: mostly the police


@dataclass
class CohortSummary:
    victims: int = 0
    perpetrators: int = 0
    children: int = 0
    households: int = 0
    cases: int = 0
    referrals_waiting: int = 0
    referrals_overdue: int = 0
    assessments: int = 0
    high_risk: int = 0
    marac_referrals: int = 0
    repeats: int = 0
    overdue_actions: int = 0
    interventions_given: int = 0


class _Builder:
    """Holds the generators and what has been made, so each step reads as what the pilot did."""

    def __init__(self, session: Session, actor: Actor, seed: int, scale: float) -> None:
        self.session, self.actor, self.scale = session, actor, scale
        self.random = random.Random(seed)
        self.fake = Faker("en_GB")
        self.fake.seed_instance(seed)
        self.today = today()
        self.now = utcnow()
        self.summary = CohortSummary()
        self.partners = {o.identifier: o for o in session.scalars(select(Organisation))}
        self.reference_number = 0
        self.dash = available_checklists()["dash-ric"]

    def count(self, full: int) -> int:
        return max(1, round(full * self.scale))

    def day_within(self, days_back: int, days_forward: int = 0) -> dt.date:
        return self.today - dt.timedelta(days=self.random.randint(-days_forward, days_back))

    def person(self, organisation: Organisation, sex: Sex, *, age: tuple[int, int]) -> Person:
        fake = self.fake
        given = fake.first_name_female() if sex is Sex.FEMALE else fake.first_name_male()
        born = self.today - dt.timedelta(days=self.random.randint(age[0] * 365, age[1] * 365 + 364))
        self.reference_number += 1
        person = Person(
            pseudonym=f"P-{self.random.getrandbits(32):08X}",
            given_name=given,
            family_name=fake.last_name(),
            date_of_birth=born,
            sex=sex,
            address=fake.street_address().replace("\n", ", "),
            postcode=normal_postcode(fake.postcode()) or "CM1 1QH",
            telephone=fake.phone_number(),
            organisation_id=organisation.id,
        )
        person.references.append(
            AgencyReference(
                organisation_id=organisation.id, reference=f"{SYNTHETIC_REFERENCE}{self.reference_number:06d}"
            )
        )
        return person


def load_cohort(session: Session, actor: Actor, *, seed: int = SEED, scale: float = 1.0) -> CohortSummary:
    """Build the synthetic cohort once; a second call finds it there and changes nothing."""
    if session.scalar(select(Team.id).where(Team.is_gateway).limit(1)) is not None:
        return CohortSummary()
    build = _Builder(session, actor, seed, scale)
    teams, users = teams_and_users(session, actor, build.partners)
    agreements(session, actor, build.partners)
    menu = catalogue(session, build.partners)
    marac_meetings = meetings(session, build.partners[COUNTY], build.today)
    perpetrators = _perpetrators(build, teams, users)
    _victims(build, teams, users, perpetrators, menu, marac_meetings)
    _families(build, teams, users, menu)
    _waiting_referrals(build, teams)
    session.flush()
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
        cases=summary.cases,
    )
    return summary


def _new_case(build: _Builder, kind: CaseKind, team: Team, worker: User | None, opened: dt.date, summary: str) -> Case:
    build.summary.cases += 1
    roll = build.random.random()
    status = CaseStatus.OPEN if roll < 0.78 else CaseStatus.STEPPED_DOWN if roll < 0.9 else CaseStatus.CLOSED
    closed = status is CaseStatus.CLOSED
    return Case(
        reference=f"{CASE_PREFIX[kind]}-{opened.year}-{build.summary.cases:06d}",
        kind=kind,
        organisation_id=team.organisation_id,
        team_id=team.id,
        key_worker_id=worker.id if worker else None,
        status=status,
        closed_reason="Goals of the plan met; support ended by agreement" if closed else "",
        opened_on=opened,
        closed_on=min(build.today, opened + dt.timedelta(days=build.random.randint(60, 300))) if closed else None,
        summary=summary,
    )


def _perpetrators(build: _Builder, teams: dict[str, Team], users: dict[str, User]) -> list[Person]:
    made = []
    police, probation = build.partners[POLICE], build.partners[PROBATION]
    for index in range(build.count(PERPETRATORS)):
        enter_organisation(build.session, police.id)
        person = build.person(police, Sex.MALE if build.random.random() < 0.92 else Sex.FEMALE, age=(19, 60))
        build.session.add(person)
        made.append(person)
        offender = index % 3 == 0  # a third managed as offenders under integrated offender management
        team = teams["iom"] if offender else teams["police"]
        worker = users.get("iom" if offender else "police")
        build.session.flush()
        case = _new_case(
            build,
            CaseKind.OFFENDER if offender else CaseKind.PERPETRATOR,
            team,
            worker,
            build.day_within(700, 0),
            "Known perpetrator of domestic abuse (synthetic)",
        )
        case.members.append(CaseMember(person_id=person.id, role=CaseRole.PERPETRATOR))
        build.session.add(case)
        if offender:
            enter_organisation(build.session, probation.id)
            build.session.flush()
            kind = MonitoringKind.ELECTRONIC if build.random.random() < 0.6 else MonitoringKind.ALCOHOL
            start = case.opened_on + dt.timedelta(days=build.random.randint(0, 30))
            build.session.add(
                MonitoringRecord(
                    case_id=case.id, kind=kind, started_on=start, breaches=build.random.choice([0, 0, 0, 1, 2])
                )
            )
    build.summary.perpetrators = len(made)
    build.session.flush()
    return made


def _answers(build: _Builder) -> tuple[dict[int, str], int]:
    """Generated answers: about one in eight high risk, a quarter medium, the rest standard."""
    roll = build.random.random()
    yes = (
        build.random.randint(14, 20)
        if roll < 0.12
        else build.random.randint(10, 13)
        if roll < 0.37
        else build.random.randint(2, 9)
    )
    numbers = list(build.dash.questions)
    build.random.shuffle(numbers)
    answers = {
        n: "yes" if i < yes else build.random.choice(["no", "no", "no", "not known"]) for i, n in enumerate(numbers)
    }
    return answers, build.random.choice([0, 0, 1, 1, 2, 3, 4]) if roll < 0.5 else build.random.choice([0, 1])


def _victims(
    build: _Builder,
    teams: dict[str, Team],
    users: dict[str, User],
    perpetrators: list[Person],
    catalogue: list[tuple[Intervention, float]],
    meetings: list[MaracMeeting],
) -> None:
    session, county = build.session, build.partners[COUNTY]
    enter_organisation(session, county.id)
    gateway = teams["gateway"]
    for index in range(build.count(VICTIMS)):
        locality = LOCALITIES[index % 3]
        victim = build.person(county, Sex.FEMALE if build.random.random() < 0.88 else Sex.MALE, age=(17, 72))
        household = Household(name=f"{victim.family_name} household", organisation_id=county.id)
        session.add_all([victim, household])
        build.summary.households += 1
        session.flush()
        household.members.append(HouseholdMember(person_id=victim.id, relationship_to_lead=Relationship.LEAD_ADULT))
        perpetrator = perpetrators[index % len(perpetrators)] if index < len(perpetrators) * 2 else None
        children = _children(build, victim, household)
        opened = build.day_within(700, 0)
        case = _new_case(
            build,
            CaseKind.DOMESTIC_ABUSE_VICTIM,
            teams[locality],
            users[locality],
            opened,
            "Referred after a domestic incident (synthetic)",
        )
        case.household_id = household.id
        case.members.append(CaseMember(person_id=victim.id, role=CaseRole.VICTIM))
        if perpetrator is not None:
            case.members.append(CaseMember(person_id=perpetrator.id, role=CaseRole.PERPETRATOR))
            household.members.append(
                HouseholdMember(person_id=perpetrator.id, relationship_to_lead=Relationship.FORMER_PARTNER)
            )
        case.members.extend(CaseMember(person_id=child.id, role=CaseRole.CHILD) for child in children)
        session.add(case)
        session.flush()
        received = dt.datetime.combine(opened, dt.time(9), dt.UTC) - dt.timedelta(hours=build.random.randint(2, 60))
        session.add(
            Referral(
                reference=f"REF-{opened.year}-{index + 1:06d}",
                organisation_id=county.id,
                team_id=gateway.id,
                person_id=victim.id,
                source_organisation_id=build.partners[build.random.choice(SOURCES)].id,
                referrer=build.fake.name(),
                reason="Domestic incident reported; risk to the victim and any children",
                consent=ReferralConsent.GIVEN if build.random.random() < 0.85 else ReferralConsent.NOT_ASKED,
                urgency=Urgency.URGENT,
                received_at=received,
                target_hours=24,
                screened_at=received + dt.timedelta(hours=build.random.randint(1, 30)),
                screened_by="gateway.worker@demo.wholeplace.test",
                outcome=ScreeningOutcome.CASE_OPENED,
                case_id=case.id,
                recorded_by=build.actor.label,
            )
        )
        _consent(build, victim, opened)
        _assess(build, case, victim, meetings)
        _plan(build, case, opened)
        _interventions(build, case, catalogue, opened)
        _outcome(build, case, OutcomeKind.NO_REPEAT_INCIDENT_6_MONTHS, opened, 0.64)
        build.summary.victims += 1


def _children(build: _Builder, victim: Person, household: Household) -> list[Person]:
    children = []
    for _ in range(build.random.choice([0, 0, 1, 1, 1, 2, 2, 3])):
        child = build.person(build.partners[COUNTY], build.random.choice([Sex.FEMALE, Sex.MALE]), age=(0, 15))
        child.family_name, child.address, child.postcode = victim.family_name, victim.address, victim.postcode
        build.session.add(child)
        children.append(child)
    build.session.flush()
    household.members.extend(HouseholdMember(person_id=c.id, relationship_to_lead=Relationship.CHILD) for c in children)
    build.summary.children += len(children)
    return children


def _consent(build: _Builder, person: Person, opened: dt.date) -> None:
    roll = build.random.random()
    purposes = ",".join(p.value for p in (Purpose.CASE_MANAGEMENT, Purpose.SAFEGUARDING))
    if roll < 0.05:
        return
    first = ConsentStatus.REFUSED if roll < 0.1 else ConsentStatus.GIVEN
    build.session.add(
        Consent(
            person_id=person.id,
            status=first,
            purposes=purposes,
            recorded_on=opened,
            recorded_by="gateway.worker@demo.wholeplace.test",
        )
    )
    if 0.1 <= roll < 0.15:
        build.session.add(
            Consent(
                person_id=person.id,
                status=ConsentStatus.WITHDRAWN,
                purposes=purposes,
                recorded_on=opened + dt.timedelta(days=40),
                recorded_by="gateway.worker@demo.wholeplace.test",
            )
        )


def _assess(build: _Builder, case: Case, victim: Person, meetings: list[MaracMeeting]) -> None:
    answers, callouts = _answers(build)
    raise_it = build.random.random() < 0.04
    result = score(build.dash, Answers(answers, callouts))
    judgement = "high" if raise_it and result.computed_level != "high" else None
    reason = "Recent threats to kill reported since the checklist" if judgement else ""
    if judgement:
        result = score(build.dash, Answers(answers, callouts, judgement, reason))
    assessed = dt.datetime.combine(case.opened_on + dt.timedelta(days=build.random.randint(0, 10)), dt.time(11), dt.UTC)
    assessment = Assessment(
        case_id=case.id,
        person_id=victim.id,
        checklist=build.dash.id,
        checklist_version=build.dash.version,
        answers=json.dumps({str(n): a for n, a in sorted(answers.items())}),
        police_callouts_12_months=callouts,
        judgement=judgement,
        judgement_reason=reason,
        yes_count=result.yes_count,
        computed_level=result.computed_level,
        level=result.level,
        marac=result.marac,
        reasons=json.dumps(list(result.reasons)),
        assessed_by=case.key_worker.email if case.key_worker else "demo",
        assessed_at=min(assessed, build.now),
    )
    build.session.add(assessment)
    build.session.flush()
    build.summary.assessments += 1
    build.summary.high_risk += result.level == "high"
    if result.marac:
        _marac(build, case, victim, assessment, result.marac_criteria, meetings)


def _marac(
    build: _Builder,
    case: Case,
    victim: Person,
    assessment: Assessment,
    criteria: tuple[str, ...],
    meetings: list[MaracMeeting],
) -> None:
    referred = assessment.assessed_at.date()
    previous = None
    if build.random.random() < 0.25:  # seen at MARAC before, within the year: a repeat
        previous = MaracReferral(
            case_id=case.id,
            person_id=victim.id,
            assessment_id=assessment.id,
            referred_on=referred - dt.timedelta(days=build.random.randint(90, 300)),
            criteria="visible high risk",
            summary=referral_summary(case, assessment),
            is_repeat=False,
            referred_by="demo",
        )
        build.session.add(previous)
        build.session.flush()
    referral = MaracReferral(
        case_id=case.id,
        person_id=victim.id,
        assessment_id=assessment.id,
        referred_on=referred,
        criteria="\n".join(criteria),
        summary=referral_summary(case, assessment),
        is_repeat=previous is not None and previous.referred_on > year_before(referred),
        previous_referral_id=previous.id if previous else None,
        referred_by=assessment.assessed_by,
        meeting_id=next((m.id for m in meetings if m.held_on >= referred), None),
    )
    build.session.add(referral)
    build.session.flush()
    build.summary.marac_referrals += 1
    build.summary.repeats += referral.is_repeat
    meeting = next((m for m in meetings if m.id == referral.meeting_id), None)
    if meeting is None or meeting.held_on > build.today:
        return
    for agency, owner, text in (
        (POLICE, "Public protection unit", "Flag the address for an urgent response"),
        (COUNTY, "IDVA service", "Safety plan and target hardening"),
    ):
        due = meeting.held_on + dt.timedelta(days=build.random.randint(7, 28))
        # most actions are done; a few of the last two months' are not yet
        done = due < build.today and build.random.random() < (0.8 if due > build.today - dt.timedelta(days=60) else 1)
        build.summary.overdue_actions += due < build.today and not done
        referral.actions.append(
            MaracAction(
                agency_id=build.partners[agency].id,
                owner=owner,
                description=text,
                due_on=due,
                status=ActionStatus.DONE if done else ActionStatus.OPEN,
                done_on=due if done else None,
            )
        )


def _plan(build: _Builder, case: Case, opened: dt.date) -> None:
    goal = PlanGoal(
        case_id=case.id,
        description="Feel and be safe at home",
        created_at=dt.datetime.combine(opened, dt.time(14), dt.UTC),
    )
    build.session.add(goal)
    build.session.flush()
    for agency, text in ((POLICE, "Check the address is flagged"), (COUNTY, "Agree a safety plan with the victim")):
        due = opened + dt.timedelta(days=build.random.randint(7, 60))
        done = due < build.today and build.random.random() < 0.9
        build.session.add(
            PlanAction(
                case_id=case.id,
                goal_id=goal.id,
                agency_id=build.partners[agency].id,
                owner="Named officer",
                description=text,
                due_on=due,
                status=ActionStatus.DONE if done else ActionStatus.OPEN,
                done_on=due if done else None,
                created_by="demo",
                created_at=dt.datetime.combine(opened, dt.time(14), dt.UTC),
            )
        )
    review_on = opened + dt.timedelta(days=42)
    if review_on < build.today:
        build.session.add(
            PlanReview(
                case_id=case.id,
                reviewed_on=review_on,
                summary="Plan on track; actions done",
                next_review_on=review_on + dt.timedelta(days=42),
                reviewed_by="demo",
            )
        )


def _interventions(build: _Builder, case: Case, catalogue: list[tuple[Intervention, float]], opened: dt.date) -> None:
    chosen = build.random.sample(catalogue[:9], k=build.random.choice([1, 1, 2, 3]))
    for intervention, success in chosen:
        started = opened + dt.timedelta(days=build.random.randint(1, 20))
        ended = started + dt.timedelta(days=build.random.randint(20, 120))
        finished = ended < build.today
        offered = build.random.randint(4, 12)
        build.session.add(
            CaseIntervention(
                case_id=case.id,
                intervention_id=intervention.id,
                started_on=started,
                ended_on=ended if finished else None,
                units=build.random.randint(1, 6)
                if "week" in intervention.unit or "session" in intervention.unit
                else 1,
                sessions_offered=offered,
                sessions_attended=build.random.randint(offered // 2, offered),
                achieved=(build.random.random() < success) if finished else None,
            )
        )
        build.summary.interventions_given += 1


def _outcome(build: _Builder, case: Case, kind: OutcomeKind, opened: dt.date, chance: float) -> None:
    known_on = opened + dt.timedelta(days=183 if kind is not OutcomeKind.NO_REOFFENCE_12_MONTHS else 365)
    if known_on <= build.today:
        build.session.add(
            CaseOutcome(
                case_id=case.id,
                kind=kind,
                achieved=build.random.random() < chance,
                recorded_on=known_on,
                recorded_by="demo",
            )
        )


def _families(
    build: _Builder, teams: dict[str, Team], users: dict[str, User], catalogue: list[tuple[Intervention, float]]
) -> None:
    """Family cases with complex needs, one family team's caseload, with a families together agreement."""
    session, county = build.session, build.partners[COUNTY]
    for index in range(build.count(FAMILY_CASES)):
        locality = LOCALITIES[index % 3]
        lead = build.person(county, Sex.FEMALE, age=(22, 50))
        household = Household(name=f"{lead.family_name} family", organisation_id=county.id)
        session.add_all([lead, household])
        build.summary.households += 1
        session.flush()
        household.members.append(HouseholdMember(person_id=lead.id, relationship_to_lead=Relationship.LEAD_ADULT))
        children = _children(build, lead, household) or _children(build, lead, household)
        opened = build.day_within(600, 0)
        case = _new_case(
            build,
            CaseKind.FAMILY,
            teams[locality],
            users[locality],
            opened,
            "Family with complex needs: school attendance, worklessness and debt (synthetic)",
        )
        case.household_id = household.id
        case.members.append(CaseMember(person_id=lead.id, role=CaseRole.OTHER))
        case.members.extend(CaseMember(person_id=child.id, role=CaseRole.CHILD) for child in children)
        session.add(case)
        session.flush()
        agreement = FamilyAgreement(
            case_id=case.id,
            family_commitment="Children at school every day; meet the key worker weekly",
            agencies_commitment="One key worker and one plan; help with debt and housing",
            signed_on=opened + dt.timedelta(days=14),
            recorded_by="demo",
        )
        agreement.signatures.append(
            FamilyAgreementSignature(
                person_id=lead.id, agreed_to="Everything in the plan", signed_on=agreement.signed_on
            )
        )
        session.add(agreement)
        _plan(build, case, opened)
        _interventions(build, case, catalogue[5:9], opened)
        _outcome(build, case, OutcomeKind.SCHOOL_ATTENDANCE_90, opened, 0.58)
        _outcome(build, case, OutcomeKind.CHILD_PROTECTION_PLAN_AVOIDED, opened, 0.8)
        if build.random.random() < 0.3:
            session.add(
                CaseNote(
                    case_id=case.id,
                    written_by="demo",
                    text="Home visit: family engaging well",
                    written_at=dt.datetime.combine(opened + dt.timedelta(days=7), dt.time(16), dt.UTC),
                )
            )


def _waiting_referrals(build: _Builder, teams: dict[str, Team]) -> None:
    """Referrals in the gateway queue now: most within their target, a few overdue."""
    session, county, gateway = build.session, build.partners[COUNTY], teams["gateway"]
    for index in range(max(6, build.count(24))):
        urgency = build.random.choice([Urgency.ROUTINE, Urgency.URGENT, Urgency.URGENT, Urgency.IMMEDIATE])
        target = {Urgency.IMMEDIATE: 4, Urgency.URGENT: 24, Urgency.ROUTINE: 72}[urgency]
        overdue = index % 5 == 0
        hours = target + build.random.randint(2, 30) if overdue else build.random.uniform(0.2, target * 0.8)
        person = build.person(county, Sex.FEMALE if build.random.random() < 0.85 else Sex.MALE, age=(17, 70))
        session.add(person)
        session.flush()
        session.add(
            Referral(
                reference=f"REF-{build.today.year}-W{index + 1:05d}",
                organisation_id=county.id,
                team_id=gateway.id,
                person_id=person.id,
                source_organisation_id=build.partners[build.random.choice(SOURCES)].id,
                referrer=build.fake.name(),
                reason="Domestic incident reported overnight",
                concerns="Children in the home" if build.random.random() < 0.5 else "",
                consent=ReferralConsent.GIVEN,
                urgency=urgency,
                received_at=build.now - dt.timedelta(hours=hours),
                target_hours=target,
                recorded_by=build.actor.label,
            )
        )
        build.summary.referrals_waiting += 1
        build.summary.referrals_overdue += overdue
