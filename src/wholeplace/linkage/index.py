"""The index kept in the database: extracts in, records linked, identifiers kept stable across runs.

A full run trains the model on every record and links them all. An incremental run reuses the latest
model and links only what is pending (new or changed records) against everything, then re-clusters
only the people those records touch: every other identifier stays exactly as it was. An analyst's
decision re-clusters just the two records' people. Each use case takes the session and the actor,
checks the role, writes the audit entry, and leaves the commit to the caller.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import delete, func, insert, or_, select, update
from sqlalchemy.orm import Session

from wholeplace import audit
from wholeplace.auth.actor import Actor, require
from wholeplace.business_dates import today as london_today
from wholeplace.db import utcnow
from wholeplace.linkage import matching
from wholeplace.linkage.clustering import Edge, cluster, holds
from wholeplace.linkage.extracts import DEFAULT_MAX_UNUSABLE, SourceRecord, read_extract
from wholeplace.linkage.identifiers import assign
from wholeplace.linkage.model import (
    IdentityEvent,
    IndexPerson,
    LinkageExtract,
    LinkagePair,
    LinkageRecord,
    LinkageRun,
    LinkDecision,
    PersonStatus,
    Verdict,
)
from wholeplace.linkage.pipeline import DEFAULT_THRESHOLD, REVIEW_FROM
from wholeplace.linkage.standardise import Person
from wholeplace.partners.model import Organisation
from wholeplace.problems import InvalidInput, NotFound, Problem

MAX_CLUSTER_SIZE = 12  # a person seen by every one of 11 agencies, with one duplicate, still passes
TRAINING_SEED = 2013
PERSON_FIELDS = (
    "given_name",
    "given_canonical",
    "surname",
    "other_names",
    "date_of_birth",
    "sex",
    "postcode",
    "address",
    "no_fixed_abode",
)


@dataclass(frozen=True)
class ImportResult:
    extract: LinkageExtract
    unusable: tuple[Problem, ...]


def import_extract(
    session: Session,
    actor: Actor,
    *,
    data: bytes,
    filename: str,
    organisation_id: int,
    source: str,
    received_on: dt.date,
    mapping: dict[str, str] | None = None,
    max_unusable: float = DEFAULT_MAX_UNUSABLE,
) -> ImportResult:
    """Read an agency's extract into the index, all or nothing. New and changed records wait to be linked."""
    require(actor, "linkage.manage", object_type="linkage_extract")
    if session.get(Organisation, organisation_id) is None:
        raise InvalidInput([Problem("agency", "Select the partner that sent the extract")])
    if not source.strip():
        raise InvalidInput([Problem("source", "Enter the name of the agency's system")])
    reading = read_extract(data, filename, agency=source.strip(), mapping=mapping, today=london_today())
    if problems := reading.refused(max_unusable):
        raise InvalidInput(problems)
    existing = {
        record.agency_ref: record
        for record in session.scalars(select(LinkageRecord).where(LinkageRecord.source == reading.agency))
    }
    extract = LinkageExtract(
        organisation_id=organisation_id,
        source=reading.agency,
        filename=filename,
        received_on=received_on,
        imported_by_id=actor.user_id,
        rows=reading.rows,
        unusable=[{"where": problem.where, "reason": problem.message} for problem in reading.unusable],
    )
    session.add(extract)
    session.flush()
    fresh = []
    for record in reading.records:
        values = person_values(record.person)
        known = existing.get(record.agency_ref)
        if known is None:
            fresh.append(
                {
                    "organisation_id": organisation_id,
                    "source": reading.agency,
                    "agency_ref": record.agency_ref,
                    "extract_id": extract.id,
                    "row": record.row,
                    "pending": True,
                    "changed_at": utcnow(),
                    **values,
                }
            )
            continue
        changed = any(getattr(known, name) != value for name, value in values.items())
        known.extract_id, known.row = extract.id, record.row
        if changed:
            for name, value in values.items():
                setattr(known, name, value)
            known.pending, known.changed_at = True, utcnow()
            extract.changed_records += 1
    if fresh:
        session.execute(insert(LinkageRecord), fresh)
    extract.new_records = len(fresh)
    audit.record(
        session,
        actor,
        "linkage.extract_imported",
        object_type="linkage_extract",
        object_id=extract.id,
        filename=filename,
        source=reading.agency,
        rows=reading.rows,
        new=len(fresh),
        changed=extract.changed_records,
        unusable=len(reading.unusable),
    )
    return ImportResult(extract, reading.unusable)


def person_values(person: Person) -> dict[str, object]:
    return {name: getattr(person, name) for name in PERSON_FIELDS}


def source_record(record: LinkageRecord) -> SourceRecord:
    person = Person(**{name: getattr(record, name) for name in PERSON_FIELDS})
    return SourceRecord(record.source, record.agency_ref, record.row, person)


@dataclass(frozen=True)
class RunSummary:
    run: LinkageRun
    events: dict[str, int]  # kind -> count
    held: int


def run(
    session: Session,
    actor: Actor,
    *,
    full: bool = False,
    threshold: float = DEFAULT_THRESHOLD,
    model: matching.Model | None = None,
) -> RunSummary:
    """Link the index: everything when `full` (or when there is no model yet), else only what is pending.

    A full run trains a new model unless one is given (a saved model.json, reused as it is).
    """
    require(actor, "linkage.manage", object_type="linkage_run")
    records = list(session.scalars(select(LinkageRecord).order_by(LinkageRecord.id)))
    if not records:
        raise InvalidInput([Problem("", "The index has no records yet: import an agency's extract first")])
    latest = latest_model(session)
    full = full or latest is None
    sources = [source_record(record) for record in records]
    data = matching.frame(sources, [record.id for record in records])
    if full and model is None:
        trained = matching.train(data, seed=TRAINING_SEED)
        model = matching.Model(trained.splink_settings, matching.fingerprint(sources), len(records))
    elif model is None:
        assert latest is not None
        model = latest
    linking = LinkageRun(
        kind="full" if full else "incremental",
        run_by_id=actor.user_id,
        threshold=threshold,
        review_from=REVIEW_FROM,
        max_cluster_size=MAX_CLUSTER_SIZE,
        model=model.splink_settings if full else None,  # the model an incremental run reuses
        model_fingerprint=model.trained_on,
        records=len(records),
    )
    session.add(linking)
    session.flush()
    targets = {record.id for record in records} if full else {record.id for record in records if record.pending}
    if targets:
        scored = score(data, model, targets=None if full else targets)
        replace_pairs(session, scored, targets, model, linking.id, everything=full)
    summary = recluster(session, linking, neighbourhood_of(session, targets, everything=full), cause=run_cause(full))
    session.execute(
        update(LinkageRecord).where(LinkageRecord.id.in_(targets)).values(pending=False),
        execution_options={"synchronize_session": False},
    )
    linking.records_linked = len(targets)
    linking.pairs = session.scalar(select(func.count()).select_from(LinkagePair)) or 0
    linking.people = (
        session.scalar(select(func.count()).select_from(IndexPerson).where(IndexPerson.status != PersonStatus.RETIRED))
        or 0
    )
    audit.record(
        session,
        actor,
        "linkage.run",
        object_type="linkage_run",
        object_id=linking.id,
        kind=linking.kind,
        records_linked=len(targets),
        events=summary.events,
        held=summary.held,
    )
    return summary


def latest_model(session: Session) -> matching.Model | None:
    """The model of the latest full run: what incremental runs and the gateway score with."""
    latest = session.scalars(
        select(LinkageRun).where(LinkageRun.model.is_not(None)).order_by(LinkageRun.id.desc())
    ).first()
    if latest is None or latest.model is None:
        return None
    return matching.Model(latest.model, latest.model_fingerprint, latest.records)


def run_cause(full: bool) -> str:
    return "A full re-link with a newly trained model" if full else "New and changed records linked"


def score(data: pd.DataFrame, model: matching.Model, *, targets: set[int] | None) -> pd.DataFrame:
    """Pairs at or above the review threshold: all of them, or only those involving `targets`."""
    if targets is None:
        return matching.predict(data, model, threshold=REVIEW_FROM)
    return matching.predict_for(data, model, targets=targets, threshold=REVIEW_FROM)


def replace_pairs(
    session: Session, scored: pd.DataFrame, targets: set[int], model: matching.Model, run_id: int, *, everything: bool
) -> None:
    """Store the new scores in place of the old ones for the records scored."""
    if everything:
        session.execute(delete(LinkagePair))
    else:
        ids = list(targets)
        session.execute(
            delete(LinkagePair).where(or_(LinkagePair.record_l_id.in_(ids), LinkagePair.record_r_id.in_(ids)))
        )
    explain = matching.Explainer(model)
    rows = [
        {
            "record_l_id": min(int(left), int(right)),
            "record_r_id": max(int(left), int(right)),
            "match_weight": float(weight),
            "match_probability": float(probability),
            "explanation": explain(row),
            "run_id": run_id,
        }
        for left, right, weight, probability, row in zip(
            scored.unique_id_l,
            scored.unique_id_r,
            scored.match_weight,
            scored.match_probability,
            scored.to_dict("records"),
            strict=True,
        )
    ]
    if rows:
        session.execute(insert(LinkagePair), rows)


def neighbourhood_of(session: Session, records: Iterable[int], *, everything: bool = False) -> set[int]:
    """The records whose clusters may change: these, their people's records, and their scored partners' people."""
    if everything:
        return set(session.scalars(select(LinkageRecord.id)))
    seeds = set(records)
    partners = set(seeds)
    for left, right in session.execute(
        select(LinkagePair.record_l_id, LinkagePair.record_r_id).where(
            or_(LinkagePair.record_l_id.in_(seeds), LinkagePair.record_r_id.in_(seeds))
        )
    ):
        partners.update((left, right))
    people = set(
        session.scalars(
            select(LinkageRecord.person_id).where(LinkageRecord.id.in_(partners), LinkageRecord.person_id.is_not(None))
        )
    )
    found = set(session.scalars(select(LinkageRecord.id).where(LinkageRecord.person_id.in_(people))))
    return found | partners


def recluster(session: Session, linking: LinkageRun, scope: set[int], *, cause: str) -> RunSummary:
    """Cluster the records in scope again, map their identifiers, record the events, and hold what needs review."""
    ids = sorted(scope)
    pairs = session.execute(
        select(LinkagePair.record_l_id, LinkagePair.record_r_id, LinkagePair.match_probability).where(
            LinkagePair.record_l_id.in_(ids), LinkagePair.record_r_id.in_(ids)
        )
    ).all()
    edges = [Edge(left, right, probability) for left, right, probability in pairs]
    must, cannot = constraints(session, scope)
    clustering = cluster(ids, edges, threshold=linking.threshold, must_link=must, cannot_link=cannot)
    previous_rows = session.execute(select(LinkageRecord.id, LinkageRecord.person_id).where(LinkageRecord.id.in_(ids)))
    previous = {record_id: person_id for record_id, person_id in previous_rows if person_id}
    issued = session.scalar(select(func.max(LinkageRun.identifiers_issued))) or 0
    assignment = assign(clustering.labels, previous, issued=issued)
    linking.identifiers_issued = assignment.issued
    changed = [
        {"id": record_id, "person_id": person_id}
        for record_id, person_id in assignment.person_ids.items()
        if previous.get(record_id) != person_id
    ]
    if changed:  # one bulk update by primary key: no per-row statement, no search of the session's objects
        session.execute(update(LinkageRecord), changed)
    for event in assignment.events:
        session.add(
            IdentityEvent(
                run_id=linking.id,
                kind=event.kind,
                person_id=event.person_id,
                related=list(event.related),
                records=event.records,
                cause=cause,
            )
        )
    held = holds(clustering, edges, threshold=linking.threshold, max_size=linking.max_cluster_size, must_link=must)
    held_by_person = {assignment.person_ids[hold.cluster]: hold for hold in held}
    before = memberships(previous)
    for person_id, records in memberships(assignment.person_ids).items():
        person = session.get(IndexPerson, person_id) or IndexPerson(person_id=person_id)
        unchanged = sorted(before.get(person_id, [])) == sorted(records)
        hold = held_by_person.get(person_id)
        if hold is None:
            person.status, person.hold_reason, person.bridging_record_id = PersonStatus.PUBLISHED, "", None
        elif not (unchanged and person.status is PersonStatus.PUBLISHED and person.hold_reason == ""):
            # an analyst who published this exact cluster has ruled on it; a changed cluster is held again
            person.status, person.hold_reason, person.bridging_record_id = (
                PersonStatus.HELD,
                hold.reason,
                hold.bridging_record,
            )
        person.records, person.merged_into, person.updated_at = len(records), None, utcnow()
        session.add(person)
    for retired, survivor in assignment.retired.items():
        person = session.get(IndexPerson, retired)
        if person is not None:
            person.status, person.merged_into, person.records, person.updated_at = (
                PersonStatus.RETIRED,
                survivor,
                0,
                utcnow(),
            )
    session.flush()
    counts: dict[str, int] = {}
    for event in assignment.events:
        counts[event.kind] = counts.get(event.kind, 0) + 1
    return RunSummary(linking, counts, len(held_by_person))


def memberships(assigned: dict[int, str]) -> dict[str, list[int]]:
    members: dict[str, list[int]] = {}
    for record_id, person_id in assigned.items():
        members.setdefault(person_id, []).append(record_id)
    return members


def constraints(session: Session, scope: set[int]) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """The must-links and cannot-links in force among the records in scope."""
    ids = list(scope)
    rows = session.execute(
        select(LinkDecision.record_l_id, LinkDecision.record_r_id, LinkDecision.verdict).where(
            LinkDecision.withdrawn_at.is_(None),
            LinkDecision.record_l_id.in_(ids),
            LinkDecision.record_r_id.in_(ids),
        )
    ).all()
    must = [(left, right) for left, right, verdict in rows if verdict is Verdict.SAME]
    cannot = [(left, right) for left, right, verdict in rows if verdict is Verdict.DIFFERENT]
    return must, cannot


def get_record(session: Session, record_id: int) -> LinkageRecord:
    record = session.get(LinkageRecord, record_id)
    if record is None:
        raise NotFound(f"There is no record {record_id} in the index")
    return record


def records_of(session: Session, person_id: str) -> Sequence[LinkageRecord]:
    return session.scalars(
        select(LinkageRecord).where(LinkageRecord.person_id == person_id).order_by(LinkageRecord.source)
    ).all()
