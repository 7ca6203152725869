"""The master person index: extracts and records, scored pairs, people and their history, analysts' decisions.

Records are personal data held for the partner that sent them (`organisation_id`); on PostgreSQL row-level
security keys on it, as for case records. An index person is only an identifier with a status: what it
means is the records that carry it. Nothing here is deleted by a re-link: identifiers are retired, never
reused, and every change of identity is an event with its lineage.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Boolean, Date, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from wholeplace.db import Base, UTCDateTime, enum_of, utcnow


class LinkageExtract(Base):
    """One file an agency sent: where it came from, when, and the rows that could not be used."""

    __tablename__ = "linkage_extracts"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)  # the agency
    source: Mapped[str] = mapped_column(String(80))  # the agency's system, as records name it
    filename: Mapped[str] = mapped_column(String(255))
    received_on: Mapped[dt.date] = mapped_column(Date)
    imported_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    imported_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    rows: Mapped[int] = mapped_column(Integer)
    new_records: Mapped[int] = mapped_column(Integer, default=0)
    changed_records: Mapped[int] = mapped_column(Integer, default=0)
    unusable: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)  # [{"where", "reason"}]


class LinkageRecord(Base):
    """The latest of what one agency holds about one person, standardised; its extract says where from."""

    __tablename__ = "linkage_records"
    __table_args__ = (UniqueConstraint("source", "agency_ref"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    source: Mapped[str] = mapped_column(String(80))
    agency_ref: Mapped[str] = mapped_column(String(80))
    extract_id: Mapped[int] = mapped_column(ForeignKey("linkage_extracts.id"), index=True)
    row: Mapped[int] = mapped_column(Integer)
    given_name: Mapped[str | None] = mapped_column(String(100))
    given_canonical: Mapped[str | None] = mapped_column(String(100))
    surname: Mapped[str | None] = mapped_column(String(100))
    other_names: Mapped[str | None] = mapped_column(String(200))
    date_of_birth: Mapped[dt.date | None] = mapped_column(Date)
    sex: Mapped[str | None] = mapped_column(String(1))
    postcode: Mapped[str | None] = mapped_column(String(10))
    address: Mapped[str | None] = mapped_column(Text)
    no_fixed_abode: Mapped[bool] = mapped_column(Boolean, default=False)
    person_id: Mapped[str | None] = mapped_column(String(20), index=True)
    # set when the record is new or changed and not yet linked; a run links these and their neighbours
    pending: Mapped[bool] = mapped_column(Boolean, default=True)
    changed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class LinkageRun(Base):
    """One linking: full (train and link everything) or incremental (link new and changed records)."""

    __tablename__ = "linkage_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # full, incremental, review
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    run_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    threshold: Mapped[float] = mapped_column(Float)
    review_from: Mapped[float] = mapped_column(Float)
    max_cluster_size: Mapped[int] = mapped_column(Integer)
    model: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # the trained splink settings (full runs)
    model_fingerprint: Mapped[str] = mapped_column(String(64), default="")
    records: Mapped[int] = mapped_column(Integer, default=0)
    records_linked: Mapped[int] = mapped_column(Integer, default=0)  # records whose neighbourhood was re-linked
    pairs: Mapped[int] = mapped_column(Integer, default=0)
    people: Mapped[int] = mapped_column(Integer, default=0)
    identifiers_issued: Mapped[int] = mapped_column(Integer, default=0)  # all ever, after this run


class LinkagePair(Base):
    """A scored pair of records at or above the review threshold, with the levels that made its weight."""

    __tablename__ = "linkage_pairs"
    __table_args__ = (UniqueConstraint("record_l_id", "record_r_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    record_l_id: Mapped[int] = mapped_column(ForeignKey("linkage_records.id", ondelete="CASCADE"), index=True)
    record_r_id: Mapped[int] = mapped_column(ForeignKey("linkage_records.id", ondelete="CASCADE"), index=True)
    match_weight: Mapped[float] = mapped_column(Float)
    match_probability: Mapped[float] = mapped_column(Float)
    # [{"comparison": "Surname", "level": "Surnames the same", "weight": 7.7}, ...]
    explanation: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    run_id: Mapped[int] = mapped_column(ForeignKey("linkage_runs.id"))


class PersonStatus(StrEnum):
    PUBLISHED = "published"
    HELD = "held"  # waiting for an analyst before its identifier is used
    RETIRED = "retired"  # merged into another; kept so old references can be followed


class IndexPerson(Base):
    __tablename__ = "linkage_people"

    person_id: Mapped[str] = mapped_column(String(20), primary_key=True)
    status: Mapped[PersonStatus] = mapped_column(enum_of(PersonStatus, 10), default=PersonStatus.PUBLISHED)
    merged_into: Mapped[str | None] = mapped_column(String(20))
    hold_reason: Mapped[str] = mapped_column(Text, default="")
    bridging_record_id: Mapped[int | None] = mapped_column(ForeignKey("linkage_records.id", ondelete="SET NULL"))
    records: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class IdentityEvent(Base):
    """A change of identity with its lineage: created, merged (related retired into person), split, moved."""

    __tablename__ = "linkage_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("linkage_runs.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    person_id: Mapped[str] = mapped_column(String(20), index=True)
    related: Mapped[list[str]] = mapped_column(JSON, default=list)
    records: Mapped[int] = mapped_column(Integer)
    cause: Mapped[str] = mapped_column(Text, default="")  # "Extract essex-police.csv", "Decision 12: different people"
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class Verdict(StrEnum):
    SAME = "same"  # a must-link
    DIFFERENT = "different"  # a cannot-link


class LinkDecision(Base):
    """An analyst's ruling on two records, respected by every later run until withdrawn."""

    __tablename__ = "linkage_decisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    record_l_id: Mapped[int] = mapped_column(ForeignKey("linkage_records.id", ondelete="CASCADE"), index=True)
    record_r_id: Mapped[int] = mapped_column(ForeignKey("linkage_records.id", ondelete="CASCADE"), index=True)
    verdict: Mapped[Verdict] = mapped_column(enum_of(Verdict, 10))
    reason: Mapped[str] = mapped_column(Text)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    withdrawn_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    withdrawn_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    withdrawn_reason: Mapped[str] = mapped_column(Text, default="")
