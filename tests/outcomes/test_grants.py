"""Grant monitoring on the demo, on both databases: the PCC's 2013/14 WECB grants (PCC/038/13), the quarterly
returns each owes with their states on a fixed day, each return's spend to date reconciled with the ledger, and
the rules for submitting a return.

The demo's tables (demo/outcomes.py RETURNS and LEDGER_SPEND, and the analyst's £8,750 of 31 October 2013 in
demo/funds.py) are the inputs; every expected figure below is worked out from them by hand."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from wholeplace.audit import AuditEntry
from wholeplace.auth.actor import Actor
from wholeplace.auth.model import Role
from wholeplace.business_dates import today
from wholeplace.funds import ledger
from wholeplace.money import FinancialYear, Money
from wholeplace.outcomes import grants
from wholeplace.outcomes.grants import Grant, ReturnIn, ReturnState
from wholeplace.outcomes.model import GrantReturn
from wholeplace.outcomes.periods import Period
from wholeplace.problems import AccessRefused, Conflict, InvalidInput, NotFound, Problem

VIEWER = Actor(None, "viewer@essex.example", None, frozenset({Role.VIEWER}))
PROGRAMME = Actor(None, "programme.officer@essex.example", None, frozenset({Role.PROGRAMME}))

MASH = "Themes:Reducing Domestic Abuse:MASH Analyst"
VICTIMS = "Themes:Reducing Domestic Abuse:Victim Support Pilots"
ANALYST = "Themes:Reducing Re-offending:IOM Performance Analyst"
LINK = "Themes:Reducing Re-offending:Link Workers"
POOL = "Themes:Strategic Pool"
COMMUNITIES = "Themes:Strengthening Communities"

ON_TIME, LATE, MISSING, NOT_DUE = ReturnState.ON_TIME, ReturnState.LATE, ReturnState.MISSING, ReturnState.NOT_DUE
# A day after every 2013/14 return fell due (the last, Q4's, on 30 April 2014) and after the last was made.
AFTER_THE_YEAR = dt.date(2014, 6, 1)


def wecb_grants(session: Session) -> dict[str, Grant]:
    fund = ledger.fund_by_code(session, VIEWER, "wecb-2013-14")
    return {grant.account.path: grant for grant in grants.grants(session, VIEWER, fund_id=fund.id)}


def states(session: Session, grant: Grant, on: dt.date) -> list[tuple[str, ReturnState]]:
    return [(str(due.period), due.state) for due in grants.returns_due(session, VIEWER, grant, on=on)]


def test_the_wecb_funds_grants_are_the_six_lines_pcc_038_13_allocated(demo_session: Session) -> None:
    found = wecb_grants(demo_session)
    # By path. 26,700 + 65,700 + 35,000 + 75,000 + 17,400 + 52,960 = 272,760, the decision's stated total.
    assert {path: grant.allocated for path, grant in found.items()} == {
        MASH: Money.parse("£26,700.00"),
        VICTIMS: Money.parse("£65,700.00"),
        ANALYST: Money.parse("£35,000.00"),
        LINK: Money.parse("£75,000.00"),
        POOL: Money.parse("£17,400.00"),
        COMMUNITIES: Money.parse("£52,960.00"),
    }
    assert list(found) == sorted(found)
    assert Money.total(grant.allocated for grant in found.values()) == Money.parse("£272,760.00")
    # Spend out of a grant (a negative posting on it) is not more money put in: the analyst's £8,750 of
    # 31 October 2013 and £17,500 since leave the allocation at £35,000.
    link = found[LINK]
    assert (link.name, link.theme, link.first_funded, link.last_year) == (
        "Link Workers",
        "Reducing Re-offending",
        dt.date(2013, 7, 30),  # the day PCC/038/13 was reported and signed
        FinancialYear(2013),  # the re-profiling into 2014/15 is a draft, so it has not moved money
    )
    assert {grant.first_funded for grant in found.values()} == {dt.date(2013, 7, 30)}
    assert {grant.last_year for grant in found.values()} == {FinancialYear(2013)}
    assert found[POOL].theme == "Strategic Pool"  # a theme without projects is its own theme


def test_get_grant_finds_a_funded_project_and_refuses_an_account_that_is_not_a_grant(demo_session: Session) -> None:
    session = demo_session
    found = wecb_grants(session)
    assert grants.get_grant(session, VIEWER, found[LINK].account.id) == found[LINK]
    fund = ledger.fund_by_code(session, VIEWER, "wecb-2013-14")
    spend = ledger.open_account(session, Actor.console(), fund, "Spend:Strategic Pool")
    with pytest.raises(NotFound, match=f"There is no grant {spend.id}"):
        grants.get_grant(session, VIEWER, spend.id)
    unfunded = ledger.open_account(session, Actor.console(), fund, "Themes:Reducing Re-offending:Mentors")
    with pytest.raises(NotFound, match="No money has been put into Mentors, so it is not a grant"):
        grants.get_grant(session, VIEWER, unfunded.id)


def test_returns_after_the_year_are_on_time_late_or_missing_as_the_demo_made_them(demo_session: Session) -> None:
    session = demo_session
    found = wecb_grants(session)
    # First funded on 30 July 2013, in 2013/14 Q2; money profiled to 2013/14 only: returns for Q2, Q3 and Q4,
    # due 30 days after each quarter ends: 30 October 2013, 30 January 2014 and 30 April 2014.
    assert [(str(due.period), due.due_on) for due in grants.returns_due(session, VIEWER, found[LINK])] == [
        ("2013/14 Q2", dt.date(2013, 10, 30)),
        ("2013/14 Q3", dt.date(2014, 1, 30)),
        ("2013/14 Q4", dt.date(2014, 4, 30)),
    ]
    # RETURNS gives days after the quarter's end; more than 30 is late:
    #   Link Workers Q3: 31 December + 45 days = 14 February 2014, after 30 January: late.
    #   Victim Support Pilots Q2 and Q3: 30 days, on the due day itself: on time. Q4: no return.
    #   MASH Analyst: no Q2 return. Strengthening Communities Q4: 60 days, 30 May 2014: late.
    #   Strategic Pool: no returns at all.
    assert {path: states(session, grant, AFTER_THE_YEAR) for path, grant in found.items()} == {
        ANALYST: [("2013/14 Q2", ON_TIME), ("2013/14 Q3", ON_TIME), ("2013/14 Q4", ON_TIME)],
        LINK: [("2013/14 Q2", ON_TIME), ("2013/14 Q3", LATE), ("2013/14 Q4", ON_TIME)],
        VICTIMS: [("2013/14 Q2", ON_TIME), ("2013/14 Q3", ON_TIME), ("2013/14 Q4", MISSING)],
        MASH: [("2013/14 Q2", MISSING), ("2013/14 Q3", ON_TIME), ("2013/14 Q4", ON_TIME)],
        COMMUNITIES: [("2013/14 Q2", ON_TIME), ("2013/14 Q3", ON_TIME), ("2013/14 Q4", LATE)],
        POOL: [("2013/14 Q2", MISSING), ("2013/14 Q3", MISSING), ("2013/14 Q4", MISSING)],
    }
    [late] = [due for due in grants.returns_due(session, VIEWER, found[LINK], on=AFTER_THE_YEAR) if due.state is LATE]
    assert late.submitted is not None and late.submitted.submitted_on == dt.date(2014, 2, 14)


def test_a_return_is_not_due_until_the_day_after_its_due_date_and_missing_from_then(demo_session: Session) -> None:
    session = demo_session
    found = wecb_grants(session)
    # Q4 is due on 30 April 2014: on that day it is not yet due, on 1 May 2014 it is missing.
    assert states(session, found[POOL], dt.date(2014, 4, 30)) == [
        ("2013/14 Q2", MISSING),
        ("2013/14 Q3", MISSING),
        ("2013/14 Q4", NOT_DUE),
    ]
    assert states(session, found[POOL], dt.date(2014, 5, 1))[-1] == ("2013/14 Q4", MISSING)
    assert states(session, found[VICTIMS], dt.date(2014, 4, 15)) == [
        ("2013/14 Q2", ON_TIME),
        ("2013/14 Q3", ON_TIME),
        ("2013/14 Q4", NOT_DUE),
    ]
    # On 1 December 2013 Q4 has not begun, so it is not listed; Q3 (October to December) is, not yet due.
    assert states(session, found[POOL], dt.date(2013, 12, 1)) == [("2013/14 Q2", MISSING), ("2013/14 Q3", NOT_DUE)]


def test_each_returns_spend_is_set_beside_the_ledgers_spend_to_the_quarters_end(demo_session: Session) -> None:
    session = demo_session
    found = wecb_grants(session)

    def reconciled(path: str) -> list[tuple[str, Money | None, Money | None, Money | None]]:
        return [
            (
                str(due.period),
                Money(due.submitted.spend_to_date_pence) if due.submitted else None,
                due.ledger_spend,
                due.difference,
            )
            for due in grants.returns_due(session, VIEWER, found[path], on=AFTER_THE_YEAR)
        ]

    # IOM Performance Analyst. The ledger: £8,750 on 31 October 2013 (demo/funds.py), then £8,750 on
    # 31 January 2014 and £8,750 on 31 March 2014 (LEDGER_SPEND).
    #   Q2, to 30 September 2013: return £8,750, ledger £0 (paid in October)           -> +£8,750.00
    #   Q3, to 31 December 2013:  return £17,500, ledger £8,750                        -> +£8,750.00
    #   Q4, to 31 March 2014:     return £26,250, ledger £8,750 x 3 = £26,250          -> £0.00
    assert reconciled(ANALYST) == [
        ("2013/14 Q2", Money.parse("£8,750"), Money(0), Money.parse("£8,750.00")),
        ("2013/14 Q3", Money.parse("£17,500"), Money.parse("£8,750"), Money.parse("£8,750.00")),
        ("2013/14 Q4", Money.parse("£26,250"), Money.parse("£26,250"), Money(0)),
    ]
    # Link Workers. The ledger: £18,750 on 20 December 2013, £18,500 on 28 March 2014.
    #   Q2: £0 against £0; Q3: £18,750 against £18,750;
    #   Q4: return £37,500 against £18,750 + £18,500 = £37,250                          -> +£250.00
    assert reconciled(LINK) == [
        ("2013/14 Q2", Money(0), Money(0), Money(0)),
        ("2013/14 Q3", Money.parse("£18,750"), Money.parse("£18,750"), Money(0)),
        ("2013/14 Q4", Money.parse("£37,500"), Money.parse("£37,250"), Money.parse("£250.00")),
    ]
    # Victim Support Pilots: £5,000 on 30 September, £16,900 on 31 December (both quarter ends, both counted):
    # £5,000 and £21,900, as returned; no Q4 return, so nothing to set it against and no difference shown.
    assert reconciled(VICTIMS) == [
        ("2013/14 Q2", Money.parse("£5,000"), Money.parse("£5,000"), Money(0)),
        ("2013/14 Q3", Money.parse("£21,900"), Money.parse("£21,900"), Money(0)),
        ("2013/14 Q4", None, None, None),
    ]
    # Strengthening Communities: £10,000, then + £16,480 = £26,480, then + £26,480 = £52,960: all match.
    assert [row[3] for row in reconciled(COMMUNITIES)] == [Money(0), Money(0), Money(0)]
    assert [row[2] for row in reconciled(COMMUNITIES)] == [
        Money.parse("£10,000"),
        Money.parse("£26,480"),
        Money.parse("£52,960"),
    ]


def test_ledger_spend_counts_spend_to_the_end_of_the_day_asked_about(demo_session: Session) -> None:
    session = demo_session
    analyst = wecb_grants(session)[ANALYST].account
    assert grants.spend_path(analyst) == "Spend:Reducing Re-offending:IOM Performance Analyst"
    # £8,750 was paid on 31 October 2013: not there on the 30th, there on the 31st.
    assert grants.ledger_spend(session, analyst, up_to=dt.date(2013, 10, 30)) == Money(0)
    assert grants.ledger_spend(session, analyst, up_to=dt.date(2013, 10, 31)) == Money.parse("£8,750")


def test_each_grant_is_linked_to_the_indicators_it_is_meant_to_move(demo_session: Session) -> None:
    session = demo_session
    found = wecb_grants(session)
    linked = grants.indicators_for_accounts(session, [grant.account.id for grant in found.values()])
    codes = {path: sorted(i.code for i in linked.get(grant.account.id, [])) for path, grant in found.items()}
    assert codes == {
        MASH: ["repeat-da-victims"],
        VICTIMS: ["repeat-da-victims"],
        ANALYST: ["reoffending"],
        LINK: ["reoffending"],
        POOL: [],
        COMMUNITIES: ["families-turned-around", "neet-16-18"],
    }
    # Linking again returns the link already there rather than adding a second.
    reoffending = linked[found[LINK].account.id][0]
    again = grants.link_grant(session, Actor.console(), indicator_id=reoffending.id, account_id=found[LINK].account.id)
    assert len(grants.indicators_for_accounts(session, [found[LINK].account.id])[found[LINK].account.id]) == 1
    assert again.indicator_id == reoffending.id


def return_for(period: str, spend: str, submitted_on: dt.date | None = None) -> ReturnIn:
    return ReturnIn(
        period=Period.parse(period),
        spend_to_date=Money.parse(spend),
        outputs="Two pool bids assessed; one funded (youth diversion in Harlow).",
        narrative="Pool held for in-year pressures as agreed at the WECB board.",
        submitted_on=submitted_on,
    )


def test_a_new_return_is_stored_reconciled_and_audited(demo_session: Session) -> None:
    session = demo_session
    pool = wecb_grants(session)[POOL]
    made = grants.submit_return(
        session,
        PROGRAMME,
        account_id=pool.account.id,
        given=return_for("2013/14 Q2", "£4,350.00", submitted_on=dt.date(2013, 10, 28)),
    )
    assert (made.period_start, made.spend_to_date_pence, made.submitted_by) == (
        dt.date(2013, 7, 1),
        435_000,
        "programme.officer@essex.example",
    )
    # Made on 28 October, before the 30 October due date: on time. The pool has spent nothing in the ledger,
    # so the return's £4,350.00 shows as a difference of +£4,350.00.
    first = grants.returns_due(session, VIEWER, pool, on=AFTER_THE_YEAR)[0]
    assert (first.state, first.ledger_spend, first.difference) == (ON_TIME, Money(0), Money.parse("£4,350.00"))
    entry = session.scalars(
        select(AuditEntry).where(AuditEntry.action == "grant_return.submitted").order_by(AuditEntry.seq.desc())
    ).first()
    assert entry is not None
    assert (entry.actor, entry.object_type, entry.object_id) == (
        "programme.officer@essex.example",
        "grant",
        str(pool.account.id),
    )
    assert json.loads(entry.detail) == {"period": "2013/14 Q2", "spend_to_date": "4350.00"}


def test_a_second_return_for_a_quarter_is_refused_as_a_conflict(demo_session: Session) -> None:
    session = demo_session
    link = wecb_grants(session)[LINK]
    # Link Workers' Q3 return was made 45 days after 31 December 2013.
    with pytest.raises(Conflict, match="The return for 2013/14 Q3 was submitted on 14 February 2014"):
        grants.submit_return(session, PROGRAMME, account_id=link.account.id, given=return_for("2013/14 Q3", "18750"))
    held = session.scalars(select(GrantReturn).where(GrantReturn.account_id == link.account.id)).all()
    assert len(held) == 3


@pytest.mark.parametrize(
    ("period", "spend", "problem"),
    [
        ("Nov 2013", "£100", Problem("period", "Returns are quarterly: give a quarter like 2013/14 Q2")),
        ("2013/14", "£100", Problem("period", "Returns are quarterly: give a quarter like 2013/14 Q2")),
        ("2013/14 Q1", "£100", Problem("period", "Strategic Pool was first funded on 30 July 2013")),
        ("2013/14 Q2", "-£250.00", Problem("spend_to_date", "Spend to date must be £0.00 or more")),
    ],
)
def test_a_return_that_is_not_for_a_funded_quarter_or_has_negative_spend_is_refused(
    demo_session: Session, period: str, spend: str, problem: Problem
) -> None:
    session = demo_session
    pool = wecb_grants(session)[POOL]
    with pytest.raises(InvalidInput) as refused:
        grants.submit_return(session, PROGRAMME, account_id=pool.account.id, given=return_for(period, spend))
    assert refused.value.problems == [problem]
    assert session.scalars(select(GrantReturn).where(GrantReturn.account_id == pool.account.id)).all() == []


def test_a_return_for_a_quarter_not_yet_begun_or_dated_in_the_future_or_before_its_quarter_is_refused(
    demo_session: Session,
) -> None:
    session = demo_session
    pool = wecb_grants(session)[POOL]
    next_year = Period.quarter(FinancialYear.of(today()) + 1, 1)
    ahead = ReturnIn(period=next_year, spend_to_date=Money(0))
    with pytest.raises(InvalidInput) as refused:
        grants.submit_return(session, PROGRAMME, account_id=pool.account.id, given=ahead)
    assert refused.value.problems == [Problem("period", f"{next_year} has not begun")]
    tomorrow = today() + dt.timedelta(days=1)
    with pytest.raises(InvalidInput) as refused:
        grants.submit_return(
            session, PROGRAMME, account_id=pool.account.id, given=return_for("2013/14 Q4", "£0", tomorrow)
        )
    assert refused.value.problems == [Problem("submitted_on", "The date submitted cannot be in the future")]
    with pytest.raises(InvalidInput) as refused:  # a return for January to March dated in December
        grants.submit_return(
            session, PROGRAMME, account_id=pool.account.id, given=return_for("2013/14 Q4", "£0", dt.date(2013, 12, 31))
        )
    assert refused.value.problems == [Problem("submitted_on", "The date submitted is before 2013/14 Q4 began")]


def test_a_viewer_cannot_submit_a_return(demo_session: Session) -> None:
    pool = wecb_grants(demo_session)[POOL]
    with pytest.raises(AccessRefused):
        grants.submit_return(demo_session, VIEWER, account_id=pool.account.id, given=return_for("2013/14 Q2", "£0"))
