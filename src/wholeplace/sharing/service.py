"""Running information sharing: agreements between partners, a person's consent, break-glass and its oversight.

`sharing.access` decides each access by reading what these functions record. Agreements are recorded by an
administrator of one of their parties; consent by a key worker of a team holding a case of the person;
break-glass by a caseworker refused a case, with a reason, for a few hours, and it stays on the data protection
officer's oversight page (with refused accesses from the audit trail) until an administrator reviews it.

This module reads casework's tables (a case's partner, a person's cases), so `sharing.service` depends on
`cases`; `sharing.access` and `sharing.model`, which `cases` uses, do not.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from wholeplace import audit
from wholeplace.auth.actor import Actor
from wholeplace.business_dates import today
from wholeplace.cases.model import Case, CaseMember, Person
from wholeplace.paging import Page, paginate
from wholeplace.partners.model import Organisation
from wholeplace.plain_text import clean_free_text, clean_name
from wholeplace.problems import AccessRefused, InvalidInput, NotFound, Problem, Refusal
from wholeplace.sharing import access, rls
from wholeplace.sharing.access import Scope

# Break-glass and oversight answer from here too (sharing.service.break_glass, .review_break_glass, .oversight).
from wholeplace.sharing.break_glass import BREAK_GLASS_HOURS as BREAK_GLASS_HOURS
from wholeplace.sharing.break_glass import RECENT_DAYS as RECENT_DAYS
from wholeplace.sharing.break_glass import BreakGlassUse as BreakGlassUse
from wholeplace.sharing.break_glass import Oversight as Oversight
from wholeplace.sharing.break_glass import RefusedAccess as RefusedAccess
from wholeplace.sharing.break_glass import break_glass as break_glass
from wholeplace.sharing.break_glass import oversight as oversight
from wholeplace.sharing.break_glass import require_admin
from wholeplace.sharing.break_glass import review_break_glass as review_break_glass
from wholeplace.sharing.model import (
    AgreementParty,
    Consent,
    ConsentStatus,
    DataCategory,
    Operation,
    Purpose,
    SharingAgreement,
)

# The purposes a partner shares for; analysis and subject access have rules of their own in `sharing.access`.
SHARED_PURPOSES = (Purpose.CASE_MANAGEMENT, Purpose.SAFEGUARDING, Purpose.RISK_ASSESSMENT, Purpose.MARAC)


# Agreements


@dataclass(frozen=True)
class AgreementIn:
    title: str
    parties: Sequence[int]  # organisation ids
    purposes: Sequence[Purpose | str]
    categories: Sequence[DataCategory | str]
    lawful_basis: str
    dpia_reference: str
    starts_on: dt.date | None
    ends_on: dt.date | None = None
    needs_consent: bool = False


def _choices(values: Sequence[Any], kind: type, allowed: Sequence[Any], where: str, problems: list[Problem]) -> list:
    chosen = []
    for value in values:
        try:
            item = kind(value)
        except ValueError:
            item = None
        if item is None or item not in allowed:
            problems.append(Problem(where, f"'{value}' is not one of the choices"))
        elif item not in chosen:
            chosen.append(item)
    if not values:
        problems.append(Problem(where, f"Choose at least one of the {where}"))
    return chosen


def create_agreement(session: Session, actor: Actor, details: AgreementIn) -> SharingAgreement:
    """Record an agreement between two or more partners; the actor's partner must be one of them."""
    require_admin(actor, "sharing.agreement_created", "sharing_agreement")
    problems: list[Problem] = []
    title, found = clean_name(details.title, where="title", label="Title", max_length=300)
    problems += found
    basis, found = clean_free_text(details.lawful_basis, where="lawful_basis", label="Lawful basis", max_length=5000)
    problems += found
    if not basis:
        problems.append(Problem("lawful_basis", "Enter the lawful basis for sharing"))
    dpia, found = clean_name(details.dpia_reference, where="dpia_reference", label="DPIA reference", max_length=100)
    problems += found
    purposes = _choices(details.purposes, Purpose, SHARED_PURPOSES, "purposes", problems)
    categories = _choices(details.categories, DataCategory, list(DataCategory), "categories", problems)
    parties = list(dict.fromkeys(details.parties))
    known = set(session.scalars(select(Organisation.id).where(Organisation.id.in_(parties))))
    problems += [Problem("parties", f"There is no partner {party}") for party in parties if party not in known]
    if len(parties) < 2:
        problems.append(Problem("parties", "Choose at least two partners"))
    elif actor.organisation_id is not None and actor.organisation_id not in parties:
        problems.append(Problem("parties", "Your own organisation must be a party to an agreement you record"))
    if details.starts_on is None:
        problems.append(Problem("starts_on", "Enter the date the agreement starts"))
    elif details.ends_on is not None and details.ends_on < details.starts_on:
        problems.append(Problem("ends_on", "The agreement must end on or after the day it starts"))
    if problems:
        raise InvalidInput(problems)
    assert details.starts_on is not None
    agreement = SharingAgreement(
        title=title,
        purposes=",".join(purpose.value for purpose in purposes),
        categories=",".join(category.value for category in categories),
        lawful_basis=basis,
        dpia_reference=dpia,
        starts_on=details.starts_on,
        ends_on=details.ends_on,
        needs_consent=details.needs_consent,
        created_by=actor.label,
        parties=[AgreementParty(organisation_id=party) for party in parties],
    )
    session.add(agreement)
    session.flush()
    audit.record(
        session,
        actor,
        "sharing.agreement_created",
        object_type="sharing_agreement",
        object_id=agreement.id,
        title=title,
        parties=parties,
        purposes=agreement.purposes,
        categories=agreement.categories,
        starts_on=agreement.starts_on,
        ends_on=agreement.ends_on,
        needs_consent=agreement.needs_consent,
    )
    return agreement


def list_agreements(session: Session, actor: Actor, *, page: int, page_size: int) -> Page[SharingAgreement]:
    """Every agreement, newest start first: any signed-in user may see what the partners share and why."""
    statement = select(SharingAgreement).order_by(SharingAgreement.starts_on.desc(), SharingAgreement.id.desc())
    return paginate(session, statement, page=page, page_size=page_size)


def get_agreement(session: Session, actor: Actor, agreement_id: int) -> SharingAgreement:
    agreement = session.get(SharingAgreement, agreement_id)
    if agreement is None:
        raise NotFound(f"There is no sharing agreement {agreement_id}")
    return agreement


def end_agreement(session: Session, actor: Actor, agreement_id: int, ends_on: dt.date | None) -> SharingAgreement:
    """End an agreement on a day (an administrator of one of its parties); sharing under it stops after that day."""
    require_admin(actor, "sharing.agreement_ended", "sharing_agreement", agreement_id)
    agreement = get_agreement(session, actor, agreement_id)
    parties = {party.organisation_id for party in agreement.parties}
    if actor.organisation_id is not None and actor.organisation_id not in parties:
        reason = "Only an administrator of one of its parties can end an agreement"
        refusal = Refusal(actor, "sharing.agreement_ended", "sharing_agreement", str(agreement_id), reason)
        raise AccessRefused(reason, refusal)
    if ends_on is None:
        raise InvalidInput([Problem("ends_on", "Enter the last day of the agreement")])
    if ends_on < agreement.starts_on:
        raise InvalidInput([Problem("ends_on", "The agreement must end on or after the day it starts")])
    before = agreement.ends_on
    agreement.ends_on = ends_on
    session.flush()
    audit.record(
        session,
        actor,
        "sharing.agreement_ended",
        object_type="sharing_agreement",
        object_id=agreement.id,
        before=before,
        after=ends_on,
    )
    return agreement


# Consent


def _cases_of(session: Session, person_id: int) -> list[Case]:
    return list(session.scalars(select(Case).join(CaseMember).where(CaseMember.person_id == person_id)).unique())


def _consent_scope(session: Session, actor: Actor, person: Person, record_id: int | None) -> Scope:
    """A consent record, decided as held where the person's case is: the actor's own team's case first."""
    teams = access.team_ids(session, actor)
    cases = sorted(_cases_of(session, person.id), key=lambda case: (case.team_id not in teams, -case.id))
    case = cases[0] if cases else None
    return Scope(
        record_type="consent",
        record_id=record_id,
        organisation_id=case.organisation_id if case else person.organisation_id,
        team_id=case.team_id if case else None,
        category=DataCategory.CASEWORK,
        case_id=case.id if case else None,
        person_ids=(person.id,),
    )


def _person(session: Session, actor: Actor, person_id: int) -> Person:
    rls.enter(session, actor)
    person = session.get(Person, person_id)
    if person is None:
        raise NotFound(f"There is no person {person_id}, or it is not shared with you")
    return person


def record_consent(
    session: Session,
    actor: Actor,
    person_id: int,
    status: ConsentStatus | str,
    purposes: Sequence[Purpose | str],
    recorded_on: dt.date | None = None,
    note: str = "",
) -> Consent:
    """Record what the person said about sharing, for which purposes, on which day (a key worker of their case)."""
    person = _person(session, actor, person_id)
    teams = access.team_ids(session, actor)
    holding = any(case.team_id in teams for case in _cases_of(session, person.id))
    if not holding or not actor.roles & access.CASEWORK_ROLES:
        reason = "Only a key worker of a team holding a case of this person records their consent"
        detail = {"category": DataCategory.CASEWORK.value, "rule": "consent-key-worker-only"}
        refusal = Refusal(actor, "casework.write", "consent", None, reason, Purpose.CASE_MANAGEMENT.value, detail)
        raise AccessRefused(reason, refusal)
    scope = _consent_scope(session, actor, person, None)
    access.require(session, actor, scope, Purpose.CASE_MANAGEMENT, Operation.WRITE)
    problems: list[Problem] = []
    try:
        status = ConsentStatus(status)
    except ValueError:
        problems.append(Problem("status", "Choose given, refused or withdrawn"))
    chosen = _choices(purposes, Purpose, SHARED_PURPOSES, "purposes", problems)
    day = recorded_on or today()
    if day > today():
        problems.append(Problem("recorded_on", "The date must be today or in the past"))
    note, found = clean_free_text(note, where="note", label="Note", max_length=2000)
    problems += found
    if problems:
        raise InvalidInput(problems)
    consent = Consent(
        person_id=person.id,
        status=ConsentStatus(status),
        purposes=",".join(purpose.value for purpose in chosen),
        recorded_on=day,
        note=note,
        recorded_by=actor.label,
    )
    session.add(consent)
    session.flush()
    audit.record(
        session,
        actor,
        "consent.recorded",
        object_type="consent",
        object_id=consent.id,
        purpose=Purpose.CASE_MANAGEMENT.value,
        person_id=person.id,
        status=consent.status.value,
        purposes=consent.purposes,
        recorded_on=day,
    )
    return consent


@dataclass(frozen=True)
class ConsentHistory:
    person: Person
    consents: list[Consent]  # newest first
    can_record: bool


def consent_history(session: Session, actor: Actor, person_id: int) -> ConsentHistory:
    """The person's name and every consent recorded for them, each read under an audited decision."""
    person = _person(session, actor, person_id)
    scope = _consent_scope(session, actor, person, None)
    name_scope = Scope(
        "person", person.id, scope.organisation_id, scope.team_id, DataCategory.IDENTITY, scope.case_id, (person.id,)
    )
    access.require(session, actor, name_scope, Purpose.CASE_MANAGEMENT, Operation.READ)
    statement = select(Consent).where(Consent.person_id == person.id)
    consents = list(session.scalars(statement.order_by(Consent.recorded_on.desc(), Consent.id.desc())))
    for consent in consents:
        access.require(session, actor, replace(scope, record_id=consent.id), Purpose.CASE_MANAGEMENT, Operation.READ)
    teams = access.team_ids(session, actor)
    can_record = bool(actor.roles & access.CASEWORK_ROLES) and scope.team_id in teams
    return ConsentHistory(person, consents, can_record)
