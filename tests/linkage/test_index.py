"""The index in the database: extracts in, full and incremental runs, identifiers kept, analysts' rulings kept.

Runs on SQLite and on PostgreSQL. The model is trained once for the module (no database needed) and reused,
as a saved model.json is; one test trains its own to show a full run does.
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.linkage.builders import (
    COHORT_SIZE,
    Hub,
    build_hub,
    extract,
    extracts_of,
    import_all,
    people,
    row,
    trained_model,
)
from wholeplace.audit import AuditEntry
from wholeplace.linkage import index, matching, review
from wholeplace.linkage.model import IdentityEvent, IndexPerson, LinkageRecord, PersonStatus, Verdict
from wholeplace.problems import AccessRefused, InvalidInput

COHORT = people(COHORT_SIZE)


@pytest.fixture(scope="module")
def model() -> matching.Model:
    return trained_model(COHORT)


def identifiers(session: Session) -> dict[tuple[str, str], str]:
    return {
        (record.source, record.agency_ref): record.person_id or "" for record in session.scalars(select(LinkageRecord))
    }


def linked(session: Session, hub: Hub, model: matching.Model) -> dict[tuple[str, str], str]:
    import_all(session, hub, extracts_of(COHORT))
    index.run(session, hub.actor(), full=True, model=model)
    return identifiers(session)


def test_a_full_run_finds_each_synthetic_person_once_across_three_agencies(session: Session, model) -> None:
    hub = build_hub(session)
    ids = linked(session, hub, model)
    assert len(ids) == sum(len(rows) for rows in extracts_of(COHORT).values()) == 180
    by_person: dict[str, set[int]] = {}
    for (_, reference), person_id in ids.items():
        by_person.setdefault(person_id, set()).add(int(reference[3:]))
    # every identifier holds one synthetic person's records, and each person has one identifier
    assert all(len(numbers) == 1 for numbers in by_person.values())
    assert len(by_person) == len({number for numbers in by_person.values() for number in numbers}) == 90
    published = session.scalar(
        select(func.count()).select_from(IndexPerson).where(IndexPerson.status == PersonStatus.PUBLISHED)
    )
    assert published == 90


def test_relinking_after_a_new_extract_and_a_cannot_link_leaves_every_other_identifier_alone(
    session: Session, model
) -> None:
    hub = build_hub(session)
    before = linked(session, hub, model)
    # a new extract: person 4's later record at the health trust, and someone never seen before
    newcomer = people(1, seed=99)[0]
    rows = [row(COHORT[4], "health-trust", agency_ref="HEA90004"), row(newcomer, "health-trust", agency_ref="HEA99999")]
    index.import_extract(
        session,
        hub.actor(),
        data=extract(rows),
        filename="health-december.csv",
        organisation_id=hub.health.id,
        source="health-trust",
        received_on=dt.date(2026, 12, 1),
    )
    summary = index.run(session, hub.actor())
    assert summary.run.kind == "incremental" and summary.run.records_linked == 2
    after = identifiers(session)
    assert {key: after[key] for key in before} == before  # nobody already in the index changed
    assert after[("health-trust", "HEA90004")] == before[("essex-police", "ESS00004")]
    assert after[("health-trust", "HEA99999")] not in before.values()
    # an analyst rules that the police record of person 4 is someone else
    police, council = (
        session.scalars(select(LinkageRecord).where(LinkageRecord.agency_ref == ref)).one()
        for ref in ("ESS00004", "COU00004")
    )
    kept = police.person_id
    decision, ruling = review.rule(
        session,
        hub.actor(),
        left_id=police.id,
        right_id=council.id,
        verdict=Verdict.DIFFERENT,
        reason="Different dates of birth on the custody record",
    )
    now = identifiers(session)
    changed = {key for key in now if now[key] != after[key]}
    assert changed <= {("essex-police", "ESS00004"), ("county-social-care", "COU00004"), ("health-trust", "HEA90004")}
    assert len(changed) >= 1
    assert now[("essex-police", "ESS00004")] != now[("county-social-care", "COU00004")]
    (split,) = session.scalars(select(IdentityEvent).where(IdentityEvent.kind == "split")).all()
    assert split.person_id == kept and split.cause == f"Decision {decision.id}: different people"
    assert split.related == [identifier for identifier in {now[key] for key in changed} - {kept}]
    assert ruling.events == {"split": 1}
    # a full re-link respects the ruling too
    index.run(session, hub.actor(), full=True, model=model)
    again = identifiers(session)
    assert again[("essex-police", "ESS00004")] != again[("county-social-care", "COU00004")]
    assert again == now
    # withdrawing the ruling undoes the split, and the audit trail has both
    review.withdraw(session, hub.actor(), decision_id=decision.id, reason="Custody record corrected")
    undone = identifiers(session)
    assert undone[("essex-police", "ESS00004")] == undone[("county-social-care", "COU00004")]
    actions = session.scalars(select(AuditEntry.action).where(AuditEntry.action.like("linkage.%"))).all()
    assert actions.count("linkage.decided") == 1 and actions.count("linkage.decision_withdrawn") == 1


def test_a_changed_record_relinks_only_its_neighbourhood(session: Session, model) -> None:
    hub = build_hub(session)
    before = linked(session, hub, model)
    moved = row(COHORT[10], "essex-police", postcode="SS14 3JX", address="2 New Street")
    index.import_extract(
        session,
        hub.actor(),
        data=extract([moved]),
        filename="police-update.csv",
        organisation_id=hub.police.id,
        source="essex-police",
        received_on=dt.date(2026, 12, 2),
    )
    summary = index.run(session, hub.actor())
    assert summary.run.records_linked == 1
    assert identifiers(session) == before


def test_an_extract_with_too_many_unusable_rows_changes_nothing(session: Session, model) -> None:
    hub = build_hub(session)
    rows = [
        row(person, "essex-police", date_of_birth="not known yet" if person.number % 3 else "01/02/1980")
        for person in COHORT[:30]
    ]
    rows = [r | {"date_of_birth": "32/13/1980"} if i % 2 else r for i, r in enumerate(rows)]
    with pytest.raises(InvalidInput, match="cannot be used"):
        index.import_extract(
            session,
            hub.actor(),
            data=extract(rows),
            filename="bad.csv",
            organisation_id=hub.police.id,
            source="essex-police",
            received_on=dt.date(2026, 12, 2),
        )


def test_only_the_hubs_analysts_import_and_a_partner_without_an_agreement_cannot_rule(session: Session, model) -> None:
    hub = build_hub(session)
    linked(session, hub, model)
    police, council = (
        session.scalars(select(LinkageRecord).where(LinkageRecord.agency_ref == ref)).one()
        for ref in ("ESS00004", "COU00004")
    )
    with pytest.raises(AccessRefused):
        review.rule(
            session, hub.actor(hub.outsider), left_id=police.id, right_id=council.id, verdict=Verdict.SAME, reason="x"
        )
