"""Payment by results: schemes, their cohorts and evidence, and claims computed, checked and paid.

A claim for a period is computed by `claims.compute_claim` from the scheme's members, evidence and relapses,
and what earlier claims paid; its lines are stored with their evidence. Spot checks draw a seeded sample of the
paying lines; a failed check reverses its line. Submitting a claim drafts the decision that pays it (from the
scheme's account to its spend), and the claim is paid when that decision is approved and posts.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from wholeplace import audit
from wholeplace.auth.actor import Actor, require
from wholeplace.business_dates import today
from wholeplace.decisions import service as decisions
from wholeplace.decisions.model import Decision, DecisionStatus
from wholeplace.funds.model import Account, Fund
from wholeplace.money import FinancialYear, Money
from wholeplace.outcomes import claims
from wholeplace.outcomes.grants import spend_path
from wholeplace.outcomes.model import (
    ClaimLineRecord,
    ClaimRecord,
    ClaimStatus,
    CohortMember,
    EvidenceRule,
    Measurement,
    OutcomeRecord,
    RelapseRecord,
    Scheme,
)
from wholeplace.outcomes.periods import Period
from wholeplace.paging import Page, paginate
from wholeplace.problems import Conflict, InvalidInput, NotFound, Problem

SAMPLE_SHARE = Decimal("0.1")  # a tenth of the paying lines, and at least one, are checked by default


def get_scheme(session: Session, actor: Actor, code: str) -> Scheme:
    require(actor, "outcomes.view", object_type="scheme", object_id=code)
    scheme = session.scalar(select(Scheme).where(Scheme.code == code))
    if scheme is None:
        known = ", ".join(session.scalars(select(Scheme.code).order_by(Scheme.code))) or "none yet"
        raise NotFound(f"There is no scheme '{code}'. Schemes: {known}")
    return scheme


def list_schemes(session: Session, actor: Actor) -> Sequence[Scheme]:
    require(actor, "outcomes.view", object_type="scheme")
    return session.scalars(select(Scheme).order_by(Scheme.name)).all()


def rules_of(scheme: Scheme) -> claims.Rules:
    def money(pence: int | None) -> Money | None:
        return Money(pence) if pence is not None else None

    return claims.Rules(
        tariffs={outcome.code: Money(outcome.tariff_pence) for outcome in scheme.outcomes},
        attachment_fee=money(scheme.attachment_fee_pence),
        cap_per_unit=money(scheme.cap_per_unit_pence),
        cap_scheme=money(scheme.cap_scheme_pence),
        holding_months=scheme.holding_months,
    )


def _paid_before(session: Session, scheme: Scheme, *, excluding: int | None) -> claims.Paid:
    """What claims already submitted or paid have paid, line by line, and the evidence their checks refused."""
    query = (
        select(
            ClaimLineRecord.unit_ref,
            ClaimLineRecord.outcome_code,
            ClaimLineRecord.amount_pence,
            ClaimLineRecord.status,
            ClaimLineRecord.evidence_id,
        )
        .join(ClaimRecord, ClaimRecord.id == ClaimLineRecord.claim_id)
        .where(
            ClaimRecord.scheme_id == scheme.id,
            ClaimRecord.status != ClaimStatus.DRAFT,
            ClaimLineRecord.status.in_([*(status.value for status in claims.PAYING), claims.LineStatus.REVERSED.value]),
        )
    )
    if excluding is not None:
        query = query.where(ClaimRecord.id != excluding)
    outcomes, failed, by_unit, total = set(), set(), {}, Money(0)
    for unit, outcome, pence, status, evidence_id in session.execute(query):
        if status == claims.LineStatus.REVERSED.value:
            failed.add((unit, outcome, evidence_id))
            continue
        outcomes.add((unit, outcome))
        by_unit[unit] = by_unit.get(unit, Money(0)) + Money(pence)
        total += Money(pence)
    return claims.Paid(frozenset(outcomes), by_unit, total, frozenset(failed))


def _measurement_evidence(session: Session, actor: Actor, scheme: Scheme, units: set[str]) -> list[OutcomeRecord]:
    """For a scheme paid on measurements: each current area figure that reaches an outcome's threshold is
    evidence for that area. Returns the records not yet held, unsaved."""
    held = set(session.scalars(select(OutcomeRecord.source).where(OutcomeRecord.scheme_id == scheme.id)))
    found = []
    for outcome in scheme.outcomes:
        if outcome.indicator_id is None or outcome.threshold is None:
            continue
        for measurement in session.scalars(
            select(Measurement).where(Measurement.indicator_id == outcome.indicator_id, Measurement.current.is_(True))
        ):
            higher = measurement.indicator.higher_is_better
            meets = measurement.value >= outcome.threshold if higher else measurement.value <= outcome.threshold
            source = (
                f"Measurement {measurement.id}: {measurement.indicator.name}, {measurement.area.name}, "
                f"{measurement.period}, {measurement.value.normalize():f}"
            )
            if meets and measurement.area.code in units and source not in held:
                found.append(
                    OutcomeRecord(
                        scheme_id=scheme.id,
                        unit_ref=measurement.area.code,
                        outcome_code=outcome.code,
                        achieved_on=measurement.period.ends,
                        source=source,
                        recorded_by=actor.label,
                    )
                )
    return found


def compute(
    session: Session,
    actor: Actor,
    scheme: Scheme,
    period: Period,
    *,
    claim_id: int | None = None,
    record_evidence: bool = False,
) -> claims.Claim:
    """The claim the scheme's records support for a period. Nothing is stored unless `record_evidence`: then
    the measurements that are evidence for a measurement-paid scheme are recorded first, so lines can cite them;
    otherwise they are evidence in memory only, numbered below zero."""
    require(actor, "outcomes.view", object_type="scheme", object_id=scheme.code)
    members = [
        claims.Member(member.unit_ref, member.person_ref, member.attached_on)
        for member in session.scalars(select(CohortMember).where(CohortMember.scheme_id == scheme.id))
    ]
    unsaved: list[OutcomeRecord] = []
    if scheme.evidence_rule is EvidenceRule.MEASUREMENTS:
        unsaved = _measurement_evidence(session, actor, scheme, {member.unit for member in members})
        if record_evidence:
            session.add_all(unsaved)
            session.flush()
            unsaved = []
    evidence = [
        claims.Evidence(item.id, item.unit_ref, item.outcome_code, item.achieved_on, item.source)
        for item in session.scalars(select(OutcomeRecord).where(OutcomeRecord.scheme_id == scheme.id))
    ] + [
        claims.Evidence(-number, item.unit_ref, item.outcome_code, item.achieved_on, item.source)
        for number, item in enumerate(unsaved, start=1)
    ]
    relapses = [
        claims.Relapse(item.id, item.unit_ref, item.person_ref, item.occurred_on, item.what)
        for item in session.scalars(select(RelapseRecord).where(RelapseRecord.scheme_id == scheme.id))
    ]
    return claims.compute_claim(
        rules_of(scheme),
        period_end=period.ends,
        members=members,
        evidence=evidence,
        relapses=relapses,
        paid=_paid_before(session, scheme, excluding=claim_id),
    )


def make_claim(session: Session, actor: Actor, *, scheme_code: str, period: Period) -> ClaimRecord:
    """Compute and store the claim for a period; a draft for the same period is computed afresh."""
    require(actor, "outcomes.claims", object_type="scheme", object_id=scheme_code)
    scheme = get_scheme(session, actor, scheme_code)
    if period.ends > today() + dt.timedelta(days=366 * 5):
        raise InvalidInput([Problem("period", f"{period} is too far ahead")])
    claim = session.scalar(
        select(ClaimRecord).where(
            ClaimRecord.scheme_id == scheme.id,
            ClaimRecord.period_start == period.starts,
            ClaimRecord.period_kind == period.kind,
        )
    )
    if claim is not None and claim.status is not ClaimStatus.DRAFT:
        raise Conflict(f"The claim for {period} has been {claim.status.value}: it cannot be computed again")
    if claim is None:
        claim = ClaimRecord(
            scheme_id=scheme.id, period_start=period.starts, period_kind=period.kind, created_by=actor.label
        )
        session.add(claim)
        session.flush()
    else:
        session.execute(delete(ClaimLineRecord).where(ClaimLineRecord.claim_id == claim.id))
        session.expire(claim, ["lines"])
    computed = compute(session, actor, scheme, period, claim_id=claim.id, record_evidence=True)
    session.add_all(
        ClaimLineRecord(
            claim_id=claim.id,
            position=position,
            unit_ref=line.unit,
            outcome_code=line.outcome,
            tariff_pence=line.tariff.pence,
            amount_pence=line.amount.pence,
            status=line.status.value,
            reason=line.reason,
            evidence_id=line.evidence_id,
            relapse_id=line.relapse_id,
        )
        for position, line in enumerate(computed.lines, start=1)
    )
    session.flush()
    session.expire(claim, ["lines"])
    audit.record(
        session,
        actor,
        "claim.computed",
        object_type="claim",
        object_id=claim.id,
        scheme=scheme.code,
        period=str(period),
        total=computed.total.plain(),
        lines=len(computed.lines),
    )
    return claim


def get_claim(session: Session, actor: Actor, claim_id: int) -> ClaimRecord:
    require(actor, "outcomes.claim_lines", object_type="claim", object_id=claim_id)
    claim = session.get(ClaimRecord, claim_id)
    if claim is None:
        raise NotFound(f"There is no claim {claim_id}")
    _settle(session, claim)
    return claim


def _settle(session: Session, claim: ClaimRecord) -> None:
    """A submitted claim is paid once the decision that pays it is approved and its money has posted.

    An approved decision's money may wait for its call-in period to end (decisions/README.md): until then the
    claim stays submitted.
    """
    if claim.status is ClaimStatus.SUBMITTED and claim.decision_id is not None:
        decision = session.get(Decision, claim.decision_id)
        if decision is not None and decision.status is DecisionStatus.APPROVED and decision.money_posted_at:
            claim.status = ClaimStatus.PAID


def list_claims(session: Session, actor: Actor, *, page: int = 1, page_size: int = 50) -> Page[ClaimRecord]:
    require(actor, "outcomes.claim_lines", object_type="claim")
    found = paginate(
        session,
        select(ClaimRecord).order_by(ClaimRecord.period_start.desc(), ClaimRecord.id),
        page=page,
        page_size=page_size,
    )
    for claim in found.items:
        _settle(session, claim)
    return found


def draw_sample(session: Session, actor: Actor, *, claim_id: int, size: int | None = None) -> list[ClaimLineRecord]:
    """Mark a sample of the paying lines for spot checks: seeded by the claim, so the same draw every time."""
    require(actor, "outcomes.claims", object_type="claim", object_id=claim_id)
    claim = _draft_claim(session, actor, claim_id)
    paying = [line for line in claim.lines if line.paying and not line.sampled]
    if not paying:
        return []
    wanted = size if size is not None else max(1, int(len(paying) * SAMPLE_SHARE))
    if not 1 <= wanted <= len(paying):
        raise InvalidInput([Problem("size", f"Choose between 1 and {len(paying)} lines")])
    chosen = random.Random(claim.id * 7919 + len(claim.lines)).sample(paying, wanted)
    for line in chosen:
        line.sampled = True
    audit.record(
        session,
        actor,
        "claim.sampled",
        object_type="claim",
        object_id=claim_id,
        lines=[picked.position for picked in chosen],
    )
    return sorted(chosen, key=lambda line: line.position)


def record_check(session: Session, actor: Actor, *, line_id: int, passed: bool, note: str) -> ClaimLineRecord:
    """The result of a spot check; a failed one reverses its line, so the claim no longer pays it."""
    require(actor, "outcomes.claims", object_type="claim_line", object_id=line_id)
    line = session.get(ClaimLineRecord, line_id)
    if line is None:
        raise NotFound(f"There is no claim line {line_id}")
    _draft_claim(session, actor, line.claim_id)
    if not line.sampled:
        raise InvalidInput([Problem("line", "Only a line drawn for a spot check can be checked")])
    if not passed and not note.strip():
        raise InvalidInput([Problem("note", "Say what the check found")])
    line.check_passed, line.check_note = passed, note.strip()[:2000]
    if not passed:
        line.reason = f"Reversed by a spot check: {line.check_note} (was {line.status}, {Money(line.amount_pence)})"
        line.status, line.amount_pence = claims.LineStatus.REVERSED.value, 0
    audit.record(
        session, actor, "claim.checked", object_type="claim", object_id=line.claim_id, line=line.position, passed=passed
    )
    return line


def _draft_claim(session: Session, actor: Actor, claim_id: int) -> ClaimRecord:
    claim = get_claim(session, actor, claim_id)
    if claim.status is not ClaimStatus.DRAFT:
        raise Conflict(f"The claim has been {claim.status.value}: it can no longer change")
    return claim


def submit_claim(session: Session, actor: Actor, *, claim_id: int, reference: str, report_date: dt.date) -> Decision:
    """Draft the decision that pays the claim; every sampled line must have been checked first."""
    require(actor, "outcomes.claims", object_type="claim", object_id=claim_id)
    claim = _draft_claim(session, actor, claim_id)
    unchecked = [line.position for line in claim.lines if line.sampled and line.check_passed is None]
    if unchecked:
        raise InvalidInput([Problem("lines", f"Check the sampled lines first: {', '.join(map(str, unchecked))}")])
    total = Money(claim.total_pence)
    if total.pence <= 0:
        raise InvalidInput([Problem("claim", "The claim pays nothing, so there is nothing to submit")])
    scheme = claim.scheme
    account = session.get(Account, scheme.pay_from_account_id)
    fund = session.get(Fund, scheme.fund_id)
    assert account is not None and fund is not None
    year = FinancialYear.of(claim.period.ends)
    if year.start_year > fund.last_year:
        year = FinancialYear(fund.last_year)
    decision = decisions.draft_decision(
        session,
        actor,
        fund_id=scheme.fund_id,
        draft=decisions.DecisionIn(
            reference=reference,
            title=f"{scheme.name}: payment by results claim for {claim.period}",
            report_date=report_date,
            author=actor.label,
            decision_maker=scheme.decision_maker,
            purpose=f"To pay the {scheme.name} claim for {claim.period}: {len(claim.lines)} lines, "
            f"{sum(1 for line in claim.lines if line.paying)} paying, each traced to its evidence.",
            recommendations=[
                decisions.RecommendationIn(
                    number="1",
                    text=f"Pay the results claim for {claim.period}",
                    amount=total,
                    from_account=account.path,
                    to_account=spend_path(account),
                    from_year=year,
                )
            ],
        ),
    )
    claim.status, claim.decision_id = ClaimStatus.SUBMITTED, decision.id
    audit.record(
        session,
        actor,
        "claim.submitted",
        object_type="claim",
        object_id=claim.id,
        decision=decision.reference,
        total=total.plain(),
    )
    return decision


@dataclass(frozen=True)
class SavingsReturned:
    rate: Decimal
    savings: dict[str, Money]
    returned: dict[str, Money]


def savings_for(scheme: Scheme, lines: Sequence[ClaimLineRecord]) -> SavingsReturned:
    """What the paid outcomes save each partner, and what each would return to the place at the scheme's rate."""
    values = {outcome.code: outcome.savings_pence for outcome in scheme.outcomes}
    savings: dict[str, Money] = {}
    for line in lines:
        if line.paying:
            for partner, pence in values.get(line.outcome_code, {}).items():
                savings[partner] = savings.get(partner, Money(0)) + Money(pence)
    return SavingsReturned(scheme.savings_rate, savings, claims.savings_returned(savings, scheme.savings_rate))


@dataclass(frozen=True)
class CohortSummary:
    units: int
    people: int
    evidence: int
    relapses: int


def cohort_summary(session: Session, scheme: Scheme) -> CohortSummary:
    """How many families (or people) and members the cohort has, and the evidence and relapses held."""

    def count(statement: Any) -> int:
        return int(session.scalar(statement) or 0)

    return CohortSummary(
        count(select(func.count(func.distinct(CohortMember.unit_ref))).where(CohortMember.scheme_id == scheme.id)),
        count(select(func.count()).select_from(CohortMember).where(CohortMember.scheme_id == scheme.id)),
        count(select(func.count()).select_from(OutcomeRecord).where(OutcomeRecord.scheme_id == scheme.id)),
        count(select(func.count()).select_from(RelapseRecord).where(RelapseRecord.scheme_id == scheme.id)),
    )


def claims_of(session: Session, actor: Actor, scheme: Scheme) -> list[ClaimRecord]:
    require(actor, "outcomes.view", object_type="scheme", object_id=scheme.code)
    found = list(
        session.scalars(
            select(ClaimRecord).where(ClaimRecord.scheme_id == scheme.id).order_by(ClaimRecord.period_start)
        )
    )
    for claim in found:
        _settle(session, claim)
    return found


def line_counts(claim: ClaimRecord) -> dict[str, int]:
    """How many lines of each status the claim has, in the engine's order of statuses."""
    counts = {status.value: 0 for status in claims.LineStatus}
    for line in claim.lines:
        counts[line.status] += 1
    return counts


def decision_of(session: Session, claim: ClaimRecord) -> Decision | None:
    return session.get(Decision, claim.decision_id) if claim.decision_id else None
