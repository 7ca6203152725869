"""The demo's synthetic casework cohort: the pilot's shape, the same for the same seed, every level computed by the
checklist engine, every person marked synthetic, and content for every casework page."""

from __future__ import annotations

import hashlib
import json

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from wholeplace.audit import unit_of_work
from wholeplace.auth.actor import Actor
from wholeplace.cases.checklists import Answers, available_checklists, score
from wholeplace.cases.model import (
    ActionStatus,
    AgencyReference,
    Assessment,
    Case,
    CaseKind,
    CaseMember,
    CaseRole,
    MaracAction,
    MaracReferral,
    Person,
    Referral,
)
from wholeplace.db import session_factory, utcnow
from wholeplace.demo.cohort import PERPETRATORS, VICTIMS, load_cohort
from wholeplace.partners.model import Team


def _count(session: Session, statement) -> int:  # type: ignore[no-untyped-def]
    return session.scalar(select(func.count()).select_from(statement.subquery())) or 0


def test_the_demo_holds_the_pilots_cohort_of_1160_victims_and_156_perpetrators(demo_session: Session) -> None:
    victims = _count(demo_session, select(CaseMember.person_id).where(CaseMember.role == CaseRole.VICTIM).distinct())
    perpetrator_cases = select(Case.id).where(Case.kind.in_([CaseKind.PERPETRATOR, CaseKind.OFFENDER]))
    assert (victims, _count(demo_session, perpetrator_cases)) == (VICTIMS, PERPETRATORS) == (1160, 156)
    teams = demo_session.scalars(select(Team.name).order_by(Team.name)).all()
    assert "Gateway access team" in teams and sum("locality team" in name for name in teams) == 3
    children = _count(demo_session, select(CaseMember.person_id).where(CaseMember.role == CaseRole.CHILD).distinct())
    assert children > 1000


def test_every_person_is_marked_synthetic_and_every_level_is_the_engines(demo_session: Session) -> None:
    people = demo_session.scalar(select(func.count()).select_from(Person))
    marked = demo_session.scalar(
        select(func.count(func.distinct(AgencyReference.person_id))).where(AgencyReference.reference.like("SYN-%"))
    )
    assert people == marked and people > 2500
    dash = available_checklists()["dash-ric"]
    checked = 0
    for assessment in demo_session.scalars(select(Assessment)):
        answers = {int(n): a for n, a in json.loads(assessment.answers).items()}
        given = Answers(
            answers, assessment.police_callouts_12_months, assessment.judgement, assessment.judgement_reason
        )
        result = score(dash, given)
        assert (result.level, result.yes_count, result.marac) == (
            assessment.level,
            assessment.yes_count,
            assessment.marac,
        )
        checked += 1
    assert checked == VICTIMS
    high = demo_session.scalar(select(func.count()).select_from(Assessment).where(Assessment.level == "high")) or 0
    assert 0.10 <= high / checked <= 0.20


def test_every_casework_page_has_content_waiting_overdue_repeat_and_done(demo_session: Session) -> None:
    waiting = demo_session.scalars(select(Referral).where(Referral.screened_at.is_(None))).all()
    overdue = [r for r in waiting if (utcnow() - r.received_at).total_seconds() / 3600 > r.target_hours]
    assert len(waiting) == 24 and len(overdue) == 5
    assert (
        demo_session.scalar(select(func.count()).select_from(Referral).where(Referral.screened_at.is_not(None)))
        == VICTIMS
    )
    repeats = demo_session.scalar(select(func.count()).select_from(MaracReferral).where(MaracReferral.is_repeat)) or 0
    assert repeats > 20
    open_actions = select(MaracAction).where(MaracAction.status == ActionStatus.OPEN)
    assert _count(demo_session, open_actions) > 0


def _digest(engine: Engine) -> str:
    with session_factory(engine)() as session:
        rows = session.execute(
            select(Person.given_name, Person.family_name, Person.date_of_birth).order_by(Person.id)
        ).all()
        levels = session.scalars(select(Assessment.level).order_by(Assessment.id)).all()
    return hashlib.sha256(repr((rows, levels)).encode()).hexdigest()


def test_the_same_seed_gives_the_same_cohort(engine: Engine) -> None:
    """A small cohort loaded into an empty database twice over (a fresh copy each time) is identical."""
    digests = []
    for _ in range(2):
        with unit_of_work(session_factory(engine)) as session:
            _load_partners(session)
            load_cohort(session, Actor.console(), scale=0.02)
        digests.append(_digest(engine))
        _clear(engine)
    assert digests[0] == digests[1]


def _load_partners(session: Session) -> None:
    from wholeplace.demo.load import DATA, load_areas
    from wholeplace.partners import service as partners_service

    load_areas(session)
    text = (DATA / "partners.csv").read_text(encoding="utf-8")
    partners_service.import_organisations(session, Actor.console(), text=text, filename="partners.csv")


def _clear(engine: Engine) -> None:
    from wholeplace.db import Base

    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.exec_driver_sql("SET LOCAL session_replication_role = replica")
        for table in reversed(Base.metadata.sorted_tables):
            if table.name not in ("audit_entries", "audit_head"):
                connection.execute(table.delete())
