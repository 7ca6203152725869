"""Call-in: working days of England and Wales, and an approved decision's money waiting for its call-in period.

The money posts when the period (five working days from the date decided) ends without a call-in, when a call-in
is upheld, or at approval if the decision is urgent; a call-in referred back or overturned stops it for good.
"""

from __future__ import annotations

import datetime as dt

import pytest
from fastapi.testclient import TestClient
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy.orm import Session, sessionmaker

from tests.funds.test_ledger import (
    DECIDER,
    FINANCE,
    VIEWER,
    contribute,
    draft,
    make_fund,
    move,
    pounds,
)
from tests.funds.test_pages import DemoMoney, csrf, load_demo_money, signed_in
from wholeplace import business_dates
from wholeplace.auth.model import Role
from wholeplace.business_dates import add_working_days, bank_holidays, is_working_day
from wholeplace.decisions import call_in
from wholeplace.decisions import service as decisions
from wholeplace.decisions.model import CallInOutcome, Decision, DecisionStatus
from wholeplace.funds import ledger
from wholeplace.money import FinancialYear
from wholeplace.problems import Conflict, InvalidInput

D = dt.date
TODAY = business_dates.today()
DASH = "\N{EN DASH}"  # as the page says it: "Approved, en dash, call-in period ends on ..."
URGENT = decisions.Signature(urgent_reason="The victims' service closes on Friday without it")


def day(date: dt.date) -> str:
    return f"{date.day} {date:%B %Y}"


# working days


@pytest.mark.parametrize(
    ("decided", "days", "ends", "why"),
    [
        (D(2013, 7, 30), 5, D(2013, 8, 6), "Tuesday to Tuesday: a weekend in between"),
        (D(2019, 4, 18), 5, D(2019, 4, 29), "Maundy Thursday: Good Friday and Easter Monday skipped"),
        (D(2026, 12, 23), 5, D(2027, 1, 4), "Christmas, Boxing Day on Monday 28th, New Year's Day skipped"),
        (D(2020, 12, 24), 1, D(2020, 12, 29), "Christmas Friday, Boxing Day (a Saturday) given on Monday 28th"),
        (D(2022, 9, 16), 1, D(2022, 9, 20), "the Queen's state funeral, Monday 19 September 2022"),
        (D(2023, 5, 5), 1, D(2023, 5, 9), "the coronation bank holiday, Monday 8 May 2023"),
        (D(2012, 6, 1), 1, D(2012, 6, 6), "spring bank holiday moved to 4 June and the Diamond Jubilee on 5 June"),
        (D(2011, 4, 28), 1, D(2011, 5, 3), "the royal wedding on 29 April and early May on 2 May 2011"),
        (D(2020, 5, 7), 1, D(2020, 5, 11), "early May bank holiday moved to Friday 8 May 2020 for VE day"),
        (D(2026, 6, 1), 0, D(2026, 6, 1), "no working days: the same day"),
    ],
)
def test_working_days_skip_weekends_and_bank_holidays(decided: dt.date, days: int, ends: dt.date, why: str) -> None:
    assert add_working_days(decided, days) == ends, why


def test_the_calendar_holds_every_published_bank_holiday_from_2008_to_2030() -> None:
    by_year = {year: sum(1 for d in bank_holidays() if d.year == year) for year in range(2008, 2031)}
    assert len(by_year) == 23
    # 8 a year, plus the one-offs: 2011 royal wedding, 2012 Diamond Jubilee, 2022 Platinum Jubilee and state
    # funeral, 2023 coronation (VE day in 2020 moved a holiday, it did not add one)
    assert {year: count for year, count in by_year.items() if count != 8} == {2011: 9, 2012: 9, 2022: 10, 2023: 9}
    assert all(holiday.weekday() < 5 for holiday in bank_holidays())  # substitute days fall on weekdays
    with pytest.raises(business_dates.OutsideTheCalendar, match="Bank holidays are known for 2008 to 2030"):
        is_working_day(D(2031, 1, 2))


@settings(max_examples=50, deadline=None)
@given(st.dates(min_value=D(2008, 1, 1), max_value=D(2029, 12, 1)), st.integers(min_value=1, max_value=20))
def test_the_end_of_a_period_is_a_working_day_exactly_that_many_working_days_on(start: dt.date, days: int) -> None:
    ends = add_working_days(start, days)
    assert is_working_day(ends)
    between = [start + dt.timedelta(days=n) for n in range(1, (ends - start).days + 1)]
    assert sum(1 for d in between if is_working_day(d)) == days


# posting waits for the call-in period


def approved_today(session: Session, *, signature: decisions.Signature | None = None) -> Decision:
    """£1,000 of a £50,000 pool allocated to the Strategic Pool, decided today: its call-in period is running."""
    fund = make_fund(session)
    contribute(session, fund, "50000")
    decision = draft(session, fund, move("1000", "Pool:Unallocated", "Themes:Strategic Pool"), reference="PCC/071/13")
    decisions.approve_decision(session, DECIDER, decision_id=decision.id, signature=signature, call_in_working_days=5)
    return decision


def pool(session: Session, decision: Decision) -> object:
    return ledger.statement(session, VIEWER, fund_id=decision.fund_id).unallocated


def test_an_approval_waits_for_the_call_in_period_and_a_release_posts_it_once_the_period_ends(
    session: Session,
) -> None:
    decision = approved_today(session)
    ends = add_working_days(TODAY, 5)
    assert (decision.status, decision.call_in_ends_on, decision.money_posted_at) == (
        DecisionStatus.APPROVED,
        ends,
        None,
    )
    assert call_in.money_state(decision, TODAY) == f"Approved {DASH} call-in period ends on {day(ends)}"
    assert pool(session, decision) == pounds("50000")  # nothing moved
    with pytest.raises(
        Conflict, match=f"PCC/071/13 is not due to post: Approved {DASH} call-in period ends on {day(ends)}"
    ):
        call_in.post_money(session, FINANCE, decision_id=decision.id)
    assert call_in.release_due(session, FINANCE, today=ends) == call_in.Release([], [])  # the last day: not yet
    assert call_in.release_due(session, FINANCE, today=ends + dt.timedelta(days=1)) == call_in.Release(
        ["PCC/071/13"], []
    )
    assert pool(session, decision) == pounds("49000")  # 50,000 - 1,000
    assert decision.money_posted_at is not None
    assert call_in.release_due(session, FINANCE, today=ends + dt.timedelta(days=2)) == call_in.Release([], [])


def test_no_money_moves_under_a_decision_in_its_call_in_period_not_even_money_citing_it(session: Session) -> None:
    decision = approved_today(session)
    fund = ledger.lock_fund(session, decision.fund_id)
    lines = [
        (ledger.open_account(session, FINANCE, fund, "Contributions:Police and Crime Commissioner for Essex"), -1),
        (ledger.open_account(session, FINANCE, fund, "Pool:Unallocated"), 1),
    ]

    def receive() -> None:
        ledger.post(
            session,
            FINANCE,
            fund=fund,
            decision=decision,
            date=TODAY,
            description="A contribution received under PCC/071/13",
            lines=[
                (account, pounds("500") * sign, FinancialYear(decision.recommendations[0].from_year))
                for account, sign in lines
            ],
        )

    with pytest.raises(InvalidInput, match="PCC/071/13 is not an approved decision of this fund in force"):
        receive()
    assert pool(session, decision) == pounds("50000")  # nothing moved
    call_in.release_due(session, FINANCE, today=add_working_days(TODAY, 6))
    receive()  # in force once its own money has posted
    assert pool(session, decision) == pounds("49500")  # 50,000 - 1,000 allocated + 500 received


def test_an_urgent_decision_posts_at_approval_and_cannot_be_called_in(session: Session) -> None:
    decision = approved_today(session, signature=URGENT)
    assert (decision.call_in_ends_on, decision.urgent_reason) == (None, URGENT.urgent_reason)
    assert pool(session, decision) == pounds("49000")
    with pytest.raises(Conflict, match="can no longer be called in: it was urgent"):
        call_in.record_call_in(
            session, VIEWER, decision_id=decision.id, called_in_by="Cllr Smith", reason="Why?", called_in_on=TODAY
        )


def test_a_decision_taken_long_ago_posts_at_once(session: Session) -> None:
    """As the demo's decisions of 2011 and 2013 do, signed on their reports' days."""
    fund = make_fund(session)
    decision = contribute(session, fund, "50000")  # decided on 30 July 2013: its period ended on 6 August 2013
    assert decision.call_in_ends_on == D(2013, 8, 6) and decision.money_posted_at is not None


def test_a_call_in_stops_the_money_until_its_outcome_and_referred_back_stops_it_for_good(session: Session) -> None:
    decision = approved_today(session)
    ends = decision.call_in_ends_on
    assert ends is not None
    with pytest.raises(InvalidInput, match="within the call-in period"):
        call_in.record_call_in(
            session,
            VIEWER,
            decision_id=decision.id,
            called_in_by="Cllr Smith",
            reason="Why?",
            called_in_on=D(2013, 1, 1),
        )
    call_in.record_call_in(
        session,
        VIEWER,
        decision_id=decision.id,
        called_in_by="Councillors A Smith and B Jones",
        reason="The Strategic Pool has no spending plan",
        called_in_on=TODAY,
    )
    assert call_in.money_state(decision, TODAY) == (
        f"Approved {DASH} called in on {day(TODAY)}: its money waits for the call-in's outcome"
    )
    assert call_in.release_due(session, FINANCE, today=ends + dt.timedelta(days=30)).posted == []
    call_in.record_outcome(
        session, VIEWER, decision_id=decision.id, outcome=CallInOutcome.REFERRED_BACK, outcome_on=TODAY
    )
    assert decision.status is DecisionStatus.STOPPED and not decision.approved
    assert call_in.release_due(session, FINANCE, today=ends + dt.timedelta(days=30)).posted == []
    assert pool(session, decision) == pounds("50000")


def called_in(session: Session, decision: Decision) -> None:
    call_in.record_call_in(
        session,
        VIEWER,
        decision_id=decision.id,
        called_in_by="Cllr Smith",
        reason="Value for money",
        called_in_on=TODAY,
    )


def test_a_call_in_upheld_by_a_scrutiny_member_makes_the_money_due_for_the_release(session: Session) -> None:
    decision = approved_today(session)
    called_in(session, decision)
    call_in.record_outcome(session, VIEWER, decision_id=decision.id, outcome=CallInOutcome.UPHELD, outcome_on=TODAY)
    assert decision.status is DecisionStatus.APPROVED and decision.money_posted_at is None  # a viewer posts nothing
    assert call_in.money_state(decision, TODAY) == (
        f"Approved {DASH} call-in period ended on {day(decision.call_in_ends_on)}: its money is due to post"
    )
    assert call_in.release_due(session, FINANCE, today=TODAY).posted == ["PCC/071/13"]
    assert pool(session, decision) == pounds("49000")


def test_a_decision_maker_recording_an_upheld_call_in_posts_the_money_at_once(session: Session) -> None:
    decision = approved_today(session)
    called_in(session, decision)
    call_in.record_outcome(session, DECIDER, decision_id=decision.id, outcome=CallInOutcome.UPHELD, outcome_on=TODAY)
    assert decision.money_posted_at is not None and pool(session, decision) == pounds("49000")


def test_the_money_check_binds_at_approval_counting_decisions_still_waiting(session: Session) -> None:
    decision = approved_today(session)  # £1,000 of £50,000 waits for its call-in period
    second = draft(
        session, decision.fund, move("49500", "Pool:Unallocated", "Themes:Strategic Pool"), reference="PCC/072/13"
    )
    # in a savepoint, as a page or the API's unit of work does, so the refusal changes nothing
    refused = pytest.raises(ledger.NotEnoughMoney, match=r"Not enough money in 2013/14: this would leave -£500\.00")
    with refused, session.begin_nested():
        decisions.approve_decision(session, DECIDER, decision_id=second.id, call_in_working_days=5)
    assert second.status is DecisionStatus.DRAFT and pool(session, decision) == pounds("50000")


def test_the_money_check_binds_again_when_the_money_posts(session: Session) -> None:
    decision = approved_today(session)
    # meanwhile the finance officer asserts the pool holds its £50,000 on the day the allocation takes effect
    ledger.add_balance_assertion(
        session,
        FINANCE,
        fund_id=decision.fund_id,
        account="Pool:Unallocated",
        date=D(2013, 7, 30),
        amount=pounds("50000"),
    )
    assert decision.call_in_ends_on is not None
    released = call_in.release_due(session, FINANCE, today=decision.call_in_ends_on + dt.timedelta(days=1))
    assert released.posted == [] and [reference for reference, _ in released.refused] == ["PCC/071/13"]
    assert "This would break the balance assertion of £50,000.00" in str(released.refused[0][1][0])
    assert decision.money_posted_at is None and pool(session, decision) == pounds("50000")


# pages and the API


@pytest.fixture
def demo(sessions: sessionmaker[Session]) -> DemoMoney:
    return load_demo_money(sessions)


def test_in_the_browser_an_approval_waits_a_viewer_calls_it_in_upholds_it_and_finance_posts_the_money(
    client: TestClient, sessions: sessionmaker[Session], demo: DemoMoney
) -> None:
    decider = signed_in(client, sessions, Role.DECISION_MAKER, "Police and Crime Commissioner for Essex")
    response = decider.post(
        f"/decisions/{demo.reprofile}/approve", data={"csrf_token": csrf(decider)}, follow_redirects=False
    )
    assert response.status_code == 303
    ends = add_working_days(TODAY, 5)
    page = decider.get(response.headers["location"])
    assert f"Its money posts when the call-in period ends on {day(ends)}, unless it is called in." in page.text
    assert f"Approved {DASH} call-in period ends on {day(ends)}" in page.text
    assert "Post the money now" not in page.text
    viewer = signed_in(client, sessions, Role.VIEWER)
    page = viewer.get(f"/decisions/{demo.reprofile}")
    assert "Record a call-in" in page.text
    form = {
        "csrf_token": csrf(viewer),
        "called_in_by": "Police and Crime Panel",
        "call_in_reason": "",
        "called_in_on-day": str(TODAY.day),
        "called_in_on-month": str(TODAY.month),
        "called_in_on-year": str(TODAY.year),
    }
    refused = viewer.post(f"/decisions/{demo.reprofile}/call-in", data=form)
    assert refused.status_code == 422 and refused.text.count("Enter why the decision was called in") == 2
    form["call_in_reason"] = "Recruitment has not started"
    called = viewer.post(f"/decisions/{demo.reprofile}/call-in", data=form, follow_redirects=False)
    assert called.status_code == 303
    page = viewer.get(called.headers["location"])
    assert "The call-in has been recorded. The money waits for its outcome." in page.text
    outcome = {
        "csrf_token": csrf(viewer),
        "outcome": "upheld",
        "outcome_on-day": str(TODAY.day),
        "outcome_on-month": str(TODAY.month),
        "outcome_on-year": str(TODAY.year),
    }
    done = viewer.post(f"/decisions/{demo.reprofile}/call-in/outcome", data=outcome, follow_redirects=False)
    assert done.status_code == 303
    page = viewer.get(done.headers["location"])
    assert "Upheld: the decision stands" in page.text
    assert "its money is due to post" in page.text and "Post the money now" not in page.text  # a viewer cannot
    finance = signed_in(client, sessions, Role.FINANCE, "Police and Crime Commissioner for Essex")
    assert "Post the money now" in finance.get(f"/decisions/{demo.reprofile}").text
    posted = finance.post(
        f"/decisions/{demo.reprofile}/post", data={"csrf_token": csrf(finance)}, follow_redirects=False
    )
    assert (posted.status_code, posted.headers["location"]) == (303, f"/decisions/{demo.reprofile}?posted=1")
    page = finance.get(posted.headers["location"])
    assert "The money of DEMO/REPROFILE/1 has been posted." in page.text
    assert f"Approved {DASH} money posted on {day(TODAY)}" in page.text
    with sessions() as session:
        link_workers = next(
            b for b in ledger.balances(session, demo.wecb) if b.account == "Themes:Reducing Re-offending:Link Workers"
        )
    assert sum(amount.pence for amount in link_workers.by_year.values()) == pounds("75000").pence  # moved, not lost
    assert link_workers.by_year[max(link_workers.by_year)] == pounds("37500")  # half into 2014/15
