"""Who may decide a draft: never the user who drafted it, and only a decision maker of the fund's accountable body.

Real users (with ids and organisations), on both databases; the console and the demo loader are not users.
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy.orm import Session

from tests.factories import make_user
from tests.funds.test_ledger import PCC, contribute, make_fund, make_partner, move
from wholeplace.auth.actor import Actor
from wholeplace.auth.model import Role
from wholeplace.decisions import service as decisions
from wholeplace.decisions.model import Decision, DecisionStatus
from wholeplace.decisions.service import DecisionIn
from wholeplace.problems import AccessRefused

COUNTY = "Essex County Council"


def user_in(session: Session, organisation: str, *roles: Role) -> Actor:
    email = f"{'-'.join(sorted(roles))}.{organisation.split()[-1].lower()}@essex.example"
    return Actor.of(make_user(session, *roles, email=email, organisation=make_partner(session, organisation)))


def top_up_drafted_by(session: Session, drafter: Actor) -> Decision:
    """A draft giving the Strategic Pool £100 in the PCC's fund, drafted by `drafter`."""
    fund = make_fund(session)
    contribute(session, fund, "1000")
    return decisions.draft_decision(
        session,
        drafter,
        fund_id=fund.id,
        draft=DecisionIn(
            reference="PCC/070/13",
            title="Top up the Strategic Pool",
            report_date=dt.date(2013, 11, 1),
            author="Programme Manager",
            decision_maker=PCC,
            recommendations=[move("100", "Pool:Unallocated", "Themes:Strategic Pool")],
        ),
    )


def test_a_user_who_drafted_a_decision_may_not_approve_it_even_holding_both_roles(session: Session) -> None:
    both = user_in(session, PCC, Role.PROGRAMME, Role.DECISION_MAKER)
    decision = top_up_drafted_by(session, both)
    assert (
        decisions.why_not_decide(decision, both) == "You drafted PCC/070/13, so another decision maker must decide it"
    )
    with pytest.raises(AccessRefused, match="You drafted PCC/070/13, so another decision maker must decide it"):
        decisions.approve_decision(session, both, decision_id=decision.id)
    with pytest.raises(AccessRefused, match="You drafted PCC/070/13"):
        decisions.reject_decision(session, both, decision_id=decision.id, reason="Changed my mind")
    assert decision.status is DecisionStatus.DRAFT


def test_a_decision_maker_of_another_partner_may_not_decide_a_funds_money(session: Session) -> None:
    drafter = user_in(session, PCC, Role.PROGRAMME)
    decision = top_up_drafted_by(session, drafter)
    outsider = user_in(session, COUNTY, Role.DECISION_MAKER)
    reason = (
        "Whole Essex Community Budgets is held by Police and Crime Commissioner for Essex: only its decision makers "
        "can decide PCC/070/13"
    )
    assert decisions.why_not_decide(decision, outsider) == reason
    with pytest.raises(AccessRefused) as refused:
        decisions.approve_decision(session, outsider, decision_id=decision.id)
    assert str(refused.value) == reason
    assert refused.value.refusal is not None and refused.value.refusal.reason == reason  # the unit of work audits it
    assert decision.status is DecisionStatus.DRAFT


def test_another_decision_maker_of_the_accountable_body_approves_it(session: Session) -> None:
    drafter = user_in(session, PCC, Role.PROGRAMME, Role.DECISION_MAKER)
    decision = top_up_drafted_by(session, drafter)
    checker = Actor.of(
        make_user(session, Role.DECISION_MAKER, email="checker@essex.example", organisation=make_partner(session, PCC))
    )
    assert decisions.why_not_decide(decision, checker) is None
    posted = decisions.approve_decision(session, checker, decision_id=decision.id)
    assert len(posted) == 1 and decision.status is DecisionStatus.APPROVED
    assert (decision.created_by, decision.recorded_by) == (drafter.label, "checker@essex.example")
