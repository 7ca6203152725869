"""The index at the gateway: the person a referral is about, matched to the index, and which agencies know them.

The access team sees the name of every agency whose records hold the person (that they are known is what the
hub is for), and what each record says only where the sharing rules let the team read it for safeguarding;
every record's decision is audited. Matching uses the index's latest model on the referral's details.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from wholeplace.auth.actor import Actor
from wholeplace.business_dates import today
from wholeplace.cases.access import checked_referral
from wholeplace.cases.model import Person as CasePerson
from wholeplace.cases.model import Referral
from wholeplace.linkage import matching
from wholeplace.linkage.extracts import SourceRecord
from wholeplace.linkage.index import latest_model, source_record
from wholeplace.linkage.model import IndexPerson, LinkageExtract, LinkageRecord, PersonStatus
from wholeplace.linkage.pipeline import REVIEW_FROM
from wholeplace.linkage.review import organisation_names, scope_of, threshold_now
from wholeplace.linkage.standardise import DateReader, standardise
from wholeplace.sharing.access import decide
from wholeplace.sharing.model import DataCategory, Operation, Purpose

PROBE = -1  # the referral's person, among the index's records


@dataclass(frozen=True)
class KnownRecord:
    agency: str
    record: LinkageRecord | None  # None where the sharing rules withhold what the record says
    received_on: dt.date | None
    withheld_reason: str


@dataclass(frozen=True)
class Match:
    person_id: str
    probability: float
    status: PersonStatus
    records: tuple[KnownRecord, ...]

    @property
    def agencies(self) -> list[str]:
        return sorted({known.agency for known in self.records})


@dataclass(frozen=True)
class GatewayView:
    referral: Referral
    matches: tuple[Match, ...]  # at or above the link threshold
    possible: tuple[Match, ...]  # between the review threshold and the link threshold
    indexed: bool  # whether there is an index to match against


def probe_of(person: CasePerson) -> SourceRecord:
    sex = {"female": "f", "male": "m"}.get(person.sex.value)
    standard = standardise(
        given_name=person.given_name,
        surname=person.family_name,
        other_names=" ".join(person.other_names.split()),
        date_of_birth=person.date_of_birth.isoformat() if person.date_of_birth else None,
        sex=sex,
        postcode=person.postcode,
        address=person.address,
        dates=DateReader(today()),
    )
    return SourceRecord("referral", str(person.id), 0, standard)


def known_to(session: Session, actor: Actor, referral_id: int) -> GatewayView:
    """Match the referral's person to the index and say who knows them, under the sharing rules."""
    referral, _ = checked_referral(session, actor, referral_id, Purpose.SAFEGUARDING, Operation.READ)
    model = latest_model(session)
    records = list(session.scalars(select(LinkageRecord).where(LinkageRecord.person_id.is_not(None))))
    if model is None or not records:
        return GatewayView(referral, (), (), indexed=False)
    data = matching.frame(
        [probe_of(referral.person), *map(source_record, records)], [PROBE, *(record.id for record in records)]
    )
    pairs = matching.predict_for(data, model, targets={PROBE}, threshold=REVIEW_FROM)
    by_id = {record.id: record for record in records}
    best: dict[str, float] = {}
    for left, right, probability in zip(pairs.unique_id_l, pairs.unique_id_r, pairs.match_probability, strict=True):
        other = by_id[int(right) if int(left) == PROBE else int(left)]
        assert other.person_id is not None
        best[other.person_id] = max(best.get(other.person_id, 0.0), float(probability))
    threshold = threshold_now(session)
    found = [
        match_of(session, actor, person_id, probability)
        for person_id, probability in sorted(best.items(), key=lambda item: (-item[1], item[0]))
    ]
    return GatewayView(
        referral,
        tuple(match for match in found if match.probability >= threshold),
        tuple(match for match in found if match.probability < threshold),
        indexed=True,
    )


def match_of(session: Session, actor: Actor, person_id: str, probability: float) -> Match:
    records = list(session.scalars(select(LinkageRecord).where(LinkageRecord.person_id == person_id)))
    names = organisation_names(session, {record.organisation_id for record in records})
    received = dict(
        session.execute(
            select(LinkageExtract.id, LinkageExtract.received_on).where(
                LinkageExtract.id.in_({record.extract_id for record in records})
            )
        ).all()
    )
    known = []
    for record in sorted(records, key=lambda r: (names[r.organisation_id], r.agency_ref)):
        decision = decide(session, actor, scope_of(record, DataCategory.IDENTITY), Purpose.SAFEGUARDING, Operation.READ)
        known.append(
            KnownRecord(
                names[record.organisation_id],
                record if decision.allowed else None,
                received.get(record.extract_id),
                "" if decision.allowed else decision.reason,
            )
        )
    person = session.get(IndexPerson, person_id)
    status = person.status if person else PersonStatus.PUBLISHED
    return Match(person_id, probability, status, tuple(known))
