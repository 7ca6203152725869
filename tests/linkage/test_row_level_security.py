"""Row-level security on the index's tables (migration 0008), proved with plain SQL as a plain role on PostgreSQL:
a partner's analyst sees records only of partners that share with it under an agreement in force, and nothing at
all without a partner set, whatever the application code might ask."""

from __future__ import annotations

import importlib
import os
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, text

from tests.conftest import _empty_postgres
from tests.linkage.builders import COHORT_SIZE, Hub, build_hub, extracts_of, import_all, people, trained_model
from wholeplace.db import session_factory
from wholeplace.linkage import index, matching
from wholeplace.sharing.rls import grant_application_role

pytestmark = pytest.mark.postgres
ROW_RULES: dict[str, str] = importlib.import_module("wholeplace.migrations.versions.0008_master_person_index").ROW_RULES
# Roles belong to the whole server: one per test worker, so two workers never race to create it.
APP_ROLE = f"wholeplace_rls_linkage_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"
COHORT = people(COHORT_SIZE)


@pytest.fixture(scope="module")
def model() -> matching.Model:
    return trained_model(COHORT)


@pytest.fixture
def pg(postgres_engine: Engine) -> Iterator[Engine]:
    _empty_postgres(postgres_engine)
    yield postgres_engine


def counts(engine: Engine, organisation: int | None) -> dict[str, int]:
    with engine.begin() as connection:
        connection.execute(text(f"SET LOCAL ROLE {APP_ROLE}"))
        if organisation is not None:
            connection.execute(
                text("SELECT set_config('wholeplace.organisation_id', :o, true)"), {"o": str(organisation)}
            )
        return {table: connection.scalar(text(f"SELECT count(*) FROM {table}")) or 0 for table in ROW_RULES}


def test_only_partners_under_an_agreement_see_the_index_records(pg: Engine, model: matching.Model) -> None:
    with session_factory(pg)() as session, session.begin():
        hub: Hub = build_hub(session)
        import_all(session, hub, extracts_of(COHORT))
        index.run(session, hub.actor(), full=True, model=model)
        fire = hub.outsider.organisation_id
        council = hub.council.id
    with pg.begin() as connection:
        grant_application_role(connection, APP_ROLE)
    everything = {"linkage_extracts": 3, "linkage_records": 180, "linkage_pairs": 90, "linkage_decisions": 0}
    assert counts(pg, council) == everything  # the hub's agreement covers the council, police and health
    assert counts(pg, fire) == dict.fromkeys(ROW_RULES, 0)  # no agreement with the fire service
    assert counts(pg, None) == dict.fromkeys(ROW_RULES, 0)  # no partner set: nothing
    assert len(ROW_RULES) == 4
