"""`wholeplace outcomes link` on the demo, both databases: an indicator tied to a grant and to a business case
outcome from the console, linking again adds nothing, and a link that cannot be made is refused by name."""

from __future__ import annotations

from sqlalchemy import Engine, func, select
from typer.testing import CliRunner

from wholeplace.appraisal.model import BusinessCase
from wholeplace.cli import app
from wholeplace.db import session_factory
from wholeplace.demo.outcomes import DA_CASE
from wholeplace.outcomes.model import IndicatorLink, LinkKind

runner = CliRunner()


def links(engine: Engine, kind: LinkKind) -> int:
    with session_factory(engine)() as session:
        return session.scalar(select(func.count()).select_from(IndicatorLink).where(IndicatorLink.kind == kind)) or 0


def case_id(engine: Engine) -> int:
    with session_factory(engine)() as session:
        return session.scalars(select(BusinessCase.id).where(BusinessCase.name == DA_CASE)).one()


def test_an_indicator_is_linked_to_a_grant_once(demo_console: Engine) -> None:
    before = links(demo_console, LinkKind.GRANT)
    command = ["outcomes", "link", "neet-16-18", "--fund", "wecb-2013-14", "--account", "Themes:Strategic Pool"]
    result = runner.invoke(app, command)
    assert (result.exit_code, result.output) == (
        0,
        "Young people not in education, employment or training is linked to the grant Themes:Strategic Pool\n",
    )
    assert runner.invoke(app, command).exit_code == 0  # again: the same link, not a second one
    assert links(demo_console, LinkKind.GRANT) == before + 1


def test_an_indicator_is_linked_to_a_business_case_outcome_and_again_changes_nothing(demo_console: Engine) -> None:
    before = links(demo_console, LinkKind.BENEFIT)
    command = [
        "outcomes", "link", "cwac-child-protection", "--case", str(case_id(demo_console)),
        "--outcome", "Fewer children taken into care", "--area", "E06000050", "--counting", "reduction",
    ]  # fmt: skip
    result = runner.invoke(app, command)
    assert result.exit_code == 0, result.output
    assert "Children with a child protection plan for domestic abuse in Cheshire West and Chester measures" in (
        result.output
    )
    assert runner.invoke(app, command).exit_code == 0
    assert links(demo_console, LinkKind.BENEFIT) == before + 1


def test_a_link_that_cannot_be_made_is_refused_by_name(demo_console: Engine) -> None:
    unknown = runner.invoke(app, ["outcomes", "link", "burglary-of-sheds", "--case", "1"])
    assert unknown.exit_code == 1 and "indicator: There is no indicator burglary-of-sheds" in unknown.output
    nothing = runner.invoke(app, ["outcomes", "link", "all-crime"])
    assert nothing.exit_code == 1 and "Give a grant (--fund and --account) or a business case (--case)" in (
        nothing.output
    )
    wrong = runner.invoke(
        app,
        ["outcomes", "link", "all-crime", "--case", str(case_id(demo_console)), "--outcome", "Tidier gardens",
         "--area", "Essex"],
    )  # fmt: skip
    assert wrong.exit_code == 1 and "The case has no outcome 'Tidier gardens'" in wrong.output
    assert links(demo_console, LinkKind.BENEFIT) == 2  # the demo's two
