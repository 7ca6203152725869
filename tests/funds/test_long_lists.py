"""Lists that outgrow a page: nothing past a row limit is silently dropped from the statement or a choice."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import insert
from sqlalchemy.orm import Session, sessionmaker

from tests.factories import make_user, sign_in
from tests.funds.test_ledger import VIEWER, contribute, decide, make_fund, move
from wholeplace.auth.model import Role
from wholeplace.decisions.fund_pages import SOURCES_SHOWN
from wholeplace.funds import ledger
from wholeplace.money import FinancialYear
from wholeplace.partners.model import Organisation, OrganisationKind


def as_viewer(client: TestClient, sessions: sessionmaker[Session], role: Role = Role.VIEWER) -> TestClient:
    with sessions() as session, session.begin():
        make_user(session, role, email="someone@essex.example")
    sign_in(client, "someone@essex.example")
    return client


def test_a_statement_names_its_newest_decisions_and_links_to_all_of_them(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    with sessions() as session, session.begin():
        fund = make_fund(session)
        contribute(session, fund, "100")
        for n in range(SOURCES_SHOWN + 5):  # 25 allocations of £1, and the contribution: 26 decisions
            decide(session, fund, move("1", "Pool:Unallocated", "Themes:Strategic Pool"), reference=f"A/{n + 1:02}")
        fund_id = fund.id

    page = as_viewer(client, sessions).get(f"/funds/{fund_id}?as_at=2014-03-31")

    assert page.status_code == 200
    assert "that these 26 approved decisions authorised:" in page.text
    listed = re.findall(r'<li><a class="govuk-link" href="/decisions/\d+">([^<]+)</a>', page.text)
    assert len(listed) == SOURCES_SHOWN == 20
    assert f'href="/decisions?fund={fund_id}&amp;status=approved">See all 26 approved decisions' in page.text


def test_every_partner_can_be_chosen_as_a_parent_even_past_five_hundred(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    with sessions() as session, session.begin():
        session.execute(
            insert(Organisation),
            [
                {
                    "identifier": f"XX-TEST-{n:04}",
                    "name": f"Parish Council {n:04}",
                    "kind": OrganisationKind.DISTRICT_COUNCIL,
                }
                for n in range(520)
            ],
        )
    page = as_viewer(client, sessions, Role.ADMIN).get("/partners/new")

    assert page.status_code == 200
    options = re.findall(r'<option value="XX-TEST-(\d{4})"', page.text)
    assert len(options) == 520 and options[-1] == "0519"


def test_every_fund_can_be_chosen_on_the_decisions_list(client: TestClient, sessions: sessionmaker[Session]) -> None:
    with sessions() as session, session.begin():
        for n in range(3):
            make_fund(session, code=f"fund-{n}", first=FinancialYear(2013 + n), last=FinancialYear(2013 + n))
        funds = [fund.id for fund in ledger.all_funds(session, VIEWER)]
    page = as_viewer(client, sessions).get("/decisions")
    assert [int(value) for value in re.findall(r'<option value="(\d+)"', page.text)] == funds
    assert len(funds) == 3
