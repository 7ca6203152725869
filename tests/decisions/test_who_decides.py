"""Who may decide a draft: a user of the partner it is put to, holding the role it names, and never the user who
drafted it. Real users (with ids and organisations), on both databases; the console and the demo loader are not
users and record decisions taken on paper.
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy.orm import Session

from tests.factories import make_user
from tests.funds.test_ledger import DECIDER, PCC, contribute, make_fund, make_partner, move
from wholeplace.auth.actor import Actor
from wholeplace.auth.model import Role
from wholeplace.decisions import service as decisions
from wholeplace.decisions.model import Decision, DecisionStatus
from wholeplace.decisions.service import DecisionIn
from wholeplace.problems import AccessRefused, InvalidInput, Problem

COUNTY = "Essex County Council"
ON_THE_DAY = decisions.Signature(dt.date(2013, 11, 1))  # the report's day: the call-in is long over, money posts


def user_in(session: Session, organisation: str, *roles: Role, name: str = "") -> Actor:
    email = f"{name or '-'.join(sorted(roles))}.{organisation.split()[-1].lower()}@essex.example"
    return Actor.of(make_user(session, *roles, email=email, organisation=make_partner(session, organisation)))


def top_up_drafted_by(
    session: Session, drafter: Actor, *, partner_id: int | None = None, role: Role = Role.DECISION_MAKER
) -> Decision:
    """A draft giving the Strategic Pool £100 in the PCC's fund, drafted by `drafter`, put to a partner and role."""
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
            decision_maker_partner_id=partner_id,
            decision_maker_role=role,
        ),
    )


def test_a_draft_left_to_the_default_is_put_to_the_decision_makers_of_the_funds_holder(session: Session) -> None:
    decision = top_up_drafted_by(session, user_in(session, PCC, Role.PROGRAMME))
    assert (decision.decision_maker_partner.name, decision.decision_maker_role) == (PCC, Role.DECISION_MAKER)


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


def test_a_decision_maker_of_another_partner_may_not_decide_it(session: Session) -> None:
    decision = top_up_drafted_by(session, user_in(session, PCC, Role.PROGRAMME))
    outsider = user_in(session, COUNTY, Role.DECISION_MAKER)
    reason = (
        "PCC/070/13 is for the Police and Crime Commissioner for Essex to decide: only a user of Police and Crime "
        "Commissioner for Essex with the role decision maker can decide it"
    )
    assert decisions.why_not_decide(decision, outsider) == reason
    with pytest.raises(AccessRefused) as refused:
        decisions.approve_decision(session, outsider, decision_id=decision.id)
    assert str(refused.value) == reason
    assert refused.value.refusal is not None and refused.value.refusal.reason == reason  # the unit of work audits it
    assert decision.status is DecisionStatus.DRAFT


def test_a_user_of_the_partner_without_the_role_may_not_decide_it(session: Session) -> None:
    decision = top_up_drafted_by(session, user_in(session, PCC, Role.PROGRAMME))
    finance = user_in(session, PCC, Role.FINANCE)
    with pytest.raises(AccessRefused, match="with the role decision maker can decide it"):
        decisions.reject_decision(session, finance, decision_id=decision.id, reason="Not now")
    assert decision.status is DecisionStatus.DRAFT


def test_another_decision_maker_of_the_partner_approves_it(session: Session) -> None:
    drafter = user_in(session, PCC, Role.PROGRAMME, Role.DECISION_MAKER)
    decision = top_up_drafted_by(session, drafter)
    checker = user_in(session, PCC, Role.DECISION_MAKER, name="checker")
    assert decisions.why_not_decide(decision, checker) is None
    posted = decisions.approve_decision(session, checker, decision_id=decision.id, signature=ON_THE_DAY)
    assert len(posted) == 1 and decision.status is DecisionStatus.APPROVED
    assert (decision.created_by, decision.recorded_by) == (drafter.label, "checker.essex@essex.example")


def test_a_draft_put_to_another_partner_is_decided_by_its_users_not_the_holders(session: Session) -> None:
    """The county's cabinet member decides a draft put to the county, though the PCC holds the fund."""
    county = make_partner(session, COUNTY)
    decision = top_up_drafted_by(session, user_in(session, PCC, Role.PROGRAMME), partner_id=county.id)
    holders_maker = user_in(session, PCC, Role.DECISION_MAKER)
    counties_maker = user_in(session, COUNTY, Role.DECISION_MAKER)
    assert "only a user of Essex County Council with the role decision maker" in (
        decisions.why_not_decide(decision, holders_maker) or ""
    )
    assert decisions.why_not_decide(decision, counties_maker) is None
    assert len(decisions.approve_decision(session, counties_maker, decision_id=decision.id, signature=ON_THE_DAY)) == 1


def test_a_draft_put_to_the_finance_role_is_decided_by_a_finance_officer_of_the_partner(session: Session) -> None:
    """A section 151 officer's delegated decision: the partner's finance officer decides, its cabinet does not."""
    decision = top_up_drafted_by(session, user_in(session, PCC, Role.PROGRAMME), role=Role.FINANCE)
    assert "with the role finance officer can decide it" in (
        decisions.why_not_decide(decision, user_in(session, PCC, Role.DECISION_MAKER)) or ""
    )
    treasurer = user_in(session, PCC, Role.FINANCE)
    decisions.approve_decision(session, treasurer, decision_id=decision.id, signature=ON_THE_DAY)
    assert decision.status is DecisionStatus.APPROVED and decision.money_posted_at is not None


def test_a_draft_put_to_no_partner_or_a_role_that_cannot_decide_is_refused(session: Session) -> None:
    drafter = user_in(session, PCC, Role.PROGRAMME)
    with pytest.raises(InvalidInput) as refused:
        top_up_drafted_by(session, drafter, partner_id=999_999, role=Role.VIEWER)
    assert refused.value.problems == [
        Problem("decision_maker_partner_id", "Select the partner whose decision it is"),
        Problem("decision_maker_role", "Select the role that decides it: decision maker or finance officer"),
    ]


def test_the_console_records_a_decision_taken_on_paper_whatever_its_partner(session: Session) -> None:
    county = make_partner(session, COUNTY)
    decision = top_up_drafted_by(session, user_in(session, PCC, Role.PROGRAMME), partner_id=county.id)
    assert decisions.why_not_decide(decision, DECIDER) is None
    decisions.approve_decision(session, DECIDER, decision_id=decision.id, signature=ON_THE_DAY)
    assert decision.money_posted_at is not None
