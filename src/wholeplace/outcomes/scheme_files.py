"""A payment-by-results scheme written as a file, and its cohort and evidence imported from a table.

The scheme file (YAML or JSON) names the fund and account it pays from, its unit, evidence rule, fee, caps,
holding period, savings rate and outcomes with tariffs; loading it again brings the scheme up to date by code.
The records file (CSV or xlsx) holds one record a row: `member` (a person joining the cohort), `outcome` (an
outcome a unit achieved) or `relapse`, with the columns below. Both are all or nothing, every problem named.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from wholeplace import audit
from wholeplace.auth.actor import Actor, require
from wholeplace.business_dates import today
from wholeplace.files.reader import NoAliasLoader
from wholeplace.files.tables import Table, read_table
from wholeplace.funds.model import Account, Fund
from wholeplace.money import Money, MoneyError
from wholeplace.outcomes.grants import GRANT_KINDS
from wholeplace.outcomes.model import (
    CohortMember,
    EvidenceRule,
    Indicator,
    OutcomeRecord,
    RelapseRecord,
    Scheme,
    SchemeOutcome,
)
from wholeplace.plain_text import clean_free_text
from wholeplace.problems import InvalidInput, Problem

Amount = Field(default=None, description="pounds, like 700 or 1,600.00")
Reference = Field(min_length=1, max_length=60)


class OutcomeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,59}$")
    name: str = Field(min_length=1, max_length=200)
    tariff: str
    savings: dict[str, str] = {}  # partner name -> pounds one outcome saves it
    indicator: str | None = None  # for measurement evidence: the indicator's code
    threshold: Decimal | None = None


class SchemeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,59}$")
    name: str = Field(min_length=1, max_length=200)
    description: str = ""
    unit: Literal["family", "person", "area"] = "family"
    evidence: Literal["case_outcomes", "measurements"] = "case_outcomes"
    fund: str = Field(min_length=1, description="the fund's code")
    pay_from: str = Field(min_length=1, description="the theme or project account it pays from, by path")
    attachment_fee: str | None = Amount
    cap_per_unit: str | None = Amount
    cap_scheme: str | None = Amount
    holding_months: int = Field(default=6, ge=0, le=60)
    savings_rate: Decimal = Field(default=Decimal(0), ge=0, le=1)
    decision_maker: str = Field(min_length=1, max_length=200)
    outcomes: list[OutcomeIn] = Field(min_length=1)


def _money(text: str | None, where: str, problems: list[Problem]) -> int | None:
    if text is None:
        return None
    try:
        amount = Money.parse(str(text))
    except MoneyError as error:
        problems.append(Problem(where, str(error)))
        return None
    if amount.pence < 0:
        problems.append(Problem(where, "Amounts must be £0.00 or more"))
    return amount.pence


def load_scheme(session: Session, actor: Actor, *, text: str, filename: str) -> Scheme:
    """Create or bring up to date a scheme from its file; nothing changes unless all of it is good."""
    require(actor, "outcomes.schemes", object_type="scheme")
    try:
        given = SchemeIn.model_validate(yaml.load(text, Loader=NoAliasLoader))  # the safe loader, refusing aliases
    except yaml.YAMLError as error:
        raise InvalidInput([Problem(filename, f"This is not YAML or JSON that can be read: {error}")]) from None
    except ValidationError as error:
        where = (
            "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in item["loc"]).lstrip(".")
            for item in error.errors()
        )
        raise InvalidInput(
            [
                Problem(f"{filename}, {path or 'top level'}", item["msg"])
                for path, item in zip(where, error.errors(), strict=True)
            ]
        ) from None
    problems: list[Problem] = []
    fund = session.scalar(select(Fund).where(Fund.code == given.fund))
    account = None
    if fund is None:
        problems.append(Problem(f"{filename}, fund", f"There is no fund with the code {given.fund}"))
    else:
        account = session.scalar(select(Account).where(Account.fund_id == fund.id, Account.path == given.pay_from))
        if account is None or account.kind not in GRANT_KINDS:
            problems.append(
                Problem(f"{filename}, pay_from", f"{given.pay_from} is not a theme or project of {fund.name}")
            )
    fees = {
        name: _money(getattr(given, name), f"{filename}, {name}", problems)
        for name in ("attachment_fee", "cap_per_unit", "cap_scheme")
    }
    outcomes = []
    for index, outcome in enumerate(given.outcomes):
        where = f"{filename}, outcomes[{index}]"
        tariff = _money(outcome.tariff, f"{where}.tariff", problems)
        savings = {
            partner: _money(value, f"{where}.savings.{partner}", problems) for partner, value in outcome.savings.items()
        }
        indicator = None
        if outcome.indicator is not None:
            indicator = session.scalar(select(Indicator).where(Indicator.code == outcome.indicator))
            if indicator is None:
                problems.append(Problem(f"{where}.indicator", f"There is no indicator {outcome.indicator}"))
        if given.evidence == "measurements" and (outcome.indicator is None or outcome.threshold is None):
            problems.append(
                Problem(where, "A scheme paid on measurements gives each outcome an indicator and a threshold")
            )
        outcomes.append((outcome, tariff, savings, indicator))
    if len({outcome.code for outcome in given.outcomes}) < len(given.outcomes):
        problems.append(Problem(f"{filename}, outcomes", "Give each outcome its own code"))
    if problems:
        raise InvalidInput(problems)
    assert fund is not None and account is not None
    scheme = session.scalar(select(Scheme).where(Scheme.code == given.code)) or Scheme(code=given.code)
    scheme.name, scheme.description, scheme.unit = given.name, given.description, given.unit
    scheme.evidence_rule, scheme.fund_id, scheme.pay_from_account_id = EvidenceRule(given.evidence), fund.id, account.id
    scheme.attachment_fee_pence, scheme.cap_per_unit_pence = fees["attachment_fee"], fees["cap_per_unit"]
    scheme.cap_scheme_pence, scheme.holding_months = fees["cap_scheme"], given.holding_months
    scheme.savings_rate, scheme.decision_maker = given.savings_rate, given.decision_maker
    session.add(scheme)
    session.flush()
    held = {outcome.code: outcome for outcome in scheme.outcomes}
    for outcome, tariff, savings, indicator in outcomes:
        row = held.get(outcome.code) or SchemeOutcome(scheme_id=scheme.id, code=outcome.code)
        row.name, row.tariff_pence, row.savings_pence = (
            outcome.name,
            tariff or 0,
            {p: v or 0 for p, v in savings.items()},
        )
        row.indicator_id, row.threshold = (indicator.id if indicator else None), outcome.threshold
        session.add(row)
    session.flush()
    session.expire(scheme, ["outcomes"])
    audit.record(session, actor, "scheme.loaded", object_type="scheme", object_id=scheme.id, code=scheme.code)
    return scheme


RECORD_COLUMNS = ("record", "unit", "person", "date", "outcome", "source", "case_reference")
REQUIRED = ("record", "unit", "date")


@dataclass(frozen=True)
class RecordsReport:
    filename: str
    members: int
    outcomes: int
    relapses: int


def import_records(session: Session, actor: Actor, *, scheme: Scheme, data: bytes, filename: str) -> RecordsReport:
    """A scheme's cohort members, outcomes and relapses from one table, all or nothing."""
    table, problems = read_table(data, filename, what="the records")
    if problems:
        raise InvalidInput(problems)
    return import_records_table(session, actor, scheme=scheme, table=table)


def import_records_table(session: Session, actor: Actor, *, scheme: Scheme, table: Table) -> RecordsReport:
    """The records of a table already read (a file, or records built in code), all or nothing."""
    require(actor, "outcomes.schemes", object_type="scheme", object_id=scheme.code)
    filename = table.filename
    if problems := table.header_problems(REQUIRED, RECORD_COLUMNS):
        raise InvalidInput(problems)
    rows, problems = _records(session, scheme, table)
    if problems:
        raise InvalidInput(problems)
    session.add_all(rows)
    session.flush()
    counts = {kind: sum(isinstance(row, kind) for row in rows) for kind in (CohortMember, OutcomeRecord, RelapseRecord)}
    audit.record(
        session,
        actor,
        "scheme.records_imported",
        object_type="scheme",
        object_id=scheme.id,
        filename=filename,
        members=counts[CohortMember],
        outcomes=counts[OutcomeRecord],
        relapses=counts[RelapseRecord],
    )
    return RecordsReport(filename, counts[CohortMember], counts[OutcomeRecord], counts[RelapseRecord])


def _records(
    session: Session, scheme: Scheme, table: Table
) -> tuple[list[CohortMember | OutcomeRecord | RelapseRecord], list[Problem]]:
    codes = {outcome.code for outcome in scheme.outcomes}
    people = set(session.scalars(select(CohortMember.person_ref).where(CohortMember.scheme_id == scheme.id)))
    units = set(session.scalars(select(CohortMember.unit_ref).where(CohortMember.scheme_id == scheme.id)))
    rows: list[CohortMember | OutcomeRecord | RelapseRecord] = []
    problems: list[Problem] = []
    for row in table.rows:
        values = {key: value.strip() for key, value in table.values(row).items()}

        def refuse(column: str, message: str, number: int = row.number) -> None:
            problems.append(Problem(table.where(number, column), message))

        kind, unit, person = values.get("record", "").lower(), values.get("unit", ""), values.get("person", "")
        day = _day(values.get("date", ""), refuse)
        for column, text in (("unit", unit), ("person", person), ("case_reference", values.get("case_reference", ""))):
            if len(text) > 60:
                refuse(column, "References are at most 60 characters")
        source, found = clean_free_text(
            values.get("source", ""), where=table.where(row.number, "source"), label="Source", max_length=2000
        )
        problems.extend(found)
        if kind not in ("member", "outcome", "relapse"):
            refuse("record", f"'{values.get('record', '')}' is not a record: write member, outcome or relapse")
            continue
        if not unit:
            refuse("unit", f"Enter the {scheme.unit}'s reference")
        if kind in ("member", "relapse") and not person:
            refuse("person", "Enter the person's reference")
        if kind == "member":
            if person in people:
                refuse("person", f"{person} is already in the cohort")
            people.add(person)
            units.add(unit)
            if day and unit and person:
                rows.append(
                    CohortMember(
                        scheme_id=scheme.id,
                        unit_ref=unit,
                        person_ref=person,
                        case_reference=values.get("case_reference") or None,
                        attached_on=day,
                    )
                )
        elif unit and unit not in units:
            refuse("unit", f"{unit} is not in the cohort: add its members first")
        elif kind == "outcome":
            if values.get("outcome", "") not in codes:
                refuse(
                    "outcome",
                    f"'{values.get('outcome', '')}' is not an outcome of the scheme. "
                    f"Outcomes: {', '.join(sorted(codes))}",
                )
            elif day:
                rows.append(
                    OutcomeRecord(
                        scheme_id=scheme.id,
                        unit_ref=unit,
                        outcome_code=values["outcome"],
                        achieved_on=day,
                        source=source or table.filename,
                        recorded_by="import",
                    )
                )
        elif day and person:
            rows.append(
                RelapseRecord(
                    scheme_id=scheme.id,
                    unit_ref=unit,
                    person_ref=person,
                    occurred_on=day,
                    what=(source or "Relapse")[:200],
                    recorded_by="import",
                )
            )
    return rows, problems


def _day(text: str, refuse) -> dt.date | None:  # type: ignore[no-untyped-def]
    if not text:
        refuse("date", "Enter the date, like 2026-03-31")
        return None
    try:
        day = dt.date.fromisoformat(text[:10])
    except ValueError:
        refuse("date", f"'{text}' is not a date. Write it like 2026-03-31")
        return None
    if day > today():
        refuse("date", "The date cannot be in the future")
        return None
    return day
