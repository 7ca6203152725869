"""Every fund job in the browser and the API: set up a fund, record contributions (cash and in kind, with the
basis of the valuation), record spending (overspend refused with the shortfall, nothing posted), download the
exports, and hostile values refused on the field, never a 500.

The figures are the demo's Whole Essex Community Budgets (2013/14 to 2014/15): PCC/038/13 puts £290,000 in
and allocates £35,000 to the IOM Performance Analyst, of which £8,750 has been spent, so £26,250 remains.
"""

from __future__ import annotations

import io
import json
import re

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from tests.funds.test_api import token_for
from tests.funds.test_pages import DemoMoney, csrf, load_demo_money, signed_in, summary
from wholeplace.auth.model import Role
from wholeplace.funds.contributions import ContributionKind, ContributionRecord
from wholeplace.funds.model import Fund, LedgerTransaction

IOM_ANALYST = "Themes:Reducing Re-offending:IOM Performance Analyst"
BASIS = "2 FTE seconded officers at £38,000 each, employer's costs"


@pytest.fixture
def demo(sessions: sessionmaker[Session]) -> DemoMoney:
    return load_demo_money(sessions)


@pytest.fixture
def finance(client: TestClient, sessions: sessionmaker[Session], demo: DemoMoney) -> TestClient:
    return signed_in(client, sessions, Role.FINANCE, "Police and Crime Commissioner for Essex")


def transactions(sessions: sessionmaker[Session]) -> int:
    with sessions() as session:
        return session.scalar(select(func.count()).select_from(LedgerTransaction)) or 0


def contribution(demo: DemoMoney, **changes: str) -> dict[str, str]:
    return {
        "partner": "GB-LAE-ESS",
        "kind": "in_kind",
        "basis": BASIS,
        "amount": "76,000",
        "year": "2013/14",
        "received_on-day": "1",
        "received_on-month": "10",
        "received_on-year": "2013",
        "decision": str(demo.pcc_038_13),
        **changes,
    }


def spend(demo: DemoMoney, **changes: str) -> dict[str, str]:
    return {
        "project": IOM_ANALYST,
        "kind": "spend",
        "payee": "Essex Police",
        "description": "Performance analyst salary, October to December",
        "amount": "8750",
        "year": "2013/14",
        "date-day": "6",
        "date-month": "1",
        "date-year": "2014",
        "decision": "allocating",
        **changes,
    }


def test_a_finance_officer_sets_up_a_fund_and_sees_it_empty(
    finance: TestClient, sessions: sessionmaker[Session]
) -> None:
    assert "Set up a fund" in finance.get("/funds/new").text
    form = {"name": "Troubled Families 2014", "code": "tf-2014", "first_year": "2014", "last_year": "2015/16"}
    response = finance.post(
        "/funds/new", data={**form, "holder": "GB-LAE-ESS", "csrf_token": csrf(finance)}, follow_redirects=False
    )
    assert response.status_code == 303
    page = finance.get(response.headers["location"])
    assert "The fund has been set up" in page.text and "2014/15 to 2015/16" in page.text
    assert summary(page.text)["Contributed by partners"] == "£0.00"
    with sessions() as session:
        fund = session.scalar(select(Fund).where(Fund.code == "tf-2014"))
        assert fund is not None and (fund.first_year, fund.last_year) == (2014, 2015)
        assert fund.holder.name == "Essex County Council"


def test_contributions_in_cash_and_in_kind_go_into_the_pool_and_in_kind_shows_its_basis(
    finance: TestClient, sessions: sessionmaker[Session], demo: DemoMoney
) -> None:
    for form in (contribution(demo), contribution(demo, kind="cash", basis="", amount="10000.50")):
        response = finance.post(
            f"/funds/{demo.wecb}/contributions/new", data={**form, "csrf_token": csrf(finance)}, follow_redirects=False
        )
        assert response.status_code == 303, response.text
    page = finance.get(f"/funds/{demo.wecb}?contributed=1")
    assert "The contribution has been recorded." in page.text
    # 290,000 from the PCC + 76,000 in kind + 10,000.50 in cash from Essex County Council
    assert summary(page.text)["Contributed by partners"] == "£376,000.50"
    assert summary(page.text)["Unallocated"] == "£103,240.50"  # 17,240 + 86,000.50
    assert "Of which in kind" in page.text and "employer&#39;s costs" in page.text
    with sessions() as session:
        records = session.scalars(select(ContributionRecord).order_by(ContributionRecord.id)).all()
        assert [(r.kind, r.basis) for r in records] == [
            (ContributionKind.IN_KIND, BASIS),
            (ContributionKind.CASH, None),
        ]
        assert [p.account.path for p in records[0].transaction.postings] == [
            "Contributions:Essex County Council",
            "Pool:Unallocated",
        ]
        essex = records[0].transaction.postings[0].account.organisation_id
    partner = finance.get(f"/funds/{demo.wecb}/partners/{essex}").text
    assert f"In kind: {BASIS}".replace("'", "&#39;") in partner and "Cash" in partner


def test_spending_cites_the_decision_that_allocated_it_and_underspend_goes_back_without_a_payee(
    finance: TestClient, sessions: sessionmaker[Session], demo: DemoMoney
) -> None:
    assert "IOM Performance Analyst" in finance.get(f"/funds/{demo.wecb}/spend/new").text
    response = finance.post(
        f"/funds/{demo.wecb}/spend/new", data={**spend(demo), "csrf_token": csrf(finance)}, follow_redirects=False
    )
    assert response.status_code == 303, response.text
    assert summary(finance.get(response.headers["location"]).text)["Spent"] == "£17,500.00"  # 8,750 twice
    with sessions() as session:
        latest = session.scalar(select(LedgerTransaction).order_by(LedgerTransaction.id.desc()).limit(1))
        assert latest is not None and latest.decision.reference == "PCC/038/13"
        assert latest.description == "Performance analyst salary, October to December (paid to Essex Police)"
        assert [p.account.path for p in latest.postings] == [
            IOM_ANALYST,
            "Spend:Reducing Re-offending:IOM Performance Analyst",
        ]
    form = {**spend(demo, kind="return", payee="", amount="1,250"), "csrf_token": csrf(finance)}
    response = finance.post(f"/funds/{demo.wecb}/spend/new", data=form, follow_redirects=False)
    assert response.status_code == 303, response.text
    assert summary(finance.get(f"/funds/{demo.wecb}").text)["Returned unspent"] == "£1,250.00"


SHORTFALL = (
    # 35,000 allocated - 8,750 spent = 26,250 held; 30,000 - 26,250 = 3,750 short
    "Reducing Re-offending: IOM Performance Analyst holds £26,250.00 in 2013/14 on that day: "
    "this is £3,750.00 more than it holds"
)


def test_an_overspend_is_refused_on_the_amount_with_the_shortfall_and_nothing_is_posted(
    finance: TestClient, sessions: sessionmaker[Session], demo: DemoMoney
) -> None:
    before = transactions(sessions)
    page = finance.post(
        f"/funds/{demo.wecb}/spend/new", data={**spend(demo, amount="30000"), "csrf_token": csrf(finance)}
    )
    assert page.status_code == 422
    assert page.text.count(SHORTFALL) == 2 and 'href="#amount"' in page.text
    assert transactions(sessions) == before


def test_the_api_sets_up_a_fund_records_a_contribution_in_kind_and_refuses_an_overspend(
    client: TestClient, sessions: sessionmaker[Session], demo: DemoMoney
) -> None:
    token = token_for(sessions, Role.FINANCE, "Police and Crime Commissioner for Essex")
    body = {"code": "tf-2014", "name": "Troubled Families", "first_year": "2014/15", "last_year": "2014/15"}
    created = client.post("/api/v1/funds", json={**body, "holder": "GB-LAE-ESS"}, headers=token)
    assert created.status_code == 201, created.text
    assert created.json()["years"] == ["2014/15"] and created.json()["holder"]["identifier"] == "GB-LAE-ESS"
    again = client.post("/api/v1/funds", json={**body, "holder": "GB-LAE-ESS"}, headers=token)
    assert again.status_code == 422
    assert again.json()["error"]["problems"] == [{"where": "code", "message": "There is already a fund tf-2014"}]

    body = {
        "partner": "GB-LAE-ESS",
        "amount": "76000.00",
        "financial_year": "2013/14",
        "received_on": "2013-10-01",
        "kind": "in_kind",
        "basis": BASIS,
        "decision": "PCC/038/13",
    }
    created = client.post(f"/api/v1/funds/{demo.wecb}/contributions", json=body, headers=token)
    assert created.status_code == 201, created.text
    listed = client.get(f"/api/v1/funds/{demo.wecb}/contributions", headers=token).json()
    assert listed == [
        {
            "transaction_id": created.json()["transaction_id"],
            "received_on": "2013-10-01",
            "partner": "Essex County Council",
            "amount": "76000.00",
            "financial_year": "2013/14",
            "kind": "in_kind",
            "basis": BASIS,
            "decision": "PCC/038/13",
        }
    ]
    unknown = client.post(f"/api/v1/funds/{demo.wecb}/contributions", json={**body, "decision": "X/1"}, headers=token)
    assert unknown.status_code == 422
    assert unknown.json()["error"]["problems"][0]["where"] == "decision"
    before = transactions(sessions)
    body = {
        "theme": "Reducing Re-offending",
        "project": "IOM Performance Analyst",
        "amount": "30000.00",
        "financial_year": "2013/14",
        "date": "2014-01-06",
        "description": "Salary",
        "payee": "Essex Police",
    }
    refused = client.post(f"/api/v1/funds/{demo.wecb}/spending", json=body, headers=token)
    assert refused.status_code == 422
    assert refused.json()["error"]["problems"] == [{"where": "amount", "message": SHORTFALL}]
    assert transactions(sessions) == before
    posted = client.post(f"/api/v1/funds/{demo.wecb}/spending", json={**body, "amount": "26250"}, headers=token)
    assert posted.status_code == 201, posted.text
    assert posted.json()["description"] == "Salary (paid to Essex Police)"
    assert [p["amount"] for p in posted.json()["postings"]] == ["-26250.00", "26250.00"]
    assert transactions(sessions) == before + 1


# Hostile values: each form and each API body, field by field


HOSTILE_AMOUNTS = ["1" * 23, "1e30", "NaN", "inf", "-5", "0", "-0", "12.345", "", "£1,1,1", "1" * 5000]
HOSTILE_YEARS = ["14", "200000", "2013/15", "", "1999/00", "x" * 3000]


def form_cases(demo: DemoMoney) -> list[tuple[str, dict[str, str], str]]:
    """(address, form, field whose error must show) for every hostile value on every fund form."""
    cases: list[tuple[str, dict[str, str], str]] = []
    new_fund = {
        "name": "A fund",
        "code": "a-fund",
        "first_year": "2014/15",
        "last_year": "2014/15",
        "holder": "GB-LAE-ESS",
    }
    for year in HOSTILE_YEARS:
        cases.append(("/funds/new", {**new_fund, "first_year": year}, "first_year"))
        cases.append(("/funds/new", {**new_fund, "last_year": year}, "last_year"))
    cases += [
        ("/funds/new", {**new_fund, "code": "c" * 41}, "code"),
        ("/funds/new", {**new_fund, "name": "n\x00ame"}, "name"),
        ("/funds/new", {**new_fund, "holder": "GB-NOT-THERE"}, "holder"),
    ]
    contributions = f"/funds/{demo.wecb}/contributions/new"
    spending = f"/funds/{demo.wecb}/spend/new"
    reprofile = f"/funds/{demo.wecb}/reprofile"
    reprofile_form = {
        "from_account": "Themes:Reducing Domestic Abuse:Victim Support Pilots",
        "from_year": "2013/14",
        "to_account": "same",
        "to_year": "2014/15",
        "amount": "100",
        "reference": "PCC/099/13",
        "title": "Re-profile",
        "decision_maker": "Police and Crime Commissioner for Essex",
        "reason": "Late start",
    }
    for amount in HOSTILE_AMOUNTS:
        cases.append((contributions, contribution(demo, amount=amount), "amount"))
        cases.append((spending, spend(demo, amount=amount), "amount"))
        cases.append((reprofile, {**reprofile_form, "amount": amount}, "amount"))
    for year in HOSTILE_YEARS:
        cases.append((contributions, contribution(demo, year=year), "year"))
        cases.append((spending, spend(demo, year=year), "year"))
        cases.append((reprofile, {**reprofile_form, "from_year": year}, "from_year"))
    for day, month, year in (
        ("1", "10", "200000"),
        ("1", "10", "14"),
        ("31", "2", "2014"),
        ("", "", ""),
        ("x", "1", "2014"),
    ):
        cases.append(
            (
                contributions,
                contribution(demo, **{"received_on-day": day, "received_on-month": month, "received_on-year": year}),
                "received_on",
            )
        )
        cases.append((spending, spend(demo, **{"date-day": day, "date-month": month, "date-year": year}), "date"))
    cases += [
        (contributions, contribution(demo, basis=" "), "basis"),
        (contributions, contribution(demo, basis="b" * 2001), "basis"),
        (contributions, contribution(demo, basis="\u202e reversed"), "basis"),
        (contributions, contribution(demo, partner="GB-NOT-THERE"), "partner"),
        (contributions, contribution(demo, kind="gold"), "kind"),
        (contributions, contribution(demo, decision="999999"), "decision"),
        (spending, spend(demo, description=""), "description"),
        (spending, spend(demo, description="d" * 301), "description"),
        (spending, spend(demo, payee="p" * 91), "payee"),
        (spending, spend(demo, payee="\x00"), "payee"),
        (spending, spend(demo, project="Themes:Nowhere"), "project"),
        (spending, spend(demo, decision="999999"), "decision"),
    ]
    return cases


def test_every_fund_form_refuses_hostile_values_on_the_field_and_changes_nothing(
    finance: TestClient, sessions: sessionmaker[Session], demo: DemoMoney
) -> None:
    before = transactions(sessions)
    cases = form_cases(demo)
    for address, form, field in cases:
        page = finance.post(address, data={**form, "csrf_token": csrf(finance)}, follow_redirects=False)
        assert page.status_code == 422, (address, form, page.status_code)
        anchor = {"received_on": "received_on-day", "date": "date-day"}.get(field, field)
        assert f'href="#{anchor}"' in page.text, (address, field, form)
    assert len(cases) == 88  # 15 new fund, 33 amounts, 18 years, 10 dates, 12 other fields
    assert transactions(sessions) == before
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(Fund)) == 2  # the demo's two


def api_cases(demo: DemoMoney) -> list[tuple[str, dict[str, object], str]]:
    """(address, body, field the 422 must name) for every hostile value in every fund API body."""
    fund = {"code": "a-fund", "name": "A fund", "first_year": "2014/15", "last_year": "2014/15", "holder": "GB-LAE-ESS"}
    given = {
        "partner": "GB-LAE-ESS",
        "amount": "100.00",
        "financial_year": "2013/14",
        "received_on": "2013-10-01",
        "kind": "cash",
        "decision": "PCC/038/13",
    }
    spent = {
        "theme": "Reducing Re-offending",
        "project": "IOM Performance Analyst",
        "amount": "100.00",
        "financial_year": "2013/14",
        "date": "2014-01-06",
        "description": "Salary",
        "payee": "Essex Police",
    }
    contributions, spending = f"/api/v1/funds/{demo.wecb}/contributions", f"/api/v1/funds/{demo.wecb}/spending"
    cases: list[tuple[str, dict[str, object], str]] = []
    for amount in [*HOSTILE_AMOUNTS, 1e30, 100, None, float("1e308")]:
        cases.append((contributions, {**given, "amount": amount}, "amount"))
        cases.append((spending, {**spent, "amount": amount}, "amount"))
    for year in [*HOSTILE_YEARS, 2013, "2100/01"]:
        cases.append(("/api/v1/funds", {**fund, "first_year": year}, "first_year"))
        cases.append((contributions, {**given, "financial_year": year}, "financial_year"))
        cases.append((spending, {**spent, "financial_year": year}, "financial_year"))
    for day in ["200000-01-01", "0014-01-01", "2014-02-30", "", "14"]:
        cases.append((contributions, {**given, "received_on": day}, "received_on"))
        cases.append((spending, {**spent, "date": day}, "date"))
    cases += [
        ("/api/v1/funds", {**fund, "name": "n" * 201}, "name"),
        ("/api/v1/funds", {**fund, "code": "a\x00b"}, "code"),
        ("/api/v1/funds", {**fund, "holder": "GB-LAE-ESS\x00"}, "holder"),
        (contributions, {**given, "kind": "in_kind"}, "basis"),
        (contributions, {**given, "basis": "b" * 2001}, "basis"),
        (contributions, {**given, "partner": "\x00"}, "partner"),
        (contributions, {**given, "decision": "PCC/038/13\x00"}, "decision"),
        (spending, {**spent, "description": "\x00"}, "description"),
        (spending, {**spent, "payee": "p" * 91}, "payee"),
        (spending, {**spent, "theme": "Nowhere"}, "theme"),
    ]
    return cases


def test_every_fund_api_body_refuses_hostile_values_naming_the_field(
    client: TestClient, sessions: sessionmaker[Session], demo: DemoMoney
) -> None:
    token = token_for(sessions, Role.FINANCE)
    before = transactions(sessions)
    cases = api_cases(demo)
    for address, body, field in cases:
        response = client.post(address, json=body, headers=token)
        assert response.status_code == 422, (address, body, response.status_code, response.text[:300])
        assert field in [p["where"] for p in response.json()["error"]["problems"]], (address, body, response.text)
    assert len(cases) == 74  # 30 amounts, 24 years, 10 dates, 10 other fields
    assert transactions(sessions) == before


# Downloads from the fund and decision pages


def test_each_export_downloads_from_its_page_named_for_the_fund(finance: TestClient, demo: DemoMoney) -> None:
    finance.post(f"/funds/{demo.wecb}/contributions/new", data={**contribution(demo), "csrf_token": csrf(finance)})
    page = finance.get(f"/funds/{demo.wecb}?as_at=2014-03-31").text
    links = re.findall(r'href="(/funds/\d+/[^"]+)" download', page)
    assert links == [
        f"/funds/{demo.wecb}/statement.xlsx?as_at=2014-03-31",
        f"/funds/{demo.wecb}/grants.json",
        f"/funds/{demo.wecb}/grants.csv",
        f"/funds/{demo.wecb}/ledger.beancount",
    ]
    expected = {
        links[0]: (
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "wecb-2013-14-statement-2014-03-31.xlsx",
        ),
        links[1]: ("application/json", "wecb-2013-14-360giving.json"),
        links[2]: ("text/csv; charset=utf-8", "wecb-2013-14-360giving.csv"),
        links[3]: ("text/plain; charset=utf-8", "wecb-2013-14.beancount"),
    }
    downloads = {link: finance.get(link) for link in links}
    for link, (media_type, filename) in expected.items():
        assert downloads[link].status_code == 200, link
        assert downloads[link].headers["content-type"] == media_type
        assert f'attachment; filename="{filename}"' in downloads[link].headers["content-disposition"]
    workbook = load_workbook(io.BytesIO(downloads[links[0]].content))
    received = [[cell.value for cell in row] for row in workbook["Received"].iter_rows(min_row=7, max_row=7)]
    assert received == [["1 October 2013", "Essex County Council", "2013/14", "In kind", 76000, BASIS, "PCC/038/13"]]
    grants = json.loads(downloads[links[1]].text)["grants"]
    assert sum(grant["amountAwarded"] for grant in grants) == 272_760  # what PCC/038/13 allocated
    assert "PCC/038/13" in downloads[links[3]].text

    decision = finance.get(f"/decisions/{demo.pcc_038_13}/report.pdf")
    assert decision.status_code == 200 and decision.headers["content-type"] == "application/pdf"
    assert 'filename="wecb-2013-14-PCC-038-13.pdf"' in decision.headers["content-disposition"]
    assert decision.content.startswith(b"%PDF")
