"""Row-level security on PostgreSQL, proved with plain SQL run as a plain role (as the app must connect), never as
the superuser the tests otherwise use: no setting, no rows; one partner's setting, none of another's rows; an
agreement in force, an expired one and break-glass; a write into another partner refused by the policy."""

from __future__ import annotations

import datetime as dt
import importlib
import os
from collections.abc import Iterator

import pytest
from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import ProgrammingError
from sqlalchemy.orm import Session

from tests.cases.builders import Place, build_place, refer
from tests.conftest import _empty_postgres
from wholeplace.cases import gateway
from wholeplace.cases.assessments import record_assessment
from wholeplace.cases.model import CaseKind, ScreeningOutcome
from wholeplace.cases.plans import ActionIn, add_action
from wholeplace.db import session_factory
from wholeplace.sharing.rls import grant_application_role

ROW_RULES: dict[str, str] = importlib.import_module(
    "wholeplace.migrations.versions.0006_casework_and_sharing"
).ROW_RULES

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg(postgres_engine: Engine) -> Iterator[Engine]:
    _empty_postgres(postgres_engine)
    yield postgres_engine


# Roles belong to the whole server: one per test worker, so that two workers never race to create the same one.
APP_ROLE = f"wholeplace_rls_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"


def _open_case(session: Session, place: Place, team_id: int, given: str) -> int:
    referral = refer(session, place, given=given)
    screened = gateway.screen(
        session,
        place.actor(place.gateway_worker),
        referral.id,
        gateway.Screening(ScreeningOutcome.CASE_OPENED, case_kind=CaseKind.DOMESTIC_ABUSE_VICTIM, team_id=team_id),
    )
    assert screened.case_id is not None
    return screened.case_id


def _two_partners(engine: Engine) -> tuple[Place, int, int]:
    """A council case (with an assessment and a plan action) and a police case, written as the owner."""
    with session_factory(engine)() as session, session.begin():
        place = build_place(session)
        council_case = _open_case(session, place, place.north.id, "Council")
        person = session.execute(text("SELECT person_id FROM case_members WHERE case_id = :c"), {"c": council_case})
        answers = {n: "yes" if n <= 15 else "no" for n in range(1, 25)}
        record_assessment(
            session, place.actor(place.key_worker), council_case, person.scalar_one(), "dash-ric", answers
        )
        add_action(
            session,
            place.actor(place.key_worker),
            council_case,
            ActionIn(agency="XX-SYN-POLICE", owner="PC Owner", description="Flag the address", due_on=dt.date.today()),
        )
        police_case = _open_case(session, place, place.north.id, "Police")
        session.execute(
            text("UPDATE cases SET organisation_id = :org, team_id = :team WHERE id = :case"),
            {"org": place.police.id, "team": place.police_team.id, "case": police_case},
        )
    with engine.begin() as connection:
        grant_application_role(connection, APP_ROLE)
    return place, council_case, police_case


def _as_app(connection: Connection, organisation: int | None = None, user: int | None = None) -> None:
    connection.execute(text(f"SET LOCAL ROLE {APP_ROLE}"))
    if organisation is not None:
        connection.execute(text("SELECT set_config('wholeplace.organisation_id', :o, true)"), {"o": str(organisation)})
    if user is not None:
        connection.execute(text("SELECT set_config('wholeplace.user_id', :u, true)"), {"u": str(user)})


def _counts(connection: Connection) -> dict[str, int]:
    return {table: connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one() for table in ROW_RULES}


def _case_ids(connection: Connection) -> set[int]:
    return set(connection.execute(text("SELECT id FROM cases")).scalars())


def test_with_no_setting_a_plain_role_sees_no_row_of_any_case_table(pg: Engine) -> None:
    _two_partners(pg)
    with pg.begin() as connection:
        owner = _counts(connection)
        _as_app(connection)
        seen = _counts(connection)
    assert len(seen) == 21
    assert owner["cases"] == 2 and owner["people"] == 2 and owner["assessments"] == 1 and owner["plan_actions"] == 1
    assert seen == dict.fromkeys(ROW_RULES, 0)


def test_one_partners_setting_shows_its_rows_and_none_of_anothers(pg: Engine) -> None:
    place, council_case, police_case = _two_partners(pg)
    with pg.begin() as connection:
        _as_app(connection, place.council.id)
        assert _case_ids(connection) == {council_case}
        assert connection.execute(text("SELECT count(*) FROM assessments")).scalar_one() == 1
        assert connection.execute(text("SELECT count(*) FROM plan_actions")).scalar_one() == 1
        members = connection.execute(text("SELECT case_id FROM case_members")).scalars().all()
        assert set(members) == {council_case}
    with pg.begin() as connection:
        _as_app(connection, place.police.id)
        assert _case_ids(connection) == {police_case}
        assert connection.execute(text("SELECT count(*) FROM assessments")).scalar_one() == 0
        assert connection.execute(text("SELECT count(*) FROM plan_actions")).scalar_one() == 0
        # the police made both referrals, so they see them and the people they named: no more
        assert connection.execute(text("SELECT count(*) FROM referrals")).scalar_one() == 2


def _agreement(engine: Engine, place: Place, *, ends_on: dt.date | None) -> None:
    with engine.begin() as connection:
        agreement = connection.execute(
            text(
                "INSERT INTO sharing_agreements (title, purposes, categories, lawful_basis, dpia_reference, starts_on,"
                " ends_on, needs_consent, created_by, created_at) VALUES ('Synthetic', 'case_management', 'casework',"
                " 'Crime and Disorder Act 1998 s115', 'DPIA-1', :starts, :ends, false, 'test', now()) RETURNING id"
            ),
            {"starts": dt.date.today() - dt.timedelta(days=100), "ends": ends_on},
        ).scalar_one()
        for organisation in (place.council.id, place.police.id):
            connection.execute(
                text("INSERT INTO sharing_agreement_parties (agreement_id, organisation_id) VALUES (:a, :o)"),
                {"a": agreement, "o": organisation},
            )


def test_an_agreement_in_force_shows_the_partners_case_and_an_expired_one_does_not(pg: Engine) -> None:
    place, council_case, police_case = _two_partners(pg)
    _agreement(pg, place, ends_on=dt.date.today() - dt.timedelta(days=1))
    with pg.begin() as connection:
        _as_app(connection, place.council.id)
        assert _case_ids(connection) == {council_case}
    _agreement(pg, place, ends_on=None)
    with pg.begin() as connection:
        _as_app(connection, place.council.id)
        assert _case_ids(connection) == {council_case, police_case}


def test_break_glass_shows_that_case_to_that_user_until_it_expires(pg: Engine) -> None:
    place, council_case, police_case = _two_partners(pg)
    with pg.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO break_glass (user_id, case_id, reason, opened_at, expires_at)"
                " VALUES (:u, :c, 'Child at risk tonight', now(), now() + interval '4 hours')"
            ),
            {"u": place.key_worker.id, "c": police_case},
        )
    with pg.begin() as connection:
        _as_app(connection, place.council.id, place.key_worker.id)
        assert _case_ids(connection) == {council_case, police_case}
    with pg.begin() as connection:
        _as_app(connection, place.council.id, place.south_worker.id)
        assert _case_ids(connection) == {council_case}
    with pg.begin() as connection:
        connection.execute(text("UPDATE break_glass SET expires_at = now() - interval '1 minute'"))
    with pg.begin() as connection:
        _as_app(connection, place.council.id, place.key_worker.id)
        assert _case_ids(connection) == {council_case}


def test_a_write_into_another_partner_is_refused_by_the_policy_and_the_superuser_skips_it(pg: Engine) -> None:
    place, council_case, police_case = _two_partners(pg)
    with pytest.raises(ProgrammingError, match="row-level security"), pg.begin() as connection:
        _as_app(connection, place.council.id)
        connection.execute(
            text(
                "INSERT INTO cases (reference, kind, organisation_id, team_id, status, closed_reason, opened_on,"
                " summary) VALUES ('DA-FORGED', 'perpetrator', :org, :team, 'open', '', current_date, '')"
            ),
            {"org": place.police.id, "team": place.police_team.id},
        )
    with pg.begin() as connection:
        _as_app(connection, place.council.id)
        updated = connection.execute(text("UPDATE cases SET summary = 'changed' WHERE id = :c"), {"c": police_case})
        assert updated.rowcount == 0  # invisible, so untouched
    with pg.begin() as connection:  # why the app must never connect as a superuser: it sees every partner's rows
        assert _case_ids(connection) == {council_case, police_case}
