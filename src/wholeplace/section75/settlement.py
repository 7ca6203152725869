"""The year-end settlement of a section 75 agreement: worked out from the ledger, and drafted as a decision whose
approval posts it (the accounts each result moves are in docs/section75.md)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from wholeplace import audit, business_dates
from wholeplace.auth.actor import Actor, require
from wholeplace.decisions import service as decisions
from wholeplace.decisions.model import Decision, DecisionStatus
from wholeplace.funds import ledger
from wholeplace.funds.model import UNALLOCATED_PATH, Account, AccountKind, LedgerTransaction, Posting
from wholeplace.money import FinancialYear, Money
from wholeplace.problems import Conflict, InvalidInput, Problem
from wholeplace.section75 import engine
from wholeplace.section75.engine import Outcome, PartnerYear, YearEnd
from wholeplace.section75.model import Agreement, Settlement, UnderspendTreatment
from wholeplace.section75.service import get_agreement, reconcile, years
from wholeplace.section75.terms import read_date


def _held(session: Session, fund_id: int, kind: AccountKind, year: FinancialYear) -> Money:
    pence = session.scalar(
        select(func.coalesce(func.sum(Posting.amount_pence), 0))
        .join(Account, Account.id == Posting.account_id)
        .where(Account.fund_id == fund_id, Account.kind == kind, Posting.financial_year == year.start_year)
    )
    return Money(int(pence or 0))


def settled(session: Session, agreement: Agreement, year: FinancialYear) -> Money:
    """What the year's posted settlements moved: overspend met (+) less underspend returned or carried forward (-).

    From their postings: paid in from contributions, paid out to Returned, or moved to another year.
    """
    ids = [s.decision_id for s in agreement.settlements if s.financial_year == year.start_year]
    total = Money(0)
    rows = session.execute(
        select(Account.kind, Posting.financial_year, Posting.amount_pence)
        .join(Posting, Posting.account_id == Account.id)
        .join(LedgerTransaction, LedgerTransaction.id == Posting.transaction_id)
        .where(LedgerTransaction.decision_id.in_(ids))
    )
    for kind, posted_year, pence in rows:
        leaves = posted_year != year.start_year or kind in (AccountKind.CONTRIBUTION, AccountKind.RETURNED)
        total -= Money(pence) if leaves else Money(0)
    return total


def compute_settlement(
    session: Session, actor: Actor, *, agreement_id: int, year: FinancialYear, accrued: Money = Money(0)
) -> YearEnd:
    """The year-end settlement from the ledger: agreed contributions, spend and what earlier settlements moved."""
    agreement = get_agreement(session, actor, agreement_id)
    if year not in years(agreement):
        labels = ", ".join(str(item) for item in years(agreement))
        raise InvalidInput([Problem("year", f"The agreement runs in {labels}, not {year}")])
    if accrued.pence < 0:
        raise InvalidInput([Problem("accrued", "Expenditure not yet paid must be £0.00 or more")])
    lines = reconcile(session, actor, agreement, year)
    partners = [
        PartnerYear(
            line.partner, line.scheduled, line.in_ledger, partner.overspend_share_bp, partner.underspend_share_bp
        )
        for line, partner in zip(lines, agreement.partners, strict=True)
    ]
    spent = _held(session, agreement.fund_id, AccountKind.SPEND, year)
    return engine.settle(year, partners, spent=spent, accrued=accrued, settled=settled(session, agreement, year))


def overspend_targets(session: Session, agreement: Agreement) -> list[Account]:
    """Where an overspend can be paid: the pool, or one of the fund's themes and projects."""
    return list(
        session.scalars(
            select(Account)
            .where(
                Account.fund_id == agreement.fund_id,
                Account.kind.in_([AccountKind.UNALLOCATED, AccountKind.THEME, AccountKind.PROJECT]),
            )
            .order_by(Account.kind != AccountKind.UNALLOCATED, Account.path)
        )
    )


def draft_settlement(
    session: Session,
    actor: Actor,
    *,
    agreement_id: int,
    year: FinancialYear,
    reference: str,
    report_date: dt.date | None = None,
    accrued: Money = Money(0),
    overspend_to: str = UNALLOCATED_PATH,
) -> Decision:
    """Draft the decision that settles the year; approving it posts the partners' shares."""
    require(actor, "section75.manage", object_type="s75_agreement", object_id=agreement_id)
    if report_date is not None and (problems := read_date(report_date, "report_date", "Report date")[1]):
        raise InvalidInput(problems)
    found = compute_settlement(session, actor, agreement_id=agreement_id, year=year, accrued=accrued)
    agreement = get_agreement(session, actor, agreement_id)
    if any(
        s.financial_year == year.start_year and s.decision.status is DecisionStatus.DRAFT for s in agreement.settlements
    ):
        raise Conflict(f"A settlement of {year} is already drafted: approve or reject it first")
    if found.outcome is Outcome.BALANCED:
        raise InvalidInput([Problem("year", f"{year} is balanced: there is nothing to settle")])
    recommendations = _recommendations(session, agreement, found, overspend_to)
    report_date = report_date or business_dates.today()
    decision = decisions.draft_decision(
        session,
        actor,
        fund_id=agreement.fund_id,
        draft=decisions.DecisionIn(
            reference=reference,
            title=f"{agreement.title}: year-end settlement of {year}",
            report_date=report_date,
            author=actor.label,
            decision_maker=agreement.host.name,
            purpose=f"To settle the {found.outcome.value} of {found.amount} on the pooled fund in {year} under "
            f"section 75 agreement {agreement.reference}, in the shares the partners agreed.",
            financial_implications=f"Agreed contributions {found.agreed}; spend {found.spent}; expenditure not yet "
            f"paid {found.accrued}; outturn {found.outturn}; already settled {found.settled}.",
            recommendations=recommendations,
        ),
    )
    session.add(
        Settlement(
            agreement=agreement,
            financial_year=year.start_year,
            decision=decision,
            accrued_pence=accrued.pence,
            created_by=actor.label,
        )
    )
    session.flush()
    audit.record(
        session,
        actor,
        "s75_settlement.drafted",
        object_type="s75_agreement",
        object_id=agreement.id,
        year=str(year),
        decision=decision.reference,
        settles=found.outcome.value,
        amount=found.amount.plain(),
    )
    return decision


def _recommendations(
    session: Session, agreement: Agreement, found: YearEnd, overspend_to: str
) -> list[decisions.RecommendationIn]:
    """The money moves: an overspend from each partner's contributions to where it was spent; an underspend from
    the pool back to each partner (Returned:<partner>) or into the pool's next year."""
    year, items = found.year, []
    if found.outcome is Outcome.OVERSPEND:
        if overspend_to not in {account.path for account in overspend_targets(session, agreement)}:
            raise InvalidInput([Problem("overspend_to", "Choose the pool or one of the fund's themes and projects")])
        for line in found.lines:
            items.append((line, f"Contributions:{line.partner}", overspend_to, year, "meets"))
    else:
        carry = agreement.underspend is UnderspendTreatment.CARRY_FORWARD
        if carry and (year + 1).start_year > agreement.fund.last_year:
            raise InvalidInput(
                [Problem("year", f"The fund ends in {year}: an underspend cannot be carried forward past it")]
            )
        pool = ledger.balances(session, agreement.fund_id, accounts=[UNALLOCATED_PATH])
        unallocated = pool[0].by_year.get(year, Money(0)) if pool else Money(0)
        if unallocated < found.amount:
            raise InvalidInput(
                [
                    Problem(
                        "year",
                        f"The pool holds {unallocated} unallocated in {year}, less than the underspend of "
                        f"{found.amount}: return what themes and projects did not spend to the pool first",
                    )
                ]
            )
        for line in found.lines:
            target = UNALLOCATED_PATH if carry else f"Returned:{line.partner}"
            items.append(
                (
                    line,
                    UNALLOCATED_PATH,
                    target,
                    year + 1 if carry else year,
                    "carries forward" if carry else "is returned",
                )
            )
    recommendations = []
    for line, source, target, to_year, verb in items:
        if line.amount.pence == 0:
            continue
        text = (
            f"{line.partner} {verb} {engine.percent(line.share_bp)} of the {year} {found.outcome.value}"
            if verb == "meets"
            else f"{line.partner}'s {engine.percent(line.share_bp)} of the {year} underspend {verb}"
        )
        recommendations.append(
            decisions.RecommendationIn(
                number=str(len(recommendations) + 1),
                text=text,
                amount=line.amount,
                from_account=source,
                to_account=target,
                from_year=year,
                to_year=to_year,
            )
        )
    return recommendations


def settlements_by_year(agreement: Agreement) -> dict[int, list[Settlement]]:
    found: dict[int, list[Settlement]] = defaultdict(list)
    for settlement in agreement.settlements:
        found[settlement.financial_year].append(settlement)
    return found
