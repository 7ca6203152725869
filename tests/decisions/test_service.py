"""Decision records on both databases: drafting, approving (which posts the money), rejecting."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tests.funds.test_ledger import (
    DECIDER,
    FINANCE,
    PCC,
    VIEWER,
    WECB_LINES,
    Y2012,
    Y2013,
    Y2014,
    actions,
    contribute,
    count,
    draft,
    make_fund,
    make_partner,
    move,
    pcc_038_13,
    pounds,
)
from wholeplace import audit, business_dates
from wholeplace.audit import AuditEntry
from wholeplace.decisions import service as decisions
from wholeplace.decisions.model import Decision, DecisionStatus
from wholeplace.funds import ledger
from wholeplace.funds.model import LedgerTransaction
from wholeplace.money import Money
from wholeplace.problems import AccessRefused, Conflict, InvalidInput, Problem

# Decided on the day of the report (30 July 2013), so the call-in period is long over and the money posts at once.
ON_THE_REPORTS_DAY = decisions.Signature(dt.date(2013, 7, 30))


def wecb_moves() -> list:
    lines = [move("290000", f"Contributions:{PCC}", "Pool:Unallocated", number="7.1")]
    return lines + [move(amount, "Pool:Unallocated", account, number="2.2") for account, amount in WECB_LINES]


# drafting


def test_a_draft_with_bad_recommendations_is_refused_naming_each_one(session: Session) -> None:
    fund = make_fund(session)  # 2013/14 to 2014/15
    make_partner(session)
    with pytest.raises(InvalidInput) as refused:
        draft(
            session,
            fund,
            move("290000", f"Contributions:{PCC}", "Pool:Unallocated"),  # fine
            move("1000", "Pool:Unallocated", "Themes:Strategic Pool", Y2012, to_year=Y2013),
            move("0", "Pool:Unallocated", "Themes:Strategic Pool"),
            move("1000", "Pool:Unallocated", "Reserves:General"),
            move("1000", "Contributions:Essex Probation Trust", "Pool:Unallocated"),  # not a partner yet
        )
    problems = refused.value.problems
    assert problems[:2] == [
        Problem("recommendations[2].from_year", "2012/13 is outside the fund's years, 2013/14 to 2014/15"),
        Problem("recommendations[3].amount", "Amount must be £0.01 or more"),
    ]
    assert [problem.where.split(".")[0] for problem in problems[2:]] == ["recommendations[4]", "recommendations[5]"]
    assert "'Reserves:General' is not an account" in problems[2].message
    assert problems[3].message == "Contributions come from partners: there is no partner named Essex Probation Trust"
    assert count(session, Decision) == 0


def test_a_bad_account_is_named_by_the_field_it_was_entered_in(session: Session) -> None:
    """A form links each message to its field: from_account or to_account, not a field called 'account'."""
    fund = make_fund(session)
    with pytest.raises(InvalidInput) as refused:
        draft(
            session,
            fund,
            move("1000", "Pool:Unallocated", "Reserves:General"),
            move("1000", "Contributions:Essex Probation Trust", "Pool:Unallocated"),
        )
    assert [problem.where for problem in refused.value.problems] == [
        "recommendations[1].to_account",
        "recommendations[2].from_account",
    ]


def test_a_draft_needs_a_reference_a_title_and_a_recommendation(session: Session) -> None:
    fund = make_fund(session)
    with pytest.raises(InvalidInput) as refused:
        decisions.draft_decision(
            session,
            FINANCE,
            fund_id=fund.id,
            draft=decisions.DecisionIn(
                reference=" ",
                title="",
                report_date=dt.date(2013, 7, 30),
                author="Operating Manager",
                decision_maker=PCC,
                recommendations=[],
                publish=False,
            ),
        )
    assert [problem.where for problem in refused.value.problems] == [
        "reference",
        "title",
        "recommendations",
        "non_publication_reason",
    ]


def test_a_second_decision_with_the_same_reference_is_refused(session: Session) -> None:
    fund = make_fund(session)
    contribute(session, fund, "290000", reference="PCC/038/13")
    with pytest.raises(InvalidInput, match="There is already a decision PCC/038/13"):
        draft(session, fund, move("1000", "Pool:Unallocated", "Themes:Strategic Pool"), reference="PCC/038/13")


def test_money_cannot_be_paid_into_a_contribution_account(session: Session) -> None:
    fund = make_fund(session)
    make_partner(session)
    with pytest.raises(InvalidInput) as refused:
        draft(session, fund, move("1000", "Pool:Unallocated", f"Contributions:{PCC}"))
    assert refused.value.problems == [
        Problem("recommendations[1].to_account", "Money cannot be paid into a contribution account")
    ]


def test_a_viewer_cannot_draft_a_decision(session: Session) -> None:
    fund = make_fund(session)
    with pytest.raises(AccessRefused):
        decisions.draft_decision(
            session,
            VIEWER,
            fund_id=fund.id,
            draft=decisions.DecisionIn(
                reference="PCC/038/13",
                title="WECB",
                report_date=dt.date(2013, 7, 30),
                author="Operating Manager",
                decision_maker=PCC,
                recommendations=[move("1000", "Pool:Unallocated", "Themes:Strategic Pool")],
            ),
        )


def test_a_draft_posts_nothing(session: Session) -> None:
    fund = make_fund(session)
    contribute(session, fund, "50000", reference="PCC/CONTRIB/1")
    before = ledger.statement(session, VIEWER, fund_id=fund.id)
    make_partner(session, "Essex County Council")
    decision = draft(
        session,
        fund,
        move("100000", "Contributions:Essex County Council", "Pool:Unallocated"),
        move("120000", "Pool:Unallocated", "Themes:Reducing Domestic Abuse"),
        reference="ECC/WECB/1",
    )
    assert decision.status is DecisionStatus.DRAFT
    assert count(session, LedgerTransaction) == 1  # the PCC's contribution only
    assert ledger.statement(session, VIEWER, fund_id=fund.id) == before


# approving


def test_only_a_decision_maker_can_approve(sessions: sessionmaker[Session]) -> None:
    with audit.unit_of_work(sessions) as session:
        fund = make_fund(session)
        decision = draft(session, fund, *wecb_moves())
    with (
        pytest.raises(AccessRefused, match="Only a user with the role decision_maker can do this"),
        audit.unit_of_work(sessions) as session,
    ):
        decisions.approve_decision(session, FINANCE, decision_id=decision.id)
    with sessions() as session:
        assert session.get(Decision, decision.id).status is DecisionStatus.DRAFT
        assert count(session, LedgerTransaction) == 0
        refusal = session.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc())).first()
        assert (refusal.actor, refusal.action, refusal.outcome) == (FINANCE.label, "decisions.decide", "refused")


def test_approval_posts_one_transaction_per_recommendation_and_is_audited(session: Session) -> None:
    fund = make_fund(session)
    decision = draft(session, fund, *wecb_moves(), stated_total=pounds("272760"))
    urgent = decisions.Signature(urgent_reason="The posts start on 1 August")  # so its money posts now
    posted = decisions.approve_decision(session, DECIDER, decision_id=decision.id, signature=urgent)
    assert len(posted) == 7  # the contribution and six allocations
    assert all(transaction.decision_id == decision.id for transaction in posted)
    assert [sum(p.amount_pence for p in transaction.postings) for transaction in posted] == [0] * 7
    # No date or signatory given: decided today (in London), signed by the office the report was put to
    assert (decision.status, decision.decided_on, decision.signed_by, decision.recorded_by) == (
        DecisionStatus.APPROVED,
        business_dates.today(),
        PCC,
        DECIDER.label,
    )
    assert actions(session)[-9:] == ["ledger.posted"] * 7 + ["decision.money_posted", "decision.approved"]
    approved = session.scalars(select(AuditEntry).where(AuditEntry.action == "decision.approved")).one()
    assert json.loads(approved.detail) == {
        "reference": "PCC/038/13",
        "decided_on": str(business_dates.today()),
        "signed_by": PCC,
        "urgent_reason": "The posts start on 1 August",
        "call_in_ends_on": None,
        "transactions": [transaction.id for transaction in posted],
    }

    statement = ledger.statement(session, VIEWER, fund_id=fund.id)
    assert statement.contributed_by_partner == ((PCC, pounds("290000")),)
    assert statement.allocated == pounds("272760")
    assert statement.unallocated == pounds("17240")  # 290,000 - 272,760
    assert len(statement.lines) == 6
    assert decisions.figure_checks(decision)[0].agrees


def test_a_decision_keeps_its_own_date_and_signatory_apart_from_when_it_was_recorded(session: Session) -> None:
    fund = make_fund(session)
    decision = draft(session, fund, *wecb_moves(), stated_total=pounds("272760"))
    decisions.approve_decision(
        session,
        DECIDER,
        decision_id=decision.id,
        signature=decisions.Signature(dt.date(2013, 7, 30), "  Police and Crime  Commissioner for Essex "),
    )
    assert (decision.decided_on, decision.signed_by) == (dt.date(2013, 7, 30), PCC)
    assert decision.recorded_by == DECIDER.label
    assert decision.recorded_at is not None and decision.recorded_at.date() >= dt.date(2026, 1, 1)


@pytest.mark.parametrize(
    ("signature", "where", "message"),
    [
        (
            decisions.Signature(dt.date(2013, 7, 29)),
            "decided_on",
            "The date decided must be on or after the report's date, 30 July 2013",
        ),
        (decisions.Signature(dt.date(2999, 1, 1)), "decided_on", "The date decided cannot be after today"),
        (decisions.Signature(signed_by="   "), "signed_by", "Enter a signatory"),
        (
            decisions.Signature(signed_by="Police\u202eand Crime Commissioner"),
            "signed_by",
            "Signatory must not contain invisible or control characters",
        ),
    ],
    ids=["before-the-report", "in-the-future", "no-signatory", "hidden-character"],
)
def test_a_decision_signed_on_an_impossible_day_or_by_nobody_is_refused_and_moves_nothing(
    session: Session, signature: decisions.Signature, where: str, message: str
) -> None:
    fund = make_fund(session)
    decision = draft(session, fund, *wecb_moves())
    with pytest.raises(InvalidInput) as refused:
        decisions.approve_decision(session, DECIDER, decision_id=decision.id, signature=signature)
    [problem] = refused.value.problems
    assert problem.where == where and problem.message.startswith(message), problem
    assert decision.status is DecisionStatus.DRAFT
    assert count(session, LedgerTransaction) == 0


def test_approving_twice_is_a_conflict(session: Session) -> None:
    fund = make_fund(session)
    decision = pcc_038_13(session, fund)
    with pytest.raises(Conflict, match="PCC/038/13 has already been approved"):
        decisions.approve_decision(session, DECIDER, decision_id=decision.id)
    assert count(session, LedgerTransaction) == 7


def test_a_rejection_needs_a_reason_and_posts_nothing(session: Session) -> None:
    fund = make_fund(session)
    decision = draft(session, fund, *wecb_moves())
    with pytest.raises(InvalidInput) as refused:
        decisions.reject_decision(session, DECIDER, decision_id=decision.id, reason="  ")
    assert refused.value.problems == [Problem("reason", "Enter the reason the recommendations are not agreed")]
    assert decision.status is DecisionStatus.DRAFT

    rejected = decisions.reject_decision(
        session, DECIDER, decision_id=decision.id, reason="Wait for the Safer Essex review"
    )
    assert (rejected.status, rejected.rejection_reason) == (DecisionStatus.REJECTED, "Wait for the Safer Essex review")
    assert count(session, LedgerTransaction) == 0
    assert actions(session)[-1] == "decision.rejected"
    with pytest.raises(Conflict, match="PCC/038/13 has already been rejected"):
        decisions.approve_decision(session, DECIDER, decision_id=decision.id)


def test_only_a_decision_maker_can_reject(session: Session) -> None:
    fund = make_fund(session)
    decision = draft(session, fund, *wecb_moves())
    with pytest.raises(AccessRefused):
        decisions.reject_decision(session, FINANCE, decision_id=decision.id, reason="Not agreed")


def test_an_approval_that_would_overdraw_the_pool_is_refused_and_changes_nothing(
    sessions: sessionmaker[Session],
) -> None:
    with audit.unit_of_work(sessions) as session:
        fund = make_fund(session)
        contribute(session, fund, "50000")
        # 30,000 + 30,000 = 60,000 against 50,000: the first posts, the second would leave -10,000
        decision = draft(
            session,
            fund,
            move("30000", "Pool:Unallocated", "Themes:Reducing Re-offending", number="1"),
            move("30000", "Pool:Unallocated", "Themes:Reducing Domestic Abuse", number="2"),
            reference="PCC/040/13",
        )
        before = ledger.statement(session, VIEWER, fund_id=fund.id)
    with sessions() as session:
        entries_before = len(actions(session))

    with pytest.raises(ledger.NotEnoughMoney) as refused, audit.unit_of_work(sessions) as session:
        decisions.approve_decision(session, DECIDER, decision_id=decision.id)
    assert refused.value.problems == [
        Problem("Pool:Unallocated", "Not enough money in 2013/14: this would leave -£10,000.00")
    ]

    with sessions() as session:
        assert session.get(Decision, decision.id).status is DecisionStatus.DRAFT
        assert count(session, LedgerTransaction) == 1  # the contribution only
        assert ledger.statement(session, VIEWER, fund_id=fund.id) == before
        assert len(actions(session)) == entries_before


def test_a_contribution_and_its_allocations_in_one_decision_post_in_order(session: Session) -> None:
    fund = make_fund(session)
    make_partner(session)
    # The pool is empty until recommendation 1 posts; 2 and 3 then spend 60,000 + 40,000 = 100,000 of it.
    decision = draft(
        session,
        fund,
        move("100000", f"Contributions:{PCC}", "Pool:Unallocated", number="1"),
        move("60000", "Pool:Unallocated", "Themes:Reducing Re-offending", number="2"),
        move("40000", "Pool:Unallocated", "Themes:Reducing Domestic Abuse", number="3"),
    )
    decisions.approve_decision(session, DECIDER, decision_id=decision.id, signature=ON_THE_REPORTS_DAY)
    statement = ledger.statement(session, VIEWER, fund_id=fund.id)
    assert (statement.allocated, statement.unallocated) == (pounds("100000"), Money(0))


def test_a_re_profiling_moves_money_between_years(session: Session) -> None:
    fund = make_fund(session)
    pcc_038_13(session, fund)
    link_workers = "Themes:Reducing Re-offending:Link Workers"
    decision = draft(
        session, fund, move("37500", link_workers, link_workers, Y2013, to_year=Y2014), reference="REPROFILE/1"
    )
    decisions.approve_decision(session, DECIDER, decision_id=decision.id, signature=ON_THE_REPORTS_DAY)
    statement = ledger.statement(session, VIEWER, fund_id=fund.id)
    # 272,760 - 37,500 = 235,260 stays in 2013/14
    assert statement.allocated_by_year == ((Y2013, pounds("235260")), (Y2014, pounds("37500")))
    assert statement.allocated == pounds("272760")


def test_a_re_profiling_from_a_year_without_the_money_is_refused(session: Session) -> None:
    fund = make_fund(session)
    pcc_038_13(session, fund)
    link_workers = "Themes:Reducing Re-offending:Link Workers"
    decision = draft(
        session, fund, move("37500", link_workers, link_workers, Y2014, to_year=Y2013), reference="REPROFILE/1"
    )
    with pytest.raises(
        ledger.NotEnoughMoney, match=re.escape("Not enough money in 2014/15: this would leave -£37,500.00")
    ):
        decisions.approve_decision(session, DECIDER, decision_id=decision.id)


def test_moving_money_to_the_same_account_and_year_is_refused(session: Session) -> None:
    fund = make_fund(session)
    with pytest.raises(InvalidInput) as refused:
        draft(session, fund, move("100", "Themes:Strategic Pool", "Themes:Strategic Pool"))
    assert refused.value.problems == [
        Problem("recommendations[1].to_account", "Money must move to another account or year")
    ]


def test_decisions_list_by_fund_and_status(session: Session) -> None:
    fund = make_fund(session)
    pcc_038_13(session, fund)
    draft(session, fund, move("1000", "Pool:Unallocated", "Themes:Strategic Pool"), reference="LATER/1")
    drafts = decisions.list_decisions(session, VIEWER, fund_id=fund.id, status=DecisionStatus.DRAFT)
    assert [decision.reference for decision in drafts.items] == ["LATER/1"]
