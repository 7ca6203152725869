"""/api/v1/funds and /api/v1/decisions: shapes, paging, money as strings, approval and its refusals."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from tests.factories import make_user, partner_named
from tests.funds.test_pages import DemoMoney, draft_strategic_pool_top_up, load_demo_money
from wholeplace import business_dates
from wholeplace.auth import service as auth_service
from wholeplace.auth.actor import Actor
from wholeplace.auth.model import Role
from wholeplace.decisions.model import Decision, DecisionStatus
from wholeplace.funds.model import LedgerTransaction
from wholeplace.money import Money


def token_for(sessions: sessionmaker[Session], role: Role, organisation: str | None = None) -> dict[str, str]:
    """A bearer token of a new user with just this role, of the named partner (or the first there is)."""
    with sessions() as session, session.begin():
        user = make_user(
            session, role, email=f"{role.value}@essex.example", organisation=partner_named(session, organisation)
        )
        _token, secret = auth_service.create_token(session, Actor.of(user), name="tests")
    return {"Authorization": f"Bearer {secret}"}


@pytest.fixture
def demo(sessions: sessionmaker[Session]) -> DemoMoney:
    return load_demo_money(sessions)


@pytest.fixture
def viewer(sessions: sessionmaker[Session], demo: DemoMoney) -> dict[str, str]:
    return token_for(sessions, Role.VIEWER)


@pytest.fixture
def decider(sessions: sessionmaker[Session], demo: DemoMoney) -> dict[str, str]:
    return token_for(sessions, Role.DECISION_MAKER, "Police and Crime Commissioner for Essex")


def test_the_funds_need_a_token(client: TestClient) -> None:
    response = client.get("/api/v1/funds")
    assert response.status_code == 401
    assert response.json()["error"]["problems"][0]["message"].startswith("Send an API token")


def test_the_funds_list_pages(client: TestClient, viewer: dict[str, str]) -> None:
    first = client.get("/api/v1/funds", headers=viewer, params={"page_size": 1}).json()
    assert (first["total"], first["pages"], first["page"], first["has_next"]) == (2, 2, 1, True)
    # newest first: the 2013/14 fund before the 2011/12 one
    assert [fund["code"] for fund in first["items"]] == ["wecb-2013-14"]
    second = client.get("/api/v1/funds", headers=viewer, params={"page_size": 1, "page": 2}).json()
    assert [fund["code"] for fund in second["items"]] == ["ho-csf-2011-12"]
    assert second["has_next"] is False


def test_a_fund_has_its_years_and_holder(client: TestClient, viewer: dict[str, str], demo: DemoMoney) -> None:
    fund = client.get(f"/api/v1/funds/{demo.wecb}", headers=viewer).json()
    assert {key: fund[key] for key in ("code", "name", "first_year", "last_year", "years")} == {
        "code": "wecb-2013-14",
        "name": "Whole Essex Community Budgets",
        "first_year": "2013/14",
        "last_year": "2014/15",
        "years": ["2013/14", "2014/15"],
    }
    assert fund["holder"] == {
        "id": demo.pcc,
        "identifier": "XX-WHOLEPLACE-ESSEX-PCC",
        "name": "Police and Crime Commissioner for Essex",
    }


def test_the_statement_gives_money_as_strings_with_two_decimals(
    client: TestClient, viewer: dict[str, str], demo: DemoMoney
) -> None:
    body = client.get(f"/api/v1/funds/{demo.wecb}/statement", headers=viewer, params={"as_at": "2014-03-31"}).json()
    assert body["as_at"] == "2014-03-31"
    assert {key: body[key] for key in ("contributed", "allocated", "spent", "returned", "unallocated")} == {
        "contributed": "290000.00",
        "allocated": "272760.00",
        "spent": "8750.00",
        "returned": "0.00",
        "unallocated": "17240.00",
    }
    assert body["contributions"] == [{"partner": "Police and Crime Commissioner for Essex", "amount": "290000.00"}]
    analyst = next(line for line in body["lines"] if line["project"] == "IOM Performance Analyst")
    assert analyst == {
        "theme": "Reducing Re-offending",
        "project": "IOM Performance Analyst",
        "account": "Themes:Reducing Re-offending:IOM Performance Analyst",
        "allocated": "35000.00",
        "spent": "8750.00",
        "returned": "0.00",
        "remaining": "26250.00",  # 35,000 - 8,750
    }
    assert body["allocated_by_year"] == [{"year": "2013/14", "amount": "272760.00"}]
    assert body["unallocated_by_year"] == [{"year": "2013/14", "amount": "17240.00"}]
    assert body["trial_balance"] == {"debits": "290000.00", "credits": "290000.00", "difference": "0.00", "accounts": 9}


def test_a_statement_as_at_the_day_before_the_decision_holds_nothing(
    client: TestClient, viewer: dict[str, str], demo: DemoMoney
) -> None:
    body = client.get(f"/api/v1/funds/{demo.wecb}/statement", headers=viewer, params={"as_at": "2013-07-29"}).json()
    assert (body["contributed"], body["lines"], body["trial_balance"]["accounts"]) == ("0.00", [], 0)


def test_a_statement_date_that_is_not_a_date_is_refused_in_the_one_error_shape(
    client: TestClient, viewer: dict[str, str], demo: DemoMoney
) -> None:
    response = client.get(f"/api/v1/funds/{demo.wecb}/statement", headers=viewer, params={"as_at": "31/03/2014"})
    assert response.status_code == 422
    error = response.json()["error"]
    assert (error["status"], error["problems"][0]["where"]) == (422, "query.as_at")


def test_an_unknown_fund_is_a_json_404(client: TestClient, viewer: dict[str, str], demo: DemoMoney) -> None:
    response = client.get("/api/v1/funds/9999/statement", headers=viewer)
    assert response.status_code == 404
    assert response.json()["error"]["problems"] == [{"where": "", "message": "There is no fund 9999"}]


def test_the_transactions_page_with_their_postings(client: TestClient, viewer: dict[str, str], demo: DemoMoney) -> None:
    # PCC/038/13's seven recommendations, then the analyst's £8,750 spend: eight transactions
    first = client.get(f"/api/v1/funds/{demo.wecb}/transactions", headers=viewer, params={"page_size": 3}).json()
    assert (first["total"], first["pages"], first["has_next"]) == (8, 3, True)
    newest = first["items"][0]
    assert newest["date"] == "2013-10-31" and newest["decision_id"] == demo.pcc_038_13
    assert newest["postings"] == [
        {
            "account": "Themes:Reducing Re-offending:IOM Performance Analyst",
            "kind": "project",
            "financial_year": "2013/14",
            "amount": "-8750.00",
        },
        {
            "account": "Spend:Reducing Re-offending:IOM Performance Analyst",
            "kind": "spend",
            "financial_year": "2013/14",
            "amount": "8750.00",
        },
    ]
    last = client.get(f"/api/v1/funds/{demo.wecb}/transactions", headers=viewer, params={"page_size": 3, "page": 3})
    items = last.json()["items"]
    assert len(items) == 2
    for transaction in first["items"] + items:
        assert sum(Money.parse(posting["amount"]).pence for posting in transaction["postings"]) == 0


def test_decisions_filter_by_status_and_fund_and_page(
    client: TestClient, viewer: dict[str, str], demo: DemoMoney
) -> None:
    everything = client.get("/api/v1/decisions", headers=viewer, params={"page_size": 2}).json()
    assert (everything["total"], everything["pages"]) == (3, 2)
    assert [d["reference"] for d in everything["items"]] == ["DEMO/REPROFILE/1", "PCC/038/13"]
    drafts = client.get("/api/v1/decisions", headers=viewer, params={"status": "draft"}).json()
    assert drafts["items"] == [
        {
            "id": demo.reprofile,
            "reference": "DEMO/REPROFILE/1",
            "fund_id": demo.wecb,
            "fund_code": "wecb-2013-14",
            "title": "Re-profile Link Workers into 2014/15",
            "report_date": "2013-12-02",
            "decision_maker": "Police and Crime Commissioner for Essex",
            "decision_maker_partner_id": demo.pcc,
            "decision_maker_partner": "Police and Crime Commissioner for Essex",
            "decision_maker_role": "decision_maker",
            "status": "draft",
        }
    ]
    csf = client.get("/api/v1/decisions", headers=viewer, params={"fund_id": demo.csf}).json()
    assert [d["reference"] for d in csf["items"]] == ["ECC/SAFER-ESSEX/2011-03-10"]
    refused = client.get("/api/v1/decisions", headers=viewer, params={"status": "pending"})
    assert refused.status_code == 422
    assert refused.json()["error"]["problems"][0]["where"] == "status"


def test_a_decision_comes_with_its_recommendations_totals_and_checks(
    client: TestClient, viewer: dict[str, str], demo: DemoMoney
) -> None:
    body = client.get(f"/api/v1/decisions/{demo.csf_decision}", headers=viewer).json()
    assert (body["reference"], body["status"], body["stated_total"]) == (
        "ECC/SAFER-ESSEX/2011-03-10",
        "approved",
        "1115160.00",
    )
    assert len(body["recommendations"]) == 16  # the grant, two drug and alcohol lines, Safer Essex, 12 CSPs
    safer_essex = body["recommendations"][3]
    assert {key: safer_essex[key] for key in ("number", "amount", "from_account", "to_account", "stated_fraction")} == {
        "number": "ii",
        "amount": "259032.00",
        "from_account": "Pool:Unallocated",
        "to_account": "Themes:Safer Essex",
        "stated_fraction": "1/3",
    }
    assert body["totals"] == {"paid_in": "1115160.00", "allocated": "1115160.00", "moved": "0.00"}
    assert body["checks"] == [
        {
            "what": "Allocations against the stated total",
            "stated": "£1,115,160.00",
            "computed": "£1,115,160.00",
            "difference": "0.00",
            "agrees": True,
        },
        {
            "what": "ii stated as 1/3 of £761,860.00",
            "stated": "1/3 = £253,953.33",
            "computed": "£259,032.00 is 34.00% of £761,860.00",
            "difference": "5078.67",  # 259,032.00 - 253,953.33
            "agrees": False,
        },
    ]


def test_a_decision_maker_approves_through_the_api_and_the_money_moves(
    client: TestClient, decider: dict[str, str], demo: DemoMoney
) -> None:
    # urgent, so its money posts now rather than after the call-in period (tests/decisions/test_call_in.py)
    urgent = {"urgent_reason": "Recruitment starts next week"}
    response = client.post(f"/api/v1/decisions/{demo.reprofile}/approve", headers=decider, json=urgent)
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["status"], body["recorded_by"], body["totals"]["moved"]) == (
        "approved",
        "decision_maker@essex.example",
        "37500.00",
    )
    # sent no signature: decided today, signed by the office the report was put to
    assert (body["decided_on"], body["signed_by"]) == (
        str(business_dates.today()),
        "Police and Crime Commissioner for Essex",
    )
    statement = client.get(f"/api/v1/funds/{demo.wecb}/statement", headers=decider).json()
    assert statement["allocated_by_year"] == [
        {"year": "2013/14", "amount": "235260.00"},  # 272,760 - 37,500
        {"year": "2014/15", "amount": "37500.00"},
    ]
    again = client.post(f"/api/v1/decisions/{demo.reprofile}/approve", headers=decider)
    assert again.status_code == 409
    assert again.json()["error"]["problems"][0]["message"] == "DEMO/REPROFILE/1 has already been approved"


def test_a_viewer_may_not_approve_or_reject(client: TestClient, viewer: dict[str, str], demo: DemoMoney) -> None:
    assert client.post(f"/api/v1/decisions/{demo.reprofile}/approve", headers=viewer).status_code == 403
    response = client.post(f"/api/v1/decisions/{demo.reprofile}/reject", headers=viewer, json={"reason": "No"})
    assert response.status_code == 403
    assert response.json()["error"]["title"] == "You cannot do this"


def test_an_approval_that_would_overspend_the_pool_is_a_409_and_changes_nothing(
    client: TestClient, decider: dict[str, str], demo: DemoMoney, sessions: sessionmaker[Session]
) -> None:
    draft_id = draft_strategic_pool_top_up(sessions, demo.wecb)
    with sessions() as session:
        before = session.scalar(select(func.count()).select_from(LedgerTransaction))
    response = client.post(f"/api/v1/decisions/{draft_id}/approve", headers=decider)
    assert response.status_code == 409
    assert response.json()["error"]["problems"] == [
        {"where": "Pool:Unallocated", "message": "Not enough money in 2013/14: this would leave -£2,760.00"}
    ]
    with sessions() as session:
        decision = session.get(Decision, draft_id)
        assert decision is not None and decision.status is DecisionStatus.DRAFT
        assert session.scalar(select(func.count()).select_from(LedgerTransaction)) == before


def test_rejecting_needs_a_reason_and_nothing_else(
    client: TestClient, decider: dict[str, str], demo: DemoMoney
) -> None:
    blank = client.post(f"/api/v1/decisions/{demo.reprofile}/reject", headers=decider, json={"reason": " "})
    assert blank.status_code == 422
    assert blank.json()["error"]["problems"] == [
        {"where": "reason", "message": "Enter the reason the recommendations are not agreed"}
    ]
    extra = client.post(
        f"/api/v1/decisions/{demo.reprofile}/reject", headers=decider, json={"reason": "No", "by": "me"}
    )
    assert extra.status_code == 422 and extra.json()["error"]["problems"][0]["where"] == "by"
    rejected = client.post(
        f"/api/v1/decisions/{demo.reprofile}/reject", headers=decider, json={"reason": "Recruitment has started"}
    )
    assert rejected.status_code == 200
    assert (rejected.json()["status"], rejected.json()["rejection_reason"]) == ("rejected", "Recruitment has started")


def test_the_openapi_description_lists_the_fund_and_decision_paths(client: TestClient) -> None:
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    for path in (
        "/api/v1/funds",
        "/api/v1/funds/{fund_id}",
        "/api/v1/funds/{fund_id}/statement",
        "/api/v1/funds/{fund_id}/transactions",
        "/api/v1/decisions",
        "/api/v1/decisions/{decision_id}",
        "/api/v1/decisions/{decision_id}/approve",
        "/api/v1/decisions/{decision_id}/reject",
    ):
        assert path in paths, path
    assert not any(path.startswith("/charts") for path in paths)
