"""The demo's synthetic casework cohort: the pilot's shape, the same for the same seed, every level computed by the
checklist engine, every person marked synthetic, and content for every casework page. A small cohort (scale 0.05)
is loaded fresh on each database; the full cohort is the one the demo loads (the `demo_session` template)."""

from __future__ import annotations

import hashlib
import json

import pytest
from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session
from sqlalchemy.sql import Select

from tests.conftest import _empty_postgres
from wholeplace import business_dates
from wholeplace.audit import AuditEntry, unit_of_work
from wholeplace.auth.actor import Actor
from wholeplace.cases.checklists import Answers, available_checklists, score
from wholeplace.cases.model import (
    ActionStatus,
    AgencyReference,
    Assessment,
    Case,
    CaseIntervention,
    CaseKind,
    CaseMember,
    CaseOutcome,
    CaseRole,
    Intervention,
    MaracAction,
    MaracReferral,
    MonitoringRecord,
    Person,
    PlanAction,
    Referral,
)
from wholeplace.db import session_factory, utcnow
from wholeplace.demo.cohort import PERPETRATORS, VICTIMS, CohortSummary, load_cohort
from wholeplace.partners.model import Team
from wholeplace.sharing.model import Consent, ConsentStatus, SharingAgreement
from wholeplace.sharing.rls import grant_application_role

SMALL = 0.05


def _count(session: Session, statement: Select) -> int:  # type: ignore[type-arg]
    return session.scalar(select(func.count()).select_from(statement.subquery())) or 0


def _victims(session: Session) -> int:
    return _count(session, select(CaseMember.person_id).where(CaseMember.role == CaseRole.VICTIM).distinct())


def _perpetrator_cases(session: Session) -> int:
    return _count(session, select(Case.id).where(Case.kind.in_([CaseKind.PERPETRATOR, CaseKind.OFFENDER])))


def _load_partners(session: Session) -> None:
    from wholeplace.demo.load import DATA, load_areas
    from wholeplace.partners import service as partners_service

    load_areas(session)
    text_ = (DATA / "partners.csv").read_text(encoding="utf-8")
    partners_service.import_organisations(session, Actor.console(), text=text_, filename="partners.csv")


def _load_small(engine: Engine, seed: int = 2013) -> CohortSummary:
    with unit_of_work(session_factory(engine)) as session:
        _load_partners(session)
    with unit_of_work(session_factory(engine)) as session:
        return load_cohort(session, Actor.console(), seed=seed, scale=SMALL)


def _every_level_is_the_engines(session: Session) -> int:
    """Score each stored checklist's answers again; everything computed must be what the engine gives."""
    checklists, checked = available_checklists(), 0
    for assessment in session.scalars(select(Assessment)):
        answers = {int(n): a for n, a in json.loads(assessment.answers).items()}
        callouts, judgement, reason = (
            assessment.police_callouts_12_months,
            assessment.judgement,
            assessment.judgement_reason,
        )
        result = score(checklists[assessment.checklist], Answers(answers, callouts, judgement, reason))
        stored = (assessment.yes_count, assessment.computed_level, assessment.level, assessment.marac)
        assert (result.yes_count, result.computed_level, result.level, result.marac) == stored
        assert json.loads(assessment.reasons) == list(result.reasons)
        assert assessment.checklist_version == checklists[assessment.checklist].version
        checked += 1
    return checked


def _everyone_is_synthetic(session: Session) -> int:
    people = session.scalar(select(func.count()).select_from(Person)) or 0
    marked = session.scalar(
        select(func.count(func.distinct(AgencyReference.person_id))).where(AgencyReference.reference.like("SYN-%"))
    )
    assert people == marked
    return people


def test_a_small_cohort_has_the_pilots_shape_and_every_kind_of_record(engine: Engine) -> None:
    summary = _load_small(engine)

    with session_factory(engine)() as session:
        victims, perpetrators = _victims(session), _perpetrator_cases(session)
        assert (victims, perpetrators) == (round(VICTIMS * SMALL), round(PERPETRATORS * SMALL)) == (58, 8)
        assert (summary.victims, summary.perpetrators) == (victims, perpetrators)
        assert abs(victims / perpetrators - 1160 / 156) < 0.2  # 7.4 victims to each known perpetrator
        assert _everyone_is_synthetic(session) > victims + perpetrators
        assert _every_level_is_the_engines(session) == summary.assessments > victims
        teams = set(session.scalars(select(Team.name)))
        assert {"Gateway access team", "North Essex locality team", "Mid Essex locality team"} <= teams
        assert {"South Essex locality team", "Public protection unit", "Hospital IDVA service"} <= teams
        assert session.scalar(select(func.count()).select_from(Intervention)) == 12
        needing_consent = session.scalars(select(SharingAgreement.needs_consent)).all()
        assert sorted(needing_consent) == [False, True]
        statuses = set(session.scalars(select(Consent.status)))
        assert {ConsentStatus.GIVEN, ConsentStatus.WITHDRAWN} <= statuses
        waiting = session.scalars(select(Referral).where(Referral.screened_at.is_(None))).all()
        overdue = [r for r in waiting if (utcnow() - r.received_at).total_seconds() > r.target_hours * 3600]
        screened = _count(session, select(Referral.id).where(Referral.screened_at.is_not(None)))
        assert (len(waiting), len(overdue)) == (summary.referrals_waiting, summary.referrals_overdue) == (6, 2)
        assert screened == summary.referrals_screened > victims * 0.8
        assert _count(session, select(MaracReferral.id)) == summary.marac_referrals > 0
        for table in (PlanAction, CaseIntervention, CaseOutcome, MonitoringRecord):
            assert _count(session, select(table.id)) > 0, table.__tablename__
        loads = session.scalars(select(AuditEntry.action).where(AuditEntry.action.like("demo.%"))).all()
        assert loads == ["demo.cohort_loaded"]  # one entry for the load, not one per row

    with unit_of_work(session_factory(engine)) as session:
        assert load_cohort(session, Actor.console(), scale=SMALL) == CohortSummary()  # a second load adds nothing
    with session_factory(engine)() as session:
        assert _victims(session) == victims


@pytest.mark.postgres
def test_the_cohort_loads_as_a_plain_role_under_row_level_security(postgres_engine: Engine, worker: str) -> None:
    """Each partner's rows are written under that partner's setting, so the policies pass them without a superuser."""
    _empty_postgres(postgres_engine)
    with unit_of_work(session_factory(postgres_engine)) as session:
        _load_partners(session)
    role = f"wholeplace_cohort_{worker}"
    with postgres_engine.begin() as connection:
        grant_application_role(connection, role)

    with unit_of_work(session_factory(postgres_engine)) as session:
        session.execute(text(f"SET LOCAL ROLE {role}"))
        summary = load_cohort(session, Actor.console(), scale=SMALL)

    with session_factory(postgres_engine)() as session:
        assert (_victims(session), _perpetrator_cases(session)) == (summary.victims, summary.perpetrators) == (58, 8)
        assert _count(session, select(Case.id)) == summary.cases


def _digest(engine: Engine) -> str:
    with session_factory(engine)() as session:
        people = session.execute(
            select(Person.given_name, Person.family_name, Person.date_of_birth).order_by(Person.id)
        ).all()
        levels = session.scalars(select(Assessment.level).order_by(Assessment.id)).all()
    return hashlib.sha256(repr((people, levels)).encode()).hexdigest()


def test_the_same_seed_gives_the_same_cohort_and_another_seed_another(engine: Engine) -> None:
    """A small cohort loaded into an empty database, emptied, and loaded again: the same people and levels."""
    digests = []
    for seed in (2013, 2013, 2014):
        _load_small(engine, seed)
        digests.append(_digest(engine))
        _clear(engine)
    assert digests[0] == digests[1] != digests[2]


def _clear(engine: Engine) -> None:
    from wholeplace.db import Base

    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(text("SET LOCAL session_replication_role = replica"))
        for table in reversed(Base.metadata.sorted_tables):
            if table.name not in ("audit_entries", "audit_head"):  # append-only; the chain carries on
                connection.execute(table.delete())


def test_the_demo_holds_the_pilots_cohort_of_1160_victims_and_156_perpetrators(demo_session: Session) -> None:
    assert (_victims(demo_session), _perpetrator_cases(demo_session)) == (VICTIMS, PERPETRATORS) == (1160, 156)
    teams = demo_session.scalars(select(Team.name)).all()
    assert "Gateway access team" in teams and sum("locality team" in name for name in teams) == 3
    children = _count(demo_session, select(CaseMember.person_id).where(CaseMember.role == CaseRole.CHILD).distinct())
    assert 1400 < children < 1900  # about 1.4 to each victim and family


def test_every_person_is_marked_synthetic_and_every_level_is_the_engines(demo_session: Session) -> None:
    assert _everyone_is_synthetic(demo_session) > 2500
    assert _every_level_is_the_engines(demo_session) > VICTIMS
    dash = select(Assessment).where(Assessment.checklist == "dash-ric")
    high = _count(demo_session, dash.where(Assessment.level == "high"))
    assert 0.10 <= high / _count(demo_session, dash) <= 0.15  # about one in eight high risk


def test_every_casework_page_has_content_waiting_overdue_repeat_and_done(demo_session: Session) -> None:
    waiting = demo_session.scalars(select(Referral).where(Referral.screened_at.is_(None))).all()
    overdue = [r for r in waiting if (utcnow() - r.received_at).total_seconds() > r.target_hours * 3600]
    assert (len(waiting), len(overdue)) == (24, 5)
    screened = _count(demo_session, select(Referral.id).where(Referral.screened_at.is_not(None)))
    assert screened > VICTIMS * 0.9
    repeats = _count(demo_session, select(MaracReferral.id).where(MaracReferral.is_repeat))
    assert repeats > 20
    first = demo_session.scalars(
        select(MaracReferral).where(MaracReferral.is_repeat).order_by(MaracReferral.id).limit(1)
    ).one()
    previous = demo_session.get(MaracReferral, first.previous_referral_id)
    assert previous is not None and previous.case_id == first.case_id and previous.referred_on < first.referred_on
    today = business_dates.today()
    overdue_actions = select(MaracAction.id).where(MaracAction.status == ActionStatus.OPEN, MaracAction.due_on < today)
    assert _count(demo_session, overdue_actions) > 0
    assert _count(demo_session, select(MaracAction.id).where(MaracAction.status == ActionStatus.DONE)) > 100
