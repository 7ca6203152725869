"""Fund pages: the list, the statement as at a day with its Sankey chart, partner statements, re-profiling.

The figures are the demo's: PCC/038/13 (seed 000) puts £290,000 into Whole Essex Community Budgets and
allocates £272,760 of it, leaving £17,240; £8,750 of the IOM analyst's £35,000 has been spent.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tests.factories import make_user, partner_named, sign_in
from wholeplace.auth.actor import Actor
from wholeplace.auth.model import Role
from wholeplace.decisions import service as decisions
from wholeplace.decisions.model import Decision, DecisionStatus
from wholeplace.decisions.service import DecisionIn, RecommendationIn
from wholeplace.demo.funds import load_demo_funds
from wholeplace.demo.load import DATA, load_areas
from wholeplace.funds import ledger, sankey
from wholeplace.funds.engine import FundStatement, ThemeLine
from wholeplace.funds.model import Fund
from wholeplace.money import FinancialYear, Money
from wholeplace.partners import service as partners
from wholeplace.partners.model import Organisation
from wholeplace.web import charts


@dataclass(frozen=True)
class DemoMoney:
    wecb: int  # fund ids
    csf: int
    pcc_038_13: int  # decision ids
    reprofile: int
    csf_decision: int
    pcc: int  # the Police and Crime Commissioner's organisation id


def load_demo_money(sessions: sessionmaker[Session]) -> DemoMoney:
    """The demo's areas, partners, funds and decisions, without its eight users (argon2 makes those slow)."""
    with sessions() as session, session.begin():
        load_areas(session)
        text = (DATA / "partners.csv").read_text(encoding="utf-8")
        partners.import_organisations(session, Actor.console(), text=text, filename="partners.csv")
        load_demo_funds(session, Actor.console())
        fund = {f.code: f.id for f in session.scalars(select(Fund))}
        decision = {d.reference: d.id for d in session.scalars(select(Decision))}
        pcc = session.scalar(
            select(Organisation.id).where(Organisation.name == "Police and Crime Commissioner for Essex")
        )
    return DemoMoney(
        wecb=fund["wecb-2013-14"],
        csf=fund["ho-csf-2011-12"],
        pcc_038_13=decision["PCC/038/13"],
        reprofile=decision["DEMO/REPROFILE/1"],
        csf_decision=decision["ECC/SAFER-ESSEX/2011-03-10"],
        pcc=pcc or 0,
    )


def draft_strategic_pool_top_up(sessions: sessionmaker[Session], fund_id: int) -> int:
    """A draft decision giving the Strategic Pool £20,000 more, when the demo's pool holds only £17,240."""
    with sessions() as session, session.begin():
        draft = decisions.draft_decision(
            session,
            Actor.console(),
            fund_id=fund_id,
            draft=DecisionIn(
                reference="PCC/070/13",
                title="Top up the Strategic Pool",
                report_date=dt.date(2013, 11, 1),
                author="Programme Manager",
                decision_maker="Police and Crime Commissioner for Essex",
                recommendations=[
                    RecommendationIn(
                        "1",
                        "Strategic Pool",
                        Money.parse("20000"),
                        "Pool:Unallocated",
                        "Themes:Strategic Pool",
                        FinancialYear(2013),
                    )
                ],
            ),
        )
        return draft.id


def signed_in(
    client: TestClient, sessions: sessionmaker[Session], role: Role, organisation: str | None = None
) -> TestClient:
    """The client signed in as a new user with just this role, of the named partner (or the first there is)."""
    email = f"{role.value}@essex.example"
    with sessions() as session, session.begin():
        make_user(session, role, email=email, organisation=partner_named(session, organisation))
    sign_in(client, email)
    return client


def csrf(client: TestClient) -> str:
    return client.cookies["wholeplace_csrf"]


def cells(html: str) -> list[list[str]]:
    """Every table row's cells as text, to check a figure sits in the right row."""
    rows = re.findall(r"<tr class=\"govuk-table__row\">(.*?)</tr>", html, re.S)
    return [
        [re.sub(r"<[^>]+>|\s+", " ", cell).strip() for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
        for row in rows
    ]


def summary(html: str) -> dict[str, str]:
    """A page's summary list rows, key to value, as text."""
    pairs = re.findall(
        r'<dt class="govuk-summary-list__key">(.*?)</dt>\s*<dd class="govuk-summary-list__value">(.*?)</dd>', html, re.S
    )
    return {_text(key): _text(value) for key, value in pairs}


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


@pytest.fixture
def demo(sessions: sessionmaker[Session]) -> DemoMoney:
    return load_demo_money(sessions)


@pytest.fixture
def viewer(client: TestClient, sessions: sessionmaker[Session]) -> TestClient:
    return signed_in(client, sessions, Role.VIEWER)


def test_the_funds_list_shows_what_each_fund_holds(viewer: TestClient, demo: DemoMoney) -> None:
    page = viewer.get("/funds")
    assert page.status_code == 200
    assert "held in a double-entry ledger" in page.text
    rows = cells(page.text)
    assert [
        "Whole Essex Community Budgets",
        "2013/14 to 2014/15",
        "Police and Crime Commissioner for Essex",
        "£290,000.00",
        "£272,760.00",
        "£17,240.00",
    ] in rows
    assert [
        "Home Office Community Safety Fund",
        "2011/12",
        "Essex County Council",
        "£1,115,160.00",
        "£1,115,160.00",
        "£0.00",
    ] in rows
    assert f'href="/funds/{demo.wecb}"' in page.text


def test_the_wecb_statement_shows_the_money_of_pcc_038_13(viewer: TestClient, demo: DemoMoney) -> None:
    page = viewer.get(f"/funds/{demo.wecb}", params={"as_at": "2014-03-31"})
    assert page.status_code == 200
    text = page.text
    assert "Statement as at the end of 31 March 2014" in text
    assert summary(text) == {
        "Contributed by partners": "£290,000.00",
        "Allocated to themes and projects": "£272,760.00",
        "Spent": "£8,750.00",
        "Returned unspent": "£0.00",
        "Unallocated": "£17,240.00",
    }
    rows = cells(text)
    for row in (
        ["Police and Crime Commissioner for Essex", "£290,000.00", "100.00%"],
        ["Reducing Re-offending", "IOM Performance Analyst", "£35,000.00", "£8,750.00", "£0.00", "£26,250.00"],
        ["", "Link Workers", "£75,000.00", "£0.00", "£0.00", "£75,000.00"],
        ["Strategic Pool", "Held at theme level", "£17,400.00", "£0.00", "£0.00", "£17,400.00"],
        # 272,760 - 8,750 = 264,010 still held by the themes and projects
        ["Total", "", "£272,760.00", "£8,750.00", "£0.00", "£264,010.00"],
        ["2013/14", "£272,760.00", "£17,240.00", "£290,000.00"],
        ["2014/15", "£0.00", "£0.00", "£0.00"],
    ):
        assert row in rows, row
    assert re.search(r"debits equal credits: <strong>£290,000.00</strong>", text)
    assert f'<a class="govuk-link" href="/decisions/{demo.pcc_038_13}">PCC/038/13</a>' in text
    assert f'href="/decisions?fund={demo.wecb}"' in text
    assert "1 draft decision</a> is waiting for a decision maker" in text
    assert f'href="/funds/{demo.wecb}/partners/{demo.pcc}?as_at=2014-03-31"' in text


def test_the_statement_carries_its_sankey_as_data_beside_a_table_of_the_same_figures(
    viewer: TestClient, demo: DemoMoney
) -> None:
    page = viewer.get(f"/funds/{demo.wecb}").text
    data = re.search(r'<script type="application/json" data-chart="sankey">(.*?)</script>', page, re.S)
    assert data is not None
    trace = json.loads(data[1])["data"][0]
    assert trace["type"] == "sankey"
    labels = trace["node"]["label"]
    assert "Police and Crime Commissioner for Essex<br>£290,000.00" in labels
    assert "Unallocated<br>£17,240.00" in labels
    # what leaves the pool is what came in: 272,760 allocated + 17,240 unallocated
    pool = labels.index("Whole Essex Community Budgets<br>£290,000.00")
    out = [
        value for source, value in zip(trace["link"]["source"], trace["link"]["value"], strict=True) if source == pool
    ]
    assert sum(out) == 290_000
    rows = cells(page)
    assert ["Whole Essex Community Budgets", "Unallocated", "£17,240.00"] in rows
    assert ["Reducing Re-offending", "Link Workers", "£75,000.00"] in rows


def test_the_chart_is_drawn_with_plotly_from_our_own_server(viewer: TestClient, demo: DemoMoney) -> None:
    page = viewer.get(f"/funds/{demo.wecb}")
    scripts = re.findall(r"<script[^>]*\bsrc=\"([^\"]+)\"", page.text)
    assert all(src.startswith("/") for src in scripts), scripts
    assert any(src.startswith("/charts/plotly.min.js") for src in scripts)
    assert '<script type="module" src="/static/charts.js"></script>' in page.text
    assert '<link rel="stylesheet" id="plotly.js-style-global" class="no-inline-styles"' in page.text
    plotly_js = viewer.get("/charts/plotly.min.js")
    assert plotly_js.status_code == 200 and plotly_js.headers["content-type"].startswith("text/javascript")
    assert b"window.Plotly" in plotly_js.content
    css = viewer.get("/charts/plotly.css")
    assert css.headers["content-type"].startswith("text/css")
    assert ".js-plotly-plot .plotly .main-svg {position:absolute;" in css.text
    for sheet in charts.plotly_stylesheets().values():
        assert f'id="{sheet.element_id}"' in page.text
        assert viewer.get(f"/charts/{sheet.name}.css").status_code == 200
    assert viewer.get("/charts/nothing.css").status_code == 404


def test_plotly_finds_every_style_it_would_write_inline_among_our_stylesheets() -> None:
    bundle = charts.PLOTLY_JS.read_text(encoding="utf-8")
    sheets = charts.plotly_stylesheets()
    assert bundle.count('createElement("style")') == len(sheets)
    assert sheets["plotly"].classes == "no-inline-styles"
    assert 'i="plotly.js-style-"+e' in bundle  # the id it looks for before writing its base rules
    assert all(f'getElementById("{sheet.element_id}")' in bundle for name, sheet in sheets.items() if name != "plotly")


def test_a_statement_before_the_first_decision_holds_nothing(viewer: TestClient, demo: DemoMoney) -> None:
    # PCC/038/13 is dated 30 July 2013: at the end of the 29th nothing had moved
    page = viewer.get(f"/funds/{demo.wecb}", params={"as_at-day": "29", "as_at-month": "7", "as_at-year": "2013"})
    assert page.status_code == 200
    assert summary(page.text)["Contributed by partners"] == "£0.00"
    assert "No approved decision had moved money in this fund by the end of 29 July 2013" in page.text
    assert 'data-chart="sankey"' not in page.text and "/charts/plotly.min.js" not in page.text


def test_a_statement_date_that_is_not_a_real_date_is_shown_by_the_date_boxes(
    viewer: TestClient, demo: DemoMoney
) -> None:
    page = viewer.get(f"/funds/{demo.wecb}", params={"as_at-day": "31", "as_at-month": "13", "as_at-year": "2014"})
    assert page.status_code == 422
    assert page.text.count("The statement date must be a real date, like 31 3 2014") == 2
    assert 'href="#as_at-day"' in page.text and 'value="13"' in page.text


def test_a_partner_statement_shows_its_share_of_each_theme(viewer: TestClient, demo: DemoMoney) -> None:
    page = viewer.get(f"/funds/{demo.wecb}/partners/{demo.pcc}")
    assert page.status_code == 200
    rows = cells(page.text)
    # the only partner, so its share of each theme is the whole of it
    for row in (
        ["Reducing Re-offending", "£110,000.00"],
        ["Reducing Domestic Abuse", "£92,400.00"],
        ["Unallocated", "£17,240.00"],
        ["Total", "£290,000.00"],
    ):
        assert row in rows, row
    assert summary(page.text)["Share of the pool"] == "100.00% of £290,000.00"


def test_a_partner_that_put_nothing_in_is_told_so(
    viewer: TestClient, demo: DemoMoney, sessions: sessionmaker[Session]
) -> None:
    with sessions() as session:
        essex = session.scalar(select(Organisation.id).where(Organisation.identifier == "GB-LAE-ESS"))
    page = viewer.get(f"/funds/{demo.wecb}/partners/{essex}")
    assert "Essex County Council had put nothing into this fund" in page.text


def test_an_unknown_fund_is_a_404_page(viewer: TestClient, demo: DemoMoney) -> None:
    page = viewer.get("/funds/9999")
    assert page.status_code == 404 and "There is no fund 9999" in page.text


def test_a_viewer_sees_no_way_to_re_profile(viewer: TestClient, demo: DemoMoney) -> None:
    assert "Re-profile money" not in viewer.get(f"/funds/{demo.wecb}").text
    assert viewer.get(f"/funds/{demo.wecb}/reprofile").status_code == 403


REPROFILE = {
    "from_account": "Themes:Reducing Domestic Abuse:Victim Support Pilots",
    "from_year": "2013/14",
    "to_account": "same",
    "to_year": "2014/15",
    "amount": "£32,850.00",
    "reference": "PCC/061/13",
    "title": "Re-profile the victim support pilots",
    "decision_maker": "Police and Crime Commissioner for Essex",
    "reason": "The pilots in Braintree and Basildon started in January, so half of their year falls in 2014/15.",
}


def test_re_profiling_drafts_a_decision_and_moves_nothing(
    client: TestClient, sessions: sessionmaker[Session], demo: DemoMoney
) -> None:
    finance = signed_in(client, sessions, Role.FINANCE)
    statement = finance.get(f"/funds/{demo.wecb}")
    assert f'href="/funds/{demo.wecb}/reprofile"' in statement.text
    form = finance.get(f"/funds/{demo.wecb}/reprofile")
    assert "Re-profiling creates a draft decision: nothing moves until a decision maker approves it" in form.text
    response = finance.post(
        f"/funds/{demo.wecb}/reprofile", data={**REPROFILE, "csrf_token": csrf(finance)}, follow_redirects=False
    )
    assert response.status_code == 303
    page = finance.get(response.headers["location"])
    assert "PCC/061/13 has been drafted. Nothing moves until a decision maker approves it." in page.text
    assert [
        "1",
        "Move £32,850.00 of Reducing Domestic Abuse: Victim Support Pilots from 2013/14 to 2014/15",
        "Victim Support Pilots (Reducing Domestic Abuse)",
        "Victim Support Pilots (Reducing Domestic Abuse)",
        "2013/14 to 2014/15",
        "£32,850.00",
    ] in cells(page.text)
    with sessions() as session:
        drafted = session.scalar(select(Decision).where(Decision.reference == "PCC/061/13"))
        assert drafted is not None and drafted.status is DecisionStatus.DRAFT
        assert drafted.purpose == REPROFILE["reason"]
        by_year = ledger.statement(session, Actor.console(), fund_id=demo.wecb).allocated_by_year
    assert dict(by_year) == {FinancialYear(2013): Money.parse("272760")}


def test_the_re_profiling_form_names_every_problem_and_keeps_what_was_typed(
    client: TestClient, sessions: sessionmaker[Session], demo: DemoMoney
) -> None:
    finance = signed_in(client, sessions, Role.FINANCE)
    typed = {**REPROFILE, "amount": "", "reference": "", "from_year": "", "csrf_token": csrf(finance)}
    page = finance.post(f"/funds/{demo.wecb}/reprofile", data=typed)
    assert page.status_code == 422
    for message in ("Enter an amount", "Enter the decision&#39;s reference", "Select the year to move money from"):
        assert page.text.count(message) == 2, message  # in the summary and by the field
    assert 'href="#amount"' in page.text and 'value="Re-profile the victim support pilots"' in page.text
    page = finance.post(f"/funds/{demo.wecb}/reprofile", data={**REPROFILE, "amount": "0", "csrf_token": csrf(finance)})
    assert page.text.count("Amount must be £0.01 or more") == 2
    page = finance.post(
        f"/funds/{demo.wecb}/reprofile", data={**REPROFILE, "amount": "12.345", "csrf_token": csrf(finance)}
    )
    assert "has more than 2 decimal places" in page.text


def test_re_profiling_to_the_same_year_and_account_is_refused_by_the_service(
    client: TestClient, sessions: sessionmaker[Session], demo: DemoMoney
) -> None:
    finance = signed_in(client, sessions, Role.FINANCE)
    same = {**REPROFILE, "to_year": "2013/14", "csrf_token": csrf(finance)}
    page = finance.post(f"/funds/{demo.wecb}/reprofile", data=same)
    assert page.status_code == 422
    assert page.text.count("Money must move to another account or year") == 2
    assert 'href="#to_account"' in page.text
    with sessions() as session:
        assert session.scalar(select(Decision).where(Decision.reference == "PCC/061/13")) is None


def _statement(*lines: ThemeLine, unallocated: str = "0") -> FundStatement:
    contributed = Money.total(line.allocated for line in lines) + Money.parse(unallocated)
    return FundStatement(
        as_at=dt.date(2014, 3, 31),
        contributed_by_partner=(("Essex County Council", contributed),),
        lines=lines,
        unallocated_by_year=((FinancialYear(2013), Money.parse(unallocated)),),
        allocated_by_year=(),
    )


def test_the_sankey_flows_add_up_at_every_node() -> None:
    statement = _statement(
        ThemeLine("Reducing Re-offending", "Link Workers", Money.parse("75000"), Money(0), Money(0)),
        ThemeLine("Reducing Re-offending", None, Money.parse("5000"), Money(0), Money(0)),
        ThemeLine("Strategic Pool", None, Money.parse("17400"), Money(0), Money(0)),
        unallocated="17240",
    )
    flows = sankey.flows(statement, pool="Pool")
    assert [(f.source.label, f.target.label, str(f.amount)) for f in flows] == [
        ("Essex County Council", "Pool", "£114,640.00"),
        ("Pool", "Reducing Re-offending", "£80,000.00"),
        ("Reducing Re-offending", "Link Workers", "£75,000.00"),
        # money a theme holds beside its projects gets a node of its own, so the theme's flows add up
        ("Reducing Re-offending", "Reducing Re-offending: not yet given to a project", "£5,000.00"),
        ("Pool", "Strategic Pool", "£17,400.00"),
        ("Pool", "Unallocated", "£17,240.00"),
    ]
    node = sankey.figure(statement, pool="Pool")["data"][0]["node"]
    x_of = dict(zip(node["label"], node["x"], strict=True))
    # a theme without projects and the unallocated remainder sit in the themes' column
    assert x_of["Strategic Pool<br>£17,400.00"] == x_of["Reducing Re-offending<br>£80,000.00"]
    assert x_of["Unallocated<br>£17,240.00"] == x_of["Strategic Pool<br>£17,400.00"]
    assert all(0 < value < 1 for value in node["x"] + node["y"])


def test_sankey_labels_show_names_as_written() -> None:
    statement = _statement(ThemeLine("Drugs & <b>Alcohol</b>", None, Money.parse("10"), Money(0), Money(0)))
    labels = sankey.figure(statement)["data"][0]["node"]["label"]
    assert "Drugs &amp; &lt;b&gt;Alcohol&lt;/b&gt;<br>£10.00" in labels
