"""Names holding NUL, control, zero-width or right-to-left characters are refused everywhere they can be typed.

A NUL byte was a server error on PostgreSQL; a right-to-left override stored in a partner's name made it read
as another name. Each is refused naming the character and where it is, and nothing is stored.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from tests.factories import make_organisation
from tests.funds.test_api import token_for
from tests.funds.test_ledger import FINANCE, PCC, make_fund, make_partner, move
from wholeplace.auth import service as auth_service
from wholeplace.auth.actor import Actor
from wholeplace.auth.model import Role
from wholeplace.decisions import service as decisions
from wholeplace.decisions.model import Decision
from wholeplace.decisions.service import DecisionIn
from wholeplace.funds import ledger
from wholeplace.funds.model import Fund
from wholeplace.money import FinancialYear
from wholeplace.partners import service as partners
from wholeplace.partners.model import Organisation
from wholeplace.problems import InvalidInput

HOSTILE = {
    "nul": ("Essex\x00County Council", "U+0000 a control character at character 6"),
    "right-to-left": ("Essex \u202elicnuoC", "U+202E RIGHT-TO-LEFT OVERRIDE at character 7"),
    "zero-width": ("Es\u200bsex Police", "U+200B ZERO WIDTH SPACE at character 3"),
}


def name_a_partner(session: Session, name: str) -> None:
    partners.create_organisation(
        session, Actor.console(), {"identifier": "XX-TEST-1", "name": name, "kind": "county_council"}
    )


def name_a_fund(session: Session, name: str) -> None:
    holder = make_partner(session)
    ledger.create_fund(
        session,
        FINANCE,
        code="f-1",
        name=name,
        first_year=FinancialYear(2013),
        last_year=FinancialYear(2013),
        holder_identifier=holder.identifier,
    )


def draft_decision(session: Session, title: str, theme: str = "Strategic Pool") -> None:
    decisions.draft_decision(
        session,
        FINANCE,
        fund_id=make_fund(session).id,
        draft=DecisionIn(
            reference="A/1",
            title=title,
            report_date=dt.date(2013, 7, 30),
            author="Operating Manager",
            decision_maker=PCC,
            recommendations=[move("1", "Pool:Unallocated", f"Themes:{theme}")],
        ),
    )


def title_a_decision(session: Session, name: str) -> None:
    draft_decision(session, name)


def name_a_theme(session: Session, name: str) -> None:
    draft_decision(session, "Top up", theme=name)


def name_a_user(session: Session, name: str) -> None:
    make_organisation(session)
    auth_service.create_user(
        session,
        Actor.console(),
        email="named@essex.example",
        name=name,
        organisation_identifier="GB-LAE-ESS",
        roles=[Role.VIEWER],
        password="correct horse battery staple",
    )


NAMERS: dict[str, Callable[[Session, str], None]] = {
    "partner": name_a_partner,
    "fund": name_a_fund,
    "decision title": title_a_decision,
    "theme": name_a_theme,
    "user": name_a_user,
}


@pytest.mark.parametrize("hostile", HOSTILE, ids=list(HOSTILE))
def test_a_hostile_name_is_refused_wherever_a_name_is_given(sessions: sessionmaker[Session], hostile: str) -> None:
    name, where = HOSTILE[hostile]
    refused = []
    for what, namer in NAMERS.items():
        with sessions() as session, pytest.raises(InvalidInput) as error:  # closing the session rolls it back
            namer(session, name)
        refused.append(what)
        assert where in str(error.value), (what, str(error.value))
        assert "Type it again rather than pasting it" in str(error.value)
    assert refused == list(NAMERS) and len(refused) == 5
    with sessions() as session:
        for model in (Organisation, Fund, Decision):
            assert session.scalar(select(func.count()).select_from(model)) == 0


def test_a_nul_byte_sent_to_the_api_is_a_clear_refusal_not_a_server_error(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    admin = token_for(sessions, Role.ADMIN)
    response = client.post(
        "/api/v1/organisations",
        headers=admin,
        json={"identifier": "XX-TEST-1", "name": "Essex\x00County Council", "kind": "county_council"},
    )
    assert response.status_code == 422, response.text
    [problem] = response.json()["error"]["problems"]
    assert problem["where"] == "name" and "U+0000 a control character at character 6" in problem["message"]
