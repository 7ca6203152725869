"""The guided business case: question pages walked with the test client to a saved case that is the same case as
its YAML, every step refusing hostile input on its field with nothing saved, no duplicate on a refresh, and
tornado and break-even rows named in the case's words across the demo.
"""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from tests.appraisal.test_business_cases import ANALYST, CASE, count
from tests.funds.test_pages import csrf, signed_in, summary
from wholeplace.appraisal import service, uncertainty
from wholeplace.appraisal.case_file import read_case
from wholeplace.appraisal.guided_draft import Draft, encode
from wholeplace.appraisal.model import BusinessCase, BusinessCaseVersion
from wholeplace.auth.model import Role
from wholeplace.db import session_factory

# What the walk below types, as a case file. Two years on the Green Book schedule (3.5%); a range on the
# success rate, centred on the 25% typed first; the police's value from the unit cost library at 2013/14 prices.
SAME_CASE = """\
name: Guided hub
first_year: 2013/14
years: 2
partners: [Essex County Council, Essex Police]
costs:
  - {name: Hub staff, payer: Essex County Council, kind: revenue, by_year: {2013/14: 260000, 2014/15: 398000},
     confidence: 3}
  - {name: Police time, payer: Essex Police, kind: in_kind, amount: 50000}
cohort: {size: 1160, engagement: "0.8"}
outcomes:
  - name: Fewer repeat incidents
    success_rate: {triangular: [0.2, 0.25, 0.4]}
    deadweight: "0.1"
    duration_years: 2
    drop_off: "0.5"
    benefits:
      - {beneficiary: Essex Police, kind: fiscal_cashable, unit_cost: domestic_abuse_incident, cashable_share: "0.25"}
      - {beneficiary: Essex County Council, kind: social, unit_value: 500}
"""
WALK: list[tuple[str, dict[str, str]]] = [
    ("about", {"name": "Guided hub", "first_year": "2013/14", "years": "2", "discount_rate": ""}),
    ("partners", {"partners": "Essex County Council\r\nEssex Police\r\n"}),
    (
        "costs",
        {
            "action": "add",
            "cost_name": "Hub staff",
            "payer": "Essex County Council",
            "kind": "revenue",
            "amount-0": "260,000",
            "amount-1": "£398,000",
            "confidence": "3",
        },
    ),
    (
        "costs",
        {"action": "add", "cost_name": "Police time", "payer": "Essex Police", "kind": "in_kind"}
        | {"amount-0": "50000", "amount-1": "50000"},
    ),
    ("people", {"people-0": "1160", "people-1": "1,160", "engagement": "80%"}),
    (
        "outcomes",
        {"action": "add", "outcome_name": "Fewer repeat incidents", "success_rate": "25%", "deadweight": "0.1"}
        | {"duration_years": "2", "drop_off": "50%"},
    ),
    (
        "benefits",
        {"action": "add", "outcome": "0", "beneficiary": "Essex Police", "kind": "fiscal_cashable"}
        | {"unit_cost": "domestic_abuse_incident", "cashable_share": "25%"},
    ),
    (
        "benefits",
        {"action": "add", "outcome": "0", "beneficiary": "Essex County Council", "kind": "social"}
        | {"unit_value": "500"},
    ),
    # Inputs a range may be given for, in order: people (the same each year), engagement, the police's time (the
    # same each year), the success rate, deadweight, drop-off, and the council's own value: the success rate is 3.
    ("ranges", {"low-3": "20%", "high-3": "40%"}),
]


def post(client: TestClient, step: str, location: str, fields: dict[str, str]) -> Any:
    token = re.search(r"draft=([^&]+)", location)
    data = {"csrf_token": csrf(client), "draft": token[1] if token else ""} | fields
    return client.post(f"/business-cases/guided/{step}", data=data, follow_redirects=False)


def walk(client: TestClient) -> str:
    """Every step of WALK, each answered and redirected; the address of check your answers."""
    location = "/business-cases/guided/about"
    assert client.get(location).status_code == 200
    for step, fields in WALK:
        answered = post(client, step, location, fields)
        assert answered.status_code == 303, (step, answered.text[-2000:])
        location = answered.headers["location"]
        assert client.get(location).status_code == 200
    return location


def test_the_guided_form_saves_the_same_case_as_its_yaml_to_the_penny(
    sessions: sessionmaker[Session], client: TestClient
) -> None:
    finance = signed_in(client, sessions, Role.FINANCE)
    location = walk(finance)
    assert location.startswith("/business-cases/guided/check?draft=")
    check = finance.get(location)
    assert "There is a problem" not in check.text and "The same case as YAML" in check.text
    assert finance.get(location.replace("/check?", "/check/workbook.xlsx?")).content[:2] == b"PK"
    saved = post(finance, "check", location, {"note": "walked"})
    assert saved.status_code == 303, saved.text[-2000:]
    with sessions() as session:
        guided = session.scalars(select(BusinessCaseVersion)).one()
        typed = service.add_case(session, ANALYST, source=SAME_CASE.replace("Guided hub", "Typed hub")).current
        assert read_case(guided.source, "guided")[0] == read_case(SAME_CASE, "typed")[0]
        figures = ("pv_costs_pence", "pv_benefits_pence", "npv_fiscal_pence", "npv_total_pence", "bcr")
        assert [getattr(guided, name) for name in figures] == [getattr(typed, name) for name in figures]
        assert guided.npv_total_pence != 0 and guided.note == "walked"
    # A refresh of the page it landed on shows it again and saves nothing more.
    first, again = finance.get(saved.headers["location"]), finance.get(saved.headers["location"])
    assert first.status_code == again.status_code == 200 and "Version 1 has been saved" in again.text
    assert count(sessions, BusinessCaseVersion) == 1


def test_a_refresh_after_a_step_posts_nothing_and_shows_the_same_answers(
    sessions: sessionmaker[Session], client: TestClient
) -> None:
    finance = signed_in(client, sessions, Role.FINANCE)
    answered = post(finance, *WALK[0][0:1], "", WALK[0][1])
    location = answered.headers["location"]
    assert location.startswith("/business-cases/guided/partners?draft=")
    about = location.replace("/partners?", "/about?")
    first, again = finance.get(about), finance.get(about)
    assert first.text.count('value="Guided hub"') == again.text.count('value="Guided hub"') == 1
    # Any step opens on a new draft, saying what to answer first where it needs the period or the partners.
    steps = ("about", "partners", "costs", "people", "outcomes", "benefits", "ranges", "check")
    opened = [finance.get(f"/business-cases/guided/{step}") for step in steps]
    assert [page.status_code for page in opened] == [200] * 8
    assert "Give the first year and the number of years first" in opened[2].text
    assert finance.get("/business-cases/guided/nowhere").status_code == 422
    assert count(sessions, BusinessCase) == 0


def draft_for(client: TestClient) -> str:
    """A draft with its period and partners, a cost, people and an outcome, signed for this browser."""
    case: dict[str, Any] = {
        "name": "Hostile hub",
        "first_year": "2013/14",
        "years": 1,
        "partners": ["Essex County Council", "Essex Police"],
        "costs": [{"name": "Hub staff", "payer": "Essex County Council", "kind": "revenue", "amount": "1000.00"}],
        "cohort": {"size": "10"},
        "outcomes": [{"name": "Fewer repeats", "success_rate": "0.5", "lag_years": 0, "duration_years": 1}],
    }
    return "/business-cases/guided/x?draft=" + encode(Draft(case), csrf(client))


GOOD = {
    "about": {"name": "Hub", "first_year": "2013/14", "years": "1", "discount_rate": ""},
    "partners": {"partners": "Essex Police"},
    "costs": {"action": "add", "cost_name": "Staff", "payer": "Essex Police", "kind": "revenue", "amount-0": "10"},
    "people": {"people-0": "10", "engagement": ""},
    "outcomes": {"action": "add", "outcome_name": "Fewer", "success_rate": "0.5"},
    "benefits": {"action": "add", "outcome": "0", "beneficiary": "Essex Police", "kind": "economic"}
    | {"unit_value": "10"},
    # 0: people, 1: the cost's amount (£1,000 a year), 2: the success rate (0.5)
    "ranges": {"low-1": "900", "high-1": "£1,200", "low-2": "0.4", "high-2": "0.6"},
}
# (step, field, hostile value, the field that says so)
HOSTILE = [
    ("about", "name", "", "name"),
    ("about", "name", "x" * 301, "name"),
    ("about", "first_year", "14", "first_year"),
    ("about", "first_year", "200000", "first_year"),
    ("about", "first_year", "9999/00", "first_year"),
    ("about", "years", "0", "years"),
    ("about", "years", "200000", "years"),
    ("about", "years", "1e30", "years"),
    ("about", "discount_rate", "NaN", "discount_rate"),
    ("about", "discount_rate", "1e30", "discount_rate"),
    ("about", "discount_rate", "-5%", "discount_rate"),
    ("partners", "partners", "", "partners"),
    ("partners", "partners", "Essex Police\nEssex Police", "partners"),
    ("partners", "partners", "Essex\u202ePolice", "partners"),
    ("costs", "amount-0", "12345678901234567890123", "amount-0"),
    ("costs", "amount-0", "1e30", "amount-0"),
    ("costs", "amount-0", "NaN", "amount-0"),
    ("costs", "amount-0", "-5", "amount-0"),
    ("costs", "amount-0", "", "amount-0"),
    ("costs", "payer", "Kent Police", "payer"),
    ("costs", "kind", "bogus", "kind"),
    ("costs", "confidence", "7", "confidence"),
    ("costs", "cost_name", "", "cost_name"),
    ("people", "people-0", "1e30", "people-0"),
    ("people", "people-0", "NaN", "people-0"),
    ("people", "people-0", "-3", "people-0"),
    ("people", "people-0", "12345678901234567890123", "people-0"),
    ("people", "engagement", "2", "engagement"),
    ("outcomes", "success_rate", "", "success_rate"),
    ("outcomes", "success_rate", "NaN", "success_rate"),
    ("outcomes", "success_rate", "1e30", "success_rate"),
    ("outcomes", "lag_years", "200000", "lag_years"),
    ("outcomes", "duration_years", "0", "duration_years"),
    ("benefits", "unit_value", "1e30", "unit_value"),
    ("benefits", "unit_value", "-5", "unit_value"),
    ("benefits", "unit_value", "NaN", "unit_value"),
    ("benefits", "outcome", "5", "outcome"),
    ("benefits", "cashable_share", "0.5", "cashable_share"),  # on an economic benefit
    ("ranges", "low-2", "1e30", "low-2"),
    ("ranges", "low-2", "0.55", "low-2"),  # above the central 0.5
    ("ranges", "high-2", "", "high-2"),  # a low and no high
    ("ranges", "low-1", "12345678901234567890123", "low-1"),  # the cost's amount, in pounds
]


def test_each_steps_hostile_values_are_refused_on_their_field_and_nothing_is_saved(
    sessions: sessionmaker[Session], client: TestClient
) -> None:
    finance = signed_in(client, sessions, Role.FINANCE)
    location = draft_for(finance)
    for step, good in GOOD.items():  # the good answers pass, so each refusal below is its hostile value's
        assert post(finance, step, location, good).status_code == 303, step
    refused = 0
    for step, field, value, error_field in HOSTILE:
        page = post(finance, step, location, GOOD[step] | {field: value})
        assert page.status_code == 422, (step, field, value, page.text[-1500:])
        assert "There is a problem" in page.text and f'id="{error_field}-error"' in page.text, (step, field, value)
        refused += 1
    assert refused == len(HOSTILE) == 42
    assert count(sessions, BusinessCase) == 0


def test_a_draft_signed_for_another_browser_or_tampered_with_is_refused(
    sessions: sessionmaker[Session], client: TestClient
) -> None:
    finance = signed_in(client, sessions, Role.FINANCE)
    elsewhere = encode(Draft({"name": "Planted"}), "another browser's token")
    assert finance.get(f"/business-cases/guided/check?draft={elsewhere}").status_code == 422
    mine = encode(Draft({"name": "Mine"}), csrf(finance))
    assert finance.get(f"/business-cases/guided/check?draft={mine[:-1]}x").status_code == 422
    assert finance.get(f"/business-cases/guided/check?draft={mine}").status_code == 200


def test_a_stored_case_opens_in_the_guided_form_and_saves_its_next_version(
    sessions: sessionmaker[Session], client: TestClient
) -> None:
    finance = signed_in(client, sessions, Role.FINANCE)
    with sessions() as session, session.begin():
        case_id = service.add_case(session, ANALYST, source=CASE).id
    opened = finance.get(f"/business-cases/{case_id}/guided", follow_redirects=False)
    assert opened.status_code == 303
    check = finance.get(opened.headers["location"])
    assert summary(check.text)["Name"].startswith("Hub pilot") and "+£500" in check.text
    renamed = post(finance, "about", opened.headers["location"], GOOD["about"] | {"name": "Hub pilot, renamed"})
    saved = post(finance, "check", renamed.headers["location"], {"note": "renamed"})
    assert saved.headers["location"] == f"/business-cases/{case_id}?version=2&saved=1"
    with sessions() as session:
        assert session.get(BusinessCase, case_id).name == "Hub pilot, renamed"  # type: ignore[union-attr]


def test_tornado_and_break_even_rows_are_named_in_the_cases_words_across_the_demo(demo_engine: Engine) -> None:
    walked = 0
    with session_factory(demo_engine)() as session:
        for business_case in session.scalars(select(BusinessCase)):
            for version in business_case.versions:
                case = service.read_source(version.source)
                rows = [*uncertainty.tornado(case), *uncertainty.break_even(case)]
                for row in rows:
                    assert "[" not in row.label and not row.label.startswith(("costs", "cohort", "outcomes")), row
                    assert row.label != row.key_path
                walked += len(rows)
    # The demo's one case: version 1 breaks even on its 4 success rates and 8 unit values (12 rows, no tornado);
    # version 2 gives five inputs ranges: 5 tornado bars, and break-even rows for those 5 and for the 3 success
    # rates and 7 unit values left as single numbers (15).
    assert walked == 12 + 5 + 15


# The same hostile values pasted as YAML, in the editor for a new case and for a stored one
HOSTILE_YAML = [
    ("amount: 1000", "amount: 12345678901234567890123", "costs[0].amount"),
    ("amount: 1000", "amount: 1e30", "costs[0].amount"),
    ("amount: 1000", "amount: .nan", "costs[0].amount"),
    ("amount: 1000", "amount: -5", "costs[0].amount"),
    ("amount: 1000", "amount: {uniform: [1, 1e30]}", "costs[0].amount.uniform"),
    ("size: 10", "size: 12345678901234567890123", "cohort.size"),
    ("size: 10", "size: 1e20", "cohort.size"),
    ("size: 10", "size: {triangular: [1, 2, 1e20]}", "cohort.size.triangular"),
    ("unit_value: 300", "unit_value: 1e30", "unit_value"),
    ("first_year: 2013/14", "first_year: 14", "first_year"),
    ("first_year: 2013/14", "first_year: 200000", "first_year"),
    ("first_year: 2013/14", "first_year: 9999/00", "first_year"),
    ("name: Hub pilot", "name: " + "x" * 301, "name"),
    # each number allowed, the product not: 100 million people x £10 billion each is past £10 trillion
    ("size: 10", "size: 100000000\n  engagement: 1", "Present value of benefits comes to"),
]


def test_the_yaml_editor_refuses_hostile_amounts_and_years_on_their_line_never_a_500(
    sessions: sessionmaker[Session], client: TestClient
) -> None:
    finance = signed_in(client, sessions, Role.FINANCE)
    with sessions() as session, session.begin():
        case_id = service.add_case(session, ANALYST, source=CASE).id
    walked = 0
    for old, new, where in HOSTILE_YAML:
        source = CASE.replace(old, new)
        if where.startswith("Present value"):
            source = source.replace("unit_value: 300", "unit_value: 10000000000")
        for path, extra in (("/business-cases/new", {}), (f"/business-cases/{case_id}/edit", {"based_on": "1"})):
            page = finance.post(path, data={"source": source, "csrf_token": csrf(finance)} | extra)
            assert page.status_code == 422 and where in page.text, (new, path, page.text[-1500:])
            walked += 1
    assert walked == 2 * len(HOSTILE_YAML) == 28
    assert count(sessions, BusinessCase) == 1 and count(sessions, BusinessCaseVersion) == 1
