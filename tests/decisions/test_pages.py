"""Decision pages: the record laid out like the seed paper, checks on its figures, approval and rejection.

An approval or rejection that is refused shows the decision again with every reason, and changes nothing.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from tests.funds.test_pages import (
    DemoMoney,
    cells,
    csrf,
    draft_strategic_pool_top_up,
    load_demo_money,
    signed_in,
    summary,
)
from wholeplace import business_dates
from wholeplace.audit import AuditEntry
from wholeplace.auth.actor import Actor
from wholeplace.auth.model import Role
from wholeplace.decisions.model import Decision, DecisionStatus
from wholeplace.funds import ledger
from wholeplace.funds.model import LedgerTransaction
from wholeplace.money import FinancialYear, Money
from wholeplace.settings import Settings

Y2013 = FinancialYear(2013)
APPROVE_BUTTON = re.compile(r"<button[^>]*>\s*Approve\s*</button>")


def day(date: dt.date) -> str:
    return f"{date.day} {date:%B %Y}"


@pytest.fixture
def settings(tmp_path) -> Settings:  # type: ignore[no-untyped-def]
    """Two decisions to a page, so the demo's three make two pages."""
    return Settings(database_url=f"sqlite:///{tmp_path}/unused.db", page_size=2)


@pytest.fixture
def demo(sessions: sessionmaker[Session]) -> DemoMoney:
    return load_demo_money(sessions)


@pytest.fixture
def decider(client: TestClient, sessions: sessionmaker[Session], demo: DemoMoney) -> TestClient:
    """A decision maker of the Police and Crime Commissioner, which holds the demo's WECB fund."""
    return signed_in(client, sessions, Role.DECISION_MAKER, "Police and Crime Commissioner for Essex")


def status_of(sessions: sessionmaker[Session], decision_id: int) -> DecisionStatus:
    with sessions() as session:
        decision = session.get(Decision, decision_id)
        assert decision is not None
        return decision.status


def test_a_decision_is_laid_out_like_the_report(
    client: TestClient, sessions: sessionmaker[Session], demo: DemoMoney
) -> None:
    viewer = signed_in(client, sessions, Role.VIEWER)
    page = viewer.get(f"/decisions/{demo.pcc_038_13}")
    assert page.status_code == 200
    facts = summary(page.text)
    assert {
        key: facts[key] for key in ("Report reference number", "Title of report", "Date of report", "Report by")
    } == {
        "Report reference number": "PCC/038/13",
        "Title of report": "2013/14 Whole Essex Community Budgets",
        "Date of report": "30 July 2013",
        "Report by": "Pamela Standley, Operating Manager",
    }
    assert facts["Decision maker"] == "Police and Crime Commissioner for Essex"
    assert facts["Total allocated to themes and projects"] == "£272,760.00"
    assert facts["Total paid into the pool"] == "£290,000.00"
    assert facts["Total the report states"] == "£272,760.00"
    assert (facts["Report for publication"], facts["Reasons for non-publication"]) == ("Yes", "None")
    for heading in (
        "1. Purpose of report",
        "2. Recommendations",
        "3. Financial implications",
        "4. Checks on the figures",
    ):
        assert heading in page.text
    assert "To seek approval to allocate £272,760 for Whole Essex Community Budgets" in page.text
    rows = cells(page.text)
    assert [
        "2.2",
        "Link Workers",
        "Unallocated pool",
        "Link Workers (Reducing Re-offending)",
        "2013/14",
        "£75,000.00",
    ] in rows
    assert ["Allocations against the stated total", "£272,760.00", "£272,760.00", "£0.00", "Agrees"] in rows
    assert '<strong class="govuk-tag govuk-tag--green">' in page.text
    assert "agreed the recommendations to this report on" in page.text
    assert not APPROVE_BUTTON.search(page.text)


def test_a_stated_share_that_differs_from_the_amount_is_tagged_differs(
    client: TestClient, sessions: sessionmaker[Session], demo: DemoMoney
) -> None:
    # Seed 003 gives Safer Essex "1/3" of £761,860 (£253,953.33) but allocates £259,032: £5,078.67 more
    page = signed_in(client, sessions, Role.VIEWER).get(f"/decisions/{demo.csf_decision}")
    row = [
        "ii stated as 1/3 of £761,860.00",
        "1/3 = £253,953.33",
        "£259,032.00 is 34.00% of £761,860.00",
        "£5,078.67",
        "Differs",
    ]
    assert row in cells(page.text)
    assert '<strong class="govuk-tag govuk-tag--red">' in page.text


def test_a_viewer_sees_no_approve_button_and_is_refused_if_they_post_one(
    client: TestClient, sessions: sessionmaker[Session], demo: DemoMoney
) -> None:
    viewer = signed_in(client, sessions, Role.VIEWER)
    page = viewer.get(f"/decisions/{demo.reprofile}")
    assert "Waiting for the decision of the Police and Crime Commissioner for Essex" in page.text
    assert not APPROVE_BUTTON.search(page.text) and 'name="reason"' not in page.text
    response = viewer.post(f"/decisions/{demo.reprofile}/approve", data={"csrf_token": csrf(viewer)})
    assert response.status_code == 403
    assert (
        "DEMO/REPROFILE/1 is for the Police and Crime Commissioner for Essex to decide: only a user of Police and "
        "Crime Commissioner for Essex with the role decision maker can decide it" in response.text
    )
    assert status_of(sessions, demo.reprofile) is DecisionStatus.DRAFT
    with sessions() as session:
        refusal = session.scalar(select(AuditEntry).where(AuditEntry.action == "decisions.decide"))
        assert refusal is not None and refusal.outcome == "refused"


def test_a_decision_maker_approves_the_reprofiling_and_the_statement_shows_it_in_2014_15(
    decider: TestClient, sessions: sessionmaker[Session], demo: DemoMoney
) -> None:
    page = decider.get(f"/decisions/{demo.reprofile}")
    assert APPROVE_BUTTON.search(page.text)
    urgent = "Recruitment in the north starts next week"  # so its money posts now, not after the call-in period
    response = decider.post(
        f"/decisions/{demo.reprofile}/approve",
        data={"csrf_token": csrf(decider), "urgent_reason": urgent},
        follow_redirects=False,
    )
    assert (response.status_code, response.headers["location"]) == (303, f"/decisions/{demo.reprofile}?approved=1")
    page = decider.get(response.headers["location"])
    assert "DEMO/REPROFILE/1 has been approved." in page.text
    assert "Its money has been posted to the ledger." in page.text
    assert f"Approved \N{EN DASH} money posted on {day(business_dates.today())}" in page.text
    assert "It was taken as urgent, so it could not be called in, because:" in page.text and urgent in page.text
    assert not APPROVE_BUTTON.search(page.text)
    statement = decider.get(f"/funds/{demo.wecb}")
    rows = cells(statement.text)
    # half of Link Workers' £75,000 moves on: 272,760 - 37,500 = 235,260 stays in 2013/14
    assert ["2013/14", "£235,260.00", "£17,240.00", "£252,500.00"] in rows
    assert ["2014/15", "£37,500.00", "£0.00", "£37,500.00"] in rows
    assert summary(statement.text)["Allocated to themes and projects"] == "£272,760.00"
    with sessions() as session:
        link_workers = next(
            b for b in ledger.balances(session, demo.wecb) if b.account == "Themes:Reducing Re-offending:Link Workers"
        )
    assert dict(link_workers.by_year) == {
        FinancialYear(2013): Money.parse("37500"),
        FinancialYear(2014): Money.parse("37500"),
    }


def test_rejecting_without_a_reason_asks_for_one_and_changes_nothing(
    decider: TestClient, sessions: sessionmaker[Session], demo: DemoMoney
) -> None:
    page = decider.post(f"/decisions/{demo.reprofile}/reject", data={"reason": "  ", "csrf_token": csrf(decider)})
    assert page.status_code == 422
    assert "There is a problem" in page.text
    assert page.text.count("Enter the reason the recommendations are not agreed") == 2  # summary and field
    assert 'href="#reason"' in page.text and 'id="reason-error"' in page.text
    assert status_of(sessions, demo.reprofile) is DecisionStatus.DRAFT


def test_rejecting_with_a_reason_records_who_when_and_why(
    decider: TestClient, sessions: sessionmaker[Session], demo: DemoMoney
) -> None:
    reason = "Recruitment in the north has now started; keep the money in 2013/14."
    signature = {"decided_on-day": "2", "decided_on-month": "12", "decided_on-year": "2013", "signed_by": "The PCC"}
    response = decider.post(
        f"/decisions/{demo.reprofile}/reject",
        data={"reason": reason, "csrf_token": csrf(decider), **signature},
        follow_redirects=False,
    )
    assert response.headers["location"] == f"/decisions/{demo.reprofile}?rejected=1"
    page = decider.get(response.headers["location"])
    assert "DEMO/REPROFILE/1 has been rejected. No money has moved." in page.text
    assert "The PCC did not agree the recommendations to this report on 2 December 2013, because:" in page.text
    # the name of the user who recorded it; their email stays out of sight
    assert re.search(r"Recorded here by A Officer on \d{1,2} \w+ 20\d\d at \d\d:\d\d\.", page.text)
    assert reason in page.text
    assert status_of(sessions, demo.reprofile) is DecisionStatus.REJECTED


def test_the_approval_form_offers_today_and_the_office_and_refuses_a_date_that_is_not_one(
    decider: TestClient, sessions: sessionmaker[Session], demo: DemoMoney
) -> None:
    form = decider.get(f"/decisions/{demo.reprofile}")
    today = business_dates.today()
    assert f'name="decided_on-year" type="text" value="{today.year}"' in form.text.replace("  ", " ")
    assert 'name="signed_by" type="text" value="Police and Crime Commissioner for Essex"' in form.text
    page = decider.post(
        f"/decisions/{demo.reprofile}/approve",
        data={
            "csrf_token": csrf(decider),
            "decided_on-day": "31",
            "decided_on-month": "2",
            "decided_on-year": "2014",
            "signed_by": "Police and Crime Commissioner for Essex",
        },
    )
    assert page.status_code == 422
    assert page.text.count("The date decided must be a real date, like 31 3 2014") == 2  # summary and field
    assert 'href="#decided_on-day"' in page.text and 'value="31"' in page.text
    assert status_of(sessions, demo.reprofile) is DecisionStatus.DRAFT


def test_approving_a_draft_that_would_overspend_the_pool_is_refused_with_the_reason_and_changes_nothing(
    decider: TestClient, sessions: sessionmaker[Session], demo: DemoMoney
) -> None:
    draft_id = draft_strategic_pool_top_up(sessions, demo.wecb)
    with sessions() as session:
        transactions_before = session.scalar(select(func.count()).select_from(LedgerTransaction))
    page = decider.post(f"/decisions/{draft_id}/approve", data={"csrf_token": csrf(decider)})
    assert page.status_code == 409
    assert "There is a problem" in page.text
    # 17,240 - 20,000 = -2,760
    assert "The unallocated pool: Not enough money in 2013/14: this would leave -£2,760.00" in page.text
    assert APPROVE_BUTTON.search(page.text)  # still a draft, so the decision maker can still act on it
    assert status_of(sessions, draft_id) is DecisionStatus.DRAFT
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(LedgerTransaction)) == transactions_before
        assert ledger.statement(session, Actor.console(), fund_id=demo.wecb).unallocated == Money.parse("17240")
        assert (
            session.scalar(
                select(AuditEntry).where(
                    AuditEntry.action == "decision.approved", AuditEntry.object_id == str(draft_id)
                )
            )
            is None
        )


def test_approving_a_decision_twice_says_it_has_already_been_approved(
    decider: TestClient, sessions: sessionmaker[Session], demo: DemoMoney
) -> None:
    page = decider.post(f"/decisions/{demo.pcc_038_13}/approve", data={"csrf_token": csrf(decider)})
    assert page.status_code == 409
    assert "PCC/038/13 has already been approved" in page.text


def test_the_decisions_list_filters_by_status_and_fund_and_pages(
    client: TestClient, sessions: sessionmaker[Session], demo: DemoMoney
) -> None:
    viewer = signed_in(client, sessions, Role.VIEWER)
    first = viewer.get("/decisions")
    assert "3 decisions, page 1 of 2" in first.text
    # newest report first: DEMO/REPROFILE/1 (2 December 2013), PCC/038/13 (30 July 2013), then the CSF's
    assert [row[0] for row in cells(first.text)[1:]] == ["DEMO/REPROFILE/1", "PCC/038/13"]
    assert 'href="/decisions?page=2"' in first.text
    second = viewer.get("/decisions", params={"page": 2})
    assert [row[0] for row in cells(second.text)[1:]] == ["ECC/SAFER-ESSEX/2011-03-10"]
    drafts = viewer.get("/decisions", params={"status": "draft"})
    assert [row[0] for row in cells(drafts.text)[1:]] == ["DEMO/REPROFILE/1"]
    assert [
        "DEMO/REPROFILE/1",
        "Re-profile Link Workers into 2014/15",
        "Whole Essex Community Budgets",
        "2 December 2013",
        "Draft",
    ] in cells(drafts.text)
    csf = viewer.get("/decisions", params={"fund": demo.csf, "status": "approved"})
    assert [row[0] for row in cells(csf.text)[1:]] == ["ECC/SAFER-ESSEX/2011-03-10"]
    assert viewer.get("/decisions", params={"status": "pending"}).status_code == 422
