"""The index's API shapes: pairs to review with their explanation, records as the actor may see them, people."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, Field

from wholeplace.linkage.gateway import GatewayView, Match
from wholeplace.linkage.model import IdentityEvent, IndexPerson, LinkagePair, LinkDecision
from wholeplace.linkage.review import RecordView


class LevelOut(BaseModel):
    comparison: str
    level: str
    weight: float


class PairOut(BaseModel):
    id: int
    record_l_id: int
    record_r_id: int
    match_probability: float
    match_weight: float
    explanation: list[LevelOut]

    @classmethod
    def of(cls, pair: LinkagePair) -> PairOut:
        return cls(
            id=pair.id,
            record_l_id=pair.record_l_id,
            record_r_id=pair.record_r_id,
            match_probability=pair.match_probability,
            match_weight=pair.match_weight,
            explanation=[LevelOut(**level) for level in pair.explanation],
        )


class RecordOut(BaseModel):
    """A record for matching; name and date of birth only when identity may be read, address only when contact may."""

    id: int
    agency: str
    source: str
    agency_ref: str
    person_id: str | None
    given_name: str | None = None
    surname: str | None = None
    other_names: str | None = None
    date_of_birth: dt.date | None = None
    sex: str | None = None
    postcode: str | None = None
    address: str | None = None
    no_fixed_abode: bool | None = None
    withheld: str = ""

    @classmethod
    def of(cls, view: RecordView) -> RecordOut:
        record = view.record
        identity = (
            {
                "agency_ref": record.agency_ref,
                "given_name": record.given_name,
                "surname": record.surname,
                "other_names": record.other_names,
                "date_of_birth": record.date_of_birth,
                "sex": record.sex,
            }
            if view.identity_shown
            else {"agency_ref": ""}
        )
        contact = (
            {"postcode": record.postcode, "address": record.address, "no_fixed_abode": record.no_fixed_abode}
            if view.contact_shown
            else {}
        )
        return cls(
            id=record.id,
            agency=view.agency,
            source=record.source,
            person_id=record.person_id,
            withheld=view.withheld_reason,
            **identity,
            **contact,
        )


class PairReviewOut(BaseModel):
    pair: PairOut
    records: list[RecordOut]


class DecisionIn(BaseModel):
    left_record_id: int = Field(ge=1)
    right_record_id: int = Field(ge=1)
    verdict: Literal["same", "different"]
    reason: str = Field(min_length=1, max_length=2000)


class WithdrawIn(BaseModel):
    reason: str = Field(min_length=1, max_length=2000)


class DecisionOut(BaseModel):
    id: int
    record_l_id: int
    record_r_id: int
    verdict: str
    reason: str
    decided_at: dt.datetime
    withdrawn_at: dt.datetime | None
    events: dict[str, int] = {}

    @classmethod
    def of(cls, decision: LinkDecision, events: dict[str, int] | None = None) -> DecisionOut:
        return cls(
            id=decision.id,
            record_l_id=decision.record_l_id,
            record_r_id=decision.record_r_id,
            verdict=decision.verdict.value,
            reason=decision.reason,
            decided_at=decision.decided_at,
            withdrawn_at=decision.withdrawn_at,
            events=events or {},
        )


class EventOut(BaseModel):
    kind: str
    person_id: str
    related: list[str]
    records: int
    cause: str
    at: dt.datetime

    @classmethod
    def of(cls, event: IdentityEvent) -> EventOut:
        return cls(
            kind=event.kind,
            person_id=event.person_id,
            related=list(event.related),
            records=event.records,
            cause=event.cause,
            at=event.at,
        )


class PersonOut(BaseModel):
    person_id: str
    status: str
    merged_into: str | None
    hold_reason: str
    records: list[RecordOut]
    history: list[EventOut]

    @classmethod
    def of(cls, person: IndexPerson, records: list[RecordView], events: list[IdentityEvent]) -> PersonOut:
        return cls(
            person_id=person.person_id,
            status=person.status.value,
            merged_into=person.merged_into,
            hold_reason=person.hold_reason,
            records=[RecordOut.of(view) for view in records],
            history=[EventOut.of(event) for event in events],
        )


class RunIn(BaseModel):
    full: bool = False


class RunOut(BaseModel):
    id: int
    kind: str
    records: int
    records_linked: int
    pairs: int
    people: int
    events: dict[str, int]
    held: int


class KnownRecordOut(BaseModel):
    agency: str
    agency_ref: str | None
    received_on: dt.date | None
    withheld: str


class MatchOut(BaseModel):
    person_id: str
    match_probability: float
    status: str
    agencies: list[str]
    records: list[KnownRecordOut]

    @classmethod
    def of(cls, match: Match) -> MatchOut:
        return cls(
            person_id=match.person_id,
            match_probability=match.probability,
            status=match.status.value,
            agencies=match.agencies,
            records=[
                KnownRecordOut(
                    agency=known.agency,
                    agency_ref=known.record.agency_ref if known.record else None,
                    received_on=known.received_on,
                    withheld=known.withheld_reason,
                )
                for known in match.records
            ],
        )


class KnownToOut(BaseModel):
    referral_id: int
    indexed: bool
    matches: list[MatchOut]
    possible: list[MatchOut]

    @classmethod
    def of(cls, view: GatewayView) -> KnownToOut:
        return cls(
            referral_id=view.referral.id,
            indexed=view.indexed,
            matches=[MatchOut.of(match) for match in view.matches],
            possible=[MatchOut.of(match) for match in view.possible],
        )
