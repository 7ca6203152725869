"""Ledger arithmetic with no database: balance, overdraft, statements, partner shares, trial balance."""

from __future__ import annotations

import datetime as dt

from wholeplace.funds.engine import (
    AccountBalance,
    PostingLine,
    ThemeLine,
    check_balanced,
    fund_statement,
    overdrawn,
    partner_statement,
    trial_balance,
)
from wholeplace.funds.model import AccountKind
from wholeplace.money import FinancialYear, Money
from wholeplace.problems import Problem

Y2013, Y2014 = FinancialYear(2013), FinancialYear(2014)
PCC = "Police and Crime Commissioner for Essex"
ECC = "Essex County Council"


def pounds(text: str) -> Money:
    return Money.parse(text)


def balance(account: str, kind: AccountKind, *by_year: tuple[FinancialYear, str], partner: str | None = None):
    return AccountBalance(account, kind, partner, {year: pounds(amount) for year, amount in by_year})


# Whole Essex Community Budgets after PCC/038/13, one quarter of the analyst paid, half the Link Workers
# re-profiled into 2014/15 and £2,960 of Strengthening Communities given back:
#   -290,000 + 17,240 + (26,250 + 8,750) + (37,500 + 37,500) + (50,000 + 2,960) + 65,700 + 26,700 + 17,400 = 0
WECB = [
    balance("Contributions:" + PCC, AccountKind.CONTRIBUTION, (Y2013, "-290000"), partner=PCC),
    balance("Pool:Unallocated", AccountKind.UNALLOCATED, (Y2013, "17240")),
    balance("Themes:Reducing Re-offending:IOM Performance Analyst", AccountKind.PROJECT, (Y2013, "26250")),
    balance("Spend:Reducing Re-offending:IOM Performance Analyst", AccountKind.SPEND, (Y2013, "8750")),
    balance("Themes:Reducing Re-offending:Link Workers", AccountKind.PROJECT, (Y2013, "37500"), (Y2014, "37500")),
    balance("Themes:Strengthening Communities", AccountKind.THEME, (Y2013, "50000")),
    balance("Returned:Strengthening Communities", AccountKind.RETURNED, (Y2013, "2960")),
    balance("Themes:Reducing Domestic Abuse:Victim Support Pilots", AccountKind.PROJECT, (Y2013, "65700")),
    balance("Themes:Reducing Domestic Abuse:MASH Analyst", AccountKind.PROJECT, (Y2013, "26700")),
    balance("Themes:Strategic Pool", AccountKind.THEME, (Y2013, "17400")),
]


def test_a_transaction_out_by_a_penny_is_refused_with_the_amount_named() -> None:
    lines = [
        PostingLine("Contributions:" + PCC, AccountKind.CONTRIBUTION, pounds("-290000.00"), Y2013),
        PostingLine("Pool:Unallocated", AccountKind.UNALLOCATED, pounds("289999.99"), Y2013),
    ]
    # -290,000.00 + 289,999.99 = -0.01
    assert check_balanced(lines) == [
        Problem("postings", "Postings add up to -£0.01, not £0.00: a transaction must balance")
    ]


def test_a_balanced_transaction_passes() -> None:
    lines = [
        PostingLine("Pool:Unallocated", AccountKind.UNALLOCATED, pounds("-75000"), Y2013),
        PostingLine("Themes:Reducing Re-offending:Link Workers", AccountKind.PROJECT, pounds("37500"), Y2013),
        PostingLine("Themes:Reducing Re-offending:Link Workers", AccountKind.PROJECT, pounds("37500"), Y2014),
    ]
    assert check_balanced(lines) == []


def test_a_transaction_needs_two_postings() -> None:
    lines = [PostingLine("Pool:Unallocated", AccountKind.UNALLOCATED, Money(0), Y2013)]
    assert check_balanced(lines) == [Problem("postings", "A transaction needs at least two postings")]


def test_a_theme_a_penny_below_nothing_is_overdrawn_in_that_year() -> None:
    strategic_pool = balance("Themes:Strategic Pool", AccountKind.THEME, (Y2013, "17400"), (Y2014, "-0.01"))
    assert overdrawn([strategic_pool]) == [
        Problem("Themes:Strategic Pool", "Not enough money in 2014/15: this would leave -£0.01")
    ]


def test_the_pool_spend_and_returned_accounts_may_not_go_below_nothing_either() -> None:
    accounts = [
        balance("Pool:Unallocated", AccountKind.UNALLOCATED, (Y2013, "-1")),
        balance("Spend:Strategic Pool", AccountKind.SPEND, (Y2013, "-0.50")),
        balance("Returned:Strategic Pool", AccountKind.RETURNED, (Y2014, "-0.02")),
    ]
    assert [problem.where for problem in overdrawn(accounts)] == [
        "Pool:Unallocated",
        "Spend:Strategic Pool",
        "Returned:Strategic Pool",
    ]


def test_contribution_accounts_run_negative_without_being_overdrawn() -> None:
    # -£290,000 on a contribution account means the PCC put £290,000 in.
    assert overdrawn(WECB) == []


def test_the_statement_shows_contributed_as_allocated_plus_unallocated() -> None:
    statement = fund_statement(WECB, dt.date(2014, 3, 31))
    assert statement.contributed_by_partner == ((PCC, pounds("290000")),)
    # allocated: 35,000 + 75,000 + 52,960 + 65,700 + 26,700 + 17,400 = 272,760
    assert statement.allocated == pounds("272760")
    assert statement.unallocated == pounds("17240")
    assert statement.contributed == statement.allocated + statement.unallocated  # 290,000 = 272,760 + 17,240
    assert statement.spent == pounds("8750")
    assert statement.returned == pounds("2960")
    # 2014/15 holds the re-profiled half of Link Workers; 2013/14 the rest: 272,760 - 37,500 = 235,260
    assert statement.allocated_by_year == ((Y2013, pounds("235260")), (Y2014, pounds("37500")))
    assert statement.unallocated_by_year == ((Y2013, pounds("17240")),)


def test_each_project_line_shows_what_was_allocated_spent_and_returned() -> None:
    statement = fund_statement(WECB, dt.date(2014, 3, 31))
    assert statement.lines == (
        ThemeLine("Reducing Domestic Abuse", "MASH Analyst", pounds("26700"), Money(0), Money(0)),
        ThemeLine("Reducing Domestic Abuse", "Victim Support Pilots", pounds("65700"), Money(0), Money(0)),
        # 26,250 still held + 8,750 spent = 35,000 allocated
        ThemeLine("Reducing Re-offending", "IOM Performance Analyst", pounds("35000"), pounds("8750"), Money(0)),
        ThemeLine("Reducing Re-offending", "Link Workers", pounds("75000"), Money(0), Money(0)),
        ThemeLine("Strategic Pool", None, pounds("17400"), Money(0), Money(0)),
        # 50,000 still held + 2,960 returned = 52,960 allocated
        ThemeLine("Strengthening Communities", None, pounds("52960"), Money(0), pounds("2960")),
    )
    analyst = statement.lines[2]
    assert analyst.remaining == pounds("26250")
    assert [(theme, total) for theme, total, _ in statement.themes()] == [
        ("Reducing Domestic Abuse", pounds("92400")),  # 26,700 + 65,700
        ("Reducing Re-offending", pounds("110000")),  # 35,000 + 75,000
        ("Strategic Pool", pounds("17400")),
        ("Strengthening Communities", pounds("52960")),
    ]


def test_an_empty_fund_has_an_empty_statement() -> None:
    statement = fund_statement([balance("Pool:Unallocated", AccountKind.UNALLOCATED)], dt.date(2013, 4, 1))
    assert (statement.contributed, statement.allocated, statement.unallocated) == (Money(0), Money(0), Money(0))
    assert statement.lines == ()


# Two partners: the PCC puts in £200,000 and the county £100,000. £150,000 goes to Reducing Domestic
# Abuse, £100,000 to Reducing Re-offending, and £50,000 is still unallocated.
TWO_PARTNERS = [
    balance("Contributions:" + PCC, AccountKind.CONTRIBUTION, (Y2013, "-200000"), partner=PCC),
    balance("Contributions:" + ECC, AccountKind.CONTRIBUTION, (Y2013, "-100000"), partner=ECC),
    balance("Pool:Unallocated", AccountKind.UNALLOCATED, (Y2013, "50000")),
    balance("Themes:Reducing Domestic Abuse", AccountKind.THEME, (Y2013, "150000")),
    balance("Themes:Reducing Re-offending", AccountKind.THEME, (Y2013, "100000")),
]


def test_each_partner_sees_its_share_of_every_theme_adding_up_to_what_it_put_in() -> None:
    statement = fund_statement(TWO_PARTNERS, dt.date(2014, 3, 31))
    pcc = partner_statement(statement, PCC)
    # PCC: 2/3 of each use. 150,000 -> 100,000.00; 100,000 -> 66,666.666..; 50,000 -> 33,333.333..
    # The floors leave 1p over, which goes to the larger remainder (.67 against .33): 66,666.67.
    assert pcc.contributed == pounds("200000")
    assert pcc.share_of_pool == (20_000_000, 30_000_000)
    assert pcc.where_it_went == (
        ("Reducing Domestic Abuse", pounds("100000.00")),
        ("Reducing Re-offending", pounds("66666.67")),
    )
    assert pcc.unallocated_share == pounds("33333.33")
    assert Money.total(share for _, share in pcc.where_it_went) + pcc.unallocated_share == pounds("200000")

    county = partner_statement(statement, ECC)
    # County: 1/3. 150,000 -> 50,000.00; 100,000 -> 33,333.333..; 50,000 -> 16,666.666..; the spare 1p
    # goes to the unallocated share (.67 against .33).
    assert county.where_it_went == (
        ("Reducing Domestic Abuse", pounds("50000.00")),
        ("Reducing Re-offending", pounds("33333.33")),
    )
    assert county.unallocated_share == pounds("16666.67")
    assert Money.total(share for _, share in county.where_it_went) + county.unallocated_share == pounds("100000")


def test_a_partner_that_put_nothing_in_has_no_share() -> None:
    statement = fund_statement(TWO_PARTNERS, dt.date(2014, 3, 31))
    probation = partner_statement(statement, "Essex Probation Trust")
    assert probation.contributed == Money(0)
    assert probation.where_it_went == ()
    assert probation.unallocated_share == Money(0)


def test_the_trial_balance_columns_agree_to_the_penny() -> None:
    lines, difference = trial_balance(WECB)
    assert difference == Money(0)
    debits = Money.total(line.debit for line in lines)
    credits = Money.total(line.credit for line in lines)
    assert debits == credits == pounds("290000")
    assert lines[0].account == "Contributions:" + PCC  # sorted by account
    assert (lines[0].debit, lines[0].credit) == (Money(0), pounds("290000"))


def test_the_trial_balance_leaves_out_accounts_with_nothing_in_them() -> None:
    lines, difference = trial_balance(
        [*TWO_PARTNERS, balance("Themes:Strategic Pool", AccountKind.THEME, (Y2013, "100"), (Y2014, "-100"))]
    )
    assert "Themes:Strategic Pool" not in [line.account for line in lines]
    assert difference == Money(0)


def test_a_trial_balance_of_accounts_that_do_not_net_to_zero_shows_the_difference() -> None:
    _, difference = trial_balance(WECB[:-1])  # without the Strategic Pool's 17,400
    assert difference == pounds("-17400")
