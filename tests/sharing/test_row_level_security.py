"""Row-level security on PostgreSQL, proved with plain SQL run as a plain role (as the app must connect), never as
the superuser the tests otherwise use: no setting, no rows; one partner's setting, its rows and none of another's;
an agreement in force, an expired one and break-glass; a write into another partner refused by the policy; and the
superuser, who skips every policy, sees everything (which is why the app must never connect as one).

The two partners' records are written as the owner through the ORM, the same for each partner, so that under
either partner's setting every table of case data shows exactly half of what the owner sees.
"""

from __future__ import annotations

import datetime as dt
import importlib
import os
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import ProgrammingError

from tests.conftest import _empty_postgres
from tests.factories import make_organisation, make_user
from wholeplace.auth.model import Role
from wholeplace.business_dates import today as london_today
from wholeplace.cases.model import (
    AgencyReference,
    Assessment,
    Case,
    CaseKind,
    CaseMember,
    CaseRole,
    Household,
    HouseholdMember,
    Person,
    PlanAction,
    PlanGoal,
    Referral,
    ReferralConsent,
    Relationship,
    Urgency,
)
from wholeplace.db import session_factory
from wholeplace.partners.model import OrganisationKind, Team, TeamMember
from wholeplace.sharing.model import Consent, ConsentStatus
from wholeplace.sharing.rls import grant_application_role

ROW_RULES: dict[str, str] = importlib.import_module(
    "wholeplace.migrations.versions.0006_casework_and_sharing"
).ROW_RULES
CASE_TABLES = 21
# The tables each partner writes a row (or two) into; the other ten stay empty.
WRITTEN = {
    "people": 1,
    "agency_references": 1,
    "consents": 1,
    "households": 1,
    "household_members": 1,
    "referrals": 1,
    "cases": 1,
    "case_members": 1,
    "assessments": 1,
    "plan_goals": 1,
    "plan_actions": 1,
}

pytestmark = pytest.mark.postgres

# Roles belong to the whole server, not one database: one per test worker, so two workers never race to create it.
APP_ROLE = f"wholeplace_rls_test_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"


@pytest.fixture
def pg(postgres_engine: Engine) -> Iterator[Engine]:
    _empty_postgres(postgres_engine)
    yield postgres_engine


@dataclass(frozen=True)
class Partner:
    organisation: int
    team: int
    worker: int  # a key worker in the team
    person: int
    case: int
    household: int


@dataclass(frozen=True)
class Place:
    a: Partner  # a council
    b: Partner  # a police force


def _partner(engine: Engine, name: str, identifier: str, kind: OrganisationKind) -> Partner:
    """One partner and its casework: a person, their reference and consent, a household, a referral, and a case
    with its member, a risk checklist, a goal and an action, all written as the owner."""
    with session_factory(engine)() as session, session.begin():
        organisation = make_organisation(session, name, identifier, kind)
        team = Team(organisation_id=organisation.id, name=f"{name} team")
        session.add(team)
        session.flush()
        worker = make_user(
            session, Role.KEY_WORKER, email=f"worker@{identifier.lower()}.example", organisation=organisation
        )
        session.add(TeamMember(team_id=team.id, user_id=worker.id))
        person = Person(
            pseudonym=f"P-{identifier}", given_name=name, family_name="Synthetic", organisation_id=organisation.id
        )
        household = Household(name=f"{name} household", organisation_id=organisation.id)
        session.add_all([person, household])
        session.flush()
        case = Case(
            reference=f"DA-{identifier}",
            kind=CaseKind.DOMESTIC_ABUSE_VICTIM,
            organisation_id=organisation.id,
            team_id=team.id,
            opened_on=dt.date(2026, 1, 5),
            members=[CaseMember(person_id=person.id, role=CaseRole.VICTIM)],
        )
        session.add_all(
            [
                case,
                AgencyReference(person_id=person.id, organisation_id=organisation.id, reference=f"REF-{identifier}"),
                Consent(
                    person_id=person.id,
                    status=ConsentStatus.GIVEN,
                    purposes="case_management",
                    recorded_on=dt.date(2026, 1, 5),
                    recorded_by="test",
                ),
                HouseholdMember(
                    household_id=household.id, person_id=person.id, relationship_to_lead=Relationship.LEAD_ADULT
                ),
                Referral(
                    reference=f"R-{identifier}",
                    organisation_id=organisation.id,
                    team_id=team.id,
                    person_id=person.id,
                    source_organisation_id=organisation.id,
                    referrer="A referrer",
                    reason="Synthetic reason",
                    consent=ReferralConsent.GIVEN,
                    urgency=Urgency.ROUTINE,
                    received_at=dt.datetime(2026, 1, 5, 9, tzinfo=dt.UTC),
                    target_hours=72,
                    recorded_by="test",
                ),
            ]
        )
        session.flush()
        session.add_all(
            [
                Assessment(
                    case_id=case.id,
                    person_id=person.id,
                    checklist="dash-ric",
                    checklist_version="synthetic",
                    answers="{}",
                    yes_count=0,
                    marac=False,
                    computed_level="standard",
                    level="standard",
                    reasons="[]",
                    assessed_by="test",
                ),
                PlanGoal(case_id=case.id, description="Safe at home"),
                PlanAction(
                    case_id=case.id,
                    agency_id=organisation.id,
                    owner="A worker",
                    description="Fit a door alarm",
                    due_on=dt.date(2026, 2, 5),
                    created_by="test",
                ),
            ]
        )
        return Partner(organisation.id, team.id, worker.id, person.id, case.id, household.id)


def _place(engine: Engine) -> Place:
    place = Place(
        a=_partner(engine, "Synthetic Council", "XX-SYN-COUNCIL", OrganisationKind.UNITARY_AUTHORITY),
        b=_partner(engine, "Synthetic Constabulary", "XX-SYN-POLICE", OrganisationKind.POLICE_FORCE),
    )
    with engine.begin() as connection:
        grant_application_role(connection, APP_ROLE)
    return place


def _as_app(connection: Connection, organisation: int | None = None, user: int | None = None) -> None:
    """Become the plain role for the rest of this transaction, scoped as the app scopes it (sharing.rls.enter)."""
    connection.execute(text(f"SET LOCAL ROLE {APP_ROLE}"))
    if organisation is not None:
        connection.execute(text("SELECT set_config('wholeplace.organisation_id', :o, true)"), {"o": str(organisation)})
    if user is not None:
        connection.execute(text("SELECT set_config('wholeplace.user_id', :u, true)"), {"u": str(user)})


def _rows(connection: Connection) -> dict[str, list[dict[str, object]]]:
    """Every row of every table of case data that this transaction may see, as JSON objects."""
    return {
        table: list(connection.execute(text(f"SELECT row_to_json(t) FROM {table} t")).scalars()) for table in ROW_RULES
    }


def _case_ids(connection: Connection) -> set[int]:
    return set(connection.execute(text("SELECT id FROM cases")).scalars())


def _names_partner(table: str, row: dict[str, object], partner: Partner) -> list[str]:
    """The columns by which a row belongs to (or points into) the partner's records."""
    own_id = {"cases": partner.case, "people": partner.person, "households": partner.household}.get(table)
    points = {
        "case_id": partner.case,
        "person_id": partner.person,
        "household_id": partner.household,
        "organisation_id": partner.organisation,
        "source_organisation_id": partner.organisation,
        "agency_id": partner.organisation,
        "team_id": partner.team,
    }
    found = [column for column, value in points.items() if row.get(column) == value]
    return found + (["id"] if own_id is not None and row.get("id") == own_id else [])


def test_every_case_table_has_a_forced_policy(pg: Engine) -> None:
    with pg.connect() as connection:
        tables = connection.execute(
            text(
                "SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity, count(p.polname) FROM pg_class c"
                " LEFT JOIN pg_policy p ON p.polrelid = c.oid WHERE c.relname = ANY(:tables)"
                " AND c.relnamespace = 'public'::regnamespace"
                " GROUP BY c.relname, c.relrowsecurity, c.relforcerowsecurity"
            ),
            {"tables": list(ROW_RULES)},
        ).all()
    assert len(tables) == len(ROW_RULES) == CASE_TABLES
    assert all((enabled, forced, policies) == (True, True, 1) for _, enabled, forced, policies in tables), tables


def test_with_no_setting_a_plain_role_sees_no_row_of_any_case_table(pg: Engine) -> None:
    _place(pg)
    with pg.begin() as connection:
        owner = {table: len(rows) for table, rows in _rows(connection).items()}
        _as_app(connection)
        seen = {table: len(rows) for table, rows in _rows(connection).items()}
    assert len(seen) == CASE_TABLES
    assert {table: owner[table] for table in WRITTEN} == {table: 2 * n for table, n in WRITTEN.items()}
    assert seen == dict.fromkeys(ROW_RULES, 0)


def test_each_partners_setting_shows_its_rows_of_every_case_table_and_none_of_the_others(pg: Engine) -> None:
    place = _place(pg)
    with pg.begin() as connection:
        owner = {table: len(rows) for table, rows in _rows(connection).items()}
    walked = 0
    for mine, theirs in ((place.a, place.b), (place.b, place.a)):
        with pg.begin() as connection:
            _as_app(connection, mine.organisation)
            seen = _rows(connection)
            assert _case_ids(connection) == {mine.case}
        for table, rows in seen.items():
            walked += 1
            # half of what the owner sees (the two partners wrote the same), every row its own, none the other's
            assert 2 * len(rows) == owner[table], table
            assert len(rows) == WRITTEN.get(table, 0), table
            for row in rows:
                assert not _names_partner(table, row, theirs), (table, row)
                assert _names_partner(table, row, mine), (table, row)
    assert walked == 2 * CASE_TABLES


def _agreement(engine: Engine, place: Place, *, starts_on: dt.date, ends_on: dt.date | None) -> None:
    """An agreement between the two partners, written as the owner with plain SQL."""
    with engine.begin() as connection:
        agreement = connection.execute(
            text(
                "INSERT INTO sharing_agreements (title, purposes, categories, lawful_basis, dpia_reference, starts_on,"
                " ends_on, needs_consent, created_by, created_at) VALUES ('Synthetic', 'case_management', 'casework',"
                " 'Crime and Disorder Act 1998 s115', 'DPIA-1', :starts, :ends, false, 'test', now()) RETURNING id"
            ),
            {"starts": starts_on, "ends": ends_on},
        ).scalar_one()
        for organisation in (place.a.organisation, place.b.organisation):
            connection.execute(
                text("INSERT INTO sharing_agreement_parties (agreement_id, organisation_id) VALUES (:a, :o)"),
                {"a": agreement, "o": organisation},
            )


def test_an_agreement_in_force_shows_the_partners_case_and_an_expired_one_does_not(pg: Engine) -> None:
    place = _place(pg)
    today = dt.date.today()
    _agreement(pg, place, starts_on=today - dt.timedelta(days=100), ends_on=today - dt.timedelta(days=1))
    with pg.begin() as connection:
        _as_app(connection, place.a.organisation)
        assert _case_ids(connection) == {place.a.case}
    _agreement(pg, place, starts_on=today - dt.timedelta(days=100), ends_on=None)
    with pg.begin() as connection:
        _as_app(connection, place.a.organisation)
        assert _case_ids(connection) == {place.a.case, place.b.case}
        # the records of the case come with it
        assessed = connection.execute(text("SELECT case_id FROM assessments")).scalars()
        assert set(assessed) == {place.a.case, place.b.case}


def test_break_glass_shows_that_case_to_that_user_until_it_expires(pg: Engine) -> None:
    place = _place(pg)
    with pg.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO break_glass (user_id, case_id, reason, opened_at, expires_at)"
                " VALUES (:u, :c, 'Child at risk tonight', now(), now() + interval '4 hours')"
            ),
            {"u": place.a.worker, "c": place.b.case},
        )
    with pg.begin() as connection:
        _as_app(connection, place.a.organisation, place.a.worker)
        assert _case_ids(connection) == {place.a.case, place.b.case}
        people = connection.execute(text("SELECT id FROM people")).scalars()
        assert set(people) == {place.a.person, place.b.person}  # the people named in the case come with it
    with pg.begin() as connection:  # another user of the same partner did not break the glass
        _as_app(connection, place.a.organisation, place.b.worker)
        assert _case_ids(connection) == {place.a.case}
    with pg.begin() as connection:  # the user's setting alone, without the organisation's, shows only that case
        _as_app(connection, user=place.a.worker)
        assert _case_ids(connection) == {place.b.case}
    with pg.begin() as connection:
        connection.execute(text("UPDATE break_glass SET expires_at = now() - interval '1 minute'"))
    with pg.begin() as connection:
        _as_app(connection, place.a.organisation, place.a.worker)
        assert _case_ids(connection) == {place.a.case}


def test_a_write_into_another_partner_is_refused_by_the_policy(pg: Engine) -> None:
    place = _place(pg)
    with pytest.raises(ProgrammingError, match="row-level security"), pg.begin() as connection:
        _as_app(connection, place.a.organisation)
        connection.execute(
            text(
                "INSERT INTO cases (reference, kind, organisation_id, team_id, status, closed_reason, opened_on,"
                " summary) VALUES ('DA-FORGED', 'perpetrator', :org, :team, 'open', '', current_date, '')"
            ),
            {"org": place.b.organisation, "team": place.b.team},
        )
    with pytest.raises(ProgrammingError, match="row-level security"), pg.begin() as connection:
        _as_app(connection, place.a.organisation)  # nor may a partner hand its own case to another
        connection.execute(
            text("UPDATE cases SET organisation_id = :b WHERE id = :c"), {"b": place.b.organisation, "c": place.a.case}
        )
    with pg.begin() as connection:
        _as_app(connection, place.a.organisation)
        updated = connection.execute(text("UPDATE cases SET summary = 'changed' WHERE id = :c"), {"c": place.b.case})
        assert updated.rowcount == 0  # invisible, so untouched
        # its own case it may write
        inserted = connection.execute(
            text(
                "INSERT INTO cases (reference, kind, organisation_id, team_id, status, closed_reason, opened_on,"
                " summary) VALUES ('DA-OWN', 'perpetrator', :org, :team, 'open', '', current_date, '') RETURNING id"
            ),
            {"org": place.a.organisation, "team": place.a.team},
        )
        assert inserted.scalar_one() in _case_ids(connection)


def test_the_superuser_skips_every_policy_so_the_app_must_not_connect_as_one(pg: Engine) -> None:
    place = _place(pg)
    with pg.begin() as connection:
        me = connection.execute(text("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")).scalar_one()
        app = connection.execute(
            text("SELECT rolsuper, rolbypassrls, rolcanlogin FROM pg_roles WHERE rolname = :r"), {"r": APP_ROLE}
        ).one()
        # no setting at all, and still every partner's rows: the policies do not bind a superuser
        assert me is True
        assert _case_ids(connection) == {place.a.case, place.b.case}
        assert {table: len(rows) for table, rows in _rows(connection).items() if table in WRITTEN} == {
            table: 2 * n for table, n in WRITTEN.items()
        }
    assert tuple(app) == (False, False, True)  # the role grant_application_role made is bound by them


def test_an_agreement_in_force_in_london_today_shows_the_partners_case_whatever_the_connections_time_zone(
    pg: Engine,
) -> None:
    place = _place(pg)
    london = london_today()
    _agreement(pg, place, starts_on=london, ends_on=london)  # in force today, and only today, in London
    with pg.begin() as connection:
        # a zone whose date differs from London's at this moment: one of these always does
        zone = next(
            zone
            for zone in ("Pacific/Kiritimati", "Etc/GMT+12")
            if connection.execute(text("SELECT (now() AT TIME ZONE :z)::date"), {"z": zone}).scalar_one() != london
        )
        connection.execute(text("SELECT set_config('TimeZone', :z, true)"), {"z": zone})
        _as_app(connection, place.a.organisation)
        assert _case_ids(connection) == {place.a.case, place.b.case}
