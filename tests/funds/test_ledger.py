"""Ledger use cases on both databases: funds, spending, reversals, balance assertions, statements.

The builders at the top (`make_fund`, `decide`, ...) are shared with the decision, property and
concurrency tests: real rows through the real services.
"""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.factories import make_organisation
from wholeplace.audit import AuditEntry
from wholeplace.auth.actor import Actor
from wholeplace.auth.model import Role
from wholeplace.decisions import service as decisions
from wholeplace.decisions.model import Decision
from wholeplace.decisions.service import DecisionIn, RecommendationIn
from wholeplace.funds import ledger
from wholeplace.funds.engine import FundStatement, trial_balance
from wholeplace.funds.model import Fund, LedgerTransaction, Posting
from wholeplace.money import FinancialYear, Money
from wholeplace.partners.model import Organisation, OrganisationKind
from wholeplace.problems import AccessRefused, Conflict, InvalidInput, Problem

PCC = "Police and Crime Commissioner for Essex"
Y2012, Y2013, Y2014 = FinancialYear(2012), FinancialYear(2013), FinancialYear(2014)
FINANCE = Actor(None, "finance@essex.example", None, frozenset({Role.FINANCE}))
DECIDER = Actor(None, "pcc@essex.example", None, frozenset({Role.DECISION_MAKER}))
ADMIN = Actor(None, "admin@essex.example", None, frozenset({Role.ADMIN}))
VIEWER = Actor(None, "viewer@essex.example", None, frozenset({Role.VIEWER}))

# PCC/038/13 (seed 000), recommendation 2.2: 35,000 + 75,000 + 52,960 + 65,700 + 26,700 + 17,400 = 272,760
WECB_LINES = [
    ("Themes:Reducing Re-offending:IOM Performance Analyst", "35000"),
    ("Themes:Reducing Re-offending:Link Workers", "75000"),
    ("Themes:Strengthening Communities", "52960"),
    ("Themes:Reducing Domestic Abuse:Victim Support Pilots", "65700"),
    ("Themes:Reducing Domestic Abuse:MASH Analyst", "26700"),
    ("Themes:Strategic Pool", "17400"),
]


def pounds(text: str) -> Money:
    return Money.parse(text)


def make_partner(session: Session, name: str = PCC) -> Organisation:
    """A partner named in the seed papers, created once."""
    known = {
        PCC: ("XX-WHOLEPLACE-ESSEX-PCC", OrganisationKind.POLICE_AND_CRIME_COMMISSIONER),
        "Essex County Council": ("GB-LAE-ESS", OrganisationKind.COUNTY_COUNCIL),
        "Essex Probation Trust": ("XX-WHOLEPLACE-ESSEX-PROBATION", OrganisationKind.PROBATION),
    }
    existing = session.scalar(select(Organisation).where(Organisation.name == name))
    if existing is not None:
        return existing
    identifier, kind = known[name]
    return make_organisation(session, name, identifier, kind)


def make_fund(
    session: Session, code: str = "wecb-2013-14", first: FinancialYear = Y2013, last: FinancialYear = Y2014
) -> Fund:
    """Whole Essex Community Budgets, held by the PCC, for 2013/14 and 2014/15."""
    holder = make_partner(session)
    return ledger.create_fund(
        session,
        FINANCE,
        code=code,
        name="Whole Essex Community Budgets",
        first_year=first,
        last_year=last,
        holder_identifier=holder.identifier,
    )


def move(
    amount: str,
    from_account: str,
    to_account: str,
    year: FinancialYear = Y2013,
    *,
    to_year: FinancialYear | None = None,
    number: str = "1",
    text: str = "",
) -> RecommendationIn:
    return RecommendationIn(
        number, text or f"{from_account} to {to_account}", pounds(amount), from_account, to_account, year, to_year
    )


def draft(
    session: Session,
    fund: Fund,
    *moves: RecommendationIn,
    reference: str = "PCC/038/13",
    on: dt.date = dt.date(2013, 7, 30),
    stated_total: Money | None = None,
) -> Decision:
    return decisions.draft_decision(
        session,
        FINANCE,
        fund_id=fund.id,
        draft=DecisionIn(
            reference=reference,
            title="2013/14 Whole Essex Community Budgets",
            report_date=on,
            author="Operating Manager",
            decision_maker=PCC,
            recommendations=list(moves),
            stated_total=stated_total,
        ),
    )


def decide(
    session: Session,
    fund: Fund,
    *moves: RecommendationIn,
    reference: str = "PCC/038/13",
    on: dt.date = dt.date(2013, 7, 30),
) -> Decision:
    """Draft a decision and approve it as decided on its report's day, long past its call-in: its money posts."""
    decision = draft(session, fund, *moves, reference=reference, on=on)
    decisions.approve_decision(session, DECIDER, decision_id=decision.id, signature=decisions.Signature(on))
    return decision


def contribute(
    session: Session, fund: Fund, amount: str, *, partner: str = PCC, reference: str = "PCC/CONTRIB/1", **kwargs
) -> Decision:
    make_partner(session, partner)
    return decide(
        session, fund, move(amount, f"Contributions:{partner}", "Pool:Unallocated"), reference=reference, **kwargs
    )


def pcc_038_13(session: Session, fund: Fund) -> Decision:
    """The PCC puts in £290,000 and allocates £272,760 of it to six lines, as seed 000 records."""
    make_partner(session)
    lines = [move("290000", f"Contributions:{PCC}", "Pool:Unallocated", number="7.1")]
    lines += [move(amount, "Pool:Unallocated", account, number="2.2") for account, amount in WECB_LINES]
    return decide(session, fund, *lines)


def spend(
    session: Session,
    fund: Fund,
    decision: Decision,
    project: str,
    amount: Money,
    description: str,
    *,
    actor: Actor = FINANCE,
    date: dt.date = dt.date(2013, 10, 31),
    returned: bool = False,
) -> LedgerTransaction:
    """Spend (or return) money from a project in 2013/14 under the decision that allocated it."""
    return ledger.record_spend(
        session,
        actor,
        fund_id=fund.id,
        project=project,
        amount=amount,
        year=Y2013,
        date=date,
        decision=decision,
        description=description,
        returned=returned,
    )


def fund_with_pool_asserted(session: Session) -> Fund:
    """A fund after PCC/038/13, with the pool's £17,240 asserted as its balance on 30 September 2013."""
    fund = make_fund(session)
    pcc_038_13(session, fund)
    ledger.add_balance_assertion(
        session, FINANCE, fund_id=fund.id, account="Pool:Unallocated", date=dt.date(2013, 9, 30), amount=pounds("17240")
    )
    return fund


def figures(statement: FundStatement) -> tuple:
    """The money a statement shows, leaving out rows of £0.00."""
    return (
        tuple((partner, amount) for partner, amount in statement.contributed_by_partner if amount.pence),
        statement.lines,
        tuple((year, amount) for year, amount in statement.unallocated_by_year if amount.pence),
        tuple((year, amount) for year, amount in statement.allocated_by_year if amount.pence),
    )


def count(session: Session, model: type) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


def actions(session: Session) -> list[str]:
    return list(session.scalars(select(AuditEntry.action).order_by(AuditEntry.seq)))


# create_fund


def test_a_fund_is_created_with_its_pool_and_audited(session: Session) -> None:
    fund = make_fund(session)
    assert (fund.code, fund.holder.name, fund.years_label) == ("wecb-2013-14", PCC, "2013/14 to 2014/15")
    assert [balance.account for balance in ledger.balances(session, fund.id)] == ["Pool:Unallocated"]
    assert actions(session) == ["fund.created"]


def test_a_fund_with_every_field_wrong_is_refused_with_every_problem(session: Session) -> None:
    with pytest.raises(InvalidInput) as refused:
        ledger.create_fund(
            session,
            FINANCE,
            code="  ",
            name="",
            first_year=Y2014,
            last_year=Y2013,
            holder_identifier="GB-LAE-NOWHERE",
        )
    assert refused.value.problems == [
        Problem("code", "Enter a short code for the fund, like wecb-2013-14"),
        Problem("name", "Enter a name"),
        Problem("last_year", "The last year must be the same as or after the first year"),
        Problem("holder", "There is no partner with identifier GB-LAE-NOWHERE"),
    ]
    assert count(session, Fund) == 0


def test_a_second_fund_with_the_same_code_is_refused(session: Session) -> None:
    make_fund(session)
    with pytest.raises(InvalidInput, match="There is already a fund wecb-2013-14"):
        make_fund(session)


def test_a_viewer_cannot_create_a_fund(session: Session) -> None:
    make_partner(session)
    with pytest.raises(AccessRefused, match="admin, finance"):
        ledger.create_fund(
            session,
            VIEWER,
            code="wecb-2013-14",
            name="Whole Essex Community Budgets",
            first_year=Y2013,
            last_year=Y2013,
            holder_identifier="XX-WHOLEPLACE-ESSEX-PCC",
        )


# posting


def test_posting_under_a_draft_decision_is_refused(session: Session) -> None:
    fund = make_fund(session)
    make_partner(session)
    decision = draft(session, fund, move("290000", f"Contributions:{PCC}", "Pool:Unallocated"))
    contribution = ledger.open_account(session, FINANCE, fund, f"Contributions:{PCC}")
    pool = ledger.open_account(session, FINANCE, fund, "Pool:Unallocated")
    with pytest.raises(InvalidInput, match="PCC/038/13 is not an approved decision of this fund"):
        ledger.post(
            session,
            FINANCE,
            fund=ledger.lock_fund(session, fund.id),
            decision=decision,
            date=dt.date(2013, 7, 30),
            description="Without approval",
            lines=[(contribution, pounds("-290000"), Y2013), (pool, pounds("290000"), Y2013)],
        )
    assert count(session, LedgerTransaction) == 0


def test_an_unbalanced_posting_is_refused(session: Session) -> None:
    fund = make_fund(session)
    decision = contribute(session, fund, "290000")
    contribution = ledger.open_account(session, FINANCE, fund, f"Contributions:{PCC}")
    pool = ledger.open_account(session, FINANCE, fund, "Pool:Unallocated")
    with pytest.raises(InvalidInput, match=re.escape("Postings add up to -£0.01")):
        ledger.post(
            session,
            FINANCE,
            fund=ledger.lock_fund(session, fund.id),
            decision=decision,
            date=dt.date(2013, 7, 30),
            description="A penny short",
            lines=[(contribution, pounds("-100.00"), Y2013), (pool, pounds("99.99"), Y2013)],
        )


def test_only_those_who_decide_or_keep_the_books_may_post(session: Session) -> None:
    fund = make_fund(session)
    decision = contribute(session, fund, "100")
    contribution = ledger.open_account(session, FINANCE, fund, f"Contributions:{PCC}")
    pool = ledger.open_account(session, FINANCE, fund, "Pool:Unallocated")
    with pytest.raises(AccessRefused, match="Only a user with the role admin, decision_maker, finance can do this"):
        ledger.post(
            session,
            VIEWER,
            fund=ledger.lock_fund(session, fund.id),
            decision=decision,
            date=dt.date(2013, 7, 30),
            description="By someone who may only look",
            lines=[(contribution, pounds("-1"), Y2013), (pool, pounds("1"), Y2013)],
        )
    assert count(session, LedgerTransaction) == 1


def test_opening_an_account_is_audited_once_with_who_opened_it(session: Session) -> None:
    fund = make_fund(session)
    ledger.open_account(session, FINANCE, fund, "Themes:Strategic Pool")
    ledger.open_account(session, FINANCE, fund, "Themes: Strategic Pool ")  # the same account, not a second
    opened = session.execute(
        select(AuditEntry.actor, AuditEntry.detail).where(AuditEntry.action == "fund_account.opened")
    ).all()
    assert [(actor, json.loads(detail)) for actor, detail in opened] == [
        ("finance@essex.example", {"account": "Themes:Strategic Pool", "fund": "wecb-2013-14"})
    ]


def test_an_account_outside_the_five_roots_is_refused(session: Session) -> None:
    fund = make_fund(session)
    with pytest.raises(InvalidInput, match="'Reserves:General' is not an account"):
        ledger.open_account(session, FINANCE, fund, "Reserves:General")
    with pytest.raises(InvalidInput, match="The pool has one account, Pool:Unallocated"):
        ledger.open_account(session, FINANCE, fund, "Pool:Earmarked")


# spending


def test_finance_records_spend_moving_money_from_the_project_to_spend(session: Session) -> None:
    fund = make_fund(session)
    decision = pcc_038_13(session, fund)
    spent = spend(
        session,
        fund,
        decision,
        "Themes:Reducing Re-offending:IOM Performance Analyst",
        pounds("8750"),
        "IOM Performance Analyst, July to September 2013",
    )
    assert [(p.account.path, Money(p.amount_pence)) for p in spent.postings] == [
        ("Themes:Reducing Re-offending:IOM Performance Analyst", pounds("-8750")),
        ("Spend:Reducing Re-offending:IOM Performance Analyst", pounds("8750")),
    ]
    statement = ledger.statement(session, VIEWER, fund_id=fund.id)
    analyst = next(line for line in statement.lines if line.project == "IOM Performance Analyst")
    # 35,000 allocated - 8,750 spent = 26,250 left
    assert (analyst.allocated, analyst.spent, analyst.remaining) == (pounds("35000"), pounds("8750"), pounds("26250"))
    assert statement.allocated == pounds("272760")  # spending does not change what was allocated


def test_underspend_given_back_goes_to_returned(session: Session) -> None:
    fund = make_fund(session)
    decision = pcc_038_13(session, fund)
    spend(
        session,
        fund,
        decision,
        "Themes:Strengthening Communities",
        pounds("2960"),
        "Underspend returned at year end",
        date=dt.date(2014, 3, 31),
        returned=True,
    )
    statement = ledger.statement(session, VIEWER, fund_id=fund.id)
    line = next(line for line in statement.lines if line.theme == "Strengthening Communities")
    # 52,960 - 2,960 returned = 50,000 left
    assert (line.returned, line.spent, line.remaining) == (pounds("2960"), Money(0), pounds("50000"))


@pytest.mark.parametrize("actor", [ADMIN, DECIDER, VIEWER], ids=["admin", "decision_maker", "viewer"])
def test_only_finance_can_record_spend(session: Session, actor: Actor) -> None:
    fund = make_fund(session)
    decision = pcc_038_13(session, fund)
    with pytest.raises(AccessRefused, match="Only a user with the role finance can do this"):
        spend(session, fund, decision, "Themes:Strategic Pool", pounds("100"), "Refused", actor=actor)


def test_spending_more_than_a_project_holds_is_refused(session: Session) -> None:
    fund = make_fund(session)
    decision = pcc_038_13(session, fund)
    with pytest.raises(ledger.NotEnoughMoney) as refused:
        spend(
            session, fund, decision, "Themes:Reducing Domestic Abuse:MASH Analyst", pounds("26700.01"), "A penny over"
        )
    # 26,700.00 - 26,700.01 = -0.01
    assert refused.value.problems == [
        Problem("Themes:Reducing Domestic Abuse:MASH Analyst", "Not enough money in 2013/14: this would leave -£0.01")
    ]


def test_spending_from_the_pool_directly_is_refused(session: Session) -> None:
    fund = make_fund(session)
    decision = pcc_038_13(session, fund)
    with pytest.raises(InvalidInput, match="Pool:Unallocated is not a theme or project"):
        spend(session, fund, decision, "Pool:Unallocated", pounds("100"), "Not allocated")


def test_spending_nothing_is_refused(session: Session) -> None:
    fund = make_fund(session)
    decision = pcc_038_13(session, fund)
    with pytest.raises(InvalidInput, match=re.escape("Amount must be £0.01 or more")):
        spend(session, fund, decision, "Themes:Strategic Pool", Money(0), "Nothing")


# reversals


def test_a_reversal_posts_the_mirror_image_and_keeps_the_original(session: Session) -> None:
    fund = make_fund(session)
    contribute(session, fund, "290000")
    before = ledger.statement(session, VIEWER, fund_id=fund.id)
    decision = decide(
        session, fund, move("75000", "Pool:Unallocated", "Themes:Reducing Re-offending:Link Workers"), reference="A/1"
    )
    [original] = session.scalars(select(LedgerTransaction).where(LedgerTransaction.decision_id == decision.id))
    reversal = ledger.reverse(session, FINANCE, transaction_id=original.id, decision=decision, date=dt.date(2013, 8, 1))
    assert reversal.reverses_id == original.id
    assert [(p.account.path, p.amount_pence, p.financial_year) for p in reversal.postings] == [
        ("Pool:Unallocated", 7_500_000, 2013),
        ("Themes:Reducing Re-offending:Link Workers", -7_500_000, 2013),
    ]
    session.expire_all()
    kept = session.get(LedgerTransaction, original.id)
    assert [(p.account.path, p.amount_pence) for p in kept.postings] == [
        ("Pool:Unallocated", -7_500_000),
        ("Themes:Reducing Re-offending:Link Workers", 7_500_000),
    ]
    assert figures(ledger.statement(session, VIEWER, fund_id=fund.id)) == figures(before)
    assert actions(session)[-1] == "ledger.posted"


def test_a_transaction_cannot_be_reversed_twice(session: Session) -> None:
    fund = make_fund(session)
    decision = contribute(session, fund, "290000")
    [original] = session.scalars(select(LedgerTransaction))
    ledger.reverse(session, FINANCE, transaction_id=original.id, decision=decision, date=dt.date(2013, 8, 1))
    with pytest.raises(Conflict, match=f"Transaction {original.id} has already been reversed"):
        ledger.reverse(session, FINANCE, transaction_id=original.id, decision=decision, date=dt.date(2013, 8, 2))
    assert count(session, LedgerTransaction) == 2


def test_reversing_an_allocation_that_was_partly_spent_is_refused(session: Session) -> None:
    fund = make_fund(session)
    contribute(session, fund, "290000")
    decision = decide(session, fund, move("35000", "Pool:Unallocated", "Themes:Reducing Re-offending"), reference="A/1")
    [allocation] = session.scalars(select(LedgerTransaction).where(LedgerTransaction.decision_id == decision.id))
    spend(session, fund, decision, "Themes:Reducing Re-offending", pounds("8750"), "First quarter")
    # 35,000 - 8,750 spent = 26,250 left; taking back 35,000 would leave -8,750
    with pytest.raises(ledger.NotEnoughMoney, match="Themes:Reducing Re-offending: Not enough money in 2013/14"):
        ledger.reverse(session, FINANCE, transaction_id=allocation.id, decision=decision, date=dt.date(2013, 11, 1))


def test_a_viewer_cannot_reverse_a_transaction(session: Session) -> None:
    fund = make_fund(session)
    decision = contribute(session, fund, "290000")
    [original] = session.scalars(select(LedgerTransaction))
    with pytest.raises(AccessRefused):
        ledger.reverse(session, VIEWER, transaction_id=original.id, decision=decision, date=dt.date(2013, 8, 1))


# balance assertions


def test_a_true_balance_assertion_is_accepted_and_audited(session: Session) -> None:
    fund = make_fund(session)
    pcc_038_13(session, fund)
    # 290,000 - 272,760 = 17,240 left in the pool
    assertion = ledger.add_balance_assertion(
        session, FINANCE, fund_id=fund.id, account="Pool:Unallocated", date=dt.date(2013, 7, 31), amount=pounds("17240")
    )
    assert assertion.amount_pence == 1_724_000
    assert actions(session)[-1] == "balance.asserted"
    assert ledger.check_assertions(session, VIEWER, fund_id=fund.id) == []


def test_a_false_balance_assertion_is_refused_with_what_the_account_holds(session: Session) -> None:
    fund = make_fund(session)
    pcc_038_13(session, fund)
    with pytest.raises(InvalidInput) as refused:
        ledger.add_balance_assertion(
            session,
            FINANCE,
            fund_id=fund.id,
            account="Pool:Unallocated",
            date=dt.date(2013, 7, 31),
            amount=pounds("17000"),
        )
    assert refused.value.problems == [
        Problem("Pool:Unallocated", "holds £17,240.00 at the end of 31 July 2013, not £17,000.00")
    ]


def test_a_balance_assertion_counts_only_what_was_posted_by_its_date(session: Session) -> None:
    fund = make_fund(session)
    pcc_038_13(session, fund)  # dated 30 July 2013
    assertion = ledger.add_balance_assertion(
        session, FINANCE, fund_id=fund.id, account="Pool:Unallocated", date=dt.date(2013, 7, 29), amount=Money(0)
    )
    assert assertion.amount_pence == 0  # accepted: the pool held nothing at the end of 29 July


def test_a_later_posting_that_would_break_an_assertion_is_refused(session: Session) -> None:
    fund = fund_with_pool_asserted(session)
    backdated = draft(
        session,
        fund,
        move("1000", "Pool:Unallocated", "Themes:Strategic Pool"),
        reference="LATE/1",
        on=dt.date(2013, 9, 1),
    )
    with pytest.raises(ledger.NotEnoughMoney) as refused:
        decisions.approve_decision(session, DECIDER, decision_id=backdated.id)
    assert refused.value.problems == [
        Problem("Pool:Unallocated", "This would break the balance assertion of £17,240.00 on 30 September 2013")
    ]


def test_a_posting_after_the_assertion_date_leaves_it_standing(session: Session) -> None:
    fund = fund_with_pool_asserted(session)
    decide(
        session,
        fund,
        move("1000", "Pool:Unallocated", "Themes:Strategic Pool"),
        reference="NEXT/1",
        on=dt.date(2013, 10, 1),
    )
    assert ledger.check_assertions(session, VIEWER, fund_id=fund.id) == []
    assert ledger.statement(session, VIEWER, fund_id=fund.id).unallocated == pounds("16240")  # 17,240 - 1,000


def test_moving_pool_money_between_years_before_an_assertion_leaves_its_total_standing(session: Session) -> None:
    fund = fund_with_pool_asserted(session)
    decide(
        session,
        fund,
        move("5000", "Pool:Unallocated", "Pool:Unallocated", Y2013, to_year=Y2014),
        reference="REPROFILE/1",
        on=dt.date(2013, 9, 1),
    )
    statement = ledger.statement(session, VIEWER, fund_id=fund.id)
    # 17,240 - 5,000 = 12,240 in 2013/14 and 5,000 in 2014/15
    assert statement.unallocated_by_year == ((Y2013, pounds("12240")), (Y2014, pounds("5000")))
    assert ledger.check_assertions(session, VIEWER, fund_id=fund.id) == []


# statements


def test_a_statement_as_at_an_earlier_date_leaves_out_later_transactions(session: Session) -> None:
    fund = make_fund(session)
    decision = pcc_038_13(session, fund)  # 30 July 2013
    spend(
        session,
        fund,
        decision,
        "Themes:Reducing Re-offending:IOM Performance Analyst",
        pounds("8750"),
        "IOM Performance Analyst, July to September 2013",
    )
    before_the_decision = ledger.statement(session, VIEWER, fund_id=fund.id, as_at=dt.date(2013, 7, 29))
    assert (before_the_decision.contributed, before_the_decision.lines) == (Money(0), ())
    before_the_spend = ledger.statement(session, VIEWER, fund_id=fund.id, as_at=dt.date(2013, 10, 30))
    assert (before_the_spend.contributed, before_the_spend.spent) == (pounds("290000"), Money(0))
    on_the_day = ledger.statement(session, VIEWER, fund_id=fund.id, as_at=dt.date(2013, 10, 31))
    assert on_the_day.spent == pounds("8750")


def test_an_allocation_dated_before_the_money_came_in_is_refused(session: Session) -> None:
    """Otherwise a statement as at a day between the two shows the pool overdrawn."""
    fund = make_fund(session)
    contribute(session, fund, "50000", on=dt.date(2013, 7, 30))
    early = draft(
        session,
        fund,
        move("10000", "Pool:Unallocated", "Themes:Strategic Pool"),
        reference="EARLY/1",
        on=dt.date(2013, 6, 1),
    )
    with pytest.raises(ledger.NotEnoughMoney, match="Pool:Unallocated"):
        decisions.approve_decision(session, DECIDER, decision_id=early.id)
    as_at_june = ledger.statement(session, VIEWER, fund_id=fund.id, as_at=dt.date(2013, 6, 30))
    assert as_at_june.unallocated >= Money(0)


def test_the_ledger_sums_to_zero_after_every_kind_of_posting(session: Session) -> None:
    fund = make_fund(session)
    decision = pcc_038_13(session, fund)
    spend(session, fund, decision, "Themes:Strategic Pool", pounds("400"), "Room hire")
    total = session.scalar(select(func.sum(Posting.amount_pence)))
    assert total == 0
    lines, difference = trial_balance(ledger.balances(session, fund.id))
    assert difference == Money(0)
    assert Money.total(line.credit for line in lines) == pounds("290000")
