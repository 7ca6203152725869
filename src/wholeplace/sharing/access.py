"""The one access decision that every read and write of case data goes through.

`decide` answers allowed or refused with the rule that decided, and leaves exactly one audit entry naming the
purpose. `require` does the same but raises `AccessRefused` on a refusal, whose audit entry the unit of work
writes after rolling the transaction back (so it survives). The rules, in the order they are tried, are the
table in docs/security.md; tests/sharing/test_access_matrix.py checks every cell of it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from wholeplace import audit
from wholeplace.auth.actor import Actor
from wholeplace.auth.model import Role
from wholeplace.business_dates import today as london_today
from wholeplace.db import utcnow
from wholeplace.partners.model import Team, TeamMember
from wholeplace.problems import AccessRefused, Refusal
from wholeplace.sharing.model import (
    AgreementParty,
    BreakGlass,
    Consent,
    ConsentStatus,
    DataCategory,
    Operation,
    Purpose,
    SharingAgreement,
)

CASEWORK_ROLES = frozenset({Role.KEY_WORKER, Role.TEAM_MANAGER})
MATCHING_CATEGORIES = frozenset({DataCategory.IDENTITY, DataCategory.CONTACT})
# What the gateway's access team writes into its partner's other teams: a new case, or a person added to one.
GATEWAY_HANDS_OVER = frozenset({"case", "case_member"})


@dataclass(frozen=True)
class Scope:
    """What the access decision needs to know about a record of case data."""

    record_type: str  # "case", "person", "referral", "assessment", ...
    record_id: int | None
    organisation_id: int  # the partner that holds it
    team_id: int | None  # the team that holds it (None for a record held by a partner, not a team)
    category: DataCategory
    case_id: int | None = None
    person_ids: tuple[int, ...] = ()
    # teams working with someone who abused this person: they never see the person's contact details
    protected_from_team_ids: frozenset[int] = field(default_factory=frozenset)


@dataclass(frozen=True)
class AccessDecision:
    allowed: bool
    rule: str  # the rule that decided, as named in docs/security.md
    reason: str  # what it means, in a sentence a user can read
    pseudonymised: bool = False  # the actor sees pseudonyms, never names, and only the year of birth


def decide(session: Session, actor: Actor, scope: Scope, purpose: Purpose, operation: Operation) -> AccessDecision:
    """Decide, and record the decision (allowed or refused) in the audit trail with its purpose."""
    decision = evaluate(session, actor, scope, purpose, operation)
    audit.record(
        session,
        actor,
        f"casework.{operation.value}",
        object_type=scope.record_type,
        object_id=scope.record_id,
        purpose=purpose.value,
        outcome=audit.Outcome.ALLOWED if decision.allowed else audit.Outcome.REFUSED,
        **_detail(scope, decision),
    )
    return decision


def require(session: Session, actor: Actor, scope: Scope, purpose: Purpose, operation: Operation) -> AccessDecision:
    """Decide; an allowed access is recorded now, a refused one raises and is recorded after the rollback."""
    decision = evaluate(session, actor, scope, purpose, operation)
    if not decision.allowed:
        raise AccessRefused(
            decision.reason,
            Refusal(
                actor,
                f"casework.{operation.value}",
                scope.record_type,
                None if scope.record_id is None else str(scope.record_id),
                decision.reason,
                purpose=purpose.value,
                detail=_detail(scope, decision),
            ),
        )
    audit.record(
        session,
        actor,
        f"casework.{operation.value}",
        object_type=scope.record_type,
        object_id=scope.record_id,
        purpose=purpose.value,
        **_detail(scope, decision),
    )
    return decision


def decide_aggregate(
    session: Session, actor: Actor, scopes: list[Scope], purpose: Purpose, what: str
) -> list[AccessDecision]:
    """Decide each record behind a figure made of many (a success rate over every case), recording one audit entry
    for the figure: how many records were read and refused, by rule. Reading a figure is one access; writing one
    entry per record would bury the trail under thousands of them for every view of a page."""
    decisions = [evaluate(session, actor, scope, purpose, Operation.READ) for scope in scopes]
    rules: dict[str, int] = {}
    for decision in decisions:
        rules[decision.rule] = rules.get(decision.rule, 0) + 1
    allowed = sum(decision.allowed for decision in decisions)
    audit.record(
        session,
        actor,
        "casework.read",
        object_type=what,
        purpose=purpose.value,
        outcome=audit.Outcome.ALLOWED if allowed or not decisions else audit.Outcome.REFUSED,
        records=len(decisions),
        allowed=allowed,
        rules=rules,
    )
    return decisions


def _detail(scope: Scope, decision: AccessDecision) -> dict[str, object]:
    return {
        "rule": decision.rule,
        "reason": decision.reason,
        "category": scope.category.value,
        "held_by_organisation_id": scope.organisation_id,
        "case_id": scope.case_id,
    }


def evaluate(session: Session, actor: Actor, scope: Scope, purpose: Purpose, operation: Operation) -> AccessDecision:
    """The decision alone, without recording it (for `decide` and `require`)."""
    if purpose is Purpose.ANALYSIS:
        return _analysis(session, actor, scope, operation)
    if purpose is Purpose.SUBJECT_ACCESS:
        return _subject_access(actor, scope, operation)
    if purpose is Purpose.DATA_MATCHING:
        return _data_matching(session, actor, scope, operation)
    if not actor.roles & CASEWORK_ROLES:
        if Role.ANALYST in actor.roles:
            return _refused("analyst-pseudonymised-only", "Analysts see pseudonymised case data only, for analysis")
        return _refused("no-casework-role", "Only key workers and team managers work with case records")
    if scope.record_type == "referral" and scope.record_id is None and operation is Operation.WRITE:
        return _allowed("refer-to-gateway", "Any partner's caseworker may refer someone to the gateway")
    teams = team_ids(session, actor)
    if scope.category is DataCategory.CONTACT and teams & scope.protected_from_team_ids:
        return _refused(
            "victim-contact-withheld",
            "This person's address and contact details are withheld from anyone working with the person "
            "who harmed them",
        )
    if scope.team_id is not None and scope.team_id in teams:
        return _allowed("own-team", "The record is held by your team")
    if scope.organisation_id == actor.organisation_id:
        if _gateway_hands_over(session, scope, operation, teams):
            return _allowed("gateway-hands-over", "The gateway opens cases and adds people to them")
        if operation is Operation.READ:
            return _allowed("same-organisation", "The record is held by another team of your organisation")
        if Role.TEAM_MANAGER in actor.roles:
            return _allowed("same-organisation-manager", "A team manager may change records of their organisation")
        return _refused(
            "other-team-write",
            "Only the team that holds the record, or a team manager of its organisation, may change it",
        )
    return _other_organisation(session, actor, scope, purpose, operation)


def _other_organisation(
    session: Session, actor: Actor, scope: Scope, purpose: Purpose, operation: Operation
) -> AccessDecision:
    decision = _under_agreement(session, actor, scope, purpose, operation)
    if decision.allowed:
        return decision
    if operation is Operation.READ and scope.case_id is not None and _glass_broken(session, actor, scope.case_id):
        return _allowed("break-glass", "Opened in an emergency (break-glass), reviewed by the data protection officer")
    return decision


def _under_agreement(
    session: Session, actor: Actor, scope: Scope, purpose: Purpose, operation: Operation
) -> AccessDecision:
    """Another partner's record: shared only under an agreement in force covering purpose and category (and consent)."""
    today = london_today()
    agreements = _agreements_between(session, actor.organisation_id, scope.organisation_id)
    covering = [a for a in agreements if purpose in a.purpose_set and scope.category in a.category_set]
    active = [a for a in covering if a.active_on(today)]
    refusal: AccessDecision
    if not covering:
        refusal = _refused(
            "no-agreement",
            f"No information sharing agreement with the holding partner covers {purpose.label.lower()} "
            f"and {scope.category.label.lower()}",
        )
    elif not active:
        latest = max(covering, key=lambda a: a.ends_on or dt.date.max)
        refusal = _refused("agreement-expired", f"The agreement '{latest.title}' is not in force on {today:%d %B %Y}")
    else:
        needing_consent = [a for a in active if a.needs_consent]
        without_consent = [a for a in active if not a.needs_consent]
        if without_consent:
            agreement = without_consent[0]
        elif all(_consent_given(session, person_id, purpose) for person_id in scope.person_ids):
            agreement = needing_consent[0]
        else:
            agreement = None
        if agreement is not None and operation is Operation.READ:
            return _allowed("agreement", f"Shared under the agreement '{agreement.title}'")
        if agreement is not None:
            refusal = _refused(
                "agreement-read-only",
                "Under an agreement a partner may read a record; only its holding team changes it",
            )
        else:
            refusal = _refused(
                "consent-not-given",
                "The agreement needs the person's consent, and it is not in force (refused, withdrawn or not recorded)",
            )
    return refusal


def _analysis(session: Session, actor: Actor, scope: Scope, operation: Operation) -> AccessDecision:
    if Role.ANALYST not in actor.roles:
        return _refused("analysis-analysts-only", "Only analysts use case data for analysis")
    if operation is Operation.WRITE:
        return _refused("analysis-read-only", "Analysis reads case data; it never changes it")
    if scope.category is DataCategory.CONTACT:
        return _refused("analysis-no-contact", "Contact details are never given for analysis")
    if scope.organisation_id != actor.organisation_id:
        # another partner's records only as they are shared with the analyst's partner; break-glass is not for analysis
        shared = _under_agreement(session, actor, scope, Purpose.ANALYSIS, operation)
        if not shared.allowed:
            return shared
    return _allowed("analyst-pseudonymised", "Pseudonymised for analysis: no names, year of birth only", True)


def _data_matching(session: Session, actor: Actor, scope: Scope, operation: Operation) -> AccessDecision:
    if Role.ANALYST not in actor.roles:
        return _refused("data-matching-analysts-only", "Only the hub's analysts match records across partners")
    if operation is Operation.WRITE:
        return _refused("data-matching-read-only", "Matching reads partners' records; it never changes them")
    if scope.category not in MATCHING_CATEGORIES:
        return _refused(
            "data-matching-identity-only",
            "Matching uses who a person is and where they live, never what happened to them",
        )
    if scope.organisation_id != actor.organisation_id:
        shared = _under_agreement(session, actor, scope, Purpose.DATA_MATCHING, operation)
        if not shared.allowed:
            return shared
    return _allowed("data-matching", "Read to decide whether records are of one person")


def _subject_access(actor: Actor, scope: Scope, operation: Operation) -> AccessDecision:
    if Role.ADMIN not in actor.roles:
        return _refused("subject-access-admins-only", "Only an administrator answers a subject access request")
    if operation is Operation.WRITE:
        return _refused("subject-access-read-only", "A subject access request reads records; it never changes them")
    if scope.organisation_id != actor.organisation_id:
        return _refused("subject-access-own-organisation", "Each partner answers for the records it holds")
    return _allowed("subject-access", "Read to answer the person's subject access request")


def _gateway_hands_over(session: Session, scope: Scope, operation: Operation, teams: frozenset[int]) -> bool:
    """A new case, or a person added to a case, written by the access team of the partner that will hold it."""
    if operation is not Operation.WRITE or scope.record_type not in GATEWAY_HANDS_OVER:
        return False
    if scope.record_type == "case" and scope.record_id is not None:
        return False
    statement = select(Team.id).where(Team.id.in_(teams), Team.is_gateway)
    return session.scalar(statement.limit(1)) is not None


def team_ids(session: Session, actor: Actor) -> frozenset[int]:
    """The actor's teams, read once per transaction: a list of fifty cases decides fifty times."""
    if actor.user_id is None:
        return frozenset()
    known: dict[int, frozenset[int]] = session.info.setdefault(_TEAMS, {})
    if actor.user_id not in known:
        known[actor.user_id] = frozenset(
            session.scalars(select(TeamMember.team_id).where(TeamMember.user_id == actor.user_id))
        )
    return known[actor.user_id]


_TEAMS = "wholeplace_team_ids"  # session.info key: {user id: team ids} read in this transaction


@event.listens_for(Session, "after_flush")
@event.listens_for(Session, "after_transaction_end")
def _forget_teams(session: Session, *_: object) -> None:
    """Anything written may be a change of membership, and another transaction may see others' changes."""
    session.info.pop(_TEAMS, None)


def _agreements_between(session: Session, ours: int | None, theirs: int) -> list[SharingAgreement]:
    if ours is None:
        return []
    mine = select(AgreementParty.agreement_id).where(AgreementParty.organisation_id == ours)
    statement = (
        select(SharingAgreement)
        .join(AgreementParty)
        .where(AgreementParty.organisation_id == theirs, SharingAgreement.id.in_(mine))
        .order_by(SharingAgreement.id)
    )
    return list(session.scalars(statement).unique())


def consent_in_force(session: Session, person_id: int, purpose: Purpose) -> Consent | None:
    """The newest consent record that covers the purpose, or None when none was ever recorded."""
    statement = (
        select(Consent).where(Consent.person_id == person_id).order_by(Consent.recorded_on.desc(), Consent.id.desc())
    )
    return next((consent for consent in session.scalars(statement) if purpose in consent.purpose_set), None)


def _consent_given(session: Session, person_id: int, purpose: Purpose) -> bool:
    consent = consent_in_force(session, person_id, purpose)
    return consent is not None and consent.status is ConsentStatus.GIVEN


def _glass_broken(session: Session, actor: Actor, case_id: int) -> bool:
    if actor.user_id is None:
        return False
    statement = select(BreakGlass.id).where(
        BreakGlass.user_id == actor.user_id, BreakGlass.case_id == case_id, BreakGlass.expires_at > utcnow()
    )
    return session.scalar(statement.limit(1)) is not None


def _allowed(rule: str, reason: str, pseudonymised: bool = False) -> AccessDecision:
    return AccessDecision(True, rule, reason, pseudonymised)


def _refused(rule: str, reason: str) -> AccessDecision:
    return AccessDecision(False, rule, reason)
