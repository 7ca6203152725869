"""Stored business cases: add, save versions, compare them; the API and the pages, on SQLite and PostgreSQL.

The case here is small enough to check by hand: one year, so every discount factor is 1.
  cost: £1,000 paid by the council
  benefits: 10 people x 0.5 success = 5 outcomes x £300 to the police = £1,500 (fiscal, cashable)
  NPV = £1,500 - £1,000 = £500; benefit-cost ratio 1,500 / 1,000 = 1.5000; payback in the first year.
Version 2 raises the success rate to 0.6: 6 outcomes x £300 = £1,800, NPV £800, ratio 1.8000.
"""

from __future__ import annotations

import io

import openpyxl
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from tests.funds.test_api import token_for
from tests.funds.test_pages import cells, csrf, signed_in, summary
from wholeplace.appraisal import service, workbook
from wholeplace.appraisal.case_file import read_case
from wholeplace.appraisal.model import BusinessCase, BusinessCaseVersion
from wholeplace.audit import AuditEntry
from wholeplace.auth.actor import Actor
from wholeplace.auth.model import Role
from wholeplace.demo.business_cases import CASES
from wholeplace.problems import AccessRefused, Conflict, InvalidInput

CASE = """\
name: Hub pilot
first_year: 2013/14
years: 1
partners: [Essex County Council, Essex Police]
costs:
  - name: Hub staff
    payer: Essex County Council
    kind: revenue
    amount: 1000
cohort:
  size: 10
outcomes:
  - name: Fewer repeat incidents
    success_rate: "0.5"
    benefits:
      - beneficiary: Essex Police
        kind: fiscal_cashable
        unit_value: 300
"""
CASE_V2 = CASE.replace('success_rate: "0.5"', 'success_rate: "0.6"')
ANALYST = Actor(None, "analyst@essex.example", None, frozenset({Role.ANALYST}))


def count(sessions: sessionmaker[Session], model: type) -> int:
    with sessions() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def test_a_case_is_stored_with_the_figures_its_first_version_gives(session: Session) -> None:
    business_case = service.add_case(session, ANALYST, source=CASE, note="first draft")
    version = business_case.current
    assert (business_case.name, version.number, version.note) == ("Hub pilot", 1, "first draft")
    assert (version.pv_costs_pence, version.pv_benefits_pence) == (100_000, 150_000)
    assert (version.npv_fiscal_pence, version.npv_total_pence, version.bcr) == (50_000, 50_000, "1.5000")
    assert version.payback_year == 2013
    actions = session.scalars(select(AuditEntry.action).where(AuditEntry.object_type == "business_case")).all()
    assert actions == ["business_case.added"]


def test_a_new_version_keeps_the_old_one_and_the_diff_shows_what_changed(session: Session) -> None:
    business_case = service.add_case(session, ANALYST, source=CASE)
    version = service.save_version(
        session, ANALYST, case_id=business_case.id, source=CASE_V2, based_on=1, note="evaluation"
    )
    assert [v.number for v in business_case.versions] == [1, 2] and version.npv_total_pence == 80_000
    diff = service.compare(business_case, 1, 2)
    changed = {change.label: (change.before, change.after) for change in diff.figures if change.changed}
    assert changed == {
        "Present value of benefits": ("£1,500.00", "£1,800.00"),
        "Net present value, fiscal": ("£500.00", "£800.00"),
        "Net present value, public value": ("£500.00", "£800.00"),
        "Benefit-cost ratio": ("1.5000", "1.8000"),
    }
    edits = [(line.kind, line.text.strip()) for line in diff.lines if line.kind in ("added", "removed")]
    assert edits == [("removed", 'success_rate: "0.5"'), ("added", 'success_rate: "0.6"')]


def test_saving_over_a_newer_version_is_refused(session: Session) -> None:
    business_case = service.add_case(session, ANALYST, source=CASE)
    service.save_version(session, ANALYST, case_id=business_case.id, source=CASE_V2, based_on=1)
    with pytest.raises(Conflict, match=r"Version 2 was saved by analyst@essex\.example after the version 1 you edited"):
        service.save_version(session, ANALYST, case_id=business_case.id, source=CASE, based_on=1)


def test_a_case_file_with_problems_is_refused_with_line_and_key_and_nothing_is_stored(
    sessions: sessionmaker[Session],
) -> None:
    bad = CASE.replace('success_rate: "0.5"', 'success_rate: "1.5"').replace(
        "Essex Police\n        kind", "Kent Police\n        kind"
    )
    with pytest.raises(InvalidInput) as refused, sessions() as session, session.begin():
        service.add_case(session, ANALYST, source=bad)
    assert [str(problem) for problem in refused.value.problems] == [
        "case file, line 14, outcomes[0].success_rate: The success rate must be between 0 and 1, not 1.5",
        "case file, line 16, outcomes[0].benefits[0].beneficiary: "
        "'Kent Police' is not a partner in this case: add it to partners, or check the spelling",
    ]
    assert count(sessions, BusinessCase) == 0 and count(sessions, BusinessCaseVersion) == 0


def test_a_viewer_may_read_cases_but_not_add_them(session: Session) -> None:
    viewer = Actor(None, "viewer@essex.example", None, frozenset({Role.VIEWER}))
    with pytest.raises(AccessRefused):
        service.add_case(session, viewer, source=CASE)
    service.add_case(session, ANALYST, source=CASE)
    assert service.list_cases(session, viewer).total == 1


# API


def test_the_api_adds_a_case_saves_a_version_and_gives_the_appraisal(
    sessions: sessionmaker[Session], client: TestClient
) -> None:
    headers = token_for(sessions, Role.ANALYST)
    added = client.post("/api/v1/business-cases", json={"source": CASE, "note": "first"}, headers=headers)
    assert added.status_code == 201, added.text
    case_id = added.json()["id"]
    assert added.json()["current"] | {"created_at": None} == {
        "number": 1,
        "note": "first",
        "pv_costs": "1000.00",
        "pv_benefits": "1500.00",
        "npv_fiscal": "500.00",
        "npv_total": "500.00",
        "bcr": "1.5000",
        "payback_year": "2013/14",
        "created_by": "analyst@essex.example",
        "created_at": None,
    }
    saved = client.post(
        f"/api/v1/business-cases/{case_id}/versions", json={"source": CASE_V2, "based_on": 1}, headers=headers
    )
    assert saved.status_code == 201 and saved.json()["npv_total"] == "800.00"
    stale = client.post(
        f"/api/v1/business-cases/{case_id}/versions", json={"source": CASE, "based_on": 1}, headers=headers
    )
    assert stale.status_code == 409
    appraisal = client.get(f"/api/v1/business-cases/{case_id}/appraisal", headers=headers).json()
    assert (appraisal["version"], appraisal["npv"], appraisal["bcr"]) == (
        2,
        {"fiscal": "800.00", "total": "800.00"},
        "1.8000",
    )
    first = client.get(f"/api/v1/business-cases/{case_id}/appraisal?version=1", headers=headers).json()
    assert first["npv"]["total"] == "500.00" and first["by_partner"] == [
        {
            "partner": "Essex County Council",
            "pv_costs": "1000.00",
            "pv_benefits": "0.00",
            "pv_fiscal_benefits": "0.00",
            "net": "-1000.00",
        },
        {
            "partner": "Essex Police",
            "pv_costs": "0.00",
            "pv_benefits": "1500.00",
            "pv_fiscal_benefits": "1500.00",
            "net": "1500.00",
        },
    ]
    listed = client.get("/api/v1/business-cases", headers=headers).json()
    assert [(item["name"], item["current"]["number"]) for item in listed["items"]] == [("Hub pilot", 2)]


def test_the_api_refuses_a_bad_case_with_every_problem(sessions: sessionmaker[Session], client: TestClient) -> None:
    headers = token_for(sessions, Role.ANALYST)
    refused = client.post(
        "/api/v1/business-cases", json={"source": CASE.replace("years: 1", "years: 0")}, headers=headers
    )
    assert refused.status_code == 422
    problems = refused.json()["error"]["problems"]
    assert problems == [
        {
            "where": "case file, line 3, years",
            "message": "Enter the appraisal period as a whole number from 1 to 1000, not '0'",
        }
    ]
    assert client.get("/api/v1/business-cases/99/appraisal", headers=headers).status_code == 404


# Pages


def test_a_user_adds_a_case_in_the_editor_and_sees_its_results(
    sessions: sessionmaker[Session], client: TestClient
) -> None:
    analyst = signed_in(client, sessions, Role.ANALYST)
    assert "Add a business case" in analyst.get("/business-cases").text
    saved = analyst.post(
        "/business-cases/new",
        data={"source": CASE, "note": "first", "csrf_token": csrf(analyst)},
        follow_redirects=False,
    )
    assert saved.status_code == 303, saved.text
    page = analyst.get(saved.headers["location"])
    assert page.status_code == 200 and "Version 1 has been saved and appraised." in page.text
    facts = summary(page.text)
    assert facts["Net present value, fiscal"] == "+£500"  # a headline figure, in whole pounds
    assert facts["Benefit-cost ratio (all benefits ÷ costs)"] == "1.5000"
    assert facts["Discounted payback year (fiscal)"] == "2013/14"
    assert ["2013/14", "1.000000", "£1,000.00", "£1,000.00", "£1,500.00", "£1,000.00", "£1,500.00"] in cells(page.text)
    assert 'data-chart="flows"' in page.text


def test_the_editor_shows_every_problem_and_keeps_what_was_typed(
    sessions: sessionmaker[Session], client: TestClient
) -> None:
    analyst = signed_in(client, sessions, Role.ANALYST)
    bad = CASE.replace("first_year: 2013/14", "first_year: 2013-14x")
    page = analyst.post("/business-cases/new", data={"source": bad, "csrf_token": csrf(analyst)})
    assert page.status_code == 422
    assert "There is a problem" in page.text and "case file, line 2, first_year" in page.text
    assert "2013-14x" in page.text  # the text box still holds what was typed
    assert count(sessions, BusinessCase) == 0


def test_editing_saves_a_version_and_the_versions_can_be_compared(
    sessions: sessionmaker[Session], client: TestClient
) -> None:
    analyst = signed_in(client, sessions, Role.ANALYST)
    with sessions() as session, session.begin():
        case_id = service.add_case(session, ANALYST, source=CASE).id
    editor = analyst.get(f"/business-cases/{case_id}/edit")
    assert 'name="based_on" value="1"' in editor.text
    saved = analyst.post(
        f"/business-cases/{case_id}/edit",
        data={"source": CASE_V2, "note": "evaluation", "based_on": "1", "csrf_token": csrf(analyst)},
        follow_redirects=False,
    )
    assert saved.headers["location"] == f"/business-cases/{case_id}?version=2&saved=1"
    compared = analyst.get(f"/business-cases/{case_id}/compare?from=1&to=2")
    assert ["Net present value, public value", "£500.00", "£800.00", "changed"] in cells(compared.text)
    assert "Removed" in compared.text and "Added" in compared.text and "evaluation" in compared.text
    stale = analyst.post(
        f"/business-cases/{case_id}/edit",
        data={"source": CASE, "based_on": "1", "csrf_token": csrf(analyst)},
    )
    assert stale.status_code == 409 and "Version 2 was saved by" in stale.text
    download = analyst.get(f"/business-cases/{case_id}/versions/1/case.yaml")
    assert download.text == CASE and "attachment" in download.headers["content-disposition"]


def test_an_uploaded_case_file_is_read_in_place_of_the_text_box(
    sessions: sessionmaker[Session], client: TestClient
) -> None:
    analyst = signed_in(client, sessions, Role.ANALYST)
    saved = analyst.post(
        "/business-cases/new",
        data={"source": "", "csrf_token": csrf(analyst)},
        files={"upload": ("hub.yaml", CASE.encode(), "application/yaml")},
        follow_redirects=False,
    )
    assert saved.status_code == 303
    with sessions() as session:
        assert session.scalars(select(BusinessCaseVersion.source)).one() == CASE


def test_the_portfolio_page_rolls_up_stored_cases_apart_from_the_published_tables(
    sessions: sessionmaker[Session], client: TestClient
) -> None:
    viewer = signed_in(client, sessions, Role.VIEWER)
    with sessions() as session, session.begin():
        service.add_case(session, ANALYST, source=CASE)
        service.add_case(session, ANALYST, source=CASE.replace("Hub pilot", "Second pilot"))
    page = viewer.get("/business-cases/portfolio")
    assert page.status_code == 200
    rows = cells(page.text)
    # Two stored cases of NPV £500 each: costs £1,000 + £1,000, NPV £500 + £500, ratio 3,000 / 2,000
    assert ["Total", "", "£2,000.00", "", "+£1,000.00", "1.5000"] in rows
    # Seed 001's five tables add up to £300,982k; seed 004 §3.9 claims £414m
    assert ["Total, as published", "£51,490,000.00", "+£119,707,000.00", "+£181,275,000.00", "+£300,982,000.00"] in rows
    assert ["Claimed less computed", "£7,293,000.00", "£105,725,000.00", "£113,018,000.00"] in rows
    assert "claimed £414m, computed £301m" in page.text


def test_the_results_page_flags_a_partner_that_loses_and_proposes_fair_shares(
    sessions: sessionmaker[Session], client: TestClient
) -> None:
    viewer = signed_in(client, sessions, Role.VIEWER)
    with sessions() as session, session.begin():
        case_id = service.add_case(session, ANALYST, source=CASE).id
    page = viewer.get(f"/business-cases/{case_id}")
    rows = cells(page.text)
    # The council pays £1,000 and gains nothing; the police gain £1,500: good for the place, bad for the council.
    assert "but Essex County Council loses money on it" in page.text
    assert ["Essex County Council (loses money)", "£1,000.00", "£0.00", "-£1,000.00"] in rows
    # Matrix: the council pays all the cost, so all £1,500 of the police's benefits are bought by it.
    assert ["Essex County Council", "£0.00", "£1,500.00", "£1,500.00"] in rows
    # Both rules: only the police gain, so they contribute the whole £1,000 and keep £500; the council is repaid.
    proposals = [row for row in rows if row[0] == "Essex Police" and len(row) == 6]
    assert proposals == [["Essex Police", "£1,500.00", "£0.00", "£1,000.00", "+£500.00", "+£1,000.00"]] * 2
    assert 'data-chart="who-gains"' in page.text


def test_the_workings_download_is_a_workbook_whose_summary_holds_live_formulas(
    sessions: sessionmaker[Session], client: TestClient
) -> None:
    viewer = signed_in(client, sessions, Role.VIEWER)
    with sessions() as session, session.begin():
        case_id = service.add_case(session, ANALYST, source=CASE).id
    download = viewer.get(f"/business-cases/{case_id}/versions/1/workings.xlsx")
    assert download.status_code == 200 and "workings.xlsx" in download.headers["content-disposition"]
    book = openpyxl.load_workbook(io.BytesIO(download.content))
    assert book.sheetnames == ["Inputs", "Discounting", "Costs", "Outcomes", "Benefits", "Summary"]
    npv_cell = book.defined_names["NPV_Total"].attr_text  # like Summary!$C$12
    sheet, cell = npv_cell.replace("$", "").split("!")
    assert str(book[sheet][cell].value).startswith("=")


def test_the_results_page_simulates_an_uncertain_case_and_gives_break_even_values(
    sessions: sessionmaker[Session], client: TestClient
) -> None:
    viewer = signed_in(client, sessions, Role.VIEWER)
    uncertain = CASE.replace('success_rate: "0.5"', "success_rate: {uniform: [0.4, 0.6]}")
    with sessions() as session, session.begin():
        certain_id = service.add_case(session, ANALYST, source=CASE).id
        uncertain_id = service.add_case(session, ANALYST, source=uncertain.replace("Hub pilot", "Ranged")).id
    page = viewer.get(f"/business-cases/{uncertain_id}?draws=2000&seed=7")
    rows = cells(page.text)
    # The central value is the uniform's mean, 0.5: the same £500 NPV as the point estimate.
    assert summary(page.text)["Net present value, public value"] == "+£500"
    # Every draw has a success rate of at least 0.4: 10 x 0.4 x £300 = £1,200 of benefits > £1,000 of cost.
    simulated = next(row for row in rows if row[0] == "Net present value, public value" and len(row) == 6)
    assert simulated[-1] == "100.0%"
    # The same seed gives the same figures; another seed, other draws.
    assert cells(viewer.get(f"/business-cases/{uncertain_id}?draws=2000&seed=7").text) == rows
    reseeded = cells(viewer.get(f"/business-cases/{uncertain_id}?draws=2000&seed=8").text)
    assert next(row for row in reseeded if row[0] == simulated[0] and len(row) == 6) != simulated
    # P10 and P90 of uniform(0.4, 0.6) are 0.42 and 0.58: NPV = 10 x rate x £300 - £1,000 = £260 and £740.
    assert ["Success rate, Fewer repeat incidents", "0.4200", "0.5800", "+£260.00", "+£740.00", "£480.00"] in rows
    assert 'data-chart="histogram"' in page.text and 'data-chart="tornado"' in page.text
    # Break-even: 10 x s x £300 = £1,000 when s = 1/3; the unit value: 10 x 0.5 x v = £1,000 when v = £200.
    assert ["Success rate, Fewer repeat incidents", "0.5000", "0.3333"] in rows
    assert ["Value to Essex Police of each outcome, Fewer repeat incidents", "£300.00", "£200.00"] in rows
    certain = viewer.get(f"/business-cases/{certain_id}")
    assert "No input of this case is uncertain" in certain.text and 'data-chart="histogram"' not in certain.text
    assert viewer.get(f"/business-cases/{uncertain_id}?draws=0").status_code == 422


def test_the_api_appraisal_carries_fair_shares_and_a_simulation_on_request(
    sessions: sessionmaker[Session], client: TestClient
) -> None:
    headers = token_for(sessions, Role.VIEWER)
    uncertain = CASE.replace('success_rate: "0.5"', "success_rate: {uniform: [0.4, 0.6]}")
    with sessions() as session, session.begin():
        case_id = service.add_case(session, ANALYST, source=uncertain).id
    plain = client.get(f"/api/v1/business-cases/{case_id}/appraisal", headers=headers).json()
    assert "simulation" not in plain
    # Only the police gain, so under either rule they contribute the whole £1,000 of cost.
    police = [row for row in plain["shares"]["fair_shares"]["shapley"] if row["partner"] == "Essex Police"]
    assert [(row["contribution"], row["net"]) for row in police] == [("1000.00", "500.00")]
    simulated = client.get(f"/api/v1/business-cases/{case_id}/appraisal?simulate=500&seed=3", headers=headers).json()[
        "simulation"
    ]
    assert (simulated["draws"], simulated["seed"], simulated["probability_npv_positive"]) == (500, 3, "1.0000")
    assert client.get(f"/api/v1/business-cases/{case_id}/appraisal?simulate=0", headers=headers).status_code == 422


def test_fair_shares_on_the_page_count_fiscal_benefits_unless_asked_for_all(
    sessions: sessionmaker[Session], client: TestClient
) -> None:
    viewer = signed_in(client, sessions, Role.VIEWER)
    demo_case = (CASES / "domestic-abuse-hub.yaml").read_text(encoding="utf-8")
    with sessions() as session, session.begin():
        case_id = service.add_case(session, ANALYST, source=demo_case).id

    def victims_contributions(query: str) -> list[str]:
        rows = cells(viewer.get(f"/business-cases/{case_id}{query}").text)
        return [row[3] for row in rows if row[0] == "Victims and their families" and len(row) == 6]

    # Victims gain social and economic value only: counting money, they pay nothing under either rule.
    assert victims_contributions("") == ["£0.00", "£0.00"]
    # Counting all benefits (the definition), their £4,936,803.82 of gains draw a share of the cost.
    assert victims_contributions("?basis=all") == ["£2,286,892.43", "£2,293,037.67"]
    assert viewer.get(f"/business-cases/{case_id}?basis=cash").status_code == 422


def test_the_unit_cost_library_page_brings_values_to_the_chosen_price_year(
    sessions: sessionmaker[Session], client: TestClient
) -> None:
    viewer = signed_in(client, sessions, Role.VIEWER)
    page = viewer.get("/business-cases/unit-costs?price_year=2013/14")
    assert page.status_code == 200
    row = next(row for row in cells(page.text) if " domestic_abuse_incident " in row[0])
    # £2,470 in 2008/09 prices x deflator 73.0337 (2013/14) / 66.8397 (2008/09) = £2,698.89
    assert row[1:3] == ["£2,470.00 (2008/09)", "£2,698.89"]
    assert viewer.get("/business-cases/unit-costs?price_year=1990/91").status_code == 422


def test_an_uploaded_workbook_is_stored_as_the_case_file_it_stands_for(
    sessions: sessionmaker[Session], client: TestClient
) -> None:
    analyst = signed_in(client, sessions, Role.ANALYST)
    case, _ = read_case(CASE, "hub.yaml")
    assert case is not None
    saved = analyst.post(
        "/business-cases/new",
        data={"source": "", "csrf_token": csrf(analyst)},
        files={"upload": ("hub.xlsx", workbook.write_workbook(case), "application/octet-stream")},
        follow_redirects=False,
    )
    assert saved.status_code == 303, saved.text
    with sessions() as session:
        version = session.scalars(select(BusinessCaseVersion)).one()
        assert read_case(version.source, "stored.yaml")[0] == case
        assert (version.npv_total_pence, version.bcr) == (50_000, "1.5000")
    blank = analyst.post(
        "/business-cases/new",
        data={"source": "", "csrf_token": csrf(analyst)},
        files={"upload": ("blank.xlsx", workbook.template_workbook(), "application/octet-stream")},
    )
    assert blank.status_code == 422 and "blank.xlsx, Inputs!" in blank.text
    template = analyst.get("/business-cases/template.xlsx")
    assert template.content == workbook.template_workbook()
