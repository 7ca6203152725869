"""Clerical review: pairs the model is unsure of, clusters held before publishing, and analysts' rulings.

A ruling (same person, or different people) is a must-link or cannot-link that every later run respects;
it re-clusters only the two records' people at once, recording the merge or split it causes. A ruling can
be withdrawn, which re-clusters again: every merge and unmerge is audited and reversible. Reading the
records behind a pair goes through `sharing` for the purpose of data matching, one decision per record.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, String, and_, exists, func, or_, select
from sqlalchemy.orm import Session

from wholeplace import audit
from wholeplace.auth.actor import Actor, require
from wholeplace.db import utcnow
from wholeplace.linkage.index import RunSummary, get_record, neighbourhood_of, recluster, records_of
from wholeplace.linkage.model import (
    IdentityEvent,
    IndexPerson,
    LinkagePair,
    LinkageRecord,
    LinkageRun,
    LinkDecision,
    PersonStatus,
    Verdict,
)
from wholeplace.linkage.pipeline import DEFAULT_THRESHOLD, REVIEW_FROM
from wholeplace.paging import Page, paginate
from wholeplace.partners.model import Organisation
from wholeplace.problems import Conflict, InvalidInput, NotFound, Problem
from wholeplace.sharing.access import Scope, decide
from wholeplace.sharing.access import require as require_access
from wholeplace.sharing.model import DataCategory, Operation, Purpose

VERDICT_WORDS = {Verdict.SAME: "the same person", Verdict.DIFFERENT: "different people"}


@dataclass(frozen=True)
class RecordView:
    """A record as this actor may see it for matching: withheld parts are None, with the reason."""

    record: LinkageRecord
    agency: str
    identity_shown: bool
    contact_shown: bool
    withheld_reason: str


def view_records(session: Session, actor: Actor, records: list[LinkageRecord]) -> list[RecordView]:
    """Each record through the access decision for data matching (identity, then contact), audited."""
    views = []
    names = organisation_names(session, {record.organisation_id for record in records})
    for record in records:
        identity = decide(
            session, actor, scope_of(record, DataCategory.IDENTITY), Purpose.DATA_MATCHING, Operation.READ
        )
        contact = decide(session, actor, scope_of(record, DataCategory.CONTACT), Purpose.DATA_MATCHING, Operation.READ)
        reason = "" if identity.allowed and contact.allowed else (identity if not identity.allowed else contact).reason
        views.append(RecordView(record, names[record.organisation_id], identity.allowed, contact.allowed, reason))
    return views


def scope_of(record: LinkageRecord, category: DataCategory) -> Scope:
    return Scope("linkage_record", record.id, record.organisation_id, None, category)


def organisation_names(session: Session, ids: set[int]) -> dict[int, str]:
    return dict(session.execute(select(Organisation.id, Organisation.name).where(Organisation.id.in_(ids))).all())


def decision_in_force(left: int, right: int) -> object:
    low, high = min(left, right), max(left, right)
    return exists().where(
        LinkDecision.record_l_id == low, LinkDecision.record_r_id == high, LinkDecision.withdrawn_at.is_(None)
    )


def queue_condition(session: Session) -> ColumnElement[bool]:
    """A pair waits for review: between the review and link thresholds, with no ruling in force."""
    ruled = exists().where(
        LinkDecision.record_l_id == LinkagePair.record_l_id,
        LinkDecision.record_r_id == LinkagePair.record_r_id,
        LinkDecision.withdrawn_at.is_(None),
    )
    return and_(
        LinkagePair.match_probability >= REVIEW_FROM,
        LinkagePair.match_probability < threshold_now(session),
        ~ruled,
    )


def queue(session: Session, actor: Actor, *, page: int = 1, page_size: int = 25) -> Page[LinkagePair]:
    """Pairs waiting for review, surest first."""
    require(actor, "linkage.manage", object_type="linkage_pair")
    query = (
        select(LinkagePair)
        .where(queue_condition(session))
        .order_by(LinkagePair.match_probability.desc(), LinkagePair.id)
    )
    return paginate(session, query, page=page, page_size=page_size)


def threshold_now(session: Session) -> float:
    latest = session.scalars(select(LinkageRun).order_by(LinkageRun.id.desc())).first()
    return latest.threshold if latest else DEFAULT_THRESHOLD


def held_people(session: Session, actor: Actor) -> list[IndexPerson]:
    require(actor, "linkage.manage", object_type="linkage_person")
    return list(
        session.scalars(
            select(IndexPerson).where(IndexPerson.status == PersonStatus.HELD).order_by(IndexPerson.person_id)
        )
    )


def get_pair(session: Session, actor: Actor, pair_id: int) -> LinkagePair:
    require(actor, "linkage.manage", object_type="linkage_pair", object_id=pair_id)
    pair = session.get(LinkagePair, pair_id)
    if pair is None:
        raise NotFound(f"There is no pair {pair_id} to review")
    return pair


def rule(
    session: Session, actor: Actor, *, left_id: int, right_id: int, verdict: Verdict, reason: str
) -> tuple[LinkDecision, RunSummary]:
    """Record that two records are (or are not) one person, and re-cluster their people now."""
    require(actor, "linkage.manage", object_type="linkage_decision")
    if not reason.strip():
        raise InvalidInput([Problem("reason", "Enter the reason for your decision")])
    if left_id == right_id:
        raise InvalidInput([Problem("record", "Choose two different records")])
    low, high = sorted((get_record(session, left_id).id, get_record(session, right_id).id))
    for record in (session.get(LinkageRecord, low), session.get(LinkageRecord, high)):
        assert record is not None
        require_matching(session, actor, record)
    if session.scalar(select(decision_in_force(low, high))):
        raise Conflict("These two records already have a decision in force: withdraw it first")
    decision = LinkDecision(
        record_l_id=low, record_r_id=high, verdict=verdict, reason=reason.strip(), decided_by_id=actor.user_id
    )
    session.add(decision)
    session.flush()
    summary = relink_after(session, actor, {low, high}, f"Decision {decision.id}: {VERDICT_WORDS[verdict]}")
    audit.record(
        session,
        actor,
        "linkage.decided",
        object_type="linkage_decision",
        object_id=decision.id,
        purpose=Purpose.DATA_MATCHING.value,
        verdict=verdict.value,
        records=[low, high],
        events=summary.events,
    )
    return decision, summary


def withdraw(session: Session, actor: Actor, *, decision_id: int, reason: str) -> RunSummary:
    """Withdraw a ruling (undoing the merge or split it made, unless the scores alone make it) and re-cluster."""
    require(actor, "linkage.manage", object_type="linkage_decision", object_id=decision_id)
    decision = get_decision(session, decision_id)
    if decision.withdrawn_at is not None:
        raise Conflict("This decision was already withdrawn")
    if not reason.strip():
        raise InvalidInput([Problem("reason", "Enter why the decision is withdrawn")])
    decision.withdrawn_at, decision.withdrawn_by_id, decision.withdrawn_reason = utcnow(), actor.user_id, reason.strip()
    session.flush()
    summary = relink_after(
        session, actor, {decision.record_l_id, decision.record_r_id}, f"Decision {decision.id} withdrawn"
    )
    audit.record(
        session,
        actor,
        "linkage.decision_withdrawn",
        object_type="linkage_decision",
        object_id=decision.id,
        purpose=Purpose.DATA_MATCHING.value,
        events=summary.events,
    )
    return summary


def detach(session: Session, actor: Actor, *, record_id: int, reason: str) -> tuple[list[LinkDecision], RunSummary]:
    """Unmerge: this record is not the person it was linked to (a cannot-link to each of their other records)."""
    record = get_record(session, record_id)
    require(actor, "linkage.manage", object_type="linkage_record", object_id=record_id)
    if not reason.strip():
        raise InvalidInput([Problem("reason", "Enter why this record is not this person")])
    others = [other for other in records_of(session, record.person_id or "") if other.id != record.id]
    if not others:
        raise Conflict("This record is the only one of its person: there is nothing to separate it from")
    decisions = []
    for other in others:
        low, high = sorted((record.id, other.id))
        if not session.scalar(select(decision_in_force(low, high))):
            decisions.append(
                LinkDecision(
                    record_l_id=low,
                    record_r_id=high,
                    verdict=Verdict.DIFFERENT,
                    reason=reason.strip(),
                    decided_by_id=actor.user_id,
                )
            )
    session.add_all(decisions)
    session.flush()
    summary = relink_after(session, actor, {record.id}, f"Record {record.source} {record.agency_ref} separated")
    audit.record(
        session,
        actor,
        "linkage.record_detached",
        object_type="linkage_record",
        object_id=record.id,
        purpose=Purpose.DATA_MATCHING.value,
        decisions=[decision.id for decision in decisions],
        events=summary.events,
    )
    return decisions, summary


def publish(session: Session, actor: Actor, *, person_id: str, reason: str) -> IndexPerson:
    """An analyst has checked a held cluster: publish its identifier as it stands."""
    require(actor, "linkage.manage", object_type="linkage_person", object_id=person_id)
    person = session.get(IndexPerson, person_id)
    if person is None:
        raise NotFound(f"There is no person {person_id} in the index")
    if person.status is not PersonStatus.HELD:
        raise Conflict(f"{person_id} is not held for review")
    if not reason.strip():
        raise InvalidInput([Problem("reason", "Enter what you checked")])
    held_for = person.hold_reason
    person.status, person.hold_reason, person.bridging_record_id, person.updated_at = (
        PersonStatus.PUBLISHED,
        "",
        None,
        utcnow(),
    )
    audit.record(
        session,
        actor,
        "linkage.published",
        object_type="linkage_person",
        object_id=person_id,
        purpose=Purpose.DATA_MATCHING.value,
        held_for=held_for,
        reason=reason.strip(),
    )
    return person


def relink_after(session: Session, actor: Actor, records: set[int], cause: str) -> RunSummary:
    latest = session.scalars(select(LinkageRun).order_by(LinkageRun.id.desc())).first()
    if latest is None:
        raise Conflict("Link the index before ruling on its records")
    linking = LinkageRun(
        kind="review",
        run_by_id=actor.user_id,
        threshold=latest.threshold,
        review_from=latest.review_from,
        max_cluster_size=latest.max_cluster_size,
        model_fingerprint=latest.model_fingerprint,
        records=session.scalar(select(func.count()).select_from(LinkageRecord)) or 0,
    )
    session.add(linking)
    session.flush()
    summary = recluster(session, linking, neighbourhood_of(session, records), cause=cause)
    linking.records_linked = len(records)
    return summary


def require_matching(session: Session, actor: Actor, record: LinkageRecord) -> None:
    """A ruling on a record needs the right to read it for matching (identity), like viewing it does."""
    require_access(session, actor, scope_of(record, DataCategory.IDENTITY), Purpose.DATA_MATCHING, Operation.READ)


def decisions_about(session: Session, record_ids: list[int]) -> list[LinkDecision]:
    return list(
        session.scalars(
            select(LinkDecision)
            .where(or_(LinkDecision.record_l_id.in_(record_ids), LinkDecision.record_r_id.in_(record_ids)))
            .order_by(LinkDecision.decided_at.desc())
        )
    )


def history(session: Session, person_id: str) -> list[IdentityEvent]:
    """Every event about the identifier, or naming it as merged into or split from another."""
    mentioned = or_(IdentityEvent.person_id == person_id, IdentityEvent.related.cast(String).contains(person_id))
    return list(session.scalars(select(IdentityEvent).where(mentioned).order_by(IdentityEvent.id.desc())))


def pair_between(session: Session, left: int, right: int) -> LinkagePair | None:
    low, high = min(left, right), max(left, right)
    return session.scalars(
        select(LinkagePair).where(and_(LinkagePair.record_l_id == low, LinkagePair.record_r_id == high))
    ).first()


def get_decision(session: Session, decision_id: int) -> LinkDecision:
    decision = session.get(LinkDecision, decision_id)
    if decision is None:
        raise NotFound(f"There is no decision {decision_id}")
    return decision


def links_among(session: Session, record_ids: list[int]) -> list[LinkagePair]:
    """The scored pairs between a person's records: what holds the person together."""
    return list(
        session.scalars(
            select(LinkagePair)
            .where(LinkagePair.record_l_id.in_(record_ids), LinkagePair.record_r_id.in_(record_ids))
            .order_by(LinkagePair.match_probability.desc())
        )
    )
