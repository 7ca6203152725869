"""Retention: how long a closed case is kept, what a dry run would erase and why, and erasure.

The periods are LOCAL DEFAULTS, chosen to be defensible and set out with their sources below; a partnership
sets its own in its retention schedule and changes `RULES` to match. They are not legal advice.

- Six years after closure (domestic abuse victim, perpetrator, offender): the Limitation Act 1980 (ss. 2 and 5)
  gives six years to bring most civil claims, which is why local authority retention schedules built on the
  IRMS Retention Guidelines for Local Authorities keep most case files for "last action + 6 years" (the "6+"
  rule; Devon County Council's schedule, for example, keeps domestic homicide reviews six years from closure).
- Family cases: six years after closure, or until the youngest child's 25th birthday if that is later. The
  Records Management Code of Practice 2021 (NHS England, formerly NHSX) keeps children's records until the 25th
  birthday (26th if 17 when care ended): a child's time to claim runs from 18 (Limitation Act 1980 s. 28).
  A family case whose child has no recorded date of birth is never erased automatically.
- A referral screened with no further action or a signpost (no case opened): six years after screening.

Not handled here, and to be checked before running erasure: police and probation keep their own records
under their own rules (MoPI, HMPPS schedules), which this does not replace; and a legal hold, such as the
Independent Inquiry into Child Sexual Abuse's July 2015 instruction not to destroy child protection records,
overrides any period here.

Erasure deletes the records for good: the cases past their period, their referrals, and every person left
with no case or referral anywhere. The audit trail keeps only each case's reference and the rule applied.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session

from wholeplace import audit
from wholeplace.auth.actor import Actor
from wholeplace.auth.model import Role
from wholeplace.business_dates import london_date
from wholeplace.cases.model import (
    Assessment,
    Case,
    CaseKind,
    CaseMember,
    CaseRole,
    CaseStatus,
    Household,
    HouseholdMember,
    Person,
    Referral,
    ScreeningOutcome,
)
from wholeplace.partners.model import Organisation
from wholeplace.problems import AccessRefused, InvalidInput, Problem, Refusal
from wholeplace.sharing import rls

LIMITATION = "Limitation Act 1980 ss. 2 and 5 (six years for most claims); IRMS local authority guidelines' 6+ rule"


@dataclass(frozen=True)
class RetentionRule:
    name: str  # what the audit trail records
    text: str  # the rule in a sentence
    years_after_closure: int
    until_youngest_child_is: int | None  # a birthday of the youngest child that must also have passed
    source: str
    local_default: bool = True


SIX_YEARS = RetentionRule("closed-6-years", "kept 6 years after closure", 6, None, LIMITATION)
RULES: dict[CaseKind, RetentionRule] = {
    CaseKind.DOMESTIC_ABUSE_VICTIM: SIX_YEARS,
    CaseKind.PERPETRATOR: SIX_YEARS,
    CaseKind.OFFENDER: SIX_YEARS,
    CaseKind.FAMILY: RetentionRule(
        "family-6-years-or-child-25",
        "kept 6 years after closure or until the youngest child is 25, whichever is later",
        6,
        25,
        "Records Management Code of Practice 2021 (children's records to the 25th birthday); Limitation Act 1980 s. 28",
    ),
}
REFERRAL_RULE = RetentionRule(
    "referral-6-years", "kept 6 years after screening when no case was opened", 6, None, LIMITATION
)
CLOSED_WITHOUT_CASE = (ScreeningOutcome.NO_FURTHER_ACTION, ScreeningOutcome.SIGNPOSTED)


@dataclass(frozen=True)
class Erasable:
    """A record past its retention period: what it is, whose it is, and the rule that lets it go."""

    record_type: str  # "case" or "referral"
    record_id: int
    reference: str
    held_by: str
    kind: str
    ended_on: dt.date  # closed, or screened
    keep_until: dt.date  # erased from the day after
    rule: RetentionRule

    @property
    def reason(self) -> str:
        what = "Closed" if self.record_type == "case" else "Screened with no case opened"
        kept = f"{self.kind} records are {self.rule.text}"
        return f"{what} on {_long(self.ended_on)}; {kept}: kept until {_long(self.keep_until)}"


def _long(day: dt.date) -> str:
    return f"{day.day} {day:%B %Y}"


def _add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February in a year that has none
        return day.replace(year=day.year + years, day=28)


def _require_admin(actor: Actor, action: str) -> None:
    if Role.ADMIN not in actor.roles:
        reason = "Only an administrator applies the retention rules"
        raise AccessRefused(reason, Refusal(actor, action, "retention", None, reason))


def _holders(session: Session, actor: Actor) -> list[Organisation]:
    """The partners whose records the actor may erase: their own, or every partner's at the console."""
    statement = select(Organisation).order_by(Organisation.id)
    if actor.organisation_id is not None:
        statement = statement.where(Organisation.id == actor.organisation_id)
    return list(session.scalars(statement))


def _keep_until(case: Case, rule: RetentionRule) -> dt.date | None:
    """The last day the case is kept; None while it cannot be known (a child's date of birth is missing)."""
    assert case.closed_on is not None
    until = _add_years(case.closed_on, rule.years_after_closure)
    if rule.until_youngest_child_is is None:
        return until
    children = [
        member.person
        for member in case.members
        if member.role is CaseRole.CHILD
        or (member.person.date_of_birth and _add_years(member.person.date_of_birth, 18) > case.closed_on)
    ]
    if any(child.date_of_birth is None for child in children):
        return None
    births = [child.date_of_birth for child in children if child.date_of_birth is not None]
    if births:
        until = max(until, _add_years(max(births), rule.until_youngest_child_is) - dt.timedelta(days=1))
    return until


def _expired(session: Session, organisation: Organisation, today: dt.date) -> list[Erasable]:
    found = []
    statement = select(Case).where(
        Case.organisation_id == organisation.id, Case.status == CaseStatus.CLOSED, Case.closed_on.is_not(None)
    )
    for case in session.scalars(statement.order_by(Case.closed_on, Case.id)).unique():
        rule = RULES[case.kind]
        until = _keep_until(case, rule)
        if until is not None and until < today:
            assert case.closed_on is not None
            found.append(
                Erasable(
                    "case", case.id, case.reference, organisation.name, case.kind.value, case.closed_on, until, rule
                )
            )
    referrals = select(Referral).where(
        Referral.organisation_id == organisation.id,
        Referral.case_id.is_(None),
        Referral.outcome.in_(CLOSED_WITHOUT_CASE),
        Referral.screened_at.is_not(None),
    )
    for referral in session.scalars(referrals.order_by(Referral.screened_at, Referral.id)):
        assert referral.screened_at is not None
        screened = london_date(referral.screened_at)
        until = _add_years(screened, REFERRAL_RULE.years_after_closure)
        if until < today:
            found.append(
                Erasable(
                    "referral",
                    referral.id,
                    referral.reference,
                    organisation.name,
                    "referral",
                    screened,
                    until,
                    REFERRAL_RULE,
                )
            )
    return found


def retention_dry_run(session: Session, actor: Actor, today: dt.date) -> list[Erasable]:
    """What erasure would delete on this day, and why; nothing is changed."""
    _require_admin(actor, "retention.dry_run")
    found = []
    for organisation in _holders(session, actor):
        rls.enter_organisation(session, organisation.id)
        found += _expired(session, organisation, today)
    return found


def erase(
    session: Session,
    actor: Actor,
    today: dt.date,
    *,
    confirm: bool,
    progress: Callable[[Erasable], None] | None = None,
) -> list[Erasable]:
    """Delete the records past their period and the people left with no case or referral anywhere."""
    _require_admin(actor, "retention.erase")
    if not confirm:
        raise InvalidInput([Problem("confirm", "Erasure deletes records for good: confirm it to go ahead")])
    erased: list[Erasable] = []
    people = households = 0
    for organisation in _holders(session, actor):
        rls.enter_organisation(session, organisation.id)
        found = _expired(session, organisation, today)
        if not found:
            continue
        case_ids = {item.record_id for item in found if item.record_type == "case"}
        referral_ids = {item.record_id for item in found if item.record_type == "referral"}
        referral_ids |= set(session.scalars(select(Referral.id).where(Referral.case_id.in_(case_ids))))
        candidates = set(session.scalars(select(CaseMember.person_id).where(CaseMember.case_id.in_(case_ids))))
        candidates |= set(session.scalars(select(Referral.person_id).where(Referral.id.in_(referral_ids))))
        leaving = _left_with_nothing(session, candidates, case_ids, referral_ids)
        rls.enter_organisation(session, organisation.id)
        their_households = set(
            session.scalars(select(HouseholdMember.household_id).where(HouseholdMember.person_id.in_(leaving)))
        )
        # People first: under row-level security a person is seen through their cases and referrals, so they go
        # while those stand. The database's ON DELETE CASCADE takes each record's children (their references,
        # consents, plans, notes, checklists...).
        session.execute(delete(Person).where(Person.id.in_(leaving)))
        session.execute(delete(Referral).where(Referral.id.in_(referral_ids)))
        session.execute(delete(Case).where(Case.id.in_(case_ids)))
        households += _erase_empty_households(session, their_households)
        people += len(leaving)
        for item in found:
            audit.record(
                session,
                actor,
                f"retention.{item.record_type}_erased",
                object_type=item.record_type,
                object_id=item.record_id,
                reference=item.reference,
                rule=item.rule.name,
            )
            erased.append(item)
            if progress is not None:
                progress(item)
    audit.record(
        session,
        actor,
        "retention.erased",
        object_type="retention",
        on=today.isoformat(),
        cases=sum(item.record_type == "case" for item in erased),
        referrals=sum(item.record_type == "referral" for item in erased),
        people=people,
        households=households,
    )
    return erased


def _left_with_nothing(session: Session, candidates: set[int], case_ids: set[int], referral_ids: set[int]) -> set[int]:
    """The candidates with no case, referral or checklist left once these go, in any partner.

    Each partner's scope is entered in turn: under row-level security one partner cannot see another's cases,
    and a person still in any of them must stay. Only ids are read.
    """
    keep: set[int] = set()
    for organisation_id in session.scalars(select(Organisation.id)):
        rls.enter_organisation(session, organisation_id)
        keep |= set(
            session.scalars(
                select(CaseMember.person_id).where(
                    CaseMember.person_id.in_(candidates), CaseMember.case_id.not_in(case_ids)
                )
            )
        )
        keep |= set(
            session.scalars(
                select(Referral.person_id).where(Referral.person_id.in_(candidates), Referral.id.not_in(referral_ids))
            )
        )
        keep |= set(
            session.scalars(
                select(Assessment.person_id).where(
                    Assessment.person_id.in_(candidates), Assessment.case_id.not_in(case_ids)
                )
            )
        )
    return candidates - keep


def _erase_empty_households(session: Session, household_ids: set[int]) -> int:
    """Households whose last members were just erased: their names name the family."""
    members = select(HouseholdMember.household_id).where(HouseholdMember.household_id.in_(household_ids))
    still_used = or_(
        Household.id.in_(members), Household.id.in_(select(Case.household_id).where(Case.household_id.is_not(None)))
    )
    empty = list(session.scalars(select(Household.id).where(Household.id.in_(household_ids), ~still_used)))
    if empty:
        session.execute(delete(Household).where(Household.id.in_(empty)))
    return len(empty)
