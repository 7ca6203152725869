"""Would a decision's money overdraw an account as things stand? Said on a draft's page and in the API when it is
drafted, so a report is put to its decision maker knowing; binding only at approval and posting (`call_in.py`)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session

from wholeplace.decisions import call_in
from wholeplace.decisions.engine import Shortfall, shortfalls
from wholeplace.decisions.model import Decision, DecisionStatus
from wholeplace.funds import ledger
from wholeplace.funds.engine import PostingLine
from wholeplace.money import FinancialYear, Money


def postings_of(decision: Decision) -> list[Sequence[PostingLine]]:
    """Each recommendation's two postings, as the ledger would post them."""
    return [
        (
            PostingLine(
                item.from_account.path, item.from_account.kind, Money(-item.amount_pence), FinancialYear(item.from_year)
            ),
            PostingLine(
                item.to_account.path, item.to_account.kind, Money(item.amount_pence), FinancialYear(item.to_year)
            ),
        )
        for item in decision.recommendations
    ]


def overspend(session: Session, decision: Decision) -> list[Shortfall]:
    """The accounts a draft (or an approved decision whose money waits) would leave short, after the ledger as it
    stands and the money of decisions approved before it that has not posted yet. Empty once its money posted."""
    waiting = decision.status is DecisionStatus.APPROVED and decision.money_posted_at is None
    if decision.status is not DecisionStatus.DRAFT and not waiting:
        return []
    steps = postings_of(decision)
    touched = {line.account for lines in steps for line in lines}
    before = [
        other
        for other in call_in.waiting_to_post(session, decision.fund_id, excluding=decision.id)
        if decision.status is DecisionStatus.DRAFT or (other.decided_on, other.id) < (decision.decided_on, decision.id)
    ]
    committed = [lines for other in before for lines in postings_of(other)]
    return shortfalls(ledger.balances(session, decision.fund_id, accounts=touched), committed, steps)
