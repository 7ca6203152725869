"""Drafting any decision in the browser (/decisions/new) and through POST /api/v1/decisions: a good draft is
saved and shown, every hostile value is a field error with nothing saved, and a draft that would overspend says
so by name and figure, then is refused at approval."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from tests.funds.test_api import token_for
from tests.funds.test_ledger import DECIDER, FINANCE, VIEWER, make_fund, make_partner
from tests.funds.test_pages import DemoMoney, csrf, load_demo_money, signed_in
from wholeplace import business_dates
from wholeplace.auth.model import Role
from wholeplace.decisions import call_in, report
from wholeplace.decisions import service as decisions
from wholeplace.decisions.model import Decision, DecisionStatus
from wholeplace.decisions.service import NO_RECOMMENDATIONS, DecisionIn, Signature
from wholeplace.funds import contributions, ledger
from wholeplace.funds.contributions import ContributionKind
from wholeplace.funds.model import LedgerTransaction
from wholeplace.money import FinancialYear, Money
from wholeplace.problems import InvalidInput, Problem

PCC = "Police and Crime Commissioner for Essex"
# The demo's pool holds £17,240 after PCC/038/13 (290,000 - 272,760): £20,000 for refuges leaves it £2,760 short.
SHORT = "The unallocated pool would be £2,760.00 short in 2013/14"


@pytest.fixture
def demo(sessions: sessionmaker[Session]) -> DemoMoney:
    return load_demo_money(sessions)


def decision_count(sessions: sessionmaker[Session]) -> int:
    with sessions() as session:
        return session.scalar(select(func.count()).select_from(Decision)) or 0


def refuge_form(client: TestClient, fund_id: int, demo: DemoMoney, **changes: str) -> dict[str, str]:
    """A draft putting £20,000 from the pool into a new project, Refuge Places, under Reducing Domestic Abuse."""
    form = {
        "csrf_token": csrf(client),
        "fund_id": str(fund_id),
        "reference": "PCC/080/13",
        "title": "Refuge places for the winter",
        "report_date-day": "2",
        "report_date-month": "12",
        "report_date-year": "2013",
        "author": "Programme Manager",
        "decision_maker_partner_id": str(demo.pcc),
        "decision_maker_role": "decision_maker",
        "decision_maker": PCC,
        "purpose": "To fund twelve refuge places over the winter.",
        "publish": "yes",
        "rec-1-number": "2.1",
        "rec-1-text": "Refuge places",
        "rec-1-amount": "£20,000",
        "rec-1-from": "Pool:Unallocated",
        "rec-1-from_year": "2013/14",
        "rec-1-to": "new",
        "rec-1-to_new": "Reducing Domestic Abuse: Refuge Places",
    }
    return {**form, **changes}


def test_the_form_drafts_a_decision_saved_with_its_overspend_said_plainly(
    client: TestClient, sessions: sessionmaker[Session], demo: DemoMoney
) -> None:
    programme = signed_in(client, sessions, Role.PROGRAMME)
    listing = programme.get("/decisions", params={"fund": demo.wecb})
    assert f'href="/decisions/new?fund={demo.wecb}"' in listing.text and "Draft a decision" in listing.text
    form = programme.get("/decisions/new", params={"fund": demo.wecb})
    assert form.status_code == 200
    assert '<option value="Pool:Unallocated">The unallocated pool</option>' in form.text
    assert ">Link Workers (Reducing Re-offending)</option>" in form.text
    assert "Themes:" not in re.sub(r'value="[^"]*"', "", form.text)  # paths only in values, never on screen
    response = programme.post("/decisions/new", data=refuge_form(programme, demo.wecb, demo), follow_redirects=False)
    assert response.status_code == 303
    page = programme.get(response.headers["location"])
    assert "PCC/080/13 has been drafted." in page.text
    assert "Not enough money as things stand" in page.text and SHORT in page.text
    assert "Refuge Places (Reducing Domestic Abuse)" in page.text
    assert "A decision maker of Police and Crime Commissioner for Essex" in page.text

    decider = signed_in(client, sessions, Role.DECISION_MAKER, PCC)
    draft_id = int(response.headers["location"].split("/")[2].split("?")[0])
    refused = decider.post(f"/decisions/{draft_id}/approve", data={"csrf_token": csrf(decider)})
    assert refused.status_code == 409
    assert "The unallocated pool: Not enough money in 2013/14: this would leave -£2,760.00" in refused.text
    with sessions() as session:
        assert session.get(Decision, draft_id).status is DecisionStatus.DRAFT  # type: ignore[union-attr]


HOSTILE = [
    ("rec-1-amount", "12345678901234567890123", "is more than £10,000,000,000,000.00, the largest amount"),
    ("rec-1-amount", "1e30", "1e30&#39; is not an amount of money. Write it like £1,234.56"),
    ("rec-1-amount", "NaN", "NaN&#39; is not an amount of money. Write it like £1,234.56"),
    ("rec-1-amount", "-5", "Amount must be £0.01 or more"),
    ("rec-1-from_year", "14", "Enter a financial year like 2013/14"),
    ("rec-1-from_year", "200000", "Enter a financial year like 2013/14"),
    ("rec-1-from_year", "2020/21", "2020/21 is outside the fund&#39;s years, 2013/14 to 2014/15"),
    ("report_date-year", "14", "The date of the report must be a real date from 2000 to 2099, like 30 7 2013"),
    ("report_date-year", "200000", "The date of the report must be a real date from 2000 to 2099, like 30 7 2013"),
    ("reference", "", "Enter the decision&#39;s reference, like PCC/038/13"),
    ("decision_maker_role", "viewer", "Select the role that decides it"),
]


def test_each_hostile_value_on_the_form_is_a_field_error_and_nothing_is_saved(
    client: TestClient, sessions: sessionmaker[Session], demo: DemoMoney
) -> None:
    programme = signed_in(client, sessions, Role.PROGRAMME)
    before = decision_count(sessions)
    walked = 0
    for field, value, message in HOSTILE:
        page = programme.post("/decisions/new", data=refuge_form(programme, demo.wecb, demo, **{field: value}))
        assert page.status_code == 422, (field, value)
        assert "There is a problem" in page.text
        assert page.text.count(message) >= 2, (field, value, message)  # the summary and the field
        anchor = "report_date-day" if field.startswith("report_date") else field
        assert f'href="#{anchor}"' in page.text, (field, value)
        walked += 1
    assert walked == len(HOSTILE) == 11
    assert decision_count(sessions) == before


def api_body(demo: DemoMoney, **changes: object) -> dict[str, object]:
    recommendation = {
        "number": "2.1",
        "text": "Refuge places",
        "amount": "20000.00",
        "from_account": "Pool:Unallocated",
        "to_account": "Themes:Reducing Domestic Abuse:Refuge Places",
        "from_year": "2013/14",
    }
    recommendation.update({key[4:]: value for key, value in changes.items() if key.startswith("rec_")})
    body = {
        "fund_id": demo.wecb,
        "reference": "PCC/081/13",
        "title": "Refuge places for the winter",
        "report_date": "2013-12-02",
        "decision_maker": PCC,
        "recommendations": [recommendation],
    }
    body.update({key: value for key, value in changes.items() if not key.startswith("rec_")})
    return body


def test_the_api_drafts_a_decision_with_its_warnings_and_approval_is_refused(
    client: TestClient, sessions: sessionmaker[Session], demo: DemoMoney
) -> None:
    programme = token_for(sessions, Role.PROGRAMME)
    response = client.post("/api/v1/decisions", headers=programme, json=api_body(demo))
    assert response.status_code == 201, response.text
    body = response.json()
    assert (body["status"], body["decision_maker_partner_id"], body["decision_maker_role"]) == (
        "draft",
        demo.pcc,
        "decision_maker",
    )
    assert body["warnings"] == [
        {
            "account": "the unallocated pool",
            "year": "2013/14",
            "short": "2760.00",
            "message": "Not enough money: the unallocated pool would be £2,760.00 short in 2013/14",
        }
    ]
    decider = token_for(sessions, Role.DECISION_MAKER, PCC)
    refused = client.post(f"/api/v1/decisions/{body['id']}/approve", headers=decider)
    assert refused.status_code == 409
    assert refused.json()["error"]["problems"] == [
        {"where": "Pool:Unallocated", "message": "Not enough money in 2013/14: this would leave -£2,760.00"}
    ]
    not_due = client.post(f"/api/v1/decisions/{body['id']}/post", headers=decider)
    assert not_due.status_code == 409


API_HOSTILE = [
    ({"rec_amount": "12345678901234567890123"}, "recommendations.0.amount"),
    ({"rec_amount": "1e30"}, "recommendations.0.amount"),
    ({"rec_amount": "NaN"}, "recommendations.0.amount"),
    ({"rec_amount": "-5"}, "recommendations.0.amount"),
    ({"rec_amount": 1e30}, "recommendations.0.amount"),
    ({"rec_from_year": "14"}, "recommendations.0.from_year"),
    ({"rec_from_year": "200000"}, "recommendations.0.from_year"),
    ({"rec_from_year": "2013/15"}, "recommendations.0.from_year"),
    ({"report_date": "0014-01-01"}, "report_date"),
    ({"fund_id": 2**40}, "fund_id"),
    ({"decision_maker_role": "chief"}, "decision_maker_role"),
]


def test_each_hostile_value_in_the_api_body_is_a_422_on_its_field_and_nothing_is_saved(
    client: TestClient, sessions: sessionmaker[Session], demo: DemoMoney
) -> None:
    programme = token_for(sessions, Role.PROGRAMME)
    before = decision_count(sessions)
    walked = 0
    for changes, where in API_HOSTILE:
        response = client.post("/api/v1/decisions", headers=programme, json=api_body(demo, **changes))
        assert response.status_code == 422, (changes, response.text)
        assert where in [problem["where"] for problem in response.json()["error"]["problems"]], changes
        walked += 1
    assert walked == len(API_HOSTILE) == 11
    assert decision_count(sessions) == before


AGREE = "Agree the pooled budget and the partners' contributions for the fund's first year."


def agreement(reference: str, purpose: str, on: dt.date) -> DecisionIn:
    """A decision with no recommendations: it moves no money itself."""
    return DecisionIn(
        reference=reference,
        title="The pooled budget and contributions",
        report_date=on,
        author="Operating Manager",
        decision_maker=PCC,
        recommendations=[],
        purpose=purpose,
    )


def test_a_decision_without_recommendations_is_refused_unless_its_purpose_says_what_it_agrees(
    session: Session,
) -> None:
    today = business_dates.today()
    fund = make_fund(session, "agree", FinancialYear.of(today), FinancialYear.of(today))
    with pytest.raises(InvalidInput) as refused:
        decisions.draft_decision(session, FINANCE, fund_id=fund.id, draft=agreement("AG/0", "  ", today))
    assert refused.value.problems == [Problem("recommendations", NO_RECOMMENDATIONS)]
    assert session.scalar(select(func.count()).select_from(Decision)) == 0

    # Decided today, the call-in period applies: approval posts nothing, and members may call it in.
    recent = decisions.draft_decision(session, FINANCE, fund_id=fund.id, draft=agreement("AG/1", AGREE, today))
    assert decisions.approve_decision(session, DECIDER, decision_id=recent.id, call_in_working_days=5) == []
    assert recent.status is DecisionStatus.APPROVED and recent.money_posted_at is None
    assert recent.call_in_ends_on == business_dates.add_working_days(today, 5)
    call_in.record_call_in(
        session, VIEWER, decision_id=recent.id, called_in_by="Councillor A Smith", reason="Too soon", called_in_on=today
    )
    assert call_in.open_call_in(recent) is not None

    # Decided long enough ago, it takes effect at approval with no transaction, and money is received under it.
    old = decisions.draft_decision(
        session, FINANCE, fund_id=fund.id, draft=agreement("AG/2", AGREE, fund.years[0].starts)
    )
    posted = decisions.approve_decision(
        session, DECIDER, decision_id=old.id, signature=Signature(fund.years[0].starts), call_in_working_days=0
    )
    assert posted == [] and old.money_posted_at is not None
    assert (
        call_in.money_state(old, today)
        == "Approved \N{EN DASH} it moves no money itself: it agrees what its purpose says"
    )
    assert "The decision moves no money between the fund's accounts itself." in report.decision_report_html(old)
    make_partner(session)
    contributions.record_contribution(
        session,
        FINANCE,
        fund_id=fund.id,
        partner_identifier="XX-WHOLEPLACE-ESSEX-PCC",
        amount=Money.parse("100000"),
        year=fund.years[0],
        received_on=fund.years[0].starts,
        kind=ContributionKind.CASH,
        basis="",
        decision=old,
    )
    cited = session.scalars(select(LedgerTransaction.decision_id).where(LedgerTransaction.fund_id == fund.id)).all()
    assert cited == [old.id]
    assert ledger.statement(session, FINANCE, fund_id=fund.id).unallocated == Money.parse("100000")


def test_the_api_drafts_a_decision_without_recommendations_only_with_a_purpose(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    with sessions() as session, session.begin():
        fund_id = make_fund(session).id
    finance = token_for(sessions, Role.FINANCE, PCC)
    body = {"fund_id": fund_id, "title": "Budget", "report_date": "2013-07-01", "decision_maker": PCC}
    refused = client.post("/api/v1/decisions", headers=finance, json={**body, "reference": "AG/1"})
    assert refused.status_code == 422
    assert refused.json()["error"]["problems"] == [{"where": "recommendations", "message": NO_RECOMMENDATIONS}]
    agreed = client.post(
        "/api/v1/decisions",
        headers=finance,
        json={**body, "reference": "AG/2", "purpose": AGREE, "recommendations": []},
    )
    assert agreed.status_code == 201, agreed.text
    assert (agreed.json()["status"], agreed.json()["recommendations"]) == ("draft", [])
