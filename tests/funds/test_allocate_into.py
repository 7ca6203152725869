"""`wholeplace allocate PLAN --into FUND` drafts a decision that moves nothing until it is approved."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from typer.testing import CliRunner

from wholeplace.auth.actor import Actor
from wholeplace.cli import app
from wholeplace.db import session_factory
from wholeplace.decisions.model import Decision, DecisionStatus
from wholeplace.funds import ledger
from wholeplace.money import Money
from wholeplace.settings import get_settings

PLAN = """name: WECB underspend
total: "10000"
lines:
  - recipient: Strategic Pool
    fraction: "1/2"
  - group: Reducing Domestic Abuse
    fraction: "1/2"
    weights: {MASH Analyst: 1, Victim Support Pilots: 2}
"""


@pytest.fixture
def demo(demo_engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Iterator[Engine]:
    monkeypatch.setenv("WHOLEPLACE_DATABASE_URL", demo_engine.url.render_as_string(hide_password=False))
    get_settings.cache_clear()
    yield demo_engine
    get_settings.cache_clear()


def test_a_plan_drafted_into_a_fund_moves_nothing_until_approved(demo: Engine, tmp_path: Path) -> None:
    plan = tmp_path / "plan.yaml"
    plan.write_text(PLAN)
    result = CliRunner().invoke(
        app, ["allocate", str(plan), "--into", "wecb-2013-14", "--reference", "PLAN/1", "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    with session_factory(demo)() as session:
        decision = session.scalars(select(Decision).where(Decision.reference == "PLAN/1")).one()
        assert decision.status is DecisionStatus.DRAFT
        # £10,000: half to the Strategic Pool; the other half 1:2, £1,666.67 and £3,333.33 (the odd penny to the 2/3)
        assert [(r.to_account.path, Money(r.amount_pence)) for r in decision.recommendations] == [
            ("Themes:Strategic Pool", Money(500000)),
            ("Themes:Reducing Domestic Abuse:MASH Analyst", Money(166667)),
            ("Themes:Reducing Domestic Abuse:Victim Support Pilots", Money(333333)),
        ]
        fund = ledger.fund_by_code(session, Actor.console(), "wecb-2013-14")
        assert ledger.statement(session, Actor.console(), fund_id=fund.id).unallocated == Money(1724000)


def test_allocating_into_a_fund_needs_a_reference(demo: Engine, tmp_path: Path) -> None:
    plan = tmp_path / "plan.yaml"
    plan.write_text(PLAN)
    result = CliRunner().invoke(app, ["allocate", str(plan), "--into", "wecb-2013-14"])
    assert result.exit_code == 1
    assert "--reference: Give the draft decision a reference" in result.output
