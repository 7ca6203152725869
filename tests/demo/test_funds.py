"""The demo's money on both databases: PCC/038/13 (seed 000) and the Community Safety Fund (seed 003)."""

from __future__ import annotations

from fractions import Fraction

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from wholeplace.auth.actor import Actor
from wholeplace.auth.model import Role
from wholeplace.decisions import service as decisions
from wholeplace.decisions.model import Decision, DecisionStatus
from wholeplace.demo.funds import CSP_WEIGHTS_2010_11, PCC
from wholeplace.demo.load import load_demo
from wholeplace.funds import ledger
from wholeplace.funds.model import Account, BalanceAssertion, Fund, LedgerTransaction, Posting
from wholeplace.money import FinancialYear, Money

VIEWER = Actor(None, "viewer@essex.example", None, frozenset({Role.VIEWER}))


def pounds(text: str) -> Money:
    return Money.parse(text)


def statement_of(session: Session, code: str) -> ledger.FundStatement:
    fund = ledger.fund_by_code(session, VIEWER, code)
    return ledger.statement(session, VIEWER, fund_id=fund.id)


def decision(session: Session, reference: str) -> Decision:
    return session.scalars(select(Decision).where(Decision.reference == reference)).one()


def test_the_wecb_statement_shows_the_pcc_money_as_pcc_038_13_allocated_it(demo_session: Session) -> None:
    session = demo_session
    statement = statement_of(session, "wecb-2013-14")
    assert statement.contributed_by_partner == ((PCC, pounds("290000")),)
    # 35,000 + 75,000 + 52,960 + 65,700 + 26,700 + 17,400 = 272,760, in six lines
    assert statement.allocated == pounds("272760")
    assert len(statement.lines) == 6
    # the analyst's first quarter (8,750), and the grants' spend the outcomes demo records beside their
    # quarterly returns: 17,500 + 37,250 + 21,900 + 13,350 + 52,960 = 142,960
    assert statement.spent == pounds("151710")
    assert statement.unallocated == pounds("17240")  # 290,000 - 272,760
    assert statement.contributed == statement.allocated + statement.unallocated


def test_the_link_workers_re_profiling_is_a_draft_and_moves_nothing(demo_session: Session) -> None:
    session = demo_session
    reprofile = decision(session, "DEMO/REPROFILE/1")
    assert reprofile.status is DecisionStatus.DRAFT
    statement = statement_of(session, "wecb-2013-14")
    link_workers = next(line for line in statement.lines if line.project == "Link Workers")
    # 75,000 allocated, less the 18,750 and 18,500 the ledger holds as spent beside the grant's returns
    assert link_workers.remaining == pounds("37750")
    # nothing is profiled into 2014/15 until the draft is approved
    assert [year for year, amount in statement.allocated_by_year if amount.pence] == [FinancialYear(2013)]


def test_the_community_safety_fund_is_all_allocated(demo_session: Session) -> None:
    session = demo_session
    statement = statement_of(session, "ho-csf-2011-12")
    assert statement.contributed_by_partner == (("Home Office", pounds("1115160")),)
    # 253,093 + 100,207 + 259,032 + 502,828 = 1,115,160
    assert statement.allocated == pounds("1115160")
    assert statement.unallocated == Money(0)


def test_the_twelve_csp_amounts_are_pro_rata_to_2010_11_within_a_penny(demo_session: Session) -> None:
    session = demo_session
    statement = statement_of(session, "ho-csf-2011-12")
    csps = {line.project: line.allocated for line in statement.lines if line.theme == "Community Safety Partnerships"}
    assert sorted(csps) == sorted(CSP_WEIGHTS_2010_11)
    assert Money.total(csps.values()) == pounds("502828")
    weights_total = sum(CSP_WEIGHTS_2010_11.values())  # 1,226,905
    for csp, weight in CSP_WEIGHTS_2010_11.items():
        exact = Fraction(pounds("502828").pence * weight, weights_total)
        assert abs(csps[csp].pence - exact) < 1, f"{csp}: {csps[csp]} against an exact {float(exact) / 100:.4f}"
    # Basildon: 502,828 x 173,120 / 1,226,905 = 70,950.549..; its remainder (.903p) is among the
    # largest, so it takes one of the pence left over: 70,950.55
    assert csps["Basildon"] == pounds("70950.55")


def test_pcc_038_13_adds_up_to_its_stated_272760(demo_session: Session) -> None:
    session = demo_session
    [total] = decisions.figure_checks(decision(session, "PCC/038/13"))
    assert (total.stated, total.computed, total.difference, total.agrees) == (
        "£272,760.00",
        "£272,760.00",
        Money(0),
        True,
    )


def test_the_safer_essex_third_is_shown_as_34_percent(demo_session: Session) -> None:
    session = demo_session
    total, safer_essex = decisions.figure_checks(decision(session, "ECC/SAFER-ESSEX/2011-03-10"))
    assert total.agrees  # 1,115,160 allocated, as stated
    # 761,860 / 3 = 253,953.33; 259,032 - 253,953.33 = 5,078.67
    assert safer_essex.stated == "1/3 = £253,953.33"
    assert safer_essex.computed == "£259,032.00 is 34.00% of £761,860.00"
    assert safer_essex.difference == pounds("5078.67")
    assert not safer_essex.agrees


def test_the_demo_ledgers_balance_and_hold_no_broken_assertion(demo_session: Session) -> None:
    session = demo_session
    assert session.scalar(select(func.sum(Posting.amount_pence))) == 0
    for fund in session.scalars(select(Fund)):
        assert ledger.check_assertions(session, VIEWER, fund_id=fund.id) == []


def test_loading_the_demo_twice_adds_nothing(demo_session: Session) -> None:
    session = demo_session
    models = (Fund, Account, Decision, LedgerTransaction, Posting, BalanceAssertion)

    def counts() -> list[int]:
        return [session.scalar(select(func.count()).select_from(model)) for model in models]

    first = counts()
    statements = [statement_of(session, code) for code in ("wecb-2013-14", "ho-csf-2011-12")]
    load_demo(session, Actor.console())
    assert counts() == first
    assert [statement_of(session, code) for code in ("wecb-2013-14", "ho-csf-2011-12")] == statements
